"""How a computed figure records the versions of the parameters it read (the subsidy ledger's
``subsidy_rule.parameter_version``, 参数版本), and how readers read them.

The stored text is for SQL: ``path@start`` for each parameter, ``; `` between them
(``township_post.min_days@2015-01-01; township_post.tiers@2015-01-01``); a value that came
from a stored parameter file (``cadre parameters add``) names the file after it
(``regional_allowance.class_4@2025-01-01（录入文件 2025-地区附加津贴.yaml）``), so that two
rows citing the same path and date from different sources stay apart. Readers read each
parameter by its Chinese description with its date (``四类地区月额（2015-01-01 起）``,
``四类地区月额（2025-01-01 起，录入文件 2025-地区附加津贴.yaml）``): ``readable``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from cadre_sdk.core.value_status import STORED_SOURCE

#: One parameter of a version text: its path, its start date and, for a stored file's value,
#: the file's name (up to the ``; `` before the next parameter or the end).
_ENTRY = re.compile(r"(?P<path>[^\s@;]+)@(?P<start>\d{4}-\d{2}-\d{2})"
                    rf"(?:（{STORED_SOURCE} (?P<file>.+?)）)?(?=; |$)")


def version_text(parameters: Iterable[dict[str, Any]]) -> str:
    """The version text of the parameters a trace cited (``Trace.parameters`` entries: path,
    start, the supplier in ``plugin`` and the file in ``file``)."""
    return "; ".join(
        f"{p['path']}@{p['start']}" + (f"（{STORED_SOURCE} {p['file']}）"
                                       if str(p.get("plugin", "")).startswith(STORED_SOURCE)
                                       else "")
        for p in parameters)


def entries(text: str) -> list[tuple[str, str, str, str | None]]:
    """The parameters of a version text: (the entry as stored, path, start, stored file's name
    or None); none for a text of another shape."""
    return [(m.group(0), m["path"], m["start"], m["file"]) for m in _ENTRY.finditer(text)]


def readable(path: str, start: str, file: str | None, names: dict[str, str]) -> str:
    """One parameter as readers read it: its description in ``names`` (path -> description,
    ``explanations.parameter_names``; the path where it has none) and the date it applies
    from, with the stored file it came from."""
    source = f"，{STORED_SOURCE} {file}" if file else ""
    return f"{names.get(path) or path}（{start} 起{source}）"
