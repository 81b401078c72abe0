"""Provincial default plugin: the publication's cross-cutting canned query, the cadre profile.
It reads a view the publication builds (``cadre_timeline``); each engine's queries come with
its own default plugin, and the Chinese search query with the publication
(``cadre_sdk.publish.search.SEARCH_QUERY``), which builds the index it reads.
"""
from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from ..rules import CannedQuery

CADRE_PROFILE = CannedQuery(
    name="cadre_profile", title="干部档案", level="oversight",
    description="一名干部的全部记录：基本信息、任职经历、考核及结果、日常考察、实绩、表彰、容错纠错案件、"
                "调整、培训、关心关爱和补贴，按栏目和日期排列；计算结果可点击“说明编号”查看依据。"
                "cadre_id 填干部编号。",
    sql="""SELECT section AS 栏目, date AS 日期, detail AS 内容, record AS 记录,
  explanation_id AS 说明编号
FROM cadre_timeline
WHERE cadre_id = :cadre_id
ORDER BY section_order, date, record""")

QUERIES = (CADRE_PROFILE,)


@hookimpl
def register_queries(register: Any) -> None:
    """The cross-cutting canned queries (see the module docstring)."""
    for query in QUERIES:
        register(query)
