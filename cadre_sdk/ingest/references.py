"""References written the way clerks write them: a unit or a region by its name as well as by
its code (a cadre by 身份证号 as well as by 干部编号).

A cell that is a stored code stays as it is. Otherwise its text is matched against the names of
the referred kind, compared in a normalized form (full-width and half-width alike, Traditional
as Simplified, spaces ignored), within the region the row names (its own region column) or the
load names (``region=``); one match becomes the code, several are an error listing them with
their codes, none an error suggesting the nearest names. A region may also be written in a
short form (``region_names.find_region``: 海西州, 格尔木, 唐古拉山): one that names exactly one
region becomes its code, noted for the load's report; one naming several (玉树, 城关) is an
error listing them, never a guess. Messages are Chinese and the loader puts them under the
clerk's column.

Codes are looked up a batch at a time, each distinct cell once. A batch of plain codes that
hardly repeat (a cadre's commendations, adjustments) is not looked up here at all
(``Resolver.as_written``): each is its own code, and the loaded rows' reference check
(``keys._Lookups``) finds, in SQL, the ones not stored, with the same message.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from cadre_sdk.core.normalize import check_id_number
from cadre_sdk.core.region_names import (  # noqa: F401  (re-exported: loaders, pages, tests)
    RegionMatch, find_region, match_key, near_keys, short_forms,
)
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.records.fields import clean_code, plain_codes

#: Distinct (column, cell, region) results remembered: memory stays bounded.
_CACHE_SIZE = 1 << 15
_SUGGESTIONS = 3
#: The fewest cells of a batch ``Resolver.as_written`` leaves to the reference check.
AS_WRITTEN_BATCH = 100


def _scope_field(parent: type) -> str | None:
    """The field of ``parent`` that places a row in a region (units: their region; regions:
    their parent)."""
    names = attrs.fields_dict(parent)
    for name in ("region_code", "parent_code"):
        if name in names and names[name].metadata["ref"] == "region":
            return name
    return None


class RegionTree:
    """The stored regions' parents, to tell whether a code lies within a region. ``lazy``:
    read on first need (for a load whose regions do not change: most loads name no region
    by name, and every cell of theirs is a code)."""

    def __init__(self, conn: sqlite3.Connection, lazy: bool = False):
        self.conn = conn
        self._parent: dict[str, str | None] | None = None
        self._names: dict[str, str] | None = None
        if not lazy:
            self._read()

    def _read(self) -> None:
        self._parent = dict(self.conn.execute("SELECT code, parent_code FROM region"))
        self._names = dict(self.conn.execute("SELECT code, name FROM region"))

    @property
    def parent(self) -> dict[str, str | None]:
        """Region code -> its parent's code."""
        if self._parent is None:
            self._read()
        return self._parent  # type: ignore[return-value]

    @property
    def names(self) -> dict[str, str]:
        """Region code -> its name."""
        if self._names is None:
            self._read()
        return self._names  # type: ignore[return-value]

    def within(self, code: str | None, scope: str) -> bool:
        seen = 0
        while code is not None and seen < 32:  # (a cycle in clerks' data must not hang us)
            if code == scope:
                return True
            code, seen = self.parent.get(code), seen + 1
        return False


#: A cell shaped like an ID number (17 digits and a check character).
_ID_LIKE = re.compile(r"\d{17}[\dXx]")

#: The advice for a name two units (regions) share, when the row has a 所在地区 column.
PLACE_IN_ROW = "写明所在地区"


