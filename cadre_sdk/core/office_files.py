"""Reading the small YAML files an office writes by hand (a year's holidays for ``cadre
calendar add``, a year's rates for ``cadre parameters add``): UTF-8, with or without a BOM,
and a file that cannot be read refused in Chinese, saying what to do."""
from __future__ import annotations

from pathlib import Path

from cadre_sdk.core.errors import CadreError

__all__ = ["read_office_file"]


def read_office_file(path: Path, what: str, error: type[CadreError]) -> str:
    """The text of ``path``; ``error`` (Chinese, naming the file as ``what``, e.g. 参数文件)
    when it is missing, unreadable or not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise error(f"找不到{what} {path}。") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}:1: 文件不是 UTF-8 编码（{exc.reason}），"
                    "请另存为 UTF-8 后重试。未作任何改动。") from None
    except OSError as exc:
        raise error(f"无法读取{what} {path}：{exc.strerror}。") from None
