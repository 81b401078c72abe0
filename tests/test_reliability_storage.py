"""A full disk, a read-only directory, a database locked by another writer, a database from a
newer schema version: `cadre load`, `cadre evaluate` and `cadre publish` each end with exit
status 1 and a Chinese message saying what happened and what to do (no traceback), and leave
the data intact: the store's bytes unchanged, an earlier publication unchanged, no temporary
files left behind.

The full disk is a small tmpfs and the read-only directory a read-only bind mount (the tests
run as root, which ignores file permissions). Where mounting is not permitted the same
conditions are made without it: a file-size limit (RLIMIT_FSIZE) on the process for the full
disk, and for the read-only directory a folder with mode 555, written to by a process that
gave up root's power to ignore permissions.
"""
from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cadre_sdk.ingest.loader import load_files
from cadre_sdk.publish import publish
from cadre_sdk.testing import make_db, make_plugins
from test_reliability_support import environment, file_sha
from test_publish_support import PUBLISH_DAY

pytestmark = pytest.mark.slow

HEADER = "干部编号,姓名,性别,出生年月,工作单位,职务\n"


def _can_mount() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder],
                              capture_output=True)
        if done.returncode == 0:
            subprocess.run(["umount", folder], check=True)
        return done.returncode == 0


MOUNT = shutil.which("mount") is not None and _can_mount()


@contextlib.contextmanager
def full_disk(folder: Path, files: list[Path], free: int, limit: int | None = None,
              mount: bool = MOUNT) -> Iterator[dict[str, Any]]:
    """``folder`` holding copies of ``files`` with about ``free`` bytes left on its disk;
    yields extra options for the process that is to fill it. Without mounting: a limit on
    the size of any file the process writes (``limit``, default the largest file plus
    ``free``; an evaluation, which rewrites pages rather than adding them, is stopped by
    its journal reaching a small limit first)."""
    folder.mkdir()
    if mount:
        size = sum(f.stat().st_size for f in files) + free
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size // 1024 + 1}k", "tmpfs",
                        str(folder)], check=True)
    try:
        for f in files:
            shutil.copy(f, folder / f.name)
        if mount:
            yield {}
        else:
            limit = limit or max(f.stat().st_size for f in files) + free

            def limit_file_size() -> None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # fail the write, not the process
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            yield {"preexec_fn": limit_file_size}
    finally:
        if mount:
            subprocess.run(["umount", str(folder)], check=True)


@contextlib.contextmanager
def read_only(folder: Path, mount: bool = MOUNT) -> Iterator[dict[str, Any]]:
    """``folder`` made read-only (with what is in it); yields extra options for the process
    that is to write there."""
    if mount:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
            yield {}
        finally:
            subprocess.run(["umount", str(folder)], check=True)
        return
    folder.chmod(0o555)
    try:
        # root ignores permissions unless the process gives up the capabilities to.
        yield {"preexec_fn": _respect_permissions} if os.geteuid() == 0 else {}
    finally:
        folder.chmod(0o755)


