"""Reading the small YAML files an office writes by hand (a year's holidays for ``cadre
calendar add``, a year's rates for ``cadre parameters add``): UTF-8, with or without a BOM,
and a file that cannot be read refused in Chinese, saying what to do."""
from __future__ import annotations

import codecs
from pathlib import Path

from cadre_sdk.core.errors import CadreError

__all__ = ["read_office_file"]


def read_office_file(path: Path, what: str, error: type[CadreError]) -> str:
    """The text of ``path``; ``error`` (Chinese, naming the file as ``what``, e.g. 参数文件)
    when it is missing, unreadable or not UTF-8."""
    try:
        data = path.read_bytes()
        return data.decode("utf-8-sig")
    except FileNotFoundError:
        raise error(f"找不到{what} {path}。") from None
    except UnicodeDecodeError as exc:
        raise error(_not_utf8(path, data, exc)) from None
    except OSError as exc:
        raise error(f"无法读取{what} {path}：{exc.strerror}。") from None


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError) -> str:
    """Why ``data`` (the bytes of ``path``) cannot be read, in Chinese, at the line of its
    first byte that is not UTF-8: most often a file saved by Notepad as ANSI, i.e. GBK on a
    Chinese Windows, or Big5 on a Traditional one."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    line = data[:exc.start + bom].count(b"\n") + 1
    return (f"{path}:{line}: 文件不是 UTF-8 编码（从第 {line} 行起有 UTF-8 读不出的字节，"
            "多半是记事本等按 ANSI（GBK 或 Big5）保存的），请用“另存为”把编码选为 UTF-8 后重试。"
            "未作任何改动。")
