"""What a file's rows mean against what is stored, before they are converted: references by
name (``references``), cadres without an id column (``identity``), and updates that never
erase (a stored row keeps every column the file lacks, and every value the file leaves empty
unless the load clears empty cells); then, after conversion, which rows are new, changed or
unchanged, and the checks that need a date (a birth month after the load's date, an annual
assessment of a year before the cadre was born).

``FileUpdate`` works on the loader's batches (cells by position under the header) and adds
columns to them: the key assigned by the store, and the stored value of every field the file
has no column for, so that each row is validated and written whole.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import attrs

from cadre_sdk.core.errors import RowError
from cadre_sdk.ingest.identity import CadreIdentity, MetNumbers, identifier_of
from cadre_sdk.ingest.keys import MetKeys
from cadre_sdk.core.normalize import (
    check_id_number, id_numbers_as_written, same_but_old_folding,
)
from cadre_sdk.ingest.readers import ERROR, EXTRA
from cadre_sdk.ingest.references import References
from cadre_sdk.records.fields import clean_code, plain_codes



@attrs.define
class LoadOptions:
    """How a load treats what is stored. ``region``: the region code names are resolved
    within when a row names none; ``clear_empty``: an empty cell clears the stored value (by
    default it keeps it); ``as_of``: the date (ISO) no birth month, and no case event, may be
    after (``None``: not checked; the CLI passes today)."""

    region: str | None = None
    clear_empty: bool = False
    as_of: str | None = None


@attrs.define
class Counts:
    """Rows of a load: new to the store, changed, loaded again unchanged."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def add(self, other: "Counts") -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged


class LoadState:
    """What one load remembers across its files: the ids it assigned, the ID numbers it saw."""

    def __init__(self, conn: sqlite3.Connection, cls: type, options: LoadOptions):
        self.conn, self.cls, self.options = conn, cls, options
        self.identity = CadreIdentity(conn) if identifier_of(cls.__kind__) else None
        #: The ID numbers met, with their first rows (``MetNumbers``).
        self.numbers = MetNumbers(self.identity) if self.identity is not None else None
        # Whether any row was stored before this load began: rows an earlier file of the same
        # load wrote are not "stored" (a second row with their key is a duplicate, not an update).
        self.stored_any = conn.execute(
            f"SELECT 1 FROM [{cls.__kind__}] LIMIT 1").fetchone() is not None
        # Keys met in this load: a stored row is merged with the first row naming it only
        # (a second one is a duplicate, reported as such, and must not see the first's values).
        self.appeared = MetKeys(conn, cls) if self.stored_any else None
        self.births = BirthYears(conn) if cls.__kind__ in BIRTH_CHECKED else None
        #: The reference resolvers the files share (``References``).
        self.references: dict[str, Any] = {}
        #: Regions read from a short form: the form -> the report's line (``References``).
        self.read_as: dict[str, str] = {}

    def use_ledger(self, ledger: Any) -> None:
        """What the load's ledger (``RowidLedger``, ``KeyLedger``) wrote: which keys, from
        where (``written``, ``written_sql``)."""
        if self.numbers is not None:
            self.numbers.written = ledger.written
        if self.appeared is not None:
            self.appeared.written_sql = ledger.written_sql


