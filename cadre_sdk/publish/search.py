"""Chinese full-text search that finds two-character words.

SQLite's ``unicode61`` tokenizer keeps a run of Chinese characters as one token, and the
``trigram`` tokenizer cannot match terms shorter than three characters, yet most Chinese words
have two. So the publication indexes text *pre-tokenized*: after Traditional→Simplified
conversion, each run of Chinese characters becomes its overlapping character bigrams plus its
last character alone (尕布龙 → ``尕布 布龙 龙``), and other words stay whole (lower-cased);
``unicode61`` then only splits on the spaces. The FTS5 table keeps only its index (external
content), and no text is copied for it: what a result shows is the view ``search_result``
over the published tables (a search row's id is its table's code and the row's rowid,
``document_id``), and the tokens themselves are stored nowhere (``scan`` reads them back from
the index). A query is turned into the same tokens
(``match_expression``): a term of two or more characters is the phrase of its bigrams, a
single character is a prefix query (it matches every bigram starting with it and the run-final
unigrams), terms are AND-ed. Datasette gets the conversion as the SQL function
``cadre_match(q)`` (see ``cadre_sdk.publish.datasette_plugin``).
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator

from cadre_sdk.core.normalize import to_simplified
from cadre_sdk.rules import CannedQuery

#: The FTS5 table the publication builds, and the SQL function that turns a query into MATCH.
TABLE = "search_index"
#: The view of what a search result shows (kind, title, start of the text, link to the row),
#: one row per published row with searchable text; ``DOCUMENTS`` is the view the FTS5 table
#: reads it through, by the search row's id.
RESULTS = "search_result"
DOCUMENTS = "search_document"
FUNCTION = "cadre_match"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _runs(text: str) -> Iterator[str]:
    """Runs of Chinese characters, and words of other letters or digits (lower-cased)."""
    try:
        text = to_simplified(text)
    except ValueError:   # text OpenCC cannot take (lone surrogates): search it as it is
        pass
    for match in _RUN.finditer(text):
        yield match.group().lower()


def _run_tokens(run: str) -> list[str]:
    """Tokens of one run: a Chinese run's bigrams and last character; a word as it is."""
    if not _IS_CJK.match(run):
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(text: str | None) -> str:
    """The space-separated tokens indexed for ``text``."""
    if not text:
        return ""
    return " ".join(t for run in _runs(text) for t in _run_tokens(run))


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


#: A search row's id: its table's code (``searchable.Searchable.code``) above this many bits,
#: the row's rowid below (a publication is never vacuumed, so its rowids stay).
SHIFT = 40
#: What the view ``RESULTS`` gives per row: ``tab`` and ``rid`` address it (``SHIFT``), the
#: others are what a result shows.
RESULT_COLUMNS = ("tab", "rid", "kind", "title", "content", "record")


def document_id(code: int, rowid: int) -> int:
    """The search row id of the row ``rowid`` of the searchable table ``code``."""
    if not 0 < rowid < 1 << SHIFT:
        raise ValueError(f"rowid {rowid} cannot be addressed by the search index")
    return code << SHIFT | rowid


def create_index(conn: sqlite3.Connection, results: list[str]) -> None:
    """Create the empty search index over ``results``: SELECTs giving ``RESULT_COLUMNS`` for
    the rows of each searchable table (``searchable.Searchable.result_sql``). They make the
    view ``RESULTS`` (what a result shows, computed from the published row: no text is
    copied), the view ``DOCUMENTS`` the index reads it through, and the FTS5 table, which
    keeps only the index of the tokens (external content: no copy of any text)."""
    arms = results or ["SELECT NULL AS tab, NULL AS rid, NULL AS kind, NULL AS title, "
                       "NULL AS content, NULL AS record WHERE 0"]
    conn.execute(f"CREATE VIEW [{RESULTS}] AS " + "\nUNION ALL ".join(arms))
    # The tokens are in no table: FTS5 reads the view only for the columns a query selects.
    conn.execute(f"CREATE VIEW [{DOCUMENTS}] AS SELECT (tab << {SHIFT}) + rid AS id, "
                 f"NULL AS tokens, kind, title, content, record FROM [{RESULTS}]")
    conn.execute(
        f"CREATE VIRTUAL TABLE [{TABLE}] USING fts5(tokens, kind UNINDEXED, title UNINDEXED, "
        f"content UNINDEXED, record UNINDEXED, content='{DOCUMENTS}', content_rowid='id', "
        "tokenize='unicode61')")


def add_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, str | tuple[str, ...]]]
             ) -> int:
    """Index ``(id, text)`` rows: ``id`` is the search row's (``document_id``), ``text`` what
    is searched (a text, or its parts, each tokenized once however many rows repeat it).
    Returns the number of rows indexed (those whose text has a token)."""
    seen: dict[str, str] = {}

    def part_tokens(part: str) -> str:
        """``tokens(part)``, remembered for parts that repeat (posts, programmes, notes)."""
        toks = seen.get(part)
        if toks is None:
            toks = tokens(part)
            if len(seen) < _SEEN:
                seen[part] = toks
        return toks

    count = 0
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        conn.executemany(f"INSERT INTO [{TABLE}] (rowid, tokens) VALUES (?, ?)", batch)
        batch.clear()

    for doc, text in rows:
        parts = (text,) if isinstance(text, str) else text
        toks = " ".join(t for t in map(part_tokens, parts) if t)
        if toks:
            count += 1
            batch.append((doc, toks))
            if len(batch) >= _BATCH:
                flush()
    flush()
    return count


#: Rows written at a time.
_BATCH = 20_000
#: How many distinct texts ``add_rows`` remembers the tokens of.
_SEEN = 200_000


#: How many matches (in index order: regions, units and cadres first) the search ranks.
#: Ranking (bm25) costs per match, and a common two-character word matches a tenth of the
#: index; ranking a bounded set keeps every search a few milliseconds at any scale.
RANKED = 500


def _shown(column: str) -> str:
    """SQL reading one column of what a hit shows from its row (``RESULTS``)."""
    return (f"(SELECT {column} FROM [{RESULTS}] WHERE tab = hit.id >> {SHIFT} "
            f"AND rid = hit.id & {(1 << SHIFT) - 1})")


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
