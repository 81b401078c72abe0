"""Small-group protection as a rule: the minimum group sizes behind anything public.

The provincial values are dated parameters (``cadre_sdk/defaults/parameters/publication.yaml``,
each with its reference and status), registered as ``PublicationThreshold`` items by the
default plugin ``cadre_sdk.defaults.queries``. A local plugin registers a
``PublicationThreshold(name, value=...)`` to raise one; a value below the provincial one is a
plugin error naming the plugin (a prefecture may protect its people more, never less). The
publication is one file for the whole province, so the highest value registered applies
everywhere in it.

- ``min_raters``: raters behind published votes (民主测评, 考核谈话 ...);
- ``min_count``: people behind a published count (人数, 人次, 件数); smaller counts are
  suppressed (``cadre_sdk.publish.suppress``);
- ``min_average_group``: cadres behind an average, a share or a sum of money;
- ``k_anonymity``: cadres sharing each combination of quasi-identifiers in the generalized
  public rows (``cadre_sdk.publish.generalize``).
"""
from __future__ import annotations

import datetime

import attrs

from cadre_sdk.core.errors import CadreError, PluginError
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.rules import (
    PUBLICATION_THRESHOLD_NAMES, PUBLICATION_THRESHOLD_PATH, PUBLICATION_THRESHOLD_TITLES,
)
from cadre_sdk.core.value_status import label_zh

#: The thresholds and the parameter path of each provincial value (defined with the rule item).
NAMES = PUBLICATION_THRESHOLD_NAMES
PATH = PUBLICATION_THRESHOLD_PATH
#: Each threshold's Chinese name (errors, the publication's facts).
TITLES_ZH = PUBLICATION_THRESHOLD_TITLES
#: Used only when no plugin registers a threshold at all (a plugin set without defaults).
FALLBACK = {"min_raters": 10, "min_count": 5, "min_average_group": 5, "k_anonymity": 5}

_HOOK = "register_queries"


def suppressed_text(n: int) -> str:
    """What a reader sees in place of a value resting on fewer than ``n`` people."""
    return f"少于 {n} 人，不公开"


@attrs.frozen
class Thresholds:
    """The minimum group sizes one publication applies, with where each came from."""

    min_raters: int = FALLBACK["min_raters"]
    min_count: int = FALLBACK["min_count"]
    min_average_group: int = FALLBACK["min_average_group"]
    k_anonymity: int = FALLBACK["k_anonymity"]
    #: name -> (plugin, Chinese source label)
    sources: dict[str, tuple[str, str]] = attrs.field(factory=dict, eq=False)

    def raised(self, **values: int) -> Thresholds:
        """These thresholds with some raised (a caller's option); lowering is refused."""
        for name, value in values.items():
            if value < getattr(self, name):
                raise CadreError(f"{TITLES_ZH[name]}不能低于规则规定的 {getattr(self, name)} 人"
                                 f"（给定 {value}）：只能提高门槛，不能降低")
        return attrs.evolve(self, **values)


def _value(item, on: datetime.date) -> tuple[int, str]:
    """The value of one registered threshold on ``on`` and its source label."""
    if item.parameters is not None:
        pv = item.parameters.at(item.path or PATH.format(name=item.name), on)
        return int(pv.value), label_zh(pv.status, pv.reference)
    return int(item.value), item.reference or "地方插件提高的门槛"


def resolve(plugins: CadrePlugins, on: datetime.date) -> Thresholds:
    """The thresholds in force on ``on``: the provincial values raised by any plugin's.

    Raises ``PluginError`` (naming the plugin) for a value below the provincial one, a name
    that is not a threshold, or a value that is not a positive whole number."""
    regs = plugins.book.all("publication_threshold")
    base: dict[str, int] = {}
    chosen: dict[str, tuple[int, tuple[str, str]]] = {}
    for reg in sorted(regs, key=lambda r: not r.builtin):   # provincial values first
        item = reg.item
        if item.name not in NAMES:
            raise PluginError(reg.plugin, _HOOK, f"PublicationThreshold name {item.name!r} "
                              "is not a threshold", f"use one of {', '.join(NAMES)}.")
        value, source = _value(item, on)
        if value < 1:
            raise PluginError(reg.plugin, _HOOK, f"publication threshold {item.name} = {value}",
                              "a threshold is a whole number of people, at least 1.")
        if reg.builtin:
            base[item.name] = max(base.get(item.name, 0), value)
        elif value < base.get(item.name, FALLBACK[item.name]):
            raise PluginError(reg.plugin, _HOOK,
                              f"publication threshold {item.name} = {value} is below the "
                              f"provincial {base.get(item.name, FALLBACK[item.name])}",
                              "a plugin may raise a publication threshold, never lower it: "
                              "remove it or give a value at least the provincial one.")
        if item.name not in chosen or value > chosen[item.name][0]:
            chosen[item.name] = (value, (reg.plugin, source))
    values = {name: chosen[name][0] for name in chosen}
    return Thresholds(**values, sources={name: chosen[name][1] for name in chosen})
