"""Standard rule functions and builders for plugin authors (public API).

Every rule function here reads its numbers with ``ctx.param(path)`` from the parameters of the
rule it is registered with. So a prefecture reuses a provincial formula by registering it with
*its own* parameter file that has the same paths, and the explanation then cites the
prefecture's values, dates and references. The functions are the provincial defaults' own
(re-exported, not copied): a fix there is a fix everywhere.

Parameter paths each function reads (``docs/plugin-guide.md`` has a full example file):

==================================  =========================================================
function                            parameter paths
==================================  =========================================================
``weighted_score``                  ``formula.score_decimals``;
  (``ScoringFormula.compute``)      ``formula.vote_points.{excellent,competent,basic,incompetent}``;
                                    ``formula.routine_points.{good,fairly_good,average,poor}``;
                                    ``formula.{individual,team}.weights.{indicators,democratic,
                                    reverse,interview,routine,targets}``
``threshold_grade``                 ``grading.{excellent_min,competent_min,basic_min}``,
  (``GradingRule.grade``)           ``grading.poor_quarter_blocks_excellent``
``incompetent_this_year``           (none)
``excellent_streak``                ``consequences.excellent_years``
``basic_streak``                    ``consequences.basic_years``
``township_post_subsidy``           ``township_post.{min_days,tiers,especially_hard_bonus}``
``township_post_with_altitude``     the above and ``township_post.altitude_supplement``
``regional_allowance``              ``regional_allowance.class_1`` … ``class_6``
``accepting_body_by_level``         ``tolerance.accepting_body.{department_bureau,
                                    county_division,township_section,other}``
``tolerance_decision``              ``tolerance.decision.{decisive_dimensions,max_unfavourable}``
==================================  =========================================================

Builders (called once, when a plugin registers its rules):

- ``indicator_sets(parameters, positioning=..., unit_kinds=..., root=...)``: ``IndicatorSet``
  items whose indicators are the leaves under ``<root>.<unit kind>`` (or
  ``<root>.<subject>.<unit kind>``) in the file, named by each leaf's ``description``.
- ``tolerance_variant(parameters, case_kind=..., extra_dimensions=..., red_lines=...)``: a
  ``ToleranceVariant`` that sets only what the file sets (time limits, accepting bodies,
  decision rule, extra dimensions) and inherits the rest from the jurisdictions above.
- ``situations_from_csv(path)``: ``AdjustmentSituation`` items from a catalogue CSV in the
  provincial format (``code,title,category,source,actions``).
- ``subsidy_rules(parameters)``: a ``SubsidyRule`` for each scheme the file has
  (``township_post``, ``regional_allowance``), inheriting what the file does not state.
- ``LocalPlugin(__name__, jurisdiction, parameter_file, ...)``: a whole plugin built from a
  parameter file in the standard layout (see its docstring), plus any rule items of your own.
"""
from __future__ import annotations

import csv
import os

import attrs
from collections.abc import Callable
from typing import Any

from cadre_sdk.formulas.assessment import (
    SUBJECT_KEYS, basic_streak, excellent_streak, incompetent_this_year, round_half_up, streak,
    threshold_grade, weighted_score,
)
from cadre_sdk.formulas.subsidies import (
    REGIONAL, TOWNSHIP_POST, regional_allowance, township_post_subsidy,
)
from cadre_sdk.formulas.subsidies import bands as checked_bands
from cadre_sdk.formulas.tolerance import TIME_LIMITS
from cadre_sdk.formulas.tolerance import accepting_body as accepting_body_by_level
from cadre_sdk.formulas.tolerance import decide as tolerance_decision
from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.core.jurisdiction import is_code
from cadre_sdk.parameters import STATUSES, Parameters, load_parameters
from cadre_sdk.plugin_host.rule_book import REGISTRATION_HOOKS
from cadre_sdk.records import vocab
from cadre_sdk.rules import (
    AdjustmentSituation, Indicator, IndicatorSet, RedLine, RuleContext, SubsidyRule,
    ToleranceVariant,
)

__all__ = [
    "SUBJECT_KEYS", "UNIT_KIND_KEYS", "DIMENSIONS", "TIME_LIMITS",
    "TOWNSHIP_POST", "REGIONAL",
    "weighted_score", "threshold_grade", "round_half_up", "streak", "incompetent_this_year",
    "excellent_streak", "basic_streak",
    "township_post_subsidy", "township_post_with_altitude", "regional_allowance",
    "accepting_body_by_level", "tolerance_decision",
    "indicator_sets", "tolerance_variant", "situations_from_csv", "SITUATION_COLUMNS",
    "subsidy_rules", "LocalPlugin",
]

