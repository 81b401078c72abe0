"""``cadre demo``: the synthetic dataset is deterministic, clerk-like (GBK, .xlsx, Chinese
headers and dates), loads through the real loader, and has the proportions it promises."""
from __future__ import annotations

import collections
import csv
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import httpx
import openpyxl
import pytest
from click.testing import CliRunner

from cadre_sdk.core import normalize as nz
from cadre_sdk.cli.app import build_cli
from cadre_sdk.demo import KIND_ORDER, generate
from cadre_sdk.demo.cases import STAGES
from cadre_sdk.demo.pipeline import load_all
from cadre_sdk.ingest.loader import header_map
from cadre_sdk.ingest.readers import iter_rows
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.store import explanations
from cadre_sdk.testing import make_plugins
from test_publish_support import cadre_serve

ROOT = Path(__file__).resolve().parent.parent
YEARS = (2022, 2023, 2024)


@pytest.fixture(scope="module")
def plugins():
    return make_plugins()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, plugins):
    out = tmp_path_factory.mktemp("demo") / "files"
    return generate(out, cadres=600, seed=11, years=YEARS, plugins=plugins)


def records(paths: list[Path], kind: str) -> list[dict]:
    """Rows of ``kind`` from ``paths``, by field name, as the loader would convert them."""
    cls = RECORD_TYPES[kind]
    mapping = header_map(cls)
    out = []
    for path in paths:
        for row in iter_rows(path):
            rec = {}
            for header, value in row.values.items():
                field = mapping[nz.normalize_header(header)]
                rec[field.name] = field.converter(value)
            out.append(rec)
    return out


# --- determinism --------------------------------------------------------------------------------

def _bytes(files: dict[str, list[Path]]) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for ps in files.values() for p in ps}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path, plugins):
    a = _bytes(generate(tmp_path / "a", cadres=150, seed=5, plugins=plugins))
    b = _bytes(generate(tmp_path / "b", cadres=150, seed=5, plugins=plugins))
    c = _bytes(generate(tmp_path / "c", cadres=150, seed=6, plugins=plugins))
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[name] != c[name] for name in a if name != "单位名录.csv"), \
        [name for name in a if a[name] == c[name]]


def test_same_seed_identical_across_processes(tmp_path):
    """String hashing differs between processes: nothing may depend on set or hash order."""
    script = ("import sys; from cadre_sdk.demo import generate; from cadre_sdk.testing import "
              "make_plugins; generate(sys.argv[1], cadres=120, seed=3, plugins=make_plugins())")
    for n, hashseed in enumerate(("1", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / str(n))], check=True,
                       env=env, timeout=120)
    # every file, the 任免审批表 folder's too
    first, second = ({str(p.relative_to(tmp_path / n)): p.read_bytes()
                      for p in (tmp_path / n).rglob("*") if p.is_file()} for n in ("0", "1"))
    assert any(name.endswith(".lrmx") for name in first)
    assert first == second


# --- what the files look like ---------------------------------------------------------------

def test_every_kind_has_a_file_and_the_formats_clerks_use(dataset):
    assert list(dataset) == [k for k in KIND_ORDER if k in dataset]
    assert set(dataset) == set(KIND_ORDER)
    suffixes = collections.Counter(p.suffix for ps in dataset.values() for p in ps)
    assert suffixes[".xlsx"] == 1 and suffixes[".csv"] >= 25
    assert len(dataset["assessment"]) == len(YEARS)


def test_gbk_files_really_are_gbk(dataset):
    gbk = []
    for path in (p for ps in dataset.values() for p in ps if p.suffix == ".csv"):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        data.decode("gb18030")
        data.decode("gbk")
        gbk.append(path.name)
        # Every line with Chinese in it is invalid UTF-8 on its own, so the reader's
        # line-by-line decoding can never take a GBK line for UTF-8.
        for line in data.split(b"\r\n"):
            if not line.isascii():
                with pytest.raises(UnicodeDecodeError):
                    line.decode("utf-8")
    assert {"干部名册_海东市.csv", "任职经历.csv", "乡镇在岗天数.csv"} <= set(gbk)
    bom = [p.name for ps in dataset.values() for p in ps if p.read_bytes()[:3] == b"\xef\xbb\xbf"]
    assert "单位名录.csv" in bom


def test_dates_written_as_clerks_write_them(dataset):
    by_name = {p.name: p for ps in dataset.values() for p in ps}
    with open(by_name["干部名册_西宁市.csv"], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][3].startswith("*出生年月")
    assert all(len(r[3]) == 7 and r[3][4] == "." for r in rows[1:])      # 1975.06
    with open(by_name["干部名册_海东市.csv"], encoding="gbk", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][3] == "出生日期"
    assert all(r[3].endswith("月") and "年" in r[3] for r in rows[1:])   # 1975年6月


