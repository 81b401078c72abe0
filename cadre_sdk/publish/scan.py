"""Scan a public publication for what must not be in it.

``scan(path, names=..., cadre_ids=..., limits=...)`` reads every table of the file, the
shadow tables of its full-text index included, the tokens that index holds (read back from it
with ``fts5vocab``: it stores no copy of its text), and then the file's raw bytes, and returns
one Chinese finding per problem (an empty list: clean):

- an ID number (18 characters: 17 digits and a check character, valid or not) in any
  spelling ``redact.normalized`` undoes (grouped, hyphenated, full-width), and any number
  stored as a number with 17 digits or more (an ID number whose check character is a digit,
  typed into a numeric column, is an integer: masking and the text checks pass numbers by,
  and its bytes are binary);
- a cadre's name in any spelling (spaces inside, Traditional or Simplified characters, or
  split into the search index's bigrams ``尕布 布龙``), or a cadre id (blobs, such as the
  index's pages, are read with the raw bytes);
- votes of fewer raters than ``min_raters`` (a ``participants`` column, an explanation's
  evaluation inputs);
- a count of people below ``min_count`` in a protected aggregate (``suppress.SPECS``), and a
  row whose hidden total sits in its one hidden part, the other parts 0 (all its people in
  one category);
- a combination of quasi-identifiers in ``cadre_generalized`` shared by fewer than
  ``k_anonymity`` rows, or any table of rows about people or any person key (``cadre_id``);
- any table other than the protected aggregates, ``cadre_generalized`` and the reference
  tables (``public_tables_allowed``): a table of rows per case or per adjustment, or counts
  nobody protected.

Explanations (and the compression dictionaries made of them) are read as their readers see
them: with the numbers their templates took out of their texts joined back, and as stored
(``explanations.Joiner``).

``cadre publish`` runs it on every public file before moving it into place and refuses a
file with findings; ``cadre scan`` runs it on any file. Texts are judged many at once (joined
by ``redact.JOIN``, which no pattern matches across) and raw bytes through cheaper patterns
that find at least as much first; a table is read row by row only to report what was found
(docs/public-privacy.md, section 6).
"""
from __future__ import annotations

import functools
import itertools
import json
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Container, Iterable, Iterator
from pathlib import Path

from cadre_sdk.publish.generalize import QUASI_IDENTIFIERS
from cadre_sdk.publish.generalize import TABLE as GENERALIZED
from cadre_sdk.publish.redact import (
    _HEX_RUN, AGGREGATE_ONLY, ID_SHAPED, JOIN, PERSON_KEYS, PUBLIC_REFERENCE, RATERS_KEY, Redactor,
    normal_form,
)
from cadre_sdk.publish.search import RESULTS as SEARCH_RESULTS
from cadre_sdk.publish.search import TABLE as SEARCH
from cadre_sdk.publish.suppress import SPECS, Spec
from cadre_sdk.publish.thresholds import Thresholds
from cadre_sdk.store import explanation_packing as packing
from cadre_sdk.store import explanations

#: What a public file may hold besides the store's reference tables
#: (``redact.PUBLIC_REFERENCE``), the protected aggregates (``suppress.SPECS``) and
#: ``cadre_generalized``: the publication's own records and the search index (with its shadow
#: tables). Any other table is rows about people, cases or adjustments, or a count nobody
#: protected, and is a finding.
PUBLICATION_OWN = frozenset({"publication", "plugin_version", "rule_version", "parameter_value",
                             "indicator", SEARCH, SEARCH_RESULTS})


def public_tables_allowed() -> frozenset[str]:
    """Every table a public file may hold (see ``PUBLICATION_OWN``)."""
    return PUBLIC_REFERENCE | PUBLICATION_OWN | {spec.table for spec in SPECS} | {GENERALIZED}


