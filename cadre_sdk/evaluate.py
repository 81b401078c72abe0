"""``evaluate``: run every engine over the store in one transaction, with provenance."""
from __future__ import annotations

import datetime
import sqlite3
from typing import Any

import sqlite_utils

from . import explanations
from .engines import engine_modules
from .plugins import CadrePlugins
from .store import begin_write, db_file, record_provenance, rollback, store_error


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *, only: tuple[str, ...] = (),
             as_of: datetime.date | str | None = None) -> dict[str, Any]:
    """Run the engines (all, or those named in ``only``) in one transaction.

    ``as_of`` is the evaluation date (deadlines, overdue days, "this year"); default today.
    Any error rolls everything back: results are all from one run or none. Each engine
    replaces its previous results, so re-evaluating the same inputs on the same ``as_of``
    gives identical tables.
    """
    if isinstance(as_of, str):
        as_of = datetime.date.fromisoformat(as_of)
    as_of = as_of or datetime.date.today()
    conn = begin_write(db, "测算")
    summary: dict[str, Any] = {}
    try:
        versions = {n: i.version for n, i in plugins.infos.items()}
        for module in engine_modules():
            name = module.__name__.rsplit(".", 1)[1]
            if only and name not in only:
                continue
            summary[name] = module.evaluate(db, plugins, as_of=as_of)
            record_provenance(db, "evaluate", kind=name,
                              detail=f"as_of={as_of.isoformat()} {summary[name]}",
                              plugins=versions)
        for file, (plugin, params) in sorted(plugins.book.parameter_sets().items()):
            record_provenance(db, "evaluate", kind="parameters", detail=f"{plugin}: {file}",
                              sha256=params.sha256, plugins=versions)
        explanations.prune(db)
        conn.execute("COMMIT")
    except BaseException as exc:
        rollback(conn)
        known = store_error(exc, db_file(db), "测算") if isinstance(exc, sqlite3.Error) else None
        if known is not None:
            raise known from exc
        raise
    return summary
