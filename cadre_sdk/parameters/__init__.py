"""Dated parameters, in the shape of OpenFisca's parameter files.

A parameter file is a YAML tree of *nodes* (mappings of named children) whose *leaves* carry
``values``: entries keyed by ISO start date, each with a ``value`` and the ``reference`` it comes
from; an entry that is ``null`` ends the parameter from that date. A value is read "as of" a
date: the entry with the greatest start on or before it.

Files are checked strictly (duplicate keys, unknown keys, dates, units, missing references) and
every problem is a :class:`~cadre_sdk.core.errors.ParameterError` whose message starts with
``file:line:``, so a plugin author can jump straight to it.
"""
from __future__ import annotations

from cadre_sdk.parameters.values import (
    ENTRY_KEYS, LEAF_KEYS, NODE_KEYS, ParameterNode, ParameterValue, Parameters, STATUSES, UNITS,
)
from cadre_sdk.parameters.reader import load_parameters, parse_parameters

__all__ = [
    "ENTRY_KEYS",
    "LEAF_KEYS",
    "NODE_KEYS",
    "ParameterNode",
    "ParameterValue",
    "Parameters",
    "STATUSES",
    "UNITS",
    "load_parameters",
    "parse_parameters",
]
