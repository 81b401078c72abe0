"""Digests of what an annual assessment's score was computed from (issue 19): stored in the stub
of an explanation made when read (``replay``), so that a reader is told when the inputs changed
after ``cadre evaluate`` instead of reading an explanation of other numbers."""
from __future__ import annotations

import base64
import struct
import zlib

from cadre_sdk.engines.assessment.inputs import AnnualRow
from cadre_sdk.records.rule_inputs import TargetSummary, Votes

#: What each digest covers, in order (``digests``), as the explanation names it when it changed.
PARTS = ("考核记录与单位信息（单位类别、层级、所在地区、功能定位）", "指标得分", "测评票数",
         "平时考核等次", "“710”重点目标汇总")
_PACK = struct.Struct(f">{len(PARTS)}I").pack


def group_digests(row: AnnualRow, targets: TargetSummary | None) -> tuple[int, int]:
    """What ``digests`` starts from for every assessment of a unit and year (their unit's
    details, its "710" summary): computed once per group."""
    return (zlib.crc32(repr((row.unit_code, row.unit_kind, row.unit_level, row.region_code,
                             row.positioning, row.year)).encode("utf-8")),
            zlib.crc32(repr(None if targets is None else
                            (targets.targets, targets.on_schedule, targets.last_month)
                            ).encode("utf-8")))


def digests(row: AnnualRow, scores: dict[str, float], evaluations: dict[str, Votes],
            quarters: dict[str, str], shared: tuple[int, int]) -> str:
    """Digests of what an assessment's score was computed from, one per ``PARTS`` (the CRC-32 of
    the values' ``repr``: numbers as stored, 85 and 85.0 told apart; a check against changes,
    not against forgery: whoever can write the store can write the results), as one text:
    the 20 bytes in URL-safe base64 (27 characters; a run of 17 digits an ID number could be
    read in would take odds of 10 in 64 seventeen times over). ``row``: the assessment with
    its unit; ``scores``: its indicator scores as read (code -> score, in code order: what its
    indicator lines and the scores outside its indicator set are made of); ``evaluations``
    and ``quarters`` as its formula gets them (``scoring.build_inputs``); ``shared``:
    ``group_digests`` of its group."""
    unit, targets = shared
    crc = zlib.crc32
    # a few combinations of quarters' grades for the whole run: each one's CRC made once
    # (equal items, texts as the store holds them: equal ``repr``)
    grades = tuple(quarters.items())
    quarters_crc = _QUARTERS_CRC.get(grades)
    if quarters_crc is None:
        if len(_QUARTERS_CRC) > 4096:
            _QUARTERS_CRC.clear()
        quarters_crc = _QUARTERS_CRC[grades] = crc(repr(quarters).encode("utf-8"))
    return base64.urlsafe_b64encode(_PACK(
        crc(f"{row.id}\n{row.subject}\n{row.cadre_id}".encode("utf-8"), unit),
        crc(repr(scores).encode("utf-8")),
        crc(repr([(v.method, v.excellent, v.competent, v.basic, v.incompetent, v.participants)
                  for v in evaluations.values()]).encode("utf-8")),
        quarters_crc, targets)).decode("ascii").rstrip("=")


#: The CRC of the ``repr`` of each combination of quarters' grades seen (``digests``).
_QUARTERS_CRC: dict[tuple, int] = {}


def changed_parts(now: str, then: str) -> list[str]:
    """The ``PARTS`` whose digests differ between two ``digests`` texts (all of them if one
    cannot be read)."""
    try:
        old = struct.unpack(f">{len(PARTS)}I", base64.urlsafe_b64decode(then + "="))
    except (ValueError, struct.error):
        return list(PARTS)
    new = struct.unpack(f">{len(PARTS)}I", base64.urlsafe_b64decode(now + "="))
    return [part for part, a, b in zip(PARTS, new, old) if a != b]
