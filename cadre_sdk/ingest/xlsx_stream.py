"""A worksheet's rows streamed from its XML by expat (the standard library's C XML parser), with
the values openpyxl's read-only mode gives (``iter_rows(values_only=True)``, data only, sheet
unsized), in about half openpyxl's CPU time (a 250k-row roster: 20 s against 41, median of three
alternating pairs on a busy machine) and in memory that does not grow with the sheet.

Used for the sheets calamine does not read (large sheets: calamine holds a whole sheet in
memory; sheets with cells it gives otherwise; see ``read_xlsx``). openpyxl still opens the
workbook and reads what is shared by all sheets (shared strings, styles, the date epoch); only
the rows are read here, with openpyxl's rules, cell by cell:

- a cell's type ``t`` (default ``n``): ``n`` a number (``int`` unless it has ``.``/``e``/``E``),
  a date where the cell's style is a date format (``from_excel``, in the workbook's epoch; a
  serial beyond the dates is ``#VALUE!``); ``s`` a shared string; ``b`` a boolean; ``d`` an ISO
  date (``from_ISO8601``); ``inlineStr`` the text of ``<is>``; any other (``str``: a formula's
  text, ``e``: an error such as ``#N/A``) the text of ``<v>`` as it is; an empty ``<v>`` is None;
- a formula's cached value (``<v>``) is the cell's value: the formula itself is not read;
- text is that of ``<t>`` and of each rich-text run's ``<t>``, phonetic runs left out;
- each row is as long as the column of its last cell, empty cells are None, an empty row is
  ``()``, a row missing from the XML is ``[]``, and a row numbered at or before one already
  read is skipped.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any
from xml.parsers import expat

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW = f"{_MAIN} row"
_V = f"{_MAIN} v"
_IS = f"{_MAIN} is"
_T = f"{_MAIN} t"
_DIGITS = "0123456789"
_CHUNK = 1 << 16  # bytes of XML parsed at a time

#: A row as the parser ends it: its number, its values and None while its cells are in columns
#: 1, 2, 3, … in order; else (from the first cell out of that order) (column, value) for each.
_Row = tuple[int, list[Any], "list[tuple[int, Any]] | None"]


def _row_number(text: str) -> int:
    """A ``<row r="…">`` number as openpyxl reads it (``"5.0"`` is 5)."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if number.is_integer():
            return int(number)
        raise ValueError(f"{text} is not a valid row number") from None


class _Cells:
    """Column numbers of cell references (``"AB12"`` → 28), cached by their letters; a
    reference openpyxl would reject goes through openpyxl's parser, which raises."""

    def __init__(self) -> None:
        from openpyxl.utils.cell import coordinate_to_tuple

        self._parse = coordinate_to_tuple
        #: Letters → column, for letters without digits that openpyxl accepted: a reference
        #: that is such letters and then digits has that column (the caller looks here first).
        self.known: dict[str, int] = {}

    def column(self, ref: str) -> int:
        letters = ref.rstrip(_DIGITS)
        column = self.known.get(letters)
        if column is None or len(letters) == len(ref):
            column = self._parse(ref)[1]
            if len(letters) < len(ref) and not any(ch in _DIGITS for ch in letters):
                self.known[letters] = column
        return column