def test_xlsx_opens_with_openpyxl(dataset):
    (path,) = [p for p in dataset["cadre"] if p.suffix == ".xlsx"]
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    wb.close()
    assert rows[0][:3] == ("干部编号", "姓名", "性别")
    assert len(rows) > 10
    assert all(isinstance(r[3], str) and r[5].startswith("6328") for r in rows[1:])


def test_id_numbers_are_valid_and_agree_with_birth_and_gender(dataset):
    cadres = records(dataset["cadre"], "cadre")
    assert len(cadres) == 600
    assert len({c["id"] for c in cadres}) == 600
    for c in cadres:
        number = nz.check_id_number(c["id_number"])
        assert nz.id_number_birth(number)[:7] == c["birth"]
        assert nz.id_number_gender(number) == c["gender"]


# --- the world ------------------------------------------------------------------------------

def test_regions_townships_and_units(dataset):
    regions = records(dataset["region"], "region")
    towns = [r for r in regions if r["level"] == "乡镇"]
    assert len(towns) == 363
    assert all(len(t["code"]) == 9 and t["name"][-1] in "乡镇" for t in towns)
    assert all(2000 <= r["altitude_m"] <= 4800 for r in regions)
    by_pref = collections.defaultdict(list)
    for t in towns:
        by_pref[t["code"][:4]].append(t["altitude_m"])
    mean = {p: sum(v) / len(v) for p, v in by_pref.items()}
    assert sorted(mean, key=mean.get)[-2:] in (["6326", "6327"], ["6327", "6326"])  # 果洛, 玉树
    assert any(t["especially_hard"] for t in towns)
    assert {r["hardship_class"] for r in towns} >= {2, 3, 4, 5, 6}

    units = records(dataset["unit"], "unit")
    assert {u["kind"] for u in units} == {"地方", "部门", "企业", "事业单位", "乡镇"}
    assert sum(u["kind"] == "乡镇" for u in units) == 363
    sectors = collections.Counter((u["level"], u["sector"]) for u in units if u["kind"] == "部门")
    for sector in ("农牧", "民政", "水利", "扶贫"):
        assert sectors[("市州", sector)] == 8 and sectors[("县", sector)] == 45
    positioning = {u["region_code"][:4]: u["positioning"] for u in units if u["level"] == "市州"}
    assert positioning["6326"] == positioning["6327"] == "生态保护"
    assert positioning["6328"] == "循环经济" and positioning["6301"] == "城市治理"


def test_cadres_leaders_and_principals(dataset):
    cadres = records(dataset["cadre"], "cadre")
    assert {c["unit_code"][:4] for c in cadres} >= {"6301", "6302", "6322", "6323", "6325",
                                                     "6326", "6327", "6328"}
    per_unit = collections.defaultdict(list)
    for c in cadres:
        per_unit[c["unit_code"]].append(c)
    for members in per_unit.values():
        assert any(c["is_principal"] for c in members)
        assert all(c["is_leader"] for c in members if c["is_principal"])
    assert {c["level"] for c in cadres} >= {"厅局级", "县处级", "乡科级"}
    ethnicities = collections.Counter(c["ethnicity"] for c in cadres)
    assert set(ethnicities) == {"汉族", "藏族", "回族", "土族", "撒拉族", "蒙古族"} or \
        len(ethnicities) >= 5
    women = sum(c["gender"] == "女" for c in cadres) / len(cadres)
    assert 0.2 < women < 0.45


def test_career_histories(dataset):
    postings = records(dataset["posting"], "posting")
    kinds = collections.Counter(p["kind"] for p in postings)
    assert set(kinds) == {"任职", "挂职", "交流", "轮岗"}
    assert {p["secondment"] for p in postings} >= {"对口援青", "国家部委", "省内双向"}
    assert {p["exchange"] for p in postings} >= {"地区间", "部门间", "机关与企业"}
    assert any(p["township"] and p["leadership"] for p in postings)
    current = [p for p in postings if p["end"] is None]
    assert len(current) == 600
    for p in postings:
        assert p["end"] is None or p["end"][: len(p["start"])] >= p["start"][: len(p["end"])]


# --- proportions ----------------------------------------------------------------------------