def _allowed(table: str, allowed: frozenset[str]) -> bool:
    """Whether ``table`` may be in a public file (the search index's shadow tables with it)."""
    return table in allowed or table.startswith(f"{SEARCH}_")

#: Tables SQLite writes itself (numbers only: index statistics).
_SQLITE_OWN = ("sqlite_stat1", "sqlite_stat4", "sqlite_sequence")
#: Findings listed per check before the rest are only counted.
_MAX_PER_CHECK = 20
_BIGRAMS = re.compile(r"(?:[\u3400-\u9fff\uf900-\ufaff]{2} )+[\u3400-\u9fff\uf900-\ufaff]{1,2}")


def _unbigram(text: str) -> str:
    """Runs of overlapping bigrams (the search index's tokens ``尕布 布龙 龙``) joined back
    into the words they came from (``尕布龙``); other text unchanged."""
    def join(m: re.Match[str]) -> str:
        grams = m.group().split(" ")
        word = grams[0]
        for gram in grams[1:]:
            if len(gram) == 1 and gram == word[-1]:
                continue          # the tokenizer's last single character, already in the word
            word += gram[-1] if gram[0] == word[-1] else " " + gram
        return word
    return _BIGRAMS.sub(join, text)


#: ``ID_SHAPED`` without its lookarounds: wherever it matches, this matches too (and the
#: regex engine skips ahead to a digit 1-8 in C: many times faster on large texts).
_ID_BARE = re.compile(ID_SHAPED.pattern.removeprefix(r"(?<!\d)").removesuffix(r"(?!\d)"))


def _id_outside_hashes(norm: str) -> bool:
    """Whether ``norm`` holds an ID number (``ID_SHAPED``) not inside a hexadecimal hash."""
    hashes = [m.span() for m in _HEX_RUN.finditer(norm)]
    return any(not any(a <= m.start() and m.end() <= b for a, b in hashes)
               for m in ID_SHAPED.finditer(norm))


class _Checker:
    """Finds ID numbers, names and cadre ids in text (each spelling) and in raw bytes."""

    def __init__(self, names: Iterable[str], cadre_ids: Iterable[str],
                 redactor: Redactor | None = None):
        # names in each spelling (``_spellings``); a redactor built for the same names and
        # ids (the publication's) is reused rather than compiled again
        self.redactor = redactor or Redactor(names, cadre_ids)
        self.names, self.ids = self.redactor._names, self.redactor._ids
        self._seen: dict[str, list[str]] = {}

    def text(self, value: str) -> list[str]:
        """What ``value`` leaks: ``身份证号``, ``姓名``, ``干部编号`` (each at most once)."""
        if len(value) > 64:
            return self._text(value)
        found = self._seen.get(value)
        if found is None:
            found = self._seen[value] = self._text(value)
        return found

    def _text(self, value: str) -> list[str]:
        """``text``, uncached."""
        found = set()
        # Search-index text is overlapping bigrams (``青海 海省 省``): judged joined back into
        # its words, never with the spaces dropped (``青海海省省`` would hold a name ``海海``).
        forms = {_unbigram(value)} if " " in value else {value}
        for form in forms:
            norm = normal_form(form)
            if _ID_BARE.search(norm) is not None and _id_outside_hashes(norm):
                found.add("身份证号")
            if self.names is not None and not norm.isascii() and self.names.search(norm):
                found.add("姓名")
            if self.ids is not None and self.ids.search(norm):
                found.add("干部编号")
        return sorted(found)

    def raw(self, data: bytes) -> list[str]:
        """What raw bytes leak: ID numbers written together (ASCII or full-width), names and
        cadre ids as UTF-8 (read as text, skipping bytes that are not UTF-8); the first of
        each, at its character in the text.

        ID numbers are first looked for in a cheaper form that finds at least what the
        pattern finds (``_ID_BARE`` on the text with only the characters whose NFKC form
        holds a digit folded): a file clean under the cheap form is clean, and a file that
        is not is judged as before."""
        text = data.decode("utf-8", errors="ignore")
        return [f"第 {at} 个字符处：{what}" for what, at in self._raw_hits(text, ())]

    def raw_file(self, path: Path) -> list[str]:
        """``raw`` for the bytes of the file ``path``, read a piece at a time
        (``_raw_pieces``: the memory taken does not grow with the file); a character's
        place counts the characters of the pieces before its own."""
        found: dict[str, str] = {}
        offset = 0
        for piece in _raw_pieces(path):
            text = piece.decode("utf-8", errors="ignore")
            for what, at in self._raw_hits(text, found):
                found[what] = f"第 {offset + at} 个字符处：{what}"
            offset += len(text)
            if len(found) == len(_RAW_KINDS):
                break
        return [found[what] for what in _RAW_KINDS if what in found]

    def _raw_hits(self, text: str, skip: Container[str]) -> list[tuple[str, int]]:
        """``(what, character)`` of the first ID number, name and cadre id in ``text``
        (``raw``), leaving out the kinds in ``skip``."""
        found = []
        if "身份证号" not in skip and _ID_BARE.search(_fold_digits(text)) is not None:
            hashes = [m.span() for m in _HEX_RUN.finditer(text)]
            for m in ID_SHAPED.finditer(unicodedata.normalize("NFKC", text)
                                        if not text.isascii() else text):
                if not any(a <= m.start() and m.end() <= b for a, b in hashes):
                    found.append(("身份证号", m.start()))
                    break
        for pattern, what in ((self.names, "姓名"), (self.ids, "干部编号")):
            if what not in skip and pattern is not None and (m := pattern.search(text)):
                found.append((what, m.start()))
        return found


