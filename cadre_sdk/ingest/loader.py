"""The load pipeline: clerks' files -> rows -> normalized, validated records -> one transaction.

Every row of every file is checked (header, each cell, the whole record, the schema, plugins'
validation, duplicate keys, references); if anything is wrong, nothing is written and the
report lists every bad row as ``file:line: column: reason``. Rows stream through: memory stays
flat however large the file.

Rows go in batches. A batch's cells are converted column by column, each distinct cell text
once (``load_rows``: converter, validators, schema); whole-record checks that declare their
fields (``records.fields.judged_by``) judge the batch's columns, and records are made from the
converted values (``record_builder``) only for a check that needs one and for plugins. A row
with anything wrong goes the thorough way (``RowChecker.check``, the reference for what is
reported). Duplicate keys and references are found in SQL (``load_keys``: ``RowidLedger``;
``KeyLedger`` for kinds that need a table of the loaded keys).
"""
from __future__ import annotations

import contextlib
import functools
import gc
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import sqlite_utils

from cadre_sdk.core.errors import DataError, PluginError, ReadError, RowError
from cadre_sdk.ingest.deferred import DeferredIndexes
from cadre_sdk.ingest.keys import FreshLedger, KeyLedger, Redo, RowidLedger
from cadre_sdk.ingest import batches as load_rows
from cadre_sdk.ingest.batches import (
    ConvertedBatch,
    RowChecker,
    checks_of,
    read_batches,
    value_checks_of,
)
from cadre_sdk.ingest.batches import header_map, rows_with_header  # noqa: F401  (used from here by callers)
from cadre_sdk.core.normalize import normalize_header
from cadre_sdk.plugin_host.discovery import CadrePlugins, Problem
from cadre_sdk.plugin_host.watchdog import plugin_time_limit
from cadre_sdk.ingest.readers import make_row
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.records.fields import record_builder
from cadre_sdk.store.database import db_file, record_provenance, sha256_file, write_transaction
from cadre_sdk.core.errors import StoreError
from cadre_sdk.ingest import kind_hint
from cadre_sdk.ingest.identity import identifier_of
from cadre_sdk.ingest.updates import Counts, FileUpdate, LoadOptions, LoadState
from cadre_sdk.ingest.row_source import RowSource
from cadre_sdk.ingest.paths import Worksheet

#: After-load callbacks: kind -> callbacks ``(db, keys_table, plugins) -> [RowError]``, run
#: inside the load's transaction once the rows of that kind are written (engines derive data
#: from them, e.g. the case events' hash chain). The caller passes them (the CLI and the
#: testing kit pass ``cadre_sdk.engines.registry.AFTER_LOAD``); the loader imports no engine.
AfterLoad = Mapping[str, Sequence[Callable[..., list[RowError]]]]


@attrs.frozen
class LoadResult:
    """What a load did: the rows read, whether anything was written (not for a dry run, nor
    when every row was already stored as it is), how many rows were new, changed and
    unchanged, the header line of each file whose header was not on its first line
    (title rows above it), the row-number columns left out (file, header as written:
    ``ROW_NUMBER_HEADERS``), and the regions read from a short form (one Chinese line each:
    地区“海西州”按海西蒙古族藏族自治州（632800）读取)."""

    kind: str
    files: tuple[str, ...]
    rows: int
    written: bool
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    header_lines: tuple[tuple[str, int], ...] = ()
    clear_empty: bool = False
    row_numbers: tuple[tuple[str, str], ...] = ()
    read_as: tuple[str, ...] = ()


#: Headers of the row-number column nearly every roster begins with: not data, left out
#: (unless the kind has a column of that name: a case event's 序号).
ROW_NUMBER_HEADERS = frozenset({"序号"})


def load_sources(
    db: sqlite_utils.Database,
    parts: Sequence[tuple[str, Sequence[RowSource]]],
    *,
    plugins: CadrePlugins | None = None,
    dry_run: bool = False,
    options: LoadOptions | None = None,
    after_load: AfterLoad | None = None,
) -> list[LoadResult]:
    """Load rows of several kinds (``(kind, sources)``, referenced kinds first) in one
    transaction, each kind exactly as ``load_files`` loads a file's rows; the first kind with a
    bad row raises ``DataError`` (listing every bad row of that kind) and nothing is written.
    ``after_load`` as for ``load_files``."""
    check_store(db)
    results = []
    with write_transaction(db, "导入") as conn, _cycle_collector_paused():
        for kind, sources in parts:
            cls = resolve_kind(kind)
            results.append(_load(db, conn, cls, RowChecker(cls, plugins), sources, plugins,
                                 dry_run, None, options or LoadOptions(), after_load or {},
                                 finish=False))
        written = any(r.written for r in results)
        conn.execute("COMMIT" if written and not dry_run else "ROLLBACK")
    return results


