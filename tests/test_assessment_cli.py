"""`cadre evaluate` and `cadre explain`, run as a user would, and the assessment plugin's canned
queries over an evaluated database."""
from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from cadre_sdk.cli.app import main
from cadre_sdk.defaults.assessment_queries import QUERIES
from cadre_sdk.publish import aggregates
from cadre_sdk.testing import load_rows, make_db
from clihelp import run as cli

from test_assessment_engine import World, consequence_world


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built once for the module (tests get copies): ``new``, a database with a unit of 7 over
    2022–2024 (see ``consequence_world``), a team and a "710" target, not yet evaluated;
    ``evaluated``, the same after `cadre evaluate --only assessment`."""
    folder = tmp_path_factory.mktemp("assessment_cli")
    world = World(make_db(folder / "new.db"),
                  lambda db, kind, rows, plugins=None: load_rows(db, kind, rows, plugins=plugins,
                                                                 tmp=folder))
    world.unit("L1", "632801", kind="地方").annual("T1", "L1", 2024, scores=85)
    world.target("P1", "L1", 2024, 6, "目标甲", 50, 60)
    consequence_world(world).conn.close()
    evaluated = folder / "evaluated.db"
    shutil.copy(folder / "new.db", evaluated)
    code, err = 0, io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            main(["evaluate", str(evaluated), "--only", "assessment"])
        except SystemExit as exc:
            code = exc.code
    assert code in (0, None), err.getvalue()
    return {"new": folder / "new.db", "evaluated": evaluated}


@pytest.fixture
def db_path(stores, tmp_path):
    """A copy of ``stores["new"]`` (not yet evaluated)."""
    path = tmp_path / "cadre.db"
    shutil.copy(stores["new"], path)
    return str(path)


def test_evaluate_prints_a_chinese_summary(db_path, capsys):
    code, out, err = cli(capsys, "evaluate", db_path, "--only", "assessment")
    assert code == 0, err
    assert "测算完成" in out
    # 22 annual assessments: 21 individuals + 1 team; 3 consequences (see test_consequences)
    assert re.search(r"考核：考核结果 22，.*结果运用 3，成绩单 \d+，重点目标汇总 1", out), out
    rows = sqlite3.connect(db_path).execute("SELECT count(*) FROM assessment_result").fetchone()
    assert rows == (22,)


def test_evaluate_runs_every_engine(db_path, capsys):
    code, out, err = cli(capsys, "evaluate", db_path)
    assert code == 0, err
    assert "  考核：" in out


def test_evaluate_compacts_the_store_or_says_it_could_not(db_path, capsys, monkeypatch):
    from cadre_sdk.cli.commands import evaluate as command
    code, _, err = cli(capsys, "evaluate", db_path, "--as-of", "2025-01-31")
    assert code == 0 and "未能压缩" not in err
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
    # another program starts reading the store once the results are saved: VACUUM cannot run;
    # the results stay saved and the clerk is told the store is not compacted
    tried = []

    def compact_while_read(database):
        reader = sqlite3.connect(db_path)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM assessment_result").fetchone()
        try:
            tried.append(compact(database))
            return tried[-1]
        finally:
            reader.rollback()
            reader.close()
    compact = command.compact_store
    monkeypatch.setattr(command, "compact_store", compact_while_read)
    code, out, err = cli(capsys, "evaluate", db_path, "--as-of", "2025-01-31")
    assert code == 0 and "测算完成" in out and tried == [False]
    assert f"测算结果已保存，但数据库 {db_path} 未能压缩" in err
    assert conn.execute("SELECT count(*) FROM assessment_result").fetchone() == (22,)
    code, out, err = cli(capsys, "evaluate", db_path, "--as-of", "2025-01-31", "--no-compact")
    assert code == 0 and "未能压缩" not in err and tried == [False]     # not tried


def test_evaluate_unknown_engine(db_path, capsys):
    code, out, err = cli(capsys, "evaluate", db_path, "--only", "nosuch")
    assert code == 2 and "未知的测算模块 nosuch" in err


@pytest.fixture
def evaluated(stores, tmp_path):
    """A copy of ``stores["evaluated"]`` (evaluated by `cadre evaluate --only assessment`)."""
    path = tmp_path / "cadre.db"
    shutil.copy(stores["evaluated"], path)
    return str(path)


def test_explain_an_assessment(evaluated, capsys):
    code, out, err = cli(capsys, "explain", evaluated, "assessment", "A2024-1")
    assert code == 0, err
    # C1 scored 95 from indicators only, ranked first of 7, floor(0.15 × 7) = 1 place
    assert out.startswith("【2024 年度考核 个人 C1（考核编号 A2024-1）】")
    for fragment in ("结果：得分 95，等次 优秀", "适用规则", "插件 cadre_sdk.defaults.assessment",
                     "indicators.individual.department.ji = 30，自 2018-01-01 起施行",
                     "quota.excellent_share = 0.15，自 2020-12-28 起施行；依据：未核实：",
                     "《公务员考核规定》（2020 年修订）", "计算步骤", "分类考核指标加权得分",
                     "优秀名额：0.15 × 7 = 1.05，向下取整 = 1", "第 1 名，共 7 名"):
        assert fragment in out, fragment
    # the scores by the indicators' names, as on the pages (绩 95), not as JSON of codes
    scores = next(line for line in out.splitlines() if "指标得分：" in line)
    assert "绩 " in scores and "{" not in scores and '"ji"' not in scores, scores


@pytest.mark.parametrize("kind, ident, heading", [
    ("考核", "A2024-2", "【2024 年度考核 个人 C2"),
    ("score", "T1", "【2024 年度考核 班子 L1 领导班子"),
    ("consequence", "C1:2024:priority_selection", "【2024 年度考核结果运用 干部 C1"),
    ("成绩单", "unit:U1:2024", "【2024 年度考核成绩单 单位 U1单位（U1）】"),
    ("scorecard", "region:632801:2024", "【2024 年度考核成绩单 地区 格尔木市（632801）】"),
    ("710", "L1:2024", "【2024 年度 L1 “710”重点目标进度】"),
])
def test_explain_kinds_and_aliases(evaluated, capsys, kind, ident, heading):
    code, out, err = cli(capsys, "explain", evaluated, kind, ident)
    assert code == 0, err
    assert out.startswith(heading), out


@pytest.mark.parametrize("kind, ident", [("assessment", "A2024-1"), ("score", "T1"),
                                         ("consequence", "C1:2024:priority_selection"),
                                         ("scorecard", "region:632801:2024")])
def test_explain_prints_the_same_for_a_packed_and_a_text_explanation(evaluated, capsys, kind,
                                                                      ident):
    packed = [cli(capsys, "explain", evaluated, kind, ident, *flag) for flag in ((), ("--json",))]
    # the same explanation as the commit before packing stored it: its JSON text
    conn = sqlite3.connect(evaluated)
    with conn:
        from cadre_sdk.store import explanations
        explanations.register_sql_function(conn)
        assert conn.execute("SELECT count(*) FROM explanation WHERE typeof(json) = 'blob'"
                            ).fetchone()[0] > 0
        conn.execute("UPDATE explanation SET json = cadre_explanation_json(json)")
        assert conn.execute("SELECT count(*) FROM explanation WHERE typeof(json) = 'blob'"
                            ).fetchone()[0] == 0
    conn.close()
    text = [cli(capsys, "explain", evaluated, kind, ident, *flag) for flag in ((), ("--json",))]
    assert packed == text and packed[0][0] == 0


def test_explain_json(evaluated, capsys):
    code, out, _ = cli(capsys, "explain", evaluated, "assessment", "A2024-1", "--json")
    data = json.loads(out)
    assert code == 0 and data["result"].startswith("得分 95")
    assert {"inputs", "rules", "parameters", "steps"} <= set(data)


def test_explain_other_engines_kinds_generically(evaluated, capsys):
    conn = sqlite3.connect(evaluated)
    with conn:
        conn.execute("INSERT INTO explanation (id, subject, json) VALUES (?, ?, ?)", [
            "subsidy:L-0001", "补贴明细 L-0001",
            '{"subject": "补贴明细 L-0001", "result": 200}'])
    code, out, _ = cli(capsys, "explain", evaluated, "subsidy", "L-0001")
    assert code == 0 and out.splitlines()[:2] == ["【补贴明细 L-0001】", "结果：200"]


def test_explain_unknown_id_lists_what_exists(evaluated, capsys):
    code, out, err = cli(capsys, "explain", evaluated, "assessment", "A2024")
    assert code == 1
    assert "未找到说明“assessment:A2024”" in err
    assert "相近的编号：assessment:A2024-1、" in err
    assert "assessment（22 条）" in err and "scorecard（" in err


def test_canned_queries_run_and_public_ones_name_no_cadre(evaluated, cadre_plugins, tmp_path):
    registered = cadre_plugins().book.everything("query")
    # The grade distribution reads the aggregate the publication builds: build it on a copy.
    store = tmp_path / "store.db"
    shutil.copy(evaluated, store)
    conn = sqlite3.connect(store)
    conn.execute("ATTACH DATABASE ? AS src", [str(store)])
    assert aggregates.grade_distribution(conn) == "grade_distribution"
    for query in QUERIES:
        assert registered[f"630000:{query.name}"].item is query
        rows = conn.execute(query.sql, {"year": 2024, "region": "632800"}).fetchall()
        columns = [c[0] for c in conn.execute(query.sql, {"year": 2024, "region": ""}).description]
        if query.level == "public":
            assert "姓名" not in columns and not re.search(r"\bcadre\b", query.sql)
        else:
            assert "姓名" in columns
        assert "ORDER BY" in query.sql
        assert rows or query.name == "assessment_quota_adjusted", query.name


def test_scorecard_query_by_region(evaluated):
    query = next(q for q in QUERIES if q.name == "assessment_scorecard_by_region")
    conn = sqlite3.connect(evaluated)
    codes = [r[0] for r in conn.execute(query.sql, {"year": 2024, "region": "632800"})]
    assert codes == ["632800", "632801"]     # 海西州, then its county; nothing else
    everything = [r[0] for r in conn.execute(query.sql, {"year": 2024, "region": ""})]
    assert sorted(everything) == ["630000", "632800", "632801"]
    # L1's one "710" target, 60 done of 50 planned by June, is on schedule: 1 of 1 = 100%,
    # in a column the pages show with % (the table keeps the share, 1.0)
    from cadre_sdk.publish.pages import query_formatter

    cursor = conn.execute(query.sql, {"year": 2024, "region": "632801"})
    column = [c[0] for c in cursor.description].index("重点目标按进度比例（%）")
    assert [r[column] for r in cursor] == [100.0]
    assert query_formatter("重点目标按进度比例（%）")(100.0) == "100.0%"


def test_explain_a_kind_whose_ids_have_another_prefix(evaluated, capsys):
    # subsidy ledger lines are explained under kind subsidy_ledger with ids subsidy:<hash>
    conn = sqlite3.connect(evaluated)
    with conn:
        conn.execute("INSERT INTO explanation (id, subject, json) VALUES (?, ?, ?)", [
            "subsidy:0123abcd", "乡镇工作岗位补助 2024-03",
            '{"subject": "乡镇工作岗位补助 2024-03", "result": 420}'])
    for ident in ("0123abcd", "subsidy:0123abcd"):
        code, out, err = cli(capsys, "explain", evaluated, "subsidy_ledger", ident)
        assert code == 0, err
        assert out.splitlines()[:2] == ["【乡镇工作岗位补助 2024-03】", "结果：420"]
    code, _, err = cli(capsys, "explain", evaluated, "subsidy_ledger", "ffff")
    assert code == 1
    assert "subsidy_ledger（1 条），编号形如 subsidy:0123abcd，ID 可只写冒号后的部分" in err



def test_explain_takes_the_id_whole_as_the_tables_show_it(evaluated, capsys):
    """The 说明编号 copied from a table (subsidy:<hash>, assessment:A2024-1) is enough."""
    conn = sqlite3.connect(evaluated)
    with conn:
        conn.execute("INSERT INTO explanation (id, subject, json) VALUES (?, ?, ?)", [
            "subsidy:0123abcd", "乡镇工作岗位补助 2024-03",
            '{"subject": "乡镇工作岗位补助 2024-03", "result": 420}'])
    code, out, err = cli(capsys, "explain", evaluated, "subsidy:0123abcd")
    assert code == 0, err
    assert out.splitlines()[:2] == ["【乡镇工作岗位补助 2024-03】", "结果：420"]
    whole = cli(capsys, "explain", evaluated, "assessment:A2024-1")
    assert whole[0] == 0 and whole[1] == cli(capsys, "explain", evaluated, "assessment",
                                             "A2024-1")[1]
    code, _, err = cli(capsys, "explain", evaluated, "subsidy")
    assert code != 0 and "缺少编号" in err
