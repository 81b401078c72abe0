"""Access levels: what each level of the publication leaves out or masks.

- ID numbers (身份证号) are never published: every column of kind ``id_number`` (and any column
  named ``id_number``) is dropped, and any 18-character ID number typed into free text is
  masked, at every level. A code column (a key) holding one stops the build: masking a key
  would break the rows that refer to it.
- Names of cadres appear at ``oversight`` level only: at ``public`` level every ``pii`` column
  is dropped, and every cadre's name, cadre id and any phone number is masked wherever it
  occurs in text (explanations, case summaries, notes), found on a normalized form
  (``normalized``: full-width, grouped and hyphenated digits, names with spaces inside).
- Rows about people (``AGGREGATE_ONLY``) are published at ``public`` level only through
  aggregates and generalized rows, and no public row keeps a ``cadre_id`` (docs/public-privacy.md).
- Democratic evaluation (``evaluation``) is published at ``public`` level only as aggregates
  over at least ``k`` raters (the ``evaluation_summary`` table); the per-assessment votes stay
  at oversight level, and explanations citing the votes of fewer than ``k`` raters have them
  withheld.
"""
from __future__ import annotations

import itertools
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from cadre_sdk.core.errors import CadreError
from cadre_sdk.store import explanations
from cadre_sdk.store.digit_runs import GAP
from cadre_sdk.store.explanations import canonical
from cadre_sdk.store.table_labels import TableLabels
from cadre_sdk.publish.wordsearch import Words

PUBLIC = "public"
OVERSIGHT = "oversight"
LEVELS = (PUBLIC, OVERSIGHT)
LEVEL_TITLES = {PUBLIC: "公开版", OVERSIGHT: "监督版"}

