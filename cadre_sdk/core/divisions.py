"""The province's administrative divisions (``defaults/data/divisions.csv``: 1 province, 8
prefecture-level and 45 county-level divisions) as known codes, for checking the codes plugin
authors and command options give."""
from __future__ import annotations

import csv
import functools
from importlib import resources

#: The provincial defaults' data folder, found by package name (the defaults are plugins, above
#: this module; it reads their data file, it does not import them).
DIVISIONS_CSV = resources.files("cadre_sdk.defaults").joinpath("data", "divisions.csv")


@functools.lru_cache(maxsize=1)
def known() -> dict[str, tuple[str, str]]:
    """Division code -> (Chinese name, level 省/市州/县)."""
    with DIVISIONS_CSV.open(encoding="utf-8", newline="") as fh:
        return {row["地区代码"]: (row["地区名称"], row["层级"]) for row in csv.DictReader(fh)}


def nearest(code: str, n: int = 3) -> list[str]:
    """The ``n`` known codes closest to ``code``: those sharing the longest leading digits,
    then the numerically nearest."""
    def distance(other: str) -> tuple[int, int]:
        shared = next((i for i, (a, b) in enumerate(zip(code, other)) if a != b),
                      min(len(code), len(other)))
        number = int(code) if code.isdigit() else 0
        return (-shared, abs(int(other) - number))
    return sorted(known(), key=distance)[:n]


def describe(codes: list[str]) -> str:
    """``632626 玛多县, 632625 久治县`` for an error message."""
    return ", ".join(f"{c} {known()[c][0]}" for c in codes)


def unknown_message(code: str) -> str | None:
    """None for a known division (or a 9-digit township code under one); else what is wrong
    and the nearest known codes."""
    if code in known() or (len(code) == 9 and code[:6] in known()):
        return None
    return (f"{code} is not a division of Qinghai in divisions.csv; nearest: "
            f"{describe(nearest(code[:6]))}")
