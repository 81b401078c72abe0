"""The explanation tables: every computed figure's trace, stored compactly, and read back as
readable Chinese.

``explanation`` holds one row per explained figure: id (``kind:subject``), subject and the
trace as compact JSON (``Trace.to_dict`` shape); its ``kind`` column is derived from the id
(a VIRTUAL generated column, ``KIND_SQL``: no bytes stored), so an explanation's id must begin
with its kind and a colon, or with the prefix ``ID_PREFIXES`` gives its kind. The rules and dated parameters a trace
cites are the same few hundred entries across hundreds of thousands of rows (each parameter
with its reference sentence), so each distinct entry is stored once in ``explanation_ref`` and
a stored trace's ``rules`` and ``parameters`` are lists of those ids. The rest of the trace is
stored as a template and its values (``explanation_templates``): each template and each text
without its numbers once in ``explanation_ref``, the row only ``{"t": id, "v": [values]}``,
numbers as JSON numbers. The Chinese text is not stored: ``render`` (Python) and the SQL function ``cadre_explain(json)`` (registered on every
store connection and in the publication) produce it on demand from the JSON.

A templated row is stored packed: a BLOB deflated against a dictionary of its kind
(``explanation_packing``, entries of kind ``zdict`` in ``explanation_ref``), about a tenth of
its JSON. Every reader goes through ``json_text`` (SQL: ``cadre_explanation_json(json)``, the
JSON text the cell holds, whatever its type) or ``render``/``cadre_explain(json)``.

An explanation may also be made when read (``REPLAYERS``, issue 19: the assessment engine's
direct path): its row holds a stub, ``{"replay": [kind, ...]}``, which ``stored`` (and so
``read``, ``render``, ``cadre_explain``) replaces by the explanation the kind's module makes from
the tables of the connection it reads (a publication's own, as published); ``json_text`` and
``cadre_explanation_json`` give the stub.

Explanations stored before ``explanation_ref``, templates or packing existed (entries inline,
traces whole, JSON text) read the same way; a trace a template cannot carry exactly is stored
whole, as JSON text.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from cadre_sdk.core.trace import CompactTrace, Trace, render_text
from cadre_sdk.store import explanation_packing as packing
from cadre_sdk.store.digit_runs import DigitRuns, text_bound
from cadre_sdk.store.explanation_templates import (
    NUMBER, TEMPLATE_KIND, TEXT, TEXT_KIND, VALUE, Splitter, join, template_strings, text_ids,
)

#: The keys of a trace whose entries are stored once in ``explanation_ref``.
REF_KEYS = ("rules", "parameters")
ZDICT = packing.ZDICT_KIND
SQL_FUNCTION = "cadre_explain"
#: The SQL function giving back the JSON text of an ``explanation.json`` cell.
JSON_SQL_FUNCTION = "cadre_explanation_json"

_UPSERT = ("INSERT INTO explanation (id, subject, json) VALUES (?, ?, ?) "
           "ON CONFLICT(id) DO UPDATE SET subject=excluded.subject, json=excluded.json")
#: The column recording, per explanation, at least the most digits in a row a reader can read
#: in what its own values write (``digit_runs``; migration ``0011_explanation_digit_run``):
#: NULL when not known (a row written before the column, a trace stored whole; a row whose
#: ``json`` another writer updated: ``DIGIT_RUN_TRIGGER``).
DIGIT_RUN = "digit_run"
#: Forgets the record (NULL: judged as if never recorded) of a row whose ``json`` an UPDATE
#: changes, whoever runs it: ``write`` replaces rows (``_UPSERT_RUNS``: no UPDATE), so only
#: another writer fires it (migration 0011).
DIGIT_RUN_TRIGGER = f"""CREATE TRIGGER IF NOT EXISTS explanation_{DIGIT_RUN}_forgotten
    AFTER UPDATE OF json ON explanation WHEN NEW.{DIGIT_RUN} IS NOT NULL
    BEGIN UPDATE explanation SET {DIGIT_RUN} = NULL WHERE id = NEW.id; END"""
_UPSERT_RUNS = (f"INSERT OR REPLACE INTO explanation (id, subject, json, {DIGIT_RUN}) "
                "VALUES (?, ?, ?, ?)")

#: Explanation kinds whose ids begin with another prefix than ``kind:`` (the subsidy ledger's
#: ids are ``subsidy:<16 hex digits>``), by prefix. Part of the stored schema (``KIND_SQL``):
#: a change needs a migration that rebuilds the explanation table.
ID_PREFIXES = {"subsidy": "subsidy_ledger"}

#: The SQL expression giving an explanation's kind from its ``id`` (the text before the first
#: colon, renamed by ``ID_PREFIXES``): the generated column ``explanation.kind``.
KIND_SQL = ("CASE " + " ".join(f"WHEN id GLOB '{prefix}:*' THEN '{kind}'"
                               for prefix, kind in ID_PREFIXES.items())
            + " ELSE substr(id, 1, instr(id, ':') - 1) END")

#: The explanation table (migration ``0010_explanation_kind_derived``).
TABLE_SQL = f"""CREATE TABLE explanation (
      id TEXT PRIMARY KEY NOT NULL,  -- KIND:SUBJECT_ID, e.g. 'assessment:A2024-0001'
      kind TEXT GENERATED ALWAYS AS ({KIND_SQL}) VIRTUAL,
      subject TEXT NOT NULL,
      json TEXT NOT NULL             -- the trace (explanations.py: a template id and values)
    ) WITHOUT ROWID"""


def kind_of(eid: str) -> str:
    """The kind of the explanation with id ``eid`` (what ``KIND_SQL`` gives)."""
    prefix = eid.partition(":")[0]
    return ID_PREFIXES.get(prefix, prefix) if ":" in eid else ""


def canonical(value: Any) -> str:
    """Compact JSON with sorted keys: equal values give equal bytes (re-evaluation stores
    byte-identical explanations)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


