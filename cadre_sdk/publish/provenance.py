"""Provenance visible in the publication: what was published, when, from which store, by which
SDK, plugins, rules and parameter versions. (The store's own ``provenance`` table, with the
hash of every loaded file, is copied as it is.) The published file's own hash cannot be inside
it: ``build`` writes it next to the file.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from cadre_sdk import __version__
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.core.value_status import package_path
from cadre_sdk.publish.redact import LEVEL_TITLES
from cadre_sdk.publish.thresholds import TITLES_ZH, Thresholds, suppressed_text

_TABLES = (
    "CREATE TABLE publication (key TEXT PRIMARY KEY, title TEXT NOT NULL, value TEXT)",
    """CREATE TABLE plugin_version (name TEXT PRIMARY KEY, version TEXT, jurisdiction TEXT,
  source TEXT, hooks TEXT)""",
    """CREATE TABLE rule_version (kind TEXT NOT NULL, key TEXT NOT NULL, title TEXT,
  plugin TEXT NOT NULL, plugin_version TEXT, jurisdiction TEXT NOT NULL, priority INTEGER,
  parameter_file TEXT, parameter_sha256 TEXT,
  PRIMARY KEY (kind, jurisdiction, key, plugin))""",
    """CREATE TABLE parameter_value (file TEXT NOT NULL, path TEXT NOT NULL,
  start TEXT NOT NULL, value TEXT, unit TEXT, reference TEXT, example INTEGER, plugin TEXT,
  status TEXT, description TEXT, PRIMARY KEY (file, path, start))""",
)


def _create(conn: sqlite3.Connection) -> None:
    """Create the provenance tables of the publication."""
    # One statement at a time: executescript would commit the build's open transaction.
    for sql in _TABLES:
        conn.execute(sql)


def _title(item: Any) -> str:
    """A rule item's human name, whatever its type calls it."""
    return str(getattr(item, "title", "") or getattr(item, "name", "") or "")


def _rules(plugins: CadrePlugins) -> Iterator[tuple]:
    """One row per registered rule item (kind, key, title, plugin, version, jurisdiction,
    priority, parameter file and hash)."""
    seen = set()
    for kind in plugins.book.kinds():
        for reg in plugins.book.all(kind):
            key = (kind, reg.jurisdiction, reg.key, reg.plugin)
            if key in seen:
                continue
            seen.add(key)
            params = getattr(reg.item, "parameters", None)
            yield (*key[:1], reg.key, _title(reg.item), reg.plugin,
                   plugins.infos[reg.plugin].version, reg.jurisdiction, reg.item.priority,
                   package_path(params.file) if params else None,
                   params.sha256 if params else None)


def _parameters(plugins: CadrePlugins) -> Iterator[tuple]:
    """One row per dated value of every parameter file a rule uses."""
    for file, (plugin, params) in sorted(plugins.book.parameter_sets().items()):
        for path, values in params.leaves():
            for pv in values:
                value = pv.value if isinstance(pv.value, str) else json.dumps(
                    pv.value, ensure_ascii=False, default=str)
                yield (package_path(file), path, pv.start.isoformat(), value, pv.unit,
                       pv.reference, int(pv.example), plugin, pv.status, pv.description)


#: An absolute path of the build machine (POSIX or Windows) inside a text.
_MACHINE_PATH = re.compile(r"(?:(?<![\w.])/|\b[A-Za-z]:\\)[^\s，；、（）()]+")


def _strip_machine_paths(conn: sqlite3.Connection) -> None:
    """Loaded files are recorded with the path they were loaded from: the publication keeps
    the package path (files inside a package) or the file name, never a machine path."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'provenance'").fetchone():
        return
    rows = conn.execute("SELECT id, detail FROM provenance WHERE detail IS NOT NULL").fetchall()
    for rid, detail in rows:
        cleaned = _MACHINE_PATH.sub(lambda m: package_path(m.group().replace("\\", "/")),
                                    detail)
        if cleaned != detail:
            conn.execute("UPDATE provenance SET detail = ? WHERE id = ?", [cleaned, rid])


def write(conn: sqlite3.Connection, *, level: str, built_at: str, source_sha256: str,
          min_raters: int, plugins: CadrePlugins, out_name: str) -> None:
    """Fill the publication's provenance tables and add a ``publish`` row to ``provenance``."""
    _create(conn)
    facts = [
        ("level", "访问级别", f"{level}（{LEVEL_TITLES[level]}）"),
        ("built_at", "生成时间（UTC）", built_at),
        ("sdk_version", "cadre-sdk 版本", __version__),
        ("source_sha256", "源数据库 SHA-256", source_sha256),
        ("min_raters", "测评汇总最少参评人数（公开版）", str(min_raters)),
        ("file_hash", "本文件的 SHA-256",
         f"见同目录文件 {out_name}.sha256 及首页说明（文件的哈希无法写入文件自身）"),
    ]
    conn.executemany("INSERT INTO publication VALUES (?, ?, ?)", facts)
    conn.executemany("INSERT INTO plugin_version VALUES (?, ?, ?, ?, ?)",
                     [(i.name, i.version, i.jurisdiction, i.source, ", ".join(i.hooks))
                      for i in sorted(plugins.infos.values(), key=lambda i: i.name)])
    conn.executemany("INSERT OR IGNORE INTO rule_version VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     _rules(plugins))
    conn.executemany("INSERT OR IGNORE INTO parameter_value VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                     "?)",
                     _parameters(plugins))
    _strip_machine_paths(conn)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'provenance'").fetchone():
        versions = json.dumps({n: i.version for n, i in sorted(plugins.infos.items())},
                              ensure_ascii=False, sort_keys=True)
        conn.execute("INSERT INTO provenance (step, kind, detail, sha256, sdk_version, plugins, "
                     "at) VALUES ('publish', ?, ?, ?, ?, ?, ?)",
                     [level, f"发布 {out_name}（{LEVEL_TITLES[level]}）；源数据库哈希见 sha256 列",
                      source_sha256, __version__, versions, built_at])


def write_protection(conn: sqlite3.Connection, limits: Thresholds, masked: int,
                     suppressed: dict[str, int], left_out: int) -> None:
    """The public level's small-group protection as facts of the ``publication`` table: each
    threshold with its source, the cells masked and hidden, the cadres left out."""
    facts = [(f"threshold_{name}", TITLES_ZH[name],
              f"{getattr(limits, name)}（{limits.sources.get(name, ('', 'SDK 默认'))[1]}）")
             for name in TITLES_ZH]
    facts += [
        ("masked_cells", "屏蔽的单元格数（身份证号、电话号码、姓名、干部编号）", str(masked)),
        ("suppressed_cells", "因人数少于门槛而不公开的单元格数",
         "；".join(f"{t} {n}" for t, n in sorted(suppressed.items())) or "0"),
        # a count of cadres like any other: 1 to min_count - 1 is not published
        ("generalized_left_out", "概化后仍少于 k 人而未列入“干部队伍结构（概化）”的干部数",
         suppressed_text(limits.min_count) if 0 < left_out < limits.min_count
         else str(left_out)),
    ]
    conn.executemany("INSERT INTO publication VALUES (?, ?, ?)", facts)
