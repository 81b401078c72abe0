"""``publish``: build a publication from a store, as its own SQLite file, atomically.

Everything is written to a temporary file in the output's folder, in one transaction that also
reads the store (so the copy is one consistent snapshot), then moved into place with
``os.replace``: a reader never sees half a publication. The finished file's SHA-256 is written
next to it (``OUT.sha256``, the format ``sha256sum -c`` checks) and into its metadata
(``OUT.metadata.json``), since a file cannot contain its own hash. All three are written in
full before any is moved into place.

Republishing to the path a ``cadre serve`` is serving is safe: the server serves its own
link to the file it opened, and switches to the new file between requests once all three
are in place (``hotswap``); no restart is needed.
"""
from __future__ import annotations

import contextlib
import datetime
import gc
import json
import os
import sqlite3
import uuid
from pathlib import Path

import attrs

from cadre_sdk.store import explanations
from cadre_sdk.engines import labels as engine_labels
from cadre_sdk.core.errors import CadreError
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.store.database import now, open_db, sha256_file, store_error
from cadre_sdk.store.stored_parameters import with_stored_parameters
from cadre_sdk.publish import (
    aggregates, charts, copy, event_aggregates, generalize, indicators, materialize, metadata,
    provenance, queries, scan, search, suppress, thresholds, timeline,
)
from cadre_sdk.publish.redact import (
    LEVELS, OVERSIGHT, PUBLIC, RedactionError, Redactor, inflate_explanations, prune_explanations,
    published_citations, withhold_evaluations,
)
from cadre_sdk.publish.searchable import build_index

#: Tables and views the publication builds itself (a store table may not take these names).
RESERVED = frozenset({"cadre_overview", "evaluation_summary", aggregates.GRADES,
                      aggregates.OVERDUE, generalize.TABLE, indicators.TABLE,
                      *event_aggregates.TABLES, timeline.VIEW, search.TABLE, search.RESULTS,
                      "publication", "plugin_version", "rule_version",
                      "parameter_value", *materialize.SOURCES})


#: Rows of each index ``ANALYZE`` reads (``PRAGMA analysis_limit``).
_ANALYSIS_LIMIT = 1000


@attrs.frozen
class PublishResult:
    """What ``publish`` wrote and what the reader should know about it."""

    out: Path
    metadata_path: Path
    sha256_path: Path
    sha256: str
    level: str
    tables: dict[str, int]
    queries: tuple[str, ...]
    masked_cells: int
    searchable_rows: int
    charts_left_out: tuple[str, ...]
    queries_left_out: tuple[str, ...]
    unlabelled: tuple[str, ...]
    #: Public level: cells hidden by small-group protection, per table.
    suppressed: dict[str, int] = attrs.field(factory=dict)
    #: Public level: cadres left out of the generalized rows (too rare even at the last step).
    generalized_left_out: int = 0
    #: The minimum group sizes applied.
    thresholds: thresholds.Thresholds | None = None


def _fsync(path: Path) -> None:
    """Flush ``path`` to disk before it is moved into place."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` and flush it to disk."""
    path.write_text(text, encoding="utf-8")
    _fsync(path)


def _check_arguments(source: Path, out: Path, level: str, min_raters: int | None) -> None:
    """Refuse, in Chinese, arguments that cannot give a publication."""
    if level not in LEVELS:
        raise CadreError(f"未知的访问级别“{level}”；可选：{'、'.join(LEVELS)}")
    if min_raters is not None and min_raters < 1:
        raise CadreError(f"测评汇总的最少参评人数应为正整数，实为 {min_raters}")
    if not out.parent.is_dir():
        raise CadreError(f"目录 {out.parent} 不存在，无法写入发布文件 {out.name}")
    if out.exists() and out.resolve() == source.resolve():
        raise CadreError("发布文件不能与源数据库是同一个文件：请另指定输出文件名")
    open_db(source, readonly=True).conn.close()   # a clear error for a missing or bad store


#: The ``explanation_ref`` ids the published explanations cite (public level, during the copy).
_CITED_REFS = "_cited_refs"


@attrs.define
class _Protection:
    """What small-group protection did in one build (public level)."""

    suppressed: dict[str, int] = attrs.field(factory=dict)
    left_out: int = 0