def test_assessment_proportions(dataset):
    assessments = records(dataset["assessment"], "assessment")
    annual = {a["id"] for a in assessments if a["period"] == "年度" and a["subject"] == "个人"}
    scores = collections.defaultdict(list)
    for s in records(dataset["indicator_score"], "indicator_score"):
        scores[s["assessment_id"]].append(s["score"])
    mean = [sum(scores[a]) / len(scores[a]) for a in annual]
    assert 0.10 < sum(m >= 90 for m in mean) / len(mean) < 0.25          # 优秀 candidates
    assert 0.002 < sum(m < 60 for m in mean) / len(mean) < 0.03           # 不称职
    assert 0.01 < sum(60 <= m < 70 for m in mean) / len(mean) < 0.08      # 基本称职
    quarters = collections.Counter((a["cadre_id"], a["year"]) for a in assessments
                                   if a["period"] != "年度" and a["subject"] == "个人")
    assert any(n < 4 for n in quarters.values())                          # missing quarters
    grades = collections.Counter(a["routine_grade"] for a in assessments if a["routine_grade"])
    assert set(grades) == {"好", "较好", "一般", "较差"}
    evaluations = records(dataset["evaluation"], "evaluation")
    democratic = {e["assessment_id"] for e in evaluations if e["method"] == "民主测评"}
    assert 0.8 < len(annual & democratic) / len(annual) < 0.97            # some without one
    assert {e["method"] for e in evaluations} == {"民主测评", "反向测评", "考核谈话"}
    teams = [a for a in assessments if a["subject"] == "班子" and a["period"] == "年度"]
    assert teams and all(a["cadre_id"] is None for a in teams)


ORDER = ("申请", "受理", "核实", "认定", "反馈", "申诉", "申诉决定", "备案")


def test_cases_at_every_stage_in_valid_order(dataset):
    events = collections.defaultdict(list)
    for e in records(dataset["case_event"], "case_event"):
        events[e["case_id"]].append(e)
    last = collections.Counter()
    for case_id, evs in events.items():
        evs.sort(key=lambda e: e["seq"])
        assert [e["seq"] for e in evs] == list(range(1, len(evs) + 1))
        assert evs[0]["event"] == "申请"
        assert [e["date"] for e in evs] == sorted(e["date"] for e in evs)
        names = [e["event"] for e in evs]
        steps = [ORDER.index(n) for n in names if n in ORDER]
        assert steps == sorted(steps), names
        last[names[-1]] += 1
        if "申诉决定" in names:
            last["申诉决定"] += 1
    assert set(STAGES) <= set(last) | {"补充材料"} and last["备案"] > 0
    assert any(e["red_line"] for evs in events.values() for e in evs)
    findings = collections.Counter(f["case_id"] for f in
                                   records(dataset["case_finding"], "case_finding"))
    assert findings and set(findings.values()) == {7}
    decided = {c for c, evs in events.items() if any(e["event"] == "认定" for e in evs)}
    assert set(findings) == decided


def test_attendance_threshold_and_mid_month_transfers(dataset):
    rows = records(dataset["attendance"], "attendance")
    assert any(r["days"] < 13 for r in rows)
    assert sum(r["days"] >= 19 for r in rows) / len(rows) > 0.8
    months = collections.Counter((r["cadre_id"], r["month"]) for r in rows)
    assert any(n == 2 for n in months.values())                           # moved mid-month
    assert all(r["township_code"].isdigit() and len(r["township_code"]) == 9 for r in rows)


# --- the real loader and the pipeline -------------------------------------------------------

def test_generated_files_load_through_the_real_loader(tmp_path, dataset, plugins):
    lines = []
    rows = load_all(tmp_path / "cadre.db", dataset, plugins, echo=lines.append)
    assert rows["cadre"] == 600
    expected = set(KIND_ORDER) - {"region"}
    if not plugins.book.all("situation"):
        expected.discard("adjustment")
    assert expected <= set(rows)
    assert all(n > 0 for n in rows.values())
    assert any("导入干部：600 行" in line for line in lines)


