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

from .read_encoding import _SAMPLE_BYTES

_MERGE_RE = re.compile(  # <mergeCell ref="A1:C1"/>, with or without a namespace prefix
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([A-Za-z$]+\$?\d+(?::[A-Za-z$]+\$?\d+)?)[\"']"
)
_RANGE_ROWS = re.compile(r"[A-Za-z$]+(\d+)(?::[A-Za-z$]+(\d+))?")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_member(zf: zipfile.ZipFile, title: str) -> str | None:
    """The zip member holding the worksheet called ``title`` (via the workbook's relationships)."""
    workbook = "xl/workbook.xml"
    for rel in ElementTree.fromstring(zf.read("_rels/.rels")):
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = rel.get("Target", workbook).lstrip("/")
    rel_id = None
    for el in ElementTree.fromstring(zf.read(workbook)).iter():
        if _local(el.tag) == "sheet" and el.get("name") == title:
            rel_id = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
    folder, name = posixpath.split(workbook)
    for rel in ElementTree.fromstring(zf.read(posixpath.join(folder, "_rels", name + ".rels"))):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join(folder, target))
    return None


def _merged_ranges(path: str | Path, title: str) -> list[str]:
    """The sheet's merged ranges. openpyxl's read-only mode cannot see merges, and loading the
    whole workbook in normal mode is too slow for big files, so scan the sheet's XML as bytes."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, title)
            if member is None:
                return []
            found: list[str] = []
            with zf.open(member) as fh:
                buf = b""
                while True:
                    chunk = fh.read(_SAMPLE_BYTES)
                    buf += chunk
                    # Matches starting in the last 512 bytes may be cut off: look again next round.
                    limit = len(buf) - 512 if chunk else len(buf)
                    found += [m[1].decode("ascii") for m in _MERGE_RE.finditer(buf) if m.start() < limit]
                    if not chunk:
                        return found
                    buf = buf[max(limit, 0) :]
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        # openpyxl has already opened this workbook; a package laid out in a way this scan does
        # not follow loses only the merged-header check, not the data.
        return []


def _merges_on_row(ranges: list[str], row: int) -> list[str]:
    hits = []
    for ref in ranges:
        m = _RANGE_ROWS.fullmatch(ref.replace("$", ""))
        if m and int(m[1]) <= row <= int(m[2] or m[1]):
            hits.append(ref.replace("$", ""))
    return hits


_FORMULA_NO_VALUE = re.compile(  # <c r="B3"><f>SUM(A1:A2)</f></c>: a formula, no <v>
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br=[\"']([A-Za-z]+\d+)[\"'][^>]*>\s*"
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:[A-Za-z_][\w.-]*:)?f>)\s*"
    rb"(?:<(?:[A-Za-z_][\w.-]*:)?v\s*/>|<(?:[A-Za-z_][\w.-]*:)?v>\s*</(?:[A-Za-z_][\w.-]*:)?v>)?"
    rb"\s*</(?:[A-Za-z_][\w.-]*:)?c>")


def _formulas_without_values(path: str | Path, title: str) -> list[str]:
    """Cells holding a formula whose result the file does not carry (openpyxl reads them as
    empty: written by a program, never opened in Excel). The sheet's XML is scanned as bytes,
    and only where a formula appears at all."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, title)
            if member is None:
                return []
            found: list[str] = []
            with zf.open(member) as fh:
                buf = b""
                while True:
                    chunk = fh.read(_SAMPLE_BYTES)
                    buf += chunk
                    limit = len(buf) - 4096 if chunk else len(buf)
                    if b"<f" in buf or b":f" in buf:
                        found += [m[1].decode("ascii") for m in _FORMULA_NO_VALUE.finditer(buf)
                                  if m.start() < limit]
                    if not chunk:
                        return found
                    buf = buf[max(limit, 0):]
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return []  # as for merges: a layout this scan does not follow loses only this check
