"""玉树藏族自治州 (632700): local rules for cadre-sdk.

玉树 is the heart of the Sanjiangyuan (三江源) national park, with townships far apart and high
up. What ``parameters.yaml`` supplies, read by ``LocalPlugin``:

- assessment: localities and townships positioned 生态保护 are also assessed on
  三江源国家公园生态保护成效;
- township post subsidy: the provincial formula with 玉树's tiers, raised from 2024-01-01, and
  a high-altitude supplement (``township_post.altitude_supplement``);
- fault tolerance (every kind of case): applications are accepted within 7 calendar days and
  an applicant may appeal within 30 days (distances in pastoral areas); the other limits,
  accepting bodies and the decision rule stay the province's.

The values marked ``example: true`` are illustrations (玉树州's own figures are not public).
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk.formulas import LocalPlugin

plugin = LocalPlugin(__name__, "632700", Path(__file__).with_name("parameters.yaml"),
                     title="玉树州")
