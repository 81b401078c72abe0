"""Chinese full-text search that finds two-character words.

SQLite's ``unicode61`` tokenizer keeps a run of Chinese characters as one token, and the
``trigram`` tokenizer cannot match terms shorter than three characters, yet most Chinese words
have two. So the publication indexes text *pre-tokenized*: after Traditional→Simplified
conversion, each run of Chinese characters becomes its overlapping character bigrams plus its
last character alone (尕布龙 → ``尕布 布龙 龙``), and other words stay whole (lower-cased);
``unicode61`` then only splits on the spaces. ASCII text, which needs neither, is given to
FTS5 as it is (``unicode61`` splits and lower-cases it the same way), so SQLite builds the
index from the published rows and only other text passes through Python, each distinct text
once (``indexed_text``, ``add_rows``). The FTS5 table keeps only its index
(contentless), and no text is copied for it: what a result shows is the view ``search_result``
over the published tables (a search row's id is its table's first id plus the row's rowid,
``RESULT_COLUMNS``), and the tokens themselves are stored nowhere (``scan`` reads them back
from the index). A query is turned into the same tokens
(``match_expression``): a term of two or more characters is the phrase of its bigrams, a
single character is a prefix query (it matches every bigram starting with it and the run-final
unigrams), terms are AND-ed. Datasette gets the conversion as the SQL function
``cadre_match(q)`` (see ``cadre_sdk.publish.datasette_plugin``).
"""
from __future__ import annotations

import operator
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence

from cadre_sdk.core.normalize import to_simplified
from cadre_sdk.rules import CannedQuery

#: The FTS5 table the publication builds, and the SQL function that turns a query into MATCH.
TABLE = "search_index"
#: The view of what a search result shows (kind, title, start of the text, link to the row),
#: one row per published row with searchable text (``RESULT_COLUMNS``).
RESULTS = "search_result"
FUNCTION = "cadre_match"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _simplified(text: str) -> str:
    """``text`` in Simplified characters (as it is if OpenCC cannot take it: lone
    surrogates), lower-cased."""
    try:
        text = to_simplified(text)
    except ValueError:
        pass
    return text.lower()


def _runs(text: str) -> list[str]:
    """Runs of Chinese characters, and words of other letters or digits (lower-cased)."""
    return _RUN.findall(_simplified(text))


def _tokens_of(simplified: str) -> str:
    """The tokens of text already simplified and lower-cased (``_simplified``): a Chinese
    run's overlapping bigrams and its last character, a word as it is."""
    out: list[str] = []
    for run in _RUN.findall(simplified):
        if len(run) > 1 and _IS_CJK.match(run):
            out.extend(map(operator.add, run, run[1:]))
            out.append(run[-1])
        else:
            out.append(run)
    return " ".join(out)


def tokens(text: str | None) -> str:
    """The space-separated tokens indexed for ``text``."""
    return _tokens_of(_simplified(text)) if text else ""


def match_expression(query: str | None) -> str:
    """An FTS5 MATCH expression for a user's query (any script, Traditional or Simplified).

    An empty query gives ``""``, which matches nothing (rather than an FTS5 syntax error)."""
    terms = []
    for run in _runs(query or ""):
        if _IS_CJK.match(run) and len(run) == 1:
            terms.append(f'"{run}" *')
        elif _IS_CJK.match(run):
            terms.append('"' + " ".join(run[i:i + 2] for i in range(len(run) - 1)) + '"')
        else:
            terms.append(f'"{run}"')
    return " AND ".join(terms) if terms else '""'


def register_function(conn: sqlite3.Connection) -> None:
    """Make ``cadre_match(q)`` available on ``conn``."""
    conn.create_function(FUNCTION, 1, match_expression, deterministic=True)


#: What the view ``RESULTS`` gives per row: ``base``, ``top`` and ``rid`` address it (the
#: search row ``base + rid`` is the row ``rid`` of the table whose search rows are
#: ``base + 1`` to ``top``), the others are what a result shows.
RESULT_COLUMNS = ("base", "top", "rid", "kind", "title", "content", "record")