#: ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode``'s C encoder, made once
#: (the encoder makes it anew at every call) and without the check for circular lists (a
#: trace's values, made by ``Splitter``, are numbers, texts and lists of them): the same text.
_COMPACT = json.encoder.c_make_encoder(None, None, json.encoder.encode_basestring, None, ":",
                                       ",", False, False, True) \
    if json.encoder.c_make_encoder is not None else None


def _compact(values: list[Any]) -> str:
    """``values`` as compact JSON (not ASCII-escaped; keys, if any, in their order)."""
    if _COMPACT is None:
        return json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return "".join(_COMPACT(values, 0))


def digest(body: str) -> int:
    """The 64-bit digest of an ``explanation_ref`` entry's JSON, by which it is found."""
    return int.from_bytes(hashlib.blake2b(body.encode("utf-8"), digest_size=8).digest(),
                          "big", signed=True)


def _connection(db: Any) -> sqlite3.Connection:
    return db if isinstance(db, sqlite3.Connection) else db.conn


class _RefIds:
    """Ids of ``explanation_ref`` entries, interning new ones (within one write).

    Traces share their entry objects (``explain.parameter_record``), so an entry already seen
    in this write is found by identity without serializing it again; the entries seen are
    kept alive until the write ends, so their ids cannot be reused meanwhile."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        #: Told each text and template the first time it is interned (``Encoder``).
        self.runs = DigitRuns()
        self.known: dict[str, int] = {}
        self.by_object: dict[int, int] = {}
        self.alive: list[Any] = []

    def forget_objects(self) -> None:
        """Drop the entries found by identity (kept alive only for one write)."""
        self.by_object.clear()
        self.alive.clear()

    def id(self, key: str, entry: Any) -> int:
        if isinstance(entry, int):          # already a reference
            return entry
        rid = self.by_object.get(id(entry))
        if rid is not None:
            return rid
        rid = self.intern(key, entry)
        self.by_object[id(entry)] = rid
        self.alive.append(entry)
        return rid

    def intern(self, key: str, entry: Any) -> int:
        """The id of ``entry`` (stored under kind ``key`` the first time)."""
        body = canonical(entry)
        rid = self.known.get(body)
        if rid is None:
            hashed = digest(body)
            row = self.conn.execute("SELECT id FROM explanation_ref WHERE digest = ? AND json = ?",
                                    [hashed, body]).fetchone()
            rid = row[0] if row else self.conn.execute(
                "INSERT INTO explanation_ref (kind, digest, json) VALUES (?, ?, ?)",
                [key, hashed, body]).lastrowid
            self.known[body] = rid
            if key == TEXT_KIND:
                self.runs.text(rid, entry)
            elif key == TEMPLATE_KIND:
                self.runs.template(rid, entry)
        return rid


def write(db: Any, rows: Iterable[tuple[str, str, str, Mapping[str, Any] | Trace]]) -> int:
    """Upsert explanations given as ``(id, kind, subject, trace)`` (inside the caller's
    transaction), the trace a dict (``Trace.to_dict`` shape), a ``Trace`` or a JSON text
    stored as it is (a stub: ``REPLAYERS``); rules and
    parameters go to ``explanation_ref``. The id must name the kind (``kind_of``: the kind
    is derived from it when read): a ``ValueError`` otherwise, nothing written. Returns the
    row count."""
    conn = _connection(db)
    rows = list(rows)
    for eid, kind, _subject, _data in rows:
        if kind_of(eid) != kind:
            raise ValueError(f"explanation id {eid!r} does not begin with its kind {kind!r} "
                             f"and a colon (ids of kind {kind!r} must: the kind is derived "
                             "from the id)")
    encoder = _last_encoder(conn)
    # a text is stored as it is (a stub of an explanation made when read: ``REPLAYERS``;
    # its readers read the tables it is made from, each masked as published)
    encoded = [(eid, kind, subject, data, False, text_bound(data)) if type(data) is str
               else (eid, kind, subject, *encoder.encode_stored(data))
               for eid, kind, subject, data in rows]
    # the column ``DIGIT_RUN`` (migration 0011) is filled where the table has it (asked at
    # every write: a migration or a test may rebuild the table meanwhile)
    recorded = DIGIT_RUN in {r[1] for r in conn.execute("PRAGMA table_info(explanation)")}
    if recorded:
        out = [(eid, subject, encoder.pack(kind, text, encoded) if templated else text, runs)
               for eid, kind, subject, text, templated, runs in encoded]
    else:
        out = [(eid, subject, encoder.pack(kind, text, encoded) if templated else text)
               for eid, kind, subject, text, templated, _ in encoded]
    conn.executemany(_UPSERT_RUNS if recorded else _UPSERT, out)
    encoder.refs.forget_objects()
    _LAST[:] = [conn, encoder, _ref_state(conn)]
    return len(out)


#: The connection, encoder and ``_ref_state`` of the last ``write``: engines write in
#: batches of a few hundred rows, and an encoder that starts empty looks up every text and
#: template of its batch again (issue 19: ~15% of the encoding time at 1,500 cadres).
_LAST: list[Any] = [None, None, None]


def _ref_state(conn: sqlite3.Connection) -> tuple:
    """What tells whether ``explanation_ref`` changed since: its row count, highest id and
    that entry's digest (a prune, a rolled-back transaction or another writer change them)."""
    return conn.execute("SELECT count(*), max(id), (SELECT digest FROM explanation_ref "
                        "ORDER BY id DESC LIMIT 1) FROM explanation_ref").fetchone()


