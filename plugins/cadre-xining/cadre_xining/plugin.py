"""西宁市 (630100): local rules for cadre-sdk.

The provincial capital's functional positioning is urban governance (城市治理). What
``parameters.yaml`` supplies, read by ``LocalPlugin``:

- assessment: localities and departments positioned 城市治理 are also assessed on 城市治理成效;
- township post subsidy (湟中、湟源、大通 townships; subdistricts get none): the provincial formula
  with 西宁's tiers and a 16-day attendance condition;
- fault tolerance: shorter time limits for every kind of case (3 working days to accept, 15 to
  determine); accepting bodies and the decision rule stay the province's.

The values marked ``example: true`` are illustrations (西宁市's own figures are not public).
"""
from __future__ import annotations

from pathlib import Path

from cadre_sdk.formulas import LocalPlugin

plugin = LocalPlugin(__name__, "630100", Path(__file__).with_name("parameters.yaml"),
                     title="西宁市")
