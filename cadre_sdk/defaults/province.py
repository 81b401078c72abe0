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
def validate_record(kind: str, record: Any) -> list[str] | None:
    """A cadre's ID number must agree with the birth month and gender given beside it."""
    if kind != "cadre" or record.id_number is None:
        return None
    birth, gender = id_number_birth_gender(record.id_number)
    if birth == record.birth and gender == record.gender:
        return None
    problems = []
    if birth != record.birth:
        problems.append(f"身份证号中的出生年月（{birth}）与“出生年月”（{record.birth}）不一致")
    if gender != record.gender:
        problems.append(f"身份证号显示性别为{gender}，与“性别”（{record.gender}）不一致")
    return problems