#: The 7 dimensions of the provincial rule (7个研判), in order.
DIMENSIONS: tuple[str, ...] = vocab.DIMENSIONS

#: The columns of a situation catalogue CSV, in order.
SITUATION_COLUMNS = ("code", "title", "category", "source", "actions")

#: Unit kind (单位类别) -> the key of its node in parameter files (``locality`` …).
UNIT_KIND_KEYS: dict[str, str] = {zh: en for en, zh in vocab.UNIT_KIND.items()}

_LEVEL_KEYS = ("department_bureau", "county_division", "township_section", "other")
_DECISION_PATHS = ("tolerance.decision.decisive_dimensions", "tolerance.decision.max_unfavourable")
_CATEGORIES = ("不适宜担任现职", "问责")


def township_post_with_altitude(ent: Any, ctx: RuleContext) -> float:
    """乡镇工作岗位补助 as ``township_post_subsidy`` computes it, plus a high-altitude
    supplement when anything is paid: the ``monthly_yuan`` of the highest band of
    ``township_post.altitude_supplement`` (a list of ``{min_altitude_m, monthly_yuan}``) that
    the paying township's altitude (``海拔``) reaches. No supplement when the altitude is not
    recorded or is below every band."""
    base = township_post_subsidy(ent, ctx)
    if not base:
        return base
    if ent.altitude_m is None:
        ctx.step("乡镇未填写海拔，不加发高海拔补助", 0)
        return base
    bands = [b for b in checked_bands(ctx, "township_post.altitude_supplement",
                                      ("min_altitude_m", "monthly_yuan"))
             if b["min_altitude_m"] <= ent.altitude_m]
    if not bands:
        ctx.step(f"海拔 {ent.altitude_m} 米，低于高海拔补助的最低档，不加发", 0)
        return base
    band = max(bands, key=lambda b: b["min_altitude_m"])
    extra = ctx.step(f"海拔 {ent.altitude_m} 米，达到 {band['min_altitude_m']} 米档，加发高海拔补助",
                     band["monthly_yuan"])
    return ctx.step("本月补助（含高海拔补助）", float(base + extra), f"{base:g} + {extra}")


#: The parameters beyond the provincial file's that it reads (``cadre rules check`` tells a
#: parameter nothing reads from one a standard formula does).
township_post_with_altitude.reads = ("township_post.altitude_supplement",)  # type: ignore[attr-defined]


def _is_node(parameters: Parameters, path: str) -> bool:
    # not by catching ``node``'s error: its message looks for close matches (difflib, ~0.1 s
    # CPU of every command's start-up over the plugins' indicator sets)
    return parameters.has_node(path)


def _example_tag(parameters: Parameters, prefix: str) -> str:
    """``（示例）`` when any value under ``prefix`` is marked ``example: true``."""
    examples = any(pv.example for path, values in parameters.leaves()
                   if path == prefix or path.startswith(prefix + ".") for pv in values)
    return "（示例）" if examples else ""


def _indicator_node(parameters: Parameters, root: str, subject: str, kind: str) -> str | None:
    """The parameter node holding one set's weights: per subject, else shared by both."""
    for path in (f"{root}.{SUBJECT_KEYS[subject]}.{UNIT_KIND_KEYS[kind]}",
                 f"{root}.{UNIT_KIND_KEYS[kind]}"):
        if _is_node(parameters, path):
            return path
    return None