#: Tables whose rows are people (or a person's records): published at public level only
#: through aggregates and the generalized rows (``generalize``), never row by row.
AGGREGATE_ONLY = frozenset({
    "evaluation", "cadre", "posting", "observation", "achievement", "commendation",
    "assessment", "indicator_score", "annual_grade", "attendance", "training", "care_record",
    "assessment_result", "consequence", "candidate_pool", "care_gap", "career_summary",
    "subsidy_ledger", "subsidy_line",
    # cases and adjustments: one row per case (event, finding, deadline, decision) or per
    # adjustment; the public level has their aggregates (``event_aggregates``) instead
    "case", "case_state", "case_event", "case_finding", "case_deadline", "case_decision",
    "decision_dimension", "event_chain", "adjustment", "adjustment_link", "adjustment_status",
    "adjustment_inventory", "staffing_breach",
})
#: Store tables the public level copies besides the protected aggregates (``suppress.SPECS``):
#: reference data (units, regions, the holiday calendar, the catalogue of adjustment
#: situations, units' targets) and the explanations published rows cite. The public level is
#: an allow-list: any other store table (an engine's or a plugin's) is oversight-only.
PUBLIC_REFERENCE = frozenset({
    "unit", "region", "calendar_year", "adjustment_situation", "target_progress",
    "target_summary", "explanation", "explanation_ref", "provenance",
})
#: Columns naming a person, left out at public level wherever they occur: no public row
#: links a case or an adjustment to a person.
PERSON_KEYS = frozenset({"cadre_id"})
#: Columns linking a row to its explanation.
EXPLANATION_LINKS = ("explanation_id", "check_explanation_id")
#: The default minimum number of raters behind a published evaluation aggregate.
DEFAULT_MIN_RATERS = 10

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
#: The digits in a row every ID number holds once normalized (``ID_SHAPED``, ``_DIGIT_RUN``):
#: a text whose runs of digits are all shorter holds none (``explanations.DIGIT_RUN``).
ID_DIGITS = 17
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{32,}")
#: A cell without 17 digits in a row holds no ID number (most cells): skip the full check.
_DIGIT_RUN = re.compile(r"\d{17}")
#: An ID number as found in a normalized text: the shape of a real one (a region code
#: starting 1-8, a birth date in 1900-2099, a sequence and a check character, valid or not).
ID_SHAPED = re.compile(r"(?<!\d)[1-8]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                       r"\d{3}[\dXx](?!\d)")
#: Cells up to this length are remembered by ``Redactor.text`` (columns repeat short values:
#: posts, unit names, vocabulary terms), at most ``_CACHE_SIZE`` of them.
_CACHED_LENGTH, _CACHE_SIZE = 64, 200_000
#: A cheap SQLite GLOB pre-filter: only text with 17 digits in a row can hold an ID number.
ID_NUMBER_GLOB = "*" + "[0-9]" * 17 + "*"
ID_MASK = "［身份证号已隐去］"
#: Joins texts judged at once (``Redactor.leaves_unchanged``, the scanner): no pattern of
#: masking or scanning matches across it (not a digit, a letter, a Han character, a space
#: nor a gap between digits; NFKC leaves it and its neighbours apart).
JOIN = "\x00"
NAME_MASK = "［姓名已隐去］"
#: Joins texts whose ID-number shapes are looked for at once (``_may_hold_id``): more
#: characters than an ID number's digits may have between them.
_APART = JOIN * 4


#: The key under which an evaluation's number of raters appears in an explanation's inputs.
RATERS_KEY = "参评人数"


def withhold_small_evaluations(data: dict[str, Any], min_raters: int) -> bool:
    """In an explanation (``Trace.to_dict`` form), replace the votes of every evaluation input
    (民主测评, 反向测评, 考核谈话) with fewer than ``min_raters`` raters by a notice; returns
    whether anything was withheld. Public level only: a few raters' votes identify them."""
    from cadre_sdk.records import vocab

    withheld = False
    for item in data.get("inputs") or []:
        value = item.get("value")
        if (item.get("label") in vocab.EVALUATION_METHOD.values() and isinstance(value, dict)
                and isinstance(value.get(RATERS_KEY), int)
                and value[RATERS_KEY] < min_raters):
            item["value"] = f"参评人数不足 {min_raters} 人，票数不公开"
            withheld = True
    return withheld


def withhold_evaluations(conn: sqlite3.Connection, min_raters: int) -> int:
    """At public level, explanations keep no votes of an evaluation with fewer than
    ``min_raters`` raters (the text is rendered from the amended JSON when read)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'explanation'").fetchone():
        return 0
    changed = []
    if "digest" not in {r[1] for r in conn.execute("PRAGMA table_info(explanation_ref)")}:
        # a store from before migration 0006 (published without evaluating again): its
        # entries get no digest, so an entry written here may repeat one (same text)
        conn.execute("ALTER TABLE explanation_ref ADD COLUMN digest INTEGER")
    encoder = explanations.Encoder(conn)
    explanations.register_sql_function(conn)
    # the raters' key is in the template of a templated explanation, in the row otherwise
    # (packed rows read through cadre_explanation_json; an amended row is stored as text)
    for key, text in conn.execute(
            "SELECT id, j FROM (SELECT id, cadre_explanation_json(json) AS j FROM explanation) "
            "WHERE j LIKE ?1 OR json_extract(j, '$.t') "
            "IN (SELECT id FROM explanation_ref WHERE kind = 'template' AND json LIKE ?1)",
            [f"%{RATERS_KEY}%"]).fetchall():
        data = explanations.stored(conn, text)
        if withhold_small_evaluations(data, min_raters):
            changed.append((encoder.encode(data), key))
    conn.executemany("UPDATE explanation SET json = ? WHERE id = ?", changed)
    return len(changed)


class RedactionError(CadreError):
    """Something in the store cannot be published safely; nothing was written."""


def _id_matches(text: str) -> list[re.Match[str]]:
    """Matches of ``ID_NUMBER`` in ``text`` that are not inside a hexadecimal hash."""
    hashes = [m.span() for m in _HEX_RUN.finditer(text)]
    return [m for m in ID_NUMBER.finditer(text)
            if not any(a <= m.start() and m.end() <= b for a, b in hashes)]


def id_numbers_in(text: str) -> list[str]:
    """The ID numbers in ``text`` as written together: 17 digits and a check character (valid
    or not), not part of a longer number and not inside a hexadecimal hash (a SHA-256 may
    contain 18 digits in a row). ``normalized`` finds them in other spellings."""
    return [m.group() for m in _id_matches(text)]


def mask_id_numbers(text: str) -> str:
    """``text`` with every ID number masked, in any spelling ``normalized`` undoes."""
    if not _may_hold_id(text) or not _hits(normal_form(text), None, None, False):
        return text
    return _mask_spans(text, *normalized(text), names=None, phones=False)


#: Characters that may stand between the digits of a number as clerks type it.
_DIGIT_GAPS = frozenset(" \t\u3000-.\u2010\u2011\u2012\u2013\u2014\u2212\u00b7\u30fb")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
#: Characters that are not digits (``\d``) but whose NFKC form holds one (①, ², ⒛, ㉑, ㏠:
#: ``normal_form`` folds them into digits), from the Unicode database (``test_redact_folds``
#: checks it against the running one's).
DIGIT_FOLDS = ("\u00b2-\u00b3\u00b9\u00bc-\u00be\u2070\u2074-\u2079\u2080-\u2089"
               "\u2150-\u215f\u2189\u2460-\u249b\u24ea\u3251-\u325f\u32b1-\u32cb"
               "\u3358-\u3370\u3378-\u3379\u339f-\u33a6\u33a8\u33af\u33e0-\u33fe"
               "\U0001f100-\U0001f10a")
#: The most digits in a row one character stands for once normalized (``⑳``, ``⒛``, ``㉑``).
DIGITS_PER_CHARACTER = 2
#: SQL ``GLOB`` pattern of a text that may hold a character standing for two digits in a row
#: (``⑩``, ``⒛``, ``㉑``): one range holding them all (``GLOB`` compares a character with
#: each range in turn). A text shorter than 17 characters holds 17 digits only with one.
TWO_DIGITS_GLOB = "*[\u2152-\u33fe]*"
_FOLDING = re.compile(f"[{DIGIT_FOLDS}]")
#: 17 digits (any script: full-width ０-９ too) with at most 3 other characters between
#: each: a cell without this, nor a character folding into digits (``DIGIT_FOLDS``: ``\d``
#: does not count it), holds no ID number in any spelling (most cells: ``_may_hold_id``).
_ID_SHAPE = re.compile(r"\d(?:\D{0,3}\d){16}")
#: 4 or more characters in a row that are not digits: no match of ``_ID_SHAPE`` spans one
#: (``_id_shaped``).
_LONG_GAP = re.compile(r"\D{4,}")
_NON_DIGITS = re.compile(r"\D+")


def _id_shaped(text: str) -> bool:
    """Whether ``text`` has the shape of an ID number (``_ID_SHAPE.search`` finds it), told
    in one pass instead of the regex's search from every digit (which costs most on texts
    full of short numbers: dates, codes): between two runs of 4 or more non-digits
    (``_LONG_GAP``) every digit is at most 3 characters from the next, so a piece between
    such runs has the shape exactly when it holds 17 digits, and no match spans a run."""
    if len(text) < ID_DIGITS:
        return False
    pieces = _LONG_GAP.split(text)
    if max(map(len, pieces)) < ID_DIGITS:    # most texts: told without a Python loop
        return False
    return any(len(_NON_DIGITS.sub("", piece)) >= ID_DIGITS
               for piece in pieces if len(piece) >= ID_DIGITS)


def _may_hold_id(text: str) -> bool:
    """Whether ``text`` may hold an ID number in a spelling ``normalized`` undoes: it has
    the shape of one (``_ID_SHAPE``, ``_id_shaped``) or a character folding into digits."""
    return _id_shaped(text) or (not text.isascii() and _FOLDING.search(text) is not None)


PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{9,11})(?!\d)")
PHONE_MASK = "［电话号码已隐去］"
#: Characters a cadre id found in text may not stand next to (it is part of a longer code).
_ID_NEIGHBOURS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
CADRE_ID_MASK = "［干部编号已隐去］"


def holds_folding(text: str) -> bool:
    """Whether ``text`` holds a character that folds into digits (``DIGIT_FOLDS``): it may
    hold an ID number in fewer than 17 characters (``Redactor.shortest``)."""
    return _FOLDING.search(text) is not None


def normalized(text: str) -> tuple[str, list[int]]:
    """``text`` in the form masking and the scanner match on, and for each of its characters
    the index of the character of ``text`` it came from: NFKC (full-width digits and letters
    become ASCII), spaces, hyphens and dots between digits removed (``630102 19800101 1234``,
    ``630102-19800101-1234``), spaces between Han characters removed (``张 三丰``)."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        for f in folded:
            chars.append(f)
            origin.append(i)
    keep = []
    n = len(chars)
    i = 0
    while i < n:
        ch = chars[i]
        if ch in _DIGIT_GAPS or ch.isspace():
            j = i
            while j < n and (chars[j] in _DIGIT_GAPS or chars[j].isspace()):
                j += 1
            prev = chars[keep[-1]] if keep else ""
            nxt = chars[j] if j < n else ""
            gap = chars[i:j]
            between_digits = prev.isdigit() and nxt.isdigit() and len(gap) <= 3
            between_han = (all(c.isspace() for c in gap) and _HAN.match(prev or " ")
                           and _HAN.match(nxt or " ") and len(gap) <= 3)
            if not (between_digits or between_han):
                keep.extend(range(i, j))
            i = j
            continue
        keep.append(i)
        i += 1
    return "".join(chars[k] for k in keep), [origin[k] for k in keep]


