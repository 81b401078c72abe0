"""What a number is, said next to it: the status of parameter values and catalogue entries.

Every value the SDK applies is one of (``cadre_sdk.parameters.STATUSES``):

- ``official``: the reference cites the document (《…》), its number and article;
- ``analogy``: the SDK's own choice, borrowed from the source the reference names (参照适用);
- ``example``: an illustration, not anyone's rule (示例值);
- ``unverified``: taken from a source whose official text was not checked (未核实).

This module gives the Chinese label shown next to a value (explanations, the publication,
``cadre rules``), cites files by package and path inside the package (never a machine path),
and finds references that do not resolve (``cadre rules check``).
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path, PurePosixPath

__all__ = ["STATUS_ZH", "STORED_SOURCE", "label_zh", "names_document", "package_path", "reference_problems",
           "supplier_zh", "tag_zh"]

STATUS_ZH = {"official": "官方依据", "analogy": "参照适用", "example": "示例值",
             "unverified": "未核实"}
_NO_STATUS = "未标注依据性质"
#: How a value from a parameter file added to the store (``cadre parameters add``) names its
#: source where a plugin's value names its plugin: ``录入文件 NAME（2026-12-07 录入）``.
STORED_SOURCE = "录入文件"
#: How many folders above a file its package may be (``pkg/defaults/parameters/x.yaml``: 2).
_DATA_DEPTH = 3
#: A document title in a reference: 《…》.
_DOCUMENT = re.compile(r"《[^》]+》")
#: A file named in a reference: ``pkg/dir/FILE.md`` or ``FILE.csv`` (ASCII path characters).
_FILE = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w.-]+\.(?:md|csv|yaml|yml|txt|json))(?![\w/])")


def tag_zh(status: str | None) -> str:
    """The short Chinese name of a status (``示例值``, ``参照适用`` …)."""
    return STATUS_ZH.get(status or "", _NO_STATUS)


def label_zh(status: str | None, reference: str) -> str:
    """What is shown next to a value: the reference for an official value, ``参照：…`` for
    one adopted by analogy, ``示例值（…）`` for an example, ``未核实：…`` for an unverified one."""
    if status == "official":
        return reference
    if status == "analogy":
        return f"参照：{reference}"
    if status == "example":
        return f"示例值（{reference}）"
    if status == "unverified":
        return f"未核实：{reference}"
    return f"{_NO_STATUS}：{reference}"


def package_path(file: str | Path) -> str:
    """``file`` cited by its package and the path inside it (``cadre_sdk/defaults/parameters/
    tolerance.yaml``): the folders above the top package are dropped, so that no machine path
    is published. A file outside any package (a plugins folder, a test) is cited by its name."""
    path = Path(file)
    # data folders inside a package (parameters/, data/) need no __init__.py of their own
    top = next((p for p in path.parents[:_DATA_DEPTH] if (p / "__init__.py").exists()), None)
    if top is None:
        return path.name
    while (top.parent / "__init__.py").exists() and top.parent != top:
        top = top.parent
    return str(PurePosixPath(*path.relative_to(top.parent).parts))


def _resolves(name: str, base: Path | None) -> bool:
    """Whether a file named in a reference exists: ``pkg/...`` inside the importable package
    ``pkg``, anything else next to the parameter file (``base``) or above it in its package."""
    first, _, rest = name.partition("/")
    if rest and first.isidentifier():
        try:
            spec = importlib.util.find_spec(first)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            if (Path(location) / rest).exists():
                return True
    if base is None:
        return False
    if (base / name).exists():
        return True
    folder = base.parent
    while (folder / "__init__.py").exists():
        if (folder / name).exists():
            return True
        folder = folder.parent
    return False


def supplier_zh(supplier: str) -> str:
    """Who supplied a value, as an explanation names it: ``插件 NAME``, or the stored file."""
    return supplier if supplier.startswith(STORED_SOURCE) else f"插件 {supplier}"


def names_document(reference: str) -> bool:
    """Whether ``reference`` names a document in 《》 (what an official value, or one adopted
    by analogy, must cite)."""
    return bool(_DOCUMENT.search(reference))


def reference_problems(status: str | None, reference: str, base: Path | None = None
                       ) -> list[str]:
    """Why a value's reference does not resolve (English, for ``cadre rules check``): no
    status; an official value or one adopted by analogy naming no document (《…》); a file
    named in the reference that does not exist (``base``: the parameter file's folder)."""
    problems = []
    if status is None:
        problems.append("no status (official, analogy, example or unverified)")
    elif status in ("official", "analogy") and not names_document(reference):
        what = "an official value" if status == "official" else "a value adopted by analogy"
        problems.append(f"{what} must name its source document in 《》 (with number and "
                        "article where there is one)")
    for name in _FILE.findall(reference):
        if not _resolves(name, base):
            problems.append(f"the reference names {name}, which does not exist")
    return problems
