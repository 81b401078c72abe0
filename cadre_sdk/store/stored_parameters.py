"""Parameter files added to a store by an office (``cadre parameters add``), stored with their
file name, SHA-256 and a provenance row (migration set ``cadre_sdk.parameter_files``), and the
plugins an evaluation of the store uses: the plugins' rules with those files layered over their
values (precedence: ``cadre_sdk.plugin_host.stored_layers``).

A file replaces the stored files of the same rule and jurisdiction that have its name or state
values from the same dates (a corrected file, re-added); any other stored file stays, the one
added last ranking first.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import attrs
import sqlite_utils

from cadre_sdk.core.errors import CadreError
from cadre_sdk.core.value_status import STORED_SOURCE
from cadre_sdk.parameters import Parameters, parse_parameters
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.plugin_host.rule_book import RuleBook
from cadre_sdk.plugin_host.stored_layers import StoredLayer
from cadre_sdk.store.database import (
    migrate, migration_set, now, record_provenance, sha256_file, write_transaction,
)
from cadre_sdk.store.parameter_files import CheckedFile, read_parameter_file
from cadre_sdk.store.table_labels import describe

__all__ = ["Added", "StoredFile", "add_parameter_file", "changed_since_evaluation",
           "remove_parameter_file", "stored_files", "with_stored_parameters"]

migrations = migration_set("cadre_sdk.parameter_files")


describe("parameter_file", "录入的参数文件",
         "财政、组织部门录入的各年参数取值（cadre parameters add），如乡镇工作补贴档次、地区附加津贴金额；"
         "测算时叠加在插件的取值之上。",
         {"id": "编号", "rule_kind": "规则类别", "rule_key": "规则", "rule_name": "规则名称",
          "jurisdiction": "管辖地区", "file": "录入文件", "sha256": "文件哈希",
          "dates": "起始日期", "paths": "参数", "text": "文件内容", "added_at": "录入时间"})


@migrations(name="0001_parameter_file")
def _parameter_file(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE parameter_file (
      id INTEGER PRIMARY KEY,
      rule_kind TEXT NOT NULL,
      rule_key TEXT NOT NULL,
      rule_name TEXT NOT NULL,
      jurisdiction TEXT NOT NULL,   -- GB/T 2260 code
      file TEXT NOT NULL,           -- the file's name
      sha256 TEXT NOT NULL,
      dates TEXT NOT NULL,          -- JSON list of the ISO start dates it states
      paths TEXT NOT NULL,          -- JSON list of the parameter paths it states
      text TEXT NOT NULL,           -- the file as added (UTF-8)
      added_at TEXT NOT NULL        -- UTC time
    )""")


@attrs.frozen
class StoredFile:
    """One stored file: its row and its values (``parameters``, named by the file's name)."""

    id: int
    kind: str
    key: str
    rule_name: str
    jurisdiction: str
    file: str
    sha256: str
    dates: tuple[str, ...]
    paths: tuple[str, ...]
    added_at: str
    parameters: Parameters

    @property
    def source(self) -> str:
        """How its values are cited: ``录入文件 NAME（2026-12-07 录入）``."""
        return f"{STORED_SOURCE} {self.file}（{self.added_at[:10]} 录入）"

    def layer(self, book: RuleBook) -> StoredLayer:
        """Its values as a layer over the rule's, each with the unit and description the
        rule's plugins give its path where the file states none."""
        facts: dict[str, tuple[str | None, str | None]] = {}
        for reg in book.all(self.kind):
            params = getattr(reg.item, "parameters", None)
            if reg.key != self.key or params is None:
                continue
            for path, values in params.leaves():
                for value in values:
                    unit, description = facts.get(path, (None, None))
                    facts[path] = (unit or value.unit, description or value.description)
        return StoredLayer(self.kind, self.key, self.jurisdiction,
                           self.parameters.completed(facts), self.source)


@attrs.frozen
class Added:
    """What ``add_parameter_file`` did: the file checked and stored, the stored files it
    replaced, and for each a list of the values that changed (Chinese)."""

    file: CheckedFile
    sha256: str
    replaced: tuple[tuple[StoredFile, tuple[str, ...]], ...]


def stored_files(db: sqlite_utils.Database) -> list[StoredFile]:
    """The files added to ``db``, the last added first (none without the table). Their order is
    the order they were added in (``id``: a new row's is above every stored one's), never the
    clock's: which value wins must not depend on the time a machine showed."""
    if not db["parameter_file"].exists():
        return []
    return [StoredFile(row["id"], row["rule_kind"], row["rule_key"], row["rule_name"],
                       row["jurisdiction"], row["file"], row["sha256"],
                       tuple(json.loads(row["dates"])), tuple(json.loads(row["paths"])),
                       row["added_at"], attrs.evolve(parse_parameters(row["text"], row["file"]),
                                                     sha256=row["sha256"]))
            for row in db.query("SELECT * FROM parameter_file ORDER BY id DESC")]