def create_index(conn: sqlite3.Connection, results: list[str]) -> None:
    """Create the empty search index over ``results``: SELECTs giving ``RESULT_COLUMNS`` for
    the rows of each searchable table (``searchable.Searchable.result_sql``). They make the
    view ``RESULTS``, what a result shows, computed from the published row (no text is
    copied); the FTS5 table keeps only the index of the tokens (contentless)."""
    arms = results or ["SELECT " + ", ".join(f"NULL AS {c}" for c in RESULT_COLUMNS)
                       + " WHERE 0"]
    conn.execute(f"CREATE VIEW [{RESULTS}] AS " + "\nUNION ALL ".join(arms))
    conn.execute(f"CREATE VIRTUAL TABLE [{TABLE}] USING fts5(tokens, content='', "
                 "tokenize='unicode61')")


#: The SQL function ``add_rows`` gives the values SQLite cannot index as they are.
_TOKENS = "cadre_search_tokens"


def indexed_text(values: Sequence[str], known: Sequence[Iterable[str]] = ()) -> str:
    """SQL: the text FTS5 is given for a row whose searched values are the SQL expressions
    ``values``, those true in Python (not NULL, ``''`` or 0) taken as text. ASCII text is given
    as it is: ``unicode61`` splits it at every character but an ASCII letter or digit and
    lower-cases it, exactly as ``tokens`` would, so the index holds the same tokens at the same
    positions; ASCII text without a letter or digit gives ``''`` (no token). Other values are
    given their ``tokens`` (the function ``add_rows`` registers), or, for the texts ``known``
    lists for a value (at its position), the tokens written into the SQL (``_known``)."""
    known = list(known) + [()] * (len(values) - len(known))
    return " || ' ' || ".join(
        f"CASE WHEN typeof({v}) = 'text' AND length(CAST({v} AS BLOB)) = length({v}) "
        f"THEN CASE WHEN {v} GLOB '*[0-9A-Za-z]*' THEN {v} ELSE '' END "
        f"WHEN {v} IS NULL THEN '' ELSE {_known(v, texts)} END"
        for v, texts in zip(values, known))


def _known(value: str, texts: Iterable[str]) -> str:
    """SQL: the ``tokens`` of ``value`` (an SQL expression neither NULL nor ASCII text),
    written out for each of ``texts`` (no call into Python for a row holding one of them:
    at 10,000 cadres ~190,000 calls, a care record's note, a training's programme, a post),
    else from the function ``add_rows`` registers (``_look_up``)."""
    known = sorted({t for t in texts if t and not t.isascii() and "\x00" not in t})
    call = f"{_TOKENS}({value})"
    return _look_up(value, known, call) if known else call


#: The most texts ``_look_up`` compares a value with one by one (more are halved first).
_LEAF = 8


def _look_up(value: str, texts: list[str], call: str) -> str:
    """SQL: the tokens of ``value`` where it is one of ``texts`` (sorted), found by halving
    them down to ``_LEAF`` (a dozen comparisons for a few hundred texts), else ``call``.
    Texts are compared byte by byte (``BINARY``, whatever the column's collation: UTF-8 bytes
    sort as Python sorts characters); a number sorts before every text and a BLOB after, and
    equals none."""
    if len(texts) <= _LEAF:
        whens = " ".join(f"WHEN {_literal(t)} THEN {_literal(tokens(t))}" for t in texts)
        return f"CASE {value} COLLATE BINARY {whens} ELSE {call} END"
    mid = len(texts) // 2
    return (f"CASE WHEN {value} COLLATE BINARY < {_literal(texts[mid])} THEN "
            f"{_look_up(value, texts[:mid], call)} ELSE {_look_up(value, texts[mid:], call)} END")


def _literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _tokens_once(kept: dict[str, str]) -> Callable[[object], str]:
    """``tokens`` of a value true in Python (as text), else ``""``: each distinct text
    tokenized once, its tokens kept in ``kept`` (up to ``_KEPT`` at a time): posts,
    programmes and notes repeat."""
    def tokens_of(value: object) -> str:
        if type(value) is not str:   # a number or bytes in a text column
            return tokens(str(value)) if value else ""
        found = kept.get(value)
        if found is None:
            if len(kept) >= _KEPT:
                kept.clear()
            found = kept[value] = tokens(value)
        return found
    return tokens_of


