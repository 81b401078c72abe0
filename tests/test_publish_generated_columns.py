"""The store's generated columns (an explanation's kind, a result's explanation id, pool and
plugin names, a subsidy line's explanation id) are published as ordinary columns holding the
same values; the columns they are derived from only in the store are not published."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from cadre_sdk.publish.copy import STORAGE_ONLY

#: Tables with generated columns in the store, their key and the generated columns.
GENERATED = {"explanation": ("id", ["kind"]),
             "assessment_result": ("assessment_id", ["pool", "indicator_plugin",
                                                     "formula_plugin", "grading_plugin",
                                                     "explanation_id"]),
             "subsidy_line": ("month, cadre_id, scheme_id", ["explanation_id"])}


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_generated_columns_are_published_with_their_values(oversight_db: Path,
                                                            sample_store: Path) -> None:
    conn, store = _connect(oversight_db), _connect(sample_store)
    for table, (key, generated) in GENERATED.items():
        info = store.execute(f"PRAGMA table_xinfo([{table}])").fetchall()
        assert [r[1] for r in info if r[6] == 2] == generated, table
        published = [r[1] for r in conn.execute(f"PRAGMA table_xinfo([{table}])")]
        # the same columns in the same order, ordinary ones, without the storage-only ones
        assert published == [r[1] for r in info if r[1] not in STORAGE_ONLY], table
        assert not [r for r in conn.execute(f"PRAGMA table_xinfo([{table}])") if r[6]]
        columns = ", ".join(generated)
        rows = store.execute(f"SELECT {key}, {columns} FROM [{table}] ORDER BY {key}").fetchall()
        assert rows, table
        assert conn.execute(f"SELECT {key}, {columns} FROM [{table}] ORDER BY {key}"
                            ).fetchall() == rows, table
