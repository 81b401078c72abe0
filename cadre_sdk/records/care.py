"""Training, care, township attendance and commendations."""
from __future__ import annotations

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, not_before, record


@record("training", "培训记录", checks=(not_before("start", "end"),))
class Training:
    """A training a cadre attended, by topic area and ability."""

    id: str = column("培训编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    year: int = column("年度", "year")
    start: str = column("开始日期", "date", aliases=("起始日期",))
    end: str | None = column("结束日期", "date", required=False)
    topic: str = column("专题", choices=vocab.TRAINING_TOPIC, aliases=("培训专题",))
    ability: str | None = column("本领", required=False, choices=vocab.ABILITY,
                                 synonyms=vocab.ABILITY_SYNONYMS, aliases=("能力", "八个本领"))
    hours: float = column("学时", "number", minimum=0, maximum=2000)
    program: str | None = column("培训项目", required=False, aliases=("项目",))


@record("care_record", "关心关爱记录")
class CareRecord:
    """Leave, a health check, a heart-to-heart talk, mental-health support and the like."""

    id: str = column("记录编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    date: str = column("日期", "date")
    kind: str = column("关爱类别", choices=vocab.CARE_KIND, aliases=("类别",))
    note: str | None = column("备注", required=False, max_length=2000)


@record("attendance", "乡镇在岗记录", key=("cadre_id", "township_code", "month"))
class Attendance:
    """Days a cadre actually worked at a township post in one month."""

    cadre_id: str = column("干部编号", "code", ref="cadre")
    township_code: str = column("乡镇代码", "code", ref="region", aliases=("乡镇",))
    month: str = column("月份", "month", aliases=("年月",))
    days: int = column("在岗天数", "int", minimum=0, maximum=31, aliases=("实际在岗天数", "天数"))


@record("commendation", "表彰与典型")
class Commendation:
    """A commendation, honour or exemplar (典型) record."""

    id: str = column("表彰编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    date: str = column("日期", "date", aliases=("表彰日期",))
    kind: str = column("类别", choices=vocab.COMMENDATION_KIND)
    title: str = column("名称", max_length=500, aliases=("表彰名称", "荣誉名称"))
    level: str | None = column("级别", required=False, choices=vocab.HONOUR_LEVEL)
