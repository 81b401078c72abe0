"""Provincial default plugin: the publication's cross-cutting canned queries, the cadre profile
and Chinese search, and the public level's minimum group sizes (``parameters/publication.yaml``,
see ``cadre_sdk.publish.thresholds``). They read views and tables the publication builds (``cadre_sdk.publish``);
each engine's queries come with its own default plugin.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..hookspecs import hookimpl
from ..parameters import load_parameters
from ..publish.search import RANKED, SEARCH_SQL
from ..publish.thresholds import NAMES, PATH
from ..rules import CannedQuery, PublicationThreshold
from .inspection_queries import QUERIES as INSPECTION_QUERIES

PARAMETERS = Path(__file__).parent / "parameters" / "publication.yaml"

CADRE_PROFILE = CannedQuery(
    name="cadre_profile", title="干部档案", level="oversight",
    description="一名干部的全部记录：基本信息、任职经历、考核及结果、日常考察、实绩、表彰、容错纠错案件、"
                "调整、培训、关心关爱和补贴，按栏目和日期排列；计算结果可点击“说明编号”查看依据。"
                "请填写干部编号。",
    sql="""SELECT section AS 栏目, date AS 日期, detail AS 内容, record AS 记录,
  explanation_id AS 说明编号
FROM cadre_timeline
WHERE cadre_id = :cadre_id
ORDER BY section_order, date, record""")

SEARCH = CannedQuery(
    name="search", title="搜索",
    description="中文全文检索：单位、地区、职务、日常考察、实绩、案件事由、备注等（监督版含干部姓名）。"
                "q 填检索词：可输入两字词、多个词（以空格分隔，须同时出现）、单字，繁体亦可。"
                f"按相关程度排序；匹配超过 {RANKED} 条时只列出前 {RANKED} 条（地区、单位、干部在前），"
                "请增加检索词缩小范围。",
    sql=SEARCH_SQL)

QUERIES = (CADRE_PROFILE, SEARCH)


@hookimpl
def register_queries(register: Any) -> None:
    """The cross-cutting canned queries (see the module docstring)."""
    for query in (*QUERIES, *INSPECTION_QUERIES):
        register(query)
    params = load_parameters(PARAMETERS)
    for name in NAMES:
        register(PublicationThreshold(name, parameters=params, path=PATH.format(name=name)))
