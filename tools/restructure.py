#!/usr/bin/env python3
"""Move cadre-sdk's modules into packages by concern, and rewrite every reference to them.

Replayable: run it on a tree that has the flat layout (or part of it, or modules added since by
other branches) and it brings that tree to the layout of ``MOVES``/``SPLITS``; run it again and
it changes nothing. It never moves the public API (``PUBLIC``).

    python tools/restructure.py            # apply (git mv when the tree is a git work tree)
    python tools/restructure.py --dry-run  # print the plan, change nothing
    python tools/restructure.py --check    # exit 1 if anything is left to do (for CI)
    python tools/restructure.py --root DIR --no-git   # on a copy (the contract test does)

What it does, in order:

1. turns every relative import under ``cadre_sdk/`` into an absolute one (so that moving a file
   cannot break it);
2. moves each module or package of ``MOVES`` that is still at its old path (``git mv``), and
   every ``cadre_sdk/readers*`` module or package into ``cadre_sdk/ingest/``; creates the new
   packages' ``__init__.py``;
3. splits the modules of ``SPLITS`` by top-level name (AST): each part gets the statements
   defining its names, the imports it uses, and imports of the names it uses from the other
   parts;
4. rewrites every reference to an old module in ``cadre_sdk/``, ``tests/``, ``plugins/``,
   ``benchmarks/``, ``scripts/``, ``tools/``, ``docs/``, ``README.md``, ``pyproject.toml`` and
   ``.ci/run``: imports (``import``, ``from ... import``, also ``from cadre_sdk import x`` of a
   moved module, which keeps its local name with ``as``), dotted names in strings and prose
   (``mock.patch`` targets, entry points ``cadre_sdk.cli:main``, ``python -m cadre_sdk.clidoc``)
   and file paths (``cadre_sdk/loader.py``);
5. renames the confusing names of ``RENAMES`` in their module and in every module importing
   them;
6. adds the layers contract (``tools/layers.toml``) to ``pyproject.toml`` if it is not there;
7. prints every module left in the package root that is neither public API nor planned here,
   so that a module added by another branch is not forgotten: add it to ``MOVES`` and run again.

A reference is rewritten when the longest old module name it starts with is longer than the
longest new module name it starts with: ``cadre_sdk.store.open_db`` becomes
``cadre_sdk.store.database.open_db``, while ``cadre_sdk.store.database.open_db`` (new) and
``cadre_sdk.store.explanations`` (new) are left alone. That rule is what makes a second run a
no-op even where an old module name is a prefix of a new one.
"""
from __future__ import annotations

import argparse
import ast
import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

PKG = "cadre_sdk"

#: Modules and packages of the package root that stay where they are: the public plugin API,
#: the packages that are layers themselves, and the entry points.
PUBLIC = {"__init__", "__main__", "hookspecs", "rules", "formulas", "testing",
          "testing_fixtures"}
KEEP_PACKAGES = {"core", "parameters", "records", "plugin_host", "store", "ingest", "engines",
                 "defaults", "publish", "demo", "cli", "formulas", "scaffold"}

