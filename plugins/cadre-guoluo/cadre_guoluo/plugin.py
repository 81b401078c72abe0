"""果洛藏族自治州 (632600): local rules for cadre-sdk.

果洛 lies in the Sanjiangyuan (三江源) national park area, most of its townships above 4,000 m.
What ``parameters.yaml`` supplies, read by ``LocalPlugin``:

- assessment: localities and townships positioned 生态保护 are also assessed on 生态保护成效
  (``indicators.生态保护``), with weights re-balanced to add up to 100;
- township post subsidy: the provincial formula with 果洛's tiers, plus a supplement for
  townships above 4,000 m and 4,500 m (``township_post.altitude_supplement``);
- fault tolerance: ecological cases (案件类别 生态保护) are also judged on 生态影响 (ecological
  impact), made decisive in ``tolerance.decision``, with 30 working days to determine and the
  red line below.

The values marked ``example: true`` are illustrations (果洛州's own figures are not public); the
red line is an example too.
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk import RedLine
from cadre_sdk.formulas import LocalPlugin

plugin = LocalPlugin(__name__, "632600", Path(__file__).with_name("parameters.yaml"),
                     title="果洛州", case_kind="生态保护", extra_dimensions=("生态影响",),
                     red_lines=(RedLine(code="632600-ST-01", text="在自然保护地核心保护区违规审批或开发建设",
                                        source="果洛州生态保护类容错纠错示例规则（本地办法原文未公开）",
                                        status="example"),))
