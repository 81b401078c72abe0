"""What ``cadre load`` is given, checked before anything is opened: the files (a folder
stands for the files in it), the region names are resolved in, the date of the load."""
from __future__ import annotations

from pathlib import Path

import attrs
import sqlite_utils

from cadre_sdk.core.errors import CadreError
from cadre_sdk.ingest.readers import _FORMATS
from cadre_sdk.ingest.references import find_region, match_key


#: Spreadsheets the loader cannot read: a folder's are loaded too, so that each is reported
#: (“请另存为 .xlsx”) instead of being left out without a word.
UNREADABLE = (".xls", ".et", ".xlsm", ".xlsb", ".ods")


def folder_files(folder: Path) -> list[Path]:
    """The files of a folder and its subfolders that a load takes, in path order: the readable
    formats and the spreadsheets it cannot read (reported), not the lock files Excel and WPS
    keep beside an open workbook (``~$名册.xlsx``), nor hidden files and folders."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in (*_FORMATS, *UNREADABLE)
                  and not any(part.startswith(("~$", ".")) for part in
                              p.relative_to(folder).parts))


def expand_paths(paths: tuple[Path, ...] | list[Path]) -> list[Path]:
    """The files to load: each file as given, a folder's files (``folder_files``, its
    subfolders' too, as for 任免审批表); a path that does not exist, or a folder without such
    files, is a Chinese error."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = folder_files(path)
            if not inside:
                raise CadreError(f"文件夹 {path} 里没有可导入的文件（.csv、.tsv、.txt、.xlsx、"
                                 ".json、.ndjson，干部还可以是任免审批表 .lrmx）。请核对文件夹路径。")
            out.extend(inside)
        elif not path.exists():
            raise CadreError(f"找不到文件或文件夹 {path}。请检查路径和文件名（可以把文件拖进命令行窗口"
                             "以得到完整路径）。数据未作任何改动。")
        else:
            out.append(path)
    return out


@attrs.frozen
class Worksheet:
    """One worksheet of a workbook, loaded as a file of its own (``cadre load --sheet``):
    messages name it ``file（工作表“sheet”）``."""

    path: Path
    sheet: str

    @property
    def display(self) -> str:
        return f"{self.path}（工作表“{self.sheet}”）"


def with_sheets(paths: list[Path], sheets: tuple[str, ...]) -> list[Path | Worksheet]:
    """The files to load with ``--sheet``: each workbook (.xlsx) as the named worksheets,
    in the order given; other files as they are. Sheets named with no workbook to take them
    from are a Chinese error."""
    if not sheets:
        return list(paths)
    if not any(p.suffix.lower() == ".xlsx" for p in paths):
        raise CadreError("--sheet 用于指明 Excel 工作簿（.xlsx）里要导入的工作表，但所给的文件中"
                         "没有 .xlsx 文件。请去掉 --sheet，或核对文件名。")
    out: list[Path | Worksheet] = []
    for path in paths:
        if path.suffix.lower() == ".xlsx":
            out.extend(Worksheet(path, sheet) for sheet in dict.fromkeys(sheets))
        else:
            out.append(path)
    return out


def resolve_region(db: sqlite_utils.Database, text: str | None
                   ) -> tuple[str | None, str | None]:
    """The code of the region ``--region`` names (by code, by name, or by a short form that
    names exactly one region: ``find_region`` without guessing), and the Chinese line telling
    the clerk which region a short form was read as (else None)."""
    if text is None:
        return None, None
    rows = [(code, name) for code, name in db.execute("SELECT code, name FROM region")]
    found = find_region(text, rows, guess=False)
    if found.code is not None:
        name = dict(rows)[found.code]
        if found.code == text.strip() or match_key(name) == match_key(text):
            return found.code, None
        return found.code, f"--region“{text.strip()}”按{name}（{found.code}）读取"
    if found.ambiguous:
        listed = "、".join(f"{n}（{c}）" for c, n in found.candidates)
        raise CadreError(f"--region“{text}”对应多个地区：{listed}。请改填完整的地区名称或地区代码。")
    near = found.candidates
    if near:
        listed = "、".join(f"{n}（{c}）" for c, n in near)
        raise CadreError(f"--region“{text}”不是已知的地区名称或代码。最接近的有：{listed}。"
                         "请写完整的地区名称或地区代码。")
    raise CadreError(f"--region“{text}”不是已知的地区名称或代码。`cadre kinds 地区` 说明地区表；"
                     "请核对名称。")

