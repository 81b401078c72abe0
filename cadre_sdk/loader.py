"""The load pipeline: clerks' files -> rows -> normalized, validated records -> one transaction.

Every row of every file is checked (header, each cell, the whole record, the schema, plugins'
validation, duplicate keys, references); if anything is wrong, nothing is written and the
report lists every bad row as ``file:line: column: reason``. Rows stream through: memory stays
flat however large the file.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import sqlite_utils

from .engines import engine_modules
from .errors import DataError, ReadError, RowError
from .normalize import normalize_header
from .plugins import CadrePlugins
from .readers import RawRow, iter_rows
from .records import RECORD_TYPES
from .schemas import compiled_validator, explain_invalid
from .store import begin_write, db_file, record_provenance, rollback, sha256_file, store_error

BATCH = 2000
#: Stop checking after this many bad rows: the report is long enough to act on.
MAX_ERRORS = 5000

#: Engines that derive data from freshly loaded rows (e.g. the case events' hash chain), run
#: inside the load's transaction: kind -> callbacks(db, keys_table, plugins).
_AFTER_LOAD: dict[str, list[Callable[..., list[RowError]]]] = {}


def after_load(kind: str) -> Callable:
    """Decorator for an engine callback run after rows of ``kind`` are written, in the same
    transaction. It gets the database, the name of the temp table of loaded keys
    (key columns, file, line) and the load's plugin manager (``None`` when loading without
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


def resolve_kind(name: str) -> type:
    """A record class by kind (``cadre``) or Chinese title (``干部``)."""
    if name in RECORD_TYPES:
        return RECORD_TYPES[name]
    for cls in RECORD_TYPES.values():
        if normalize_header(cls.__title__) == normalize_header(name):
            return cls
    kinds = "、".join(f"{k}（{c.__title__}）" for k, c in RECORD_TYPES.items())
    raise DataError(f"未知的数据类别“{name}”。可用类别：{kinds}")


def header_map(cls: type) -> dict[str, attrs.Attribute]:
    """Normalized header text -> field, from each field's name, Chinese title and aliases."""
    out: dict[str, attrs.Attribute] = {}
    for field in attrs.fields(cls):
        for text in (field.name, field.metadata["title"], *field.metadata["aliases"]):
            out.setdefault(normalize_header(text), field)
    return out


class _RowChecker:
    """Turns raw rows of one kind into records, collecting every problem as a RowError."""

    def __init__(self, cls: type, plugins: CadrePlugins | None):
        self.cls, self.plugins = cls, plugins
        self.headers = header_map(cls)
        self.fields = attrs.fields(cls)
        self.validate = compiled_validator(cls.__kind__)

    def columns(self, file: str, header: list[str]) -> tuple[dict[str, attrs.Attribute],
                                                               list[RowError]]:
        mapping: dict[str, attrs.Attribute] = {}
        errors: list[RowError] = []
        seen: dict[str, str] = {}
        for text in header:
            field = self.headers.get(normalize_header(text))
            if field is None:
                known = "、".join(f.metadata["title"] for f in self.fields)
                errors.append(RowError(file, 1, text, f"未知的列。“{self.cls.__title__}”可用的列："
                                       f"{known}"))
            elif field.name in seen:
                errors.append(RowError(file, 1, text, f"与列“{seen[field.name]}”重复，"
                                       f"都对应“{field.metadata['title']}”"))
            else:
                seen[field.name] = text
                mapping[text] = field
        for field in self.fields:
            if field.metadata["required"] and field.name not in seen:
                errors.append(RowError(file, 1, field.metadata["title"],
                                       "缺少必填列，请在表头加上这一列"))
        return mapping, errors

    def check(self, row: RawRow, mapping: dict[str, attrs.Attribute]) -> tuple[Any, list[RowError]]:
        errors: list[RowError] = []
        if "__error__" in row.values:
            return None, [RowError(row.file, row.line, "", str(row.values["__error__"]))]
        if row.values.get("__extra__"):
            extra = row.values["__extra__"]
            errors.append(RowError(row.file, row.line, "", f"比表头多出 {len(extra)} 列"))
        values: dict[str, Any] = {}
        for header, field in mapping.items():
            raw = row.values.get(header)
            try:
                values[field.name] = field.converter(raw)
            except ValueError as exc:
                errors.append(RowError(row.file, row.line, header, str(exc)))
        if errors:
            return None, errors
        try:
            rec = self.cls(**values)
        except ValueError as exc:
            return None, self._blame(row, mapping, values, exc)
        data = attrs.asdict(rec)
        try:
            self.validate(data)
        except Exception:  # fastjsonschema's error names one problem; explain them all
            for name, message in explain_invalid(self.cls.__kind__, data):
                errors.append(RowError(row.file, row.line, name, f"不符合数据规范：{message}"))
            return None, errors
        if self.plugins is not None:
            for message in self.plugins.validate_record(self.cls.__kind__, rec):
                errors.append(RowError(row.file, row.line, "", message))
        return (None, errors) if errors else (rec, [])


    def _blame(self, row: RawRow, mapping: dict[str, attrs.Attribute], values: dict[str, Any],
               exc: ValueError) -> list[RowError]:
        """Attribute a failed record to the columns whose validators fail (slow path only)."""
        headers = {field.name: header for header, field in mapping.items()}
        errors = []
        for field in self.fields:
            # An attrs field given an empty list of validators keeps the (uncallable) list.
            if not field.validator or field.name not in values:
                continue
            try:
                field.validator(None, field, values[field.name])
            except ValueError as problem:
                errors.append(RowError(row.file, row.line, headers.get(field.name, field.name),
                                       str(problem)))
        return errors or [RowError(row.file, row.line, "", str(exc))]


