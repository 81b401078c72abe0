"""Provincial default plugin: declares the province (630000) and the core record checks that
need more than one field's value."""
from __future__ import annotations

from typing import Any

from cadre_sdk.hookspecs import hookimpl, record_kinds
from cadre_sdk.core.normalize import id_number_birth_gender
from cadre_sdk.core.jurisdiction import PROVINCE


@hookimpl
def cadre_jurisdiction() -> str:
    return PROVINCE


@hookimpl(trylast=True)
@record_kinds("cadre")
def validate_records(kind: str, columns: Any) -> list[tuple[int, str, str]] | None:
    """A cadre's ID number must agree with the birth month and gender given beside it (each
    row of a batch; a row without an ID number is not checked).

    A disagreement names the birth month (gender) column, the one the clerk most likely has
    to fix: a stored ID number passed its check digit, a typed month or gender did not pass
    any; the message names the ID number by its title and asks to check both."""
    numbers = columns.get("id_number") if kind == "cadre" else None
    if numbers is None:
        return None
    births, genders = columns.get("birth"), columns.get("gender")
    problems: list[tuple[int, str, str]] = []
    for row, number in enumerate(numbers):
        if number is None:
            continue
        # A stored number is valid (its converter checked it): its birth month and gender
        # are read off it; anything that disagrees is told the way id_number_birth_gender
        # (which checks the number) says it.
        if number[6:10] + "-" + number[10:12] == births[row] and \
                ("男" if number[16] in "13579" else "女") == genders[row]:
            continue
        birth, gender = id_number_birth_gender(number)
        if birth != births[row]:
            problems.append((row, "birth", f"{births[row]} 与身份证号中的出生年月（{birth}）"
                                           "不一致：请核对出生年月，或身份证号"))
        if gender != genders[row]:
            problems.append((row, "gender", f"{genders[row]} 与身份证号显示的性别（{gender}）"
                                            "不一致：请核对性别，或身份证号"))
    return problems
