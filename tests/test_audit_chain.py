"""The audit trail: the hash chain written at load time, and verification of the SQLite file
(changed, removed, reordered events; a published copy; the recipe reimplemented by hand)."""
import hashlib
import sqlite3

import attrs
import pytest

from cadre_sdk.engines.cases.audit import CHAIN_FIELDS, GENESIS, LATER_FIELDS, verify_chain
from cadre_sdk.records import CaseEvent

from case_data import case_row, db_path, ev, people, rows, tamper
from clihelp import run


@pytest.fixture
def db(cadre_db, cadre_load):
    people(cadre_db, cadre_load)
    cadre_load(cadre_db, "case", [case_row("R1"), case_row("R2", "C2", "632801")])
    cadre_load(cadre_db, "case_event", [
        ev("R1", 1, "申请", "2024-03-01"), ev("R1", 2, "受理", "2024-03-04", body="西宁市纪委监委"),
        ev("R2", 1, "申请", "2024-03-02")])
    cadre_load(cadre_db, "case_event", [
        ev("R1", 3, "核实", "2024-03-06", note="实地核查"), ev("R2", 2, "受理", "2024-03-05")])
    return cadre_db


def verify(capsys, path, *options):
    return run(capsys, "verify", path, *options)


def test_the_chain_fields_are_the_stored_columns():
    assert CHAIN_FIELDS + LATER_FIELDS == tuple(f.name for f in attrs.fields(CaseEvent))


def test_the_recipe_reimplemented_by_hand(db):
    links = rows(db, "SELECT * FROM event_chain ORDER BY pos")
    # first load chained by case then seq, the second load after it
    assert [(r["pos"], r["case_id"], r["seq"]) for r in links] == [
        (1, "R1", 1), (2, "R1", 2), (3, "R2", 1), (4, "R1", 3), (5, "R2", 2)]
    first = ('{"body":null,"case_id":"R1","date":"2024-03-01","decision":null,'
             '"event":"申请","note":null,"red_line":null,"seq":1}')
    expected = hashlib.sha256(("0" * 64 + first).encode("utf-8")).hexdigest()
    assert links[0]["prev_hash"] == GENESIS and links[0]["hash"] == expected
    second = ('{"body":"西宁市纪委监委","case_id":"R1","date":"2024-03-04","decision":null,'
              '"event":"受理","note":null,"red_line":null,"seq":2}')
    assert links[1]["prev_hash"] == expected
    assert links[1]["hash"] == hashlib.sha256((expected + second).encode("utf-8")).hexdigest()
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(links, links[1:]))


def test_an_intact_file_verifies(db, capsys, cadre_load):
    cadre_load(db, "case_event", [ev("R2", 2, "受理", "2024-03-05")])  # reloaded unchanged
    assert db["event_chain"].count == 5
    code, out, _ = verify(capsys, db_path(db))
    head = db.execute("SELECT hash FROM event_chain WHERE pos = 5").fetchone()[0]
    assert code == 0 and f"共 5 个事件，链头 {head}" in out
    code, _, _ = verify(capsys, db_path(db), "--expect-head", head, "--expect-events", 5)
    assert code == 0


def test_a_changed_event_is_detected(db, capsys):
    tamper(db_path(db), "UPDATE case_event SET note = '已修改' WHERE case_id = 'R1' AND seq = 2")
    code, out, _ = verify(capsys, db_path(db))
    assert code == 1
    assert "案件 R1 序号 2 的事件（“受理”）内容已被改动" in out


def test_a_removed_event_is_detected(db, capsys):
    tamper(db_path(db), "DELETE FROM case_event WHERE case_id = 'R1' AND seq = 2")
    code, out, _ = verify(capsys, db_path(db))
    assert code == 1 and "链第 2 环（案件 R1 序号 2）：该事件已被删除" in out


def test_an_event_removed_with_its_link_is_detected(db, capsys):
    tamper(db_path(db), "DELETE FROM case_event WHERE case_id = 'R1' AND seq = 2",
           "DELETE FROM event_chain WHERE case_id = 'R1' AND seq = 2")
    code, out, _ = verify(capsys, db_path(db))
    assert code == 1 and "链第 3 环（案件 R2 序号 1）：与上一环衔接不上" in out


def test_removing_the_newest_event_with_its_link_is_caught_by_the_load_record(db, capsys):
    tamper(db_path(db), "DELETE FROM case_event WHERE case_id = 'R2' AND seq = 2",
           "DELETE FROM event_chain WHERE pos = 5")
    code, out, _ = verify(capsys, db_path(db))
    assert code == 1 and "最近一次导入后事件链共 5 环" in out and "现为 4 环" in out


def test_reordered_events_are_detected(db, capsys):
    tamper(db_path(db),
           "UPDATE case_event SET seq = -1 WHERE case_id = 'R1' AND seq = 2",
           "UPDATE case_event SET seq = 2 WHERE case_id = 'R1' AND seq = 3",
           "UPDATE case_event SET seq = 3 WHERE case_id = 'R1' AND seq = -1")
    code, out, _ = verify(capsys, db_path(db))
    assert code == 1
    assert "案件 R1 序号 2 的事件（“核实”）原为序号 3：事件顺序被调换" in out
    assert "案件 R1 序号 3 的事件（“受理”）原为序号 2：事件顺序被调换" in out


def test_an_event_added_by_hand_is_detected(db, capsys):
    tamper(db_path(db), "INSERT INTO case_event (case_id, seq, event, date) "
                        "VALUES ('R2', 3, '认定', '2024-03-09')")
    code, out, _ = verify(capsys, db_path(db))
    assert code == 1 and "案件 R2 序号 3 的事件不在事件链中" in out


def publish_copy(db, tmp_path):
    """A file holding only the two tables, as a published copy might."""
    out = tmp_path / "published.db"
    conn = sqlite3.connect(out)
    conn.execute("ATTACH DATABASE ? AS src", [str(db_path(db))])
    for table in ("case_event", "event_chain"):
        conn.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table}")
    conn.commit()
    conn.execute("DETACH DATABASE src")
    return out, conn


def test_anyone_can_verify_a_published_copy(db, tmp_path, capsys):
    path, conn = publish_copy(db, tmp_path)
    result = verify_chain(conn)
    assert result["problems"] == [] and result["events"] == 5
    code, out, _ = verify(capsys, path)
    assert code == 0 and result["head"] in out
    code, out, _ = verify(capsys, path, "--expect-head", "0" * 64)
    assert code == 1 and "与公布的" in out
    conn.execute("UPDATE case_event SET date = '2024-03-07' WHERE case_id = 'R2' AND seq = 2")
    assert verify_chain(conn)["problems"] == [
        "案件 R2 序号 2 的事件（“受理”）内容已被改动，与入库时的哈希不符"]
    conn.close()


def test_a_file_without_the_tables_is_reported(tmp_path, capsys):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    code, out, _ = verify(capsys, path)
    assert code == 1 and "没有 case_event、event_chain 表" in out