#: What ``_Checker.raw`` finds, in the order it reports them.
_RAW_KINDS = ("身份证号", "姓名", "干部编号")
#: Bytes of a file read at once by ``_Checker.raw_file`` (a bound on the memory it takes:
#: the text of a piece and its folded and normalized forms are a few times this).
_RAW_PIECE = 1 << 20


def _raw_pieces(path: Path) -> Iterator[bytes]:
    """The bytes of the file ``path`` in pieces of about ``_RAW_PIECE`` bytes, each but the
    last ending with a NUL byte: none of the checker's patterns matches a NUL character (nor
    is one a digit, letter or a character NFKC composes with), and no UTF-8 sequence holds
    one, so each piece decodes and is judged as its part of the whole file would be."""
    rest = b""
    with open(path, "rb") as fh:
        while block := fh.read(_RAW_PIECE):
            data = rest + block if rest else block
            cut = data.rfind(b"\x00") + 1
            if cut == 0:      # no NUL yet (never in an SQLite file's pages): read on
                rest = data
                continue
            yield data[:cut]
            rest = data[cut:]
    if rest:
        yield rest


_DIGIT_OR_X = re.compile(r"[\dXx]")
#: The characters other than ASCII whose NFKC form differs from them and holds a digit or an
#: ``X`` (``①``, ``３``, ``¼``, ``Ⅻ``), as ranges of code points, for the Unicode version
#: ``_FOLDING_UNICODE`` (``_folding`` finds them again under any other version).
_FOLDING_UNICODE = "14.0.0"
_FOLDING_RANGES = (
    (0xb2, 0xb3), (0xb9, 0xb9), (0xbc, 0xbe), (0x2e3, 0x2e3), (0x2070, 0x2070),
    (0x2074, 0x2079), (0x2080, 0x2089), (0x2093, 0x2093), (0x213b, 0x213b), (0x2150, 0x215f),
    (0x2168, 0x216b), (0x2178, 0x217b), (0x2189, 0x2189), (0x2460, 0x249b), (0x24b3, 0x24b3),
    (0x24cd, 0x24cd), (0x24e7, 0x24e7), (0x24ea, 0x24ea), (0x3251, 0x325f), (0x32b1, 0x32cb),
    (0x3358, 0x3370), (0x3378, 0x3379), (0x339f, 0x33a6), (0x33a8, 0x33a8), (0x33af, 0x33af),
    (0x33d3, 0x33d3), (0x33e0, 0x33fe), (0xff10, 0xff19), (0xff38, 0xff38), (0xff58, 0xff58),
    (0x1d417, 0x1d417), (0x1d431, 0x1d431), (0x1d44b, 0x1d44b), (0x1d465, 0x1d465),
    (0x1d47f, 0x1d47f), (0x1d499, 0x1d499), (0x1d4b3, 0x1d4b3), (0x1d4cd, 0x1d4cd),
    (0x1d4e7, 0x1d4e7), (0x1d501, 0x1d501), (0x1d51b, 0x1d51b), (0x1d535, 0x1d535),
    (0x1d54f, 0x1d54f), (0x1d569, 0x1d569), (0x1d583, 0x1d583), (0x1d59d, 0x1d59d),
    (0x1d5b7, 0x1d5b7), (0x1d5d1, 0x1d5d1), (0x1d5eb, 0x1d5eb), (0x1d605, 0x1d605),
    (0x1d61f, 0x1d61f), (0x1d639, 0x1d639), (0x1d653, 0x1d653), (0x1d66d, 0x1d66d),
    (0x1d687, 0x1d687), (0x1d6a1, 0x1d6a1), (0x1d7ce, 0x1d7ff), (0x1f100, 0x1f10a),
    (0x1f127, 0x1f127), (0x1f147, 0x1f147), (0x1fbf0, 0x1fbf9),
)


