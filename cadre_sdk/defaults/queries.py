"""Provincial default plugin: the publication's cross-cutting canned queries (the cadre profile,
daily inspection) and the public level's minimum group sizes (``parameters/publication.yaml``,
applied by ``cadre_sdk.publish.thresholds``). The profile reads a view the publication builds
(``cadre_timeline``); each engine's queries come with its own default plugin, and the Chinese
search query with the publication (``cadre_sdk.publish.search.SEARCH_QUERY``), which builds
the index it reads.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.parameters import load_parameters
from cadre_sdk.rules import (
    PUBLICATION_THRESHOLD_NAMES, PUBLICATION_THRESHOLD_PATH, CannedQuery, PublicationThreshold,
)
from cadre_sdk.defaults.inspection_queries import QUERIES as INSPECTION_QUERIES

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

QUERIES = (CADRE_PROFILE,)


@hookimpl
def register_queries(register: Any) -> None:
    """The cross-cutting canned queries (see the module docstring)."""
    for query in (*QUERIES, *INSPECTION_QUERIES):
        register(query)
    params = load_parameters(PARAMETERS)
    for name in PUBLICATION_THRESHOLD_NAMES:
        register(PublicationThreshold(name, parameters=params,
                                      path=PUBLICATION_THRESHOLD_PATH.format(name=name)))
