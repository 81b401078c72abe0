"""Tables of the subsidy engine (migration set ``cadre_sdk.subsidies``) and their Chinese
labels, kept apart from the engine so that opening a store (which checks every set's
migrations) or publishing one does not import the engine."""
from __future__ import annotations

import sqlite_utils

from cadre_sdk.core.errors import StoreError
from cadre_sdk.store.database import migration_set
from cadre_sdk.store.table_labels import describe

migrations = migration_set("cadre_sdk.subsidies")


@migrations(name="0001_subsidy_tables")
def _tables(db: sqlite_utils.Database) -> None:
    # Until 0002 this also created the ledger as one wide table (``subsidy_ledger``, every
    # text on every line, three secondary indexes); 0002 converts such a table where an
    # earlier version made it. New stores never make it: its dropped pages would stay in the
    # file as free pages.
    db.execute("""CREATE TABLE subsidy_totals (
      region_level TEXT NOT NULL,       -- 市州 or 县
      region_code TEXT NOT NULL,
      region_name TEXT,
      month TEXT NOT NULL,
      scheme TEXT NOT NULL,
      cadres INTEGER NOT NULL,          -- cadres paid (amount > 0)
      cadres_unpaid INTEGER NOT NULL,   -- ledger lines with nothing paid
      amount REAL NOT NULL,
      average REAL,                     -- amount per cadre paid
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (region_code, month, scheme)
    )""")
    db["subsidy_totals"].create_index(["region_level", "month"])


# The county and prefecture codes a paying township falls under, as ``county_and_prefecture``
# gives them (a township's code is 9 digits; a 6-digit code is a county's or a prefecture's).
_COUNTY = ("CASE WHEN length({c}) = 9 OR substr({c}, 5, 2) <> '00' "
           "THEN substr({c}, 1, 6) END")
_PREFECTURE = ("CASE WHEN length({c}) = 9 OR substr({c}, 3, 4) <> '0000' "
               "THEN substr({c}, 1, 4) || '00' END")

#: The ledger as it was stored before 0002, one row per line with every text spelt out: what
#: readers, case files and plugin tests query. Derived from ``subsidy_line``, its scheme and its
#: rule; the oversight publication creates it too, over the tables it copied.
LEDGER_VIEW = f"""CREATE VIEW subsidy_ledger AS
SELECT l.month, l.cadre_id, l.township_code,
       {_COUNTY.format(c="l.township_code")} AS county_code,
       {_PREFECTURE.format(c="l.township_code")} AS prefecture_code,
       s.name AS scheme, l.amount, l.days, r.plugin AS rule_plugin,
       r.jurisdiction AS rule_jurisdiction, r.name AS rule_name, r.parameter_version,
       l.explanation_id
FROM subsidy_line l JOIN subsidy_scheme s ON s.id = l.scheme_id
JOIN subsidy_rule r ON r.id = l.rule_id"""