def _empty_cell(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def _as_cell(value: Any, texts: bool) -> Any:
    """A stored or default value as a cell of the file's kind (CSV cells are all text)."""
    if not texts:
        return value
    if value is None:
        return ""
    if value is True or value is False:
        return "1" if value else "0"
    return str(value)


class FileUpdate:
    """One file of a load: the columns it adds to the header, and each batch's rows prepared
    against the store (see the module's docstring)."""

    def __init__(self, state: LoadState, header: list[str], display: str, texts: bool):
        self.state, self.display, self.texts = state, display, texts
        self.cls = cls = state.cls
        self.conn = state.conn
        self.header = list(header)
        self.fields = attrs.fields(cls)
        self.kind = cls.__kind__
        self.stored_any = state.stored_any
        self.merge = self.stored_any and not cls.__append_only__
        self.identifier = identifier_of(self.kind)
        self.identify = False
        self.width = len(header)
        self.added: list[attrs.Attribute] = []

    # --- the header -----------------------------------------------------------------------

    def absent_ok(self, present: set[str]) -> set[str]:
        """Fields whose column the file may leave out (``present``: the fields it has): the
        key when the identifier stands in for it; every field when rows may be stored ones
        (a new row without them is reported row by row)."""
        out: set[str] = set()
        key = self.cls.__key__
        if self.identifier and len(key) == 1 and key[0] not in present and \
                self.identifier in present:
            self.identify = True
            out.add(key[0])
        if self.merge:
            out.update(f.name for f in self.fields if f.name not in key)
        return out

    def extend(self, mapping: dict[str, attrs.Attribute]) -> list[str]:
        """Add a column for each field the file lacks (the assigned key, stored values);
        returns the header with them (``mapping`` gains them too)."""
        present = {f.name for f in mapping.values()}
        for field in self.fields:
            if field.name in present:
                continue
            if self.merge or (self.identify and field.name == self.cls.__key__[0]):
                self.added.append(field)
                self.header.append(field.metadata["title"])
                mapping[field.metadata["title"]] = field
        self.position = {text: i for i, text in enumerate(self.header)}
        self.column_of = {f.name: (self.position[t], t) for t, f in mapping.items()}
        self.refs = References(self.conn, self.cls, self.column_of, self.state.options.region,
                               self.state.references, self.state.read_as)
        return self.header

    # --- each batch -------------------------------------------------------------------------

    def prepare(self, batch: Any) -> "Prepared":
        """Resolve, identify and merge one batch's rows in place; what the batch needs after
        conversion (``Prepared``)."""
        cells, slow = batch.cells, batch.slow
        pad = "" if self.texts else None
        for i, raw in list(slow.items()):
            # A short row (trailing cells left out) is a normal row: its cells, padded.
            if ERROR not in raw.values and EXTRA not in raw.values:
                cells[i] = [pad if v is None else v
                            for v in (raw.values.get(h) for h in self.header[:self.width])]
                del slow[i]
        if self.added:
            extra = [pad] * len(self.added)
            for row in cells:
                row.extend(extra)
        skip = slow.__contains__
        problems: dict[int, list[tuple[str, str]]] = {}
        if self.refs:
            problems = self.refs.apply(cells, skip)
        stored: dict[int, tuple] = {}
        if self.identify:
            self._identify(cells, batch.lines, skip, problems)
        if self.stored_any:
            stored = self._merge(cells, skip, problems)
        if self.identifier and self.identifier in self.column_of and not self.identify:
            self._unique_numbers(cells, batch.lines, skip, problems)
        if batch.raws is not None:  # JSON rows: the thorough way reads their values
            for i, raw in enumerate(batch.raws):
                if i not in slow:
                    raw.values.update(zip(self.header, cells[i]))
        return Prepared(self, problems, stored, batch.lines)

    def _key_cells(self, cells: list[list], skip: Callable[[int], bool]
                   ) -> dict[int, tuple]:
        """Each row's key, converted (rows whose key does not convert are left out)."""
        where = []
        for name in self.cls.__key__:
            at, _ = self.column_of[name]
            where.append((at, attrs.fields_dict(self.cls)[name].converter))
        keys: dict[int, tuple] = {}
        if len(where) == 1:  # (the common case, without a generator per row)
            [(at, convert)] = where
            if convert is clean_code and not any(map(skip, range(len(cells)))):
                column = [row[at] for row in cells]
                if plain_codes(column):  # clean_code gives each back as it is
                    return {i: (v,) for i, v in enumerate(column)}
            for i, row in enumerate(cells):
                if skip(i):
                    continue
                try:
                    value = convert(row[at])
                except ValueError:
                    continue
                if value is not None:
                    keys[i] = (value,)
            return keys
        for i, row in enumerate(cells):
            if skip(i):
                continue
            try:
                key = tuple(convert(row[at]) for at, convert in where)
            except ValueError:
                continue
            if None not in key:
                keys[i] = key
        return keys

    def _identify(self, cells: list[list], lines: list[int], skip: Callable[[int], bool],
                  problems: dict[int, list[tuple[str, str]]]) -> None:
        """The key column from the identifier: a stored row's key, or a new one."""
        at, text = self.column_of[self.identifier]
        key_at, _ = self.column_of[self.cls.__key__[0]]
        numbers: dict[int, str] = {}
        for i, row in enumerate(cells):
            if skip(i):
                continue
            raw = row[at]
            if _empty_cell(raw):
                problems.setdefault(i, []).append((text, (
                    f"文件没有“{self.cls.__key__ and self._title(self.cls.__key__[0])}”列，"
                    f"每一行都要填写{text}，用来识别是哪一位{self.cls.__title__}")))
                problems[i].append((self._title(self.cls.__key__[0]), ""))
                continue
            try:
                numbers[i] = check_id_number(raw)
            except ValueError:
                # its own column reports it; the key it would give is not asked for
                problems.setdefault(i, []).append((self._title(self.cls.__key__[0]), ""))
        met = self.state.numbers
        distinct = set(numbers.values())
        firsts, owners = met.firsts(distinct)
        # (a number met on an earlier row is that row's; one met on this very row keeps its id)
        ids = self.state.identity.ids_for(  # (new ids in row order)
            (n for n in numbers.values() if n not in firsts), owners)
        new = []
        for i, number in numbers.items():
            first = firsts.get(number)
            if first is not None and first[1:] != (self.display, lines[i]):
                problems.setdefault(i, []).append((text, (
                    f"身份证号与 {first[1]}:{first[2]} 相同：同一人出现了两次，请合并为一行")))
                # (the key the file has no column for is not asked for: see the empty cell)
                problems[i].append((self._title(self.cls.__key__[0]), ""))
                continue
            key = ids[number][0] if first is None else first[0]
            if first is None:
                new.append((i, number, key, self.display, lines[i]))
            firsts[number] = (key, self.display, lines[i])
            cells[i][key_at] = key
        met.met(new)

    def _unique_numbers(self, cells: list[list], lines: list[int],
                        skip: Callable[[int], bool],
                        problems: dict[int, list[tuple[str, str]]]) -> None:
        """With a key column: no two cadres share an ID number, in the file or the store."""
        at, text = self.column_of[self.identifier]
        keys = self._key_cells(cells, skip)
        given = [cells[i][at] for i in keys]
        numbers: dict[int, str]
        if all(v.__class__ is str for v in given) and id_numbers_as_written(given):
            numbers = dict(zip(keys, given))  # (each is what check_id_number gives for it)
        else:
            numbers = {}
            for i in keys:
                try:
                    if not _empty_cell(cells[i][at]):
                        numbers[i] = check_id_number(cells[i][at])
                except ValueError:
                    pass  # its own column reports it
        met = self.state.numbers
        distinct = set(numbers.values())
        # The cadres stored before the load and those it wrote (numbers met on rows it did
        # not write are few: ``MetNumbers.unwritten``).
        seen, stored = met.firsts(distinct)
        display = self.display
        if not stored and not seen and len(distinct) == len(numbers):
            # (the common case: every number new to this load and the store, none twice)
            met.met([(i, number, keys[i][0], display, lines[i])
                     for i, number in numbers.items()])
            return
        key_title = self._title(self.cls.__key__[0])
        new = []
        for i, number in numbers.items():
            key = keys[i][0]
            owner = stored.get(number)
            first = seen.get(number)
            if first is not None and first[0] != key:
                problems.setdefault(i, []).append((text, (
                    f"身份证号与 {first[1]}:{first[2]}（{key_title} {first[0]}）相同："
                    "两位干部的身份证号不能相同，请核对")))
            elif owner is not None and owner != key and first is None:
                problems.setdefault(i, []).append((text, (
                    f"身份证号已属于库中{key_title}为 {owner} 的干部：两位干部的身份证号不能相同，"
                    "请核对")))
            elif first is None:
                seen[number] = (key, display, lines[i])
                new.append((i, number, key, display, lines[i]))
        met.met(new)

    def _merge(self, cells: list[list], skip: Callable[[int], bool],
               problems: dict[int, list[tuple[str, str]]]) -> dict[int, tuple]:
        """Stored rows fill the columns the file lacks and, unless clearing, its empty
        cells; a new row lacking a required column is an error. Returns the stored rows (in
        field order) by row index."""
        keys = self._key_cells(cells, skip)
        names = [f.name for f in self.fields]
        key_cols = [f"[{k}]" for k in self.cls.__key__]
        if len(key_cols) == 1:
            match = f"{key_cols[0]} IN (SELECT value FROM json_each(?))"
            arg = json.dumps(sorted({k[0] for k in keys.values()}))
        else:
            picks = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(len(key_cols)))
            match = f"({', '.join(key_cols)}) IN (SELECT {picks} FROM json_each(?))"
            arg = json.dumps(sorted(set(keys.values())))
        appeared = self.state.appeared
        # (stored rows whose key an earlier batch of this load met are not merged again)
        width = len(key_cols)
        found = {k: tuple(row[width:-1]) for row in
                 self.conn.execute(f"SELECT {', '.join(key_cols)}, "
                                   f"{', '.join(f'[{n}]' for n in names)}, "
                                   f"{appeared.written_sql('t')} "
                                   f"FROM [{self.kind}] t WHERE {match}", [arg])
                 if not row[-1] and (k := tuple(row[:width])) not in appeared.unwritten}
        stored: dict[int, tuple] = {}
        met: set[tuple] = set()
        for i, k in keys.items():
            if k in found and k not in met:
                stored[i] = found[k]
            met.add(k)
        appeared.met(list(keys.items()))
        if not self.merge:
            return stored
        index = {n: j for j, n in enumerate(names)}
        added = [(self.column_of[f.name][0], index[f.name], f) for f in self.added]
        present = [(at, index[name]) for name, (at, _) in self.column_of.items()
                   if not any(f.name == name for f in self.added)]
        clear = self.state.options.clear_empty
        texts = self.texts
        for i, row in enumerate(cells):
            if skip(i):
                continue
            old = stored.get(i)
            if old is None:
                for at, _, field in added:
                    if field.name == self.cls.__key__[0] and self.identify:
                        continue
                    if field.metadata["required"]:
                        problems.setdefault(i, []).append((field.metadata["title"], (
                            f"这是新的{self.cls.__title__}（库中还没有），文件却没有“"
                            f"{field.metadata['title']}”这一列：新{self.cls.__title__}必须填写")))
                    else:
                        row[at] = _as_cell(field.default, texts)
                continue
            for at, j, _ in added:
                if row[at] is None or row[at] == "":
                    row[at] = _as_cell(old[j], texts)
            if not clear:
                for at, j in present:
                    if _empty_cell(row[at]) and old[j] is not None:
                        row[at] = _as_cell(old[j], texts)
        return stored

    def _title(self, name: str) -> str:
        return attrs.fields_dict(self.cls)[name].metadata["title"]


