"""Provincial default plugin: declares the province (630000) and the core record checks that
need more than one field's value."""
from __future__ import annotations

from typing import Any

from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.core.normalize import id_number_birth, id_number_gender
from cadre_sdk.core.jurisdiction import PROVINCE


@hookimpl
def cadre_jurisdiction() -> str:
    return PROVINCE


@hookimpl(trylast=True)
def validate_record(kind: str, record: Any) -> list[str] | None:
    """A cadre's ID number must agree with the birth month and gender given beside it."""
    if kind != "cadre" or record.id_number is None:
        return None
    problems = []
    birth = id_number_birth(record.id_number)[:7]
    if birth != record.birth:
        problems.append(f"身份证号中的出生年月（{birth}）与“出生年月”（{record.birth}）不一致")
    gender = id_number_gender(record.id_number)
    if gender != record.gender:
        problems.append(f"身份证号显示性别为{gender}，与“性别”（{record.gender}）不一致")
    return problems