def _digit_folding(char: str) -> str:
    """``char``'s NFKC form if it differs and holds a digit or an ``X`` (a character
    ``_fold_digits`` replaces), else ``char``."""
    form = unicodedata.normalize("NFKC", char)
    return form if form != char and _DIGIT_OR_X.search(form) is not None else char


@functools.cache
def _folding() -> re.Pattern[str]:
    """One character that may be one ``_fold_digits`` replaces: those of
    ``_FOLDING_RANGES`` in the Basic Multilingual Plane, and one range spanning the others
    (a regex class of many scattered ranges outside it is searched many times slower).
    Under another Unicode version than ``_FOLDING_UNICODE``, every character is looked at
    once (~0.3 s)."""
    ranges = _FOLDING_RANGES
    if unicodedata.unidata_version != _FOLDING_UNICODE:
        ranges = tuple((c, c) for c in range(0x80, sys.maxunicode + 1)
                       if not 0xD800 <= c <= 0xDFFF and _digit_folding(chr(c)) != chr(c))
    wide = [(a, b) for a, b in ranges if b > 0xFFFF]
    ranges = [(a, b) for a, b in ranges if a <= 0xFFFF] + (
        [(max(wide[0][0], 0x10000), wide[-1][1])] if wide else [])
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                                    for a, b in ranges) + "]")


def _fold_digits(text: str) -> str:
    """``text`` with every character whose NFKC form holds a digit or an ``X`` (``①``,
    ``３``, ``¼``) replaced by that form: its runs of digits are those of
    ``unicodedata.normalize("NFKC", text)`` (NFKC changes other characters only into other
    non-digits: composing, reordering marks), at a fraction of the cost on a large file
    (one regex pass finds the characters that may be replaced, ``_folding``)."""
    if text.isascii():
        return text
    pieces, done = [], 0
    for m in _folding().finditer(text):
        pieces += [text[done:m.start()], _digit_folding(m.group())]
        done = m.end()
    return "".join([*pieces, text[done:]]) if pieces else text


