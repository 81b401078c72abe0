"""Charts for the publication, drawn by datasette-dashboards (Vega-Lite, bundled with the
plugin) from queries over tables the engines already aggregate. A chart whose source tables
are not in the publication (an engine not yet run, or not installed) is left out at build time.
"""
from __future__ import annotations

import re
import sqlite3
from typing import Any

import attrs

from cadre_sdk.publish.introspect import has

#: The slug of cadre-sdk's dashboard (``/-/dashboards/<slug>``).
DASHBOARD = "cadre-overview"

_GRADES = ("优秀", "称职", "基本称职", "不称职")


@attrs.frozen
class Chart:
    """One chart: the tables and columns it needs, its query and its Vega-Lite encoding."""

    slug: str
    title: str
    requires: dict[str, tuple[str, ...]]
    sql: str
    display: dict[str, Any]

    def available(self, conn: sqlite3.Connection) -> bool:
        """Whether every table and column the chart reads is in the publication."""
        return all(has(conn, table, *cols) for table, cols in self.requires.items())

    def config(self, database: str) -> dict[str, Any]:
        """The chart's datasette-dashboards configuration."""
        return {"title": self.title, "db": database, "query": self.sql, "library": "vega-lite",
                "display": self.display}


#: The column giving a hidden cell's notice ("少于 N 人，不公开") beside a chart's number.
NOTE = "备注"


def _bars(x: str, y: str, color: str | None = None, *, kind: str = "nominal",
          sort: list[str] | None = None, note: bool = True) -> dict[str, Any]:
    """A Vega-Lite bar chart encoding (stacked by ``color`` if given; the tooltip shows the
    ``备注`` column of ``_count`` if ``note``)."""
    encoding: dict[str, Any] = {"x": {"field": x, "type": kind, "axis": {"labelAngle": -30}},
                                "y": {"field": y, "type": "quantitative"},
                                "tooltip": [{"field": x}, {"field": y}]}
    if color:
        encoding["color"] = {"field": color, "type": "nominal",
                             **({"sort": sort} if sort else {})}
        encoding["tooltip"].append({"field": color})
    if note:
        encoding["tooltip"].append({"field": NOTE})
    return {"mark": {"type": "bar", "tooltip": True}, "encoding": encoding}


def _count(column: str, title: str) -> str:
    """``column`` as the chart's number ``title`` and its notice as ``备注``: a cell hidden at
    public level ("少于 N 人，不公开") is NULL in the number, which Vega-Lite leaves out; as text
    it would be NaN, and a stacked bar drops every part above it (a prefecture's 优秀 bar
    vanished beside a hidden 基本称职)."""
    return (f"CASE WHEN typeof({column}) IN ('integer', 'real') THEN {column} END AS {title}, "
            f"CASE WHEN typeof({column}) = 'text' THEN {column} END AS {NOTE}")


# ``[[ ... ]]`` is datasette-dashboards' optional clause: kept only when the year filter is set.
# Counts come from the publication's aggregates, where small groups read "少于 N 人，不公开"
# at public level (a chart leaves such a cell out, its notice in 备注; it is never summed from
# rows about people).
_grade_rows = (f"SELECT region_name AS 地区, grade AS 等次, {_count('cadres', '人数')} "
               "FROM grade_distribution "
               "WHERE region_level = '市州' AND subject = '个人' AND unit_kind = '全部' "
               "[[ AND year = :year ]]")

CHARTS: tuple[Chart, ...] = (
    Chart("grades-by-region", "年度考核等次分布（按市州）",
          {"grade_distribution": ("region_level", "region_name", "subject", "unit_kind",
                                  "grade", "cadres", "year")},
          f"SELECT * FROM ({_grade_rows}) ORDER BY 地区",
          _bars("地区", "人数", "等次", sort=list(_GRADES))),
    Chart("cases-by-month", "容错纠错申请（按月）",
          {"case_month_summary": ("month", "applications")},
          f"SELECT month AS 月份, {_count('applications', '申请数')} FROM case_month_summary "
          "ORDER BY 1",
          {"mark": {"type": "line", "tooltip": True, "point": True},
           "encoding": {"x": {"field": "月份", "type": "ordinal"},
                        "y": {"field": "申请数", "type": "quantitative"},
                        "tooltip": [{"field": "月份"}, {"field": "申请数"}, {"field": NOTE}]}}),
    Chart("cases-overdue", "逾期未办的容错纠错案件（按市州）",
          {"overdue_summary": ("region_level", "region_name", "responsible_body", "overdue")},
          f"SELECT region_name AS 市州, {_count('overdue', '逾期案件')} FROM overdue_summary "
          "WHERE region_level = '市州' AND responsible_body = '全部' ORDER BY 1",
          _bars("市州", "逾期案件")),
    Chart("subsidies-by-prefecture", "补贴金额（按市州、项目）",
          {"subsidy_totals": ("region_level", "region_name", "scheme", "amount")},
          "SELECT region_name AS 市州, scheme AS 项目, round(sum(CASE WHEN typeof(amount) IN "
          "('integer', 'real') THEN amount END), 2) AS 金额 "
          "FROM subsidy_totals WHERE region_level = '市州' GROUP BY 1, 2 ORDER BY 1, 2",
          _bars("市州", "金额", "项目", note=False)),
)


def dashboards(conn: sqlite3.Connection, database: str) -> tuple[dict[str, Any], list[str]]:
    """The datasette-dashboards configuration with the charts whose sources exist, and the
    slugs of the charts left out."""
    present = [c for c in CHARTS if c.available(conn)]
    missing = [c.slug for c in CHARTS if c not in present]
    if not present:
        return {}, missing
    slugs = [c.slug for c in present]
    config = {
        "title": "监督看板",
        "description": "考核等次、容错纠错案件和补贴的图表。数据来自本发布文件中的汇总表，可在各图下方查看所用查询。",
        "layout": [slugs[i:i + 2] for i in range(0, len(slugs), 2)],
        "charts": {c.slug: c.config(database) for c in present},
    }
    if any(c.slug == "grades-by-region" for c in present):
        # The latest year by default: summing every year's grades answers no question.
        latest = conn.execute("SELECT max(year) FROM grade_distribution").fetchone()[0]
        config["filters"] = {"year": {"name": "年度", "type": "select", "db": database,
                                      "query": "SELECT DISTINCT year FROM grade_distribution "
                                               "ORDER BY year DESC",
                                      **({"default": str(latest)} if latest else {})}}
    return {DASHBOARD: config}, missing


#: datasette-dashboards' optional clause (``[[ AND year = :year ]]``).
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)


def queries() -> list[str]:
    """The SQL of every chart, its optional clauses included (as a reader who sets every
    filter runs it)."""
    return [_OPTIONAL.sub(r"\1", c.sql) for c in CHARTS]
