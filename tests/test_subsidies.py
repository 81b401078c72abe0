"""The subsidy engine with the provincial default schemes and a prefecture's own dated tiers.

Every expected amount is worked out by hand from the rules (see the comments): the provincial
example tiers are 200 (0+ years) / 260 (5+) / 320 (10+) / 380 / 440 / 500, +100 in especially
hard townships, nothing below 15 days; the regional allowance is 60/100/160/250/400/650 yuan for
hardship classes 1..6. Years of service are completed years of township months before the month.
"""
from __future__ import annotations

import pytest

from cadre_sdk import PluginError, SubsidyRule, hookimpl
from cadre_sdk.core.errors import StoreError
from cadre_sdk.defaults.subsidies import REGIONAL, TOWNSHIP_POST, township_post_subsidy
from cadre_sdk.engines.subsidies.engine import career_facts, merge_spells
from cadre_sdk.parameters import parse_parameters
from cadre_sdk.store.database import migrate

T_A = "632221101"   # 门源县, class 2, not especially hard (provincial rules)
T_B = "632221102"   # 门源县, class 4, especially hard (provincial rules)
T_H = "632801101"   # 格尔木市 in 海西州 (632800): 海西's own township subsidy
T_S = "632221001"   # a subdistrict (街道)

HAIXI_YAML = """
description: 海西州乡镇工作岗位补助（测试用）
township_post:
  tiers:
    unit: yuan
    values:
      2015-01-01:
        value: [{min_years: 0, monthly_yuan: 300}, {min_years: 3, monthly_yuan: 380}]
        reference: 测试用旧档次
        example: true
      2024-07-01:
        value: [{min_years: 0, monthly_yuan: 350}, {min_years: 3, monthly_yuan: 450}]
        reference: 测试用新档次（2024-07-01 起）
        example: true
  min_days:
    unit: days
    values:
      2015-01-01: {value: 12, reference: 测试用, example: true}
  especially_hard_bonus:
    unit: yuan
    values:
      2015-01-01: {value: 120, reference: 测试用, example: true}
"""


class Haixi:
    """A prefecture plugin registered in code: 海西州's township subsidy with two dated tiers."""

    @hookimpl
    def cadre_jurisdiction(self) -> str:
        return "632800"

    @hookimpl
    def register_subsidy_rules(self, register):
        register(SubsidyRule(scheme=TOWNSHIP_POST, compute=township_post_subsidy,
                             parameters=parse_parameters(HAIXI_YAML, "haixi.yaml"),
                             name="海西州乡镇工作岗位补助"))


def region(code, name, parent, hardship="", hard="否", level="乡镇"):
    return {"地区代码": code, "地区名称": name, "层级": level, "上级代码": parent,
            "海拔": "3200", "艰苦边远类别": hardship, "特别艰苦": hard}


def posting(pid, cadre, start, end, township="是"):
    return {"履历编号": pid, "干部编号": cadre, "起始时间": start, "终止时间": end,
            "职务": "干事", "经历类型": "任职", "乡镇工作": township}


def attend(cadre, township, month, days):
    return {"干部编号": cadre, "乡镇代码": township, "月份": month, "在岗天数": days}


CADRES = ["H1", "E14", "E15", "E16", "M", "M2", "S", "N", "D"]

POSTINGS = [
    posting("P-H1", "H1", "2020.03", ""),
    *[posting(f"P-{c}", c, "2010.01", "") for c in ("E14", "E15", "E16")],
    posting("P-M1", "M", "2022-01-01", "2024-03-12"),
    posting("P-M2", "M", "2024-03-13", ""),
    posting("P-M21", "M2", "2022-01-01", ""),
    posting("P-S1", "S", "2023-01-01", "2024-03-20"),
    posting("P-S2", "S", "2024-03-21", "", township="否"),
    posting("P-N", "N", "2024-05-20", ""),
]

