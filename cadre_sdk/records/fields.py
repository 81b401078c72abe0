"""The column helper and the record decorator: one declaration per field carries the type,
the converter that normalizes clerks' input, the validator, the Chinese title and the header
aliases.

Everything that checks a field derives from that one declaration (``column`` and the kind
table ``KINDS``): the attrs validators (required, bounds, length), the JSON Schema fragment
(``cadre_sdk.records.schemas``: the checked-in ``schemas/`` copy and the fast validators built from it)
and the thorough check (``cadre_sdk.records.schemas.problems``) that says in Chinese what is wrong
with a value (each kind's ``hint``; never a schema keyword, an English message or a regular
expression).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import functools
import re
import unicodedata
from typing import Any

import attrs

from cadre_sdk.core import normalize as nz

def clean_code(value: Any) -> str | None:
    """An identifier or code: full-width folded to ASCII, surrounding and inner spaces removed."""
    if value is None:
        return None
    if value.__class__ is str and value.isascii() and value.isprintable() and " " not in value:
        return value or None  # NFKC leaves printable ASCII as it is, and there is no space
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed into a numeric Excel cell
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if "\x00" in text:
        raise ValueError("含有非法的空字符（NUL）")
    return text or None


#: Codes that ``clean_code`` gives back unchanged (each non-empty printable ASCII without a
#: space), joined by NUL.
_PLAIN_CODES = re.compile(r"(?:[!-~]+\x00)*+[!-~]+", re.ASCII)


def plain_codes(values: Iterable[Any]) -> bool:
    """Whether ``clean_code`` gives back every value as it is (each a non-empty printable
    ASCII text without a space), judged at once (at least one value)."""
    column = values if isinstance(values, (list, tuple)) else list(values)
    if not column:
        return False
    try:
        joined = "\x00".join(column)
    except TypeError:  # a value that is not text
        return False
    # (a value holding a NUL itself would look like two codes: count the joins)
    return joined.count("\x00") == len(column) - 1 and _PLAIN_CODES.fullmatch(joined) is not None


#: Every record class, by kind, in declaration order (the order references allow loading in).
RECORD_TYPES: dict[str, type] = {}

#: The years a ``year`` field (考核年度, 培训年度, 关爱年度: the year a record of the cadre
#: system is about) may hold. 1949: the cadre-management system these records belong to
#: dates from the founding of the People's Republic; no annual assessment, training or care
#: record is older. Dates (出生年月, résumé spells) keep the wider range of the normalizer
#: (``normalize.MIN_YEAR``, 1900), since people born before 1949 appear in them. The converter
#: and the schema both take the bounds from here, so they cannot disagree.
YEAR_RANGE = (1949, 2100)


@attrs.frozen
class Kind:
    """One kind of field: the converter from clerk input, the JSON Schema fragment of the
    converted value, and ``hint``, the Chinese statement of what a value must look like (shown
    to clerks when a value breaks the schema)."""

    convert: Callable[[Any], Any]
    schema: Mapping[str, Any]
    hint: str


def _year(value: Any) -> int | None:
    return nz.to_year(value, minimum=YEAR_RANGE[0], maximum=YEAR_RANGE[1])


#: Field kinds, by name.
KINDS: dict[str, Kind] = {
    "text": Kind(nz.clean_text, {"type": "string"}, "应为文字"),
    # names are stored as written (no Traditional -> Simplified): see normalize.clean_name
    "name": Kind(nz.clean_name, {"type": "string"}, "应为姓名或名称"),
    "code": Kind(clean_code, {"type": "string", "pattern": r"^[0-9A-Za-z_.\-]+$"},
                 "只能由英文字母、数字、下划线、点和连字符组成（不能含汉字、空格或其他符号）"),
    "int": Kind(nz.to_int, {"type": "integer"}, "应为整数"),
    "number": Kind(nz.to_float, {"type": "number"}, "应为数字"),
    "bool": Kind(nz.to_bool, {"type": "boolean"}, "应填“是”或“否”"),
    "date": Kind(nz.to_date,
                 {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                 "应为日期，例如 2024-03-01 或 2024年3月1日"),
    "month": Kind(nz.to_month, {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                  "应为年月，例如 2024-03 或 2024.03"),
    "date_or_month": Kind(nz.to_date_or_month,
                          {"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"},
                          "应为日期或年月，例如 2024-03-01 或 2024.03"),
    "year": Kind(_year, {"type": "integer", "minimum": YEAR_RANGE[0], "maximum": YEAR_RANGE[1]},
                 f"应为 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} 之间的 4 位年份"),
    "id_number": Kind(lambda v: None if clean_code(v) is None else nz.check_id_number(v),
                      {"type": "string", "pattern": r"^\d{17}[\dX]$"},
                      "应为 18 位居民身份证号码（最后一位可为 X）"),
}


def _enum_converter(choices: tuple[str, ...], synonyms: Mapping[str, str]) -> Callable:
    # A choice is found whatever the width of its punctuation (其他（请说明） or 其他(请说明)):
    # text keeps Chinese punctuation as written, so both sides are compared with it folded.
    lookup = {nz.old_folding(k).lower(): v for k, v in synonyms.items()}
    lookup.update({nz.old_folding(c).lower(): c for c in choices})

    def convert(value: Any) -> str | None:
        text = nz.clean_text(value)
        if text is None:
            return None
        found = lookup.get(nz.old_folding(text).lower())
        if found is None:
            raise ValueError(f"“{text}”不是可接受的取值；可填：{'、'.join(choices)}")
        return found

    return convert


def _with_synonyms(convert: Callable[[Any], Any], synonyms: Mapping[str, str]) -> Callable:
    """A free field's converter that also writes a usual short form the standard way (民族
    “汉” → “汉族”); anything else stays as converted."""
    def converted(value: Any) -> Any:
        text = convert(value)
        return synonyms.get(text, text) if text.__class__ is str else text
    return converted


def _list_converter(choices: tuple[str, ...] | None, synonyms: Mapping[str, str]) -> Callable:
    item = _enum_converter(choices, synonyms) if choices else nz.clean_text

    def convert(value: Any) -> str | None:
        if value is None:
            return None
        parts = value if isinstance(value, (list, tuple)) else \
            str(value).replace("，", ",").replace("、", ",").replace("；", ",").replace(";", ",").split(",")
        out = [item(p) for p in parts]
        return ",".join(sorted({p for p in out if p})) or None

    return convert


def _required(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is None:
        raise ValueError(f"必填项“{attribute.metadata['title']}”为空")


def _bounds(minimum: float | None, maximum: float | None) -> Callable:
    def check(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        if value is None:
            return
        if minimum is not None and value < minimum:
            raise ValueError(f"“{attribute.metadata['title']}”应不小于 {minimum}，实为 {value}")
        if maximum is not None and value > maximum:
            raise ValueError(f"“{attribute.metadata['title']}”应不大于 {maximum}，实为 {value}")
    return check


def _max_length(limit: int) -> Callable:
    def check(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        if isinstance(value, str) and len(value) > limit:
            raise ValueError(f"“{attribute.metadata['title']}”过长：{len(value)} 个字符，上限 {limit}")
    return check


def column(
    title: str,
    kind: str = "text",
    *,
    aliases: Iterable[str] = (),
    required: bool = True,
    key: bool = False,
    pii: bool = False,
    ref: str | None = None,
    choices: Mapping[str, str] | None = None,
    synonyms: Mapping[str, str] | None = None,
    many: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    max_length: int = 200,
    description: str = "",
    default: Any = None,
) -> Any:
    """Declare one field of a record.

    ``title`` is the Chinese column title (also accepted as a header); ``aliases`` are other
    headers clerks use. ``choices`` is a vocabulary (English synonym -> Chinese term, see
    ``vocab``); ``synonyms`` adds to it, or, for a field without ``choices``, maps a usual
    short form to the standard one; ``many`` stores several choices comma-joined. ``ref`` names the record kind this
    field refers to by primary key. ``pii`` marks personal data the publication must withhold.
    """
    if choices is not None:
        canon = tuple(dict.fromkeys(choices.values()))
        syn = {**choices, **(synonyms or {})}
        converter = _list_converter(canon, syn) if many else _enum_converter(canon, syn)
        fragment: dict = {"type": "string"} if many else {"type": "string", "enum": list(canon)}
        hint = f"可填：{'、'.join(canon)}" + ("（可填多项，以逗号或顿号分隔）" if many else "")
    elif many:
        converter, fragment, canon = _list_converter(None, {}), {"type": "string"}, ()
        hint = KINDS["text"].hint
    else:
        converter, fragment, hint = KINDS[kind].convert, dict(KINDS[kind].schema), KINDS[kind].hint
        canon = ()
        if synonyms:
            converter = _with_synonyms(converter, synonyms)
    validators: list[Callable] = []
    if required:
        validators.append(_required)
    if minimum is not None or maximum is not None:
        validators.append(_bounds(minimum, maximum))
    if fragment.get("type") == "string":
        validators.append(_max_length(max_length))
    metadata = {
        "title": title, "kind": "enum" if choices is not None else kind, "aliases": tuple(aliases),
        "required": required, "key": key, "pii": pii, "ref": ref, "choices": canon, "many": many,
        "minimum": minimum, "maximum": maximum, "max_length": max_length,
        "description": description, "schema": fragment, "hint": hint,
    }
    return attrs.field(
        default=None if required else default,
        converter=converter,
        validator=validators,
        metadata=metadata,
        kw_only=True,
    )


def record(kind: str, title: str, *, key: tuple[str, ...] = ("id",), description: str = "",
           checks: Iterable[Callable[[Any], None]] = (), append_only: bool = False,
           refused_headers: Mapping[str, str] | None = None, amend_hint: str = ""
           ) -> Callable[[type], type]:
    """Class decorator: make ``cls`` a frozen attrs record of ``kind`` and register it.

    ``checks`` are whole-record validators (e.g. an end date not before the start), run after
    the field validators; each raises ``ValueError`` with a Chinese message. ``append_only``
    records may be added but never changed once stored (a case's events, for the audit trail).
    ``refused_headers`` maps a header clerks may write that the kind deliberately has no column
    for to the Chinese reason the loader gives instead of "unknown column"; ``amend_hint`` is
    the Chinese sentence telling a clerk who reloads a changed append-only record how to
    correct it instead.
    """
    def wrap(cls: type) -> type:
        cls.__kind__ = kind
        cls.__title__ = title
        cls.__key__ = key
        cls.__description__ = description or (cls.__doc__ or "").strip().split("\n")[0]
        cls.__checks__ = tuple(checks)
        cls.__append_only__ = append_only
        cls.__refused_headers__ = dict(refused_headers or {})
        cls.__amend_hint__ = amend_hint

        def __attrs_post_init__(self: Any) -> None:
            for check in type(self).__checks__:
                check(self)

        cls.__attrs_post_init__ = __attrs_post_init__
        frozen = attrs.frozen(cls)
        if kind in RECORD_TYPES:
            raise TypeError(f"record kind {kind!r} is declared twice")
        RECORD_TYPES[kind] = frozen
        return frozen

    return wrap


def ends_before(a: str | None, b: str | None) -> bool:
    """Whether ISO date or month ``b`` is earlier than ``a`` (both given; a month is compared
    at a month's precision)."""
    return a is not None and b is not None and b[: len(a)] < a[: len(b)]


def judged_by(fails: Callable[..., bool], *fields: str,
              any_fails: Callable[..., bool] | None = None
              ) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Decorator of a record check: it raises exactly when ``fails(*values of fields)`` is
    true. The check then carries ``fields`` and ``fails``, so a loader can judge a batch's
    values without making records (``ingest.batches.value_checks_of``). ``any_fails``, if
    given, judges whole columns at once: ``any_fails(*columns of fields)`` is true exactly
    when ``fails`` is true of some row (a faster form of ``any(map(fails, *columns))``)."""
    def mark(check: Callable[[Any], None]) -> Callable[[Any], None]:
        check.fields = fields  # type: ignore[attr-defined]
        check.fails = fails  # type: ignore[attr-defined]
        check.any_fails = any_fails or (  # type: ignore[attr-defined]
            lambda *columns: any(map(fails, *columns)))
        return check
    return mark


def not_before(start: str, end: str) -> Callable[[Any], None]:
    """A record check: field ``end`` is not earlier than field ``start`` (ISO strings compare),
    judged from values too (``judged_by``)."""
    @judged_by(ends_before, start, end)
    def check(rec: Any) -> None:
        a, b = getattr(rec, start), getattr(rec, end)
        if ends_before(a, b):
            fa, fb = attrs.fields_dict(type(rec))[start], attrs.fields_dict(type(rec))[end]
            raise ValueError(f"“{fb.metadata['title']}”（{b}）早于“{fa.metadata['title']}”（{a}）")
    return check


@functools.lru_cache(maxsize=None)
def record_builder(cls: type) -> Callable[[tuple], Any]:
    """``build(values)``: a record of ``cls`` from its field values in field order, taken as
    they are. No converter, validator or check runs: for values that went through them already
    (the loader converts and checks each distinct cell value once, then runs the record checks
    itself)."""
    names = [f.name for f in attrs.fields(cls)]
    setters = [getattr(cls.__dict__.get(n), "__set__", None) for n in names]
    if not all(setters):  # not a slotted class: set through object, past the frozen guard
        setters = [functools.partial(_set_named, n) for n in names]
    params = ", ".join(f"_set{i}=_set{i}" for i in range(len(names)))
    body = "".join(f"    _set{i}(self, values[{i}])\n" for i in range(len(names)))
    source = (f"def build(values, _new=_new, _cls=_cls, {params}):\n"
              f"    self = _new(_cls)\n{body}    return self\n")
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls,
                             **{f"_set{i}": s for i, s in enumerate(setters)}}
    exec(compile(source, f"<record_builder {cls.__name__}>", "exec"), scope)
    return scope["build"]


def _set_named(name: str, obj: Any, value: Any) -> None:
    object.__setattr__(obj, name, value)


def fields_of(cls: type) -> tuple[attrs.Attribute, ...]:
    """The declared fields of a record class, in order."""
    return attrs.fields(cls)