#: old dotted module (or package) -> new dotted module (or package).
MOVES: dict[str, str] = {
    # core: helpers every layer uses
    "cadre_sdk.errors": "cadre_sdk.core.errors",
    "cadre_sdk.jurisdiction": "cadre_sdk.core.jurisdiction",
    "cadre_sdk.divisions": "cadre_sdk.core.divisions",
    "cadre_sdk.normalize": "cadre_sdk.core.normalize",
    "cadre_sdk.workdays": "cadre_sdk.core.workdays",
    "cadre_sdk.calendar_years": "cadre_sdk.core.calendar_years",
    "cadre_sdk.tracebacks": "cadre_sdk.core.tracebacks",
    "cadre_sdk.value_status": "cadre_sdk.core.value_status",
    "cadre_sdk.explain": "cadre_sdk.core.trace",
    "cadre_sdk.dating": "cadre_sdk.core.dating",
    # records: the record classes, their schemas, what rule functions receive
    "cadre_sdk.schemas": "cadre_sdk.records.schemas",
    # the plugin host: discovery, rule book, watchdog (see SPLITS), overlays
    "cadre_sdk.overlays": "cadre_sdk.plugin_host.overlays",
    # store: the SQLite store, explanations, labels, the calendar's tables
    "cadre_sdk.store": "cadre_sdk.store.database",
    "cadre_sdk.explanations": "cadre_sdk.store.explanations",
    "cadre_sdk.explanation_templates": "cadre_sdk.store.explanation_templates",
    "cadre_sdk.tables": "cadre_sdk.store.table_labels",
    "cadre_sdk.calendar_store": "cadre_sdk.store.calendar",
    # ingest: reading clerks' files, normalizing, the load pipeline, keys
    "cadre_sdk.loader": "cadre_sdk.ingest.loader",
    "cadre_sdk.load_rows": "cadre_sdk.ingest.batches",
    "cadre_sdk.read_encoding": "cadre_sdk.ingest.read_encoding",
    "cadre_sdk.raw_rows": "cadre_sdk.ingest.raw_rows",
    "cadre_sdk.read_csv": "cadre_sdk.ingest.read_csv",
    "cadre_sdk.read_xlsx": "cadre_sdk.ingest.read_xlsx",
    "cadre_sdk.xlsx_package": "cadre_sdk.ingest.xlsx_package",
    "cadre_sdk.read_json": "cadre_sdk.ingest.read_json",
    "cadre_sdk.load_keys": "cadre_sdk.ingest.keys",
    "cadre_sdk.load_paths": "cadre_sdk.ingest.paths",
    "cadre_sdk.load_update": "cadre_sdk.ingest.updates",
    "cadre_sdk.header_detect": "cadre_sdk.ingest.header_detect",
    "cadre_sdk.row_source": "cadre_sdk.ingest.row_source",
    "cadre_sdk.identity": "cadre_sdk.ingest.identity",
    "cadre_sdk.references": "cadre_sdk.ingest.references",
    "cadre_sdk.lrmx": "cadre_sdk.ingest.lrmx.reader",
    "cadre_sdk.lrmx_resume": "cadre_sdk.ingest.lrmx.resume",
    "cadre_sdk.lrmx_load": "cadre_sdk.ingest.lrmx.load",
    # engines: one package per engine
    "cadre_sdk.evaluate": "cadre_sdk.engines.evaluate",
    "cadre_sdk.engines.batch": "cadre_sdk.engines.batch_writer",
    "cadre_sdk.engines.assessment": "cadre_sdk.engines.assessment.engine",
    "cadre_sdk.engines.assessment_consequences": "cadre_sdk.engines.assessment.consequences",
    "cadre_sdk.engines.assessment_explain": "cadre_sdk.engines.assessment.rule_sets",
    "cadre_sdk.engines.assessment_inputs": "cadre_sdk.engines.assessment.inputs",
    "cadre_sdk.engines.assessment_labels": "cadre_sdk.engines.assessment.labels",
    "cadre_sdk.engines.assessment_quota": "cadre_sdk.engines.assessment.quota",
    "cadre_sdk.engines.assessment_rules": "cadre_sdk.engines.assessment.rules",
    "cadre_sdk.engines.assessment_scorecard": "cadre_sdk.engines.assessment.scorecard",
    "cadre_sdk.engines.assessment_scoring": "cadre_sdk.engines.assessment.scoring",
    "cadre_sdk.engines.assessment_targets": "cadre_sdk.engines.assessment.targets",
    "cadre_sdk.engines.cases": "cadre_sdk.engines.cases.engine",
    "cadre_sdk.engines.case_events": "cadre_sdk.engines.cases.events",
    "cadre_sdk.engines.case_labels": "cadre_sdk.engines.cases.labels",
    "cadre_sdk.engines.case_schema": "cadre_sdk.engines.cases.schema",
    "cadre_sdk.engines.case_states": "cadre_sdk.engines.cases.states",
    "cadre_sdk.engines.tolerance_rules": "cadre_sdk.engines.cases.tolerance",
    "cadre_sdk.engines.red_lines": "cadre_sdk.engines.cases.red_lines",
    "cadre_sdk.engines.adjustments": "cadre_sdk.engines.cases.adjustments",
    "cadre_sdk.engines.audit": "cadre_sdk.engines.cases.audit",
    "cadre_sdk.engines.subsidies": "cadre_sdk.engines.subsidies.engine",
    "cadre_sdk.engines.subsidy_calls": "cadre_sdk.engines.subsidies.calls",
    "cadre_sdk.engines.staffing": "cadre_sdk.engines.staffing.engine",
    "cadre_sdk.engines.staffing_labels": "cadre_sdk.engines.staffing.labels",
    "cadre_sdk.engines.candidates": "cadre_sdk.engines.staffing.candidates",
    # publish: with the Datasette plugin
    "cadre_sdk.datasette_plugin": "cadre_sdk.publish.datasette_plugin",
    # cli: the command group, the commands, the reports of `cadre rules`, the CLI doc
    "cadre_sdk.cli": "cadre_sdk.cli.app",
    "cadre_sdk.commands": "cadre_sdk.cli.commands",
    "cadre_sdk.clidoc": "cadre_sdk.cli.clidoc",
    "cadre_sdk.rules_show": "cadre_sdk.cli.rules_show",
    "cadre_sdk.rules_check": "cadre_sdk.cli.rules_check",
}

