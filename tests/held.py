"""Counting what an object holds, for the tests that memory does not grow with the data
(``test_load_memory``, ``test_publish_memory``)."""
from __future__ import annotations

import gc
import sqlite3
import types

#: Not followed: what an object shares with everything (classes, modules, code, the connection).
_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
           types.MethodType, types.CodeType, sqlite3.Connection, sqlite3.Cursor)


def held_entries(root: object) -> int:
    """The entries of every dict, set, list and tuple reachable from ``root`` (each object
    once), not following classes, modules, functions or the connection."""
    seen: set[int] = set()
    stack = [root]
    entries = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SHARED):
            continue
        seen.add(id(obj))
        if isinstance(obj, (dict, set, frozenset, list, tuple)):
            entries += len(obj)
        stack.extend(gc.get_referents(obj))
        attributes = getattr(obj, "__dict__", None)
        if isinstance(attributes, dict):
            stack.append(attributes)
    return entries