def _respect_permissions() -> None:
    """Drop CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from the bounding set before
    exec: the new process is root without the power to ignore permissions."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:   # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def cadre(*args: object, **options: Any) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cadre_sdk", *map(str, args)],
                            env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **options)


def refused(proc: subprocess.Popen, *says: str) -> str:
    """The process ended with status 1 and a clean Chinese message containing ``says``."""
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, (out, err)
    assert err.startswith("错误：") and "Traceback" not in err, err
    assert "请" in err, err                          # what to do
    for text in says:
        assert text in err, err
    return err


def intact(*paths: Path, before: dict[Path, str]) -> None:
    for path in paths:
        assert file_sha(path) == before[path], f"{path.name} changed"
        assert not path.with_name(path.name + "-journal").exists()
        leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
        assert not leftovers, leftovers


@pytest.fixture(scope="module")
def originals(demo_store: Path) -> Iterator[Path]:
    """Everything the commands need, made once: a small store with one unit, a file of cadres
    too big for the small disk, the demo store with inputs changed since its evaluation (so
    evaluating rewrites every result), and a small earlier publication."""
    folder = Path(tempfile.mkdtemp(prefix="cadre-storage-"))
    small = folder / "small.db"
    db = make_db(small)
    (folder / "units.csv").write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\n"
                                      "U1,某局,部门,县,632801\n", encoding="utf-8")
    load_files(db, "unit", [folder / "units.csv"])
    db.conn.close()
    (folder / "cadres.csv").write_text(HEADER + "".join(f"C{i:05d},某{i},男,1975.06,U1,科员\n"
                                                        for i in range(4000)), encoding="utf-8")
    store = folder / "store.db"
    shutil.copy(demo_store, store)
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE indicator_score SET score = round(score * 0.9, 1)")
    conn.close()
    (folder / "earlier").mkdir()
    publish(small, folder / "earlier" / "public.db", level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def world(originals: Path) -> Iterator[dict[str, Path]]:
    """A fresh copy of ``originals``, in a folder every user may read."""
    folder = Path(tempfile.mkdtemp(prefix="cadre-storage-"))
    shutil.copytree(originals, folder, dirs_exist_ok=True)
    for path in (folder, *folder.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield {"folder": folder, "small": folder / "small.db", "cadres": folder / "cadres.csv",
           "store": folder / "store.db", "published": folder / "earlier" / "public.db"}
    shutil.rmtree(folder)


def publication(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + ".metadata.json"),
            path.with_name(path.name + ".sha256")]


def test_a_full_disk(world: dict[str, Path]) -> None:
    folder = world["folder"]
    with contextlib.ExitStack() as stack:
        load_opts = stack.enter_context(full_disk(folder / "d1", [world["small"]], 48_000))
        eval_opts = stack.enter_context(full_disk(folder / "d2", [world["store"]], 48_000,
                                                  limit=48_000))
        pub_opts = stack.enter_context(full_disk(folder / "d3", publication(world["published"]),
                                                 48_000))
        small, store = folder / "d1" / "small.db", folder / "d2" / "store.db"
        earlier = publication(folder / "d3" / "public.db")
        before = {p: file_sha(p) for p in (small, store, *earlier)}
        procs = [cadre("load", small, "cadre", world["cadres"], **load_opts),
                 cadre("evaluate", store, **eval_opts),
                 cadre("publish", world["store"], earlier[0], "--level", "public", **pub_opts)]
        for proc, doing in zip(procs, ("导入", "测算", "发布")):
            refused(proc, "磁盘", f"{doing}未完成")
        intact(small, store, before=before)
        intact(*earlier, before=before)


def test_a_read_only_directory(world: dict[str, Path]) -> None:
    folder = world["folder"]
    ro = folder / "ro"
    ro.mkdir()
    for path in (world["small"], world["store"]):
        shutil.copy(path, ro / path.name)
    earlier = publication(ro / "public.db")
    for path in publication(world["published"]):
        shutil.copy(path, ro / path.name)
    for path in ro.iterdir():
        path.chmod(0o644)
    before = {p: file_sha(p) for p in (ro / "small.db", ro / "store.db", *earlier)}
    with read_only(ro) as opts:
        procs = [cadre("load", ro / "small.db", "cadre", world["cadres"], **opts),
                 cadre("evaluate", ro / "store.db", **opts),
                 cadre("publish", world["store"], earlier[0], "--level", "public", **opts)]
        for proc, doing in zip(procs, ("导入", "测算", "发布")):
            refused(proc, "只读", f"{doing}未完成")
    intact(ro / "small.db", ro / "store.db", before=before)
    intact(*earlier, before=before)


def test_a_database_locked_by_another_writer(world: dict[str, Path]) -> None:
    """Load and evaluate meet a writer with a transaction open (they need the write lock);
    publish, which only reads, meets one in the middle of its commit (an exclusive lock)."""
    small, store, third = world["small"], world["store"], world["folder"] / "third.db"
    shutil.copy(store, third)
    earlier = publication(world["published"])
    before = {p: file_sha(p) for p in (small, store, third, *earlier)}
    writers = []
    for path, begin in ((small, "BEGIN IMMEDIATE"), (store, "BEGIN IMMEDIATE"),
                        (third, "BEGIN EXCLUSIVE")):
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute(begin)
        conn.execute("INSERT INTO provenance (step, sdk_version, at) VALUES ('x', 'x', 'x')")
        writers.append(conn)
    try:
        procs = [cadre("load", small, "cadre", world["cadres"]), cadre("evaluate", store),
                 cadre("publish", third, earlier[0], "--level", "public")]
        for proc, kept in zip(procs, ("导入未完成，数据未作任何改动", "测算未完成，数据未作任何改动",
                                      "数据未作任何改动")):
            refused(proc, "被其他程序占用", kept)
    finally:
        for conn in writers:
            conn.rollback()
            conn.close()
    intact(small, store, third, before=before)
    intact(*earlier, before=before)


def test_publish_reads_past_a_writer_that_has_not_committed(world: dict[str, Path]) -> None:
    """A writer that has not begun to commit holds no lock readers wait for: publishing goes
    ahead and copies the store as last committed, without the writer's pending rows."""
    store, out = world["store"], world["folder"] / "new.db"
    conn = sqlite3.connect(store, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM case_state")
    try:
        proc = cadre("publish", store, out, "--level", "public")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    finally:
        conn.rollback()
        conn.close()
    with sqlite3.connect(out) as published:
        # the cases' aggregate is built from the committed case states (public level: no rows)
        assert published.execute("SELECT count(*) FROM case_stage_summary").fetchone()[0] > 0
    published.close()


def test_a_database_from_a_newer_schema(world: dict[str, Path]) -> None:
    small, store = world["small"], world["store"]
    for path in (small, store):
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                         "VALUES ('cadre_sdk', '9999_future', '2030-01-01')")
        conn.close()
    earlier = publication(world["published"])
    before = {p: file_sha(p) for p in (small, store, *earlier)}
    procs = [cadre("load", small, "cadre", world["cadres"]), cadre("evaluate", store),
             cadre("publish", store, earlier[0], "--level", "public")]
    for proc in procs:
        refused(proc, "更新版本的 cadre-sdk", "升级")
    intact(small, store, before=before)
    intact(*earlier, before=before)