def _rows_with_header(path: Path, display: str) -> tuple[list[str], Iterator[RawRow]]:
    rows = iter_rows(path, display_name=display)
    first = next(rows, None)
    if first is None:
        from .readers import read_header
        return read_header(path, display_name=display), iter(())
    header = [k for k in first.values if not k.startswith("__")]

    def chained() -> Iterator[RawRow]:
        yield first
        yield from rows
    return header, chained()


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
    checker = _RowChecker(cls, plugins)
    names = [f.name for f in attrs.fields(cls)]
    key = list(cls.__key__)
    cols = ", ".join(f"[{n}]" for n in names)
    marks = ", ".join("?" for _ in names)
    if cls.__append_only__:
        write_sql = f"INSERT OR IGNORE INTO [{kind}] ({cols}) VALUES ({marks})"
    else:
        updates = ", ".join(f"[{n}]=excluded.[{n}]" for n in names if n not in key) or \
            f"[{key[0]}]=excluded.[{key[0]}]"
        write_sql = (f"INSERT INTO [{kind}] ({cols}) VALUES ({marks}) "
                     f"ON CONFLICT({', '.join(f'[{k}]' for k in key)}) DO UPDATE SET {updates}")
    key_cols = ", ".join(f"[{k}]" for k in key)
    errors: list[RowError] = []
    total = 0
    files: list[str] = []
    loaded: list[tuple[str, str, int]] = []  # (file, sha256, rows) for provenance
    conn = begin_write(db, "导入")
    try:
        conn.execute("DROP TABLE IF EXISTS temp._load_keys")
        conn.execute(f"CREATE TEMP TABLE _load_keys ({key_cols}, _file TEXT, _line INTEGER, "
                     f"PRIMARY KEY ({key_cols}))")
        for path in paths:
            path = Path(path)
            display = str(path)
            files.append(display)
            if not path.exists():
                errors.append(RowError(display, 0, "", "文件不存在"))
                continue
            try:
                digest, before = sha256_file(path), total
                header, rows = _rows_with_header(path, display)
                mapping, header_errors = checker.columns(display, header)
                if header_errors:
                    errors.extend(header_errors)
                    continue
                batch: list[tuple] = []
                for row in rows:
                    total += 1
                    if progress and total % 1000 == 0:
                        progress(1000)
                    rec, row_errors = checker.check(row, mapping)
                    if row_errors:
                        errors.extend(row_errors)
                        if len(errors) >= MAX_ERRORS:
                            break
                        continue
                    values = attrs.astuple(rec, recurse=False)
                    keyvals = [getattr(rec, k) for k in key]
                    try:
                        conn.execute(f"INSERT INTO temp._load_keys VALUES "
                                     f"({', '.join('?' for _ in key)}, ?, ?)",
                                     [*keyvals, display, row.line])
                    except sqlite3.IntegrityError:
                        first = conn.execute(
                            "SELECT _file, _line FROM temp._load_keys WHERE "
                            + " AND ".join(f"[{k}] = ?" for k in key), keyvals).fetchone()
                        errors.append(RowError(display, row.line, cls.__key__[0] if len(key) == 1
                                               else "", f"主键 {'/'.join(map(str, keyvals))} 与 "
                                               f"{first[0]}:{first[1]} 重复"))
                        continue
                    if cls.__append_only__:
                        errors.extend(_check_unchanged(conn, cls, rec, display, row.line))
                    batch.append(values)
                    if len(batch) >= BATCH:
                        conn.executemany(write_sql, batch)
                        batch.clear()
                if batch:
                    conn.executemany(write_sql, batch)
                loaded.append((display, digest, total - before))
            except ReadError as exc:
                errors.append(RowError(display, 0, "", str(exc)))
            if len(errors) >= MAX_ERRORS:
                break
        if progress and total % 1000:
            progress(total % 1000)
        errors.extend(_check_references(conn, cls))
        if not errors:
            engine_modules()  # importing the engines registers their after_load callbacks
            for callback in _AFTER_LOAD.get(kind, ()):
                errors.extend(callback(db, "temp._load_keys", plugins))
        if errors:
            errors.sort(key=lambda e: (files.index(e.file) if e.file in files else len(files),
                                       e.line))
            conn.execute("ROLLBACK")
            raise DataError(f"“{cls.__title__}”数据有 {len(errors)}"
                            f"{'+' if len(errors) >= MAX_ERRORS else ''} 处错误，"
                            "未写入任何数据。请改正后重新导入：", errors)
        if dry_run:
            conn.execute("ROLLBACK")
            return LoadResult(kind, tuple(files), total, False)
        plugin_versions = {n: i.version for n, i in plugins.infos.items()} if plugins else {}
        for display, digest, rows_in_file in loaded:
            record_provenance(db, "load", kind=kind, detail=display, sha256=digest,
                              rows=rows_in_file, plugins=plugin_versions)
        conn.execute("DROP TABLE IF EXISTS temp._load_keys")
        conn.execute("COMMIT")
        return LoadResult(kind, tuple(files), total, True)
    except BaseException as exc:
        rollback(conn)
        known = store_error(exc, db_file(db), "导入") if isinstance(exc, sqlite3.Error) else None
        if known is not None:
            raise known from exc
        raise


