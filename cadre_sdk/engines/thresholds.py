"""The thresholds an engine reads, in force by region: the ``Thresholds`` item of a concern
(``register_thresholds``) resolved along each region's jurisdiction chain and overlaid on the
items above it, read as of a date through a ``RuleContext`` (so the explanation cites the
plugin whose file supplied each value).

For SQL that applies a threshold row by row, ``ThresholdsInForce.table`` writes a temp table
``region_code -> value, suffix`` (``suffix``: ``""`` where the provincial item applies, else
``":<jurisdiction>"``, appended to the explanation id) and returns one explanation per
jurisdiction whose item applies somewhere.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import sqlite_utils

from cadre_sdk.core.trace import Trace
from cadre_sdk.core.jurisdiction import PROVINCE, is_code
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.rules import RuleContext

#: The temp table ``table`` fills: every region code, and ``''`` for rows without a region.
TABLE = "temp._threshold"


class ThresholdsInForce:
    """The ``Thresholds`` item of ``concern`` in force in each region on ``on`` (the items are
    dated like every rule item; the values they cite are read on their own dates), cached per
    county."""

    def __init__(self, plugins: CadrePlugins, concern: str, on: datetime.date):
        self.book = plugins.book
        self.concern = concern
        self.on = on
        self._cache: dict[str, Registration | None] = {}

    def __call__(self, region_code: str | None) -> Registration | None:
        """The (overlaid) registration in force in ``region_code``; None when no plugin
        registered thresholds for it (a plugin manager built without the defaults)."""
        code = region_code if region_code and is_code(region_code) else PROVINCE
        key = code[:6]
        if key not in self._cache:
            self._cache[key] = self.book.resolve("thresholds", self.concern, code, on=self.on)
        return self._cache[key]

    def groups(self, db: sqlite_utils.Database) -> dict[str, Registration]:
        """Jurisdiction -> registration for every jurisdiction whose item is in force in some
        stored region, and the temp table ``temp._threshold_region (region_code, jurisdiction)``
        mapping each region (and ``''``) to it."""
        conn = db.conn
        conn.execute("DROP TABLE IF EXISTS temp._threshold_region")
        conn.execute("CREATE TEMP TABLE _threshold_region (region_code TEXT PRIMARY KEY, "
                     "jurisdiction TEXT NOT NULL)")
        found: dict[str, Registration] = {}
        rows = []
        for (code,) in conn.execute("SELECT code FROM region UNION SELECT '' ORDER BY 1"):
            reg = self(code)
            if reg is None:
                continue
            found.setdefault(reg.jurisdiction, reg)
            rows.append((code, reg.jurisdiction))
        conn.executemany("INSERT INTO _threshold_region VALUES (?, ?)", rows)
        return dict(sorted(found.items()))

    def table(self, db: sqlite_utils.Database, path: str, on: datetime.date,
              explain: Callable[[Registration, RuleContext], Any]
              ) -> dict[str, tuple[Trace, Any]]:
        """Fill ``temp._threshold`` with the value of ``path`` on ``on`` for every region;
        ``explain(reg, ctx)`` starts each jurisdiction's trace (``ctx.param(path)`` is read
        after it). Returns suffix -> (trace, value), one per jurisdiction whose item applies."""
        conn = db.conn
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute("CREATE TEMP TABLE _threshold (region_code TEXT PRIMARY KEY, value, "
                     "suffix TEXT NOT NULL)")
        traces: dict[str, tuple[Trace, Any]] = {}
        values: dict[str, Any] = {}
        for jurisdiction, reg in self.groups(db).items():
            suffix = "" if jurisdiction == PROVINCE else f":{jurisdiction}"
            trace = Trace(subject="")
            ctx = RuleContext(rule=reg.item, plugin=reg.plugin, jurisdiction=reg.jurisdiction,
                              on=on, trace=trace)
            explain(reg, ctx)
            value = ctx.param(path)
            values[jurisdiction] = (value, suffix)
            traces[suffix] = (trace, value)
        conn.executemany(
            f"INSERT INTO {TABLE} SELECT region_code, ?, ? FROM _threshold_region "
            "WHERE jurisdiction = ?", [(v, s, j) for j, (v, s) in values.items()])
        return traces
