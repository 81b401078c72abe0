"""Overlays: a local rule item states what it changes and inherits the rest from the item it
overrides up the jurisdiction chain (county → prefecture → province), the way an OpenFisca
reform changes one parameter of a country package.

The merge rule, field by field over ``attrs.fields`` of the item's type (so a field added to a
rule type later inherits too):

- ``parameters``: merged key by key and per date (``ChainedParameters``): a path is read from
  the most specific file that has a value in force for it on the date asked; before its first
  value (or after a ``null`` ending it) the next file up the chain answers;
- a field that is ``None`` (left unset) takes the value of the first item up the chain that
  sets it (a subsidy's ``compute``, a tolerance variant's ``dimensions``, ``decide``…);
- a mapping (a tolerance variant's ``time_limits``) is merged key by key, local keys winning;
- a sequence whose field declares ``metadata={"merge_by": attribute}`` (an indicator set's
  ``indicators``, by ``code``) is merged by that attribute: the ancestors' entries in their
  order, a local entry replacing the one with its key, new ones appended;
- anything else (the key fields, ``priority``, ``name``, the dates ``start``/``end``,
  indicator lists) is the local item's.

An item with ``replace=True`` inherits nothing: it stands for the whole rule. Items of another
type up the chain are never merged with.
"""
from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.parameters import ParameterNode, Parameters, ParameterValue

__all__ = ["ChainedParameters", "Overlay", "compose", "overlay_chain"]

#: Fields that always stay the local item's own (they describe the item, not the rule).
_OWN_FIELDS = frozenset({"priority", "name", "replace", "start", "end"})


class ChainedParameters:
    """Parameter files read as one, most specific first: a path's value on a date comes from
    the first layer that has a value in force on that date. Quacks like ``Parameters`` for
    what rules and engines read (``at``, ``get``, ``has``, ``leaves``, ``node``, ``file``)."""

    def __init__(self, layers: Sequence[Parameters], plugins: Sequence[str] = ()):
        self.layers = tuple(layers)
        self.plugins = tuple(plugins) or ("",) * len(self.layers)
        first = self.layers[0]
        self.file, self.description, self.metadata = first.file, first.description, first.metadata
        self.sha256 = hashlib.sha256("".join(p.sha256 for p in self.layers).encode()).hexdigest()

    def __repr__(self) -> str:
        return f"ChainedParameters({', '.join(p.file for p in self.layers)})"

    def has(self, path: str) -> bool:
        return any(p.has(path) for p in self.layers)

    def at(self, path: str, on: datetime.date | str) -> ParameterValue:
        """The value of ``path`` on ``on`` from the most specific layer that has one."""
        having = [p for p in self.layers if p.has(path)]
        if not having:
            return self.layers[0].at(path, on)  # the "unknown parameter" message, file:line
        for params in having:
            found = params.get(path, on)
            if found is not None:
                return found
        return having[-1].at(path, on)  # none in force: the least specific layer says why

    def get(self, path: str, on: datetime.date | str,
            default: ParameterValue | None = None) -> ParameterValue | None:
        try:
            return self.at(path, on) if self.has(path) else default
        except ParameterError:
            return default

    def layer_of(self, value: ParameterValue) -> tuple[Parameters, str]:
        """The layer (and its plugin) a value was read from."""
        for params, plugin in zip(self.layers, self.plugins):
            if params.file == value.file:
                return params, plugin
        return self.layers[0], self.plugins[0]

    def plugin_of(self, value: ParameterValue) -> str:
        """The plugin whose file supplied ``value`` ("" when unknown)."""
        return self.layer_of(value)[1]

    def leaves(self) -> Iterator[tuple[str, list[ParameterValue]]]:
        """Every path of every layer with the values of the most specific layer that has it."""
        seen: dict[str, list[ParameterValue]] = {}
        for params in self.layers:
            for path, values in params.leaves():
                seen.setdefault(path, values)
        yield from sorted(seen.items())

    def newest_date(self, path: str) -> datetime.date:
        return max(p.newest_date(path) for p in self.layers if p.has(path))

    def stale(self, before: datetime.date) -> list[tuple[str, datetime.date]]:
        return sorted({s for p in self.layers for s in p.stale(before)})

    def node(self, path: str = "") -> ParameterNode:
        for params in self.layers:
            try:
                return params.node(path)
            except ParameterError:
                continue
        return self.layers[0].node(path)