#: (one definition with the writer's bound: ``digit_runs.GAP``)
_GAP = GAP
_HAN_CLASS = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
#: 1 to 3 gap characters between digits; written to start with the gap character itself
#: (the digit before it is a lookbehind after it) so that the regex engine skips ahead to
#: the next gap character in C, which matters for the scanner's large texts.
_GAP_BETWEEN_DIGITS = re.compile(rf"{_GAP}(?<=\d{_GAP}){_GAP}{{0,2}}(?=\d)")
#: 1 to 3 spaces between Han characters (written to start with the space, as above).
_SPACE_BETWEEN_HAN = re.compile(rf"\s(?<={_HAN_CLASS}\s)\s{{0,2}}(?={_HAN_CLASS})")


def normal_form(text: str) -> str:
    """The normalized form of ``text`` as ``normalized`` gives it, without the positions
    (fast: for deciding whether a cell needs masking at all, and for the scanner)."""
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        text = _SPACE_BETWEEN_HAN.sub("", text)
    return _GAP_BETWEEN_DIGITS.sub("", text)


def _hits(norm: str, names: Words | None, ids: Words | None,
          phones: bool = True) -> list[tuple[int, int, str]]:
    """(start, end, mask) of every ID number, phone number, name and cadre id in ``norm``."""
    hashes = [m.span() for m in _HEX_RUN.finditer(norm)]
    found = []
    if _DIGIT_RUN.search(norm) is not None or (phones and PHONE.search(norm) is not None):
        for pattern, mask in ((ID_SHAPED, ID_MASK), (PHONE, PHONE_MASK))[:2 if phones else 1]:
            for m in pattern.finditer(norm):
                if not any(a <= m.start() and m.end() <= b for a, b in hashes):
                    found.append((m.start(), m.end(), mask))
    for pattern, mask in ((names, NAME_MASK), (ids, CADRE_ID_MASK)):
        if pattern is not None:
            found += [(m.start(), m.end(), mask) for m in pattern.finditer(norm)]
    found.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, mask in found:          # overlapping hits: the first one masks both
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2])
        else:
            merged.append((start, end, mask))
    return merged