#: The entries of ``MOVES`` that move a whole package (a folder), not a module.
PACKAGE_MOVES = {"cadre_sdk.commands"}

#: old module -> {"default": new module, "parts": {new module: (top-level names,)},
#:               "docs": {new module: docstring}, "package": new package re-exporting all}.
SPLITS: dict[str, dict] = {
    "cadre_sdk.plugins": {
        "default": "cadre_sdk.plugin_host.discovery",
        "parts": {
            "cadre_sdk.plugin_host.rule_book": (
                "REGISTRATION_HOOKS", "CATALOGUE_KINDS", "UNDATED_KINDS", "Registration",
                "Registrar", "RuleBook", "_in_force", "_require_date", "_period"),
            "cadre_sdk.plugin_host.watchdog": (
                "_hook_caller", "call_impl", "DEFAULT_TIMEOUT", "_timeout", "_Watch", "_WATCH",
                "_on_alarm", "plugin_time_limit", "_enter_call", "_limited", "_watched_call",
                "_READ_ACTIONS", "_read_only", "call_rule"),
        },
        "docs": {
            "cadre_sdk.plugin_host.rule_book": (
                "The rule book: every item plugins registered, with who registered it and for "
                "which jurisdiction,\nand its resolution along the jurisdiction chain "
                "(``resolve``, ``resolve_first``, ``catalogue``)."),
            "cadre_sdk.plugin_host.watchdog": (
                "Calling plugins' code: each hook implementation and rule function runs under a "
                "time limit\n(``plugin_time_limit``) and, for rule SQL, read-only; faults name "
                "the plugin and the hook."),
        },
    },
    "cadre_sdk.parameters": {
        "default": "cadre_sdk.parameters.values",
        "parts": {
            "cadre_sdk.parameters.reader": (
                "_Reader", "_parse", "parse_parameters", "load_parameters", "_load_cached"),
        },
        "docs": {
            "cadre_sdk.parameters.reader": (
                "Reading parameter files: the strict YAML reader (duplicate keys, unknown keys, "
                "dates, units,\nmissing references: each a ``ParameterError`` starting with "
                "``file:line:``) and ``load_parameters``."),
        },
        # the old module's name becomes the package: it re-exports every name, so importers
        # (and plugins written against the docs) keep ``cadre_sdk.parameters``.
        "package": "cadre_sdk.parameters",
    },
}

#: module -> {old name: new name}: the confusing pairs the layout makes visible.
RENAMES: dict[str, dict[str, str]] = {
    "cadre_sdk.ingest.batches": {"Batch": "ConvertedBatch"},   # readers.Batch is the raw one
    "cadre_sdk.ingest.updates": {"_blank": "_empty_cell"},     # readers._blank is the header's
}

#: Docstrings of the packages the moves create.
PACKAGE_DOCS: dict[str, str] = {
    "cadre_sdk.core": "Helpers every layer uses: errors, jurisdictions and division codes, "
                      "normalizing clerks' text,\nthe working-day calendar, traces of "
                      "computations, value statuses. Imports nothing else of the SDK.",
    "cadre_sdk.plugin_host": "Hosting plugins: discovery (``get_plugin_manager``), the rule "
                             "book and its resolution by\njurisdiction, overlays, and the "
                             "watchdog that calls plugins' code.",
    "cadre_sdk.store": "The SQLite store: opening and migrating it (``database``), "
                       "explanations, table labels and\nthe working-day calendar's tables.",
    "cadre_sdk.ingest": "Reading clerks' files into the store: readers by format, header "
                        "detection, conversion in batches,\nkeys and references, updates, "
                        "identity, 任免审批表 (``lrmx``), and the load pipeline (``loader``).",
    "cadre_sdk.ingest.lrmx": "任免审批表 (.lrmx): reading a file, its résumé lines, and "
                             "loading it (see ``docs/lrmx.md``).",
    "cadre_sdk.engines.assessment": "The annual assessment engine (年度考核): inputs, "
                                    "scoring, quota, consequences, scorecards,\n\"710\" "
                                    "targets; its tables' labels.",
    "cadre_sdk.engines.cases": "The fault-tolerance engine (容错纠错) with adjustments "
                               "(能上能下): case events and their hash\nchain, states and "
                               "deadlines, tolerance variants, red lines; its tables' labels.",
    "cadre_sdk.engines.subsidies": "The subsidy engine (补贴): entitlements per cadre and "
                                   "month, rule calls, the ledger.",
    "cadre_sdk.engines.staffing": "The staffing engine (配备与培训): career facts, staffing "
                                  "rules, training, care, the\ncandidate pool; its tables' "
                                  "labels.",
    "cadre_sdk.cli": "The ``cadre`` command line: the command group (``app``), the commands, "
                     "the reports of\n``cadre rules``, and the generated CLI doc (``clidoc``).",
}