class Prepared:
    """One batch after ``FileUpdate.prepare``: the problems found before conversion (per row:
    (column, reason); an empty reason only blames the column, whose own errors are then not
    reported) and the stored rows, to finish the batch's outcomes with."""

    def __init__(self, update: FileUpdate, problems: dict[int, list[tuple[str, str]]],
                 stored: dict[int, tuple], lines: list[int]):
        self.update, self.problems, self.stored, self.lines = update, problems, stored, lines

    def settle(self, outcomes: list, all_written: bool) -> None:
        """After the ledger stored the batch (``all_written``: every row of it): what the
        load remembers of the rows it did not write (``MetNumbers.settle``)."""
        state = self.update.state
        if state.numbers is not None:
            state.numbers.settle(outcomes, all_written)
        if state.appeared is not None:
            state.appeared.settle(outcomes, all_written)

    def finish(self, outcomes: list, clean: bool) -> tuple[list, bool, Counts]:
        """The outcomes with the problems merged in and the date checks applied; whether all
        are good rows; the counts of new, changed and unchanged rows."""
        update = self.update
        display = update.display
        as_of = update.state.options.as_of
        checks = _date_checks(update.cls, update.column_of, as_of) if as_of else []
        births = update.state.births
        if births is not None:
            checks = [*checks, births.check_for(update.cls, update.column_of,
                                                [o for o in outcomes if o.__class__ is tuple])]
        counts = Counts()
        if not self.problems and not checks and not self.stored:
            counts.new = len(outcomes) if clean else \
                sum(1 for o in outcomes if o.__class__ is tuple)
            return outcomes, clean, counts
        for i, outcome in enumerate(outcomes):
            said = self.problems.get(i)
            if outcome.__class__ is tuple and checks:
                late = [(c, m) for c, m in (check(outcome) for check in checks) if m]
                if late:
                    said = [*(said or []), *late]
            if said:
                blamed = {c for c, _ in said}
                mine = [RowError(display, self.lines[i], c, m) for c, m in said if m]
                theirs = [] if outcome.__class__ is tuple else \
                    [e for e in outcome if e.column not in blamed]
                outcomes[i] = mine + theirs or theirs or \
                    [RowError(display, self.lines[i], "", "无法识别这一行")]
                clean = False
                continue
            if outcome.__class__ is not tuple:
                continue
            old = self.stored.get(i)
            if old is None:
                counts.new += 1
            elif old == outcome or same_but_old_folding(old, outcome):
                # (a row an earlier version stored with its Chinese punctuation folded to
                # ASCII is the same row: it is written as given if the load writes at all)
                counts.unchanged += 1
            else:
                counts.changed += 1
        return outcomes, clean, counts


