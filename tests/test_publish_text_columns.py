"""Text columns judged whole before the copy at oversight level (``copy._texts_unchanged``):
a column is copied without masking only when masking would leave every one of its texts as
it is, however many rows, batches or repeats it has."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cadre_sdk.publish import copy
from cadre_sdk.publish.redact import ID_MASK, OVERSIGHT, Redactor

#: Long enough to be judged (``Redactor.shortest``), with numbers that are no ID number.
CLEAN = "2024 年度考核 班子 630100-01 领导班子（考核编号 BZ2024-630100-01）"
#: An ID number as a clerk may type it: grouped, inside a note.
TYPED_ID = "联系人证件 630102 19800101 1234 已核"


def _store(path: Path, notes: list[object]) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE note (id TEXT PRIMARY KEY, body TEXT, remark TEXT)")
    conn.executemany("INSERT INTO note VALUES (?, ?, ?)",
                     [(f"N{i:04d}", body, "短") for i, body in enumerate(notes)])
    conn.commit()
    conn.close()
    return path


def _build(store: Path, out: Path) -> tuple[sqlite3.Connection, copy.TablePlan]:
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("ATTACH DATABASE ? AS src", [store.resolve().as_uri() + "?mode=ro"])
    (plan,) = copy.plan_tables(conn, OVERSIGHT)
    assert plan.treat["body"] == "text"
    return conn, plan


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copy, "_BATCH", 4)   # the cell to mask in a later batch


@pytest.mark.parametrize("at", [0, 9, 40])
def test_a_column_with_one_id_number_is_masked_cell_by_cell(tmp_path: Path, at: int) -> None:
    notes: list[object] = [CLEAN] * 41 + ["7", None]
    notes[at] = TYPED_ID
    conn, plan = _build(_store(tmp_path / "s.db", notes), tmp_path / "o.db")
    redactor = Redactor()
    copy.register_functions(conn, redactor)
    assert "body" not in copy._texts_unchanged(conn, plan, redactor)
    copy.copy_table(conn, plan, redactor)
    out = [row[0] for row in conn.execute("SELECT body FROM note ORDER BY id")]
    assert out[at] == "联系人证件 " + ID_MASK + " 已核"
    assert out[:at] + out[at + 1:] == notes[:at] + notes[at + 1:]
    assert redactor.masked == 1


def test_a_column_masking_leaves_unchanged_is_copied_as_it_is(tmp_path: Path) -> None:
    notes: list[object] = [CLEAN, "编号 1234567890123456 共十六位数字", "7", None] * 10
    conn, plan = _build(_store(tmp_path / "s.db", notes), tmp_path / "o.db")
    redactor = Redactor()
    copy.register_functions(conn, redactor)
    assert copy._texts_unchanged(conn, plan, redactor) == {"body", "remark"}
    copy.copy_table(conn, plan, redactor)
    assert [row[0] for row in conn.execute("SELECT body FROM note ORDER BY id")] == notes
    assert redactor.masked == 0


def test_the_public_redactor_judges_cell_by_cell(tmp_path: Path) -> None:
    conn, plan = _build(_store(tmp_path / "s.db", [CLEAN] * 3), tmp_path / "o.db")
    assert copy._texts_unchanged(conn, plan, Redactor(["张三"], ["QH0001"])) == set()