class Resolver:
    """Cells of one referring column -> codes of ``parent`` (names resolved), for one load."""

    def __init__(self, conn: sqlite3.Connection, parent: type, tree: RegionTree,
                 read_as: dict[str, str] | None = None):
        """``read_as``: where a region written in a short form is noted (the form -> the
        Chinese line telling the clerk which region it was read as), for the load's report."""
        self.conn, self.parent, self.tree = conn, parent, tree
        self.read_as = read_as if read_as is not None else {}
        self.kind, self.title = parent.__kind__, parent.__title__
        self.key = parent.__key__[0]
        self.known: set[str] = set()
        fields = attrs.fields_dict(parent)
        self.by_name = "name" in fields
        self.by_id_number = "id_number" in fields
        self.scope_field = _scope_field(parent)
        self._index: dict[str, list[tuple[str, str, str | None]]] | None = None
        self._cache: dict[tuple[Any, str | None], tuple[Any, str | None]] = {}

    @property
    def names(self) -> bool:
        return self.by_name or self.by_id_number

    def as_written(self, values: list[Any]) -> bool:
        """Whether every one of these cells is its own code, stored or not, so that nothing
        need be asked of the store here: each is a plain ASCII code (never read as a name)
        that cannot be an ID number (18 characters); and most of them (over half the cells
        of a batch of at least ``AS_WRITTEN_BATCH``) are codes not met before, so that
        checking them where the loaded rows' references are checked (``keys._Lookups``: in
        SQL, a probe per row) costs less than looking each up now. Cells that repeat (units)
        are still looked up and remembered, and so are a small batch's (a file's last rows:
        their field would otherwise be checked in SQL on every row of the load)."""
        if len(values) < AS_WRITTEN_BATCH:
            return False
        try:
            fresh = set(values) - self.known
        except TypeError:  # a JSON list or object in a cell
            return False
        if len(fresh) * 2 <= len(values) or not plain_codes(values):
            return False
        return not self.by_id_number or 18 not in set(map(len, fresh))

    def learn(self, values: Sequence[Any]) -> None:
        """Look up, at once, which of these cells are stored codes."""
        try:  # (a cell that is a known code is its own code: codes are stored cleaned)
            cells: Iterable[Any] = set(values) - self.known
        except TypeError:  # a JSON list or object in a cell
            cells = values
        if plain_codes(cells):  # (clean_code gives each back as it is)
            fresh = set(cells) - self.known
        else:
            fresh = {c for c in map(_code_or_none, cells) if c is not None} - self.known
        if not fresh:
            return
        self.known.update(v for (v,) in self.conn.execute(
            f"SELECT [{self.key}] FROM [{self.kind}] WHERE [{self.key}] IN "
            "(SELECT value FROM json_each(?))", [json.dumps(sorted(fresh))]))
        if len(self.known) > _CACHE_SIZE:
            self.known.clear()

    def resolve(self, raw: Any, scope: str | None, place: str = PLACE_IN_ROW
                ) -> tuple[Any, str | None]:
        """(the cell to use, None) or (None, the Chinese reason it names nothing).
        ``place``: how the clerk can say where a name is meant, in the advice given when two
        of that name are found (``References.place_advice``; ``{region}`` stands for the
        region of the first of them)."""
        code = _code_or_none(raw)
        if code is not None and code in self.known:
            return raw, None
        key = (raw, scope, place)
        if key not in self._cache:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = self._resolve(raw, code, scope, place)
        return self._cache[key]

    def _resolve(self, raw: Any, code: str | None, scope: str | None, place: str
                 ) -> tuple[Any, str | None]:
        text = raw.strip() if isinstance(raw, str) else str(raw)
        if self.by_id_number:
            try:
                number = check_id_number(text)
            except ValueError as exc:
                number = None
                if _ID_LIKE.fullmatch("".join(text.split())):
                    # (an 18-character number that is no stored key: a mistyped ID number)
                    return None, (f"“{text}”不是已导入{self.title}的编号；作为身份证号，{exc}")
            if number is not None:
                row = self.conn.execute(f"SELECT min([{self.key}]) FROM [{self.kind}] "
                                        "WHERE id_number = ?", [number]).fetchone()
                if row[0] is not None:
                    return row[0], None
                return None, f"没有身份证号为“{text}”的{self.title}。请先导入该{self.title}"
        if not self.by_name or (code is not None and code.isascii()):
            return raw, None  # a code that is not stored: the reference check reports it
        candidates = [c for c in self.index().get(match_key(text), [])
                      if self._within(c, scope)]
        if len(candidates) == 1:
            return candidates[0][0], None
        where = f"在{self._region_name(scope)}内" if scope is not None else ""
        if not candidates and self.kind == "region":
            return self._short_form(text, scope, where)
        if candidates:
            ordered = sorted(candidates)
            listed = "、".join(f"{name}（{code}{self._placed(region)}）"
                              for code, name, region in ordered[:10])
            first = self.tree.names.get(ordered[0][2]) or ordered[0][2] or "地区名称"
            return None, (f"{where}有 {len(candidates)} 个名为“{text}”的{self.title}：{listed}。"
                          f"请改填{self.title}代码，或{place.format(region=first)}")
        return None, self._unknown(text, where)

    def _within(self, entry: tuple[str, str, str | None], scope: str | None) -> bool:
        """Whether an ``index`` entry lies within the region ``scope`` (None: anywhere)."""
        return scope is None or self.tree.within(entry[2], scope) or (
            self.scope_field == "parent_code" and entry[0] == scope)

    def _short_form(self, text: str, scope: str | None, where: str) -> tuple[Any, str | None]:
        """A region written in a short form (``find_region``: 海西州, 格尔木, 唐古拉山), within
        ``scope``: the code when it names exactly one region (noted in ``read_as``); a form
        naming several (玉树, 城关) is refused with them all (``guess=False``: stored data
        never takes the prefecture for its county); else the nearest names."""
        entries = {code: (name, region) for group in self.index().values()
                   for code, name, region in group if self._within((code, name, region), scope)}
        found = find_region(text, [(code, name) for code, (name, _) in entries.items()],
                            guess=False)
        if found.code is not None:
            name = entries[found.code][0]
            self.read_as.setdefault(text, f"{self.title}“{text}”按{name}（{found.code}）读取")
            return found.code, None
        if found.ambiguous:
            listed = "、".join(f"{name}（{code}{self._placed(entries[code][1])}）"
                              for code, name in found.candidates[:10])
            return None, (f"{where}“{text}”可指 {len(found.candidates)} 个{self.title}：{listed}。"
                          f"请改填完整的{self.title}名称或{self.title}代码")
        return None, self._unknown(text, where)

    def _unknown(self, text: str, where: str) -> str:
        index = self.index()
        near = near_keys(index, match_key(text), _SUGGESTIONS)
        shown = [f"{name}（{code}）" for k in near for code, name, _ in index[k][:2]]
        hint = f"。最接近的有：{'、'.join(shown[:_SUGGESTIONS])}" if shown else ""
        return f"{where}找不到名为“{text}”的{self.title}{hint}。请核对名称，或改填{self.title}代码"

    def _placed(self, region: str | None) -> str:
        return f"，{self.tree.names[region]}" if region in self.tree.names else ""

    def _region_name(self, code: str) -> str:
        return self.tree.names.get(code, code)

    def index(self) -> dict[str, list[tuple[str, str, str | None]]]:
        """Normalized name -> [(code, name, region)], built on first need."""
        if self._index is None:
            self._index = {}
            scope = f"[{self.scope_field}]" if self.scope_field else "NULL"
            for code, name, region in self.conn.execute(
                    f"SELECT [{self.key}], name, {scope} FROM [{self.kind}]"):
                if name:
                    self._index.setdefault(match_key(name), []).append((code, name, region))
        return self._index