ATTENDANCE = [
    attend("H1", T_H, "2024.06", 20), attend("H1", T_H, "2024.07", 20),
    attend("E14", T_A, "2024.05", 14), attend("E15", T_A, "2024.05", 15),
    attend("E16", T_A, "2024.05", 16),
    attend("M", T_A, "2024.03", 8), attend("M", T_B, "2024.03", 12),
    attend("M2", T_A, "2024.03", 10), attend("M2", T_B, "2024.03", 10),
    attend("S", T_A, "2024.03", 5), attend("S", T_A, "2024.04", 16),
    attend("N", T_A, "2024.04", 3), attend("N", T_A, "2024.05", 8),
    attend("D", T_S, "2024.05", 20),
]


@pytest.fixture
def loaded(cadre_db, cadre_load):
    db = cadre_db
    cadre_load(db, "region", [
        region(T_A, "青石咀镇", "632221", hardship="2"),
        region(T_B, "皇城蒙古族乡", "632221", hardship="4", hard="是"),
        region(T_H, "郭勒木德镇", "632801", hardship="3"),
        region(T_S, "浩门街道", "632221", level="街道"),
    ])
    cadre_load(db, "unit", [{"单位代码": "U1", "单位名称": "青石咀镇人民政府", "单位类别": "乡镇",
                             "单位层级": "乡镇", "所在地区代码": T_A}])
    cadre_load(db, "cadre", [{"干部编号": c, "姓名": f"干部{c}", "性别": "女", "出生年月": "1985.03",
                              "工作单位": "U1", "职务": "干事"} for c in CADRES])
    cadre_load(db, "posting", POSTINGS)
    cadre_load(db, "attendance", ATTENDANCE)
    return db


@pytest.fixture
def ledger(loaded, cadre_plugins, cadre_evaluate):
    cadre_evaluate(loaded, cadre_plugins(Haixi()), as_of="2025-01-31", only=("subsidies",))
    return loaded


def line(db, cadre, month, scheme=TOWNSHIP_POST):
    rows = list(db.query("SELECT l.*, cadre_explain(e.json) AS text FROM subsidy_ledger l JOIN explanation e "
                         "ON e.id = l.explanation_id WHERE cadre_id = ? AND month = ? "
                         "AND scheme = ?", [cadre, month, scheme]))
    return rows[0] if rows else None


def test_prefecture_tiers_change_on_their_date(ledger):
    # 2020-03..2024-05 is 51 months before 2024-06 -> 4 full years -> 海西's 3+ tier.
    # Old tiers (from 2015-01-01): 380. 2024-07: 52 months, still 4 years; new tiers: 450.
    june, july = line(ledger, "H1", "2024-06"), line(ledger, "H1", "2024-07")
    assert (june["amount"], july["amount"]) == (380, 450)
    assert june["rule_plugin"] == july["rule_plugin"] == "Haixi"
    assert june["rule_jurisdiction"] == "632800"
    assert "township_post.tiers@2015-01-01" in june["parameter_version"]
    assert "township_post.tiers@2024-07-01" in july["parameter_version"]
    assert "测试用新档次（2024-07-01 起）" in july["text"]


def test_other_scheme_still_comes_from_the_province(ledger):
    # 海西 registers only the township subsidy; the regional allowance of T_H (class 3) is the
    # province's: 160 a month.
    allowance = line(ledger, "H1", "2024-07", REGIONAL)
    assert allowance["amount"] == 160
    assert allowance["rule_plugin"] == "cadre_sdk.defaults.subsidies"
    assert allowance["rule_jurisdiction"] == "630000"
    # ... and outside 海西 the province's township subsidy applies (E15 below).
    assert line(ledger, "E15", "2024-05")["rule_plugin"] == "cadre_sdk.defaults.subsidies"