def _tables(conn: sqlite3.Connection) -> list[tuple[str, bool]]:
    """Every stored table (shadow tables of the full-text index included; the virtual
    table itself is read through them) and whether it is virtual."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                        "ORDER BY name").fetchall()
    return [(n, (sql or "").upper().startswith("CREATE VIRTUAL")) for n, sql in rows
            if n not in _SQLITE_OWN]


def _unpacked(conn: sqlite3.Connection, cell: bytes) -> str:
    """A packed explanation's JSON text (a cell that cannot be read is a finding's text:
    it cannot be shown clean)."""
    try:
        return explanations.json_text(conn, cell)
    except (ValueError, UnicodeDecodeError):
        return "（无法解压的说明）"


class _Reader:
    """Cells as the scanner reads them: as their readers see them (``cell``)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        has_refs = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'explanation_ref'").fetchone() is not None
        self.joiner = explanations.Joiner(conn) if has_refs else None

    def reads(self, table: str, col: str) -> bool:
        """Whether ``cell`` reads the column's cells otherwise than as stored."""
        return (table, col) in (("explanation", "json"), ("explanation_ref", "json"))

    def cell(self, table: str, col: str, value: object) -> object:
        """A cell as the scanner reads it: an explanation inflated if packed (its raw bytes
        are deflated), with the texts its template took numbers out of filled again
        (``explanations.Joiner.filled``) and as stored, a packing dictionary with its rows
        joined, any other cell as it is."""
        if (table, col) == ("explanation", "json"):
            if packing.is_packed(value):
                value = _unpacked(self.conn, value)
            if self.joiner is not None and isinstance(value, str):
                # the texts numbers are written into, and the stored JSON (a template may
                # leave values unused, read there only); its other texts are the
                # explanation_ref entries it cites, read where they are stored
                return JOIN.join([*self.joiner.filled(value), value])
        elif (table, col) == ("explanation_ref", "json") and self.joiner is not None and \
                isinstance(value, str):
            joined = self.joiner.entry(value)
            return value if joined is value else f"{joined}{JOIN}{value}"
        return value


#: Joins texts judged at once (``_all_clean``): no pattern of the checker matches across it.
_SEPARATOR = JOIN


#: Texts joined at most into one (a bound on the memory ``_all_clean`` takes).
_BATCH = 20_000


def _all_clean(checker: _Checker, texts: Iterable[str]) -> bool:
    """Whether none of ``texts`` leaks anything, judged ``_BATCH`` at a time joined by
    ``_SEPARATOR``: each pattern (an ID number, a name, a cadre id, a run of bigrams) then
    matches within one text only, as when each is judged alone, so one regex pass in C
    replaces a Python call per text (the names are looked for in ASCII texts too: stricter)."""
    texts = iter(texts)
    while batch := list(itertools.islice(texts, _BATCH)):
        if checker.text(_SEPARATOR.join(batch)):
            return False
    return True


def _clean(conn: sqlite3.Connection, checker: _Checker, reader: _Reader, table: str,
           cols: list[str]) -> bool:
    """Whether no text cell of ``table`` leaks anything: each column's distinct texts
    (SQLite finds them) are judged together (``_all_clean``), as read (``_Reader``)."""
    for col in cols:
        kinds = "'text', 'blob'" if (table, col) == ("explanation", "json") else "'text'"
        rows = conn.execute(f"SELECT DISTINCT [{col}] FROM [{table}] "
                            f"WHERE typeof([{col}]) IN ({kinds})")
        if reader.reads(table, col):
            values = (reader.cell(table, col, value) for (value,) in rows)
            texts = (v for v in values if isinstance(v, str))
        else:
            texts = (value for (value,) in rows)     # as stored: text (``typeof``)
        if not _all_clean(checker, texts):
            return False
    return True