def indicator_sets(parameters: Parameters, *, positioning: str | None = None,
                   unit_kinds: tuple[str, ...] | None = None,
                   subjects: tuple[str, ...] = ("个人", "班子"), root: str = "indicators",
                   priority: int = 0, title: str = "") -> list[IndicatorSet]:
    """Indicator sets read from the structure of a parameter file.

    For each subject (个人/班子) and unit kind (地方/部门/企业/事业单位/乡镇; default: every kind the
    file has), the weights are the leaves under ``<root>.<subject key>.<kind key>`` or, when the
    file gives one set for both subjects, ``<root>.<kind key>`` (keys: ``individual``/``team``;
    ``locality``/``department``/``enterprise``/``institution``/``township``). Each leaf is an
    indicator: its name is the leaf's ``description``, its code the leaf's name (the
    ``指标代码`` clerks write). ``positioning`` narrows the sets to units of that functional
    positioning (功能定位); None makes them the jurisdiction's general (``*``) sets. ``title``
    (e.g. 果洛州) starts each set's name.
    """
    kinds = unit_kinds or tuple(k for k in UNIT_KIND_KEYS
                                if any(_indicator_node(parameters, root, s, k) for s in subjects))
    leaves = dict(parameters.leaves())
    out = []
    for subject in subjects:
        for kind in kinds:
            if kind not in UNIT_KIND_KEYS:
                raise ValueError(f"unknown unit kind {kind!r}; use one of "
                                 f"{', '.join(UNIT_KIND_KEYS)}")
            node = _indicator_node(parameters, root, subject, kind)
            if node is None:
                raise ValueError(f"{parameters.file} has no node {root}.{UNIT_KIND_KEYS[kind]} "
                                 f"(or {root}.{SUBJECT_KEYS[subject]}.{UNIT_KIND_KEYS[kind]}) "
                                 f"with the weights of the {kind} indicator set")
            codes = [c for c in parameters.node(node).children() if f"{node}.{c}" in leaves]
            indicators = tuple(Indicator(code=c, name=leaves[f"{node}.{c}"][0].description or c,
                                         weight=f"{node}.{c}") for c in codes)
            label = f"（{positioning}）" if positioning else ""
            out.append(IndicatorSet(unit_kind=kind, subject=subject, indicators=indicators,
                                    parameters=parameters, positioning=positioning,
                                    priority=priority, name=f"{title}{kind}{subject}考核指标{label}"
                                    f"{_example_tag(parameters, node)}"))
    return out


def subsidy_rules(parameters: Parameters, *, title: str = "", priority: int = 0,
                  replace: bool = False) -> list[SubsidyRule]:
    """A ``SubsidyRule`` for each scheme whose node the file has: ``township_post`` →
    乡镇工作岗位补助, ``regional_allowance`` → 地区附加津贴.

    Each rule sets only what the file sets (an overlay, ``cadre_sdk.plugin_host.overlays``): the file's
    values are merged key by key with those of the jurisdictions above, and the formula is
    inherited, except that a file with ``township_post.altitude_supplement`` gets
    ``township_post_with_altitude``. So a county file that states only ``township_post.tiers``
    keeps its prefecture's ``min_days``, ``especially_hard_bonus``, altitude supplement and
    formula. ``replace=True`` makes each rule stand alone with the standard formula
    (``township_post_subsidy`` / ``township_post_with_altitude``, ``regional_allowance``): the
    file must then have every value it reads."""
    out = []
    if _is_node(parameters, "township_post"):
        altitude = parameters.has("township_post.altitude_supplement")
        compute = township_post_with_altitude if altitude else \
            township_post_subsidy if replace else None
        out.append(SubsidyRule(
            scheme=TOWNSHIP_POST, parameters=parameters, priority=priority, compute=compute,
            replace=replace,
            name=f"{title}{TOWNSHIP_POST}{'（含高海拔补助）' if altitude else ''}"
                 f"{_example_tag(parameters, 'township_post')}"))
    if _is_node(parameters, "regional_allowance"):
        out.append(SubsidyRule(scheme=REGIONAL, parameters=parameters, priority=priority,
                               compute=regional_allowance if replace else None, replace=replace,
                               name=f"{title}{REGIONAL}"
                               f"{_example_tag(parameters, 'regional_allowance')}"))
    return out


def tolerance_variant(parameters: Parameters, *, case_kind: str = "*",
                      extra_dimensions: tuple[str, ...] = (), red_lines: tuple[str, ...] = (),
                      name: str = "", title: str = "", priority: int = 0,
                      replace: bool = False) -> ToleranceVariant:
    """A fault-tolerance variant that sets what its parameter file sets and inherits the rest
    from the variant it overrides up the chain (an overlay, ``cadre_sdk.plugin_host.overlays``):

    - time limits: each step of ``TIME_LIMITS`` whose path (``tolerance.limits.accept`` …) the
      file has; other steps keep the limits of the jurisdictions above;
    - accepting bodies by cadre level (``accepting_body_by_level``) when the file has all four
      ``tolerance.accepting_body.*`` values, else the function above, reading the file's values
      merged with those above;
    - the decision rule ``tolerance_decision`` when the file has both ``tolerance.decision.*``
      values, else the rule above, again reading merged values (e.g. a county changing only
      ``max_unfavourable`` keeps its prefecture's decisive dimensions);
    - dimensions: the provincial 7 plus ``extra_dimensions`` when there are extras, else those
      of the variant above; ``red_lines``: local extras (every level's red lines apply).

    ``replace=True``: the variant stands alone (still completed by the provincial default for
    what it leaves unset, and the province's red lines still apply).
    ``name`` defaults to ``<title>容错纠错（<case kind>）``, tagged （示例） when the file's
    tolerance values are examples.
    """
    bodies = all(parameters.has(f"tolerance.accepting_body.{k}") for k in _LEVEL_KEYS)
    decision = all(parameters.has(p) for p in _DECISION_PATHS)
    kinds = "各类案件" if case_kind == "*" else f"{case_kind}类案件"
    name = name or f"{title}容错纠错（{kinds}）{_example_tag(parameters, 'tolerance')}"
    dimensions = DIMENSIONS + tuple(extra_dimensions) if extra_dimensions or replace else None
    return ToleranceVariant(
        parameters=parameters, dimensions=dimensions,
        red_lines=red_lines, case_kind=case_kind, priority=priority, name=name, replace=replace,
        time_limits={step: path for step, path in TIME_LIMITS.items() if parameters.has(path)},
        accepting_body=accepting_body_by_level if bodies else None,
        decide=tolerance_decision if decision else None)


