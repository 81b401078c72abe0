"""Jurisdictions: GB/T 2260 codes and the chain a rule is resolved along."""
from __future__ import annotations

import re

PROVINCE = "630000"
_CODE = re.compile(r"^\d{6}(\d{3})?$")


def is_code(code: str) -> bool:
    """A 6-digit division code or a 9-digit township code."""
    return bool(_CODE.match(code or ""))


def chain(code: str) -> tuple[str, ...]:
    """The jurisdictions a record in ``code`` falls under, most specific first.

    ``632801`` (格尔木市) -> ``("632801", "632800", "630000")``; a township's 9-digit code starts
    with its county's. GB/T 2260 codes nest by their digits: 2 for the province, 4 for the
    prefecture, 6 for the county.
    """
    if not is_code(code):
        raise ValueError(f"not a GB/T 2260 code: {code!r}")
    county, prefecture, province = code[:6], code[:4] + "00", code[:2] + "0000"
    return tuple(dict.fromkeys((county, prefecture, province)))


def level(code: str) -> str:
    """``province``, ``prefecture``, ``county`` or ``township`` by the shape of the code."""
    if len(code) == 9:
        return "township"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def county_and_prefecture(code: str) -> tuple[str | None, str | None]:
    """The county-level and prefecture-level codes ``code`` is or falls under; None for a level
    above it (``632221101`` -> ``("632221", "632200")``, ``632200`` -> ``(None, "632200")``)."""
    lvl = level(code)
    return (code[:6] if lvl in ("county", "township") else None,
            code[:4] + "00" if lvl != "province" else None)


def county_sql(col: str) -> str:
    """SQL: the county-level code a region code falls under (NULL above county level)."""
    return (f"(CASE WHEN length({col}) >= 6 AND substr({col}, 5, 2) <> '00' "
            f"THEN substr({col}, 1, 6) END)")


def prefecture_sql(col: str) -> str:
    """SQL: the prefecture-level code a region code falls under (NULL for the province)."""
    return f"(CASE WHEN substr({col}, 3, 4) <> '0000' THEN substr({col}, 1, 4) || '00' END)"