def test_attendance_threshold_edge(ledger):
    # 2010-01..2024-04 = 172 months -> 14 years -> the 10+ tier: 320; T_A is not especially hard.
    assert line(ledger, "E14", "2024-05")["amount"] == 0
    assert line(ledger, "E15", "2024-05")["amount"] == 320
    assert line(ledger, "E16", "2024-05")["amount"] == 320
    assert "本月在岗 14 天，低于 15 天的发放条件，不发放" in line(ledger, "E14", "2024-05")["text"]
    # The regional allowance has no attendance condition: class 2 -> 100 for all three.
    assert [line(ledger, c, "2024-05", REGIONAL)["amount"] for c in ("E14", "E15", "E16")] \
        == [100, 100, 100]


def test_local_attendance_condition_applies_in_its_prefecture(loaded, cadre_plugins,
                                                               cadre_evaluate, cadre_load):
    # 海西's min_days is 12: 13 days pay there. 2024-07 tiers, 4 years -> 450.
    cadre_load(loaded, "attendance", [attend("H1", T_H, "2024.08", 13)])
    cadre_evaluate(loaded, cadre_plugins(Haixi()), as_of="2025-01-31", only=("subsidies",))
    assert line(loaded, "H1", "2024-08")["amount"] == 450


def test_mid_month_transfer_pays_once_where_most_days_were_worked(ledger):
    # M: 8 days in T_A + 12 in T_B = 20 days >= 15; T_B pays (more days).
    # 2022-01..2024-02 = 26 months -> 2 years -> 200; T_B especially hard +100 = 300.
    # Regional allowance of T_B (class 4): 250.
    paid = line(ledger, "M", "2024-03")
    assert (paid["township_code"], paid["days"], paid["amount"]) == (T_B, 20, 300)
    assert line(ledger, "M", "2024-03", REGIONAL)["amount"] == 250
    assert f"{T_A}" in paid["text"] and "各乡镇在岗天数" in paid["text"]
    assert ledger.execute("SELECT count(*) FROM subsidy_ledger WHERE cadre_id = 'M'"
                          ).fetchone()[0] == 2  # one line per scheme, not per township


def test_mid_month_transfer_tie_goes_to_the_smaller_code(ledger):
    # M2: 10 + 10 days; tie -> T_A (smaller code). 26 months -> 2 years -> 200, no bonus.
    paid = line(ledger, "M2", "2024-03")
    assert (paid["township_code"], paid["amount"]) == (T_A, 200)


def test_stopped_from_the_month_after_transfer(ledger):
    # S left township work on 2024-03-20. March is the transfer month: paid whole although only
    # 5 days: 2023-01..2024-02 = 14 months -> 1 year -> 200. April: stopped.
    assert line(ledger, "S", "2024-03")["amount"] == 200
    april = line(ledger, "S", "2024-04")
    assert april["amount"] == 0
    assert "已于 2024-03 调离乡镇工作岗位，自次月起停发" in april["text"]
    assert line(ledger, "S", "2024-04", REGIONAL)["amount"] == 0


def test_paid_from_the_month_township_work_starts(ledger):
    # N starts 2024-05-20: April is before the start (nothing), May is paid whole although
    # only 8 days: 0 months before -> 0 years -> 200.
    assert line(ledger, "N", "2024-04")["amount"] == 0
    assert "乡镇工作自 2024-05 起" in line(ledger, "N", "2024-04")["text"]
    assert line(ledger, "N", "2024-05")["amount"] == 200


def test_subdistricts_are_not_paid_the_township_subsidy(ledger):
    assert line(ledger, "D", "2024-05")["amount"] == 0
    assert "街道不在乡镇工作补贴范围" in line(ledger, "D", "2024-05")["text"]
    assert line(ledger, "D", "2024-05", REGIONAL) is None  # no hardship class: no line