#: The tables of explanations (public level: copied after small-group protection).
_EXPLANATION_TABLES = ("explanation", "explanation_ref")


def _where(conn: sqlite3.Connection, level: str, plan: copy.TablePlan,
           plans: list[copy.TablePlan], counts: dict[str, int], protected: bool = False
           ) -> str:
    """SQL: the rows of the store's table ``plan`` the publication copies (``counts``: the
    tables copied so far; ``protected``: copied after small-group protection)."""
    if level == PUBLIC and plan.name == "explanation":
        # the explanations the copied tables cite, and, once protection has unlinked
        # those of hidden cells (``_copy_explanations``), that a published row still
        # cites: the others would be judged and copied, then pruned (``prune_explanations``)
        cited = copy.cited_explanations(conn, plans)
        return f"{cited} AND id IN ({published_citations(conn)})" if protected else cited
    if level == PUBLIC and plan.name == "explanation_ref":
        # no packing dictionary: made of stored explanations, people's among them
        # (``inflate_explanations``: the explanations are published as JSON text);
        # only the entries the published explanations cite (the others would be
        # judged and copied, then pruned)
        where = f"kind <> '{explanations.ZDICT}'"
        if "explanation" in counts:
            where += f" AND id IN (SELECT id FROM temp.[{_CITED_REFS}])"
            inflate_explanations(conn)
            cited = explanations.cited_refs("main.explanation", "src.explanation_ref")
            conn.execute(f"DROP TABLE IF EXISTS temp.[{_CITED_REFS}]")
            conn.execute(f"CREATE TEMP TABLE [{_CITED_REFS}] (id)")
            conn.execute(f"INSERT INTO temp.[{_CITED_REFS}] (id) {cited}")
        return where
    return "1"


def _copy_explanations(conn: sqlite3.Connection, plans: list[copy.TablePlan],
                       later: list[copy.TablePlan], redactor: Redactor,
                       counts: dict[str, int], min_raters: int) -> list[str]:
    """Public level, after small-group protection: copy the rows of the explanation tables
    (``later``, made empty in their places) that published rows cite, masked and judged as
    every copied table is (``copy.copy_table``), then inflate them and withhold small
    evaluations' votes (as before protection: neither reads nor changes an aggregate);
    returns the store's indexes ``copy.copy_indexes`` made. An explanation that protection
    unlinked (it repeated a hidden count) is never copied, nor judged."""
    for plan in later:
        counts[plan.name] = copy.copy_table(conn, plan, redactor,
                                            _where(conn, PUBLIC, plan, plans, counts, True),
                                            create=False)
    conn.execute(f"DROP TABLE IF EXISTS temp.[{_CITED_REFS}]")
    engine_indexes = [name for plan in later for name in copy.copy_indexes(conn, plan)]
    inflate_explanations(conn)
    withhold_evaluations(conn, min_raters)
    return engine_indexes


def _fill(conn: sqlite3.Connection, level: str, limits: thresholds.Thresholds,
          plugins: CadrePlugins, collected: list[queries.PublishedQuery], redactor: Redactor,
          built_at: str, source_sha256: str, out: Path, protection: _Protection,
          as_of: datetime.date) -> tuple[dict[str, int], int]:
    """Everything written inside the build's transaction; returns the rows copied per
    table and the number of rows indexed for search. ``collected``: the level's canned
    queries (``queries.collect``)."""
    min_raters = limits.min_raters
    plans = copy.plan_tables(conn, level, [i for q in collected for i in q.indexes])
    clash = sorted(RESERVED & {p.name for p in plans})
    if clash:
        raise CadreError(f"the store has tables named {clash}, which the publication builds "
                         "itself; rename the engine's tables (the publication is unchanged)")
    counts: dict[str, int] = {}
    # public level: the explanations' rows are copied once small-group protection has
    # unlinked those it hides (``_copy_explanations``); their tables are made in place here
    later = [p for p in plans if level == PUBLIC and p.name in _EXPLANATION_TABLES]
    if any(p.coded for p in later):
        later = []
    for plan in plans:
        if plan in later:
            copy.create_table(conn, plan)
        else:
            counts[plan.name] = copy.copy_table(conn, plan, redactor,
                                                _where(conn, level, plan, plans, counts))
    conn.execute(f"DROP TABLE IF EXISTS temp.[{_CITED_REFS}]")
    engine_indexes = [name for plan in plans if plan not in later
                      for name in copy.copy_indexes(conn, plan)]
    if level == PUBLIC and not later:
        inflate_explanations(conn)
        withhold_evaluations(conn, min_raters)
    materialize.materialize(conn, level, min_raters)
    aggregates.build(conn)
    event_aggregates.build(conn)
    if level == OVERSIGHT:
        timeline.create_view(conn, [p.name for p in plans])
    else:
        _, protection.left_out = generalize.build(conn, limits.k_anonymity,
                                                  as_of.isoformat()[:7])
        protection.suppressed = suppress.protect_all(conn, limits)
        if later:
            engine_indexes += _copy_explanations(conn, plans, later, redactor, counts,
                                                 min_raters)
        prune_explanations(conn)
    # the store's indexes no query or chart reads (before the search index reuses the pages)
    copy.drop_unread(conn, engine_indexes, [q.sql for q in collected] + charts.queries())
    provenance.write(conn, level=level, built_at=built_at, source_sha256=source_sha256,
                     min_raters=min_raters, plugins=plugins, out_name=out.name)
    if level == PUBLIC:
        provenance.write_protection(conn, limits, redactor.masked, protection.suppressed,
                                    protection.left_out)
    indicators.write(conn, plugins)
    searchable = build_index(conn, plans)
    return counts, searchable


