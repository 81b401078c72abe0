"""The Chinese names of the rule codes the publication's tables store (a staffing rule's
``rural_team_township_leader``, a consequence's ``adjust_incompetent``), so that pages show
the rule's name where a table, an explanation's id or its rules cite the code (the code stays
in the file, for SQL, and on hover). The names are those of 规则清单 (``rule_version``: each
registered rule's title), read when publishing into the publication's settings."""
from __future__ import annotations

import json
import sqlite3

#: (table, column) holding a rule's code -> the kind of rule (``rule_version.kind``).
CODE_COLUMNS = {("staffing_breach", "rule_code"): "staffing",
                ("staffing_breach_summary", "rule_code"): "staffing",
                ("consequence", "code"): "consequence"}


def titles(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Rule kind -> {code: Chinese name} for the kinds of ``CODE_COLUMNS`` (the first title
    of a code several jurisdictions register)."""
    kinds = sorted(set(CODE_COLUMNS.values()))
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'rule_version'").fetchone():
        return {}
    out: dict[str, dict[str, str]] = {}
    for kind, key, title in conn.execute(
            "SELECT kind, key, title FROM rule_version WHERE kind IN (SELECT value FROM "
            "json_each(?)) AND coalesce(title, '') <> '' ORDER BY kind, key, jurisdiction, "
            "plugin", [json.dumps(kinds)]):
        out.setdefault(kind, {}).setdefault(key, title)
    return out


def words(config: dict) -> dict[str, str]:
    """Code -> Chinese name of every rule code in the publication's settings."""
    return {code: title for names in config.get("rule_titles", {}).values()
            for code, title in names.items()}
