"""The CLI's date options (``--as-of``, ``--date``, ``--stale-before``): dates as users write
them (2027-03-01, 2027.03.01, 2027年3月1日, full-width digits), read by the loader's own date
parser, and the parser's Chinese message for anything else."""
from __future__ import annotations

import datetime
from typing import Any

import click

from cadre_sdk.core.normalize import to_date


class Day(click.ParamType):
    """A calendar day, given as ``datetime.date``."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime.date:
        if isinstance(value, datetime.date):
            return value
        try:
            text = to_date(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if text is None:
            self.fail("没有填写日期（请写作 2027-03-01）", param, ctx)
        return datetime.date.fromisoformat(text)


DAY = Day()