@attrs.frozen
class Overlay:
    """How a resolved item was put together: the local registration first, then the items it
    inherits from (most specific first), and which registration supplied each inherited field
    (``inherited``: field -> registration; for a mapping, ``field.key``)."""

    chain: tuple[Any, ...]
    inherited: dict[str, Any]

    @property
    def overrides(self) -> tuple[Any, ...]:
        return self.chain[1:]


def overlay_chain(regs: Sequence[Any]) -> list[Any]:
    """The registrations an item merges with: the first, then those up the chain of the same
    type, stopping after one that says ``replace=True`` (or at the first one when it does)."""
    out = []
    for reg in regs:
        if out and type(reg.item) is not type(out[0].item):
            break
        out.append(reg)
        if getattr(reg.item, "replace", False):
            break
    return out


def compose(regs: Sequence[Any]) -> tuple[Any, Overlay]:
    """The item ``regs[0]`` stands for once overlaid on ``regs[1:]`` (its ancestors, most
    specific first; see the module docstring), and how it was composed."""
    chain = overlay_chain(regs)
    local = chain[0].item
    if len(chain) == 1:
        return local, Overlay(tuple(chain), {})
    changes: dict[str, Any] = {}
    inherited: dict[str, Any] = {}
    for field in attrs.fields(type(local)):
        name = field.name
        own = getattr(local, name)
        if name in _OWN_FIELDS:
            continue
        if name == "parameters":
            layers = [(r.item.parameters, r.plugin) for r in chain
                      if getattr(r.item, "parameters", None) is not None]
            flat = [(p, plugin) for params, plugin in layers
                    for p, plugin in _layers_of(params, plugin)]
            if len(flat) > 1:
                changes[name] = ChainedParameters([p for p, _ in flat], [n for _, n in flat])
                if own is None:
                    inherited[name] = next(r for r in chain if r.item.parameters is not None)
            elif flat and own is None:
                changes[name] = flat[0][0]
                inherited[name] = next(r for r in chain if r.item.parameters is not None)
        elif own is None:
            supplier = next((r for r in chain[1:] if getattr(r.item, name) is not None), None)
            if supplier is not None:
                changes[name] = getattr(supplier.item, name)
                inherited[name] = supplier
        elif isinstance(own, dict):
            merged: dict[Any, Any] = {}
            for reg in reversed(chain):
                for key, value in getattr(reg.item, name).items():
                    merged[key] = value
                    if reg is not chain[0] and key not in own:
                        inherited[f"{name}.{key}"] = reg
            changes[name] = merged
        elif field.metadata.get("merge_by"):
            by = field.metadata["merge_by"]
            entries: dict[Any, Any] = {}
            for reg in reversed(chain):
                for entry in getattr(reg.item, name):
                    entries[getattr(entry, by)] = entry
                    if reg is not chain[0]:
                        inherited[f"{name}.{getattr(entry, by)}"] = reg
            for entry in own:
                inherited.pop(f"{name}.{getattr(entry, by)}", None)
            changes[name] = tuple(entries.values())
    # attrs.evolve runs the converters again; the field names here are init names too.
    return attrs.evolve(local, **{_init_name(type(local), k): v for k, v in changes.items()}), \
        Overlay(tuple(chain), inherited)


def _layers_of(params: Any, plugin: str) -> list[tuple[Parameters, str]]:
    if isinstance(params, ChainedParameters):
        return list(zip(params.layers, params.plugins))
    return [(params, plugin)]


def _init_name(cls: type, name: str) -> str:
    return next(f.alias or f.name for f in attrs.fields(cls) if f.name == name)
