"""Run the `cadre` CLI in-process, as a user would from a shell."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from cadre_sdk.cli.app import main


def run(capsys, *args) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``cadre ARGS``."""
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def stored(db: Path, sql: str) -> list[tuple]:
    """The rows ``sql`` reads from the store ``db`` (what a load left there)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
