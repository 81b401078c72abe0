"""The things plugins register: indicator sets, formulas, quotas, subsidy rules, tolerance
variants, situations, staffing rules, canned queries.

Each rule type has a ``rule_kind`` and a ``key``. For a record in county C of prefecture P, the
rule with the same kind and key registered by C's plugin overrides P's, which overrides the
provincial default (see ``cadre_sdk.plugin_host.rule_book.RuleBook``). Overriding is an *overlay*: the local
item's parameters are merged key by key with those above it, and what it leaves ``None`` is
inherited (``cadre_sdk.plugin_host.overlays``); ``replace=True`` makes an item stand alone. Catalogue
types (situations, staffing rules, queries) are *additive*: every jurisdiction on the chain contributes its entries.

Every rule type but ``CannedQuery`` is dated (``cadre_sdk.core.dating.Dated``: keyword-only ``start``,
inclusive, and ``end``, exclusive): an item applies only on the dates it is in force, and of one
jurisdiction's items for one key the latest ``start`` wins. A canned query is not dated: it is a
view of the publication, not a rule applied on a date (the rows it shows carry their own dates).
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, ClassVar

import attrs

from cadre_sdk.core.dating import Dated
from cadre_sdk.core.trace import Trace, parameter_record
from cadre_sdk.core.calendar_years import YearSchedule, read_year_file  # noqa: F401  (public: register_calendar_years)
from cadre_sdk.parameters import STATUSES, Parameters
from cadre_sdk.records.rule_inputs import (  # noqa: F401  (public: what rule functions receive)
    AssessmentInputs, CaseInputs, Entitlement, IndicatorLine, TargetSummary, Votes,
)


def _tuple(value: Any) -> tuple:
    return tuple(value)


#: A catalogue entry's status: one of ``parameters.STATUSES`` (None: not stated, which
#: ``cadre rules check`` reports).
_STATUS = attrs.validators.optional(attrs.validators.in_(STATUSES))


@attrs.frozen
class Indicator:
    """One assessment indicator; its weight is the dated parameter at ``weight``."""

    code: str
    name: str
    weight: str
    description: str = ""


@attrs.frozen
class IndicatorSet(Dated):
    """Indicators and weights for one subject (个人/班子) of one unit kind, optionally narrowed to
    one functional positioning (功能定位). Weights are percentages that must add up to 100.
    Overriding a set merges ``indicators`` by code (``merge_by``): a county stating two
    weights keeps its prefecture's other indicators, their weights read from the merged files."""

    rule_kind: ClassVar[str] = "indicators"
    unit_kind: str
    indicators: tuple[Indicator, ...] = attrs.field(converter=_tuple,
                                                    metadata={"merge_by": "code"})
    parameters: Parameters
    subject: str = "个人"
    positioning: str | None = None
    priority: int = 0
    #: True: this item is the whole rule and inherits nothing (``cadre_sdk.plugin_host.overlays``).
    replace: bool = attrs.field(default=False, kw_only=True)
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.subject}:{self.unit_kind}:{self.positioning or '*'}"


@attrs.frozen
class ScoringFormula(Dated):
    """The annual score of one subject (个人/班子) from its inputs.

    ``compute(inputs, ctx) -> float`` gets an ``AssessmentInputs`` and a ``RuleContext``; it
    records its steps with ``ctx.step`` and reads parameters with ``ctx.param``."""

    rule_kind: ClassVar[str] = "scoring"
    subject: str
    compute: Callable[..., float]
    parameters: Parameters | None = None
    priority: int = 0
    #: True: this item is the whole rule and inherits nothing (``cadre_sdk.plugin_host.overlays``).
    replace: bool = attrs.field(default=False, kw_only=True)
    name: str = ""

    @property
    def key(self) -> str:
        return self.subject


