"""海东市 (630200): local rules for cadre-sdk.

海东 is Qinghai's farming east (河湟谷地): agriculture and characteristic industries lead, and
its two districts (乐都区, 平安区) lean to characteristic industry and Hehuang culture. What
``parameters.yaml`` supplies, read by ``LocalPlugin``:

- assessment: two positionings, each with its own extra indicator: 农牧业 (localities and
  townships: 特色农牧业发展) and 特色产业 (localities: 特色产业与河湟文化发展);
- township post subsidy: the provincial formula with 海东's tiers (a raise after 3 years);
- fault tolerance (every kind of case): also judged on 群众评价 (how those served judge the
  decision; it counts towards the 不利 limit but is not decisive), and illegal occupation of
  farmland is a red line. Time limits, accepting bodies and the decision rule stay the
  province's.

The values marked ``example: true`` are illustrations (海东市's own figures are not public);
the extra dimension and the red line are examples too.
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk import RedLine
from cadre_sdk.formulas import LocalPlugin

plugin = LocalPlugin(__name__, "630200", Path(__file__).with_name("parameters.yaml"),
                     title="海东市", extra_dimensions=("群众评价",),
                     red_lines=(RedLine(code="630200-01", text="违法违规占用耕地和永久基本农田",
                                        source="海东市容错纠错示例规则（本地办法原文未公开）",
                                        status="example"),),
                     variant_name="海东市容错纠错（增设群众评价研判和耕地红线，示例规则）")
