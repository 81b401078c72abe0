"""海北藏族自治州 (632200): local rules for cadre-sdk.

海北 holds the Qilian Mountains (祁连山) and Qinghai Lake (青海湖): ecological protection is its
positioning. What ``parameters.yaml`` supplies, read by ``LocalPlugin``:

- assessment: localities positioned 生态保护 are also assessed on 祁连山和青海湖生态保护成效,
  with separate weights for cadres (个人) and leadership teams (班子);
- allowances: both schemes with 海北's own numbers: township post subsidy tiers and the regional
  supplementary allowance by hardship class;
- fault tolerance (every kind of case): its own accepting bodies by cadre level; time limits
  and the decision rule stay the province's.

The values marked ``example: true`` are illustrations (海北州's own figures are not public).
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk.formulas import LocalPlugin

plugin = LocalPlugin(__name__, "632200", Path(__file__).with_name("parameters.yaml"),
                     title="海北州")
