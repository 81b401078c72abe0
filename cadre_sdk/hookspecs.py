"""Hook specifications: every point where a plugin supplies local rules.

Registration hooks (``register_*``) take a ``register`` callback: call ``register(item)`` once
per item. The host checks each item's type, records which plugin (and so which jurisdiction)
registered it, and fails with a ``PluginError`` naming the plugin, the hook and the fix. They
are called once, when the plugin manager is built; they return nothing.

Resolution: rule items (indicator sets, formulas, quotas, subsidy rules, tolerance variants)
are chosen per record by jurisdiction: county over prefecture over province, the built-in
provincial default last. Catalogue items (situations, staffing rules, queries) add up along the
chain. Within one jurisdiction, a higher ``priority`` wins; equal priorities are a conflict that
``cadre rules check`` reports and evaluation refuses.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pluggy

F = TypeVar("F", bound=Callable[..., Any])

hookspec = pluggy.HookspecMarker("cadre_sdk")
hookimpl = pluggy.HookimplMarker("cadre_sdk")


@hookspec
def cadre_jurisdiction() -> str:  # type: ignore[empty-body]
    """Declare the GB/T 2260 code of the jurisdiction this plugin serves (e.g. ``"632800"`` for
    海西州, ``"632801"`` for 格尔木市, ``"630000"`` for the province).

    Called once per plugin when the plugin manager is built. Each plugin answers for itself;
    answers are not combined. A plugin that does not implement it serves the province (630000)
    and so competes with other provincial plugins, never with local ones.
    """


@hookspec
def register_indicators(register: Any) -> None:
    """Register indicator sets with their weights (``cadre_sdk.rules.IndicatorSet``).

    Called once at start-up. ``register(IndicatorSet(...))`` per set: one set per subject
    (个人/班子), unit kind (地方/部门/企业/事业单位/乡镇) and, optionally, functional positioning.
    Weights are dated parameters; on evaluation the weights in force on the assessment year's
    31 December must add up to 100, or evaluation fails naming the plugin.
    Combination: the most specific jurisdiction's set for the unit's region wins; a set for the
    unit's positioning beats the general (``*``) set of the same jurisdiction.
    """


@hookspec
def register_scoring(register: Any) -> None:
    """Register assessment scoring and grading: ``ScoringFormula``, ``GradingRule``,
    ``GradeQuota`` and ``ConsequenceRule`` items (``cadre_sdk.rules``).

    Called once at start-up. Formulas and grading rules are chosen per assessed unit's region
    (county over prefecture over province), so a county can replace the formula or the grading
    thresholds for its own jurisdiction only. Quotas are applied per unit after grading; the
    quota of the unit's most specific jurisdiction applies. Consequence rules add up along the
    chain (a local rule with the same code replaces the provincial one).
    """


@hookspec
def register_subsidy_rules(register: Any) -> None:
    """Register allowance schemes (``SubsidyRule``): the township post subsidy
    (乡镇工作岗位补助), the regional supplementary allowance (地区附加津贴) and the like.

    Called once at start-up. For each cadre, month and scheme, the rule of the township's most
    specific jurisdiction is applied, with the parameter values in force in that month; the
    ledger line records the plugin, the rule and the parameter versions.
    """


@hookspec
def register_tolerance_variants(register: Any) -> None:
    """Register fault-tolerance variants (``ToleranceVariant``): dimensions judged, red lines,
    time limits in working days, accepting bodies, the decision rule; and red-line catalogue
    entries (``RedLine``: code, text, source, status, aliases, case kind).

    Called once at start-up. A case uses the variant of its jurisdiction's most specific level
    for its case kind, falling back to the ``*`` variant of the same level, then up the chain.
    ``RedLine`` entries add up along the chain (a catalogue, like situations): the 触碰红线
    column of a case event must name one of its case's entries, or deny any.
    """


@hookspec
def register_adjustment_situations(register: Any) -> None:
    """Register catalogued situations for up-or-down adjustment (``AdjustmentSituation``).

    Called once at start-up. Catalogues add up along the jurisdiction chain: an adjustment in
    海西州 may cite a provincial situation or one of 海西州's own. A local entry with the same
    code as a provincial one replaces it for that jurisdiction.
    """


@hookspec
def register_staffing_rules(register: Any) -> None:
    """Register staffing rules (``StaffingRule``), checked against career history.

    Called once at start-up; every registered rule is checked, and its breaches listed with
    their evidence. Rules add up; a rule with the same code in a more specific jurisdiction
    replaces the provincial one.
    """


@hookspec
def register_thresholds(register: Any) -> None:
    """Register dated thresholds (``Thresholds``) an engine reads for one concern.

    Called once at start-up. The staffing engine reads its thresholds from the item of concern
    ``staffing`` in force in each region (the unit's region for training coverage, the
    township's for high-altitude care, the cadre's unit's for the candidate pool), as of the
    year concerned: ``training.min_hours_per_year``, ``care.high_altitude_m`` and
    ``candidate_pool.{window_years,min_achievements,excluded_grades,political_tags,
    responsibility_tags,style_tags}``. A local item is overlaid on the provincial one: its
    parameter file states only what it changes. The explanations cite the plugin whose file
    supplied each value.
    """


@hookspec
def register_queries(register: Any) -> None:
    """Register canned queries for the publication (``CannedQuery``), and raised minimum
    group sizes for its public level (``PublicationThreshold``).

    Called once at start-up. Every plugin's queries are published (names must be unique across
    plugins); a query marked ``oversight`` is left out of the public level, and a public one
    reads only what the public level has (aggregates, generalized rows). A threshold applies
    province-wide at the highest value registered; one below the province's is an error.
    """


@hookspec
def register_calendar_years(register: Any) -> None:
    """Register yearly holiday schedules (``cadre_sdk.core.calendar_years.YearSchedule``): one
    year's statutory holidays and make-up working days (调休上班) with the State Council notice
    they come from, for a year the installed ``chinesecalendar`` does not know yet or gets wrong.

    Called once at start-up. ``register(YearSchedule(...))`` per year, or
    ``register(read_year_file(path))`` for a year file shipped with the plugin (format:
    docs/calendar.md). Combination: the calendar is national, so every plugin's years count
    whatever its jurisdiction; for one year a plugin's schedule replaces the package's, a
    higher ``priority`` wins between plugins (a tie is a conflict evaluation refuses), and a
    year file a user added with ``cadre calendar add`` replaces both.
    """


@hookspec
def validate_record(kind: str, record: Any) -> list[str | tuple[str, str]] | None:
    """Check one record before it is stored; return Chinese messages for what is wrong.

    Called by ``cadre load`` for every valid row of every kind, with the record kind (e.g.
    ``"cadre"``) and the attrs record. Return ``None`` or ``[]`` when the record is fine. Each
    item is a message about the record, or a ``(field, message)`` pair (``field``: the
    record's field name, e.g. ``"id_number"``): the error then names the clerk's column for
    that field, as the header is written in their file. A field the record does not have, or
    an item of another shape, is the plugin's error (nothing is written). All
    plugins are asked and their messages are combined; any message rejects the row, and the
    whole load writes nothing. Keep it cheap: it runs once per row (a check of every row of a
    large kind is cheaper as ``validate_records``, once per batch). An implementation marked
    ``@record_kinds("cadre", ...)`` is called for records of those kinds only.
    """


@hookspec
def validate_records(kind: str, columns: Any
                     ) -> list[tuple[int, str] | tuple[int, str, str]] | None:
    """Check a batch of records before they are stored, column by column; return
    ``(row, message)`` pairs (``row``: the position in the batch, from 0; ``message``:
    Chinese, for the clerk) or ``(row, field, message)`` triples (``field``: a key of
    ``columns``, the record's field name: the error then names the clerk's column for it, as
    the header is written in their file) for what is wrong; the two forms may be mixed. A
    field not in ``columns``, a row outside the batch or an item of another shape is the
    plugin's error (nothing is written).

    Called by ``cadre load`` once per batch of valid rows (up to 1,000) of every kind, with the
    record kind and ``columns``: a mapping from each field name of the kind's record to the list
    of that field's values, one per row, in the batch's order (the values the records would
    hold). Return ``None`` or ``[]`` when every row is fine. The same check as a
    ``validate_record`` implementation, without one call and one record per row: for checks
    that run on every row of a large kind. All plugins are asked and their messages are
    combined with ``validate_record``'s (a row's ``validate_record`` messages first); any
    message rejects its row, and the whole load writes nothing. ``CadrePlugins.validate_record``
    asks it about one record as a batch of one. ``@record_kinds`` marks it for some kinds, as
    for ``validate_record``.
    """


def record_kinds(*kinds: str) -> Callable[[F], F]:
    """Mark a ``validate_record`` (or ``validate_records``) implementation as checking records
    of ``kinds`` only: a load of any other kind does not call it (a load calls it once per row
    or batch, so this saves those calls for every other kind). The implementation is unchanged
    otherwise."""
    if not kinds or not all(isinstance(k, str) for k in kinds):
        raise TypeError("record_kinds() takes one or more record kinds, e.g. \"cadre\"")

    def mark(function: F) -> F:
        function.cadre_record_kinds = frozenset(kinds)  # type: ignore[attr-defined]
        return function
    return mark


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``cadre`` CLI.

    Called once when the CLI is built, with the root ``click.Group``; use ``@cli.command()``.
    Every plugin's commands are added; a name already taken is an error naming the plugin.
    """
