"""Dated rule items: every item a plugin registers may say when it is in force.

``start`` is the first day it applies (inclusive), ``end`` the first day it no longer applies
(exclusive), both keyword-only and optional (None: open). Within one jurisdiction, the items of
one kind and key in force on a date are those with ``start <= date < end``; of those, the one
with the latest ``start`` wins, so a dated item replaces an undated one from its start on
(``cadre_sdk.plugin_host.rule_book.RuleBook``). Each engine resolves on its own date (docs/conventions.md).
"""
from __future__ import annotations

import datetime
from typing import Any

import attrs

__all__ = ["Dated", "as_date", "in_force", "with_period"]


def as_date(value: Any) -> datetime.date | None:
    """A ``datetime.date`` from a date or an ISO ``YYYY-MM-DD`` string (None stays None)."""
    if value is None or type(value) is datetime.date:
        return value
    if isinstance(value, datetime.datetime):
        raise TypeError(f"a rule item's start/end is a date, not a datetime: {value!r}")
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"a rule item's start/end must be a date (YYYY-MM-DD), "
                             f"not {value!r}") from None
    raise TypeError(f"a rule item's start/end must be a datetime.date or 'YYYY-MM-DD', "
                    f"not {type(value).__name__} {value!r}")


def _end_after_start(instance: Any, attribute: Any, end: datetime.date | None) -> None:
    start = instance.start
    if end is not None and start is not None and end <= start:
        raise ValueError(f"{type(instance).__name__}: end {end} must come after start {start} "
                         "(start is the first day in force, end the first day no longer in "
                         "force)")


@attrs.frozen
class Dated:
    """Base of every dated rule type: keyword-only ``start`` (inclusive) and ``end``
    (exclusive); None leaves that side open."""

    #: The first day the item applies (None: from always).
    start: datetime.date | None = attrs.field(default=None, kw_only=True, converter=as_date)
    #: The first day the item no longer applies (None: until replaced).
    end: datetime.date | None = attrs.field(default=None, kw_only=True, converter=as_date,
                                            validator=_end_after_start)

    @property
    def dated(self) -> bool:
        """Whether the item has a start or an end."""
        return self.start is not None or self.end is not None

    def in_force(self, on: datetime.date) -> bool:
        """Whether the item applies on ``on``."""
        return in_force(self, on)

    def period_zh(self) -> str:
        """The period in force, in Chinese, for explanations ("" when undated)."""
        if self.start and self.end:
            return f"{self.start.isoformat()} 起施行，{self.end.isoformat()} 起不再适用"
        if self.start:
            return f"{self.start.isoformat()} 起施行"
        if self.end:
            return f"{self.end.isoformat()} 起不再适用"
        return ""

    def period_en(self) -> str:
        """The period in force, in English, for ``cadre rules show`` ("" when undated)."""
        if self.start and self.end:
            return f"in force from {self.start.isoformat()} until {self.end.isoformat()} " \
                   "(exclusive)"
        if self.start:
            return f"in force from {self.start.isoformat()}"
        if self.end:
            return f"in force until {self.end.isoformat()} (exclusive)"
        return ""


def with_period(item: Any, name: str) -> str:
    """A rule's name as an explanation records it: with its period in force when it is dated
    (``名称（2024-07-01 起施行）``), unchanged otherwise."""
    period = item.period_zh() if isinstance(item, Dated) else ""
    return f"{name}（{period}）" if period else name


def in_force(item: Any, on: datetime.date) -> bool:
    """Whether ``item`` (dated or not) applies on ``on``: ``start <= on < end``."""
    start, end = getattr(item, "start", None), getattr(item, "end", None)
    return (start is None or start <= on) and (end is None or on < end)