def _date_checks(cls: type, column_of: dict[str, tuple[int, str]], as_of: str
                 ) -> list[Callable[[tuple], tuple[str, str | None]]]:
    """Checks of converted rows against the load's date: no birth month after it, no ID
    number whose birth date is after it, no case event dated after it (``NOT_AFTER_AS_OF``)."""
    names = [f.name for f in attrs.fields(cls)]
    checks: list[Callable[[tuple], tuple[str, str | None]]] = []
    if "birth" in names and "birth" in column_of:
        j, title = names.index("birth"), column_of["birth"][1]

        def birth(values: tuple) -> tuple[str, str | None]:
            value = values[j]
            if value is not None and value[:7] > as_of[:7]:
                return title, f"出生年月“{value}”晚于 {as_of[:7]}（导入所依据的日期）：请核对"
            return title, None
        checks.append(birth)
    if "id_number" in names and "id_number" in column_of:
        k, text = names.index("id_number"), column_of["id_number"][1]

        def born(values: tuple) -> tuple[str, str | None]:
            number = values[k]
            if number is not None:
                day = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
                if day > as_of:
                    return text, (f"身份证号中的出生日期 {day} 晚于 {as_of}"
                                  "（导入所依据的日期）：请核对号码")
            return text, None
        checks.append(born)
    if cls.__kind__ in NOT_AFTER_AS_OF and NOT_AFTER_AS_OF[cls.__kind__] in column_of:
        field = NOT_AFTER_AS_OF[cls.__kind__]
        m, when = names.index(field), column_of[field][1]

        def happened(values: tuple) -> tuple[str, str | None]:
            value = values[m]
            if value is not None and value > as_of:
                return when, (f"事件日期 {value} 晚于 {as_of}（导入所依据的日期）：事件只能追加、"
                              "不能修改（写错了只能另录一条“更正”事件），请核对；确是这一天的，"
                              "请到当天后再导入")
            return when, None
        checks.append(happened)
    return checks


