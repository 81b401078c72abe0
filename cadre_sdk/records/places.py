"""Regions (GB/T 2260 divisions and townships) and units (organs, enterprises, institutions)."""
from __future__ import annotations

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, record


@record("region", "地区", key=("code",))
class Region:
    """A division: the province, a prefecture-level division, a county-level one, or a township."""

    code: str = column("地区代码", "code", aliases=("行政区划代码", "区划代码", "代码"), key=True,
                       description="GB/T 2260 代码（6位）；乡镇为9位")
    name: str = column("地区名称", aliases=("名称", "区划名称"))
    level: str = column("层级", choices=vocab.REGION_LEVEL, synonyms=vocab.REGION_LEVEL_SYNONYMS,
                        aliases=("级别",))
    parent_code: str | None = column("上级代码", "code", required=False, ref="region",
                                     aliases=("上级区划代码",))
    altitude_m: int | None = column("海拔", "int", required=False, minimum=0, maximum=7000,
                                    aliases=("海拔高度", "平均海拔"), description="单位：米")
    hardship_class: int | None = column("艰苦边远类别", "int", required=False, minimum=0, maximum=6,
                                        aliases=("艰苦类别", "艰苦边远地区类别"),
                                        description="0 表示非艰苦边远地区，1–6 为一类至六类")
    especially_hard: bool | None = column("特别艰苦", "bool", required=False,
                                          aliases=("是否特别艰苦",))


@record("unit", "单位", key=("code",))
class Unit:
    """An organ, department, enterprise, public institution or township with a leadership team."""

    code: str = column("单位代码", "code", key=True, aliases=("单位编码",))
    name: str = column("单位名称", "name", aliases=("单位",))
    kind: str = column("单位类别", choices=vocab.UNIT_KIND, synonyms=vocab.UNIT_KIND_SYNONYMS,
                       aliases=("类别", "单位类型"))
    level: str = column("单位层级", choices=vocab.UNIT_LEVEL, synonyms=vocab.REGION_LEVEL_SYNONYMS,
                        aliases=("层级",))
    region_code: str = column("所在地区代码", "code", ref="region", aliases=("地区代码", "所在地区"))
    sector: str | None = column("行业", required=False, choices=vocab.SECTOR,
                                synonyms=vocab.SECTOR_SYNONYMS, aliases=("系统", "行业系统"))
    positioning: str | None = column("功能定位", required=False, aliases=("主体功能定位",),
                                     description="如 生态保护、循环经济、城市治理、农牧业")
