"""Year schedules added by users (``cadre calendar add``), stored in the database with their
provenance (migration set ``cadre_sdk.calendar``), and the calendar a store's evaluation uses.

The calendar is made year by year from three sources, a later one replacing an earlier one for
the same year: the installed ``chinesecalendar`` package, plugins (``register_calendar_years``),
and the files added to the store (a user can correct a year without waiting for a release).
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import attrs
import sqlite_utils

from cadre_sdk.core.calendar_years import YearSchedule, builtin_years, read_year_file
from cadre_sdk.core.errors import RuleConflict
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.store.database import (
    migrate, migration_set, now, record_provenance, sha256_file, write_transaction,
)
from cadre_sdk.store.table_labels import describe
from cadre_sdk.core.workdays import Calendar

__all__ = ["add_year_file", "calendar_for", "known_years", "stored_years"]

migrations = migration_set("cadre_sdk.calendar")

describe("calendar_year", "节假日安排",
         "用户录入的各年法定节假日放假和调休上班安排（cadre calendar add），及其依据的国务院办公厅通知。",
         {"year": "年份", "holidays": "放假日期", "workdays": "调休上班日期",
          "notice_title": "通知标题", "notice_number": "通知文号", "notice_date": "通知日期",
          "status": "数据性质", "file": "录入文件", "sha256": "文件哈希", "added_at": "录入时间"})


@migrations(name="0001_calendar_year")
def _calendar_year(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE calendar_year (
      year INTEGER PRIMARY KEY,
      holidays TEXT NOT NULL,       -- JSON list of ISO dates off
      workdays TEXT NOT NULL,       -- JSON list of ISO make-up working days
      notice_title TEXT NOT NULL,
      notice_number TEXT,
      notice_date TEXT,
      status TEXT NOT NULL,         -- official / example
      file TEXT NOT NULL,           -- the file it was added from
      sha256 TEXT NOT NULL,
      added_at TEXT NOT NULL        -- UTC time
    )""")


def stored_years(db: sqlite_utils.Database) -> dict[int, YearSchedule]:
    """The years added to ``db`` (none if it has no ``calendar_year`` table yet)."""
    if not db["calendar_year"].exists():
        return {}
    out = {}
    for row in db.query("SELECT * FROM calendar_year ORDER BY year"):
        out[row["year"]] = YearSchedule(
            row["year"], map(datetime.date.fromisoformat, json.loads(row["holidays"])),
            map(datetime.date.fromisoformat, json.loads(row["workdays"])),
            notice_title=row["notice_title"], notice_number=row["notice_number"],
            notice_date=row["notice_date"] and datetime.date.fromisoformat(row["notice_date"]),
            status=row["status"], source=f"录入文件 {row['file']}（{row['added_at'][:10]} 录入）")
    return out


def plugin_years(plugins: CadrePlugins) -> dict[int, YearSchedule]:
    """The years plugins registered: for each year the highest priority; a tie between plugins
    is a conflict (``cadre rules check`` reports it too)."""
    by_year: dict[str, list[Any]] = {}
    for reg in plugins.book.all(YearSchedule.rule_kind):
        by_year.setdefault(reg.key, []).append(reg)
    out = {}
    for key, regs in sorted(by_year.items()):
        top = max(r.rank for r in regs)
        best = [r for r in regs if r.rank == top]
        if len(best) > 1:
            raise RuleConflict(
                f"plugins {', '.join(sorted(r.plugin for r in best))} all register the holiday "
                f"schedule of {key} with the same priority. Fix: uninstall one, or give one a "
                "higher priority=.")
        out[int(key)] = attrs.evolve(best[0].item, source=f"插件 {best[0].plugin}")
    return out


def known_years(db: sqlite_utils.Database | None, plugins: CadrePlugins | None
                ) -> dict[int, YearSchedule]:
    """Every year's schedule by source precedence: package < plugins < stored files."""
    years = dict(builtin_years())
    if plugins is not None:
        years.update(plugin_years(plugins))
    if db is not None:
        years.update(stored_years(db))
    return years


def calendar_for(db: sqlite_utils.Database | None, plugins: CadrePlugins | None) -> Calendar:
    """The calendar an evaluation of ``db`` uses (see ``known_years``)."""
    return Calendar(known_years(db, plugins))


def add_year_file(db: sqlite_utils.Database, path: str | Path) -> YearSchedule:
    """Check a year file and store it in ``db`` (replacing a year added before), with a
    provenance row; a bad file raises ``CalendarFileError`` before anything is written."""
    schedule = read_year_file(path)
    digest = sha256_file(path)
    migrate(db)
    with write_transaction(db, "录入节假日安排") as conn:
        conn.execute("DELETE FROM calendar_year WHERE year = ?", [schedule.year])
        conn.execute(
            "INSERT INTO calendar_year (year, holidays, workdays, notice_title, notice_number, "
            "notice_date, status, file, sha256, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [schedule.year, json.dumps(sorted(d.isoformat() for d in schedule.holidays)),
             json.dumps(sorted(d.isoformat() for d in schedule.workdays)),
             schedule.notice_title, schedule.notice_number,
             schedule.notice_date and schedule.notice_date.isoformat(), schedule.status,
             Path(path).name, digest, now()])
        record_provenance(db, "calendar", kind="calendar_year",
                          detail=f"{schedule.year}: {schedule.notice_title} ({Path(path).name})",
                          sha256=digest)
        conn.execute("COMMIT")
    return schedule