@migrations(name="0002_compact_ledger")
def _compact_ledger(db: sqlite_utils.Database) -> None:
    """The ledger keeps what each line adds (issue 19): the scheme and the rule (plugin,
    jurisdiction, name, parameter versions) as small integers citing ``subsidy_scheme`` and
    ``subsidy_rule``; county and prefecture codes are derived from the township's, in the view
    ``subsidy_ledger`` that gives the old rows back. Lines keep their explanation ids."""
    db.execute("""CREATE TABLE subsidy_scheme (
      id INTEGER PRIMARY KEY,           -- in the order of the names
      name TEXT NOT NULL UNIQUE         -- e.g. 乡镇工作岗位补助, 地区附加津贴
    )""")
    db.execute("""CREATE TABLE subsidy_rule (
      id INTEGER PRIMARY KEY,
      scheme_id INTEGER NOT NULL REFERENCES subsidy_scheme(id),
      plugin TEXT NOT NULL,
      jurisdiction TEXT NOT NULL,
      name TEXT,
      parameter_version TEXT            -- path@start of every parameter the rule read
    )""")
    # Appended in the order the engine writes (month, cadre): the pages fill, no index
    # besides the key; readers by cadre or region go through the publication's indexes.
    db.execute("""CREATE TABLE subsidy_line (
      month TEXT NOT NULL,              -- YYYY-MM
      cadre_id TEXT NOT NULL REFERENCES cadre(id),
      scheme_id INTEGER NOT NULL REFERENCES subsidy_scheme(id),
      township_code TEXT NOT NULL,      -- the paying township
      amount REAL NOT NULL,             -- yuan; 0 when not paid (the explanation says why)
      days INTEGER NOT NULL,            -- days actually worked at township posts that month
      rule_id INTEGER NOT NULL REFERENCES subsidy_rule(id),
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (month, cadre_id, scheme_id)
    ) WITHOUT ROWID""")
    if not db["subsidy_ledger"].exists():   # a store made since 0002: nothing to convert
        db.execute(LEDGER_VIEW)
        return
    db.execute("INSERT INTO subsidy_scheme (name) "
               "SELECT DISTINCT scheme FROM subsidy_ledger ORDER BY scheme")
    db.execute("""INSERT INTO subsidy_rule (scheme_id, plugin, jurisdiction, name,
                                            parameter_version)
       SELECT DISTINCT s.id, l.rule_plugin, l.rule_jurisdiction, l.rule_name, l.parameter_version
       FROM subsidy_ledger l JOIN subsidy_scheme s ON s.name = l.scheme ORDER BY 1, 2, 3, 4, 5""")
    db.execute("""INSERT INTO subsidy_line
       SELECT l.month, l.cadre_id, s.id, l.township_code, l.amount, l.days, r.id,
              l.explanation_id
       FROM subsidy_ledger l JOIN subsidy_scheme s ON s.name = l.scheme
       JOIN subsidy_rule r ON r.scheme_id = s.id AND r.plugin = l.rule_plugin
        AND r.jurisdiction = l.rule_jurisdiction AND r.name IS l.rule_name
        AND r.parameter_version IS l.parameter_version
       ORDER BY l.month, l.cadre_id, s.id""")
    db.execute("DROP TABLE subsidy_ledger")
    db.execute(LEDGER_VIEW)


#: How a ledger line names its explanation: the 64-bit integer ``explanation_key`` (8 bytes)
#: is stored, and ``explanation_id`` ('subsidy:' and 16 hex digits, the explanation's id) is a
#: VIRTUAL generated column derived from it (no bytes stored; readers select it as before).
LINE_SQL = """CREATE TABLE subsidy_line (
      month TEXT NOT NULL,              -- YYYY-MM
      cadre_id TEXT NOT NULL REFERENCES cadre(id),
      scheme_id INTEGER NOT NULL REFERENCES subsidy_scheme(id),
      township_code TEXT NOT NULL,      -- the paying township
      amount REAL NOT NULL,             -- yuan; 0 when not paid (the explanation says why)
      days INTEGER NOT NULL,            -- days actually worked at township posts that month
      rule_id INTEGER NOT NULL REFERENCES subsidy_rule(id),
      explanation_key INTEGER NOT NULL, -- the explanation's 16 hex digits as a signed integer
      explanation_id TEXT GENERATED ALWAYS AS
        ('subsidy:' || printf('%016x', explanation_key)) VIRTUAL,
      PRIMARY KEY (month, cadre_id, scheme_id)
    ) WITHOUT ROWID"""


def explanation_key(eid: str) -> int:
    """The ``explanation_key`` of the subsidy explanation id ``eid`` ('subsidy:' and 16 hex
    digits): those 64 bits as a signed integer (SQLite's ``printf('%016x')`` gives them back).
    A ``ValueError`` for any other id."""
    prefix, _, digits = eid.partition(":")
    if prefix != "subsidy" or len(digits) != 16 or digits.strip("0123456789abcdef"):
        raise ValueError(f"not a subsidy explanation id: {eid!r}")
    return int.from_bytes(bytes.fromhex(digits), "big", signed=True)


@migrations(name="0003_explanation_key")
def _explanation_key(db: sqlite_utils.Database) -> None:
    """Lines cite their explanation by a 64-bit integer, ``explanation_id`` derived from it
    (issue 19: 24 bytes of text on every line, 4 MB at 10k cadres). Ids of ledgers written
    before 0002 (32 hex digits) are cut to their first 16 in the lines and the explanation
    table alike: the id re-evaluating the same line gives."""
    db.execute("DROP VIEW IF EXISTS subsidy_ledger")
    db.execute(LINE_SQL.replace("CREATE TABLE subsidy_line", "CREATE TABLE subsidy_line_new", 1))
    db.conn.execute("UPDATE explanation SET id = substr(id, 1, 24) "
                    "WHERE id GLOB 'subsidy:*' AND length(id) > 24")
    for (eid,) in db.execute("SELECT DISTINCT explanation_id FROM subsidy_line"):
        try:
            explanation_key(eid[:24])
        except ValueError:
            raise StoreError(f"补贴台账中的说明编号 {eid!r} 不是补贴说明的编号（subsidy: 加 16 位"
                             "十六进制数字），无法升级数据库；数据未作任何改动。") from None
    db.conn.create_function("cadre_subsidy_key", 1,
                            lambda eid: explanation_key(eid[:24]), deterministic=True)
    db.execute("""INSERT INTO subsidy_line_new (month, cadre_id, scheme_id, township_code,
                                                amount, days, rule_id, explanation_key)
       SELECT month, cadre_id, scheme_id, township_code, amount, days, rule_id,
              cadre_subsidy_key(explanation_id)
       FROM subsidy_line ORDER BY month, cadre_id, scheme_id""")
    db.execute("DROP TABLE subsidy_line")
    db.execute("ALTER TABLE subsidy_line_new RENAME TO subsidy_line")
    db.execute(LEDGER_VIEW)