def _cells(conn: sqlite3.Connection, checker: _Checker) -> Iterator[str]:
    """Findings in the cells of every table (a table with a leak is read row by row, for
    the findings' row numbers)."""
    reader = _Reader(conn)
    for table, virtual in _tables(conn):
        if virtual:
            continue
        cols = [r[1] for r in conn.execute(f"PRAGMA main.table_info([{table}])")]
        if _clean(conn, checker, reader, table, cols):
            continue
        rows = conn.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}]")
        for rowid, values in enumerate(rows, 1):
            for col, value in zip(cols, values):
                value = reader.cell(table, col, value)
                if not isinstance(value, str):   # blobs (the index's pages): see the raw bytes
                    continue
                leaks = checker.text(value)
                for leak in leaks:
                    yield f"表 {table} 第 {rowid} 行 {col} 列：{leak}"


#: The smallest number with 17 digits: no count, amount or score of a publication comes near
#: it, and an ID number stored as a number (its 17 digits and a digit check character) is
#: above it.
_ID_SIZED = 10 ** 16
#: Columns of numbers the SDK computes that are not data: 64-bit hashes of texts.
_HASHES = {("explanation_ref", "digest")}


def _text_affinity(declared: str) -> bool:
    """Whether a column declared ``declared`` has TEXT affinity (SQLite's rules, in order)."""
    declared = (declared or "").upper()
    return "INT" not in declared and any(t in declared for t in ("CHAR", "CLOB", "TEXT"))


def _id_sized_numbers(conn: sqlite3.Connection) -> Iterator[str]:
    """Findings of numbers with 17 digits or more in any cell stored as a number (the search
    index's own tables are left out: their integers are the index's structure, not data, and
    its tokens are read back by ``_indexed_tokens``)."""
    for table, virtual in _tables(conn):
        if virtual or table.startswith(f"{SEARCH}_"):
            continue
        # a column of TEXT affinity stores a number given to it as text (``_cells`` reads it)
        cols = [name for _, name, declared, *_ in
                conn.execute(f"PRAGMA main.table_info([{table}])")
                if (table, name) not in _HASHES and not _text_affinity(declared)]
        if not cols:
            continue
        where = " OR ".join(f"(typeof([{c}]) IN ('integer', 'real') AND abs([{c}]) >= "
                            f"{_ID_SIZED})" for c in cols)
        if conn.execute(f"SELECT 1 FROM [{table}] WHERE {where} LIMIT 1").fetchone() is None:
            continue      # most tables: told by one plain read, without numbering the rows
        listed = ", ".join(f"[{c}]" for c in cols)
        # rows numbered in the order a plain read gives (as ``_cells`` numbers them; a
        # ``WITHOUT ROWID`` table has no rowid)
        for rowid, *values in conn.execute(f"SELECT * FROM (SELECT row_number() OVER () AS n, "
                                           f"{listed} FROM [{table}]) WHERE {where}"):
            for col, value in zip(cols, values):
                if isinstance(value, (int, float)) and abs(value) >= _ID_SIZED:
                    yield (f"表 {table} 第 {rowid} 行 {col} 列：17 位以上的数字（可能是以数值"
                           f"存放的身份证号）")


#: The most indexed rows whose tokens ``_joined_tokens`` reads as one text (~45 characters
#: a row at 10,000 cadres: a text of ~10 MB at most).
_JOINED_ROWS = 250_000


def _joined_tokens(conn: sqlite3.Connection) -> str | None:
    """Every indexed row's tokens (as ``_indexed_tokens`` reads each row's) joined by
    ``JOIN`` in one text, made by SQLite in one sort (the rows one by one take a second sort
    and a Python string per row), where the index has one column (a row's first token is the
    one at offset 0: an index of full detail, whose tokens have their offsets) and at most
    ``_JOINED_ROWS`` rows; else None."""
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [SEARCH]).fetchone()
    if "detail" in (sql or "").lower() or len(conn.execute(
            f"PRAGMA main.table_info([{SEARCH}])").fetchall()) != 1:
        return None
    try:
        (rows,) = conn.execute(f"SELECT count(*) FROM [{SEARCH}_docsize]").fetchone()
    except sqlite3.OperationalError:     # an index without the table of its rows' sizes
        return None
    if rows > _JOINED_ROWS:
        return None
    # SQLite's separator is the one given with the row it goes before
    (text,) = conn.execute(
        f"SELECT group_concat(term, CASE WHEN offset = 0 THEN char({ord(JOIN)}) ELSE ' ' END) "
        f"FROM (SELECT term, offset FROM temp.[{SEARCH}_terms] ORDER BY doc, col, offset)"
    ).fetchone()
    return text or ""


