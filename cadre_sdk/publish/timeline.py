"""The view behind the cadre profile (干部档案): one cadre's particulars, career, assessments and
their results, observations, achievements, cases, adjustments, trainings and subsidies, one
row per record, whatever tables this publication has.

Every published table that refers to a cadre (a ``cadre_id`` column, or a ``case_id`` or an
``assessment_id`` whose case or assessment does) and has a date-like column contributes its
rows, labelled with its Chinese title, the row's columns written out as ``标题：值；…``, a link to
the row and its explanation. It is a view over a UNION ALL: SQLite pushes ``cadre_id = ?``
into every branch, so the profile costs one index lookup per table.
"""
from __future__ import annotations

import sqlite3

import attrs

from cadre_sdk.defaults.tolerance import correction_note
from cadre_sdk.engines.cases.corrections import CORRECTION_COLUMNS
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.publish.copy import STORAGE_ONLY
from cadre_sdk.publish.introspect import columns, has, primary_key, record_json
from cadre_sdk.publish import coded
from cadre_sdk.publish.labels import labels_for

VIEW = "cadre_timeline"
#: Columns that date a row, in order of preference.
DATE_COLUMNS = ("date", "start", "start_date", "month", "occurred", "determined_on",
                "last_event_date", "year", "appointed")
#: Columns not written out: the cadre and the explanation (the view's own columns), and the
#: columns a generated column is derived from (``copy.STORAGE_ONLY``: it is written out).
_SKIP = {"cadre_id", "explanation_id"} | STORAGE_ONLY
#: Parts of a row written out from more than its own columns: table -> (title, SQL over the
#: row ``t``, the columns it says, not written out themselves). A case event's corrections
#: (更正), as the oversight query ``case_events`` says them: a corrected event “已被更正，见序号
#: 3”, a correction what it changed.
DERIVED = {"case_event": ("更正情况", correction_note("t"), frozenset(CORRECTION_COLUMNS))}
#: Columns of a cited row not written out: a subsidy rule's parameter versions (keys for SQL;
#: the line's explanation, linked from the row, names each parameter and its date).
_CITED_SKIP = {("subsidy_rule", "parameter_version")}


def _bool_columns(table: str) -> set[str]:
    """The yes/no columns of a record table (shown as 是/否)."""
    cls = RECORD_TYPES.get(table)
    if cls is None:
        return set()
    return {f.name for f in attrs.fields(cls) if f.metadata["kind"] == "bool"}


def _cited(conn: sqlite3.Connection, table: str) -> dict[str, tuple[str, list[str]]]:
    """Columns of ``table`` citing a row of a reference table by number (a foreign key to its
    integer ``id``, e.g. the subsidy ledger's scheme and rule): column -> (that table, the
    columns written out in its place: its own, but the id and further citations)."""
    out = {}
    for fk in conn.execute(f"PRAGMA foreign_key_list([{table}])").fetchall():
        other, col, key = fk[2], fk[3], fk[4]
        if key == "id" and primary_key(conn, other) == ["id"] and any(
                r[1] == "id" and r[2].upper() == "INTEGER"
                for r in conn.execute(f"PRAGMA table_info([{other}])")):
            codes = coded.codes(conn, other)
            out[col] = (other, [c for c in columns(conn, other)
                                if c != "id" and not c.endswith("_id") and c not in codes
                                and (other, c) not in _CITED_SKIP])
    return out


def _detail(table: str, cols: list[str], skip: set[str],
            cited: dict[str, tuple[str, list[str]]] | None = None,
            derived: tuple[str, str] | None = None) -> str:
    """SQL writing a row out as ``标题：值；标题：值`` (empty values left out); a column in
    ``cited`` as the cited row's columns (joined as ``c_<column>``); ``derived`` (title, SQL)
    last."""
    labels = labels_for(table, cols)
    bools = _bool_columns(table)
    parts = []
    for col in cols:
        if col in skip:
            continue
        if cited and col in cited:
            other, shown = cited[col]
            other_labels = labels_for(other, shown)
            for c in shown:
                title = other_labels.columns.get(c, c).replace("'", "''")
                parts.append(f"coalesce('{title}：' || c_{col}.[{c}] || '；', '')")
            continue
        title = labels.columns.get(col, col).replace("'", "''")
        value = (f"CASE t.[{col}] WHEN 1 THEN '是' WHEN 0 THEN '否' END" if col in bools
                 else f"t.[{col}]")
        parts.append(f"coalesce('{title}：' || {value} || '；', '')")
    if derived:
        parts.append(f"coalesce('{derived[0]}：' || ({derived[1]}) || '；', '')")
    return f"rtrim({' || '.join(parts) or repr('')}, '；')"


def _branch(conn: sqlite3.Connection, table: str, order: int) -> str | None:
    """One table's SELECT for the view, or None if its rows belong to no cadre or no date."""
    cols = columns(conn, table)
    date = next((c for c in DATE_COLUMNS if c in cols), None)
    if table == "cadre":
        who, join = "t.id", ""
    elif "cadre_id" in cols:
        who, join = "t.cadre_id", ""
    elif "case_id" in cols and has(conn, "case", "cadre_id"):
        who, join = "v.cadre_id", "JOIN [case] v ON v.id = t.case_id"
    elif "assessment_id" in cols and has(conn, "assessment", "cadre_id"):
        who, join = "v.cadre_id", "JOIN assessment v ON v.id = t.assessment_id"
    else:
        return None
    if date is None and table != "cadre":
        return None
    title = labels_for(table, cols).title.replace("'", "''")
    section = "基本信息" if table == "cadre" else title
    keys = [f"t.[{k}]" for k in primary_key(conn, table)] or ["t.rowid"]
    explanation = "t.explanation_id" if "explanation_id" in cols else "NULL"
    skip = _SKIP | ({date} if date and table != "cadre" else set()) | coded.codes(conn, table)
    derived = DERIVED.get(table)
    if derived and derived[2] <= set(cols):
        skip |= derived[2]
    else:
        derived = None
    cited = _cited(conn, table)
    join += "".join(f" LEFT JOIN [{other}] c_{col} ON c_{col}.id = t.[{col}]"
                    for col, (other, _) in cited.items())
    return (f"SELECT {who} AS cadre_id, {order} AS section_order, '{section}' AS section, "
            f"{f't.[{date}]' if date else 'NULL'} AS date, "
            f"{_detail(table, cols, skip, cited, derived and derived[:2])} "
            f"AS detail, {record_json(table, keys)} AS record, {explanation} AS explanation_id "
            f"FROM [{table}] t {join}")


def create_view(conn: sqlite3.Connection, tables: list[str]) -> str | None:
    """Create the timeline view over ``tables`` (the copied tables, in publication order)."""
    branches = [b for i, t in enumerate(tables) if (b := _branch(conn, t, i))]
    if not branches:
        return None
    conn.execute(f"CREATE VIEW {VIEW} AS\n" + "\nUNION ALL\n".join(branches))
    return VIEW
