"""The load pipeline: clerks' files -> rows -> normalized, validated records -> one transaction.

Every row of every file is checked (header, each cell, the whole record, the schema, plugins'
validation, duplicate keys, references); if anything is wrong, nothing is written and the
report lists every bad row as ``file:line: column: reason``. Rows stream through: memory stays
flat however large the file.

Rows go in batches. A batch's cells are converted column by column, each distinct cell text
once (``load_rows``: converter, validators, schema); records are made from the converted values
(``record_builder``), checked, and handed to plugins. A row with anything wrong goes the
thorough way (``RowChecker.check``, the reference for what is reported). Duplicate keys and
references are found in SQL (``load_keys``: ``RowidLedger``; ``KeyLedger`` for kinds that
need a table of the loaded keys).
"""
from __future__ import annotations

import contextlib
import gc
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import sqlite_utils

from .engines import engine_modules
from .errors import DataError, PluginError, ReadError, RowError
from .load_keys import KeyLedger, RowidLedger
from . import load_rows
from .load_rows import Batch, RowChecker, checks_of, object_batches, read_batches
from .load_rows import header_map, rows_with_header  # noqa: F401  (used from here by callers)
from .normalize import normalize_header
from .plugins import CadrePlugins, plugin_time_limit
from .readers import RawRow, make_row
from .records import RECORD_TYPES
from .records.fields import record_builder
from .store import record_provenance, sha256_file, write_transaction

#: Engines that derive data from freshly loaded rows (e.g. the case events' hash chain), run
#: inside the load's transaction: kind -> callbacks(db, keys_table, plugins).
_AFTER_LOAD: dict[str, list[Callable[..., list[RowError]]]] = {}


def after_load(kind: str) -> Callable:
    """Decorator for an engine callback run after rows of ``kind`` are written, in the same
    transaction. It gets the database, the name of the temp table of loaded keys
    (key columns, ``_file``, ``_line``) and the load's plugin manager (``None`` when loading without
    plugins), and returns RowErrors (non-empty rolls the load back). Engine modules register
    their callbacks when imported; the loader imports them before running callbacks."""
    def wrap(func: Callable) -> Callable:
        _AFTER_LOAD.setdefault(kind, []).append(func)
        return func
    return wrap


@attrs.frozen
class LoadResult:
    kind: str
    files: tuple[str, ...]
    rows: int
    written: bool


@attrs.frozen
class RowSource:
    """Rows of one kind made from a file by a reader that is not a table (a 任免审批表 gives a
    cadre, its career history and its grades): they load like a file's rows, with ``display``
    and ``sha256`` (the file's) in messages and provenance. ``rows`` are keyed by header text;
    the header is the first row's keys."""

    display: str
    sha256: str
    rows: tuple[RawRow, ...]


def load_sources(
    db: sqlite_utils.Database,
    parts: Sequence[tuple[str, Sequence[RowSource]]],
    *,
    plugins: CadrePlugins | None = None,
    dry_run: bool = False,
) -> list[LoadResult]:
    """Load rows of several kinds (``(kind, sources)``, referenced kinds first) in one
    transaction, each kind exactly as ``load_files`` loads a file's rows; the first kind with a
    bad row raises ``DataError`` (listing every bad row of that kind) and nothing is written."""
    engine_modules()
    results = []
    with write_transaction(db, "导入") as conn, _cycle_collector_paused():
        for kind, sources in parts:
            cls = resolve_kind(kind)
            results.append(_load(db, conn, cls, RowChecker(cls, plugins), sources, plugins,
                                 dry_run, None, finish=False))
        conn.execute("ROLLBACK" if dry_run else "COMMIT")
    return results


def resolve_kind(name: str) -> type:
    """A record class by kind (``cadre``) or Chinese title (``干部``)."""
    if name in RECORD_TYPES:
        return RECORD_TYPES[name]
    for cls in RECORD_TYPES.values():
        if normalize_header(cls.__title__) == normalize_header(name):
            return cls
    kinds = "、".join(f"{k}（{c.__title__}）" for k, c in RECORD_TYPES.items())
    raise DataError(f"未知的数据类别“{name}”。可用类别：{kinds}")