def _situation_problem(values: dict[str, str], actions: tuple[str, ...],
                       seen: dict[str, int]) -> str | None:
    """What is wrong with one catalogue row, or None."""
    missing = [k for k in SITUATION_COLUMNS[:4] if not values[k]]
    if missing:
        return f"empty {', '.join(missing)}"
    if values["category"] not in _CATEGORIES:
        return f"category {values['category']!r} is not one of {'/'.join(_CATEGORIES)}"
    unknown = sorted(set(actions) - set(vocab.ADJUSTMENT_ACTION.values()))
    if unknown:
        return f"unknown actions {unknown}; allowed: {'、'.join(vocab.ADJUSTMENT_ACTION.values())}"
    if values["code"] in seen:
        return f"code {values['code']!r} repeats line {seen[values['code']]}"
    return None


def situations_from_csv(path: str | os.PathLike[str]) -> list[AdjustmentSituation]:
    """Situations for up-or-down adjustment from a UTF-8 CSV file with the header
    ``code,title,category,source,actions``: one row per situation; ``category`` is
    不适宜担任现职 or 问责; ``source`` cites the document and article; ``actions`` lists the
    adjustment methods it allows, separated by 、 (empty: any). A bad row is a ``ValueError``
    naming the file and line."""
    out: list[AdjustmentSituation] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        if header not in (SITUATION_COLUMNS, SITUATION_COLUMNS + ("status",)):
            raise ValueError(f"{path}:1: the header must be {','.join(SITUATION_COLUMNS)} "
                             f"(optionally ,status), not {','.join(header)}")
        for row in reader:
            values = {k: (row.get(k) or "").strip() for k in SITUATION_COLUMNS}
            actions = tuple(a for a in values["actions"].split("、") if a)
            problem = _situation_problem(values, actions, seen)
            if problem:
                raise ValueError(f"{path}:{reader.line_num}: {problem}")
            seen[values["code"]] = reader.line_num
            status = (row.get("status") or "").strip() or None
            if status is not None and status not in STATUSES:
                raise ValueError(f"{path}:{reader.line_num}: status {status!r} is not one of "
                                 f"{', '.join(STATUSES)}")
            out.append(AdjustmentSituation(code=values["code"], title=values["title"],
                                           category=values["category"],
                                           source=values["source"], actions=actions,
                                           status=status))
    return out


def local_red_lines(red_lines: tuple[str | RedLine, ...], jurisdiction: str, case_kind: str,
                    source: str) -> list[RedLine]:
    """Red-line catalogue entries from a plugin's ``red_lines``: ``RedLine`` items as given (for
    ``case_kind`` when they say ``*``), bare texts as entries coded ``<jurisdiction>-NN`` with
    ``source`` and no status (``cadre rules check`` asks for one)."""
    out = []
    for n, line in enumerate(red_lines, 1):
        if isinstance(line, RedLine):
            out.append(line if line.case_kind != "*" else attrs.evolve(line, case_kind=case_kind))
        else:
            out.append(RedLine(code=f"{jurisdiction}-{n:02d}", text=line, source=source,
                               case_kind=case_kind))
    return out


def _hook_for(item: Any) -> str:
    """The registration hook that accepts ``item``."""
    for hook, accepts in REGISTRATION_HOOKS.items():
        if isinstance(item, accepts):
            return hook
    raise TypeError(f"{type(item).__name__} is not a rule item of cadre_sdk.rules")