def add_rows(conn: sqlite3.Connection, selects: Iterable[str]) -> int:
    """Index the rows of ``selects``: SELECTs of columns ``id``, the search row's
    (``RESULT_COLUMNS``), and ``text``, made by ``indexed_text``. Returns the number of rows
    indexed (those whose text has a token).

    SQLite reads the rows and gives them to FTS5 (only values that are not ASCII text pass
    through Python), with FTS5 keeping up to ``_PENDING`` bytes of tokens in memory before it
    writes them (its default, 1 MB, writes many small segments and merges them again and
    again); the setting is not kept in the publication."""
    kept: dict[str, str] = {}
    conn.create_function(_TOKENS, 1, _tokens_once(kept), deterministic=True)
    conn.execute(f"INSERT INTO [{TABLE}] ([{TABLE}], rank) VALUES ('hashsize', ?)",
                 [_PENDING])
    count = 0
    try:
        for select in selects:
            # LIMIT keeps SQLite from flattening the subquery, which would make each text
            # twice (once for WHERE).
            count += conn.execute(f"INSERT INTO [{TABLE}] (rowid, tokens) SELECT id, text "
                                  f"FROM ({select} LIMIT -1) WHERE trim(text) <> ''"
                                  ).rowcount
    finally:
        kept.clear()
        conn.execute(f"DELETE FROM [{TABLE}_config] WHERE k = 'hashsize'")
    return count


#: Distinct texts whose tokens ``add_rows`` keeps (forgotten all at once when full).
_KEPT = 50_000
#: Bytes of pending tokens FTS5 holds in memory while ``add_rows`` builds the index (at 100k:
#: ~25% less CPU than the default 1 MB, for ~17 MB more memory; 32 MB saved no more).
_PENDING = 16 << 20


#: How many matches (in index order: regions, units and cadres first) the search ranks.
#: Ranking (bm25) costs per match, and a common two-character word matches a tenth of the
#: index; ranking a bounded set keeps every search a few milliseconds at any scale.
RANKED = 500


def _shown(column: str) -> str:
    """SQL reading one column of what a hit shows from its row (``RESULTS``)."""
    return (f"(SELECT {column} FROM [{RESULTS}] WHERE base < hit.id AND hit.id <= top "
            "AND rid = hit.id - base)")


#: The SQL of the search query readers use (``SEARCH_QUERY``). The first ``RANKED`` matches
#: in index order (``ORDER BY rowid`` keeps SQLite from ranking every match instead) are
#: ranked; each hit's row is read by its rowid from its own table: SQLite flattens the view
#: into each subquery, one arm per table, and only the arm of the hit's table reads a row.
SEARCH_SQL = f"""SELECT {_shown("kind")} AS 类别, {_shown("title")} AS 名称,
  {_shown("content")} AS 内容, {_shown("record")} AS 记录
FROM (SELECT rowid AS id, rank AS score FROM [{TABLE}]
      WHERE [{TABLE}] MATCH {FUNCTION}(:q) ORDER BY rowid LIMIT {RANKED}) AS hit
ORDER BY hit.score, hit.id"""

#: The publication's own canned query: Chinese search over the index built here (published at
#: both levels; a plugin that registers a query named ``search`` replaces it).
SEARCH_QUERY = CannedQuery(
    name="search", title="搜索",
    description="中文全文检索：单位、地区、职务、日常考察、实绩、案件事由、备注等（监督版含干部姓名）。"
                "q 填检索词：可输入两字词、多个词（以空格分隔，须同时出现）、单字，繁体亦可。"
                f"按相关程度排序；匹配超过 {RANKED} 条时只列出前 {RANKED} 条（地区、单位、干部在前），"
                "请增加检索词缩小范围。",
    sql=SEARCH_SQL)