def _indexed_tokens(conn: sqlite3.Connection, checker: _Checker) -> Iterator[str]:
    """Findings in the search index's tokens, each indexed row's read back from the index
    (``fts5vocab``: every term with its row and position; the index stores no text)."""
    names = {n for n, _ in _tables(conn)}
    if SEARCH not in names:
        return
    conn.execute(f"CREATE VIRTUAL TABLE temp.[{SEARCH}_terms] USING "
                 f"fts5vocab(main, [{SEARCH}], 'instance')")
    try:
        # each row's terms in their order, joined by SQLite (the sorted subquery's order)
        docs = (f"SELECT doc, group_concat(term, ' ') AS text FROM (SELECT doc, term FROM "
                f"temp.[{SEARCH}_terms] ORDER BY doc, col, offset) GROUP BY doc ORDER BY doc")
        # every row's at once first (``_all_clean``), row by row only for the findings
        joined = _joined_tokens(conn)
        if joined is not None:
            if not checker.text(joined):
                return
        elif _all_clean(checker, (text for _, text in conn.execute(docs))):
            return
        for doc, text in conn.execute(docs):
            for leak in checker.text(text):
                yield f"表 {SEARCH} 第 {doc} 行 tokens 列（索引词元）：{leak}"
    finally:
        conn.execute(f"DROP TABLE temp.[{SEARCH}_terms]")


def _people(conn: sqlite3.Connection, limits: Thresholds) -> Iterator[str]:
    """Rows about people, person keys, small rater groups, small counts, rare combinations."""
    names = {n for n, _ in _tables(conn)}
    for table in sorted(names & AGGREGATE_ONLY):
        yield f"表 {table}：逐人记录不应出现在公开版"
    allowed = public_tables_allowed()
    for table in sorted(names - AGGREGATE_ONLY):
        if not _allowed(table, allowed):
            yield f"表 {table}：不是公开版允许的汇总表或参考表（逐人、逐案记录只在监督版）"
    for table in sorted(names):
        cols = {r[1] for r in conn.execute(f"PRAGMA main.table_info([{table}])")}
        for key in sorted(cols & (PERSON_KEYS | {"id_number"})):
            yield f"表 {table} 的 {key} 列：个人标识不应出现在公开版"
        if "participants" in cols:
            for rowid, n in conn.execute(f"SELECT rowid, participants FROM [{table}] "
                                         "WHERE typeof(participants) = 'integer' "
                                         "AND participants < ?", [limits.min_raters]):
                yield f"表 {table} 第 {rowid} 行：参评人数 {n} 少于 {limits.min_raters}"
    if "explanation" in names:
        explanations.register_sql_function(conn)
        joiner = explanations.Joiner(conn) if "explanation_ref" in names else None
        # the raters' key is in the template of a templated explanation (as in
        # ``redact.withhold_evaluations``), in the row otherwise
        templated = ("OR json_extract(j, '$.t') IN (SELECT id FROM explanation_ref WHERE "
                     "kind = 'template' AND json LIKE ?1)" if joiner is not None else "")
        for key, text in conn.execute(
                "SELECT id, j FROM (SELECT id, cadre_explanation_json(json) AS j "
                f"FROM explanation) WHERE j LIKE ?1 {templated}", [f"%{RATERS_KEY}%"]):
            data = json.loads(text)
            data = joiner.data(data) if joiner is not None else data
            for item in data.get("inputs") or []:
                value = item.get("value")
                if (isinstance(value, dict) and isinstance(value.get(RATERS_KEY), int)
                        and value[RATERS_KEY] < limits.min_raters):
                    yield f"说明 {key}：{item.get('label')}参评人数 {value[RATERS_KEY]} 人的票数"
    for spec in SPECS:
        if spec.table not in names:
            continue
        cols = {r[1] for r in conn.execute(f"PRAGMA main.table_info([{spec.table}])")}
        for col in (c for c in spec.counts if c in cols):
            for (rowid,) in conn.execute(
                    f"SELECT rowid FROM [{spec.table}] WHERE typeof([{col}]) IN "
                    f"('integer', 'real') AND [{col}] > 0 AND [{col}] < ?",
                    [limits.min_count]):
                yield f"表 {spec.table} 第 {rowid} 行 {col} 列：人数少于 {limits.min_count}"
        yield from _lone_categories(conn, spec, cols)
    if GENERALIZED in names:
        qi = ", ".join(QUASI_IDENTIFIERS)
        for *combo, n in conn.execute(f"SELECT {qi}, count(*) FROM [{GENERALIZED}] "
                                      f"GROUP BY {qi} HAVING count(*) < ?",
                                      [limits.k_anonymity]):
            yield (f"表 {GENERALIZED}：准标识符组合（{'，'.join(map(str, combo))}）"
                   f"只有 {n} 行，少于 k = {limits.k_anonymity}")


