"""``cadre plugins`` and ``cadre rules``: what is installed, and whether its rules agree."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import click

from cadre_sdk.cli.commands.env import Env, pass_env
from cadre_sdk.cli.dates import DAY
from cadre_sdk.core.value_status import package_path, reference_problems, tag_zh

#: Catalogue kinds whose entries carry a status, and the attribute holding their source.
_STATUS_CATALOGUES = {"situation": "source", "red_line": "source"}


@click.command()
@click.option("--hooks", "show_hooks", is_flag=True, help="List the hook names only.")
@pass_env
def plugins(env: Env, show_hooks: bool) -> None:
    """List plugins: name, version, jurisdiction, source and the hooks each implements.

    列出已安装的插件（名称、版本、管辖地区、实现的钩子）。
    """
    loaded = env.loaded
    if show_hooks:
        for caller in sorted(loaded.pm.hook.__dict__):
            if not caller.startswith("_"):
                click.echo(caller)
        return
    for info in loaded.infos.values():
        click.echo(f"{info.name}  {info.version}  jurisdiction={info.jurisdiction}  "
                   f"[{info.source}]")
        click.echo(f"    hooks: {', '.join(info.hooks) or '-'}")
    for name, error in loaded.broken.items():
        click.echo(f"{name}  FAILED TO LOAD  [{loaded.broken_sources.get(name, '?')}]")
        click.echo(f"    error: {error}")
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}")


@click.group()
def rules() -> None:
    """Inspect the registered rules. 查看已注册的规则。"""


@rules.command("list")
@pass_env
def rules_list(env: Env) -> None:
    """Every registered rule: kind, key, jurisdiction, plugin, and the period it is in force
    when it is dated (start inclusive, end exclusive)."""
    from cadre_sdk.defaults.adjustments import STAND_IN_ZH

    book = env.loaded.book
    for kind in book.kinds():
        for reg in book.all(kind):
            period = reg.item.period_en() if hasattr(reg.item, "period_en") else ""
            click.echo(f"{kind:12} {reg.key:28} {reg.jurisdiction}  {reg.plugin}"
                       + (f"  ({period})" if period else ""))
    click.echo(f"# note: {STAND_IN_ZH}")


@rules.command("values")
@click.option("--jurisdiction", help="Only the plugins serving this GB/T 2260 code.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path, exists=True),
              help="Also list the parameter files added to this store (cadre parameters add).")
@pass_env
def rules_values(env: Env, jurisdiction: str | None, db: Path | None) -> None:
    """Every parameter value and catalogue entry with its status: official (官方依据),
    analogy (参照适用), example (示例值) or unverified (未核实), and its reference.

    列出每个参数取值和目录条目的依据性质（官方依据、参照适用、示例值、未核实）及出处。
    """
    from cadre_sdk.defaults.adjustments import STAND_IN_ZH

    loaded = _with_store(env, db)
    book = loaded.book
    for name, error in env.loaded.broken.items():
        click.echo(f"warning: plugin {name!r} failed to load, its values are missing: {error}",
                   err=True)
    stored = {layer.parameters.file: layer.jurisdiction for layer in book.stored_layers()}
    for file, (plugin, params) in _parameter_sets(loaded).items():
        info = env.loaded.infos.get(plugin)
        serves = stored.get(file) or (info.jurisdiction if info else "630000")
        if jurisdiction and serves != jurisdiction:
            continue
        click.echo(f"# {package_path(file)}  ({plugin})")
        for path, values in params.leaves():
            for pv in values:
                click.echo(f"{path}  {pv.start.isoformat()}  {pv.value!r}  [{pv.status or '-'}"
                           f" {tag_zh(pv.status)}]  {pv.reference}")
    for kind, attr in _STATUS_CATALOGUES.items():
        regs = [r for r in book.all(kind)
                if not jurisdiction or r.jurisdiction == jurisdiction]
        if regs:
            click.echo(f"# catalogue {kind}")
        for reg in regs:
            status = reg.item.status
            period = reg.item.period_en()
            click.echo(f"{reg.jurisdiction}  {reg.key}  [{status or '-'} {tag_zh(status)}]  "
                       f"{getattr(reg.item, attr)}  ({reg.plugin}"
                       + (f"; {period})" if period else ")"))
    click.echo(f"# note: {STAND_IN_ZH}")


def _with_store(env: Env, db: Path | None) -> Any:
    """The plugins, with the parameter files added to ``db`` layered in when it is given."""
    if db is None:
        return env.loaded
    from cadre_sdk.store.database import open_db
    from cadre_sdk.store.stored_parameters import with_stored_parameters

    return with_stored_parameters(open_db(db, readonly=True), env.loaded)


def _parameter_sets(plugins: Any) -> dict[str, tuple[str, Any]]:
    """The parameter files of registered rules (and of files stored, when ``plugins`` has
    them), plus every provincial default file (some are read by engines directly, e.g.
    staffing)."""
    from cadre_sdk.defaults import PARAMETERS
    from cadre_sdk.parameters import load_parameters

    sets = dict(plugins.book.parameter_sets())
    for file in sorted(PARAMETERS.glob("*.yaml")):
        params = load_parameters(file)
        sets.setdefault(params.file, ("cadre_sdk.defaults", params))
    return dict(sorted(sets.items()))


def _status_problems(env: Env) -> list[str]:
    """Values and catalogue entries whose status or reference does not resolve."""
    out = []
    book = env.loaded.book
    for file, (plugin, params) in _parameter_sets(env.loaded).items():
        base = Path(file).parent
        for path, values in params.leaves():
            for pv in values:
                for problem in reference_problems(pv.status, pv.reference, base):
                    out.append(f"reference: {plugin}: {package_path(file)}:{pv.line}: {path} "
                               f"from {pv.start.isoformat()}: {problem}. Fix: give the value a "
                               "status and a reference that names its source.")
    for kind, attr in _STATUS_CATALOGUES.items():
        for reg in book.all(kind):
            for problem in reference_problems(reg.item.status, getattr(reg.item, attr)):
                out.append(f"reference: {reg.plugin}: {kind} {reg.key} ({reg.jurisdiction}): "
                           f"{problem}. Fix: give the entry a status and a source.")
    return out


@rules.command("check")
@click.option("--stale-before", type=DAY,
              help="Report parameters whose newest value starts before this date.")
@pass_env
def rules_check(env: Env, stale_before: datetime.date | None) -> None:
    """Report conflicts (two plugins claiming the same jurisdiction and rule with no stated
    priority), indicator sets whose weights do not add up to 100 on any date one of them
    changes, parameter values and catalogue entries without a status or whose reference does
    not resolve (an official or by-analogy value naming no 《document》, a file named in a
    reference that does not exist), dated items of one jurisdiction that start on the same
    date or overlap (an end after the next item's start) and, with --stale-before, parameters
    whose newest value is older than the date. Exit status 1 for a conflict, a weight problem,
    a dating problem or a stale parameter;
    missing statuses and references, a local general indicator set hiding a positioning
    set of a jurisdiction above it, an overlay stating a parameter that none of the rules it
    overrides has (nothing reads it: a misspelt name, with the nearest one) and an overlay that
    overrides nothing under a key close to one above it (a misspelt scheme or positioning), are
    warnings.

    检查规则冲突、指标权重、遮蔽上级规则、依据性质未标注或出处无法核对的取值与目录条目，以及过期参数。
    """
    from cadre_sdk.cli.rules_check import (
        dating_problems, overlay_problems, shadowing, weight_problems,
    )

    book = env.loaded.book
    problems = 0
    for name, error in env.loaded.broken.items():
        problems += 1
        click.echo(f"broken: plugin {name!r} failed to load: {error}")
    for message in weight_problems(book):
        problems += 1
        click.echo(message)
    for message in dating_problems(book):
        problems += 1
        click.echo(message)
    for message in shadowing(book):
        click.echo(f"warning: {message}")
    for message in overlay_problems(book):
        click.echo(f"warning: overlay: {message}")
    for warning in env.loaded.warnings:
        click.echo(f"warning: {warning}")
    for kind, key, where, plugins_ in book.conflicts():
        problems += 1
        click.echo(f"conflict: {kind} rule {key!r} for jurisdiction {where} is registered by "
                   f"{', '.join(plugins_)} with the same priority. Fix: uninstall one, or give "
                   "one item a higher priority= (a field of the rule item, e.g. "
                   "SubsidyRule(..., priority=10)).")
    status_warnings = _status_problems(env)
    for warning in status_warnings:
        click.echo(f"warning: {warning}")
    if stale_before is not None:
        cutoff = stale_before
        for file, (plugin, params) in sorted(book.parameter_sets().items()):
            for path, newest in params.stale(cutoff):
                problems += 1
                click.echo(f"stale: {plugin}: {file}: {path} newest value from "
                           f"{newest.isoformat()} (before {cutoff.isoformat()})")
    if problems:
        raise SystemExit(1)
    click.echo("no conflicts; indicator weights add up on every date; dated items do not "
               "overlap"
               + ("" if status_warnings else
                  "; every value has a status and a reference that resolves")
               + (f"; no parameter older than {stale_before}" if stale_before else ""))


@rules.command("show")
@click.option("--jurisdiction", "code", required=True, metavar="CODE",
              help="GB/T 2260 code of a county, prefecture or township, e.g. 632626.")
@click.option("--date", "on", type=DAY,
              help="The date rules and parameters are taken in force on (default: today).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only this rule kind (repeatable): indicators, scoring, grading, "
                   "grade_quota, subsidy, tolerance, or a catalogue: situation, red_line, "
                   "consequence, staffing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for tools.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path, exists=True),
              help="Also apply the parameter files added to this store (cadre parameters "
                   "add), as cadre evaluate does: their values show the file as their source.")
@pass_env
def rules_show(env: Env, code: str, on: datetime.date | None, kinds: tuple[str, ...],
               as_json: bool, db: Path | None) -> None:
    """Which rule of each kind applies in a jurisdiction on a date: the item in force on that
    date (dated items: start inclusive, end exclusive), its plugin and jurisdiction, what it
    overrides and inherits, and the parameter values in force with their status and
    reference; then the catalogue entries in force there (situations, red lines,
    consequences, staffing rules). The up-or-down situation catalogue is the central stand-in
    (a note says so).

    查看某地某日适用的规则、来源插件、继承关系和生效参数。
    """
    import json

    from cadre_sdk.core.divisions import unknown_message
    from cadre_sdk.cli.rules_show import applicable, as_text, catalogues, catalogues_as_text

    problem = unknown_message(code)
    if problem:
        raise click.BadParameter(problem, param_hint="--jurisdiction")
    known = set(env.loaded.book.kinds())
    bad = sorted(set(kinds) - known)
    if bad:
        raise click.BadParameter(f"unknown rule kind(s) {', '.join(bad)}; registered kinds: "
                                 f"{', '.join(sorted(known))}", param_hint="--kind")
    day = on or datetime.date.today()  # the CLI alone may default to today
    from cadre_sdk.defaults.adjustments import STAND_IN_ZH

    loaded = _with_store(env, db)
    entries = applicable(loaded, code, day, kinds)
    listed = catalogues(loaded, code, day, kinds)
    for name, error in env.loaded.broken.items():
        click.echo(f"warning: plugin {name!r} failed to load, its rules are missing: {error}",
                   err=True)
    if as_json:
        click.echo(json.dumps({"jurisdiction": code, "date": day.isoformat(),
                               "rules": entries, "catalogues": listed,
                               "notes": [STAND_IN_ZH]},
                              ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"rules in force in {code} on {day.isoformat()}:")
    for line in as_text(entries) + catalogues_as_text(listed):
        click.echo(line)
    click.echo(f"note: {STAND_IN_ZH}")


COMMANDS = [plugins, rules]