def publish(db_path: str | os.PathLike, out: str | os.PathLike, *, level: str,
            plugins: CadrePlugins, as_of: datetime.date, min_raters: int | None = None,
            notice: metadata.Notice | None = None) -> PublishResult:
    """Build the publication ``out`` of the store ``db_path`` at ``level`` (public/oversight).

    ``as_of``: the day the publication speaks for (the CLI's default: today): the minimum
    group sizes are the rule's in force that day (``thresholds.resolve``: provincial
    parameters, raised by plugins), and the public level's generalized rows count township
    work up to its month. ``min_raters`` may raise the fewest raters an evaluation aggregate
    rests on at public level, never lower it. A public file is scanned (``scan``) before it
    is moved into place. Nothing is written (and any earlier ``out`` stays as it was) if
    anything fails.
    """
    source, out = Path(db_path), Path(out)
    _check_arguments(source, out, level, min_raters)
    # the parameter files added to the store, as its evaluation applied them (参数取值 lists
    # their values; the publication's thresholds are a catalogue, which no stored file changes)
    store = open_db(source, readonly=True)
    try:
        plugins = with_stored_parameters(store, plugins)
    finally:
        store.conn.close()
    limits = thresholds.resolve(plugins, as_of)
    if min_raters is not None:
        limits = limits.raised(min_raters=min_raters)
    engine_labels.table_labels()   # the engines' result tables are labelled (engines/labels.py)
    # No cyclic garbage collection during the build (issue 19): it makes no cycles worth
    # collecting, but millions of short-lived values (cells judged, tokens) set off passes
    # over every object the process holds, ~2% of the build's CPU at 10,000 cadres.
    collecting = gc.isenabled()
    if level == OVERSIGHT:   # (the public level's memory at 1,000,000 cadres is watched)
        gc.disable()
    try:
        return _build(source, out, level, plugins, limits, notice, as_of)
    except (sqlite3.Error, OSError) as exc:   # a full disk, a read-only folder, a locked store
        known = store_error(exc, out, "发布", kept="原有的发布文件保持不变")
        if known is not None:
            raise known from exc
        raise
    finally:
        if collecting:
            gc.enable()