def test_totals_by_prefecture_and_county(ledger):
    # 海北 (632200), 2024-05, township subsidy: E15 320 + E16 320 + N 200 = 840 paid to 3;
    # E14 and D unpaid. Average 840 / 3 = 280.
    row = ledger.execute("SELECT cadres, cadres_unpaid, amount, average FROM subsidy_totals "
                         "WHERE region_code = '632200' AND month = '2024-05' AND scheme = ?",
                         [TOWNSHIP_POST]).fetchone()
    assert row == (3, 2, 840, 280)
    county = ledger.execute("SELECT region_level, amount FROM subsidy_totals WHERE "
                            "region_code = '632221' AND month = '2024-05' AND scheme = ?",
                            [TOWNSHIP_POST]).fetchone()
    assert county == ("县", 840)


def test_reevaluation_is_byte_identical(ledger, cadre_plugins, cadre_evaluate):
    def dump():
        # explanation is keyed by id (WITHOUT ROWID, migration 0007): its rows in id order
        return [list(ledger.query(f"SELECT * FROM {t} ORDER BY {order}")) for t, order in
                (("subsidy_line", "month, cadre_id, scheme_id"), ("subsidy_rule", "id"),
                 ("subsidy_scheme", "id"), ("subsidy_totals", "rowid"),
                 ("explanation", "id"))]
    first = dump()
    cadre_evaluate(ledger, cadre_plugins(Haixi()), as_of="2025-01-31", only=("subsidies",))
    assert dump() == first


def test_a_rule_returning_a_negative_amount_names_the_plugin(loaded, cadre_plugins,
                                                             cadre_evaluate):
    class Broken:
        @hookimpl
        def cadre_jurisdiction(self):
            return "632800"

        @hookimpl
        def register_subsidy_rules(self, register):
            register(SubsidyRule(scheme=REGIONAL, compute=lambda ent, ctx: -5))

    with pytest.raises(PluginError, match=r"plugin 'Broken', hook register_subsidy_rules"):
        cadre_evaluate(loaded, cadre_plugins(Broken()), as_of="2025-01-31", only=("subsidies",))
    assert loaded.execute("SELECT count(*) FROM subsidy_ledger").fetchone()[0] == 0


def test_service_counts_completed_years_of_merged_spells():
    # Two postings that follow on (2019-01..2019-12, 2020-01..) are one spell; in 2021-03 the
    # months served before are 2019-01..2021-02 = 26 -> 2 years. A gap month splits spells.
    spells = merge_spells([("2019-01-05", "2019-12-31"), ("2020-01", None)])
    assert len(spells) == 1
    facts = career_facts(spells, 2021 * 12 + 2)  # 2021-03
    assert (facts["service_months"], facts["service_years"], facts["posted"]) == (26, 2, True)
    gap = merge_spells([("2019-01", "2019-10"), ("2019-12", "2020-02")])
    assert len(gap) == 2
    # 2019-11 lies in the gap: not posted; the last spell before it ended 2019-10.
    assert career_facts(gap, 2019 * 12 + 10)["left_township"] == "2019-10"


def regional_rule_plugin(compute):
    """A prefecture plugin for 海北 (632200: T_A, T_S) whose regional allowance is ``compute``."""
    class Haibei:
        @hookimpl
        def cadre_jurisdiction(self):
            return "632200"

        @hookimpl
        def register_subsidy_rules(self, register):
            register(SubsidyRule(scheme=REGIONAL, compute=compute, name="测试用地区附加津贴"))
    return Haibei()