def _last_encoder(conn: sqlite3.Connection) -> Encoder:
    """The last write's encoder if it wrote on ``conn`` and ``explanation_ref`` is as it
    left it (what it remembers is still stored under the same ids); a new one otherwise."""
    last_conn, encoder, state = _LAST
    if last_conn is conn and state == _ref_state(conn):
        return encoder
    _LAST[:] = [None, None, None]
    return Encoder(conn)


class Encoder:
    """Encodes traces for storage on one connection (inside the caller's transaction): rules
    and parameters as ``explanation_ref`` ids, then the trace as a template id and its values
    (``explanation_templates``). Keep one for a whole write: it remembers what it stored."""

    def __init__(self, conn: sqlite3.Connection):
        self.refs = _RefIds(conn)
        self.splitter = Splitter(self.refs.intern, _compact, self.refs.runs.bound_part)
        self._packers: dict[str, packing.Packer] | None = None

    def encode(self, data: Mapping[str, Any] | Trace) -> str:
        """The JSON text of the trace ``data`` (a dict, or a ``Trace`` object: split
        without walking its dict, ``Splitter.split_trace``), as stored before packing."""
        return self.encode_row(data)[0]

    def encode_row(self, data: Mapping[str, Any] | Trace) -> tuple[str, bool]:
        """``encode`` and whether the trace went to a template."""
        return self.encode_stored(data)[:2]

    def encode_stored(self, data: Mapping[str, Any] | Trace) -> tuple[str, bool, int | None]:
        """``encode_row`` and the row's ``DIGIT_RUN`` (``digit_runs.DigitRuns.bound``; None
        for a trace stored whole)."""
        if isinstance(data, Trace):
            if type(data) is CompactTrace and data.shared is not None:
                split = self.splitter.split_shared(data, lambda: self._refs(data))
            else:
                split = self.splitter.split_trace(data, self._refs(data))
            if split is not None:   # canonical() of it: keys t, v; the values hold no dicts
                values = split["v"]
                return (f'{{"t":{split["t"]},"v":{split.get("j") or _compact(values)}}}', True,
                        split["b"] if "b" in split else self.refs.runs.bound(split["t"], values))
            data = {**data.to_dict(), **self._refs(data)}
        stored = dict(data)
        for key in REF_KEYS:
            if stored.get(key):
                stored[key] = [self.refs.id(key, entry) for entry in stored[key]]
        split = self.splitter.split(stored, REF_KEYS)
        if split is None:
            return canonical(stored), False, None
        return canonical(split), True, self.refs.runs.bound(split["t"], split["v"])

    def _refs(self, trace: Trace) -> dict[str, list[int]]:
        """The ``explanation_ref`` ids of a trace's rules and parameters (interned)."""
        return {key: [self.refs.id(key, entry) for entry in getattr(trace, key)]
                for key in REF_KEYS}

    def pack(self, kind: str, text: str, batch: list[tuple]) -> bytes:
        """The packed cell of the templated JSON ``text`` of an explanation of ``kind``. The
        kind's dictionary is the stored one; without one, it is made of the templated rows
        of that kind in ``batch`` (``(id, kind, subject, text, templated)`` tuples, this
        write) and stored."""
        if self._packers is None:
            self._packers = {}
            for rid, body in self.refs.conn.execute(
                    "SELECT id, json FROM explanation_ref WHERE kind = ? ORDER BY id DESC",
                    [packing.ZDICT_KIND]):
                entry = json.loads(body)
                self._packers[entry["for"]] = packing.Packer(
                    rid, packing.dictionary_bytes(entry))     # the lowest id wins
        packer = self._packers.get(kind)
        if packer is None:
            entry = packing.dictionary_entry(kind, (row[3] for row in batch
                                                    if row[1] == kind and row[4]))
            rid = self.refs.intern(packing.ZDICT_KIND, entry)
            packer = self._packers[kind] = packing.Packer(rid, packing.dictionary_bytes(entry))
        return packer.pack(text)


