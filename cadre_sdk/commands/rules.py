"""``cadre plugins`` and ``cadre rules``: what is installed, and whether its rules agree."""
from __future__ import annotations

import datetime

import click

from ..cli import Env, pass_env


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


@click.group()
def rules() -> None:
    """Inspect the registered rules. 查看已注册的规则。"""


@rules.command("list")
@pass_env
def rules_list(env: Env) -> None:
    """Every registered rule: kind, key, jurisdiction, plugin."""
    book = env.loaded.book
    for kind in book.kinds():
        for reg in book.all(kind):
            click.echo(f"{kind:12} {reg.key:28} {reg.jurisdiction}  {reg.plugin}")


@rules.command("check")
@click.option("--stale-before", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Report parameters whose newest value starts before this date.")
@pass_env
def rules_check(env: Env, stale_before: datetime.datetime | None) -> None:
    """Report conflicts (two plugins claiming the same jurisdiction and rule with no stated
    priority), indicator sets whose weights do not add up to 100 on any date one of them
    changes, and, with --stale-before, parameters whose newest value is older than the date.
    Exit status 1 if any of these is reported. Also warns (without failing) when a local
    general indicator set hides a positioning set of a jurisdiction above it.

    检查规则冲突、指标权重、遮蔽上级规则与过期参数。
    """
    from ..rules_check import shadowing, weight_problems

    book = env.loaded.book
    problems = 0
    for name, error in env.loaded.broken.items():
        problems += 1
        click.echo(f"broken: plugin {name!r} failed to load: {error}")
    for message in weight_problems(book):
        problems += 1
        click.echo(message)
    warnings = shadowing(book)
    for message in warnings:
        click.echo(f"warning: {message}")
    for kind, key, where, plugins_ in book.conflicts():
        problems += 1
        click.echo(f"conflict: {kind} rule {key!r} for jurisdiction {where} is registered by "
                   f"{', '.join(plugins_)} with the same priority. Fix: uninstall one, or give "
                   "one item a higher priority= (a field of the rule item, e.g. "
                   "SubsidyRule(..., priority=10)).")
    if stale_before is not None:
        cutoff = stale_before.date()
        for file, (plugin, params) in sorted(book.parameter_sets().items()):
            for path, newest in params.stale(cutoff):
                problems += 1
                click.echo(f"stale: {plugin}: {file}: {path} newest value from "
                           f"{newest.isoformat()} (before {cutoff.isoformat()})")
    if problems:
        raise SystemExit(1)
    click.echo("no conflicts; indicator weights add up on every date"
               + (f"; no parameter older than {stale_before.date()}" if stale_before else ""))


@rules.command("show")
@click.option("--jurisdiction", "code", required=True, metavar="CODE",
              help="GB/T 2260 code of a county, prefecture or township, e.g. 632626.")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date the parameters are read at (default: today).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only this rule kind (repeatable): indicators, scoring, grading, "
                   "grade_quota, subsidy, tolerance.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for tools.")
@pass_env
def rules_show(env: Env, code: str, on: datetime.datetime | None, kinds: tuple[str, ...],
               as_json: bool) -> None:
    """Which rule of each kind applies in a jurisdiction on a date: the item, its plugin and
    jurisdiction, what it overrides and inherits, and the parameter values in force with
    their status and reference.

    查看某地某日适用的规则、来源插件、继承关系和生效参数。
    """
    import json

    from ..divisions import unknown_message
    from ..rules_show import applicable, as_text

    problem = unknown_message(code)
    if problem:
        raise click.BadParameter(problem, param_hint="--jurisdiction")
    known = set(env.loaded.book.kinds())
    bad = sorted(set(kinds) - known)
    if bad:
        raise click.BadParameter(f"unknown rule kind(s) {', '.join(bad)}; registered kinds: "
                                 f"{', '.join(sorted(known))}", param_hint="--kind")
    day = on.date() if on else datetime.date.today()  # the CLI alone may default to today
    entries = applicable(env.loaded, code, day, kinds)
    for name, error in env.loaded.broken.items():
        click.echo(f"warning: plugin {name!r} failed to load, its rules are missing: {error}",
                   err=True)
    if as_json:
        click.echo(json.dumps({"jurisdiction": code, "date": day.isoformat(),
                               "rules": entries}, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"rules in force in {code} on {day.isoformat()}:")
    for line in as_text(entries):
        click.echo(line)


COMMANDS = [plugins, rules]