#: Folders and files whose references are rewritten (relative to the root).
SCOPE_DIRS = ("cadre_sdk", "tests", "plugins", "benchmarks", "scripts", "tools", "docs")
SCOPE_FILES = ("README.md", "pyproject.toml", ".ci/run")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".sh", ".cfg", ".txt", ".html", ""}
#: Files never rewritten: history, and this script's own tables.
SKIP_FILES = {"CHANGELOG.md", "tools/restructure.py", "tools/layers.toml", "docs/ARCHITECTURE.md"}
#: The heading the layers contract starts with in pyproject.toml.
CONTRACT = "[tool.importlinter]"

DOTTED = re.compile(r"(?<![\w.])cadre_sdk(?:\.[A-Za-z_]\w*)+")
PATHLIKE = re.compile(r"(?<![\w./])cadre_sdk(?:/[A-Za-z_]\w*)+(?:\.py|/)")


class Plan:
    """What a run does; printed with --dry-run, counted with --check."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def add(self, text: str) -> None:
        self.steps.append(text)
        print(text)


# -- module names and paths --------------------------------------------------------------------

def module_path(root: Path, dotted: str) -> Path | None:
    """The file or package folder of ``dotted`` under ``root``, if it exists."""
    base = root.joinpath(*dotted.split("."))
    if base.is_dir() and (base / "__init__.py").exists():
        return base
    file = base.with_suffix(".py")
    return file if file.exists() else None


def dotted_of(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


#: Engine modules named with an engine's prefix (added by other branches) go into its package:
#: ``engines/assessment_dates.py`` -> ``engines/assessment/dates.py``.
ENGINE_PREFIXES = {"assessment_": "assessment", "case_": "cases", "cases_": "cases",
                   "staffing_": "staffing", "subsidy_": "subsidies", "subsidies_": "subsidies"}
#: Modules that stay in ``engines/`` itself.
ENGINES_ROOT = {"__init__", "registry", "labels", "after_load", "evaluate", "thresholds", "batch_writer"}


def all_moves(root: Path) -> dict[str, str]:
    """``MOVES``, every ``cadre_sdk/readers*`` module or package into ``ingest``, and every
    engine module with an engine's prefix into that engine's package."""
    moves = dict(MOVES)
    planned = set(moves)
    for path in sorted((root / PKG / "engines").glob("*.py")):
        old = f"{PKG}.engines.{path.stem}"
        if old in planned:
            continue
        for prefix, engine in ENGINE_PREFIXES.items():
            if path.stem.startswith(prefix):
                moves[old] = f"{PKG}.engines.{engine}.{path.stem.removeprefix(prefix)}"
                break
    found = [*(root / PKG).glob("readers*"), *(root / PKG / "ingest").glob("readers*")]
    for path in sorted(found):
        name = path.stem if path.suffix == ".py" else path.name
        if path.suffix == ".py" or (path / "__init__.py").exists():
            moves[f"{PKG}.{name}"] = f"{PKG}.ingest.{name}"
    return moves


def old_names(moves: dict[str, str]) -> dict[str, str]:
    """Old dotted name -> new, the split modules' old names mapped to their default part."""
    out = dict(moves)
    for old, spec in SPLITS.items():
        if spec.get("package") != old:
            out[old] = spec["default"]
    return out


def new_names(moves: dict[str, str]) -> set[str]:
    out = set(moves.values())
    for spec in SPLITS.values():
        out.add(spec["default"])
        out.update(spec["parts"])
    return out


def _longest(segments: list[str], names: set[str] | dict) -> int:
    for k in range(len(segments), 0, -1):
        if ".".join(segments[:k]) in names:
            return k
    return 0


def rewrite_dotted(text: str, old: dict[str, str], new: set[str]) -> str:
    """Rewrite one dotted reference (``cadre_sdk.a.b.c``) if the longest old module it starts
    with is longer than the longest new module it starts with (see the module docstring)."""
    segments = text.split(".")
    k_old = _longest(segments, old)
    if not k_old or _longest(segments, new) >= k_old:
        return text
    head, rest = ".".join(segments[:k_old]), segments[k_old:]
    if head in SPLITS and rest:
        target = split_target(head, rest[0])
    else:
        target = old[head]
    return ".".join([target, *rest])


def new_packages(new: set[str]) -> set[str]:
    """The packages the new modules live in (``cadre_sdk.engines.assessment`` …)."""
    return {".".join(n.split(".")[:k]) for n in new for k in range(1, n.count(".") + 1)}


