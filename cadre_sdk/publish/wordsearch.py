"""Finding any of many words in a text at once: the public level's cadre names (every
spelling) and cadre ids, masked in every cell and looked for by the scanner.

``Words(words)`` answers ``search`` and ``finditer`` as a regular expression alternating the
words would (``redact._trie_pattern``: at the leftmost position where a word starts, the
longest word starting there; then on from its end), and ``Words(words, apart=...)`` as that
alternation between a lookbehind and a lookahead refusing the characters of ``apart`` (the
cadre ids: ``(?<![A-Za-z0-9])(?:ids)(?![A-Za-z0-9])``), where a word that touches one gives
way to a shorter one starting at the same place. An Aho–Corasick automaton (Rust
``ahocorasick_rs``) takes ~0.03 s to build for 12,886 names where compiling the alternation
took ~0.2 s, and searches a large text (a publication's bytes) several times faster.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import ahocorasick_rs

class Found:
    """One word found: the part of ``re.Match`` that masking and the scanner read."""

    __slots__ = ("_text", "_start", "_end")

    def __init__(self, text: str, start: int, end: int):
        self._text, self._start, self._end = text, start, end

    def start(self) -> int:
        """Where the word starts in the text (characters)."""
        return self._start

    def end(self) -> int:
        """Where the word ends in the text (characters)."""
        return self._end

    def span(self) -> tuple[int, int]:
        """``(start(), end())``."""
        return self._start, self._end

    def group(self) -> str:
        """The word as found."""
        return self._text[self._start:self._end]

    def __repr__(self) -> str:
        return f"<Found span={self.span()!r} match={self.group()!r}>"


def _encoded(text: str) -> bytes:
    """``text`` as UTF-8 (a lone surrogate, which JSON text may hold, as its three bytes:
    no word's bytes match across them)."""
    return text.encode("utf-8", "surrogatepass")


class Words:
    """Finds ``words`` in text (see the module docstring); ``apart``: characters a word
    found may not stand right after or right before."""

    def __init__(self, words: Iterable[str], *, apart: str = ""):
        # each word once, kept only inside the automaton (a million cadres' ids as a list
        # of strings would be tens of MB more at the publication's peak)
        encoded = list({_encoded(w) for w in words if w})
        if not encoded:
            raise ValueError("Words needs at least one word")
        if not apart.isascii():
            raise ValueError("apart: ASCII characters only (checked on UTF-8 bytes)")
        #: The bytes of ``apart`` (a byte of a character other than ASCII is never one).
        self._apart = frozenset(apart.encode())
        # with ``apart``, every occurrence (overlapping): the longest may touch a refused
        # character where a shorter one starting at the same place does not
        kind = (ahocorasick_rs.MatchKind.Standard if apart
                else ahocorasick_rs.MatchKind.LeftmostLongest)
        # on UTF-8 bytes: text with a lone surrogate is searched too, and a large text
        # faster than as characters (offsets are turned into characters for the words found)
        self._automaton = ahocorasick_rs.BytesAhoCorasick(encoded,
                                                          matchkind=kind)

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) in characters of every word found, in order, not overlapping."""
        data = _encoded(text)
        found = [(s, e) for _, s, e in self._automaton.find_matches_as_indexes(
            data, overlapping=bool(self._apart))]
        if not found:
            return found
        if self._apart:
            refused = self._apart
            found = self._chosen([(s, e) for s, e in found
                                  if (s == 0 or data[s - 1] not in refused)
                                  and (e == len(data) or data[e] not in refused)])
        return _in_characters(data, found)

    @staticmethod
    def _chosen(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """From every occurrence allowed, what the regular expression finds: the leftmost,
        the longest of those starting there, then on from its end."""
        chosen: list[tuple[int, int]] = []
        for start, end in sorted(found, key=lambda se: (se[0], -se[1])):
            if chosen and start < chosen[-1][1]:
                continue
            chosen.append((start, end))
        return chosen

    def finditer(self, text: str) -> Iterator[Found]:
        """Every word found in ``text``, in order, not overlapping (as ``re.finditer``)."""
        return (Found(text, s, e) for s, e in self._spans(text))

    def search(self, text: str) -> Found | None:
        """The first word found in ``text`` (as ``re.search``), or None."""
        return next(self.finditer(text), None)


def _in_characters(data: bytes, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte spans of UTF-8 ``data`` (each on character boundaries: a word's bytes start
    with a leading byte and end with a whole character) as character spans."""
    out, byte, char = [], 0, 0
    for start, end in spans:
        char += len(data[byte:start].decode("utf-8", "surrogatepass"))
        first = char
        char += len(data[start:end].decode("utf-8", "surrogatepass"))
        byte = end
        out.append((first, char))
    return out