def _check_unchanged(conn: sqlite3.Connection, cls: type, rec: Any, file: str, line: int
                     ) -> list[RowError]:
    """An append-only record may be loaded again unchanged, never changed."""
    key = list(cls.__key__)
    names = [f.name for f in attrs.fields(cls)]
    stored = conn.execute(
        f"SELECT {', '.join(f'[{n}]' for n in names)} FROM [{cls.__kind__}] WHERE "
        + " AND ".join(f"[{k}] = ?" for k in key), [getattr(rec, k) for k in key]).fetchone()
    if stored is None:
        return []
    fresh = tuple(attrs.astuple(rec, recurse=False))
    if tuple(stored) == tuple(int(v) if isinstance(v, bool) else v for v in fresh):
        return []
    return [RowError(file, line, "", f"“{cls.__title__}”只能追加，不能修改已入库的记录"
                     f"（{'/'.join(str(getattr(rec, k)) for k in key)}）。如需更正，请追加一条新事件")]


def _check_references(conn: sqlite3.Connection, cls: type) -> list[RowError]:
    """Every reference of the loaded rows points at a stored row (of this or an earlier load)."""
    errors = []
    kind = cls.__kind__
    join = " AND ".join(f"t.[{k}] = k.[{k}]" for k in cls.__key__)
    for field in attrs.fields(cls):
        ref = field.metadata["ref"]
        if not ref:
            continue
        parent = RECORD_TYPES[ref]
        pk = parent.__key__[0]
        sql = (f"SELECT k._file, k._line, t.[{field.name}] FROM temp._load_keys k "
               f"JOIN [{kind}] t ON {join} "
               f"WHERE t.[{field.name}] IS NOT NULL AND NOT EXISTS "
               f"(SELECT 1 FROM [{ref}] p WHERE p.[{pk}] = t.[{field.name}]) "
               f"ORDER BY k._file, k._line LIMIT {MAX_ERRORS}")
        for file, line, value in conn.execute(sql):
            errors.append(RowError(file, line, field.metadata["title"],
                                   f"引用的{parent.__title__}“{value}”不存在。请先导入该"
                                   f"{parent.__title__}，或核对{field.metadata['title']}"))
    return errors
