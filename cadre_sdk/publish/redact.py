"""Access levels: what each level of the publication leaves out or masks.

- ID numbers (身份证号) are never published: every column of kind ``id_number`` (and any column
  named ``id_number``) is dropped, and any 18-character ID number typed into free text is
  masked, at every level. A code column (a key) holding one stops the build: masking a key
  would break the rows that refer to it.
- Names of cadres appear at ``oversight`` level only: at ``public`` level every ``pii`` column
  is dropped, and every cadre's name is masked wherever it occurs in text (explanations,
  observations, computed tables).
- Democratic evaluation (``evaluation``) is published at ``public`` level only as aggregates
  over at least ``k`` raters (the ``evaluation_summary`` table); the per-assessment votes stay
  at oversight level, and explanations citing the votes of fewer than ``k`` raters have them
  withheld.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

from .. import explanations
from ..errors import CadreError
from ..tables import TableLabels

PUBLIC = "public"
OVERSIGHT = "oversight"
LEVELS = (PUBLIC, OVERSIGHT)
LEVEL_TITLES = {PUBLIC: "公开版", OVERSIGHT: "监督版"}

#: Tables published at public level only through an aggregate.
AGGREGATE_ONLY = frozenset({"evaluation"})
#: The default minimum number of raters behind a published evaluation aggregate.
DEFAULT_MIN_RATERS = 10

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{32,}")
#: A cell without 17 digits in a row holds no ID number (most cells): skip the full check.
_DIGIT_RUN = re.compile(r"\d{17}")
#: Cells up to this length are remembered by ``Redactor.text`` (columns repeat short values:
#: posts, unit names, vocabulary terms), at most ``_CACHE_SIZE`` of them.
_CACHED_LENGTH, _CACHE_SIZE = 64, 200_000
#: A cheap SQLite GLOB pre-filter: only text with 17 digits in a row can hold an ID number.
ID_NUMBER_GLOB = "*" + "[0-9]" * 17 + "*"
ID_MASK = "［身份证号已隐去］"
NAME_MASK = "［姓名已隐去］"


#: The key under which an evaluation's number of raters appears in an explanation's inputs.
RATERS_KEY = "参评人数"


def withhold_small_evaluations(data: dict[str, Any], min_raters: int) -> bool:
    """In an explanation (``Trace.to_dict`` form), replace the votes of every evaluation input
    (民主测评, 反向测评, 考核谈话) with fewer than ``min_raters`` raters by a notice; returns
    whether anything was withheld. Public level only: a few raters' votes identify them."""
    from ..records import vocab

    withheld = False
    for item in data.get("inputs") or []:
        value = item.get("value")
        if (item.get("label") in vocab.EVALUATION_METHOD.values() and isinstance(value, dict)
                and isinstance(value.get(RATERS_KEY), int)
                and value[RATERS_KEY] < min_raters):
            item["value"] = f"参评人数不足 {min_raters} 人，票数不公开"
            withheld = True
    return withheld