def _mask_spans(text: str, norm: str, origin: list[int], names: Words | None,
                ids: Words | None = None, phones: bool = True) -> str:
    """``text`` with the characters behind every hit in ``norm`` replaced by its mask."""
    for start, end, mask in reversed(_hits(norm, names, ids, phones)):
        a, b = origin[start], origin[end - 1] + 1
        text = text[:a] + mask + text[b:]
    return text


def _spellings(name: str) -> set[str]:
    """A name as stored, without spaces, in Simplified and in Traditional characters (蕭瀋,
    萧沈): text is matched as written, so the names carry the spellings."""
    from cadre_sdk.core.normalize import to_simplified

    plain = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    try:
        simple = to_simplified(plain)
    except ValueError:
        return {name, plain}
    return {name, plain, simple, _traditional(simple)}


#: Names converted at once by ``_all_spellings`` (a bound on the memory the conversion takes).
_SPELLING_BATCH = 20_000


def _all_spellings(names: Iterable[str]) -> set[str]:
    """Every spelling (``_spellings``) of every name, each conversion made once for a batch
    of names joined by line breaks (a name holds none once its spaces are removed, and OpenCC
    converts no phrase across one): one call each way per ``_SPELLING_BATCH`` names instead
    of two per name."""
    found: set[str] = set()
    names = iter(names)
    while batch := list(itertools.islice(names, _SPELLING_BATCH)):
        found |= _batch_spellings([n for n in batch if n])
    return found


