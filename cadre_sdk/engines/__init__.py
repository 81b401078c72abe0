"""Engines run the registered rules over the stored records and write results with their
explanations. Each engine module exposes ``NAME`` (Chinese label) and
``evaluate(db, plugins, *, as_of)`` (``as_of``: the evaluation date) returning a dict of counts; ``cadre evaluate`` runs them in ``ENGINES`` order in one transaction.
"""
from __future__ import annotations

import importlib
from types import ModuleType

ENGINES = ("assessment", "cases", "subsidies", "staffing")


def engine_modules() -> list[ModuleType]:
    """The engine modules that exist in this version of the SDK, in running order."""
    out = []
    for name in ENGINES:
        try:
            out.append(importlib.import_module(f"cadre_sdk.engines.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"cadre_sdk.engines.{name}":
                raise
    return out