def changed_since_evaluation(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """The parameter files added or removed after the last evaluation, oldest first, as
    (``录入`` or ``删除``, file name): the stored results still use the values of that
    evaluation. None when the store was never evaluated."""
    if not db["provenance"].exists():
        return []
    last = db.execute("SELECT max(id) FROM provenance WHERE step = 'evaluate'").fetchone()[0]
    if last is None:
        return []
    # detail: "kind:key jurisdiction NAME (dates)" (add_parameter_file, remove_parameter_file)
    return [("删除" if kind == "parameter_file_removed" else "录入",
             detail.split(" ", 2)[2].rsplit(" (", 1)[0])
            for kind, detail in db.execute(
                "SELECT kind, detail FROM provenance WHERE step = 'parameters' AND id > ? "
                "ORDER BY id", [last]).fetchall()]


def with_stored_parameters(db: sqlite_utils.Database | None, plugins: CadrePlugins
                           ) -> CadrePlugins:
    """``plugins`` as an evaluation of ``db`` uses them: rules resolved with the files added to
    ``db`` layered over the plugins' values (``plugins`` itself is unchanged; without stored
    files it is returned as is)."""
    files = stored_files(db) if db is not None else []
    if not files:
        return plugins
    out = copy.copy(plugins)
    out.book = plugins.book.with_stored(f.layer(plugins.book) for f in files)
    return out


def _changes(old: StoredFile, new: Parameters) -> tuple[str, ...]:
    """The values ``new`` states differently from ``old`` (path, date: before → after)."""
    def values(params: Parameters) -> dict[tuple[str, str], Any]:
        return {(path, v.start.isoformat()): (v.value, v.reference, v.status)
                for path, vs in params.leaves() for v in vs}
    before, after = values(old.parameters), values(new)
    out = []
    for path, day in sorted(before.keys() | after.keys()):
        was, now_ = before.get((path, day)), after.get((path, day))
        if was == now_:
            continue
        shown = [json.dumps(v[0], ensure_ascii=False) if v else "（无）" for v in (was, now_)]
        what = "取值" if not was or not now_ or was[0] != now_[0] else "依据或性质"
        out.append(f"{path} 自 {day}：{what} {shown[0]} → {shown[1]}" if what == "取值"
                   else f"{path} 自 {day}：{what}已更新")
    return tuple(out)


def add_parameter_file(db: sqlite_utils.Database, path: str | Path,
                       plugins: CadrePlugins) -> Added:
    """Check a parameter file against ``plugins``' rules and store it in ``db`` (replacing the
    stored files of the same rule and jurisdiction with its name or its dates), with a
    provenance row; a bad file raises ``ParameterFileError`` before anything is written."""
    checked = read_parameter_file(path, plugins.book)
    digest = sha256_file(path)
    migrate(db)
    replaced = [(f, _changes(f, checked.parameters)) for f in stored_files(db)
                if (f.kind, f.key, f.jurisdiction) == (checked.kind, checked.key,
                                                        checked.jurisdiction)
                and (f.file == checked.name or f.dates == checked.dates)]
    with write_transaction(db, "录入参数文件") as conn:
        for f, _ in replaced:
            conn.execute("DELETE FROM parameter_file WHERE id = ?", [f.id])
        conn.execute(
            "INSERT INTO parameter_file (rule_kind, rule_key, rule_name, jurisdiction, file, "
            "sha256, dates, paths, text, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [checked.kind, checked.key, checked.rule_name, checked.jurisdiction, checked.name,
             digest, json.dumps(list(checked.dates)), json.dumps(list(checked.paths),
                                                                 ensure_ascii=False),
             checked.text, now()])
        detail = (f"{checked.kind}:{checked.key} {checked.jurisdiction} {checked.name} "
                  f"({', '.join(checked.dates)})")
        if replaced:
            detail += f"; replaced {', '.join(f.file for f, _ in replaced)}"
        record_provenance(db, "parameters", kind="parameter_file", detail=detail, sha256=digest)
        conn.execute("COMMIT")
    return Added(checked, digest, tuple(replaced))


def remove_parameter_file(db: sqlite_utils.Database, name: str) -> list[StoredFile]:
    """Remove the stored files named ``name`` (every rule and jurisdiction), with a provenance
    row; the plugins' values (or other stored files') apply again at the next evaluation. An
    unknown name is a ``CadreError`` naming the stored files, and nothing changes."""
    files = stored_files(db)
    # the path it was added from names it too (files are stored by their name)
    gone = [f for f in files if f.file == name] or [f for f in files if f.file == Path(name).name]
    if not gone:
        known = "、".join(sorted({f.file for f in files})) or "（尚无）"
        raise CadreError(f"没有录入名为“{name}”的参数文件；已录入的文件：{known}。未作任何改动。")
    with write_transaction(db, "删除参数文件") as conn:
        for f in gone:
            conn.execute("DELETE FROM parameter_file WHERE id = ?", [f.id])
            record_provenance(db, "parameters", kind="parameter_file_removed",
                              detail=f"{f.kind}:{f.key} {f.jurisdiction} {f.file} "
                                     f"({', '.join(f.dates)})", sha256=f.sha256)
        conn.execute("COMMIT")
    return gone