def test_a_foreign_key_index_under_a_longer_index_is_not_kept(tmp_path: Path) -> None:
    # issue 19: assessment.unit_code begins the index (unit_code, year); a second index on
    # unit_code alone only took space (3.4 MB of a 94 MB store at 10k cadres).
    from cadre_sdk.store.database import migrate, open_db

    def indexes(path: Path) -> set[str]:
        conn = sqlite3.connect(path)
        names = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assessment'")}
        conn.close()
        return names

    db = open_db(tmp_path / "new.db", create=True)
    migrate(db)
    db.conn.close()
    assert "idx_assessment_unit_code_year" in indexes(tmp_path / "new.db")
    assert "idx_assessment_unit_code" not in indexes(tmp_path / "new.db")
    assert "idx_assessment_cadre_id" in indexes(tmp_path / "new.db")
    # a store made before migration 0008 had it; the upgrade drops it and nothing else
    conn = sqlite3.connect(tmp_path / "new.db")
    conn.execute("CREATE INDEX idx_assessment_unit_code ON assessment (unit_code)")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0008_redundant_indexes'")
    conn.commit()
    before = indexes(tmp_path / "new.db")
    conn.close()
    db = open_db(tmp_path / "new.db")
    migrate(db)
    db.conn.close()
    assert indexes(tmp_path / "new.db") == before - {"idx_assessment_unit_code"}
