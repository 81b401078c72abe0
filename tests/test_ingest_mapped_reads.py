"""The reference check's memory map: bounded, only for small loads, undone afterwards (issue 8:
the pages a mapping touches count in the load's resident memory)."""
import sqlite3

from cadre_sdk.ingest import keys


def _mmap_size(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA mmap_size").fetchone()
    return row[0] if row else 0


def test_a_small_load_maps_at_most_32_mb_and_unmaps_after(tmp_path):
    conn = sqlite3.connect(tmp_path / "store.db")
    conn.execute("CREATE TABLE t (x)")
    with keys._mapped(conn, 2_773):
        inside = _mmap_size(conn)
    assert 0 < inside <= 32 * 1024 * 1024
    assert _mmap_size(conn) == 0


def test_a_large_load_reads_without_a_map(tmp_path):
    conn = sqlite3.connect(tmp_path / "store.db")
    conn.execute("CREATE TABLE t (x)")
    with keys._mapped(conn, keys.MAPPED_ROWS + 1):
        assert _mmap_size(conn) == 0
