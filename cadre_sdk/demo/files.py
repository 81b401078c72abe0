"""Writers of clerk-style files: CSV in UTF-8, UTF-8 with BOM or GBK, and .xlsx workbooks.

Each file carries its own way of writing dates, as clerks' files do: ISO (``2023-05-12``,
``1975-06``), dotted (``2023.05.12``, ``1975.06``) or Chinese (``2023年5月12日``, ``1975年6月``).
Files are written row by row (memory stays flat) and byte-for-byte reproducibly: .xlsx
workbooks get fixed timestamps inside and in their zip entries.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The instant written into every workbook (no current time in generated data).
FIXED_TIME = dt.datetime(2024, 1, 1, 8, 0, 0)
_ZIP_TIME = (2024, 1, 1, 8, 0, 0)


def _month_iso(y: int, m: int) -> str:
    return f"{y}-{m:02d}"


def _month_dot(y: int, m: int) -> str:
    return f"{y}.{m:02d}"


def _month_cn(y: int, m: int) -> str:
    return f"{y}年{m}月"


def _date_iso(d: dt.date) -> str:
    return d.isoformat()


def _date_dot(d: dt.date) -> str:
    return f"{d.year}.{d.month:02d}.{d.day:02d}"


def _date_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


_STYLES = {
    "iso": (_month_iso, _date_iso),
    "dot": (_month_dot, _date_dot),
    "cn": (_month_cn, _date_cn),
}


class ClerkFile:
    """One file being written. ``write(row)`` appends a row of cells (``None`` is empty): it is
    the CSV writer's or the worksheet's own method, called directly (the generator writes tens
    of millions of rows); ``month(y, m)`` and ``date(d)`` format dates in this file's style."""

    def __init__(self, path: Path, header: Sequence[str], *, encoding: str = "utf-8",
                 dates: str = "iso", sheet: str = "Sheet1"):
        self.path = Path(path)
        self.encoding = encoding if self.path.suffix != ".xlsx" else "xlsx"
        self.month, self.date = _STYLES[dates]
        self._wb: Any = None
        if self.path.suffix == ".xlsx":
            from openpyxl import Workbook

            self._wb = Workbook(write_only=True)
            self._ws = self._wb.create_sheet(sheet)
            self._append = self._ws.append
            self._fh = None
        else:
            self._fh = open(self.path, "w", encoding=encoding, newline="")
            self._append = csv.writer(self._fh).writerow
        self._append(list(header))
        self.write = self._append

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        elif self._wb is not None:
            self._wb.properties.creator = "cadre-sdk demo"
            self._wb.properties.created = FIXED_TIME
            self._wb.properties.modified = FIXED_TIME
            raw = self.path.with_name(f".{self.path.name}.tmp")
            try:
                self._wb.save(raw)
                self._wb = None
                _reproducible_zip(raw, self.path)
            finally:
                if raw.exists():
                    raw.unlink()


_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _reproducible_zip(source: Path, target: Path) -> None:
    """Copy a workbook with fixed entry timestamps and fixed document times, streaming."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            if info.filename == "docProps/core.xml":
                body = _CORE_TIMES.sub(lambda m: m.group(1) + stamp + m.group(3),
                                       src.read(info.filename))
                dst.writestr(entry, body)
                continue
            with src.open(info) as reader, dst.open(entry, "w") as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)