#: How ``parameter_version`` reads (``core.parameter_versions``); the pages show each parameter
#: by its name.
_VERSION_NOTE = ("所读参数的路径@施行日期，多个参数以“; ”分隔；录入的参数文件中的取值另注“（录入文件 文件名）”。"
                 "网页上按参数名称和施行日期显示，每个参数一行")
_RULE_COLUMNS = {"rule_plugin": "规则插件", "rule_jurisdiction": "规则管辖地区代码",
                 "rule_name": "规则名称", "parameter_version": "参数版本",
                 "explanation_id": "计算说明"}
_LEDGER_NOTES = {"amount": "0 表示当月不发放，原因见计算说明",
                 "township_code": "当月在多个乡镇在岗时，为在岗天数最多的乡镇（相同时取代码较小者）",
                 "parameter_version": _VERSION_NOTE}

describe("subsidy_ledger", "补贴台账（视图）",
         "每名干部每月每项补贴（乡镇工作岗位补助、地区附加津贴等）的测算结果：按发放乡镇所在地最具体的规则和当月施行的参数计算。"
         "本视图由补贴台账（subsidy_line）及其引用的补贴项目、补贴规则得出，写出每行的全部文字。",
         {"month": "月份", "cadre_id": "干部编号", "township_code": "发放乡镇代码",
          "county_code": "县级代码", "prefecture_code": "市州代码", "scheme": "补贴项目",
          "amount": "金额", "days": "当月乡镇在岗天数", **_RULE_COLUMNS},
         units={"amount": "元", "days": "天"}, notes=_LEDGER_NOTES)

describe("subsidy_line", "补贴台账",
         "每名干部每月每项补贴的测算结果，补贴项目和所用规则以编号引用"
         "（见“补贴项目”“补贴规则”两表）；数据库中的视图 subsidy_ledger 给出每行的全部文字。",
         {"month": "月份", "cadre_id": "干部编号", "scheme_id": "补贴项目",
          "township_code": "发放乡镇代码", "amount": "金额", "days": "当月乡镇在岗天数",
          "rule_id": "所用规则", "explanation_key": "计算说明键", "explanation_id": "计算说明"},
         units={"amount": "元", "days": "天"},
         notes={**{k: v for k, v in _LEDGER_NOTES.items() if k != "parameter_version"},
                "explanation_key": "计算说明编号中 subsidy: 之后的 16 位十六进制数，以 64 位整数"
                                   "存储；“计算说明”一列由它得出"})

describe("subsidy_scheme", "补贴项目", "补贴台账中出现的补贴项目。",
         {"id": "编号", "name": "补贴项目"})

describe("subsidy_rule", "补贴规则",
         "补贴台账所用的规则：插件、管辖地区、规则名称和所读参数的版本。",
         {"id": "编号", "scheme_id": "补贴项目", "plugin": "规则插件",
          "jurisdiction": "规则管辖地区代码", "name": "规则名称",
          "parameter_version": "参数版本"},
         notes={"parameter_version": _VERSION_NOTE})

describe("subsidy_totals", "补贴汇总",
         "补贴台账按市州、县，月份和补贴项目汇总。",
         {"region_level": "层级", "region_code": "地区代码", "region_name": "地区",
          "month": "月份", "scheme": "补贴项目", "cadres": "发放人数",
          "cadres_unpaid": "未发放人数", "amount": "发放总额", "average": "人均发放额",
          "explanation_id": "计算说明"},
         units={"amount": "元", "average": "元", "cadres": "人", "cadres_unpaid": "人"})