def test_cadre_months_agreeing_on_what_the_rule_reads_share_one_call(loaded, cadre_plugins,
                                                                     cadre_evaluate):
    # In 2024-05 E14, E15, E16 (T_A, 14 years) and N (T_A, 0 years) all work in a class-2
    # township; D works in T_S (no class). A rule reading only the hardship class is called
    # once for the four and once for D; one reading the years of service once for E14–E16 and
    # once for N and D (0 years each).
    calls = []

    def by_class(ent, ctx):
        calls.append(ent.month)
        if not ent.hardship_class:
            return None
        return ctx.step(f"{ent.hardship_class}类地区定额", 50.0)

    cadre_evaluate(loaded, cadre_plugins(regional_rule_plugin(by_class)), as_of="2025-01-31", only=("subsidies",))
    assert calls.count("2024-05") == 2
    for cadre in ("E14", "E15", "E16", "N"):
        paid = line(loaded, cadre, "2024-05", REGIONAL)
        assert paid["amount"] == 50 and "2类地区定额" in paid["text"]
    assert line(loaded, "D", "2024-05", REGIONAL) is None

    calls.clear()

    def by_years(ent, ctx):
        calls.append(ent.month)
        return ctx.step("按乡镇工作年限", float(ent.service_years))

    cadre_evaluate(loaded, cadre_plugins(regional_rule_plugin(by_years)), as_of="2025-01-31", only=("subsidies",))
    assert calls.count("2024-05") == 2
    assert [line(loaded, c, "2024-05", REGIONAL)["amount"] for c in ("E14", "E15", "E16", "N", "D")
            ] == [14, 14, 14, 0, 0]
    # each line's explanation still shows that cadre-month's own facts
    assert "本月乡镇在岗天数：15" in line(loaded, "E15", "2024-05", REGIONAL)["text"]
    assert "本月乡镇在岗天数：16" in line(loaded, "E16", "2024-05", REGIONAL)["text"]


def test_a_rule_reading_fields_in_changing_order_still_gets_each_case_right(
        loaded, cadre_plugins, cadre_evaluate):
    # Not a pure function: every other call reads ``posted`` before ``days``. Such a call is
    # not shared, but every line still gets the amount of its own facts (its days).
    count = [0]

    def fickle(ent, ctx):
        count[0] += 1
        if count[0] % 2 == 0 and not ent.posted:
            return ctx.step("未在乡镇工作", 0.0)
        return ctx.step("按在岗天数", float(ent.days))

    cadre_evaluate(loaded, cadre_plugins(regional_rule_plugin(fickle)), as_of="2025-01-31", only=("subsidies",))
    got = {c: line(loaded, c, "2024-05", REGIONAL)["amount"] for c in ("E14", "E15", "E16", "N")}
    assert got == {"E14": 14, "E15": 15, "E16": 16, "N": 8}


def _texts(db):
    """(cadre, month, scheme) -> (every column of the ledger view but the explanation id, the
    explanation's rendered text)."""
    return {(r["cadre_id"], r["month"], r["scheme"]):
            ({k: v for k, v in r.items() if k not in ("explanation_id", "text")}, r["text"])
            for r in db.query("SELECT l.*, cadre_explain(e.json) AS text FROM subsidy_ledger l "
                              "JOIN explanation e ON e.id = l.explanation_id")}


def test_the_ledger_cites_its_scheme_and_rule_by_number(ledger):
    # Haixi's rule for 海西 townships and the provincial rules elsewhere: each (scheme, plugin,
    # jurisdiction, name, parameter versions) is one subsidy_rule row, cited by every line.
    rules = ledger.execute("SELECT count(*), count(DISTINCT scheme_id || plugin || jurisdiction"
                           " || coalesce(name, '') || coalesce(parameter_version, '')) "
                           "FROM subsidy_rule").fetchone()
    assert rules[0] == rules[1] and rules[0] < ledger.execute(
        "SELECT count(*) FROM subsidy_line").fetchone()[0]
    assert [r[0] for r in ledger.execute("SELECT name FROM subsidy_scheme ORDER BY id")] == \
        sorted([TOWNSHIP_POST, REGIONAL])
    h1 = line(ledger, "H1", "2024-07")
    assert (h1["rule_plugin"], h1["rule_jurisdiction"], h1["rule_name"], h1["county_code"],
            h1["prefecture_code"]) == ("Haixi", "632800", "海西州乡镇工作岗位补助", "632801",
                                       "632800")
    assert h1["explanation_id"].startswith("subsidy:") and len(h1["explanation_id"]) == 8 + 16


