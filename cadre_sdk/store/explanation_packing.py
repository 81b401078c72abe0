"""Compressed explanation cells: a templated explanation's JSON deflated against a dictionary
of its kind.

Explanations of one kind share almost everything but their numbers, and even the stored
``{"t": template id, "v": [values]}`` of one kind repeats its template ids, text ids and
brackets row after row. Each kind therefore gets a *dictionary*: the first templated rows of
that kind in the first write that has some (at most ``DICTIONARY_BYTES`` of their JSON),
stored once in ``explanation_ref`` as kind ``zdict`` (``{"for": kind, "rows": [rows]}``) and
reused from the store ever after, so writing the same explanations again gives the same
bytes. A stored cell is then a BLOB::

    FORMAT (1 byte) | dictionary's explanation_ref id (unsigned LEB128) | raw deflate

with the dictionary preset (``zlib`` ``zdict``). Only templated rows are packed: a dictionary
is made of numbers and reference ids, never of a name. A cell that is text is JSON as before
(older stores, traces stored whole): readers go by the cell's type (``cell_text``).
"""
from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable
from typing import Any

#: The first byte of a packed cell (the only format so far).
FORMAT = 1
#: ``explanation_ref`` kind of a dictionary entry.
ZDICT_KIND = "zdict"
#: Bytes of a dictionary (the deflate window: only its last bytes could be used anyway).
DICTIONARY_BYTES = 8192
#: Deflate parameters: level 6 (9 saves 0.3% more, at a quarter more time), a window as
#: large as the dictionary, a small hash table (memLevel 5: copying the primed compressor
#: per row is most of what writing costs). ``unpack`` inflates with this window: it may grow,
#: never shrink (a cell deflated with a larger window could not be read).
_LEVEL, _WINDOW_BITS, _MEM_LEVEL = 6, -13, 5


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dictionary_entry(kind: str, rows: Iterable[str]) -> dict[str, Any]:
    """The ``zdict`` entry of ``kind`` made of ``rows`` (stored JSON texts of templated
    explanations, in write order): as many as fit in ``DICTIONARY_BYTES`` (one at least),
    taken template by template in turn (the first row of each template, then the second of
    each, ...) so that the rows of a write's first few subjects do not fill it alone."""
    by_template: dict[Any, list[Any]] = {}
    for text in rows:
        data = json.loads(text)
        by_template.setdefault(data.get("t"), []).append(data)
    sample, size = [], 0
    for turn in range(max(map(len, by_template.values()), default=0)):
        for group in by_template.values():
            if turn < len(group):
                size += len(_canonical(group[turn]).encode("utf-8"))
                if sample and size > DICTIONARY_BYTES:
                    return {"for": kind, "rows": sample}
                sample.append(group[turn])
    return {"for": kind, "rows": sample}


def dictionary_bytes(entry: Any) -> bytes:
    """The preset dictionary a ``zdict`` entry stands for (its rows' JSON, one after the
    other)."""
    if not (isinstance(entry, dict) and isinstance(entry.get("rows"), list)):
        raise ValueError("not a dictionary entry")
    return "".join(_canonical(row) for row in entry["rows"]).encode("utf-8")


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        out.append(low | (0x80 if number else 0))
        if not number:
            return bytes(out)


class Packer:
    """Packs JSON texts with one dictionary (``dictionary_id``: its ``explanation_ref`` id)."""

    def __init__(self, dictionary_id: int, dictionary: bytes):
        self.header = bytes([FORMAT]) + _varint(dictionary_id)
        self._primed = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WINDOW_BITS, _MEM_LEVEL,
                                        zlib.Z_DEFAULT_STRATEGY, dictionary)

    def pack(self, text: str) -> bytes:
        """The packed cell of ``text`` (the same text always gives the same bytes)."""
        deflate = self._primed.copy()
        return self.header + deflate.compress(text.encode("utf-8")) + deflate.flush()


def is_packed(value: Any) -> bool:
    """Whether a stored cell is a packed explanation."""
    return isinstance(value, bytes) and value[:1] == bytes([FORMAT])


def _header(cell: bytes) -> tuple[int, int]:
    """A packed cell's dictionary id and where its deflated bytes start."""
    if not is_packed(cell):
        raise ValueError("not a packed explanation")
    number, shift = 0, 0
    for position in range(1, min(len(cell), 11)):
        byte = cell[position]
        number |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return number, position + 1
        shift += 7
    raise ValueError("truncated packed explanation")


def dictionary_id(cell: bytes) -> int:
    """The ``explanation_ref`` id of the dictionary a packed cell was deflated with."""
    return _header(cell)[0]


def unpack(cell: bytes, dictionary: bytes) -> str:
    """The JSON text of a packed cell, given its dictionary (ValueError if it is damaged or
    the dictionary is not the one it was deflated with)."""
    return _inflate(cell, _header(cell)[1], dictionary)


def unpack_with(cell: bytes, dictionary: Callable[[int], Any]) -> tuple[str, Any]:
    """``unpack`` with the dictionary found by ``dictionary(id)``, which returns its bytes
    and anything else (``(bytes, extra)``): the JSON text and the extra, the cell's header
    read once."""
    rid, start = _header(cell)
    found, extra = dictionary(rid)
    return _inflate(cell, start, found), extra


def _inflate(cell: bytes, start: int, dictionary: bytes) -> str:
    """The JSON text of a packed cell whose deflated bytes start at ``start``."""
    # the window the cells are deflated with (a smaller one to set up than the largest)
    inflate = zlib.decompressobj(_WINDOW_BITS, zdict=dictionary)
    try:
        raw = inflate.decompress(cell[start:]) + inflate.flush()
    except zlib.error as exc:
        raise ValueError(f"damaged packed explanation: {exc}") from None
    if not inflate.eof:
        raise ValueError("truncated packed explanation")
    return raw.decode("utf-8")


def cell_text(cell: Any, dictionary: Callable[[int], bytes]) -> str:
    """The JSON text of a stored ``explanation.json`` cell: a text cell as it is, a packed
    one inflated with ``dictionary(id)``."""
    if isinstance(cell, str):
        return cell
    if not is_packed(cell):
        raise ValueError("not an explanation cell")
    return unpack(cell, dictionary(dictionary_id(cell)))