def split_target(old_module: str, name: str) -> str:
    spec = SPLITS[old_module]
    for part, names in spec["parts"].items():
        if name in names:
            return part
    return spec["default"]


# -- step 1: relative imports to absolute --------------------------------------------------------

def absolute_imports(root: Path, plan: Plan, dry: bool) -> None:
    for path in sorted((root / PKG).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "from ." not in source:
            continue
        tree = ast.parse(source)
        package = dotted_of(root, path)
        if path.name != "__init__.py":
            package = package.rsplit(".", 1)[0]
        edits = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
                edits.append((node, module))
        if not edits:
            continue
        plan.add(f"absolute imports: {path.relative_to(root)} ({len(edits)})")
        if dry:
            continue
        lines = source.splitlines(keepends=True)
        for node, module in sorted(edits, key=lambda e: -e[0].lineno):
            replace_node(lines, node, format_from(module, node.names, node.col_offset))
        path.write_text("".join(lines), encoding="utf-8")


def format_from(module: str, names: list[ast.alias], indent: int) -> str:
    items = [a.name if a.asname is None else f"{a.name} as {a.asname}" for a in names]
    pad = " " * indent
    one = f"{pad}from {module} import {', '.join(items)}"
    if len(one) <= 100:
        return one
    body, line = [], pad + "    "
    for item in items:
        piece = item + ", "
        if len(line) + len(piece) > 99 and line.strip():
            body.append(line.rstrip())
            line = pad + "    "
        line += piece
    body.append(line.rstrip())
    return f"{pad}from {module} import (\n" + "\n".join(body) + f"\n{pad})"


def replace_node(lines: list[str], node: ast.stmt, text: str) -> None:
    """Replace the lines of ``node`` (an import) with ``text``, keeping its comments (``# noqa``
    …): after the statement when it is one line, after its opening parenthesis otherwise."""
    first, last = node.lineno - 1, node.end_lineno - 1
    comments = [line[line.index("#"):].rstrip("\n").rstrip()
                for line in lines[first: last + 1] if "#" in line]
    newline = "\n" if lines[last].endswith("\n") else ""
    head = lines[first][: node.col_offset]
    text = text.lstrip(" ")
    if comments:
        note = "  " + " ".join(c if n == 0 else c.lstrip("# ") for n, c in enumerate(comments))
        if "\n" in text and text.split("\n", 1)[0].endswith("("):
            top, rest = text.split("\n", 1)
            text = top + note + "\n" + rest
        else:
            text += note
    lines[first: last + 1] = [head + text + newline]


# -- step 2: moves --------------------------------------------------------------------------------

def do_moves(root: Path, moves: dict[str, str], plan: Plan, dry: bool, git: bool) -> None:
    for old, new in moves.items():
        base = root.joinpath(*old.split("."))
        if base.with_suffix(".py").is_file():
            source = base.with_suffix(".py")
            target = root.joinpath(*new.split(".")).with_suffix(".py")
        elif (base / "__init__.py").exists() and not new.startswith(old + "."):
            source, target = base, root.joinpath(*new.split("."))   # a package moves whole
        else:
            continue   # moved already (or the old name is now the new package)
        if target.exists():
            print(f"CONFLICT: {source.relative_to(root)} and {target.relative_to(root)} both "
                  "exist; merge them by hand", file=sys.stderr)
            continue
        plan.add(f"move {source.relative_to(root)} -> {target.relative_to(root)}")
        if dry:
            continue
        ensure_packages(root, target.parent, git)
        move(root, source, target, git)


def ensure_packages(root: Path, folder: Path, git: bool = False) -> None:
    """Create the packages down to ``folder`` (an ``__init__.py`` with its docstring)."""
    rel = folder.relative_to(root)
    for n in range(1, len(rel.parts) + 1):
        here = root.joinpath(*rel.parts[:n])
        here.mkdir(exist_ok=True)
        init = here / "__init__.py"
        if not init.exists():
            doc = PACKAGE_DOCS.get(".".join(rel.parts[:n]), "")
            init.write_text(f'"""{doc}"""\n' if doc else "", encoding="utf-8")
            if git:
                subprocess.run(["git", "add", str(init)], cwd=root, check=True)


def move(root: Path, source: Path, target: Path, git: bool) -> None:
    if git:
        subprocess.run(["git", "mv", str(source), str(target)], cwd=root, check=True)
    else:
        shutil.move(str(source), str(target))


# -- step 3: splits -----------------------------------------------------------------------------

def do_splits(root: Path, plan: Plan, dry: bool, git: bool) -> None:
    for old, spec in SPLITS.items():
        source = module_path(root, old)
        if source is None or source.is_dir():
            continue
        parts = [spec["default"], *spec["parts"]]
        plan.add(f"split {source.relative_to(root)} -> {', '.join(parts)}")
        if dry:
            continue
        texts = split_module(source.read_text(encoding="utf-8"), spec)
        default_path = root.joinpath(*spec["default"].split(".")).with_suffix(".py")
        ensure_packages(root, default_path.parent, git)
        move(root, source, default_path, git)   # keeps the history with the default part
        for name, text in texts.items():
            path = root.joinpath(*name.split(".")).with_suffix(".py")
            path.write_text(text, encoding="utf-8")
        package = spec.get("package")
        if package:
            init = root.joinpath(*package.split(".")) / "__init__.py"
            init.write_text(reexport(old, texts, source_doc(texts[spec["default"]])),
                            encoding="utf-8")
        if git:
            subprocess.run(["git", "add", *[str(root.joinpath(*n.split(".")).with_suffix(".py"))
                                            for n in texts]], cwd=root, check=True)
            if package:
                subprocess.run(["git", "add", str(root.joinpath(*package.split(".")))],
                               cwd=root, check=True)


def defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def used_names(nodes: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                out.add(sub.id)
            elif isinstance(sub, ast.Attribute):
                base = sub
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name):
                    out.add(base.id)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and \
                    re.fullmatch(r"[\w\[\], .|]+", sub.value):
                # string annotations ("Variants", "list[Registration]")
                out.update(re.findall(r"[A-Za-z_]\w*", sub.value))
    return out


def split_module(source: str, spec: dict) -> dict[str, str]:
    """The text of each part of a split module (see ``SPLITS``)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    owner = {n: part for part, names in spec["parts"].items() for n in names}
    docstring = ast.get_docstring(tree, clean=False)
    body = tree.body[1:] if docstring is not None else tree.body
    imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))
               and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    groups: dict[ast.stmt, int] = {}   # import -> its group (blank-line separated)
    number = 0
    for node in imports:
        if node.lineno > 1 and not lines[node.lineno - 2].strip():
            number += 1
        groups[node] = number
    chunks: dict[str, list[ast.stmt]] = {p: [] for p in [spec["default"], *spec["parts"]]}
    for node in body:
        if node in imports or isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        names = defined_names(node)
        if names == {"__all__"}:
            continue   # the package (or the default part) says what is public
        parts = {owner.get(n, spec["default"]) for n in names} or {spec["default"]}
        chunks[sorted(parts)[0]].append(node)
    defined = {p: set().union(*(defined_names(n) for n in ns)) if ns else set()
               for p, ns in chunks.items()}
    out = {}
    for part, nodes in chunks.items():
        used = used_names(nodes)
        head = [f'"""{spec["docs"][part]}\n"""\n' if part in spec.get("docs", {})
                else f'"""{docstring}"""\n' if docstring else "",
                "from __future__ import annotations\n\n"]
        group = None
        for node in imports:
            kept = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
            if not kept:
                continue
            if group is not None and group != groups[node]:
                head.append("\n")   # the original's blank line between import groups
            group = groups[node]
            if isinstance(node, ast.ImportFrom):
                head.append(format_from(node.module, kept, 0) + "\n")
            else:
                head.append("import " + ", ".join(
                    a.name if a.asname is None else f"{a.name} as {a.asname}" for a in kept) + "\n")
        for other, names in defined.items():
            if other != part:
                needed = sorted(n for n in names if n in used)
                if needed:
                    head.append(format_from(other, [ast.alias(n) for n in needed], 0) + "\n")
        if head[-1] == "from __future__ import annotations\n\n":
            head[-1] = "from __future__ import annotations\n"
        text = "".join(head) + "\n\n"
        for node in nodes:
            start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None)
                     else node.lineno) - 1
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
            text += "".join(lines[start: node.end_lineno]).rstrip("\n") + "\n\n\n"
        out[part] = text.rstrip("\n") + "\n"
    return out


def source_doc(text: str) -> str:
    tree = ast.parse(text)
    return ast.get_docstring(tree, clean=False) or ""


def reexport(old: str, texts: dict[str, str], doc: str) -> str:
    """A package ``__init__`` re-exporting every top-level name of the parts."""
    lines = [f'"""{doc}"""\n' if doc else "", "from __future__ import annotations\n\n"]
    public: list[str] = []
    for part, text in texts.items():
        tree = ast.parse(text)
        names = sorted({n for node in tree.body for n in defined_names(node)
                        if not n.startswith("_")})
        lines.append(format_from(part, [ast.alias(n) for n in names], 0) + "\n")
        public += names
    lines.append("\n__all__ = [\n" + "".join(f'    "{n}",\n' for n in sorted(public)) + "]\n")
    return "".join(lines)


# -- step 4: references --------------------------------------------------------------------------

def scope_files(root: Path) -> list[Path]:
    files = []
    for folder in SCOPE_DIRS:
        base = root / folder
        if base.exists():
            files += [p for p in base.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES
                      and "__pycache__" not in p.parts and ".venv" not in p.parts
                      and not any(part.endswith(".egg-info") for part in p.parts)]
    files += [root / f for f in SCOPE_FILES if (root / f).exists()]
    return sorted(p for p in files if str(p.relative_to(root)) not in SKIP_FILES)


def rewrite_references(root: Path, moves: dict[str, str], plan: Plan, dry: bool) -> None:
    old, new = old_names(moves), new_names(moves)
    for path in scope_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if PKG not in text:
            continue
        if path.suffix == ".py":
            updated = rewrite_imports(text, old, new)
            updated = outside_imports(updated, lambda chunk: rewrite_text(chunk, old, new))
        elif path.name == "pyproject.toml" and CONTRACT in text:
            at = text.index(CONTRACT)   # the contract names the new packages: left as written
            updated = rewrite_text(text[:at], old, new) + text[at:]
        else:
            updated = rewrite_text(text, old, new)
        if updated != text:
            plan.add(f"rewrite references: {path.relative_to(root)}")
            if not dry:
                path.write_text(updated, encoding="utf-8")


def rewrite_text(text: str, old: dict[str, str], new: set[str]) -> str:
    text = DOTTED.sub(lambda m: rewrite_dotted(m.group(0), old, new), text)
    return PATHLIKE.sub(lambda m: rewrite_path(m.group(0), old, new), text)


def outside_imports(text: str, edit) -> str:
    """Apply ``edit`` to the text outside import statements (those are rewritten by AST)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return edit(text)
    lines = text.splitlines(keepends=True)
    spans = sorted((n.lineno, n.end_lineno) for n in ast.walk(tree)
                   if isinstance(n, (ast.Import, ast.ImportFrom)))
    out, line = [], 1
    for start, end in spans:
        if start < line:
            continue
        out.append(edit("".join(lines[line - 1: start - 1])))
        out.append("".join(lines[start - 1: end]))
        line = end + 1
    out.append(edit("".join(lines[line - 1:])))
    return "".join(out)


def rewrite_path(text: str, old: dict[str, str], new: set[str]) -> str:
    is_dir = text.endswith("/")
    dotted = text.removesuffix("/").removesuffix(".py").replace("/", ".")
    if is_dir and not any(dotted == p or dotted.startswith(p + ".") for p in PACKAGE_MOVES):
        return text   # a folder: only a moved package's folder moves (cadre_sdk/commands/)
    changed = rewrite_dotted(dotted, old, new)
    if changed == dotted:
        return text
    if is_dir:
        return changed.replace(".", "/") + "/"
    return changed.replace(".", "/") + ".py"


def rewrite_imports(text: str, old: dict[str, str], new: set[str]) -> str:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits: list[tuple[ast.stmt, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module and \
                node.module.split(".")[0] == PKG:
            replacement = rewrite_from(node, old, new)
            if replacement is not None:
                edits.append((node, replacement))
    for node, replacement in sorted(edits, key=lambda e: -e[0].lineno):
        replace_node(lines, node, replacement)
    return "".join(lines)


def rewrite_from(node: ast.ImportFrom, old: dict[str, str], new: set[str]) -> str | None:
    """``from M import a, b`` with M or M.a old: one or more statements, local names kept."""
    module = node.module
    groups: dict[str, list[ast.alias]] = {}
    changed = False
    if module in old and module in new_packages(new) and \
            all(f"{module}.{a.name}" in new | new_packages(new) for a in node.names):
        return None   # ``from cadre_sdk.engines.assessment import engine``: the new package
    for alias in node.names:
        full = f"{module}.{alias.name}"
        moved_module = rewrite_dotted(full, old, new)
        if full in old and moved_module != full and full not in SPLITS:
            # ``from cadre_sdk import loader``: a module itself
            parent, leaf = moved_module.rsplit(".", 1)
            local = alias.asname or alias.name
            groups.setdefault(parent, []).append(
                ast.alias(leaf, None if leaf == local else local))
            changed = True
            continue
        if full in SPLITS and full not in [s.get("package") for s in SPLITS.values()]:
            parent, leaf = SPLITS[full]["default"].rsplit(".", 1)
            groups.setdefault(parent, []).append(ast.alias(leaf, alias.asname or alias.name))
            changed = True
            continue
        if module in SPLITS and SPLITS[module].get("package") != module:
            target = split_target(module, alias.name)
        else:
            target = rewrite_dotted(module, old, new)
        if target != module:
            changed = True
        groups.setdefault(target, []).append(alias)
    if not changed:
        return None
    indent = node.col_offset
    statements = [format_from(m, names, indent) for m, names in groups.items()]
    return ("\n".join(statements)).lstrip(" ")


# -- step 5: renames -----------------------------------------------------------------------------

def do_renames(root: Path, plan: Plan, dry: bool) -> None:
    for module, names in RENAMES.items():
        path = module_path(root, module)
        if path is None or path.is_dir():
            continue
        for old_name, new_name in names.items():
            targets = [path] + [p for p in scope_files(root) if p.suffix == ".py" and p != path
                                and imports_name(p, module, old_name)]
            for target in targets:
                text = target.read_text(encoding="utf-8")
                updated = rename_tokens(text, old_name, new_name)
                if updated != text:
                    plan.add(f"rename {module}.{old_name} -> {new_name} in "
                             f"{target.relative_to(root)}")
                    if not dry:
                        target.write_text(updated, encoding="utf-8")


def imports_name(path: Path, module: str, name: str) -> bool:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return False
    return any(isinstance(n, ast.ImportFrom) and n.module == module and
               any(a.name == name and a.asname is None for a in n.names)
               for n in ast.walk(tree))


def rename_tokens(text: str, old: str, new: str) -> str:
    """Rename the identifier ``old`` (NAME tokens only, not strings or comments)."""
    if not re.search(rf"\b{re.escape(old)}\b", text):
        return text
    out = []
    lines = text.splitlines(keepends=True)
    spots = [(tok.start, tok.end) for tok in tokenize.generate_tokens(io.StringIO(text).readline)
             if tok.type == tokenize.NAME and tok.string == old]
    if not spots:
        return text
    by_line: dict[int, list[tuple[int, int]]] = {}
    for (row, col), (_, end) in spots:
        by_line.setdefault(row, []).append((col, end))
    for number, line in enumerate(lines, 1):
        for col, end in sorted(by_line.get(number, ()), reverse=True):
            line = line[:col] + new + line[end:]
        out.append(line)
    return "".join(out)


# -- step 6: the layers contract -----------------------------------------------------------------

def add_contract(root: Path, plan: Plan, dry: bool) -> None:
    pyproject, contract = root / "pyproject.toml", root / "tools" / "layers.toml"
    if not pyproject.exists() or not contract.exists():
        return
    text = pyproject.read_text(encoding="utf-8")
    if CONTRACT in text:
        return
    plan.add("add the layers contract (tools/layers.toml) to pyproject.toml")
    if not dry:
        pyproject.write_text(text.rstrip("\n") + "\n\n" + contract.read_text(encoding="utf-8"),
                             encoding="utf-8")


# -- step 7: what is left ------------------------------------------------------------------------

def leftovers(root: Path, moves: dict[str, str]) -> list[str]:
    planned = {o.split(".")[1] for o in [*moves, *SPLITS] if o.count(".") == 1}
    out = []
    for path in sorted((root / PKG).iterdir()):
        if path.name.startswith((".", "__pycache__")):
            continue
        if path.suffix == ".py":
            name = path.stem
        elif path.is_dir() and (path / "__init__.py").exists():
            name = path.name
        else:
            continue
        if name in PUBLIC or name in KEEP_PACKAGES or name in planned:
            continue
        out.append(f"{PKG}.{name}")
    for path in sorted((root / PKG / "engines").glob("*.py")):
        if path.stem not in ENGINES_ROOT and f"{PKG}.engines.{path.stem}" not in moves:
            out.append(f"{PKG}.engines.{path.stem}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if anything is left to do or a root module is unplanned")
    parser.add_argument("--no-git", action="store_true", help="move files without git mv")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    dry = args.dry_run or args.check
    git = not args.no_git and (root / ".git").exists()
    plan = Plan()
    moves = all_moves(root)
    absolute_imports(root, plan, dry)
    do_moves(root, moves, plan, dry, git)
    do_splits(root, plan, dry, git)
    if not dry:
        moves = all_moves(root)
    rewrite_references(root, moves, plan, dry)
    do_renames(root, plan, dry)
    add_contract(root, plan, dry)
    left = leftovers(root, all_moves(root))
    for name in left:
        print(f"UNPLANNED: {name} is in the package root but neither public API nor in MOVES; "
              "add it to MOVES in tools/restructure.py and run again", file=sys.stderr)
    if not plan.steps:
        print("nothing to do: the tree has the layout")
    if args.check:
        return 1 if plan.steps or left else 0
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
