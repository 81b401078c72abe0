"""The province's red lines (触碰红线) as a catalogue, read from ``data/red_lines.csv``.

Each entry has a code (``RL-01`` …), the text, its source and status: the two the seed names
("触碰纪律和法律红线的决不能容", official) and the three sides of the "three distinctions"
(三个区分开来) that the SDK reads as red lines (adopted by analogy; see ``data/SOURCES.md``).
Registered by ``cadre_sdk.defaults.tolerance``; prefectures and counties add their own.
"""
from __future__ import annotations

import csv

from cadre_sdk.rules import RedLine
from cadre_sdk.defaults import DATA


def red_lines() -> list[RedLine]:
    """The provincial red lines, in catalogue order."""
    with open(DATA / "red_lines.csv", encoding="utf-8", newline="") as fh:
        return [RedLine(code=row["code"], text=row["text"], source=row["source"],
                        status=row["status"],
                        aliases=tuple(a for a in row["aliases"].split("|") if a))
                for row in csv.DictReader(fh)]
