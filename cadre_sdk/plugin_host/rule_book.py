"""The rule book: every item plugins registered, with who registered it and for which jurisdiction,
and its resolution along the jurisdiction chain (``resolve``, ``resolve_first``, ``catalogue``).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import attrs

from cadre_sdk import rules
from cadre_sdk.core.calendar_years import YearSchedule
from cadre_sdk.core.dating import in_force
from cadre_sdk.core.errors import PluginError, RuleConflict
from cadre_sdk.core.jurisdiction import PROVINCE, chain
from cadre_sdk.plugin_host.overlays import compose
from cadre_sdk.plugin_host.stored_layers import StoredLayer, layered


#: Which rule types each registration hook accepts.
REGISTRATION_HOOKS: dict[str, tuple[type, ...]] = {
    "register_indicators": (rules.IndicatorSet,),
    "register_scoring": (rules.ScoringFormula, rules.GradingRule, rules.GradeQuota,
                         rules.ConsequenceRule),
    "register_subsidy_rules": (rules.SubsidyRule,),
    "register_tolerance_variants": (rules.ToleranceVariant, rules.RedLine),
    "register_adjustment_situations": (rules.AdjustmentSituation,),
    "register_staffing_rules": (rules.StaffingRule,),
    "register_thresholds": (rules.Thresholds,),
    "register_queries": (rules.CannedQuery, rules.PublicationThreshold),
    "register_calendar_years": (YearSchedule,),
}


#: The kinds of rule items in Chinese, as readers see them (the publication's 规则清单 类别,
#: ``cadre parameters list``).
KIND_NAMES = {"calendar_year": "节假日安排", "consequence": "考核结果运用", "grade_quota": "等次名额",
              "grading": "定等分数线", "indicators": "考核指标", "publication_threshold": "公开门槛",
              "query": "查询", "red_line": "容错红线", "scoring": "计分公式", "situation": "调整情形",
              "staffing": "配备规则", "subsidy": "补贴", "thresholds": "参数阈值",
              "tolerance": "容错纠错规则"}

#: Rule kinds whose entries add up along the jurisdiction chain instead of overriding.
CATALOGUE_KINDS = frozenset({"situation", "staffing", "query", "consequence", "red_line",
                             "publication_threshold"})


@attrs.frozen
class Registration:
    """One registered item with who registered it and for which jurisdiction."""

    item: Any
    plugin: str
    jurisdiction: str
    hook: str
    builtin: bool
    #: For a resolved rule: how its item was overlaid on those it overrides (None: as registered).
    overlay: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def kind(self) -> str:
        return self.item.rule_kind

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def rank(self) -> int:
        # Built-in defaults rank below anything a real plugin registers for the same place.
        return self.item.priority - (10_000 if self.builtin else 0)


class Registrar:
    """The ``register`` callback handed to one plugin's registration hook."""

    def __init__(self, book: "RuleBook", plugin: str, jurisdiction: str, hook: str,
                 accepts: tuple[type, ...], builtin: bool):
        self._book, self._plugin, self._jurisdiction = book, plugin, jurisdiction
        self._hook, self._accepts, self._builtin = hook, accepts, builtin

    def __call__(self, item: Any) -> Any:
        if not isinstance(item, self._accepts):
            names = ", ".join(t.__name__ for t in self._accepts)
            raise PluginError(self._plugin, self._hook,
                              f"registered {type(item).__name__} {item!r:.80}",
                              f"{self._hook} accepts {names} from cadre_sdk.rules.")
        reg = Registration(item, self._plugin, self._jurisdiction, self._hook, self._builtin)
        if self._book.registered_by(reg):
            raise PluginError(self._plugin, self._hook,
                              f"registered {reg.kind} rule {reg.key!r} twice for jurisdiction "
                              f"{self._jurisdiction}",
                              "call register() once per rule; to replace a rule of another "
                              "level, register it from a plugin of that jurisdiction.")
        self._book.add(reg)
        return item