def resolve_kind(name: str) -> type:
    """A record class by kind (``cadre``) or Chinese title (``干部``)."""
    if name in RECORD_TYPES:
        return RECORD_TYPES[name]
    for cls in RECORD_TYPES.values():
        if normalize_header(cls.__title__) == normalize_header(name):
            return cls
    kinds = "、".join(f"{k}（{c.__title__}）" for k, c in RECORD_TYPES.items())
    raise DataError(f"未知的数据类别“{name}”。{_kind_meant(name)}可用类别：{kinds}")


def _kind_meant(name: str) -> str:
    """What a clerk who typed an unknown kind likely meant, as a sentence ('' if nothing):
    a 任免审批表 loads as 干部; “干部名册” names 干部, “单位名录” 单位 (the longest title inside)."""
    key = normalize_header(name)
    if "任免" in key or "lrmx" in key:
        return "任免审批表（.lrmx）按“干部”导入：cadre load DB 干部 文件或文件夹。"
    inside = [c.__title__ for c in RECORD_TYPES.values()
              if normalize_header(c.__title__) in key]
    if inside:
        return f"是否要导入“{max(inside, key=len)}”？"
    return ""


def load_files(
    db: sqlite_utils.Database,
    kind: str,
    paths: Iterable[str | Path | RowSource | Worksheet],
    *,
    plugins: CadrePlugins | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    options: LoadOptions | None = None,
    after_load: AfterLoad | None = None,
) -> LoadResult:
    """Load files of one record kind in one transaction; raise ``DataError`` listing every bad
    row (and write nothing) if any row is bad. ``dry_run`` validates only.

    A row whose key is stored updates that row: only the columns the file has, and only with
    non-empty cells unless ``options.clear_empty``; references may be names
    (``references``); a cadre file without 干部编号 is matched by 身份证号 (``identity``).
    A load in which every row is already stored as it is writes nothing (``written`` is
    false, no provenance row).

    ``after_load`` maps a kind to the callbacks run after its rows are written, in the same
    transaction (``cadre_sdk.engines.registry.AFTER_LOAD`` for the SDK's engines; none when
    omitted)."""
    cls = resolve_kind(kind)
    kind = cls.__kind__
    checker = RowChecker(cls, plugins)
    check_store(db)
    with write_transaction(db, "导入") as conn, _cycle_collector_paused():
        return _load(db, conn, cls, checker, paths, plugins, dry_run, progress,
                     options or LoadOptions(), after_load or {})


def check_store(db: sqlite_utils.Database) -> None:
    """The database is a cadre store (``cadre init`` has run on it)."""
    try:
        tables = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"无法读取数据库 {db_file(db)}（{exc}）。") from exc
    if not {"cadre", "provenance"} <= tables:
        what = "是空的，还没有初始化" if not tables else "不是干部数据库（没有干部相关的表）"
        raise StoreError(f"数据库 {db_file(db)} {what}。请先运行 cadre init {db_file(db)}，"
                         "或核对数据库文件的路径。数据未作任何改动。")


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
          paths: Iterable[str | Path | RowSource | Worksheet], plugins: CadrePlugins | None,
          dry_run: bool,
          progress: Callable[[int], None] | None, options: LoadOptions,
          after_load: AfterLoad, finish: bool = True) -> LoadResult:
    """``load_files`` inside its transaction (which the caller rolls back on any exception).
    ``finish``: commit (or, for a dry run or a load that changes nothing, roll back) at the
    end; otherwise the caller does (``load_sources``).

    A ``WITHOUT ROWID`` table that holds no row yet is written with plain INSERTs
    (``FreshLedger``); if a key turns out to come twice, or a reference is not found, its rows
    are deleted (the table held none) and the pass is done again the ordinary way, which
    names the rows."""
    kind = cls.__kind__
    paths = list(paths)
    if not after_load.get(kind) and identifier_of(kind) is None and \
            all(not isinstance(p, RowSource) or isinstance(p.rows, Sequence) for p in paths) \
            and FreshLedger.usable(conn, cls):
        shown = _Shown(progress)
        deferred = DeferredIndexes(conn, kind)
        try:
            return _load_pass(db, conn, cls, checker, paths, plugins, dry_run,
                              shown if progress else None, options, after_load, finish,
                              fresh=True, deferred=deferred)
        except Redo:
            deferred.restore()
            conn.execute(f"DELETE FROM [{kind}]")
            progress = shown.resumed()
    return _load_pass(db, conn, cls, checker, paths, plugins, dry_run, progress, options,
                      after_load, finish, deferred=DeferredIndexes(conn, kind))