def _all_known(known: set[str], values: list) -> bool:
    try:
        return known.issuperset(values)
    except TypeError:  # a JSON list or object in a cell
        return False


def _code_or_none(raw: Any) -> str | None:
    try:
        return clean_code(raw) if raw is not None else None
    except ValueError:
        return None


class References:
    """The reference columns of one file: resolves their cells batch by batch, region columns
    first (a row's region places the names in its other columns)."""

    def __init__(self, conn: sqlite3.Connection, cls: type, columns: dict[str, tuple[int, str]],
                 region: str | None = None, shared: dict[str, Any] | None = None,
                 read_as: dict[str, str] | None = None):
        """``columns``: field name -> (position in the cells, the clerk's header text), for
        the fields of ``cls`` the file has; ``region``: the load's region code, if given;
        ``shared``: what the files of one load share (the region tree, and the resolvers of
        kinds other than ``cls``'s: what they read does not change during the load), filled
        on first use; a load of regions shares nothing (its files add to the tree);
        ``read_as``: the load's notes of regions read from a short form (``Resolver``)."""
        self.region = region
        if cls.__kind__ == "region":
            shared = None
        if shared is None:
            tree = RegionTree(conn)
        else:
            tree = shared.get("") or shared.setdefault("", RegionTree(conn, lazy=True))
        self.todo: list[tuple[int, str, str, Resolver]] = []
        self.scope_at: int | None = None
        for field in attrs.fields(cls):
            parent = field.metadata["ref"]
            if not parent or field.name not in columns or field.metadata["many"]:
                continue
            if shared is not None and parent != cls.__kind__:
                resolver = shared.get(parent) or shared.setdefault(
                    parent, Resolver(conn, RECORD_TYPES[parent], tree, read_as))
            else:
                resolver = Resolver(conn, RECORD_TYPES[parent], tree, read_as)
            if not resolver.names:
                continue
            at, text = columns[field.name]
            if parent == "region" and self.scope_at is None and cls.__kind__ != "region":
                self.scope_at = at
            self.todo.append((at, text, field.name, resolver))
        self.todo.sort(key=lambda t: t[0] != self.scope_at)

    def __bool__(self) -> bool:
        return bool(self.todo)

    def place_advice(self) -> str:
        """How a row can say where a name is meant: its own 所在地区 column if the file has
        one, else the load's ``--region`` (a cadre roster has no region column)."""
        if self.scope_at is not None:
            return PLACE_IN_ROW
        if self.region is not None:
            return "用 --region 指定范围更小的地区（如县级地区）"
        return "用 --region 指定所在地区（名称或代码，如 --region {region}）"

    def apply(self, cells: list[list], skip: Callable[[int], bool]
              ) -> dict[int, list[tuple[str, str]]]:
        """Rewrite the batch's reference cells to codes in place; per row index, the
        (header text, reason) of each cell that names nothing (its cell is set to ``None``)."""
        errors: dict[int, list[tuple[str, str]]] = {}
        place = self.place_advice()
        for at, text, _, resolver in self.todo:
            values = [row[at] for row in cells]
            if resolver.as_written(values):
                continue  # resolve() would keep each as it is; the ledger checks them
            resolver.learn(values)
            if _all_known(resolver.known, values):
                continue  # every cell is a stored code: resolve() would keep each as it is
            for i, raw in enumerate(values):
                if raw is None or (isinstance(raw, str) and not raw.strip()) or skip(i):
                    continue
                scope = self.region
                if self.scope_at is not None and at != self.scope_at:
                    own = _code_or_none(cells[i][self.scope_at])
                    scope = own if own is not None else scope
                value, problem = resolver.resolve(raw, scope, place)
                if problem is not None:
                    errors.setdefault(i, []).append((text, problem))
                    cells[i][at] = "" if isinstance(raw, str) else None  # (CSV cells are text)
                elif value is not raw:
                    cells[i][at] = value
        return errors