#: The ledger table migration 0001 created before 0002 (what main's stores hold).
_LEDGER_0001 = """CREATE TABLE subsidy_ledger (
  month TEXT NOT NULL, cadre_id TEXT NOT NULL REFERENCES cadre(id),
  township_code TEXT NOT NULL, county_code TEXT, prefecture_code TEXT, scheme TEXT NOT NULL,
  amount REAL NOT NULL, days INTEGER NOT NULL, rule_plugin TEXT NOT NULL,
  rule_jurisdiction TEXT NOT NULL, rule_name TEXT, parameter_version TEXT,
  explanation_id TEXT NOT NULL, PRIMARY KEY (cadre_id, month, scheme))"""


def test_a_ledger_stored_before_0002_migrates_and_reevaluates_the_same(
        ledger, cadre_plugins, cadre_evaluate):
    from cadre_sdk.engines.subsidies import schema
    from cadre_sdk.store.database import migrate

    before = _texts(ledger)
    totals = list(ledger.query("SELECT * FROM subsidy_totals ORDER BY rowid"))
    # the store as 0001 left it (what main wrote): the ledger table with every text spelt out
    conn = ledger.conn
    rows = conn.execute("SELECT * FROM subsidy_ledger").fetchall()
    for statement in ("DROP VIEW subsidy_ledger", "DROP TABLE subsidy_line",
                      "DROP TABLE subsidy_rule", "DROP TABLE subsidy_scheme",
                      "DROP TABLE subsidy_totals"):
        conn.execute(statement)
    schema._tables(ledger)          # subsidy_totals as 0001 makes it
    conn.execute(_LEDGER_0001)      # and the ledger as 0001 made it until 0002
    for columns in ("month, scheme", "county_code, month", "prefecture_code, month"):
        conn.execute(f"CREATE INDEX [idx_subsidy_ledger_{columns.replace(', ', '_')}] "
                     f"ON subsidy_ledger ({columns})")
    conn.executemany(f"INSERT INTO subsidy_ledger VALUES ({', '.join('?' * 13)})", rows)
    conn.executemany(f"INSERT INTO subsidy_totals VALUES ({', '.join('?' * 10)})",
                     [tuple(r.values()) for r in totals])
    conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'cadre_sdk.subsidies' "
                 "AND name IN ('0002_compact_ledger', '0003_explanation_key')")
    conn.commit()
    migrate(ledger)
    assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'subsidy_ledger'"
                        ).fetchone() == ("view",)
    assert _texts(ledger) == before
    migrated_ids = {r[0] for r in conn.execute("SELECT explanation_id FROM subsidy_line")}
    assert {i for _, _, _, *_, i in rows} == migrated_ids   # the lines keep their ids
    cadre_evaluate(ledger, cadre_plugins(Haixi()), as_of="2025-01-31", only=("subsidies",))
    assert _texts(ledger) == before
    assert list(ledger.query("SELECT * FROM subsidy_totals ORDER BY rowid")) == totals


def test_the_canned_query_filters_by_township_county_or_prefecture(ledger):
    # the region filter matches as the stored county and prefecture codes did: a line is in
    # a region when its paying township, or the county or prefecture it falls under, is it
    from cadre_sdk.defaults.subsidies import _LEDGER_SQL

    def shown(region):
        return sorted((r["干部编号"], r["月份"], r["补贴方案"]) for r in ledger.query(
            _LEDGER_SQL, {"month": "", "region": region, "cadre": ""}))

    def stored(region):
        return sorted(ledger.execute(
            "SELECT cadre_id, month, scheme FROM subsidy_ledger WHERE ? IN "
            "(township_code, county_code, prefecture_code)", [region]).fetchall())
    for region in (T_H, "632801", "632800", T_A, "632221", "632200"):
        assert shown(region) == stored(region) != [], region
    assert len(shown("")) == ledger.execute("SELECT count(*) FROM subsidy_line").fetchone()[0]
    assert {c for c, _, _ in shown("632800")} == {"H1"}


