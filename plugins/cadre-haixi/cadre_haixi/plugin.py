"""海西蒙古族藏族自治州 (632800): local rules for cadre-sdk.

海西 is the Qaidam basin: salt-lake chemicals, energy and the circular economy (循环经济). What
``parameters.yaml`` and ``data/`` supply, read by ``LocalPlugin``:

- assessment: localities, townships and enterprises positioned 循环经济 are also assessed on
  循环经济发展;
- township post subsidy: the provincial formula with 海西's tiers (a raise after 3 years);
- fault tolerance: work-safety cases (案件类别 安全生产) must be answered within 3 working days
  of the determination, and concealing or misreporting an accident is a red line;
- up-or-down adjustment: 海西's own situations from ``data/situations.csv``, added to the
  province's catalogue for adjustments in 海西 (and its counties). 海西州's measures list 34
  unsuitability situations, but their text is not public: the file ships with none of them
  (see ``data/SITUATIONS.md`` for the format and how to add rows).

格尔木市 (632801) overrides some of these for itself: package ``cadre-golmud``.
The values marked ``example: true`` are illustrations (海西州's own figures are not public); the
red line is an example too.
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk import RedLine
from cadre_sdk.formulas import LocalPlugin

#: 海西州's red line for work-safety cases (an example: the local measures are not public).
CONCEALMENT = RedLine(code="632800-AQ-01", text="瞒报、谎报、迟报生产安全事故",
                      source="海西州安全生产类容错纠错示例规则（本地办法原文未公开）", status="example",
                      aliases=("瞒报生产安全事故", "谎报生产安全事故", "迟报生产安全事故"))

plugin = LocalPlugin(__name__, "632800", Path(__file__).with_name("parameters.yaml"),
                     title="海西州", case_kind="安全生产",
                     red_lines=(CONCEALMENT,),
                     situations="data/situations.csv")