def prune(db: Any) -> int:
    """Delete ``explanation_ref`` entries no stored explanation cites any more (after an
    engine replaced its explanations, e.g. because a parameter changed): templates first,
    then the rules, parameters and texts neither an explanation nor a template cites.
    Returns how many.

    One pass over the explanations (each packed cell inflated and parsed once, in Python)
    collects what they cite; only the sets of cited ids are held, so the cost is one read of
    the table and memory does not grow with it (issue 19: the former pass through a temporary
    table of every explanation's JSON, parsed three times in SQL and gathered into one
    index of 1.6M values at 10k cadres, cost more than writing the store's compact copy)."""
    conn = _connection(db)
    # each dictionary read once: nothing is written meanwhile; dictionaries are never pruned
    dictionaries = functools.lru_cache(maxsize=None)(_dictionary_reader(conn, "main"))
    templates: set[Any] = set()
    cited: set[Any] = set()
    for (cell,) in conn.execute("SELECT json FROM explanation"):
        text = cell if isinstance(cell, str) else packing.cell_text(cell, dictionaries)
        head = _TEMPLATED.match(text)
        if head is not None:     # as ``write`` stores a templated trace: found without parsing
            tid = int(head[1])
            if tid > 0:
                templates.add(tid)
                cited.update(int(i) for i in _LIST_HEADS.findall(text, head.end()) if i)
            continue
        data = json.loads(text)
        if type(data) is not dict:
            continue
        _cite_lists(data, cited)
        tid = data.get("t")
        if isinstance(tid, _NUMBER) and tid > 0:
            templates.add(tid)
            values = data.get("v")
            if type(values) is list:
                cited.update(item[0] for item in values
                             if type(item) is list and item and isinstance(item[0], _NUMBER))
    removed = _delete_uncited(conn, "kind = 'template'", templates)
    # What the remaining templates cite: rules and parameters in their lists, texts as
    # "\ue002<id>" strings anywhere in them.
    for (body,) in conn.execute("SELECT json FROM explanation_ref WHERE kind = 'template'"):
        template = json.loads(body)
        if type(template) is dict:
            _cite_lists(template, cited)
        _cite_texts(template, cited)
    return removed + _delete_uncited(conn, f"kind NOT IN ('template', '{ZDICT}')", cited)