def test_an_explanation_key_gives_back_its_id_in_sql():
    # the 64 bits of the id's 16 hex digits, signed: printf('%016x') in SQLite gives them back
    import sqlite3

    from cadre_sdk.engines.subsidies.engine import explanation_key
    conn = sqlite3.connect(":memory:")
    for digits in ("0000000000000000", "0123456789abcdef", "7fffffffffffffff",
                   "8000000000000000", "c790387913a4c7ac", "ffffffffffffffff"):
        key = explanation_key(f"subsidy:{digits}")
        assert -2**63 <= key < 2**63
        assert conn.execute("SELECT 'subsidy:' || printf('%016x', ?)", [key]).fetchone() == (
            f"subsidy:{digits}",)
    for bad in ("subsidy:0123", "subsidy:0123456789ABCDEF", "subsidy:0123456789abcdeg",
                "assessment:0123456789abcdef", "subsidy:0123456789abcdef00"):
        with pytest.raises(ValueError, match="not a subsidy explanation id"):
            explanation_key(bad)


def test_a_ledger_stored_before_0003_migrates_its_explanation_ids(
        ledger, cadre_plugins, cadre_evaluate):
    # before 0003 a line stored its explanation id as text; ledgers made before 0002 cited
    # 32 hex digits: migrated, the line and its explanation both carry the first 16
    from cadre_sdk.engines.subsidies.schema import LEDGER_VIEW
    conn = ledger.conn
    before = _texts(ledger)
    ids = [r[0] for r in conn.execute("SELECT DISTINCT explanation_id FROM subsidy_line "
                                      "ORDER BY 1")]
    long_ids = {eid: eid + "0f" * 8 for eid in ids[::2]}      # half of them as 32 digits
    lines = conn.execute("SELECT month, cadre_id, scheme_id, township_code, amount, days, "
                         "rule_id, explanation_id FROM subsidy_line").fetchall()
    conn.execute("DROP VIEW subsidy_ledger")
    conn.execute("DROP TABLE subsidy_line")
    conn.execute("""CREATE TABLE subsidy_line (month TEXT NOT NULL, cadre_id TEXT NOT NULL,
      scheme_id INTEGER NOT NULL, township_code TEXT NOT NULL, amount REAL NOT NULL,
      days INTEGER NOT NULL, rule_id INTEGER NOT NULL, explanation_id TEXT NOT NULL,
      PRIMARY KEY (month, cadre_id, scheme_id)) WITHOUT ROWID""")
    conn.executemany("INSERT INTO subsidy_line VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(*r[:7], long_ids.get(r[7], r[7])) for r in lines])
    conn.executemany("UPDATE explanation SET id = ? WHERE id = ?",
                     [(new, old) for old, new in long_ids.items()])
    conn.execute(LEDGER_VIEW)
    conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'cadre_sdk.subsidies' "
                 "AND name = '0003_explanation_key'")
    conn.commit()
    assert conn.execute("SELECT count(*) FROM subsidy_line WHERE length(explanation_id) = 40"
                        ).fetchone()[0] > 0
    migrate(ledger)
    assert _texts(ledger) == before
    assert [r[0] for r in conn.execute("SELECT DISTINCT l.explanation_id FROM subsidy_line l "
                                       "JOIN explanation e ON e.id = l.explanation_id "
                                       "ORDER BY 1")] == ids
    assert [r[1] for r in conn.execute("PRAGMA table_xinfo(subsidy_line)") if r[6] == 2] == [
        "explanation_id"]                                        # derived, not stored
    cadre_evaluate(ledger, cadre_plugins(Haixi()), as_of="2025-01-31", only=("subsidies",))
    assert _texts(ledger) == before