def _registering(items: tuple[Any, ...]) -> Callable[[Callable[[Any], Any]], None]:
    @hookimpl
    def register_items(register: Callable[[Any], Any]) -> None:
        for item in items:
            register(item)
    return register_items


class LocalPlugin:
    """A plugin for one jurisdiction, built from a parameter file in the standard layout
    (``docs/plugin-guide.md``). What the file has decides what is registered:

    - ``indicators``: a child named by a unit kind (``locality`` …, or a subject ``individual``
      / ``team``) holds the jurisdiction's general indicator sets; any other child names a
      functional positioning, e.g. ``indicators.生态保护.township.shengtai`` is the weight of
      生态保护成效 for townships positioned 生态保护 (``indicator_sets``);
    - ``township_post``, ``regional_allowance``: the allowance schemes (``subsidy_rules``);
    - ``tolerance``: one fault-tolerance variant for ``case_kind``, judged on the 7 dimensions
      plus ``extra_dimensions``, with local ``red_lines`` (``tolerance_variant``; each also a
      red-line catalogue entry for ``case_kind``: give ``RedLine`` items with code, source and
      status, or bare texts, see ``local_red_lines``); also made
      without a ``tolerance`` node when any of those three is given (it then sets no number;
      name it with ``variant_name``, saying whether it is an example).

    ``situations`` is a catalogue CSV (relative to the parameter file, ``situations_from_csv``);
    ``rules`` are any other rule items (a ``GradingRule`` …), each registered through the hook
    that accepts it. ``title`` (e.g. 果洛州) starts the Chinese names of the rules.

    The subsidy rules and the tolerance variant are overlays: they state what the file states
    and inherit the rest from the jurisdictions above (``cadre_sdk.plugin_host.overlays``);
    ``replace=True`` makes them stand alone instead.

    ``name`` is the plugin's name when it is registered in code: pass ``__name__``. Installed,
    the entry point names it: ``guoluo = "cadre_guoluo.plugin:plugin"``.
    """

    def __init__(self, name: str, jurisdiction: str,
                 parameters: Parameters | str | os.PathLike[str], *, title: str,
                 case_kind: str = "*", extra_dimensions: tuple[str, ...] = (),
                 red_lines: tuple[str | RedLine, ...] = (), variant_name: str = "",
                 situations: str | os.PathLike[str] | None = None,
                 rules: tuple[Any, ...] | list[Any] = (), replace: bool = False):
        if not (isinstance(jurisdiction, str) and is_code(jurisdiction) and len(jurisdiction) == 6):
            raise ValueError(f"{name}: jurisdiction must be a 6-digit GB/T 2260 code, "
                             f"not {jurisdiction!r}")
        self.__name__ = name
        self.jurisdiction = jurisdiction
        self.parameters = (parameters if isinstance(parameters, Parameters)
                           else load_parameters(parameters))
        params = self.parameters
        items: list[Any] = []
        if _is_node(params, "indicators"):
            children = params.node("indicators").children()
            layout = set(UNIT_KIND_KEYS.values()) | set(SUBJECT_KEYS.values())
            if layout & set(children):
                items += indicator_sets(params, title=title)
            for child in children:
                if child not in layout:
                    items += indicator_sets(params, positioning=child, title=title,
                                            root=f"indicators.{child}")
        items += subsidy_rules(params, title=title, replace=replace)
        lines = local_red_lines(red_lines, jurisdiction, case_kind, f"{title}本地规则（插件 {name}）")
        if _is_node(params, "tolerance") or extra_dimensions or red_lines or case_kind != "*":
            items.append(tolerance_variant(params, case_kind=case_kind, title=title,
                                           extra_dimensions=extra_dimensions,
                                           red_lines=tuple(r.text for r in lines),
                                           name=variant_name, replace=replace))
        items += lines
        if situations is not None:
            items += situations_from_csv(os.path.join(os.path.dirname(params.file), situations))
        items += list(rules)
        self.items = tuple(items)

        @hookimpl
        def cadre_jurisdiction() -> str:
            return jurisdiction

        self.cadre_jurisdiction = cadre_jurisdiction
        by_hook: dict[str, list[Any]] = {}
        if situations is not None:  # listed even while the catalogue file has no rows yet
            by_hook["register_adjustment_situations"] = []
        for item in self.items:
            by_hook.setdefault(_hook_for(item), []).append(item)
        for hook, hooked in by_hook.items():
            setattr(self, hook, _registering(tuple(hooked)))

    def __repr__(self) -> str:
        return f"LocalPlugin({self.__name__!r}, {self.jurisdiction!r}, {len(self.items)} rules)"