#: What a stored id can be in JSON (SQLite compares an integer id equal to 3.0, as before).
_NUMBER = (int, float)
#: The start of a templated row as ``write`` stores it (``{"t":id,"v":[values]}``, compact):
#: its values are numbers, JSON strings and ``[text id, numbers...]`` lists only.
_TEMPLATED = re.compile(r'\{"t":(-?[0-9]+),"v":\[')
#: In a templated row's values: a JSON string (skipped: no group), or the text id opening a
#: ``[text id, numbers...]`` list.
_LIST_HEADS = re.compile(r'"(?:[^"\\]|\\.)*"|\[([0-9]+)[,\]]')


def _cite_lists(data: dict, cited: set[Any]) -> None:
    """Add the ids in a stored trace's (or template's) ``rules`` and ``parameters`` lists."""
    for key in REF_KEYS:
        entries = data.get(key)
        if type(entries) is list:
            cited.update(e for e in entries if isinstance(e, _NUMBER))


def _cite_texts(node: Any, cited: set[Any]) -> None:
    """Add the text ids a template cites ("\\ue002<id>" strings, at any depth)."""
    if isinstance(node, str):
        if node.startswith(TEXT) and node[1:].isascii() and node[1:].isdigit():
            cited.add(int(node[1:]))
    elif isinstance(node, list):
        for item in node:
            _cite_texts(item, cited)
    elif isinstance(node, dict):
        for item in node.values():
            _cite_texts(item, cited)


def _delete_uncited(conn: sqlite3.Connection, where: str, cited: set[Any]) -> int:
    """Delete the ``explanation_ref`` rows matching ``where`` whose id is not in ``cited``."""
    conn.execute("DROP TABLE IF EXISTS temp._cited_ref")
    conn.execute("CREATE TEMP TABLE _cited_ref (id PRIMARY KEY)")   # numbers, as cited
    try:
        conn.executemany("INSERT OR IGNORE INTO temp._cited_ref VALUES (?)",
                         ((i,) for i in cited if i == i))     # not NaN
        return conn.execute(f"DELETE FROM explanation_ref WHERE {where} AND id NOT IN "
                            "(SELECT id FROM temp._cited_ref)").rowcount
    finally:
        conn.execute("DROP TABLE temp._cited_ref")


def _cited_templates(explanations_json: str) -> str:
    """SQL: the template ids the explanations in ``explanations_json`` (a table with their
    JSON text in a column ``json``) cite."""
    return (f"SELECT json_extract(json, '$.t') FROM {explanations_json} "
            "WHERE json_extract(json, '$.t') > 0")


def _cited_entries(explanations_json: str, templates: str) -> str:
    """SQL: the rules, parameters and texts the explanations in ``explanations_json`` and
    the templates ``templates`` selects (their JSON, a column ``json``) cite: rules and
    parameters in their ``rules``/``parameters`` lists, texts as "\\ue002<id>" strings in the
    templates and as the first item of a templated explanation's values."""
    return f"""SELECT r.value FROM (SELECT json FROM {explanations_json} UNION ALL {templates}) e,
             json_each(e.json) k, json_each(k.value) r
      WHERE k.key IN ('rules', 'parameters') AND k.type = 'array'
      UNION ALL
      SELECT CAST(substr(t.value, 2) AS INTEGER) FROM ({templates}) x, json_tree(x.json) t
      WHERE t.type = 'text' AND substr(t.value, 1, 1) = '{TEXT}'
      UNION ALL
      SELECT json_extract(v.value, '$[0]') FROM {explanations_json} e,
             json_each(e.json, '$.v') v
      WHERE json_extract(e.json, '$.t') > 0 AND v.type = 'array'"""


