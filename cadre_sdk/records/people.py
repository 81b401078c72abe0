"""Cadres and their career history (任职经历)."""
from __future__ import annotations

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, not_before, record


@record("cadre", "干部")
class Cadre:
    """A cadre: personal particulars, current unit, post and rank."""

    id: str = column("干部编号", "code", key=True, aliases=("编号", "人员编号"))
    name: str = column("姓名", "name", pii=True, max_length=50)
    gender: str = column("性别", choices=vocab.GENDER, synonyms={"男性": "男", "女性": "女"})
    birth: str = column("出生年月", "month", aliases=("出生日期", "出生时间"))
    ethnicity: str | None = column("民族", required=False, max_length=20,
                                   synonyms=vocab.ETHNIC_GROUP_SHORT)
    unit_code: str = column("工作单位", "code", ref="unit", aliases=("单位代码", "所在单位"))
    post: str = column("职务", aliases=("现任职务",))
    rank: str | None = column("职级", required=False, aliases=("现职级",))
    level: str | None = column("干部层级", required=False, choices=vocab.CADRE_LEVEL,
                               synonyms=vocab.CADRE_LEVEL_SYNONYMS,
                               aliases=("层级", "管理层级"))
    appointed: str | None = column("任现职时间", "date_or_month", required=False,
                                   aliases=("任职时间",))
    id_number: str | None = column("身份证号", "id_number", required=False, pii=True,
                                   aliases=("公民身份号码", "身份证号码"))
    is_leader: bool | None = column("班子成员", "bool", required=False, default=False,
                                    aliases=("领导班子成员", "是否班子成员"))
    is_principal: bool | None = column("主要负责人", "bool", required=False, default=False,
                                       aliases=("主要负责同志", "是否主要负责人"))


@record("posting", "任职经历", checks=(not_before("start", "end"),))
class Posting:
    """One line of career history: an appointment, secondment, exchange or rotation."""

    id: str = column("履历编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    start: str = column("起始时间", "date_or_month", aliases=("开始时间", "起始年月"))
    end: str | None = column("终止时间", "date_or_month", required=False,
                             aliases=("结束时间", "终止年月"))
    unit_code: str | None = column("任职单位", "code", required=False, ref="unit",
                                   aliases=("单位代码",))
    region_code: str | None = column("任职地区", "code", required=False, ref="region",
                                     aliases=("地区代码",))
    post: str = column("职务", aliases=("任职职务",))
    kind: str = column("经历类型", choices=vocab.POSTING_KIND, aliases=("类型",))
    township: bool | None = column("乡镇工作", "bool", required=False, default=False,
                                   aliases=("是否乡镇工作",))
    leadership: bool | None = column("领导职务", "bool", required=False, default=False,
                                     aliases=("是否领导职务",))
    secondment: str | None = column("挂职类别", required=False, choices=vocab.SECONDMENT_KIND)
    exchange: str | None = column("交流类别", required=False, choices=vocab.EXCHANGE_KIND)
