"""黄南藏族自治州 (632300): local rules for cadre-sdk.

黄南 is in the Sanjiangyuan area, and its seat 同仁 is the home of Regong art (热贡文化). What
``parameters.yaml`` supplies, read by ``LocalPlugin``:

- assessment: localities positioned 生态保护 are assessed on 生态保护成效 and 热贡文化保护传承,
  townships on 生态保护成效;
- township post subsidy: the provincial formula with 黄南's tiers;
- fault tolerance (every kind of case): a stricter decision: partial tolerance allows at most 1
  dimension judged 不利 (the province allows 2); time limits and accepting bodies stay the
  province's.

The values marked ``example: true`` are illustrations (黄南州's own figures are not public).
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk.formulas import LocalPlugin

plugin = LocalPlugin(__name__, "632300", Path(__file__).with_name("parameters.yaml"),
                     title="黄南州")