@attrs.frozen
class GradingRule(Dated):
    """The grade from a score: ``grade(score, inputs, ctx) -> str`` (优秀/称职/基本称职/不称职),
    before the unit's quota on 优秀 is applied."""

    rule_kind: ClassVar[str] = "grading"
    subject: str
    grade: Callable[..., str]
    parameters: Parameters | None = None
    priority: int = 0
    #: True: this item is the whole rule and inherits nothing (``cadre_sdk.plugin_host.overlays``).
    replace: bool = attrs.field(default=False, kw_only=True)
    name: str = ""

    @property
    def key(self) -> str:
        return self.subject


@attrs.frozen
class GradeQuota(Dated):
    """A cap on one grade's share of those assessed in a unit (default: 优秀 ≤ 15%).

    ``share`` is the parameter path of the ratio; ``rounding`` is ``floor`` (the default:
    never exceed the cap) or ``round``; ``minimum`` is the number always allowed, so that small
    units are not shut out entirely (0 by default: a unit of 3 with 15% gets none)."""

    rule_kind: ClassVar[str] = "grade_quota"
    grade: str
    share: str
    parameters: Parameters
    rounding: str = attrs.field(default="floor",
                                validator=attrs.validators.in_(("floor", "round", "ceil")))
    minimum: str | None = None
    priority: int = 0
    #: True: this item is the whole rule and inherits nothing (``cadre_sdk.plugin_host.overlays``).
    replace: bool = attrs.field(default=False, kw_only=True)
    name: str = ""

    @property
    def key(self) -> str:
        return self.grade


@attrs.frozen
class ConsequenceRule(Dated):
    """A named consequence of assessment history (e.g. 三年连续优秀 → 优先选拔).

    ``applies(history, ctx) -> str | None`` gets the cadre's annual grades by year (a dict,
    newest last) and returns a Chinese reason when the consequence applies. It must depend only
    on ``history`` and ``ctx``: cadres with equal histories share one call (and its steps)."""

    rule_kind: ClassVar[str] = "consequence"
    code: str
    title: str
    applies: Callable[..., str | None]
    parameters: Parameters | None = None
    priority: int = 0

    @property
    def key(self) -> str:
        return self.code


@attrs.frozen
class SubsidyRule(Dated):
    """One allowance scheme's monthly amount: ``compute(entitlement, ctx) -> float | None``.

    Lines combine by scheme: for each cadre and month, the most specific jurisdiction's rule of
    each scheme applies. ``entitlement`` is a ``cadre_sdk.engines.subsidies.engine.Entitlement``;
    ``compute`` must depend only on it and ``ctx``: entitlements of one month that agree on
    every field ``compute`` reads share one call (its steps included). Return
    0 with a reason step when nothing is paid, None when the scheme does not apply."""

    rule_kind: ClassVar[str] = "subsidy"
    scheme: str
    compute: Callable[..., float | None] | None = None   # None: inherited (overlay)
    parameters: Parameters | None = None
    priority: int = 0
    #: True: this item is the whole rule and inherits nothing (``cadre_sdk.plugin_host.overlays``).
    replace: bool = attrs.field(default=False, kw_only=True)
    name: str = ""

    @property
    def key(self) -> str:
        return self.scheme


@attrs.frozen
class ToleranceVariant(Dated):
    """How a jurisdiction runs fault tolerance for a kind of case (``case_kind`` "*" = all).

    ``dimensions``: the dimensions judged (the 7 of the provincial rule plus local extras);
    ``red_lines``: situations never tolerated; ``time_limits``: procedure step -> parameter path
    of a limit in working days (unit ``workdays``) or calendar days (unit ``days``); a
    calendar-day limit whose last day is a statutory holiday or rest day ends on the next
    working day (民法典 第二百零三条) unless its step is in ``strict_calendar_days`` (the
    strict reading, for rules that say so); ``accepting_body(case, ctx) -> str``: who accepts
    the case; ``decide(findings, red_line, ctx) -> str``: 容错/部分容错/不予容错. What is left
    ``None`` (``dimensions`` too) is inherited from the variant it overrides, up to the core
    rule. ``start``/``end`` date a variant (``cadre_sdk.core.dating.Dated``): dimensions, red lines
    and case kinds can change on a date; a case uses the variants in force on the date it was
    filed."""

    rule_kind: ClassVar[str] = "tolerance"
    parameters: Parameters
    dimensions: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_tuple))
    red_lines: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    time_limits: dict[str, str] = attrs.Factory(dict)
    accepting_body: Callable[..., str] | None = None
    decide: Callable[..., str] | None = None
    case_kind: str = "*"
    priority: int = 0
    #: True: this item is the whole rule and inherits nothing (``cadre_sdk.plugin_host.overlays``).
    replace: bool = attrs.field(default=False, kw_only=True)
    name: str = ""
    strict_calendar_days: frozenset[str] = attrs.field(converter=frozenset, default=frozenset())

    @property
    def key(self) -> str:
        return self.case_kind


