"""The callbacks the loader runs after rows of a kind are written, named by module and
function: a load imports the engine modules of the kinds it loads, and no others (``cadre
load`` of units does not import the engines)."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from cadre_sdk.core.errors import RowError

#: An after-load callback: ``(db, keys_table, plugins) -> [RowError]``, run inside the load's
#: transaction after rows of its kind are written (non-empty rolls the load back). ``keys_table``
#: is the temp table of the loaded keys (key columns, ``_file``, ``_line``).
AfterLoad = Callable[..., list[RowError]]


class Callbacks(Mapping[str, tuple[AfterLoad, ...]]):
    """kind -> callbacks, given as ``module:function`` names and imported on first use."""

    def __init__(self, names: Mapping[str, tuple[str, ...]]):
        self._names = dict(names)
        self._resolved: dict[str, tuple[AfterLoad, ...]] = {}

    def __getitem__(self, kind: str) -> tuple[AfterLoad, ...]:
        if kind not in self._resolved:
            self._resolved[kind] = tuple(_resolve(name) for name in self._names[kind])
        return self._resolved[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _resolve(name: str) -> AfterLoad:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


#: kind -> callbacks, in the order they run.
AFTER_LOAD: Mapping[str, tuple[AfterLoad, ...]] = Callbacks({
    "case_event": ("cadre_sdk.engines.cases.events:check_and_chain",
                   "cadre_sdk.engines.cases.red_lines:check_red_lines"),
    "adjustment": ("cadre_sdk.engines.cases.adjustments:check_situations",),
})
