"""What the publication's Chinese search finds: the free-text columns of every published table
(names of units and regions, posts, observations, achievements, case summaries, remarks, and
at oversight level cadres' names), one search row per table row, with a link back to it."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from cadre_sdk.publish.copy import TablePlan
from cadre_sdk.publish.introspect import record_json
from cadre_sdk.publish.labels import labels_for

#: At most this many characters of a row's text are shown in a search result.
SHOWN = 300


def _search_columns(plan: TablePlan) -> list[str]:
    """The free-text columns of the table that this level publishes."""
    kept = {c.name for c in plan.columns}
    return [c for c in (plan.labels.search if plan.labels else ()) if c in kept]


def index_rows(conn: sqlite3.Connection, plans: list[TablePlan]
               ) -> Iterator[tuple[str, str, str, str, str]]:
    """``(kind, title, shown, record, text)`` for every row with searchable text: ``kind`` is
    the table's Chinese title, ``title`` the row's name (or key), ``shown`` the start of the
    row's text and ``text`` all of it (title included), which is what is indexed."""
    for plan in plans:
        cols = _search_columns(plan)
        if not cols:
            continue
        kind = labels_for(plan.name, [c.name for c in plan.columns]).title
        keys = plan.pk or ["rowid"]
        named = "name" in cols
        # the record cell is built by SQLite (the same JSON as ``record_value``)
        select = ", ".join([record_json(plan.name, [f"[{k}]" for k in keys]),
                            *(f"[{c}]" for c in [*keys, *cols])])
        for record, *row in conn.execute(f"SELECT {select} FROM main.[{plan.name}]"):
            key, values = row[:len(keys)], dict(zip(cols, row[len(keys):]))
            title = values.pop("name") if named and values.get("name") else "/".join(
                str(k) for k in key)
            content = "；".join(str(v) for v in values.values() if v)
            if named or content:
                yield (kind, str(title), content[:SHOWN], record,
                       (str(title), *(str(v) for v in values.values() if v)))