class _Shown:
    """A progress callback that counts what it showed, so that a pass done again shows only
    the rows beyond it (``resumed``)."""

    def __init__(self, progress: Callable[[int], None] | None):
        self.progress, self.count = progress, 0

    def __call__(self, n: int) -> None:
        self.count += n
        if self.progress:
            self.progress(n)

    def resumed(self) -> Callable[[int], None] | None:
        """The callback for the pass done again: silent for the rows already shown."""
        if self.progress is None:
            return None
        skip = self.count
        progress = self.progress

        def resume(n: int) -> None:
            nonlocal skip
            shown = max(0, n - skip)
            skip = max(0, skip - n)
            if shown:
                progress(shown)
        return resume


def _load_pass(db: sqlite_utils.Database, conn: sqlite3.Connection, cls: type,
               checker: RowChecker, paths: list[str | Path | RowSource | Worksheet],
               plugins: CadrePlugins | None, dry_run: bool,
               progress: Callable[[int], None] | None, options: LoadOptions,
               after_load: AfterLoad, finish: bool = True, fresh: bool = False,
               deferred: DeferredIndexes | None = None) -> LoadResult:
    """One pass of ``_load`` over the files; ``fresh``: with a ``FreshLedger`` (which raises
    ``Redo`` where the ordinary way must be taken). ``deferred``: the table's indexes, built
    after the rows when the table held none and the load is large (``ingest.deferred``); the
    pass ends with them as it found them, unless it raises (the caller restores them on
    ``Redo``; any other exception rolls the transaction back)."""
    kind = cls.__kind__
    errors: list[RowError] = []
    total = 0
    files: list[str] = []
    typed: dict[str, dict[str, str]] = {}   # file -> column title -> the header it has
    loaded: list[tuple[str, str, int, int]] = []  # (file, sha256, rows, rows new or changed)
    header_lines: list[tuple[str, int]] = []
    row_numbers: list[tuple[str, str]] = []
    counts = Counts()
    state = LoadState(conn, cls, options)
    find_header = kind_hint.finder(checker.headers)
    conn.execute("DROP TABLE IF EXISTS temp._load_keys")
    ledger: FreshLedger | KeyLedger | RowidLedger
    if fresh:
        ledger = FreshLedger(conn, cls, state.references)
    elif cls.__append_only__ or after_load.get(kind) or not RowidLedger.usable(conn, cls):
        ledger = KeyLedger(conn, cls)
    else:
        ledger = RowidLedger(conn, cls, state.references)
    if not fresh:
        state.use_ledger(ledger)
    if state.stored_any or after_load.get(kind):
        deferred = None  # (rows merged with stored ones, or callbacks, read the indexes)
    for path in paths:
        source = path if isinstance(path, RowSource) else None
        sheet = path.sheet if isinstance(path, Worksheet) else None
        display = path.display if isinstance(path, (RowSource, Worksheet)) else str(path)
        if isinstance(path, Worksheet):
            path = path.path
        path = Path(path) if source is None else path
        files.append(display)
        if source is None and not path.exists():
            errors.append(RowError(display, 0, "", "文件不存在，请检查路径和文件名"))
            continue
        try:
            if source is None:
                digest, before = sha256_file(path), total
                header, batches, texts = read_batches(path, display, find_header, sheet)
            else:
                digest, before = source.sha256, total
                header, batches, texts = source.batches()
            file_counts = Counts()
            with contextlib.closing(batches):
                line = getattr(header, "line", 1)
                if line > 1:
                    header_lines.append((display, line))
                update = FileUpdate(state, [h for h in header if not h.startswith("__")],
                                    display, texts)
                numbering = [h for h in update.header if normalize_header(h) in
                             ROW_NUMBER_HEADERS and normalize_header(h) not in checker.headers]
                row_numbers.extend((display, h) for h in numbering)
                mapping, header_errors = checker.columns(
                    display, [h for h in update.header if h not in numbering],
                    update.absent_ok, line)
                if header_errors:
                    hint = kind_hint.wrong_kind(cls, update.header, str(db_file(db)), display)
                    if hint is not None:
                        errors.append(RowError(display, line, "", hint))
                    errors.extend(_explain_missing_key(cls, header_errors))
                    continue
                typed[display] = {field.metadata["title"]: text for text, field in mapping.items()}
                header = update.extend(mapping)
                plan = checker.plan(header, mapping)
                with plugin_time_limit():
                    validate = plugins.record_validator(kind) if plugins is not None else None
                    validate_batch = (plugins.batch_validator(kind) if plugins is not None
                                      else None)
                    for batch in batches:
                        if not batch.lines:
                            continue
                        prepared = update.prepare(batch)
                        room = load_rows.MAX_ERRORS - len(errors)
                        outcomes, clean = _judge(checker, plan, mapping, header, display,
                                                 batch, texts, validate, room,
                                                 validate_batch)
                        outcomes, clean, batch_counts = prepared.finish(outcomes, clean)
                        file_counts.add(batch_counts)
                        had = len(errors)
                        used, stopped = ledger.store(outcomes, clean, display, batch.lines,
                                                     errors)
                        prepared.settle(outcomes, clean and len(errors) == had)
                        if progress:
                            for _ in range((total + used) // 1000 - total // 1000):
                                progress(1000)
                        total += used
                        if deferred is not None:
                            deferred.written(total)
                        if stopped:
                            break
            counts.add(file_counts)
            loaded.append((display, digest, total - before,
                           file_counts.new + file_counts.changed))
        except ReadError as exc:
            errors.append(RowError(display, 0, "", _without_file(str(exc), display)))
        if len(errors) >= load_rows.MAX_ERRORS:
            break
    if progress and total % 1000:
        progress(total % 1000)
    errors.extend(ledger.references())
    if not errors:
        for callback in after_load.get(kind, ()):
            # (a callback names a column by its title: say it as the clerk's file has it)
            errors.extend(_as_typed(e, typed) for e in callback(db, "temp._load_keys", plugins))
    if errors:
        errors.sort(key=lambda e: (files.index(e.file) if e.file in files else len(files),
                                   e.line))
        conn.execute("ROLLBACK")
        raise DataError(f"“{cls.__title__}”数据有 {len(errors)}"
                        f"{'+' if len(errors) >= load_rows.MAX_ERRORS else ''} 处错误，"
                        "未写入任何数据。请改正后重新导入：", errors)
    result = functools.partial(LoadResult, kind, tuple(files), total, new=counts.new,
                               changed=counts.changed, unchanged=counts.unchanged,
                               header_lines=tuple(header_lines),
                               row_numbers=tuple(row_numbers),
                               read_as=tuple(state.read_as.values()),
                               clear_empty=options.clear_empty)
    if dry_run or not counts.new + counts.changed:
        # Nothing new: the store stays as it was, byte for byte (no provenance row either).
        if finish:
            conn.execute("ROLLBACK")  # (indexes dropped for the load come back with it)
        elif deferred is not None:
            deferred.restore()
        return result(False)
    if deferred is not None:
        deferred.restore()
    plugin_versions = {n: i.version for n, i in plugins.infos.items()} if plugins else {}
    for display, digest, rows_in_file, changed in loaded:
        if changed:
            record_provenance(db, "load", kind=kind, detail=display, sha256=digest,
                              rows=rows_in_file, plugins=plugin_versions)
    conn.execute("DROP TABLE IF EXISTS temp._load_keys")
    if finish:
        conn.execute("COMMIT")
    return result(True)


def _as_typed(error: RowError, typed: dict[str, dict[str, str]]) -> RowError:
    """``error`` with its column named by the header its file has for that column (an alias
    such as 办理日期 for 日期), when the file has one."""
    header = typed.get(error.file, {}).get(error.column)
    return error if header is None or header == error.column else attrs.evolve(error,
                                                                                column=header)


def _without_file(message: str, display: str) -> str:
    """A reader's message without the file name it begins with (the error line names the
    file already): “x.csv：文件为空…” → “文件为空…”, “x.xlsx（工作表“名册”）：…” → “工作表“名册”：…”."""
    if message.startswith(display + "："):
        return message[len(display) + 1:]
    if message.startswith(display + "（") and "）：" in message:
        inside, _, rest = message[len(display) + 1:].partition("）：")
        return f"{inside}：{rest}"
    return message


def _explain_missing_key(cls: type, errors: list[RowError]) -> list[RowError]:
    """A missing key column of a kind that can be identified otherwise says how."""
    name = identifier_of(cls.__kind__)
    if name is None:
        return errors
    key_title = attrs.fields_dict(cls)[cls.__key__[0]].metadata["title"]
    other = attrs.fields_dict(cls)[name].metadata["title"]
    return [attrs.evolve(e, reason=f"{e.reason}；或者提供“{other}”列，按{other}识别"
                         f"{cls.__title__}、由系统分配编号")
            if e.column == key_title and e.reason.startswith("缺少必填列") else e
            for e in errors]


def _judge(checker: RowChecker, plan: list, mapping: dict[str, attrs.Attribute],
           header: list[str], display: str, batch: ConvertedBatch, texts: bool,
           validate: Callable[[Any], Sequence[Problem]] | None, room: int,
           validate_batch: Callable[[dict[str, list], int], dict[int, list[Problem]]] | None = None
           ) -> tuple[list, bool]:
    """Each row's outcome, in order: its errors (a list), or its values in field order (a
    tuple); up to and including the row whose errors fill the ``room`` left for errors (the
    rows after it are not looked at, as before). And whether every row is good.

    Cells are converted column by column; records are made without converting again, and
    only when a check needs them. A row with a bad cell, or that fails a record check, goes
    through ``RowChecker.check`` (the thorough way, which says what is wrong); plugins
    validate the others: ``validate`` a record at a time, ``validate_batch`` the good rows'
    columns at once (a row's messages: ``validate``'s, then ``validate_batch``'s; each names
    the clerk's column when the plugin named its field)."""
    rows, suspect, columns = checker.convert(plan, batch.cells, texts)
    suspect.update(batch.slow)
    cls = checker.cls
    records: list | None = None
    if cls.__checks__:
        if not suspect:  # (a suspect row's values may not even be of the field's type)
            judge_values = value_checks_of(cls)
            if judge_values is None or not judge_values(columns):
                records = list(map(record_builder(cls), rows))
                passed = list(map(checks_of(cls), records))
                if not all(passed):
                    suspect.update(i for i, ok in enumerate(passed) if not ok)
        else:
            records = list(map(record_builder(cls), rows))
            passes = checks_of(cls)
            suspect.update([i for i, rec in enumerate(records)
                            if i not in suspect and not passes(rec)])
    if validate is not None and records is None:
        records = list(map(record_builder(cls), rows))
    messages: list[Sequence[Problem]] | None = None
    said_of_batch: dict[int, list[Problem]] = {}
    batch_fault: PluginError | None = None
    if validate_batch is not None:
        good = [i for i in range(len(rows)) if i not in suspect] if suspect else None
        names = [field.name for field in checker.fields]
        try:
            if good is None:
                said_of_batch = validate_batch(dict(zip(names, columns)), len(rows))
            else:
                said = validate_batch({name: [values[i] for i in good]
                                       for name, values in zip(names, columns)}, len(good))
                said_of_batch = {good[k]: m for k, m in said.items()}
        except PluginError as exc:  # raised at the first row a plugin would have judged
            batch_fault = exc
    if not suspect and batch_fault is None:
        if validate is None and not said_of_batch:
            return rows, True
        if validate is not None:
            messages = []
            try:
                messages.extend(map(validate, records))
            except PluginError:
                # Row by row, the errors before this row would have ended the load first?
                if not _fills(messages, room):
                    raise
            if not any(messages) and not said_of_batch:
                return rows, True
    lines = batch.lines
    outcomes: list = []
    found = 0
    named: dict[str, str] = {}  # field -> the clerk's column, once a plugin names a field
    for i, row in enumerate(rows):
        row_errors: list[RowError] | None = None
        if i in suspect:  # the thorough way
            raw = batch.slow.get(i) or (batch.raws[i] if batch.raws is not None else
                                        make_row(display, lines[i], header, batch.cells[i]))
            rec, row_errors = checker.check(raw, mapping)
            if not row_errors:
                row = attrs.astuple(rec, recurse=False)
        else:
            said: Sequence[Problem] = ()
            if validate is not None:
                said = messages[i] if messages is not None else validate(records[i])
            if batch_fault is not None:
                raise batch_fault
            if i in said_of_batch:
                said = [*said, *said_of_batch[i]]
            if said:
                named = named or checker.column_names(mapping)
                row_errors = [RowError(display, lines[i], "" if name is None else named[name], m)
                              for name, m in said]
        if row_errors:
            outcomes.append(row_errors)
            found += len(row_errors)
            if found >= room:
                break
        else:
            outcomes.append(row)
    return outcomes, False


def _fills(messages: list[Sequence[Problem]], room: int) -> bool:
    """Whether the plugins' messages so far fill the room left for errors."""
    found = 0
    for said in messages:
        if said:
            found += len(said)
            if found >= room:
                return True
    return False
