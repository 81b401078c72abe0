"""Parameter values added to a store as data (``cadre parameters add``), layered over the
values plugins supply when a rule is resolved.

A stored file states new dated values for one rule (kind and key) in one jurisdiction. Its
precedence, decided once here and documented in ``docs/parameters.md``:

- it ranks above every plugin's file **at its own jurisdiction and above** (a provincial
  office's file beats the built-in provincial defaults and a provincial plugin: the office
  states the standard, the plugin only shipped it);
- it ranks below a plugin's file of a **more specific** jurisdiction (a county plugin overlay
  that states its own county rate keeps it in that county: the county's rule is the county's,
  exactly as a provincial plugin never overrides a county overlay);
- among stored files of one jurisdiction, the one added last ranks first.

Ranking is per path and date, as in every overlay (``ChainedParameters``): a stored value from
2027-01-01 answers for dates from then on; before it the next layer down answers, so the months
before the new rate keep the old value.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from cadre_sdk.core.jurisdiction import chain
from cadre_sdk.parameters import Parameters
from cadre_sdk.plugin_host.overlays import ChainedParameters

__all__ = ["StoredLayer", "layered"]


@attrs.frozen
class StoredLayer:
    """One stored file's values for rule ``kind``/``key`` in ``jurisdiction`` (a GB/T 2260
    code); ``source`` is how explanations and ``rules show`` name it (``录入文件 NAME（…）``)."""

    kind: str
    key: str
    jurisdiction: str
    parameters: Parameters
    source: str


def _plugin_layers(reg: Any) -> list[tuple[Parameters, str, str]]:
    """(file, plugin, jurisdiction) of every plugin layer a resolved registration reads, most
    specific first (the registrations its overlay composed, or the registration alone)."""
    regs = reg.overlay.chain if reg.overlay is not None else (reg,)
    out = []
    for r in regs:
        params = getattr(r.item, "parameters", None)
        if params is None:
            continue
        if isinstance(params, ChainedParameters):
            out += [(p, plugin, r.jurisdiction) for p, plugin in zip(params.layers, params.plugins)]
        else:
            out.append((params, r.plugin, r.jurisdiction))
    return out


def layered(reg: Any, region_code: str, stored: Sequence[StoredLayer]) -> ChainedParameters | None:
    """The parameters ``reg`` (resolved for ``region_code``) reads once the ``stored`` layers
    of its rule that apply in ``region_code`` are put in their place (module docstring); None
    when none applies or the rule reads no parameters."""
    levels = chain(region_code)
    applying = [s for s in stored if s.jurisdiction in levels]
    base = _plugin_layers(reg)
    if not applying or not base:
        return None
    ranked = [((levels.index(j) if j in levels else len(levels)), 1, n, params, plugin)
              for n, (params, plugin, j) in enumerate(base)]
    ranked += [(levels.index(s.jurisdiction), 0, n, s.parameters, s.source)
               for n, s in enumerate(applying)]
    ranked.sort(key=lambda r: r[:3])
    return ChainedParameters([r[3] for r in ranked], [r[4] for r in ranked])