def _batch_spellings(names: list[str]) -> set[str]:
    """``_all_spellings`` of one batch of non-empty names."""
    from cadre_sdk.core.normalize import to_simplified

    plain = [re.sub(r"\s+", "", unicodedata.normalize("NFKC", n)) for n in names]
    try:
        simple = to_simplified("\n".join(plain)).split("\n")
        traditional = _traditional("\n".join(simple)).split("\n")
    except ValueError:     # a name OpenCC cannot take (``_spellings`` keeps the others' forms)
        return {s for n in names for s in _spellings(n)}
    if not len(plain) == len(simple) == len(traditional):
        return {s for n in names for s in _spellings(n)}
    return {s for spelled in zip(names, plain, simple, traditional) for s in spelled}


def _traditional(text: str) -> str:
    """``text`` in Traditional characters (OpenCC ``s2t``; built on first use)."""
    global _S2T
    if text.isascii():
        return text
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T.convert(text)


_S2T = None


def dropped_columns(labels: TableLabels | None, columns: Iterable[str], level: str) -> set[str]:
    """The columns of a table that ``level`` leaves out."""
    columns = set(columns)
    drop = {c for c in columns if c == "id_number"}
    if level == PUBLIC:
        drop |= PERSON_KEYS & columns
    if labels is not None:
        drop |= labels.id_numbers & columns
        if level == PUBLIC:
            drop |= labels.pii & columns
    return drop