def withhold_evaluations(conn: sqlite3.Connection, min_raters: int) -> int:
    """At public level, explanations keep no votes of an evaluation with fewer than
    ``min_raters`` raters (the text is rendered from the amended JSON when read)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'explanation'").fetchone():
        return 0
    changed = []
    if "digest" not in {r[1] for r in conn.execute("PRAGMA table_info(explanation_ref)")}:
        # a store from before migration 0006 (published without evaluating again): its
        # entries get no digest, so an entry written here may repeat one (same text)
        conn.execute("ALTER TABLE explanation_ref ADD COLUMN digest INTEGER")
    encoder = explanations.Encoder(conn)
    # the raters' key is in the template of a templated explanation, in the row otherwise
    for key, text in conn.execute(
            "SELECT id, json FROM explanation WHERE json LIKE ?1 OR json_extract(json, '$.t') "
            "IN (SELECT id FROM explanation_ref WHERE kind = 'template' AND json LIKE ?1)",
            [f"%{RATERS_KEY}%"]).fetchall():
        data = explanations.stored(conn, text)
        if withhold_small_evaluations(data, min_raters):
            changed.append((encoder.encode(data), key))
    conn.executemany("UPDATE explanation SET json = ? WHERE id = ?", changed)
    return len(changed)


class RedactionError(CadreError):
    """Something in the store cannot be published safely; nothing was written."""


def _id_matches(text: str) -> list[re.Match[str]]:
    """Matches of ``ID_NUMBER`` in ``text`` that are not inside a hexadecimal hash."""
    hashes = [m.span() for m in _HEX_RUN.finditer(text)]
    return [m for m in ID_NUMBER.finditer(text)
            if not any(a <= m.start() and m.end() <= b for a, b in hashes)]


def id_numbers_in(text: str) -> list[str]:
    """The ID numbers in ``text``: 17 digits and a check character, not part of a longer
    number and not inside a hexadecimal hash (a SHA-256 may contain 18 digits in a row)."""
    return [m.group() for m in _id_matches(text)]


def mask_id_numbers(text: str) -> str:
    """``text`` with every ID number (as ``id_numbers_in`` finds them) masked."""
    if _DIGIT_RUN.search(text) is None:
        return text
    for m in reversed(_id_matches(text)):
        text = text[:m.start()] + ID_MASK + text[m.end():]
    return text


def dropped_columns(labels: TableLabels | None, columns: Iterable[str], level: str) -> set[str]:
    """The columns of a table that ``level`` leaves out."""
    columns = set(columns)
    drop = {c for c in columns if c == "id_number"}
    if labels is not None:
        drop |= labels.id_numbers & columns
        if level == PUBLIC:
            drop |= labels.pii & columns
    return drop


def table_published(table: str, level: str) -> bool:
    """Whether the table itself (as opposed to an aggregate of it) is published at ``level``."""
    return not (level == PUBLIC and table in AGGREGATE_ONLY)


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` shaped as a trie, so matching stays fast for 100k
    names, and the longest name wins where one name starts another."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def walk(node: dict[str, Any]) -> str:
        """The pattern for the words below ``node``."""
        ends = "" in node
        branches = [re.escape(ch) + walk(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
        return body

    return walk(trie)


class Redactor:
    """Masks ID numbers (always) and the given names (public level) in text cells."""

    def __init__(self, names: Iterable[str] = ()):
        words = sorted({n for n in names if n and len(n) >= 2})
        self.names = words
        self._names = re.compile(_trie_pattern(words)) if words else None
        self.masked = 0
        self._seen: dict[str, str] = {}

    def text(self, value: Any) -> Any:
        """``value`` with ID numbers and names masked (non-text values unchanged)."""
        if not isinstance(value, str):
            return value
        out = self._seen.get(value)
        if out is None:
            out = mask_id_numbers(value)
            if self._names is not None:
                out = self._names.sub(NAME_MASK, out)
            if len(value) <= _CACHED_LENGTH and len(self._seen) < _CACHE_SIZE:
                self._seen[value] = out
        if out != value:
            self.masked += 1
        return out

    def json_text(self, value: Any) -> Any:
        """Like ``text`` for a JSON document, also finding names written as ``\\u`` escapes."""
        if not isinstance(value, str) or "\\u" not in value:
            return self.text(value)
        try:
            data = json.loads(value)
        except ValueError:
            return self.text(value)
        return self.text(json.dumps(data, ensure_ascii=False, sort_keys=True))

    def check_code(self, value: Any) -> Any:
        """A key or code is published unchanged, unless it holds an ID number: that stops the
        build (masking a key would break every row that refers to it)."""
        if isinstance(value, str) and id_numbers_in(value):
            raise RedactionError(
                f"编号“{value[:6]}…”中含有身份证号，不能发布。请改用不含身份证号的编号"
                "（如干部编号 C0001）重新导入后再发布；未写入任何文件。")
        return value