def _build(source: Path, out: Path, level: str, plugins: CadrePlugins,
           limits: thresholds.Thresholds, notice: metadata.Notice | None,
           as_of: datetime.date) -> PublishResult:
    built_at = now()   # when (provenance), not what for: ``as_of``
    min_raters = limits.min_raters
    protection = _Protection()
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    meta_path, sha_path = metadata.sidecar(out), metadata.hash_file(out)
    meta_tmp, sha_tmp, built = (p.with_name(f".{p.name}.{uuid.uuid4().hex}.tmp")
                                for p in (meta_path, sha_path, out))
    try:
        conn = sqlite3.connect(tmp.resolve().as_uri(), uri=True, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 2000")   # a writer mid-commit on the store
            # The file is new and is moved into place only when complete: no journal needed.
            conn.execute("PRAGMA main.journal_mode = OFF")
            conn.execute("PRAGMA main.synchronous = OFF")
            conn.execute("ATTACH DATABASE ? AS src", [source.resolve().as_uri() + "?mode=ro"])
            # Statistics from a sample of each index (enough for the planner's choices).
            conn.execute(f"PRAGMA analysis_limit = {_ANALYSIS_LIMIT}")
            conn.execute("BEGIN")
            # A first read takes the store's shared lock, held until COMMIT: no writer can
            # change the store between its hash and the copy.
            conn.execute("SELECT count(*) FROM src.sqlite_master").fetchone()
            source_sha256 = sha256_file(source)
            redactor = _public_redactor(conn) if level == PUBLIC else Redactor()
            copy.register_functions(conn, redactor)
            search.register_function(conn)
            explanations.register_sql_function(conn)
            collected = queries.collect(plugins, level)
            counts, searchable = _fill(conn, level, limits, plugins, collected, redactor,
                                       built_at, source_sha256, out, protection, as_of)
            conn.execute("COMMIT")
            store_tables = set(copy.source_tables(conn))
            conn.execute("DETACH DATABASE src")
            published, queries_left_out = queries.check(conn, collected, level, store_tables)
            copy.create_declared(conn, [i for q in published for i in q.indexes])
            boards, left_out = charts.dashboards(conn, out.stem)
            meta = metadata.build(conn, name=out.name, database=out.stem, level=level,
                                  queries=published, dashboards=boards, built_at=built_at,
                                  source_sha256=source_sha256, min_raters=min_raters,
                                  notice=notice or metadata.Notice.for_level(level),
                                  charts_left_out=left_out, queries_left_out=queries_left_out,
                                  thresholds=attrs.asdict(limits, filter=lambda a, _: a.name
                                                          in thresholds.NAMES))
            conn.execute("ANALYZE")
            copy.analyse_skip_scans(conn)
            # Copied into a packed file: rows inserted in key order leave the pages of a
            # keyed table (and of a key's index) about a tenth empty, which VACUUM fills
            # (issue 19: 6.5 MB of 151 at 10,000 cadres).
            conn.execute("VACUUM INTO ?", [str(built.resolve())])
        finally:
            conn.close()
        os.replace(built, tmp)
        _fsync(tmp)
        if level == PUBLIC:
            findings = scan.scan(tmp, limits=limits, redactor=redactor)
            if findings:
                raise RedactionError(
                    "公开版扫描发现可能泄露个人信息的内容，未写入任何文件：\n"
                    + "\n".join(f"  {f}" for f in findings[:20]))
        sha256 = sha256_file(tmp)
        meta = metadata.stamp(meta, sha256)
        # All three files are complete on disk before any is moved into place: a full disk
        # cannot leave a new publication next to the old one's metadata (serve would refuse it).
        _write_file(meta_tmp, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
        _write_file(sha_tmp, f"{sha256}  {out.name}\n")
        os.replace(tmp, out)
        os.replace(meta_tmp, meta_path)
        os.replace(sha_tmp, sha_path)
    finally:
        for path in (tmp, meta_tmp, sha_tmp, built):
            with contextlib.suppress(OSError):   # EROFS even when missing: keep the cause
                path.unlink(missing_ok=True)
    gaps = meta["plugins"][metadata.PLUGIN_KEY]["unlabelled"]
    return PublishResult(out, meta_path, sha_path, sha256, level, counts,
                         tuple(q.name for q in published), redactor.masked, searchable,
                         tuple(left_out), tuple(queries_left_out), tuple(gaps),
                         protection.suppressed, protection.left_out, limits)


def _public_redactor(conn: sqlite3.Connection) -> Redactor:
    """The public level's redactor: every cadre's name and id in the store masked wherever
    they appear (read from the store as the redactor takes them, never all held at once)."""
    if conn.execute("SELECT 1 FROM src.sqlite_master WHERE name = 'cadre'").fetchone() is None:
        return Redactor((), ())
    return Redactor((name for (name,) in conn.execute("SELECT name FROM src.cadre")),
                    (cid for (cid,) in conn.execute(
                        "SELECT id FROM src.cadre")))
