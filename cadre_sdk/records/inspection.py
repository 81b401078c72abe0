"""Daily inspection (日常考察) observations and key-task performance records (实绩)."""
from __future__ import annotations

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, record


@record("observation", "日常考察记录")
class Observation:
    """One observation of a cadre's behaviour, from one of the inspection sources."""

    id: str = column("记录编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    date: str = column("日期", "date", aliases=("考察日期", "记录日期"))
    source: str = column("来源", choices=vocab.OBSERVATION_SOURCE, aliases=("考察方式", "信息来源"))
    content: str = column("具体表现", max_length=5000, aliases=("内容", "表现"))
    polarity: str | None = column("评价倾向", required=False, choices=vocab.POLARITY)
    tags: str | None = column("问题标签", required=False, choices=vocab.OBSERVATION_TAG, many=True,
                              aliases=("标签",), description="多个标签以顿号或逗号分隔")


@record("achievement", "实绩记录")
class Achievement:
    """Performance in a key task (急难险重任务) or quiet grassroots work."""

    id: str = column("实绩编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    date: str = column("日期", "date", aliases=("认定日期",))
    category: str = column("实绩类别", choices=vocab.ACHIEVEMENT_CATEGORY, aliases=("类别",))
    description: str = column("实绩内容", max_length=5000, aliases=("内容", "事迹"))
    recognized_by: str | None = column("认定单位", required=False)
