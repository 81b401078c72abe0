"""What the .xlsx package says that a cell reader does not: the worksheet's zip member, its
merged ranges and its formulas saved without a value, found by scanning the sheet's XML as bytes
(read-only readers cannot see merges, and report an uncomputed formula as an empty cell).
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import attrs

from cadre_sdk.ingest.read_encoding import _SAMPLE_BYTES

_MERGE_RE = re.compile(  # <mergeCell ref="A1:C1"/>, with or without a namespace prefix
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([A-Za-z$]+\$?\d+(?::[A-Za-z$]+\$?\d+)?)[\"']"
)
_RANGE_ROWS = re.compile(r"[A-Za-z$]+(\d+)(?::[A-Za-z$]+(\d+))?")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _worksheets(zf: zipfile.ZipFile) -> list[tuple[str, bool, str | None]]:
    """Each sheet of the workbook, in its order: (title, whether it is visible, the zip member
    holding it), via the workbook's relationships."""
    workbook = "xl/workbook.xml"
    for rel in ElementTree.fromstring(zf.read("_rels/.rels")):
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = rel.get("Target", workbook).lstrip("/")
    folder, name = posixpath.split(workbook)
    members: dict[str | None, str] = {}
    for rel in ElementTree.fromstring(zf.read(posixpath.join(folder, "_rels", name + ".rels"))):
        target = rel.get("Target", "")
        members[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join(folder, target))
    sheets = []
    for el in ElementTree.fromstring(zf.read(workbook)).iter():
        if _local(el.tag) == "sheet":
            rel_id = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            sheets.append((el.get("name", ""), el.get("state", "visible") == "visible",
                           members.get(rel_id)))
    return sheets


def _sheet_member(zf: zipfile.ZipFile, title: str) -> str | None:
    """The zip member holding the worksheet called ``title``."""
    return next((member for name, _, member in _worksheets(zf) if name == title), None)


# A cell's value (<v>) or inline string (<is>), with or without a namespace prefix.
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s>]")


def sheets_with_data(path: str | Path) -> list[str] | None:
    """The titles of the visible sheets that hold at least one cell value, in the workbook's
    order: the sheets a clerk sees data on (hidden sheets, such as the lists behind a
    column's drop-down, and empty ones are left out). ``None`` for a package laid out in a way
    this does not follow. Each sheet is read only up to its first value."""
    try:
        with zipfile.ZipFile(path) as zf:
            found = []
            for title, visible, member in _worksheets(zf):
                if not visible or member is None:
                    continue
                with zf.open(member) as fh:
                    tail = b""
                    while chunk := fh.read(_SAMPLE_BYTES):
                        if _VALUE.search(tail + chunk):
                            found.append(title)
                            break
                        tail = chunk[-16:]
            return found
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return None


def range_rows(ref: str) -> tuple[int, int] | None:
    """The first and last rows a cell range (“A2:A3”, “$B$4”) covers; ``None`` if it is none."""
    m = _RANGE_ROWS.fullmatch(ref.replace("$", ""))
    return (int(m[1]), int(m[2] or m[1])) if m else None


def _merges_on_row(ranges: list[str], row: int) -> list[str]:
    hits = []
    for ref in ranges:
        rows = range_rows(ref)
        if rows and rows[0] <= row <= rows[1]:
            hits.append(ref.replace("$", ""))
    return hits


_FORMULA_NO_VALUE = re.compile(  # <c r="B3"><f>SUM(A1:A2)</f></c>: a formula, no <v>
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br=[\"']([A-Za-z]+\d+)[\"'][^>]*>\s*"
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:[A-Za-z_][\w.-]*:)?f>)\s*"
    rb"(?:<(?:[A-Za-z_][\w.-]*:)?v\s*/>|<(?:[A-Za-z_][\w.-]*:)?v>\s*</(?:[A-Za-z_][\w.-]*:)?v>)?"
    rb"\s*</(?:[A-Za-z_][\w.-]*:)?c>")


#: A cell the fast reader gives otherwise than openpyxl: an error value (#N/A: read as empty), an
#: ISO date cell, a number of 16 digits or more (an ID number saved as a number, beyond what a
#: float holds exactly). A sheet with one is read through openpyxl.
_EXACT_ONLY = (
    re.compile(rb"t=[\"'][ed][\"']"),  # a cell's type: error or ISO date (a stray match only
    re.compile(rb"v>-?\d{16}"),         # costs speed); a value of 16 digits or more
)


@attrs.frozen
class SheetScan:
    """What the worksheet's XML says beyond its cell values."""

    #: Merged ranges ("A1:C1"): read-only cell readers cannot see them.
    merges: list[str]
    #: Cells holding a formula whose result the file does not carry (read as empty cells:
    #: written by a program, never opened in Excel).
    uncached: list[str]
    #: Some cell is one the fast reader gives otherwise (see ``_EXACT_ONLY``).
    exact_only: bool
    #: The sheet's XML size, uncompressed, in bytes.
    size: int


def scan_sheet(path: str | Path, title: str) -> SheetScan | None:
    """One pass over the sheet's XML as bytes (``None`` for a package laid out in a way this
    scan does not follow: the cell reader has opened it, so only these checks are lost).
    The regular expressions run only on the blocks where their markers appear."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, title)
            if member is None:
                return None
            size = zf.getinfo(member).file_size
            merges: list[str] = []
            uncached: list[str] = []
            exact_only = False
            with zf.open(member) as fh:
                buf = b""
                while True:
                    chunk = fh.read(_SAMPLE_BYTES)
                    buf += chunk
                    # Matches starting in the last 4 KiB may be cut off: look again next round.
                    limit = len(buf) - 4096 if chunk else len(buf)
                    if b"mergeCell" in buf:
                        merges += [m[1].decode("ascii") for m in _MERGE_RE.finditer(buf)
                                   if m.start() < limit]
                    if b"<f" in buf or b":f" in buf:
                        uncached += [m[1].decode("ascii") for m in _FORMULA_NO_VALUE.finditer(buf)
                                     if m.start() < limit]
                    if not exact_only:
                        exact_only = any(rx.search(buf) is not None for rx in _EXACT_ONLY)
                    if not chunk:
                        return SheetScan(merges, uncached, exact_only, size)
                    buf = buf[max(limit, 0):]
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return None
