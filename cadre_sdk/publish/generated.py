"""The generated columns of a store table, read from its ``CREATE TABLE`` statement (SQLite has
no pragma that gives a generated column's expression), so that the oversight publication can
declare them as the store does: a ``VIRTUAL`` generated column stores no bytes (issue 19).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

#: Opening quote -> closing quote: a string literal ('), a quoted name (", [ ], `).
_QUOTES = {"'": "'", '"': '"', "[": "]", "`": "`"}
#: A column definition's name (quoted or bare) and the rest of it.
_DEFINITION = re.compile(r'\s*("(?:[^"]|"")*"|\[[^\]]*\]|`[^`]*`|\w+)(.*)', re.S)
#: Where a generated column's expression starts (``GENERATED ALWAYS`` may be left out).
_AS = re.compile(r"\b(?:GENERATED\s+ALWAYS\s+)?AS\s*$", re.I)


@attrs.frozen
class Generated:
    """One generated column: its clause as declared and the names its expression reads."""

    clause: str               # GENERATED ALWAYS AS (expr) VIRTUAL|STORED
    reads: frozenset[str]     # identifiers in the expression (lower case)


def _tokens(sql: str) -> Iterator[str]:
    """The statement in pieces: a quoted string or name whole, a comment as one space, any
    other character alone. (A doubled quote inside a string gives two adjacent pieces, which
    join back to the same text.)"""
    i, n = 0, len(sql)
    while i < n:
        ch, two = sql[i], sql[i:i + 2]
        if ch in _QUOTES:
            end = sql.find(_QUOTES[ch], i + 1)
            end = n - 1 if end < 0 else end
            yield sql[i:end + 1]
            i = end + 1
        elif two in ("--", "/*"):
            end = sql.find("\n" if two == "--" else "*/", i + 2)
            i = n if end < 0 else end + (1 if two == "--" else 2)
            yield " "
        else:
            yield ch
            i += 1


def _definitions(sql: str) -> list[list[str]]:
    """The table's column and constraint definitions, each as its pieces (``_tokens``)."""
    depth, parts, current = 0, [], []
    for token in _tokens(sql):
        if token == "(":
            depth += 1
            if depth == 1:
                continue
        elif token == ")":
            depth -= 1
            if depth == 0:
                break
        elif token == "," and depth == 1:
            parts.append(current)
            current = []
            continue
        if depth >= 1:
            current.append(token)
    parts.append(current)
    return parts


def _unquoted(name: str) -> str:
    """A name without its quotes."""
    return name[1:-1] if name[:1] in _QUOTES else name


def _generated(tokens: list[str]) -> Generated | None:
    """The generated-column clause of one definition, if it declares one."""
    for start, token in enumerate(tokens):
        if token != "(" or not _AS.search("".join(tokens[:start])):
            continue
        depth = 0
        for end in range(start, len(tokens)):
            depth += tokens[end] == "("
            depth -= tokens[end] == ")"
            if depth == 0:
                break
        expr = tokens[start:end + 1]
        after = "".join(tokens[end + 1:]).upper().split()
        kind = "STORED" if after[:1] == ["STORED"] else "VIRTUAL"
        # names: quoted ones whole, bare words of the rest (string literals read nothing)
        reads = {_unquoted(t).lower() for t in expr if t[:1] in '"[`'}
        bare = "".join(" " if t[:1] in _QUOTES else t for t in expr)
        reads |= {w.lower() for w in re.findall(r"\w+", bare)}
        return Generated(f"GENERATED ALWAYS AS {''.join(expr)} {kind}", frozenset(reads))
    return None


def generated_columns(create_sql: str) -> dict[str, Generated]:
    """Each generated column of a ``CREATE TABLE`` statement (as ``sqlite_master`` keeps it)
    by name, with its clause and the names its expression reads."""
    found = {}
    for tokens in _definitions(create_sql or ""):
        match = _DEFINITION.match("".join(tokens))
        if match is None:
            continue
        clause = _generated(tokens)
        if clause is not None:
            found[_unquoted(match.group(1))] = clause
    return found