def stream_rows(source: IO[bytes], shared_strings: Sequence[str], epoch: Any,
                date_styles: Any, timedelta_styles: Any) -> Iterator[Sequence[Any]]:
    """The sheet's rows from its first on, as openpyxl's read-only ``iter_rows(values_only=True)``
    gives them (see the module). ``source`` is the sheet's XML; ``date_styles`` and
    ``timedelta_styles`` are the style indexes openpyxl reads as dates and as durations."""
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    cell_refs = _Cells()
    known, columns = cell_refs.known, cell_refs.column
    done: list[_Row] = []  # rows ended in the last chunk parsed

    depth = 0
    row_depth = cell_depth = is_depth = run_depth = 0
    capture_depth = 0  # the depth of the element whose text is being read (0: none)
    target = 0  # what that text is: 1 <v>, 2 <is><t>, 3 <is><r><t>
    text: str | None = None  # its text so far (ElementTree's: up to its first child)
    rowno = 0
    column = 0
    cells: list[Any] = []  # the row's values while its cells are in columns 1, 2, 3, …
    pairs: list[tuple[int, Any]] | None = None  # else (column, value) for each
    kind = style = None
    value: str | None = None
    has_v = has_is = False
    plain: str | None = None
    runs: list[str] = []
    run_text: str | None = None

    def number_value() -> Any:
        """A number cell's value (``t="n"`` or none): a date where its style is one."""
        number: Any = (float(value) if "." in value or "e" in value or "E" in value  # type: ignore[operator]
                       else int(value))  # type: ignore[arg-type]
        sid = (int(style) if style else 0 if style is None else style)
        if sid in date_styles:
            try:
                return from_excel(number, epoch, timedelta=sid in timedelta_styles)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number

    def other_value() -> Any:
        """A cell's value but for inline strings and numbers (see ``WorkSheetParser``)."""
        if kind == "s":
            return shared_strings[int(value)]  # type: ignore[arg-type]
        if kind == "b":
            return bool(int(value))  # type: ignore[arg-type]
        if kind == "d":
            return from_ISO8601(value)
        return value  # str (a formula's text), e (an error), any other type: as written

    def keep_text() -> None:
        """The text read so far is the element's: a child opened, or the element ended."""
        nonlocal value, plain, run_text, capture_depth
        if target == 1:
            value = text or ""
        elif target == 2:
            plain = text
        else:
            run_text = text
        capture_depth = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, row_depth, cell_depth, is_depth, run_depth, capture_depth, target, \
            text, rowno, column, cells, pairs, kind, style, value, has_v, has_is, run_text
        depth += 1
        if cell_depth:
            if capture_depth:  # text after a child element is not the element's
                keep_text()
            if depth == cell_depth + 1:
                if name == _V and not has_v:
                    has_v = True
                    capture_depth, target, text = depth, 1, None
                elif name == _IS and not has_is:
                    has_is = True
                    is_depth = depth
            elif is_depth:
                local = "t" if name == _T else name.rpartition(" ")[2]
                if depth == is_depth + 1:
                    if local == "t":
                        capture_depth, target, text = depth, 2, None
                    elif local == "r":
                        run_depth, run_text = depth, None
                elif run_depth and depth == run_depth + 1 and local == "t":
                    capture_depth, target, text = depth, 3, None
        elif row_depth:
            if depth == row_depth + 1:  # every child of a row is a cell, as openpyxl reads it
                cell_depth = depth
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip(_DIGITS)
                    found = known.get(letters)
                    column = found if found is not None and len(letters) < len(ref) \
                        else columns(ref)
                else:
                    column += 1
                kind = attrs.get("t")
                style = attrs.get("s")
                value = None
                has_v = has_is = False
        elif name == _ROW:
            row_depth = depth
            ref = attrs.get("r")
            rowno = _row_number(ref) if ref is not None else rowno + 1
            column = 0
            cells, pairs = [], None

    def end(name: str) -> None:
        nonlocal depth, row_depth, cell_depth, is_depth, run_depth, capture_depth, plain, runs, \
            value, run_text, pairs
        if capture_depth == depth:
            capture_depth = 0
            if target == 2:
                plain = text
            elif target == 1:
                value = text
            else:
                run_text = text
        elif depth == cell_depth:
            if kind == "inlineStr":
                if not has_is:
                    got = None
                elif runs:
                    got = (plain or "") + "".join(runs)
                else:
                    got = "" if plain is None else plain
            elif not value:
                got = None
            elif kind is None or kind == "n":
                got = number_value()
            else:
                got = other_value()
            if pairs is None and column == len(cells) + 1:
                cells.append(got)
            else:
                if pairs is None:
                    pairs = list(enumerate(cells, 1))
                pairs.append((column, got))
            if has_is:
                plain, runs = None, []
            cell_depth = 0
        elif depth == is_depth:
            is_depth = 0
        elif depth == run_depth:
            if run_text is not None:
                runs.append(run_text)
            run_depth = 0
        elif depth == row_depth:
            done.append((rowno, cells, pairs))
            row_depth = 0
        depth -= 1

    def chars(data: str) -> None:
        nonlocal text
        if capture_depth:
            text = data if text is None else text + data

    parser = _parser(start, end, chars)
    yield from _rows_in_order(_parsed(parser, source, done))