def cited_refs(explanations_json: str, refs: str = "explanation_ref") -> str:
    """SQL: the ids of the entries of ``refs`` (an ``explanation_ref`` table) that the
    explanations in ``explanations_json`` (a table with their JSON text in a column
    ``json``; packed cells inflated) cite: their templates, and the rules, parameters and
    texts they or those templates cite. ``prune`` keeps these (and the packing
    dictionaries) once no other explanation is stored; the public level copies no others."""
    templates = (f"SELECT json FROM {refs} WHERE kind = 'template' "
                 f"AND id IN ({_cited_templates(explanations_json)})")
    return (f"{_cited_templates(explanations_json)}\n      UNION ALL\n      "
            + _cited_entries(explanations_json, templates))


def ref_entries(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Any]:
    """The ``explanation_ref`` entries with these ids."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    return {rid: json.loads(body) for rid, body in conn.execute(
        f"SELECT id, json FROM explanation_ref WHERE id IN ({marks})", wanted)}


def ref_ids(data: Mapping[str, Any]) -> set[int]:
    """The reference ids a stored trace cites (a template's: see ``read``)."""
    return {e for key in REF_KEYS for e in data.get(key) or () if isinstance(e, int)}


def _is_templated(data: Any) -> bool:
    return isinstance(data, dict) and set(data) == {"t", "v"}


def unsplit(data: Mapping[str, Any], refs: Mapping[int, Any]) -> dict[str, Any]:
    """A stored trace with its template and texts put back (unchanged if it was stored
    whole); ``refs`` must hold the template and its texts."""
    if not _is_templated(data):
        return dict(data)
    return join(refs[data["t"]], data["v"], refs)


def expand(data: Mapping[str, Any], refs: Mapping[int, Any]) -> dict[str, Any]:
    """The trace with its template joined and its reference ids replaced by the entries they
    name (an id missing from ``refs`` stays visible as ``{"missing_ref": id}`` rather than
    disappearing)."""
    full = unsplit(data, refs)
    for key in REF_KEYS:
        if full.get(key):
            full[key] = [refs.get(e, {"missing_ref": e}) if isinstance(e, int) else e
                         for e in full[key]]
    return full


#: Errors joining a stored trace whose template, texts or values do not fit.
_UNFIT = (KeyError, IndexError, TypeError, ValueError, AttributeError, StopIteration,
          RuntimeError)


class Joiner:
    """Stored explanations as their readers see them: a templated trace with its template and
    texts joined back (``unsplit``: the numbers a template took out of a text written back
    into it; rules and parameters stay ids). Masking and the privacy scanner judge this, not
    the stored ``{"t", "v"}`` form, whose split numbers are no text. The templates and texts
    of ``schema``'s ``explanation_ref`` are read once: for a file nothing writes meanwhile
    (a publication's source during its build, a scanned file)."""

    def __init__(self, conn: sqlite3.Connection, schema: str = "main"):
        self.refs: dict[int, Any] = {rid: json.loads(body) for rid, body in conn.execute(
            f"SELECT id, json FROM {schema}.explanation_ref WHERE kind IN ('template', 'text')")}
        #: Each text as a ``%`` format with a ``%s`` for each number it takes (None if it
        #: takes none): ``%s`` writes a number as ``join`` does (a float's ``str`` is its
        #: ``repr``).
        self._formats: dict[int, str | None] = {
            rid: text.replace("%", "%%").replace(NUMBER, "%s")
            if isinstance(text, str) and NUMBER in text else None
            for rid, text in self.refs.items()}
        self._plans: dict[int, list[tuple[str, int] | None]] = {}

    def _plan(self, tid: int) -> list[tuple[str, int] | None]:
        """What ``join`` takes from the values for the template ``tid``, in order: None for
        a value in its own place, ``(format, count)`` for a text citing ``count`` numbers
        (texts citing none take nothing: left out)."""
        plan = self._plans.get(tid)
        if plan is None:
            plan = []
            for node in template_strings(self.refs[tid]):
                if node == VALUE:
                    plan.append(None)
                elif node.startswith(TEXT):
                    rid = int(node[1:])
                    if self._formats[rid] is not None:
                        plan.append((self._formats[rid], self.refs[rid].count(NUMBER)))
            plan = self._plans[tid] = plan
        return plan

    def filled(self, text: str) -> list[str]:
        """The texts of an explanation's JSON ``text`` that ``join`` writes numbers into,
        filled: what its readers read that neither its stored JSON nor the texts and
        templates it cites hold as strings (its other strings are the same there). Much
        cheaper than joining it all (``text``); empty if it is not templated or cannot be
        joined."""
        if not text.startswith("{"):
            return []
        try:
            data = json.loads(text)
            if not _is_templated(data):
                return []
            values, out, i = data["v"], [], 0
            formats, add = self._formats, out.append
            for step in self._plan(data["t"]):
                if step is None:
                    item = values[i]
                    i += 1
                    if type(item) is list:
                        fmt = formats[item[0]]
                        if fmt is not None:
                            add(fmt % tuple(item[1:]))
                else:
                    fmt, count = step
                    add(fmt % tuple(values[i:i + count]))
                    i += count
            return out
        except _UNFIT:
            return []

    def data(self, data: Any) -> Any:
        """The parsed stored trace ``data`` joined; ``data`` itself if it is not templated or
        cannot be joined (a missing template or text, values that do not fit: a reader sees
        it as it is)."""
        if not _is_templated(data):
            return data
        try:
            return unsplit(data, self.refs)
        except _UNFIT:
            return data

    def text(self, text: str) -> str:
        """The JSON text of an explanation cell (``json_text``) joined (``data``), as canonical
        JSON; ``text`` itself if there is nothing to join."""
        if not text.startswith("{"):
            return text
        try:
            data = json.loads(text)
        except ValueError:
            return text
        joined = self.data(data)
        return text if joined is data else canonical(joined)

    def entry(self, text: str) -> str:
        """The JSON text of an ``explanation_ref`` entry with, if it is a packing dictionary
        (``{"for", "rows"}``: stored explanations), each of its rows joined (``data``)."""
        if not text.startswith('{"for":'):
            return text
        try:
            entry = json.loads(text)
        except ValueError:
            return text
        if not (isinstance(entry, dict) and isinstance(entry.get("rows"), list)):
            return text
        return canonical({**entry, "rows": [self.data(row) for row in entry["rows"]]})


def _dictionary_reader(conn: sqlite3.Connection, schema: str) -> Any:
    """``id -> dictionary bytes`` for the ``zdict`` entries of ``schema``'s
    ``explanation_ref`` (found by digest in a cache shared by connections: an id may name
    another entry after a rollback, a digest names one content)."""
    def dictionary(rid: int) -> bytes:
        row = conn.execute(f"SELECT digest FROM {schema}.explanation_ref WHERE id = ? AND "
                           "kind = ?", [rid, packing.ZDICT_KIND]).fetchone()
        if row is None:
            raise ValueError(f"dictionary {rid} missing")
        found = _DICTIONARIES.get(row[0])
        if found is None:
            body = conn.execute(f"SELECT json FROM {schema}.explanation_ref WHERE id = ?",
                                [rid]).fetchone()[0]
            found = packing.dictionary_bytes(json.loads(body))
            if row[0] is None or digest(body) != row[0]:
                return found        # no digest to key it by: not kept
            if len(_DICTIONARIES) >= 256:
                _DICTIONARIES.clear()
            _DICTIONARIES[row[0]] = found
        return found
    return dictionary


#: Dictionary bytes by their entry's digest (``_dictionary_reader``).
_DICTIONARIES: dict[int, bytes] = {}


def json_text(conn: sqlite3.Connection, cell: str | bytes, schema: str = "main") -> str:
    """The JSON text of a stored ``explanation.json`` cell (a packed cell inflated with its
    dictionary from ``schema``'s ``explanation_ref``; a text cell as it is)."""
    if isinstance(cell, str):
        return cell
    return packing.cell_text(cell, _dictionary_reader(conn, schema))


def json_text_from(cell: str | bytes, refs: Mapping[int, Any]) -> str:
    """``json_text`` with the ``explanation_ref`` entries already read (``refs``: id ->
    parsed entry, dictionaries among them)."""
    def dictionary(rid: int) -> bytes:
        if rid not in refs:
            raise ValueError(f"dictionary {rid} missing")
        return packing.dictionary_bytes(refs[rid])
    return packing.cell_text(cell, dictionary)


#: The modules making the explanations of a kind when they are read, by kind (issue 19): a
#: stored ``{"replay": [kind, ...]}`` stands for the explanation ``explain(conn, stub)`` of
#: that module gives (found by name: this layer does not import engines).
REPLAYERS = {"assessment": "cadre_sdk.engines.assessment.replay"}
REPLAY_KEY = "replay"


def replay_stub(data: Any) -> list | None:
    """The stub of an explanation made when read (``REPLAYERS``), or None."""
    if isinstance(data, dict) and len(data) == 1:
        stub = data.get(REPLAY_KEY)
        if isinstance(stub, list) and stub and stub[0] in REPLAYERS:
            return stub
    return None


def replayed(conn: sqlite3.Connection, stub: list) -> dict[str, Any]:
    """The explanation ``stub`` stands for, made from what ``conn`` holds now."""
    return importlib.import_module(REPLAYERS[stub[0]]).explain(conn, stub)


def stored(conn: sqlite3.Connection, body: str | bytes) -> dict[str, Any]:
    """A stored trace (its cell: JSON text or packed) with its template joined (or, for one
    made when read, made: ``REPLAYERS``); its rules and parameters are still
    ``explanation_ref`` ids."""
    data = json.loads(json_text(conn, body))
    stub = replay_stub(data)
    if stub is not None:
        return replayed(conn, stub)
    if not _is_templated(data):
        return data
    template = ref_entries(conn, [data["t"]])
    if not template:
        return {"subject": f"（说明模板 {data['t']} 不存在）"}
    texts = ref_entries(conn, text_ids(template[data["t"]], data["v"]))
    return unsplit(data, {**template, **texts})


def read(conn: sqlite3.Connection, body: str | bytes) -> dict[str, Any]:
    """A stored trace (its JSON text) with its references resolved."""
    data = stored(conn, body)
    return expand(data, ref_entries(conn, ref_ids(data)))


def code_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Indicator code -> Chinese name, from a publication's ``indicator`` table (a store has
    none: the codes stay as they are)."""
    try:
        return dict(conn.execute("SELECT code, name FROM indicator"))
    except sqlite3.Error:
        return {}


def parameter_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Parameter path -> its Chinese name, from a publication's ``parameter_value`` table
    (a store has none, nor an older publication: the paths stay as they are)."""
    try:
        return dict(conn.execute("SELECT path, min(description) FROM parameter_value "
                                 "WHERE coalesce(description, '') <> '' GROUP BY path"))
    except sqlite3.Error:
        return {}


