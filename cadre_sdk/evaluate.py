"""``evaluate``: run every engine over the store in one transaction, with provenance."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .engines import engine_modules
from .errors import StoreError
from .plugins import CadrePlugins
from .store import record_provenance


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *, only: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    """Run the engines (all, or those named in ``only``) in one transaction.

    Any error rolls everything back: results are all from one run or none. Each engine
    replaces its previous results, so re-evaluating the same inputs gives identical tables.
    """
    conn = db.conn
    conn.isolation_level = None
    try:
        conn.execute("BEGIN IMMEDIATE")
    except Exception as exc:
        raise StoreError(f"数据库被其他程序占用或只读（{exc}）。请稍后重试；数据未作任何改动。") from exc
    summary: dict[str, Any] = {}
    try:
        versions = {n: i.version for n, i in plugins.infos.items()}
        for module in engine_modules():
            name = module.__name__.rsplit(".", 1)[1]
            if only and name not in only:
                continue
            summary[name] = module.evaluate(db, plugins)
            record_provenance(db, "evaluate", kind=name, detail=str(summary[name]),
                              plugins=versions)
        for file, (plugin, params) in sorted(plugins.book.parameter_sets().items()):
            record_provenance(db, "evaluate", kind="parameters", detail=f"{plugin}: {file}",
                              sha256=params.sha256, plugins=versions)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return summary