def test_a_line_naming_no_subsidy_explanation_stops_the_migration(ledger):
    conn = ledger.conn
    conn.execute("DROP VIEW subsidy_ledger")
    conn.execute("ALTER TABLE subsidy_line RENAME TO subsidy_line_0003")
    conn.execute("""CREATE TABLE subsidy_line (month TEXT NOT NULL, cadre_id TEXT NOT NULL,
      scheme_id INTEGER NOT NULL, township_code TEXT NOT NULL, amount REAL NOT NULL,
      days INTEGER NOT NULL, rule_id INTEGER NOT NULL, explanation_id TEXT NOT NULL,
      PRIMARY KEY (month, cadre_id, scheme_id)) WITHOUT ROWID""")
    conn.execute("INSERT INTO subsidy_line VALUES ('2024-01', 'H1', 1, ?, 0, 0, 1, 'other:1')",
                 [T_H])
    conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'cadre_sdk.subsidies' "
                 "AND name = '0003_explanation_key'")
    conn.commit()
    with pytest.raises(StoreError, match="说明编号 'other:1' 不是补贴说明的编号"):
        migrate(ledger)
    assert conn.execute("SELECT explanation_id FROM subsidy_line").fetchall() == [("other:1",)]


@pytest.mark.parametrize("tiers, shown", [
    ("{min_years: 0, monthly_yuan: 300}", "{'min_years': 0, 'monthly_yuan': 300}"),   # not a list
    ("[{min_years: 0, monthly_yaun: 300}]", "[{'min_years': 0, 'monthly_yaun': 300}]"),  # a key
    ("[{min_years: 0, monthly_yuan: 300元}]", "[{'min_years': 0, 'monthly_yuan': '300元'}]"),
])
def test_tiers_of_the_wrong_shape_name_their_file_and_line(loaded, cadre_plugins,
                                                           cadre_evaluate, tiers, shown):
    text = HAIXI_YAML.replace(
        "value: [{min_years: 0, monthly_yuan: 300}, {min_years: 3, monthly_yuan: 380}]",
        f"value: {tiers}")

    class BadTiers(Haixi):
        @hookimpl
        def register_subsidy_rules(self, register):
            register(SubsidyRule(scheme=TOWNSHIP_POST, parameters=parse_parameters(
                text, "haixi_bad.yaml"), name="海西州乡镇工作岗位补助"))

    with pytest.raises(PluginError) as error:
        # H1 is paid in 格尔木 (海西) in 2024-06: the tiers from 2015-01-01 apply (line 7)
        cadre_evaluate(loaded, cadre_plugins(BadTiers()), as_of="2025-01-31",
                       only=("subsidies",))
    assert ("raised ParameterError: haixi_bad.yaml:7: township_post.tiers must be a list of "
            "{min_years: <number>, monthly_yuan: <number>}, one per band") in str(error.value)
    assert f"got {shown}" in str(error.value)


def test_an_overlay_of_a_misspelt_scheme_says_to_spell_it_as_the_rules_above(
        loaded, cadre_plugins, cadre_evaluate):
    class Misspelt(Haixi):
        @hookimpl
        def register_subsidy_rules(self, register):
            register(SubsidyRule(scheme="乡镇工作岗位补贴", parameters=parse_parameters(
                HAIXI_YAML, "haixi.yaml"), name="海西州（笔误）"))

    with pytest.raises(PluginError) as error:
        cadre_evaluate(loaded, cadre_plugins(Misspelt()), as_of="2025-01-31",
                       only=("subsidies",))
    assert "subsidy rule '乡镇工作岗位补贴' for 632800 has no compute" in str(error.value)
    assert ("Fix: if it changes a scheme of the rules above, spell the scheme as they do "
            "(`cadre rules check` names the nearest)") in str(error.value)