def render(conn: sqlite3.Connection, body: str | bytes,
           names: dict[str, str] | None = None, keys: bool = True,
           parameters: dict[str, str] | None = None) -> str:
    """The readable Chinese text of a stored trace; indicator codes by ``names`` (by default
    ``code_names``); ``keys`` False: rules by name only and parameters by their names in
    ``parameters`` (``trace.render_text``)."""
    return render_text(read(conn, body), code_names(conn) if names is None else names, keys,
                       parameters)


def lookup(conn: sqlite3.Connection, eid: str) -> dict[str, Any] | None:
    """The explanation with id ``eid`` (references resolved), or None."""
    row = conn.execute("SELECT json FROM explanation WHERE id = ?", [eid]).fetchone()
    return None if row is None else read(conn, row[0])


def register_sql_function(conn: sqlite3.Connection, keys: bool = True) -> None:
    """The SQL functions of explanations, for SQL readers: ``cadre_explain(json)``, the
    Chinese text of an explanation (``SELECT cadre_explain(json) FROM explanation WHERE id =
    ...``; ``keys`` False, the publication's pages: rules and parameters by name), and
    ``cadre_explanation_json(json)``, the JSON text the cell holds (packed cells inflated:
    what ``json`` held before packing). NULL in, NULL out."""
    names: list[dict[str, str]] = []     # read once, at the first call

    def sql_render(body: str | bytes | None) -> str | None:
        if body is None:
            return None
        if not names:
            names.extend([code_names(conn), {} if keys else parameter_names(conn)])
        try:
            return render(conn, body, names[0], keys, names[1])
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return "（说明格式无法识别）"

    def sql_json(body: str | bytes | None) -> str | None:
        return None if body is None else json_text(conn, body)
    conn.create_function(SQL_FUNCTION, 1, sql_render)
    conn.create_function(JSON_SQL_FUNCTION, 1, sql_json)