def inflate_explanations(conn: sqlite3.Connection, source: str = "src") -> int:
    """At public level the explanations are published as JSON text, inflated with the
    packing dictionaries of the store attached as ``source``: a dictionary is made of the
    first stored explanations of its kind, which may be rows the public level leaves out (a
    person's assessment, a group too small to show), so none is published (the build copies
    no ``zdict`` entry at public level). Returns the number of cells inflated."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'explanation'").fetchone():
        return 0
    conn.create_function("cadre_source_json", 1,
                         lambda cell: explanations.json_text(conn, cell, source))
    return conn.execute("UPDATE explanation SET json = cadre_source_json(json) "
                        "WHERE typeof(json) = 'blob'").rowcount


def published_citations(conn: sqlite3.Connection) -> str:
    """SQL: the explanation ids the publication's tables (``main``, but ``explanation``)
    cite."""
    cited = []
    for (table,) in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                 "AND name <> 'explanation'").fetchall():
        cols = {r[1] for r in conn.execute(f"PRAGMA main.table_info([{table}])")}
        cited += [f"SELECT [{c}] FROM main.[{table}] WHERE [{c}] IS NOT NULL"
                  for c in EXPLANATION_LINKS if c in cols]
    return " UNION ".join(cited) or "SELECT NULL"


def prune_explanations(conn: sqlite3.Connection) -> int:
    """At public level keep only the explanations a published row cites (those of rows about
    people are left out with the rows), and only the ``explanation_ref`` entries those cite
    (a template or text may serve a person's explanation only); returns the number of
    explanations removed."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'explanation'").fetchone():
        return 0
    removed = conn.execute(f"DELETE FROM explanation WHERE id NOT IN "
                           f"({published_citations(conn)})").rowcount
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'explanation_ref'").fetchone():
        explanations.prune(conn)
    return removed


def table_published(table: str, level: str) -> bool:
    """Whether the store's table itself (as opposed to an aggregate of it) is published at
    ``level``: every table at oversight level; at public level only the reference tables
    (``PUBLIC_REFERENCE``) and the protected aggregates (``suppress.SPECS``)."""
    if level != PUBLIC:
        return True
    from cadre_sdk.publish.suppress import SPECS

    return table not in AGGREGATE_ONLY and (
        table in PUBLIC_REFERENCE or any(spec.table == table for spec in SPECS))


def _words(words: Iterator[str], apart: str = "") -> Words | None:
    """``Words`` of ``words`` (read one at a time), or None when there are none."""
    first = next(words, None)
    return None if first is None else Words(itertools.chain([first], words), apart=apart)