def _parser(start: Callable[..., None], end: Callable[[str], None],
            chars: Callable[[str], None]) -> Any:
    """An expat parser (namespaces as ``"uri name"``, text buffered ``_CHUNK`` at a time) calling
    ``start``, ``end`` and ``chars``."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    return parser


def _parsed(parser: Any, source: IO[bytes], done: list[_Row]) -> Iterator[_Row]:
    """Each row as the parser ends it; where the XML is damaged (or a cell openpyxl rejects),
    the rows ended before it first, so that the error comes at the row it is in."""
    while True:
        chunk = source.read(_CHUNK)
        try:
            parser.Parse(chunk, not chunk)
        except Exception:
            yield from done
            raise
        if done:
            yield from done
            done.clear()
        if not chunk:
            return


def _rows_in_order(rows: Iterator[_Row]) -> Iterator[Sequence[Any]]:
    """openpyxl's rows (``ReadOnlyWorksheet._cells_by_row`` and ``_get_row``): missing rows as
    ``[]``, a row as long as its last cell's column, rows numbered out of order skipped."""
    counter = 1
    for number, cells, pairs in rows:
        while counter < number:
            counter += 1
            yield []
        if counter > number:
            continue
        counter += 1
        if pairs is None:  # (no cell: ``()``)
            yield tuple(cells)
            continue
        width = pairs[-1][0]
        row: list[Any] = [None] * width
        for column, value in pairs:
            if 1 <= column <= width:
                row[column - 1] = value
        yield tuple(row)


def open_rows(worksheet: Any) -> tuple[Iterator[Sequence[Any]], Callable[[], None]]:
    """The rows of an openpyxl read-only worksheet, streamed here, and how to close its XML."""
    workbook = worksheet.parent
    source = worksheet._get_source()
    try:
        rows = stream_rows(source, worksheet._shared_strings, workbook.epoch,
                           workbook._date_formats, workbook._timedelta_formats)
    except BaseException:
        source.close()
        raise
    return rows, source.close


_SI = f"{_MAIN} si"


def read_shared_strings(source: IO[bytes]) -> list[str]:
    """The workbook's shared strings as openpyxl's ``read_string_table`` reads them (each
    ``<si>``: the text of its last ``<t>`` up to a child element, then that of each run's last
    ``<t>``, phonetic runs left out, ``x005F_`` removed), by expat: openpyxl's keeps an element
    for every string read until the end (~3 s and ~130 MB for 500,000 strings)."""
    strings: list[str] = []
    depth = si_depth = run_depth = capture_depth = 0
    target = 0  # the captured text is 1: the string's <t>, 2: a run's <t>
    text: str | None = None
    plain: str | None = None
    run_text: str | None = None
    runs: list[str] = []

    def keep_text() -> None:
        nonlocal plain, run_text, capture_depth
        if target == 1:
            plain = text
        else:
            run_text = text
        capture_depth = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, si_depth, run_depth, capture_depth, target, text, plain, run_text, runs
        depth += 1
        if capture_depth:  # text after a child element is not the element's
            keep_text()
        if si_depth:
            local = "t" if name == _T else name.rpartition(" ")[2]
            if depth == si_depth + 1:
                if local == "t":
                    capture_depth, target, text = depth, 1, None
                elif local == "r":
                    run_depth, run_text = depth, None
            elif run_depth and depth == run_depth + 1 and local == "t":
                capture_depth, target, text = depth, 2, None
        elif name == _SI:
            si_depth, plain, runs = depth, None, []

    def end(name: str) -> None:
        nonlocal depth, si_depth, run_depth
        if capture_depth == depth:
            keep_text()
        elif depth == si_depth:
            content = (plain or "") + "".join(runs) if runs else (plain or "")
            strings.append(content.replace("x005F_", "") if "x005F_" in content else content)
            si_depth = 0
        elif depth == run_depth:
            if run_text is not None:
                runs.append(run_text)
            run_depth = 0
        depth -= 1

    def chars(data: str) -> None:
        nonlocal text
        if capture_depth:
            text = data if text is None else text + data

    parser = _parser(start, end, chars)
    while True:
        chunk = source.read(_CHUNK)
        parser.Parse(chunk, not chunk)
        if not chunk:
            return strings