def load_files(
    db: sqlite_utils.Database,
    kind: str,
    paths: Iterable[str | Path],
    *,
    plugins: CadrePlugins | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Load files of one record kind in one transaction; raise ``DataError`` listing every bad
    row (and write nothing) if any row is bad. ``dry_run`` validates only."""
    cls = resolve_kind(kind)
    kind = cls.__kind__
    checker = RowChecker(cls, plugins)
    engine_modules()  # importing the engines registers their after_load callbacks
    with write_transaction(db, "导入") as conn, _cycle_collector_paused():
        return _load(db, conn, cls, checker, paths, plugins, dry_run, progress)


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a load. A load makes millions of small containers
    (rows, records) that live for a batch and form no cycles: reference counting frees them,
    while the collector would walk them, and the whole heap, over and over (a third of the
    load's time). Resumed (if it ran) when the load ends, however it ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(db: sqlite_utils.Database, conn: sqlite3.Connection, cls: type, checker: RowChecker,
          paths: Iterable[str | Path | RowSource], plugins: CadrePlugins | None, dry_run: bool,
          progress: Callable[[int], None] | None, finish: bool = True) -> LoadResult:
    """``load_files`` inside its transaction (which the caller rolls back on any exception).
    ``finish``: commit (or, for a dry run, roll back) at the end; otherwise the caller does."""
    kind = cls.__kind__
    errors: list[RowError] = []
    total = 0
    files: list[str] = []
    loaded: list[tuple[str, str, int]] = []  # (file, sha256, rows) for provenance
    conn.execute("DROP TABLE IF EXISTS temp._load_keys")
    ledger: KeyLedger | RowidLedger
    if cls.__append_only__ or _AFTER_LOAD.get(kind) or not RowidLedger.usable(conn, cls):
        ledger = KeyLedger(conn, cls)
    else:
        ledger = RowidLedger(conn, cls)
    for path in paths:
        source = path if isinstance(path, RowSource) else None
        path = Path(path) if source is None else path
        display = str(path) if source is None else source.display
        files.append(display)
        if source is None and not path.exists():
            errors.append(RowError(display, 0, "", "文件不存在"))
            continue
        try:
            if source is not None:
                digest, before = source.sha256, total
                header = [k for k in source.rows[0].values if not k.startswith("__")]
                batches, texts = object_batches(header, iter(source.rows)), False
            else:
                digest, before = sha256_file(path), total
                header, batches, texts = read_batches(path, display)
            with contextlib.closing(batches):
                mapping, header_errors = checker.columns(
                    display, [h for h in header if not h.startswith("__")])
                if header_errors:
                    errors.extend(header_errors)
                    continue
                plan = checker.plan(header, mapping)
                with plugin_time_limit():
                    validate = plugins.record_validator(kind) if plugins is not None else None
                    for batch in batches:
                        room = load_rows.MAX_ERRORS - len(errors)
                        outcomes, clean = _judge(checker, plan, mapping, header, display,
                                                 batch, texts, validate, room)
                        used, stopped = ledger.store(outcomes, clean, display, batch.lines,
                                                     errors)
                        if progress:
                            for _ in range((total + used) // 1000 - total // 1000):
                                progress(1000)
                        total += used
                        if stopped:
                            break
            loaded.append((display, digest, total - before))
        except ReadError as exc:
            errors.append(RowError(display, 0, "", str(exc)))
        if len(errors) >= load_rows.MAX_ERRORS:
            break
    if progress and total % 1000:
        progress(total % 1000)
    errors.extend(ledger.references())
    if not errors:
        for callback in _AFTER_LOAD.get(kind, ()):
            errors.extend(callback(db, "temp._load_keys", plugins))
    if errors:
        errors.sort(key=lambda e: (files.index(e.file) if e.file in files else len(files),
                                   e.line))
        conn.execute("ROLLBACK")
        raise DataError(f"“{cls.__title__}”数据有 {len(errors)}"
                        f"{'+' if len(errors) >= load_rows.MAX_ERRORS else ''} 处错误，"
                        "未写入任何数据。请改正后重新导入：", errors)
    if dry_run:
        if finish:
            conn.execute("ROLLBACK")
        return LoadResult(kind, tuple(files), total, False)
    plugin_versions = {n: i.version for n, i in plugins.infos.items()} if plugins else {}
    for display, digest, rows_in_file in loaded:
        record_provenance(db, "load", kind=kind, detail=display, sha256=digest,
                          rows=rows_in_file, plugins=plugin_versions)
    conn.execute("DROP TABLE IF EXISTS temp._load_keys")
    if finish:
        conn.execute("COMMIT")
    return LoadResult(kind, tuple(files), total, True)


def _judge(checker: RowChecker, plan: list, mapping: dict[str, attrs.Attribute],
           header: list[str], display: str, batch: Batch, texts: bool,
           validate: Callable[[Any], Sequence[str]] | None, room: int) -> tuple[list, bool]:
    """Each row's outcome, in order: its errors (a list), or its values in field order (a
    tuple); up to and including the row whose errors fill the ``room`` left for errors (the
    rows after it are not looked at, as before). And whether every row is good.

    Cells are converted column by column; records are made without converting again. A row
    with a bad cell, or that fails a record check, goes through ``RowChecker.check`` (the
    thorough way, which says what is wrong); plugins validate the others."""
    rows, suspect = checker.convert(plan, batch.cells, texts)
    suspect.update(batch.slow)
    cls = checker.cls
    records = list(map(record_builder(cls), rows))
    if cls.__checks__:
        if not suspect:  # (a suspect row's values may not even be of the field's type)
            passed = list(map(checks_of(cls), records))
            if not all(passed):
                suspect.update(i for i, ok in enumerate(passed) if not ok)
        else:
            passes = checks_of(cls)
            suspect.update([i for i, rec in enumerate(records)
                            if i not in suspect and not passes(rec)])
    messages: list[Sequence[str]] | None = None
    if not suspect:
        if validate is None:
            return rows, True
        messages = []
        try:
            messages.extend(map(validate, records))
        except PluginError:
            # Row by row, the errors before this row would have ended the load first?
            if not _fills(messages, room):
                raise
        if not any(messages):
            return rows, True
    lines = batch.lines
    outcomes: list = []
    found = 0
    for i, row in enumerate(rows):
        row_errors: list[RowError] | None = None
        if i in suspect:  # the thorough way
            raw = batch.slow.get(i) or (batch.raws[i] if batch.raws is not None else
                                        make_row(display, lines[i], header, batch.cells[i]))
            rec, row_errors = checker.check(raw, mapping)
            if not row_errors:
                row = attrs.astuple(rec, recurse=False)
        elif validate is not None:
            said = messages[i] if messages is not None else validate(records[i])
            if said:
                row_errors = [RowError(display, lines[i], "", m) for m in said]
        if row_errors:
            outcomes.append(row_errors)
            found += len(row_errors)
            if found >= room:
                break
        else:
            outcomes.append(row)
    return outcomes, False


def _fills(messages: list[Sequence[str]], room: int) -> bool:
    """Whether the plugins' messages so far fill the room left for errors."""
    found = 0
    for said in messages:
        if said:
            found += len(said)
            if found >= room:
                return True
    return False
