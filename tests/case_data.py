"""Small fixtures for the fault-tolerance and adjustment tests: units, cadres, cases, events.

Places: 城东区 630102 (西宁市 630100), 格尔木市 632801 (海西州 632800), 海西州 itself.
"""
from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path
from typing import Any

from cadre_sdk import ToleranceVariant, hookimpl, load_parameters
from cadre_sdk.engines.cases import engine as cases_engine
from cadre_sdk.records import vocab

UNITS = [
    {"单位代码": "U-XN", "单位名称": "城东区发展改革局", "单位类别": "部门", "单位层级": "县",
     "所在地区代码": "630102"},
    {"单位代码": "U-GEM", "单位名称": "格尔木市某镇", "单位类别": "乡镇", "单位层级": "乡镇",
     "所在地区代码": "632801"},
    {"单位代码": "U-HX", "单位名称": "海西州生态环境局", "单位类别": "部门", "单位层级": "市州",
     "所在地区代码": "632800"},
]

CADRES = [
    ("C1", "U-XN", "县处级"), ("C2", "U-GEM", "乡科级"), ("C3", "U-HX", "厅局级"),
    ("C4", "U-XN", None),
]


def people(db: Any, load: Any, plugins: Any = None) -> None:
    """Load the units and cadres above."""
    load(db, "unit", UNITS, plugins)
    load(db, "cadre", [{"干部编号": cid, "姓名": f"测试{cid}", "性别": "男", "出生年月": "1980.05",
                        "工作单位": unit, "职务": "局长", "干部层级": lvl or ""}
                       for cid, unit, lvl in CADRES], plugins)


def case_row(case_id: str, cadre: str = "C1", region: str = "630102",
             kind: str = "改革创新") -> dict[str, str]:
    """One case record."""
    return {"案件编号": case_id, "干部编号": cadre, "管辖地区": region, "案件类别": kind,
            "事由": "项目审批中的程序性失误"}


def ev(case_id: str, seq: int, event: str, date: str, **extra: str) -> dict[str, Any]:
    """One case event row (Chinese headers); extra: body, decision, red_line, note,
    document_no."""
    row = {"案件编号": case_id, "序号": seq, "事件": event, "日期": date, "承办机关": "",
           "认定结论": "", "触碰红线": "", "备注": ""}
    names = {"body": "承办机关", "decision": "认定结论", "red_line": "触碰红线", "note": "备注",
             "document_no": "文号"}
    row.update({names[k]: v for k, v in extra.items()})
    return row


def findings(case_id: str, **by_dimension: str) -> list[dict[str, str]]:
    """Findings: every one of the 7 dimensions 有利 unless given otherwise."""
    values = {d: "有利" for d in vocab.DIMENSIONS}
    values.update(by_dimension)
    return [{"案件编号": case_id, "研判维度": d, "研判结论": f, "理由": "核实情况"}
            for d, f in values.items()]


def evaluate(db: Any, plugins: Any, as_of: str) -> dict[str, Any]:
    """Run the cases engine (cases and adjustments) as of an ISO date, in one transaction."""
    db.conn.execute("BEGIN")
    try:
        result = cases_engine.evaluate(db, plugins, as_of=datetime.date.fromisoformat(as_of))
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
    return result


def rows(db: Any, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    """Query results as dicts."""
    return list(db.query(sql, params))


def db_path(db: Any) -> Path:
    """The file of a store."""
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2])


def tamper(path: Path, *statements: str) -> None:
    """Change the SQLite file directly, behind the SDK's back."""
    conn = sqlite3.connect(path)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


HAIXI_PARAMS = """
description: 海西州容错纠错参数（测试用）
tolerance:
  limits:
    accept:
      unit: workdays
      values:
        2018-01-01:
          value: 10
          reference: "测试用：海西州受理时限"
          example: true
"""


class HaixiTolerance:
    """A prefecture plugin (海西州 632800) that changes only the acceptance time limit."""

    __name__ = "haixi_tolerance"

    def __init__(self, folder: Path):
        path = folder / "haixi_tolerance.yaml"
        path.write_text(HAIXI_PARAMS, encoding="utf-8")
        self.variant = ToleranceVariant(parameters=load_parameters(path),
                                        dimensions=vocab.DIMENSIONS,
                                        time_limits={"受理": "tolerance.limits.accept"},
                                        name="海西州容错纠错办法（测试）")

    @hookimpl
    def cadre_jurisdiction(self) -> str:
        """海西州."""
        return "632800"

    @hookimpl
    def register_tolerance_variants(self, register: Any) -> None:
        """The variant with the prefecture's own acceptance limit."""
        register(self.variant)
