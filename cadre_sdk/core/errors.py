"""Exceptions. One base class, ``CadreError``; the CLI turns any of them into a clean message.

Errors about clerks' data speak Chinese (the reader is a data clerk); errors meant for plugin
authors speak English and name the plugin and the hook.
"""
from __future__ import annotations

import re

import attrs


class CadreError(Exception):
    """Base class of every error cadre-sdk raises on purpose. ``exit_code`` is the CLI's."""

    exit_code = 1


_WRAP = re.compile(r"[ \t\r]*\n\s*")


@attrs.frozen
class RowError:
    """One problem in one row of one input file: ``file:line: column: reason``."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        # (a header wrapped in its cell, "出生\n年月", is named on the error's one line)
        column = _WRAP.sub("", self.column) if "\n" in self.column else self.column
        col = f" {column}:" if column else ""
        return f"{where}:{col} {self.reason}"


class DataError(CadreError):
    """Input data was rejected; ``errors`` lists every bad row found (not only the first)."""

    def __init__(self, message: str, errors: list[RowError] | None = None):
        self.errors = list(errors or [])
        super().__init__(message)

    def report(self, limit: int | None = None) -> str:
        lines = [str(self.args[0])]
        shown = self.errors if limit is None else self.errors[:limit]
        lines += [f"  {e}" for e in shown]
        if limit is not None and len(self.errors) > limit:
            lines.append(f"  ……另有 {len(self.errors) - limit} 处错误未列出")
        return "\n".join(lines)


class ReadError(CadreError):
    """A whole file could not be read (encoding, truncation, empty, bad structure)."""


class ParameterError(CadreError):
    """A dated parameter file is malformed, or a parameter has no value at a date."""


class PluginError(CadreError):
    """A plugin did something wrong. The message names the plugin and the hook."""

    def __init__(self, plugin: str, hook: str, problem: str, fix: str = ""):
        self.plugin, self.hook, self.problem, self.fix = plugin, hook, problem, fix
        msg = f"plugin {plugin!r}, hook {hook}: {problem}"
        if fix:
            msg += f" Fix: {fix}"
        super().__init__(msg)


class RuleConflict(CadreError):
    """Two plugins claim the same rule for the same jurisdiction with no priority between them."""


class StoreError(CadreError):
    """The database cannot be used as asked (locked, read-only, newer schema, full disk)."""


class CaseError(CadreError):
    """A case event is not allowed in the case's current state."""