class RuleBook:
    """All registered rule items, and their resolution by jurisdiction."""

    def __init__(self) -> None:
        self._by_kind: dict[str, list[Registration]] = defaultdict(list)
        self._composed: dict[tuple[str, str, str], Registration] = {}
        #: Parameter files added to a store (``cadre parameters add``), by (kind, key), the
        #: last added first: layered over the plugins' files when a rule is resolved.
        self._stored: dict[tuple[str, str], list[StoredLayer]] = {}
        self._layered: dict[tuple, tuple[Registration, Registration]] = {}

    def with_stored(self, layers: Iterable[StoredLayer]) -> "RuleBook":
        """A copy of this book that resolves rules with the stored parameter ``layers`` (the
        last added first) in their place (``cadre_sdk.plugin_host.stored_layers``); the
        registrations are shared, this book is unchanged."""
        book = RuleBook()
        book._by_kind = self._by_kind
        for layer in layers:
            book._stored.setdefault((layer.kind, layer.key), []).append(layer)
        return book

    def stored_layers(self) -> list[StoredLayer]:
        """Every stored parameter layer (``with_stored``), each rule's last added first."""
        return [layer for layers in self._stored.values() for layer in layers]

    def with_stored_layers(self, reg: Registration, region_code: str) -> Registration:
        """``reg`` (resolved for ``region_code``) reading the stored parameter layers of its
        rule that apply there, or ``reg`` itself when none does."""
        stored = self._stored.get((reg.kind, reg.key))
        if not stored:
            return reg
        levels = chain(region_code)
        applying = tuple(id(s) for s in stored if s.jurisdiction in levels)
        if not applying:
            return reg
        cache_key = (id(reg), applying)
        cached = self._layered.get(cache_key)
        if cached is None or cached[0] is not reg:  # the cache holds reg: its id is not reused
            params = layered(reg, region_code, stored)
            cached = self._layered[cache_key] = (reg, reg if params is None else attrs.evolve(
                reg, item=attrs.evolve(reg.item, parameters=params)))
        return cached[1]

    def add(self, reg: Registration) -> None:
        self._by_kind[reg.kind].append(reg)
        self._composed.clear()
        self._layered.clear()

    def discard(self, plugin: str) -> None:
        """Forget every item ``plugin`` registered (it failed while registering)."""
        for kind, regs in self._by_kind.items():
            regs[:] = [r for r in regs if r.plugin != plugin]
        self._composed.clear()
        self._layered.clear()

    def registered_by(self, reg: Registration) -> bool:
        """Whether ``reg``'s plugin already registered its kind and key for its jurisdiction
        with the same dates (a plugin may register one key for successive periods)."""
        return any(r.key == reg.key and r.plugin == reg.plugin
                   and r.jurisdiction == reg.jurisdiction and _period(r) == _period(reg)
                   for r in self._by_kind.get(reg.kind, ()))

    def all(self, kind: str) -> list[Registration]:
        return list(self._by_kind.get(kind, ()))

    def kinds(self) -> list[str]:
        return sorted(self._by_kind)

    def _best(self, candidates: list[Registration], kind: str, key: str, where: str) -> Registration:
        top = max(r.rank for r in candidates)
        best = [r for r in candidates if r.rank == top]
        if len(best) > 1:
            names = ", ".join(sorted(r.plugin for r in best))
            raise RuleConflict(
                f"plugins {names} all register {kind} rule {key!r} for jurisdiction {where} "
                "with the same priority. Fix: uninstall one, or give one item a higher "
                "priority (a field of the rule item, e.g. SubsidyRule(..., priority=10); "
                "register() takes the item only).")
        return best[0]

    def resolve(self, kind: str, key: str, region_code: str, *,
                on: datetime.date | None = None) -> Registration | None:
        """The rule of ``kind`` and ``key`` that applies in ``region_code`` on ``on``, or None:
        the most specific jurisdiction's item in force on ``on``, overlaid on the same rule up
        the chain (``cadre_sdk.plugin_host.overlays``; ``reg.overlay`` says what it inherits). ``on`` is
        required: rule items are dated (``cadre_sdk.core.dating``)."""
        return self.resolve_first(kind, [key], region_code, on=on, _method="resolve")

    def resolve_first(self, kind: str, keys: Iterable[str], region_code: str, *,
                      on: datetime.date | None = None,
                      _method: str = "resolve_first") -> Registration | None:
        """Like ``resolve`` over several keys in order of preference, level by level: a more
        specific jurisdiction's fallback key still beats a less specific one's preferred key."""
        found = self.registered_for(kind, keys, region_code, on, _method=_method)
        if found is None:
            return None
        return self.with_stored_layers(self.overlaid(found, on=on), region_code)

    def registered_for(self, kind: str, keys: Iterable[str], region_code: str,
                       on: datetime.date | None = None, *,
                       _method: str = "registered_for") -> Registration | None:
        """The registered item ``resolve_first`` starts from, not overlaid: of the first level
        (and key) with items in force on ``on``, the one with the latest ``start``."""
        _require_date(on, kind, _method)
        keys = list(keys)
        for code in chain(region_code):
            for key in keys:
                candidates = _in_force([r for r in self._by_kind.get(kind, ()) if r.key == key
                                        and r.jurisdiction == code], on)
                if candidates:
                    return self._best(candidates, kind, key, code)
        return None

    def ancestors(self, reg: Registration, *,
                  on: datetime.date | None = None) -> list[Registration]:
        """The registered items of ``reg``'s kind and key above its jurisdiction in force on
        ``on``, most specific first: what it overrides on that date. A plugin's item at a
        level that also has a built-in default overrides that default the same way (the
        province's own plugin states one value and inherits the rest)."""
        _require_date(on, reg.kind, "ancestors")
        out = []
        for code in chain(reg.jurisdiction):
            level = [r for r in self._by_kind.get(reg.kind, ())
                     if r.key == reg.key and r.jurisdiction == code]
            if code != reg.jurisdiction:
                candidates = _in_force(level, on)
                if not candidates:
                    continue
                out.append(self._best(candidates, reg.kind, reg.key, code))
                if out[-1].builtin:
                    continue
            elif reg.builtin:
                continue
            defaults = _in_force([r for r in level if r.builtin], on)
            if defaults:
                out.append(self._best(defaults, reg.kind, reg.key, code))
        return out

    def overlaid(self, reg: Registration, *, on: datetime.date | None = None) -> Registration:
        """``reg`` with its item overlaid on what it overrides on ``on`` (cached per set of
        items composed)."""
        if reg.kind in CATALOGUE_KINDS:
            return reg
        above = self.ancestors(reg, on=on)
        cache_key = (id(reg), *(id(r) for r in above))
        if cache_key not in self._composed:
            item, how = compose([reg, *above])
            self._composed[cache_key] = attrs.evolve(reg, item=item, overlay=how)
        return self._composed[cache_key]

    def catalogue(self, kind: str, region_code: str = PROVINCE, *,
                  on: datetime.date | None = None) -> dict[str, Registration]:
        """Entries of a catalogue kind in force in ``region_code`` on ``on``: every level on
        the chain contributes; a more specific level's entry replaces a same-coded one above
        it. ``on`` is required except for canned queries (not dated)."""
        _require_date(on, kind, "catalogue")
        out: dict[str, Registration] = {}
        for code in reversed(chain(region_code)):
            level = [r for r in self._by_kind.get(kind, ()) if r.jurisdiction == code]
            for key in dict.fromkeys(r.key for r in level):
                candidates = _in_force([r for r in level if r.key == key], on)
                if candidates:
                    out[key] = self._best(candidates, kind, key, code)
        return out

    def everything(self, kind: str) -> dict[str, Registration]:
        """Every entry of a catalogue kind from every jurisdiction, keyed ``jurisdiction:key``."""
        out = {}
        for reg in self._by_kind.get(kind, ()):
            out.setdefault(f"{reg.jurisdiction}:{reg.key}", reg)
        return out

    def conflicts(self) -> list[tuple[str, str, str, list[str]]]:
        """(kind, key, jurisdiction, plugins) for every claim with no priority between them."""
        found = []
        for kind, regs in sorted(self._by_kind.items()):
            groups: dict[tuple[str, str], list[Registration]] = defaultdict(list)
            for r in regs:
                groups[(r.key, r.jurisdiction)].append(r)
            for (key, where), group in sorted(groups.items()):
                top = max(r.rank for r in group)
                plugins = sorted({r.plugin for r in group if r.rank == top})
                if len(plugins) > 1:
                    found.append((kind, key, where, plugins))
        return found

    def parameter_sets(self) -> dict[str, tuple[str, Any]]:
        """Every parameter file referenced by a registered item: file -> (plugin, Parameters);
        then every stored file (``with_stored``): its name -> (its source, Parameters)."""
        out = {}
        for regs in self._by_kind.values():
            for r in regs:
                params = getattr(r.item, "parameters", None)
                if params is not None:
                    out.setdefault(params.file, (r.plugin, params))
        for layer in self.stored_layers():
            out.setdefault(layer.parameters.file, (layer.source, layer.parameters))
        return out


