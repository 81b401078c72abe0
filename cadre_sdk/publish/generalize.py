"""The public level's rows about cadres: generalized until no one stands out (k-anonymity).

The quasi-identifiers are what a reader may already know about a person: unit, post, birth
date, gender, ethnicity and years of township work. The public table ``cadre_generalized``
has one row per cadre with no identifier (no cadre id, name or ID number) and these
quasi-identifiers coarsened step by step (``LADDER``) until every combination is shared by at
least ``k`` rows (``Thresholds.k_anonymity``):

====  =====================================================================================
step  what a row shows
====  =====================================================================================
0     county (or the prefecture for a prefecture-level unit), unit kind, post level
      (厅局级/县处级/乡科级 …, not the post), birth in 5-year bands, gender, ethnicity,
      township work in bands (无, 不满5年, 5至9年, 10年及以上)
1     prefecture, unit kind, post level, birth in 10-year bands, gender, 汉族/少数民族,
      township work yes/no
2     prefecture, post level, birth in 10-year bands, gender
3     prefecture, post level
4     the province, post level
====  =====================================================================================

Each cadre gets the finest step at which its combination is shared by at least ``k`` cadres
still unplaced; what a step leaves out reads ``不公开``. A cadre whose combination is rarer
than ``k`` even at the last step is left out (counted in ``publication``).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator

from cadre_sdk.store.table_labels import describe
from cadre_sdk.publish.introspect import has

TABLE = "cadre_generalized"
#: What a field a step leaves out shows.
HIDDEN = "不公开"
#: The quasi-identifier columns of ``cadre_generalized`` (the scanner checks them).
QUASI_IDENTIFIERS = ("prefecture", "county", "unit_kind", "post_level", "birth_band", "gender",
                     "ethnicity", "township_years")

describe(TABLE, "干部队伍结构（概化）",
         "每名干部一行，不含编号、姓名、身份证号；单位、职务、出生年月、性别、民族、乡镇工作年限"
         "按 k-匿名逐级概化，每种组合至少由 k 名干部共有（k 见“发布信息”表），"
         "概化掉的项目显示“不公开”。用于按地区、层级、年龄、性别、民族统计干部队伍结构。",
         {"prefecture": "市州", "county": "县（市、区）", "unit_kind": "单位类别",
          "post_level": "职务层级", "birth_band": "出生年份段", "gender": "性别",
          "ethnicity": "民族", "township_years": "乡镇工作年限", "step": "概化级别"},
         notes={"step": "0 为最细；数字越大概化越多（说明见 docs/public-privacy.md）"})


def _band(year: int | None, width: int) -> str:
    if year is None:
        return HIDDEN
    start = year // width * width
    return f"{start}–{start + width - 1}年"


def _township_band(years: float | None) -> str:
    if not years:
        return "无"
    return "不满5年" if years < 5 else "5至9年" if years < 10 else "10年及以上"


#: Step -> the row as shown, from the cadre's full facts.
LADDER: tuple[Callable[[dict], tuple], ...] = (
    lambda f: (f["prefecture"], f["county"], f["unit_kind"], f["level"], _band(f["year"], 5),
               f["gender"], f["ethnicity"], _township_band(f["township"])),
    lambda f: (f["prefecture"], HIDDEN, f["unit_kind"], f["level"], _band(f["year"], 10),
               f["gender"], HIDDEN if not f["ethnicity"] else
               "汉族" if f["ethnicity"] == "汉族" else "少数民族",
               "有" if f["township"] else "无"),
    lambda f: (f["prefecture"], HIDDEN, HIDDEN, f["level"], _band(f["year"], 10), f["gender"],
               HIDDEN, HIDDEN),
    lambda f: (f["prefecture"], HIDDEN, HIDDEN, f["level"], HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    lambda f: ("青海省", HIDDEN, HIDDEN, f["level"], HIDDEN, HIDDEN, HIDDEN, HIDDEN),
)


def generalize(facts: list[dict], k: int) -> tuple[list[tuple], int]:
    """The rows as published (each a quasi-identifier tuple plus its step) and the number of
    cadres left out. Every published combination is shared by at least ``k`` rows."""
    conn = sqlite3.connect(":memory:")
    try:
        left_out = _place(conn, ((f, 1) for f in facts), k)
        return list(_placed_rows(conn)), left_out
    finally:
        conn.close()


#: The facts ``LADDER`` reads, as the columns of ``_place``'s table of groups.
_FACTS = ("prefecture", "county", "unit_kind", "level", "year", "gender", "ethnicity",
          "township")
#: The columns of a row as shown (``QUASI_IDENTIFIERS``) in ``_place``'s tables.
_SHOWN = ", ".join(f"q{i}" for i in range(len(QUASI_IDENTIFIERS)))
_TEMP = ("generalize_group", "generalize_shown", "generalize_placed")


def _band_sql(width: int) -> str:
    """SQL: ``_band(year, width)`` of the column ``year`` (a whole year, never negative)."""
    start = f"(year / {width} * {width})"
    return (f"CASE WHEN year IS NULL THEN '{HIDDEN}' "
            f"ELSE {start} || '–' || ({start} + {width - 1}) || '年' END")


#: ``LADDER`` in SQL, on the columns ``_FACTS`` of a group (a test checks each step against
#: ``LADDER``): one ``INSERT … SELECT`` a step instead of a Python call per group.
_LADDER_SQL: tuple[tuple[str, ...], ...] = (
    ("prefecture", "county", "unit_kind", "level", _band_sql(5), "gender", "ethnicity",
     "CASE WHEN township IS NULL OR township = 0 THEN '无' WHEN township < 5 THEN '不满5年' "
     "WHEN township < 10 THEN '5至9年' ELSE '10年及以上' END"),
    ("prefecture", f"'{HIDDEN}'", "unit_kind", "level", _band_sql(10), "gender",
     f"CASE WHEN ethnicity IS NULL OR ethnicity = '' THEN '{HIDDEN}' "
     "WHEN ethnicity = '汉族' THEN '汉族' ELSE '少数民族' END",
     "CASE WHEN township IS NULL OR township = 0 THEN '无' ELSE '有' END"),
    ("prefecture", f"'{HIDDEN}'", f"'{HIDDEN}'", "level", _band_sql(10), "gender",
     f"'{HIDDEN}'", f"'{HIDDEN}'"),
    ("prefecture", f"'{HIDDEN}'", f"'{HIDDEN}'", "level", *[f"'{HIDDEN}'"] * 4),
    ("'青海省'", f"'{HIDDEN}'", f"'{HIDDEN}'", "level", *[f"'{HIDDEN}'"] * 4),
)


def _create_temp(conn: sqlite3.Connection) -> None:
    """``_place``'s temporary tables: the groups, each step's rows as shown, the placed."""
    conn.execute(f"CREATE TEMP TABLE {_TEMP[0]} (gid INTEGER PRIMARY KEY, {', '.join(_FACTS)}, "
                 "n INTEGER NOT NULL, step INTEGER)")
    conn.execute(f"CREATE TEMP TABLE {_TEMP[1]} (gid INTEGER PRIMARY KEY, {_SHOWN})")
    conn.execute(f"CREATE TEMP TABLE {_TEMP[2]} ({_SHOWN}, step INTEGER, n INTEGER)")


def _place(conn: sqlite3.Connection, groups: Iterable[tuple[dict, int]], k: int) -> int:
    """Place groups of cadres with the same facts, each ``(facts, number of cadres)``, in
    temporary tables of ``conn`` (``_steps``), read back by ``_placed_rows``; returns the
    number of cadres left out."""
    facts = ", ".join(_FACTS)
    _create_temp(conn)
    conn.executemany(f"INSERT INTO temp.{_TEMP[0]} ({facts}, n) "
                     f"VALUES ({', '.join('?' * len(_FACTS))}, ?)",
                     ((*(group[f] for f in _FACTS), n) for group, n in groups))
    return _steps(conn, k)


def _steps(conn: sqlite3.Connection, k: int) -> int:
    """Place the groups of ``_place``'s table (SQLite counts and sorts, spilling to disk:
    the memory taken does not grow with the groups); returns the number of cadres left out.
    At each step every group still unplaced is shown as the step shows its facts
    (``_LADDER_SQL``), and placed if at least ``k`` unplaced cadres are shown alike: as the
    cadres one by one would be, since cadres with equal facts are shown alike at every
    step."""
    for step, shape in enumerate(_LADDER_SQL):
        conn.execute(f"DELETE FROM temp.{_TEMP[1]}")
        conn.execute(f"INSERT INTO temp.{_TEMP[1]} SELECT gid, {', '.join(shape)} "
                     f"FROM temp.{_TEMP[0]} WHERE step IS NULL")
        conn.execute(f"""UPDATE temp.{_TEMP[0]} SET step = ?1 WHERE gid IN (
  SELECT gid FROM temp.{_TEMP[1]} JOIN (
    SELECT {_SHOWN}, sum(n) AS size FROM temp.{_TEMP[1]} JOIN temp.{_TEMP[0]} USING (gid)
    GROUP BY {_SHOWN}) USING ({_SHOWN})
  WHERE size >= ?2)""", [step, k])
        conn.execute(f"INSERT INTO temp.{_TEMP[2]} SELECT {_SHOWN}, step, n FROM temp.{_TEMP[1]} "
                     f"JOIN temp.{_TEMP[0]} USING (gid) WHERE step = ?", [step])
    return conn.execute(f"SELECT coalesce(sum(n), 0) FROM temp.{_TEMP[0]} "
                        "WHERE step IS NULL").fetchone()[0]


def _placed_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """The rows ``_place`` placed, one per cadre, sorted (SQLite's binary order of the texts
    is Python's)."""
    rows = conn.execute(f"SELECT {_SHOWN}, step, sum(n) FROM temp.{_TEMP[2]} "
                        f"GROUP BY {_SHOWN}, step ORDER BY {_SHOWN}, step")
    for *row, n in rows:
        row = tuple(row)
        for _ in range(n):
            yield row


#: A cadre's township work in ``_township_band``'s classes (SQL, on ``years``): cadres of one
#: class are shown alike at every step.
_TOWNSHIP_CLASS = ("CASE WHEN t.years IS NULL OR t.years = 0 THEN 0 WHEN t.years < 5 THEN 1 "
                   "WHEN t.years < 10 THEN 2 ELSE 3 END")


def _birth_year(year: str | None) -> int | None:
    """The birth year of the first four characters of a birth date (None if not digits)."""
    return int(year) if year and year.isdigit() else None


def _facts_sql(conn: sqlite3.Connection, on: str) -> tuple[str, list[str]]:
    """SQL and its parameters: the cadres' quasi-identifiers from the store (read-only
    ``src``), grouped by SQLite, as the columns ``_FACTS`` and ``n``, the number of cadres,
    one row for each group of cadres whose facts the ladder shows alike (the same birth
    year, township work in the same class: a group's facts hold the years of one of its
    cadres). Needs ``cadre_birth_year`` (``_birth_year``, for a year not of ASCII digits)."""
    township, params = "SELECT NULL AS cadre_id, NULL AS years WHERE 0", []
    if has(conn, "posting", "township", schema="src"):
        # Months of township postings up to ``on`` (an open posting runs to ``on``).
        township = """
SELECT cadre_id, sum(max(0, (CAST(substr(coalesce(p.[end], ?1), 1, 4) AS INTEGER) * 12
                             + CAST(substr(coalesce(p.[end], ?1), 6, 2) AS INTEGER))
                          - (CAST(substr(p.start, 1, 4) AS INTEGER) * 12
                             + CAST(substr(p.start, 6, 2) AS INTEGER)))) / 12.0 AS years
FROM src.posting p WHERE p.township = 1 AND p.start IS NOT NULL GROUP BY cadre_id"""
        params = [on]
    # a text that is empty reads as missing, as Python's ``or`` reads it
    grouped = f"""
WITH t AS ({township})
SELECT substr(c.birth, 1, 4) AS y, c.gender AS gender, c.ethnicity AS ethnicity,
       c.level AS level, u.kind AS kind, u.region_code AS region,
       CASE WHEN substr(u.region_code, 3, 4) = '0000' THEN substr(u.region_code, 1, 6)
            ELSE substr(u.region_code, 1, 4) || '00' END AS pref,
       p.name AS pref_name, cty.name AS county, max(t.years) AS years, count(*) AS n
FROM src.cadre c JOIN src.unit u ON u.code = c.unit_code
LEFT JOIN t ON t.cadre_id = c.id
LEFT JOIN main.region p ON p.code = CASE WHEN substr(u.region_code, 3, 4) = '0000'
     THEN substr(u.region_code, 1, 6) ELSE substr(u.region_code, 1, 4) || '00' END
LEFT JOIN main.region cty ON cty.code = substr(u.region_code, 1, 6)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, {_TOWNSHIP_CLASS}"""
    hidden = f"'{HIDDEN}'"
    return f"""
SELECT coalesce(nullif(pref_name, ''), nullif(pref, ''), {hidden}),
       CASE WHEN length(coalesce(region, '')) >= 6 AND substr(region, 5, 2) <> '00'
            THEN coalesce(nullif(county, ''), substr(region, 1, 6)) ELSE '市州直属' END,
       coalesce(nullif(kind, ''), {hidden}), coalesce(nullif(level, ''), {hidden}),
       CASE WHEN y <> '' AND y NOT GLOB '*[^0-9]*' THEN CAST(y AS INTEGER)
            ELSE cadre_birth_year(y) END,
       coalesce(nullif(gender, ''), {hidden}), coalesce(ethnicity, ''), years, n
FROM ({grouped})""", params


def _fact_groups(conn: sqlite3.Connection, on: str) -> Iterator[tuple[dict, int]]:
    """``(facts, number of cadres)`` for each group of ``_facts_sql``."""
    conn.create_function("cadre_birth_year", 1, _birth_year, deterministic=True)
    sql, params = _facts_sql(conn, on)
    for *facts, n in conn.execute(sql, params):
        yield dict(zip(_FACTS, facts)), n


def build(conn: sqlite3.Connection, k: int, on: str) -> tuple[str | None, int]:
    """Create ``cadre_generalized`` from the store's cadres (``on``: the month township work
    is counted up to, ``YYYY-MM``); returns its name (None without cadres or units) and the
    number of cadres left out."""
    if not (has(conn, "cadre", "birth", "level", schema="src")
            and has(conn, "unit", "kind", "region_code", schema="src")):
        return None, 0
    conn.create_function("cadre_birth_year", 1, _birth_year, deterministic=True)
    sql, params = _facts_sql(conn, on)
    _create_temp(conn)
    conn.execute(f"INSERT INTO temp.{_TEMP[0]} ({', '.join(_FACTS)}, n) {sql}", params)
    left_out = _steps(conn, k)
    conn.execute(f"""CREATE TABLE [{TABLE}] (prefecture TEXT, county TEXT, unit_kind TEXT,
  post_level TEXT, birth_band TEXT, gender TEXT, ethnicity TEXT, township_years TEXT,
  step INTEGER NOT NULL)""")
    conn.executemany(f"INSERT INTO [{TABLE}] VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     _placed_rows(conn))
    for table in _TEMP:
        conn.execute(f"DROP TABLE temp.{table}")
    conn.execute(f"CREATE INDEX idx_{TABLE}_prefecture ON [{TABLE}] (prefecture, post_level)")
    return TABLE, left_out
