"""Where in a plugin's own code an exception was raised, for messages to plugin authors.

The SDK's machinery (the engines, the plugin manager, pluggy) is left out, so that
``raised ZeroDivisionError: division by zero at .../cadre_maduo/plugin.py:12`` names the line
the author wrote; the built-in default plugins (``cadre_sdk/defaults``) and the standard
formulas count as plugin code, since a rule may run them with the author's parameters.
"""
from __future__ import annotations

import inspect
import os
import traceback
from typing import Any

import pluggy


def _package_folder() -> str:
    """The SDK's package folder: the nearest folder named cadre_sdk above this module (wherever
    the module sits in the package)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = here
    while os.path.basename(path) != "cadre_sdk":
        parent = os.path.dirname(path)
        if parent == path:
            return here + os.sep
        path = parent
    return path + os.sep


_SDK = _package_folder()
_PLUGIN_CODE = (_SDK + "defaults" + os.sep, _SDK + "formulas" + os.sep)
_MACHINERY = (_SDK, os.path.dirname(os.path.abspath(pluggy.__file__)) + os.sep)

#: Set to 1 (or pass ``cadre --debug``) to print the full traceback of an error.
DEBUG_ENV = "CADRE_DEBUG"


def _is_machinery(filename: str) -> bool:
    path = os.path.abspath(filename)
    return path.startswith(_MACHINERY) and not path.startswith(_PLUGIN_CODE)


def origin(exc: BaseException) -> str:
    """`` at FILE:LINE`` of the innermost frame of plugin code in ``exc``'s traceback (and,
    when it was raised deeper, in the SDK, `` (raised in FILE:LINE)``); "" when none."""
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return f" at {exc.filename}:{exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if not _is_machinery(f.filename)]
    if not own:
        return ""
    where = f" at {own[-1].filename}:{own[-1].lineno}"
    if frames[-1] is not own[-1]:
        where += f" (raised in {frames[-1].filename}:{frames[-1].lineno})"
    return where


def debug_requested(argv: list[str] | None = None) -> bool:
    """Whether ``--debug`` is among the arguments or ``CADRE_DEBUG`` is set (not 0/empty)."""
    return "--debug" in (argv or ()) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def where_defined(function: Any) -> str:
    """`` at FILE:LINE`` where a plugin's function is defined (its first line: the decorator's,
    if any), or "" when unknown."""
    function = inspect.unwrap(getattr(function, "__func__", function))
    code = getattr(function, "__code__", None)
    if code is None:
        return ""
    return f" at {code.co_filename}:{code.co_firstlineno}"
