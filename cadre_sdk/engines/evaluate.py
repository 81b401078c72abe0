"""``evaluate``: run every engine over the store in one transaction, with provenance."""
from __future__ import annotations

import contextlib
import datetime
import gc
import sqlite3
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from cadre_sdk.store import explanations
from cadre_sdk.engines.registry import ENGINES, engine_name
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.plugin_host.watchdog import plugin_time_limit
from cadre_sdk.store.database import record_provenance, write_transaction
from cadre_sdk.store.stored_parameters import with_stored_parameters


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often: engines allocate millions of short-lived
    containers (traces, rows) that form no cycles, and collecting every 700 allocations (the
    default) costs about a tenth of an evaluation. Reference counting still frees them at once;
    the thresholds are restored afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 50_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *, as_of: datetime.date | str,
             only: tuple[str, ...] = (), compact: bool = True) -> dict[str, Any]:
    """Run the engines (all, or those named in ``only``) in one transaction.

    ``as_of`` is the evaluation date (deadlines, overdue days, "this year"); it is required:
    nothing in the library reads the clock (only the CLI defaults ``--as-of`` to today).
    Any error rolls everything back: results are all from one run or none. Each engine
    replaces its previous results, so re-evaluating the same inputs on the same ``as_of``
    gives identical tables.

    ``compact``: once the results are committed, ``VACUUM`` the store (``compact_store``).
    """
    if isinstance(as_of, str):
        as_of = datetime.date.fromisoformat(as_of)
    if not isinstance(as_of, datetime.date):
        raise TypeError(f"evaluate() needs the evaluation date as_of, got {as_of!r}")
    summary: dict[str, Any] = {}
    with write_transaction(db, "测算") as conn:
        # The parameter files added to the store (cadre parameters add) over the plugins'
        # values, read inside the transaction: a file removed meanwhile waits for it to end,
        # so the results and their provenance name the files they used.
        plugins = with_stored_parameters(db, plugins)
        versions = {n: i.version for n, i in plugins.infos.items()}
        # One watchdog for the whole run: each rule call only notes its deadline.
        with plugin_time_limit(), _fewer_collections():
            for module in ENGINES:
                name = engine_name(module)
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
    if compact:
        compact_store(db)
    return summary


def compact_store(db: sqlite_utils.Database) -> bool:
    """``VACUUM`` the store: every table and index rewritten in key order, its pages full.

    Engines replace their results (delete, then insert) and write explanations in the order of
    their ids' hashes (the subsidy ledger's), which leaves B-tree pages partly empty; the
    loaded tables' indexes were built row by row. At 10k cadres the store after evaluate held
    9 MB of such unused space (issue 19). Costs about 3% of an evaluation's CPU. The results are
    already committed: if the store cannot be compacted (another connection reads it, the disk
    has no room for the copy), it stays as it is, intact (VACUUM is atomic), and False is
    returned."""
    try:
        db.conn.execute("VACUUM")
    except sqlite3.Error:
        return False
    return True
