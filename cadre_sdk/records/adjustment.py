"""Up-or-down adjustments (能上能下)."""
from __future__ import annotations

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, record


@record("adjustment", "干部调整")
class Adjustment:
    """An adjustment of a cadre for a catalogued situation, from a trigger, by an action."""

    id: str = column("调整编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    date: str = column("调整时间", "date", aliases=("日期",))
    situation: str = column("情形代码", "code", aliases=("情形", "调整情形"))
    trigger: str = column("触发来源", choices=vocab.ADJUSTMENT_TRIGGER,
                          synonyms=vocab.ADJUSTMENT_TRIGGER_SYNONYMS, aliases=("来源",))
    action: str = column("调整方式", choices=vocab.ADJUSTMENT_ACTION,
                         synonyms=vocab.ADJUSTMENT_ACTION_SYNONYMS, aliases=("方式",))
    status: str = column("状态", choices=vocab.ADJUSTMENT_STATUS)
    case_id: str | None = column("关联容错案件", "code", required=False, ref="case")
    note: str | None = column("备注", required=False, max_length=5000)
