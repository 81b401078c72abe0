"""海南藏族自治州 (632500): local rules for cadre-sdk.

海南 protects the upper Yellow River and hosts a large clean-energy base (塔拉滩, 共和县). What
``parameters.yaml`` supplies, read by ``LocalPlugin``:

- assessment: localities positioned 生态保护 are assessed on 生态保护成效 and 清洁能源发展,
  townships on 生态保护成效;
- township post subsidy: the provincial formula with 海南's tiers and a 14-day condition;
- fault tolerance: project-construction cases (案件类别 项目建设) are also judged on 风险防控
  (whether the risks were assessed beforehand; not decisive, it counts towards the province's
  limit of 2 不利), with 25 working days to determine.

The values marked ``example: true`` are illustrations (海南州's own figures are not public); the
extra dimension is an example too.
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk.formulas import LocalPlugin

plugin = LocalPlugin(__name__, "632500", Path(__file__).with_name("parameters.yaml"),
                     title="海南州", case_kind="项目建设", extra_dimensions=("风险防控",))