#: Kinds of record that state something that has happened, and the date field that may not be
#: after the load's date: a case event is append-only (a mistyped future date could never be
#: corrected, and would refuse every later event as dated before it).
NOT_AFTER_AS_OF = {"case_event": "date"}


#: Kinds of a cadre's annual assessment: the year must not be before the cadre was born.
BIRTH_CHECKED = ("assessment", "annual_grade")


class BirthYears:
    """Stored cadres' ID numbers, for checking the rows of an annual assessment against the
    birth date inside them. A batch's cadres are looked up at once; the numbers are kept for
    the next batches (a cadre has several assessments), up to ``LIMIT`` cadres."""

    LIMIT = 1 << 16

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.numbers: dict[str, str | None] = {}  # cadre id -> ID number (None: none stored)

    def check_for(self, cls: type, column_of: dict[str, tuple[int, str]], rows: list[tuple]
                  ) -> Callable[[tuple], tuple[str, str | None]]:
        """The check of one batch's converted rows (``rows``: those to be looked up)."""
        names = [f.name for f in attrs.fields(cls)]
        at_cadre, at_year = names.index("cadre_id"), names.index("year")
        title = column_of["year"][1] if "year" in column_of else \
            attrs.fields_dict(cls)["year"].metadata["title"]
        if len(self.numbers) > self.LIMIT:
            self.numbers.clear()
        numbers = self.numbers
        missing = sorted({r[at_cadre] for r in rows if r[at_cadre] is not None} - numbers.keys())
        if missing:
            found = dict(self.conn.execute(
                "SELECT c.id, c.id_number FROM json_each(?) AS j CROSS JOIN cadre AS c "
                "ON c.id = j.value", [json.dumps(missing)]))
            for cadre in missing:
                numbers[cadre] = found.get(cadre)

        def check(values: tuple) -> tuple[str, str | None]:
            number = numbers.get(values[at_cadre])
            year = values[at_year]
            if number is not None and year is not None and int(number[6:10]) > year:
                day = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
                return title, (f"{year}年时干部 {values[at_cadre]} 尚未出生（其身份证号中的出生日期为"
                               f" {day}）：请核对年度，或该干部的身份证号")
            return title, None
        return check