@attrs.frozen
class AdjustmentSituation(Dated):
    """One catalogued situation for adjustment (不适宜担任现职 or 问责)."""

    rule_kind: ClassVar[str] = "situation"
    code: str
    title: str
    category: str
    source: str
    actions: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    priority: int = 0
    status: str | None = attrs.field(default=None, validator=_STATUS)

    @property
    def key(self) -> str:
        return self.code


@attrs.frozen
class RedLine(Dated):
    """One red line (触碰红线): a situation never tolerated, whatever the 7 judgements say.

    Red lines are a catalogue, like situations: the province's entries plus those of the
    prefecture and county of a case (``case_kind`` narrows a local one to one kind of case).
    The 触碰红线 column of a 认定 event takes an entry's ``code``, its ``text`` or one of its
    ``aliases``; ``source`` cites where it comes from and ``status`` says what it is
    (official / analogy / example / unverified). Registered through
    ``register_tolerance_variants``."""

    rule_kind: ClassVar[str] = "red_line"
    code: str
    text: str
    source: str
    status: str | None = attrs.field(default=None, validator=_STATUS)
    aliases: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    case_kind: str = "*"
    priority: int = 0

    @property
    def key(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.text


@attrs.frozen
class StaffingRule(Dated):
    """A staffing rule checked against career history. ``sql`` selects the breaches with columns
    ``unit_code``, ``evidence`` (Chinese); it runs on the store database. ``advisory`` marks a
    check whose findings are listed for review (提示, e.g. a rule the policy says applies
    "generally") rather than breaches (违反)."""

    rule_kind: ClassVar[str] = "staffing"
    code: str
    title: str
    sql: str
    source: str = ""
    priority: int = 0
    advisory: bool = False

    @property
    def key(self) -> str:
        return self.code


@attrs.frozen
class CannedQuery:
    """A named query of the publication, with a Chinese title. ``level`` is the lowest access
    level that may see it (``public`` or ``oversight``); named parameters are ``:name``."""

    rule_kind: ClassVar[str] = "query"
    name: str
    title: str
    sql: str
    description: str = ""
    level: str = attrs.field(default="public",
                             validator=attrs.validators.in_(("public", "oversight")))
    priority: int = 0
    #: Indexes the query needs in the publication, each ``"table(column, expression, ...)"``
    #: (for example one whose order is the query's ORDER BY, so that a page reads only its
    #: rows), or a partial index ``"table(column, ...) WHERE condition"`` (the query must
    #: state the condition itself for SQLite to use it); created when the query is published
    #: and its table is.
    indexes: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    @property
    def key(self) -> str:
        return self.name


#: The names of the publication thresholds and the parameter path of each provincial value.
PUBLICATION_THRESHOLD_NAMES = ("min_raters", "min_count", "min_average_group", "k_anonymity")
PUBLICATION_THRESHOLD_PATH = "publication.{name}"
#: Each publication threshold's Chinese name (its title in 规则清单, errors, the
#: publication's facts).
PUBLICATION_THRESHOLD_TITLES = {
    "min_raters": "测评票数公开的最少参评人数",
    "min_count": "人数单元格公开的最少人数",
    "min_average_group": "平均数、比例、金额背后的最少干部人数",
    "k_anonymity": "概化记录中准标识符组合的最少共有人数（k）",
}


@attrs.frozen
class PublicationThreshold:
    """A minimum group size for what the public level shows (``cadre_sdk.publish.thresholds``):
    ``name`` is ``min_raters``, ``min_count``, ``min_average_group`` or ``k_anonymity``.
    The provincial values are dated parameters (``parameters`` and ``path``); a local plugin
    registers a plain ``value`` to raise one, never to lower it (publishing refuses a lower
    value, naming the plugin). Registered through ``register_queries``."""

    rule_kind: ClassVar[str] = "publication_threshold"
    name: str
    value: int | None = None
    reference: str = ""
    parameters: Parameters | None = None
    path: str | None = None
    priority: int = 0

    @property
    def key(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        """The threshold's Chinese name (规则清单 shows it, not ``name``)."""
        return PUBLICATION_THRESHOLD_TITLES.get(self.name, self.name)


@attrs.frozen
class Thresholds(Dated):
    """Dated thresholds an engine reads for one concern (``concern``: ``staffing`` for the
    staffing engine's views: ``training.min_hours_per_year``, ``care.high_altitude_m``,
    ``candidate_pool.*``), from ``parameters``. Resolved by jurisdiction like any rule item and
    overlaid on the items up the chain: a county's file states only the thresholds it changes
    and inherits the rest (``replace=True`` to stand alone)."""

    rule_kind: ClassVar[str] = "thresholds"
    concern: str
    parameters: Parameters | None = None
    name: str = ""
    priority: int = 0
    replace: bool = False

    @property
    def key(self) -> str:
        return self.concern


RULE_TYPES: tuple[type, ...] = (
    IndicatorSet, ScoringFormula, GradingRule, GradeQuota, ConsequenceRule, SubsidyRule,
    ToleranceVariant, AdjustmentSituation, StaffingRule, CannedQuery, RedLine,
    PublicationThreshold, Thresholds,
)


@attrs.define
class RuleContext:
    """What a rule function gets besides its inputs: the date, the trace, and parameter reads
    that are recorded in the explanation with the plugin that supplied them."""

    rule: Any
    plugin: str
    jurisdiction: str
    on: datetime.date
    trace: Trace
    #: Parameters already read at ``on`` by this rule (path -> ``parameter_record``): an engine
    #: running one rule for many subjects on one date passes the same (at first empty) dict to
    #: each context, so that a path is looked up once. Every read is still recorded in the trace.
    reads: dict[str, tuple] | None = attrs.field(default=None, repr=False, eq=False)

    def param(self, path: str, on: datetime.date | None = None) -> Any:
        """The value of the rule's parameter ``path`` in force on the evaluation date."""
        if on is None and self.reads is not None:
            record = self.reads.get(path)
            if record is None:
                params = self._parameters(path)
                value = params.at(path, self.on)
                record = self.reads[path] = parameter_record(value,
                                                             self._supplier(params, value))
            return self.trace.cite(record)
        params = self._parameters(path)
        value = params.at(path, on or self.on)
        return self.trace.parameter(value, self._supplier(params, value))

    def where(self, path: str) -> str:
        """``file:line`` of the value of ``path`` in force on the evaluation date, for a rule
        function's message about a value it cannot use (``cadre_sdk.formulas.bands``)."""
        value = self._parameters(path).at(path, self.on)
        return f"{value.file}:{value.line}"

    def _supplier(self, params: Any, value: Any) -> str:
        # An overlay's value may come from an ancestor's file: cite the plugin that has it.
        plugin_of = getattr(params, "plugin_of", None)
        return (plugin_of(value) or self.plugin) if plugin_of else self.plugin

    def _parameters(self, path: str) -> Parameters:
        params = getattr(self.rule, "parameters", None)
        if params is None:
            from cadre_sdk.core.errors import PluginError

            raise PluginError(self.plugin, self.rule.rule_kind,
                              f"rule {self.rule.key!r} reads parameter {path!r} but has no "
                              "parameters", "pass parameters=load_parameters(...) when registering")
        return params

    def step(self, label: str, value: Any, formula: str = "") -> Any:
        return self.trace.step(label, value, formula)

    def input(self, label: str, value: Any) -> Any:
        return self.trace.input(label, value)