def test_cadre_demo_command_runs_the_whole_pipeline(tmp_path):
    out = tmp_path / "demo"
    start = time.perf_counter()
    result = CliRunner().invoke(build_cli(make_plugins()),
                                ["demo", "--out", str(out), "--cadres", "200", "--seed", "2",
                                 "--no-serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - start < 60
    assert "生成演示数据：干部 200 名" in result.output
    assert "导入干部：200 行" in result.output
    assert (out / "cadre.db").exists()
    assert "演示数据已就绪" in result.output
    if "发布公开版" in result.output:
        assert (out / "public.db").exists() and (out / "oversight.db").exists()


def _previous_workday(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def test_the_demo_shows_a_correction_and_next_years_rates_file(tmp_path, plugins):
    """After the generated files, the demo loads a clerk's correction (更正) of one case's
    受理 date and adds next year's example 地区附加津贴 rates (``cadre parameters add``),
    dated from 1 January of the year after the data: the generated files are the ones
    ``generate`` makes alone, and the served public publication lists the stored values."""
    out = tmp_path / "demo"
    result = CliRunner().invoke(build_cli(make_plugins()),
                                ["demo", "--out", str(out), "--cadres", "150", "--seed", "4",
                                 "--no-serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # the random draws are untouched: every generated file as generate makes it
    plain = _bytes(generate(tmp_path / "plain", cadres=150, seed=4, years=YEARS,
                            plugins=plugins))
    made = {p.name: p.read_bytes() for p in (out / "files").iterdir() if p.is_file()}
    extra = {"案件事件更正（演示示例）.csv", "2025年地区附加津贴标准（演示示例）.yaml"}
    assert set(made) == set(plain) | extra and all(made[n] == plain[n] for n in plain)
    with sqlite3.connect(out / "cadre.db") as conn:
        (case_id, seq, date, corrects, corrected, note), = conn.execute(
            "SELECT case_id, seq, date, corrects, corrected_date, note FROM case_event "
            "WHERE event = '更正'").fetchall()
        events = dict(conn.execute("SELECT seq, date FROM case_event WHERE case_id = ?",
                                   [case_id]).fetchall())
        kinds = dict(conn.execute("SELECT seq, event FROM case_event WHERE case_id = ?",
                                  [case_id]).fetchall())
        body, = conn.execute("SELECT e.json FROM case_state s JOIN explanation e "
                             "ON e.id = s.explanation_id WHERE s.case_id = ?", [case_id]
                             ).fetchone()
        state = explanations.render(conn, body)
    # the 受理 moved to the working day before it, still after the event before it; the
    # correction comes after the case's last event, on its day, with its reason
    assert kinds[corrects] == "受理" and seq == max(events) == len(events)
    recorded = dt.date.fromisoformat(events[corrects])
    assert corrected == _previous_workday(recorded).isoformat() > events[corrects - 1]
    assert date == max(d for s, d in events.items() if s != seq) and "演示示例" in note
    # the case's state is evaluated on the events as corrected, and its explanation says so
    assert f"更正序号 {corrects} 的事件：日期由“{events[corrects]}”改为“{corrected}”" in state
    assert f"导入案件事件更正：案件 {case_id} 序号 {seq}（{date}）更正序号 {corrects}（受理）的日期：" \
           f"{events[corrects]} → {corrected}" in result.output
    with sqlite3.connect(out / "oversight.db") as conn:
        marks = dict(conn.execute(
            "SELECT record, detail FROM cadre_timeline WHERE record IN (?, ?)",
            [f'["case_event","{case_id}",{corrects}]', f'["case_event","{case_id}",{seq}]']))
    assert f"更正情况：已被更正，见序号 {seq}" in marks[f'["case_event","{case_id}",{corrects}]']
    assert f"更正情况：更正序号 {corrects} 的事件：日期改为 {corrected}" in \
        marks[f'["case_event","{case_id}",{seq}]']
    # next year's rates: the data's last year is 2024, the evaluation date 2025-01-31
    assert "录入参数文件 2025年地区附加津贴标准（演示示例）.yaml：地区附加津贴，管辖青海省，" \
           "自 2025-01-01 起（示例值" in result.output
    assert "演示示例：案件事件的更正见监督版" in result.output
    with cadre_serve(out / "public.db") as url:
        rows = httpx.get(url + "/public/parameter_value.json", params={
            "_shape": "array", "plugin__startswith": "录入文件 ", "_size": "max"}).json()
    assert {(r["path"], r["start"], r["value"], r["status"], r["example"]) for r in rows} == {
        (f"regional_allowance.class_{c}", "2025-01-01", str(v), "example", 1)
        for c, v in ((1, 70), (2, 110), (3, 180), (4, 270), (5, 430), (6, 700))}
    assert all(r["file"] == "2025年地区附加津贴标准（演示示例）.yaml" for r in rows)


def test_cadre_demo_needs_three_years(tmp_path):
    result = CliRunner().invoke(build_cli(make_plugins()),
                                ["demo", "--out", str(tmp_path), "--years", "2023,2024",
                                 "--no-serve"])
    assert result.exit_code != 0
    assert "至少需要 3 个考核年度" in result.output


def test_generation_streams(tmp_path, plugins):
    """Memory does not grow with the number of cadres (benchmarks run 1M): cadres are
    written as they are made, and only the regions and units are held."""
    generate(tmp_path / "warm", cadres=100, seed=1, plugins=plugins)
    peaks = []
    for cadres in (600, 2400):
        tracemalloc.start()
        generate(tmp_path / str(cadres), cadres=cadres, seed=1, plugins=plugins)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] + 2_000_000, peaks