#: Rule kinds whose items are not dated (``CannedQuery``, ``PublicationThreshold``): looked up
#: without a date.
UNDATED_KINDS = frozenset({"query", "publication_threshold"})


def _require_date(on: datetime.date | None, kind: str, method: str) -> None:
    """A clear error for a lookup of a dated kind without its date (never today's date)."""
    if on is None and kind not in UNDATED_KINDS:
        raise TypeError(f"RuleBook.{method}({kind!r}, ...) needs on=datetime.date: rule items "
                        "are dated (start inclusive, end exclusive), so which one applies "
                        "depends on the date. Pass the date the rule is applied on (the "
                        "library never assumes today; docs/conventions.md lists each engine's "
                        "date).")
    if on is not None and type(on) is not datetime.date:
        raise TypeError(f"RuleBook.{method}(): on must be a datetime.date, not "
                        f"{type(on).__name__} {on!r}")


def _period(reg: Registration) -> tuple:
    return (getattr(reg.item, "start", None), getattr(reg.item, "end", None))


def _in_force(regs: list[Registration], on: datetime.date | None) -> list[Registration]:
    """Of one level's items for one key, those in force on ``on`` (``start <= on < end``) with
    the latest ``start`` (an undated item counts as starting at the beginning of time)."""
    def start(reg: Registration) -> datetime.date:
        return getattr(reg.item, "start", None) or datetime.date.min
    if on is not None:
        regs = [r for r in regs if in_force(r.item, on)]
    latest = max((start(r) for r in regs), default=None)
    return [r for r in regs if start(r) == latest]
