"""Recorded history of a cadre that was decided elsewhere: annual grades as written in a
任免审批表 (the years before cadre-sdk computed them, or from another system)."""
from __future__ import annotations

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, record


@record("annual_grade", "历年考核等次", key=("cadre_id", "year"))
class AnnualGrade:
    """A cadre's annual assessment grade for one year, as recorded (not computed here)."""

    cadre_id: str = column("干部编号", "code", ref="cadre")
    year: int = column("年度", "year", aliases=("考核年度",))
    grade: str = column("等次", choices=vocab.ANNUAL_GRADE, aliases=("考核等次", "年度考核等次"))
    source: str | None = column("来源", required=False, max_length=500,
                                aliases=("出处",), description="如 任免审批表文件名")