class Redactor:
    """Masks ID numbers (always), and at public level phone numbers, the given names and
    cadre ids, in text cells, each found on the normalized form (``normalized``)."""

    def __init__(self, names: Iterable[str] = (), cadre_ids: Iterable[str] = (),
                 phones: bool | None = None):
        # found as a regular expression alternating them would (``wordsearch``); a cadre id
        # not inside a longer run of ASCII letters and digits; both read one at a time
        self._names = _words((n for n in _all_spellings(names) if len(n) >= 2))
        self._ids = _words((i for i in cadre_ids if i and len(i) >= 4), apart=_ID_NEIGHBOURS)
        self._phones = self._names is not None if phones is None else phones
        #: Masks ID numbers only (``mask_id_numbers``): the oversight level's redactor.
        self._id_numbers_only = self._names is None and self._ids is None and not self._phones
        self.masked = 0
        self._seen: dict[str, str] = {}
        #: The first refusal ``code_or_null`` met, for the build to raise (``raise_refusal``).
        self._refused: RedactionError | None = None

    @property
    def ids_only(self) -> bool:
        """Whether this redactor masks ID numbers only (the oversight level's)."""
        return self._id_numbers_only

    @property
    def shortest(self) -> int:
        """The fewest characters a cell must have to hold anything this redactor masks,
        unless it holds a character folding into digits (``holds_folding``: ``⑳`` and
        ``⒛`` stand for two): an ID number alone needs 17 (``mask_id_numbers`` looks for 17
        digits, ``_may_hold_id``, before anything else; a ``\\u`` escape in JSON only adds
        characters); with names, cadre ids and phone numbers every cell is looked at."""
        if self._id_numbers_only:
            return ID_DIGITS
        return 1

    def _mask(self, value: str) -> str:
        """``value`` masked (uncached)."""
        if self._names is None and self._ids is None and not self._phones:
            return mask_id_numbers(value)
        if not self._may_hit(value):
            return value
        norm, origin = normalized(value)
        return _mask_spans(value, norm, origin, self._names, self._ids, self._phones)

    def text(self, value: Any) -> Any:
        """``value`` with ID numbers, phone numbers, names and cadre ids masked (non-text
        values unchanged)."""
        if not isinstance(value, str):
            return value
        if self._id_numbers_only and not _may_hold_id(value):
            return value            # as ``mask_id_numbers`` would (no 17 digits), uncached
        out = self._seen.get(value)
        if out is None:
            out = self._mask(value)
            if len(value) <= _CACHED_LENGTH and len(self._seen) < _CACHE_SIZE:
                self._seen[value] = out
        if out != value:
            self.masked += 1
        return out

    def json_text(self, value: Any) -> Any:
        """Like ``text`` for a JSON document: only its strings are masked (a number is never
        replaced by a mask), names written as ``\\u`` escapes included."""
        if not isinstance(value, str):
            return value
        if "\\u" not in value:
            if self.shortest > 1 and not _may_hold_id(value):
                return value   # ID numbers only (``mask_id_numbers``): no 17 digits
            if not self._may_hit(value):
                return value
        try:
            data = json.loads(value)
        except ValueError:
            return self.text(value)
        before = self.masked
        out = canonical(self._walk(data))
        self.masked = before
        if out == canonical(data):
            return value
        self.masked += 1
        return out

    def leaves_unchanged(self, texts: Iterable[str], json_texts: bool = False) -> bool:
        """Whether masking (``text``, or ``json_text`` with ``json_texts``) leaves every one of
        ``texts`` as it is, judged on all of them joined by ``JOIN`` in one pass of each
        pattern (none matches across it, so a text changes only if the joined text has a
        hit); False when that cannot be told so (a JSON text with ``\\u`` escapes)."""
        texts = list(texts)
        joined = JOIN.join(texts)
        if json_texts and "\\u" in joined:
            return False
        if self._id_numbers_only:
            # as ``mask_id_numbers`` judges each: no 17 digits (texts kept apart by more
            # than 3 characters, ``_id_shaped``: a short number ending one and one starting
            # the next are no shape); only the texts that have one are normalized
            if not _may_hold_id(_APART.join(texts)):
                return True
            joined = JOIN.join(t for t in texts if _may_hold_id(t))
        return not self._may_hit(joined)

    def _may_hit(self, value: str) -> bool:
        """Whether ``value``'s normalized form holds anything this redactor masks."""
        return bool(_hits(normal_form(value), self._names, self._ids, self._phones))

    def _walk(self, data: Any) -> Any:
        """``data`` with every string in it masked."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self._walk(v) for v in data]
        if isinstance(data, dict):
            return {self.text(k): self._walk(v) for k, v in data.items()}
        return data

    def check_code(self, value: Any) -> Any:
        """A key or code is published unchanged, unless it holds an ID number: that stops the
        build (masking a key would break every row that refers to it)."""
        if isinstance(value, str) and id_numbers_in(value):
            raise RedactionError(
                f"编号“{value[:6]}…”中含有身份证号，不能发布。请改用不含身份证号的编号"
                "（如干部编号 C0001）重新导入后再发布；未写入任何文件。")
        return value

    def code_or_null(self, value: Any) -> Any:
        """``check_code`` as an SQL function: NULL instead of raising, the refusal kept for
        ``raise_refusal``. (An exception raised inside an SQL function reaches Python only
        as "user-defined function raised exception", and where sqlite3's callback
        tracebacks are on, as Datasette turns them on in its process, it is also printed.)"""
        try:
            return self.check_code(value)
        except RedactionError as exc:
            self._refused = self._refused or exc
            return None

    def raise_refusal(self) -> None:
        """Raise the refusal ``code_or_null`` met since the last call, if it met one."""
        refused, self._refused = self._refused, None
        if refused is not None:
            raise refused
