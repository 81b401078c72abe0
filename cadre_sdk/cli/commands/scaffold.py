"""``cadre plugin new``: scaffold a local plugin package for a plugin author."""
from __future__ import annotations

import csv
import re
import string
from importlib import resources
from pathlib import Path

import click
import yaml

from cadre_sdk.defaults import DATA

#: Found by package name: this module may move within the package, the templates do not.
TEMPLATES = resources.files("cadre_sdk").joinpath("scaffold", "templates.yaml")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


def _divisions() -> dict[str, dict[str, str]]:
    with open(DATA / "divisions.csv", encoding="utf-8", newline="") as fh:
        return {row["地区代码"]: row for row in csv.DictReader(fh)}


def _place(code: str) -> tuple[str, str]:
    """The Chinese name of ``code`` and a county-level code within it, for the worked
    examples; a ``click.BadParameter`` for anything but a prefecture or county of Qinghai."""
    divisions = _divisions()
    row = divisions.get(code)
    if row is None or row["层级"] not in ("市州", "县"):
        known = ", ".join(f"{c} {r['地区名称']}" for c, r in divisions.items() if r["层级"] == "市州")
        raise click.BadParameter(
            f"{code!r} is not a prefecture-level or county-level division of Qinghai. A local "
            f"plugin serves one of them (the provincial defaults are built in); prefectures: "
            f"{known}. `cadre plugins` and data/qinghai_divisions.csv list the counties.",
            param_hint="--jurisdiction")
    if row["层级"] == "县":
        return row["地区名称"], code
    counties = sorted(c for c, r in divisions.items() if r["上级代码"] == code)
    return row["地区名称"], counties[0]


def render(name: str, code: str) -> dict[str, str]:
    """The files of a new plugin package, relative path -> text."""
    short = name.removeprefix("cadre-").removeprefix("cadre_")
    if not _NAME.match(short):
        raise click.BadParameter(
            f"{name!r}: use lowercase letters and digits, words joined by '-' or '_', starting "
            "with a letter (e.g. haixi, golmud, maqin-county)", param_hint="NAME")
    title, county = _place(code)
    ident = short.replace("-", "_")
    values = {"name": short, "ident": ident, "dist": f"cadre-{short.replace('_', '-')}",
              "module": f"cadre_{ident}", "code": code, "title": title, "county": county,
              "township": f"{county}101"}
    templates = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))
    # A county inherits its prefecture's indicator sets (a general set of its own would hide
    # the prefecture's positioning sets); a prefecture gets a general set to start from.
    snippets = templates.pop("_snippets")["county" if code == county else "prefecture"]
    snippets = {k: string.Template(v).substitute(values) for k, v in snippets.items()}
    return {string.Template(path).substitute(values):
            _insert(string.Template(text).safe_substitute(values), snippets)
            for path, text in templates.items()}


def _insert(text: str, snippets: dict[str, str]) -> str:
    """``text`` with each ``${snippet}`` placeholder replaced by its multi-line snippet,
    indented like the placeholder."""
    for name, snippet in snippets.items():
        def indented(match: re.Match) -> str:
            return match.group(1) + snippet.replace("\n", "\n" + match.group(1))
        text = re.sub(r"^([ \t]*)\$\{" + name + r"\}", indented, text, flags=re.M)
    if "${" in text:
        raise ValueError(f"unfilled placeholder in a scaffold template: {text}")
    return text


@click.group()
def plugin() -> None:
    """Tools for plugin authors. 插件开发工具。"""


@plugin.command("new")
@click.argument("name")
@click.option("--jurisdiction", "code", required=True, metavar="CODE",
              help="GB/T 2260 code of the prefecture or county the plugin serves, e.g. 632800.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder to create the package in.")
def new(name: str, code: str, directory: Path) -> None:
    """Create a plugin package cadre-NAME for the jurisdiction CODE: pyproject.toml with the
    entry point, a module with example hooks, a parameters file with references (every value
    marked as an example), and tests (a case file and fixture-based checks) that pass as
    generated.

    新建地方插件包（示例钩子、带依据的参数文件、可直接运行的测试）。
    """
    files = render(name, code)
    root = directory / files_root(files)
    if root.exists() and any(root.iterdir()):
        raise click.ClickException(f"{root} already exists and is not empty; choose another "
                                   "--dir or NAME (nothing was written).")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    module = next(p.split("/")[0] for p in files if p.endswith("/plugin.py"))
    click.echo(f"created {root} ({len(files)} files) for {code}.\n"
               f"  next: replace the example values in {module}/parameters.yaml (cite each "
               "source), then\n"
               f"  cd {root} && pip install -e . && pytest tests")


def files_root(files: dict[str, str]) -> str:
    """The package folder name: the distribution name in the generated pyproject.toml."""
    return re.search(r'^name = "([^"]+)"', files["pyproject.toml"], re.M).group(1)


COMMANDS = [plugin]
