"""JSON arrays and NDJSON: each object a row with the line where it starts; an element that is
not an object, repeats a key or is not valid JSON becomes a row carrying the message (``ERROR``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.raw_rows import ERROR, RawRow
from cadre_sdk.ingest.read_encoding import _empty, _open, _text_lines, decode_bytes


class _DuplicateKeys(dict[str, Any]):
    """An object in which some key appeared twice (json keeps only the last silently)."""

    duplicates: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    dup = _DuplicateKeys(obj)
    seen: set[str] = set()
    dup.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in dup.duplicates:
            dup.duplicates.append(key)
        seen.add(key)
    return dup


_KINDS = {list: "数组", str: "字符串", int: "数字", float: "数字", bool: "true/false", type(None): "null"}


def _element_row(file: str, line: int, obj: Any, what: str) -> RawRow:
    if isinstance(obj, _DuplicateKeys):
        keys = "、".join(f"“{k}”" for k in obj.duplicates)
        return RawRow(file, line, {ERROR: f"{what}中的键{keys}出现了不止一次，请只保留一个"})
    if not isinstance(obj, dict):
        kind = _KINDS.get(type(obj), "其他值")
        return RawRow(file, line, {ERROR: f"{what}应为 JSON 对象（{{\"姓名\": \"张三\", …}}），实为{kind}"})
    return RawRow(file, line, obj)


def _iter_ndjson(path: str | Path, file: str) -> Iterator[RawRow]:
    seen = False
    for lineno, line in enumerate(_text_lines(path, file), 1):
        text = line.strip()
        if not text:
            continue
        seen = True
        try:
            obj = json.loads(text, object_pairs_hook=_pairs)
        except json.JSONDecodeError as e:
            yield RawRow(file, lineno, {ERROR: f"第{lineno}行不是有效的 JSON：第{e.colno}个字符附近出错（{e.msg}）"})
            continue
        except (ValueError, RecursionError) as e:  # e.g. nesting deeper than the parser's stack
            yield RawRow(file, lineno, {ERROR: f"第{lineno}行不是有效的 JSON（{type(e).__name__}）"})
            continue
        yield _element_row(file, lineno, obj, f"第{lineno}行")
    if not seen:
        raise _empty(file)


_WS = re.compile(r"[ \t\n\r]*")


def _skip_ws(text: str, i: int) -> int:
    m = _WS.match(text, i)
    return m.end() if m else i


def _iter_json(path: str | Path, file: str) -> Iterator[RawRow]:
    """A top-level array of objects. Parsed element by element (``raw_decode``) so each row can
    carry the physical line where its object starts; the whole text is in memory."""
    with _open(path, file) as f:
        data = f.read()
    text, _ = decode_bytes(data, file)
    decoder = json.JSONDecoder(object_pairs_hook=_pairs)
    i = _skip_ws(text, 0)
    if i == len(text):
        raise _empty(file)
    if text[i] != "[":
        ndjson = "；每行一个对象的文件请改用 .ndjson 扩展名" if text[i] == "{" else ""
        raise ReadError(
            f"{file}：JSON 文件的最外层应为由对象组成的数组，例如 [{{\"姓名\": \"张三\"}}, …]{ndjson}。"
        )

    def bad(pos: int, what: str) -> ReadError:
        line = text.count("\n", 0, pos) + 1
        col = pos - text.rfind("\n", 0, pos)
        return ReadError(f"{file}：第{line}行第{col}列不是有效的 JSON（{what}）。请检查这里的逗号、括号和引号。")

    line, counted = 1, 0
    i = _skip_ws(text, i + 1)
    if text[i : i + 1] == "]":
        i += 1
    else:
        while True:
            line += text.count("\n", counted, i)
            counted = i
            try:
                obj, end = decoder.raw_decode(text, i)
            except json.JSONDecodeError as e:
                raise bad(e.pos, e.msg) from None
            except RecursionError:
                raise bad(i, "嵌套层数太多") from None
            yield _element_row(file, line, obj, f"第{line}行的元素")
            i = _skip_ws(text, end)
            if text[i : i + 1] == ",":
                i = _skip_ws(text, i + 1)
                continue
            if text[i : i + 1] == "]":
                i += 1
                break
            raise bad(i, "数组元素之间应为逗号，或以 ] 结束")
    i = _skip_ws(text, i)
    if i != len(text):
        raise bad(i, "数组结束后还有多余的内容")