def _lone_categories(conn: sqlite3.Connection, spec: Spec, cols: set[str]) -> Iterator[str]:
    """Rows whose hidden total sits in one hidden part, every other part 0, or beside parts
    all 0: all of its people are in one category (``suppress.lone_categories``)."""
    for total, parts in spec.parts + spec.categories:
        if total not in cols or not set(parts) <= cols:
            continue
        hidden = " + ".join(f"(typeof([{p}]) = 'text')" for p in parts)
        zeros = " + ".join(f"(typeof([{p}]) IN ('integer', 'real') AND [{p}] = 0)"
                           for p in parts)
        for (rowid,) in conn.execute(
                f"SELECT rowid FROM [{spec.table}] WHERE typeof([{total}]) = 'text' "
                f"AND {hidden} <= 1 AND {zeros} >= 1 AND {hidden} + {zeros} = ?", [len(parts)]):
            yield (f"表 {spec.table} 第 {rowid} 行：{total} 列不公开，其余各项至多一项不公开、"
                   "其他均为 0，可知全部人员同属一类")


def _limited(findings: Iterable[str]) -> list[str]:
    """The first ``_MAX_PER_CHECK`` findings and a count of the rest."""
    out, more = [], 0
    for f in findings:
        if len(out) < _MAX_PER_CHECK:
            out.append(f)
        else:
            more += 1
    if more:
        out.append(f"……另有 {more} 处")
    return out


def scan(path: str | Path, *, names: Iterable[str] = (), cadre_ids: Iterable[str] = (),
         limits: Thresholds | None = None, redactor: Redactor | None = None) -> list[str]:
    """Every finding (Chinese, one line each) of the public file ``path``: see the module
    docstring. ``names`` and ``cadre_ids`` are those of every cadre in the store;
    ``redactor``, if given, must be ``Redactor(names, cadre_ids)`` (it is not built again)."""
    limits = limits or Thresholds()
    checker = _Checker(list(names), list(cadre_ids), redactor)
    path = Path(path)
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        findings = (_limited(_cells(conn, checker)) + _limited(_id_sized_numbers(conn))
                    + _limited(_indexed_tokens(conn, checker)) + _limited(_people(conn, limits)))
    finally:
        conn.close()
    findings += [f"文件原始字节（{path.name}）{f}" for f in checker.raw_file(path)]
    return findings
