"""Provincial default plugin: the catalogue of situations for up-or-down adjustment (能上能下)
and the oversight views of adjustments.

The catalogue (``data/situations.csv``, one row per situation with its source) holds the 10
situations of unsuitability for the current post of the 2015 central rules, the 7
accountability situations of the 2009 provisional rules (art. 5) and the 2 of the 5 situations
added in 2015 that REFERENCE.md names (the other 3 were not found, so they are not listed).
Qinghai's own 2015/2016 implementation rules (9 accountability and 16 unsuitability situations)
were not found either: the central lists **stand in** for them, so every entry has status
``analogy`` and its source says so (``STAND_IN_ZH`` is shown by ``cadre rules`` and on the
publication's home page); prefecture plugins add their own situations (海西州 lists 34).
"""
from __future__ import annotations

import csv
from typing import Any

from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.rules import AdjustmentSituation, CannedQuery
from cadre_sdk.defaults import DATA


#: What readers are told about the default catalogue (``cadre rules``, the home page).
STAND_IN_ZH = ("能上能下情形目录：青海省《推进领导干部能上能下实施细则》规定的 9 种问责情形、16 种不适宜"
               "担任现职情形原文未查到，默认目录以中央 2015 年《推进领导干部能上能下若干规定（试行）》的"
               "10 种不适宜担任现职情形和 2009 年《关于实行党政领导干部问责的暂行规定》等的问责情形代替"
               "（参照适用）；其中问责情形的条数与青海省的 9 种并无对应关系。")


def situations() -> list[AdjustmentSituation]:
    """The default catalogue, read from ``data/situations.csv``."""
    with open(DATA / "situations.csv", encoding="utf-8", newline="") as fh:
        return [AdjustmentSituation(code=row["code"], title=row["title"],
                                    category=row["category"], source=row["source"],
                                    actions=tuple(a for a in row["actions"].split("、") if a),
                                    status=row["status"])
                for row in csv.DictReader(fh)]


@hookimpl
def register_adjustment_situations(register: Any) -> None:
    """Register the province-wide situations (central rules of 2009 and 2015)."""
    for situation in situations():
        register(situation)


_INVENTORY_SQL = """
SELECT i.half AS 半年度, i.prefecture_code AS 市州代码, p.name AS 市州, i.region_code AS 地区代码,
       r.name AS 地区, i.situation AS 情形代码, i.situation_title AS 情形, i.action AS 调整方式,
       i.status AS 状态, i.adjustments AS 人数
FROM adjustment_inventory i
LEFT JOIN region p ON p.code = i.prefecture_code
LEFT JOIN region r ON r.code = i.region_code
WHERE i.half = :half
ORDER BY i.prefecture_code, i.region_code, i.situation, i.action, i.status
"""

#: The public level's version: the publication's aggregate (``adjustment_summary``) with region
#: roll-ups, small counts hidden; the store's inventory above is oversight-only.
_INVENTORY_SUMMARY_SQL = """
SELECT i.half AS 半年度, i.region_level AS 层级, i.region_code AS 地区代码, i.region_name AS 地区,
       i.situation AS 情形代码, i.situation_title AS 情形, i.action AS 调整方式, i.adjustments AS 人数
FROM adjustment_summary i
WHERE i.half = :half AND ((:region = '' AND i.region_level IN ('省', '市州'))
   OR i.region_code = :region
   OR (:region <> '' AND i.region_level = '县' AND substr(i.region_code, 1, 4) || '00' = :region))
ORDER BY length(rtrim(i.region_code, '0')), i.region_code, i.situation, i.action
"""

_TOLERANCE_LINKS_SQL = """
SELECT s.adjustment_id AS 调整编号, s.cadre_id AS 干部编号, s.date AS 调整时间,
       s.situation AS 情形代码, s.action AS 调整方式, l.ref_id AS 容错案件, l.ref_date AS 认定日期,
       l.result AS 认定结果, l.explicit AS 调整所据案件, l.counts_against AS 计入不利依据,
       s.tolerated_basis AS 依据已容错, l.note AS 说明
FROM adjustment_link l JOIN adjustment_status s ON s.adjustment_id = l.adjustment_id
WHERE l.link_kind = '容错认定'
ORDER BY s.tolerated_basis DESC, s.adjustment_id, l.ref_id
"""


@hookimpl
def register_queries(register: Any) -> None:
    """The half-year inventory (the store's, oversight; the publication's aggregate with small
    counts hidden, public) and adjustments with the tolerance decisions bearing on them
    (oversight: names cadres by ID)."""
    register(CannedQuery("adjustment_inventory", "能上能下半年盘点", _INVENTORY_SQL,
                         "每半年按地区、情形和调整方式统计干部调整人数；半年写 2024上半年、2024下 或 2024H1",
                         level="oversight"))
    register(CannedQuery("adjustment_inventory_summary", "能上能下半年盘点（汇总）",
                         _INVENTORY_SUMMARY_SQL,
                         "每半年按地区（全省、市州；填市州代码列出该市州及其各县）、情形和调整方式统计"
                         "干部调整人数；人数少于公开门槛的不公开。半年写 2024上半年、2024下 或 2024H1"))
    register(CannedQuery("adjustments_with_tolerance", "干部调整与容错认定", _TOLERANCE_LINKS_SQL,
                         "与容错认定有关的干部调整；已认定容错的失误不得作为不利依据",
                         level="oversight"))
