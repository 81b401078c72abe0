"""``*.cases.yaml`` failures read like the case file: the YAML file and line, the unknown table
or column with the known ones, the rejected rows of a bad ``records`` load, and the expected and
actual value of the column that differs; no long tracebacks."""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PLACES = """
places: &places
  region:
    - {地区代码: "632221101", 地区名称: 测试镇, 层级: 乡镇, 上级代码: "632221", 艰苦边远类别: 2}
  unit:
    - {单位代码: U1, 单位名称: 测试镇党委, 单位类别: 乡镇, 单位层级: 乡镇, 所在地区代码: "632221101"}
  cadre:
    - {干部编号: C1, 姓名: 测试, 性别: 男, 出生年月: "1980.05", 工作单位: U1, 职务: 干事}
  posting:
    - {履历编号: P1, 干部编号: C1, 起始时间: "2016.05", 职务: 干事, 经历类型: 任职, 乡镇工作: 是}
"""

CASES = PLACES + """
cases:
  - name: 拼错的列名
    evaluate: {as_of: "2024-12-31"}
    records:
      <<: *places
      attendance:
        - {干部编号: C1, 乡镇代码: "632221101", 月份: "2024-03", 在岗天数: 20}
    expect:
      subsidy_ledger:
        - {cadre_id: C1, amout: 360.0}
  - name: 拼错的表名
    evaluate: {as_of: "2024-12-31"}
    records:
      <<: *places
    expect:
      subsidy_ledgers:
        - {cadre_id: C1}
  - name: 错误的台账行
    evaluate: {as_of: "2024-12-31"}
    records:
      <<: *places
      attendance:
        - {干部编号: C1, 乡镇代码: "632221101", 月份: "2024-03", 在岗天数: 20}
        - {干部编号: C1, 乡镇代码: "632221101", 月份: "2024-13", 在岗天数: 20}
  - name: 金额不对
    evaluate: {as_of: "2024-12-31"}
    records:
      <<: *places
      attendance:
        - {干部编号: C1, 乡镇代码: "632221101", 月份: "2024-03", 在岗天数: 20}
    expect:
      subsidy_ledger:
        - {cadre_id: C1, month: "2024-03", scheme: 乡镇工作岗位补助, amount: 999.0}
"""


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.fixture(scope="module")
def failures(tmp_path_factory) -> tuple[str, str, Path]:
    folder = tmp_path_factory.mktemp("cases")
    path = folder / "bad.cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    installed = any(ep.value == "cadre_sdk.testing_fixtures"
                    for ep in importlib.metadata.entry_points(group="pytest11"))
    result = subprocess.run([sys.executable, "-m", "pytest", *([] if installed else
                             ["-p", "cadre_sdk.testing_fixtures"]), "-q", "-p", "no:cacheprovider",
                             str(path)], cwd=folder, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return result.stdout, CASES, path


def test_four_failures_and_no_tracebacks(failures):
    out, _, _ = failures
    assert "4 failed" in out
    assert "Traceback" not in out and "sqlite3.OperationalError" not in out
    assert len(out.splitlines()) < 120


def test_an_unknown_column_names_the_yaml_line_and_the_columns(failures):
    out, text, path = failures
    line = line_of(text, "amout: 360.0")
    assert f"{path}:{line}: unknown column(s) 'amout' in subsidy_ledger ('amout': did you mean " \
           "'amount'?); its columns: " in out


def test_an_unknown_table_names_the_known_ones(failures):
    out, text, path = failures
    line = line_of(text, "- {cadre_id: C1}")
    assert f"{path}:{line}: unknown table 'subsidy_ledgers' (did you mean 'subsidy_ledger'?)" in out
    assert "known tables: " in out


def test_a_rejected_record_prints_the_row_and_its_line(failures):
    out, text, path = failures
    line = line_of(text, '月份: "2024-13"')
    assert "records.attendance was rejected" in out
    assert f"    {path}:{line}: 月份:" in out
    assert "row: {'干部编号': 'C1', '乡镇代码': '632221101', '月份': '2024-13', '在岗天数': 20}" in out


def test_a_wrong_value_shows_expected_and_actual_of_that_column(failures):
    out, text, path = failures
    line = line_of(text, "amount: 999.0")
    assert f"{path}:{line}: subsidy_ledger: no row with" in out
    # province: 2016-05 … 2024-02 = 94 months → 7 years → tier "5 years" 260; class 2 town, not
    # especially hard → 260 (20 days ≥ 15)
    assert "amount: expected 999.0, actual 260.0" in out
