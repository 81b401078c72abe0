"""A public build's memory does not grow with the cadres (issue 19: 1,751 MB at 1,000,000
cadres). The generalized rows are computed from groups of cadres SQLite forms, placed step by
step in SQLite's tables, and are the rows the cadres one by one give; the redactor
keeps no list of the names it masks; the scanner reads a file's raw bytes a piece at a time
and finds in it what it finds in the whole file."""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.publish import generalize as gen
from cadre_sdk.publish import scan
from cadre_sdk.publish.redact import Redactor
from held import held_entries


def one_by_one(facts: list[dict], k: int) -> tuple[list[tuple], int]:
    """The generalization as the issue states it, cadre by cadre: at each step a cadre still
    unplaced is placed if at least ``k`` unplaced cadres are shown as it is."""
    remaining = list(range(len(facts)))
    placed = []
    for step, shape in enumerate(gen.LADDER):
        shown = {i: shape(facts[i]) for i in remaining}
        sizes = Counter(shown.values())
        placed += [(*shown[i], step) for i in remaining if sizes[shown[i]] >= k]
        remaining = [i for i in remaining if sizes[shown[i]] < k]
    return sorted(placed), len(remaining)


FACTS = st.fixed_dictionaries({
    "prefecture": st.sampled_from(["玉树", "海西"]),
    "county": st.sampled_from(["称多县", "囊谦县", "市州直属"]),
    "unit_kind": st.sampled_from(["部门", "乡镇"]), "level": st.sampled_from(["乡科级", "县处级"]),
    "year": st.one_of(st.none(), st.integers(1960, 1990)),
    "gender": st.sampled_from(["男", "女"]), "ethnicity": st.sampled_from(["", "汉族", "藏族"]),
    "township": st.one_of(st.none(), st.just(0.0), st.floats(0, 15))})


@settings(max_examples=150, deadline=None)
@given(st.lists(FACTS, max_size=60), st.integers(1, 6))
def test_the_rows_of_groups_are_those_of_the_cadres_one_by_one(facts, k) -> None:
    assert gen.generalize(facts, k) == one_by_one(facts, k)
    groups = Counter(tuple(f.items()) for f in facts)
    conn = sqlite3.connect(":memory:")
    left_out = gen._place(conn, [(dict(f), n) for f, n in groups.items()], k)
    assert (list(gen._placed_rows(conn)), left_out) == one_by_one(facts, k)


#: (birth, gender, ethnicity, level, unit, township years): a cadre's facts in the store.
_KINDS = [("1971-03", "男", "汉族", "乡科级", "U1", 1), ("1972-11", "男", "汉族", "乡科级", "U1", 3),
          ("1985-06", "女", "藏族", "县处级", "U2", 0), ("1986-01", "女", None, "乡科级", "U2", 12),
          ("", "男", "汉族", "乡科级", "U3", 6), ("1979-09", None, "回族", None, "U3", 7)]
_UNITS = {"U1": ("部门", "632722"), "U2": ("乡镇", "632700"), "U3": ("部门", "632701")}


def _store(n: int) -> sqlite3.Connection:
    """A publication's connection with a store of ``n`` cadres attached as ``src`` (cycling
    through ``_KINDS``; township postings of 1 to 12 years, several for some)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH DATABASE ':memory:' AS src")
    conn.executescript("""
CREATE TABLE main.region (code TEXT PRIMARY KEY, name TEXT);
INSERT INTO main.region VALUES ('632700', '玉树藏族自治州'), ('632722', '囊谦县');
CREATE TABLE src.unit (code TEXT PRIMARY KEY, kind TEXT, region_code TEXT);
CREATE TABLE src.cadre (id TEXT PRIMARY KEY, name TEXT, birth TEXT, gender TEXT,
                        ethnicity TEXT, level TEXT, unit_code TEXT);
CREATE TABLE src.posting (cadre_id TEXT, township INTEGER, start TEXT, [end] TEXT);""")
    conn.executemany("INSERT INTO src.unit VALUES (?, ?, ?)",
                     [(code, *unit) for code, unit in _UNITS.items()])
    for i in range(n):
        birth, gender, ethnicity, level, unit, years = _KINDS[i % len(_KINDS)]
        conn.execute("INSERT INTO src.cadre VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [f"C{i:05d}", f"干部{i}", birth, gender, ethnicity, level, unit])
        if years:   # in two postings for odd cadres, one of them open (to ``on``)
            end = 2024 - i % 2
            conn.execute("INSERT INTO src.posting VALUES (?, 1, ?, ?)",
                         [f"C{i:05d}", f"{end - years}-03", f"{end}-03"])
            if i % 2:
                conn.execute("INSERT INTO src.posting VALUES (?, 1, '2025-01', NULL)",
                             [f"C{i:05d}"])
    return conn


def _facts_one_by_one(n: int) -> list[dict]:
    """Each cadre of ``_store(n)``'s facts on 2025-03, worked out by hand."""
    names = {"632700": "玉树藏族自治州", "632722": "囊谦县"}
    facts = []
    for i in range(n):
        birth, gender, ethnicity, level, unit, years = _KINDS[i % len(_KINDS)]
        kind, region = _UNITS[unit]
        if years and i % 2:
            years = (years * 12 + 2) / 12     # and 2025-01 to ``on`` (2025-03)
        facts.append({"prefecture": names["632700"],
                      "county": "市州直属" if region[4:] == "00" else names.get(region, region),
                      "unit_kind": kind, "level": level or gen.HIDDEN,
                      "year": int(birth[:4]) if birth else None, "gender": gender or gen.HIDDEN,
                      "ethnicity": ethnicity or "", "township": years or None})
    return facts


@pytest.mark.parametrize("k", [1, 3, 40])
def test_the_store_is_read_in_groups_that_do_not_grow_with_the_cadres(k) -> None:
    on = "2025-03"
    small, large = _store(len(_KINDS) * 2), _store(600)
    groups = [list(gen._fact_groups(conn, on)) for conn in (small, large)]
    assert len(groups[0]) == len(groups[1]) <= len(_KINDS)
    assert [sum(n for _, n in g) for g in groups] == [len(_KINDS) * 2, 600]
    _, left_out = gen.build(large, k, on)
    rows = large.execute(f"SELECT * FROM {gen.TABLE} ORDER BY rowid").fetchall()
    assert (rows, left_out) == one_by_one(_facts_one_by_one(600), k)


def _names(n: int) -> list[str]:
    return [f"{'张王李赵'[i % 4]}{chr(0x4E00 + 40 + i)}{chr(0x4E00 + 3000 + i % 97)}"
            for i in range(n)]


def test_a_redactor_keeps_no_list_of_the_names_it_masks() -> None:
    small = Redactor(_names(10), [f"QH{i:07d}" for i in range(10)])
    large = Redactor(_names(3000), [f"QH{i:07d}" for i in range(3000)])
    assert held_entries(large) == held_entries(small)
    assert large.text(f"{_names(3000)[2999]}，QH0002999") == "［姓名已隐去］，［干部编号已隐去］"


#: What surrounds the leaks in a file: NUL bytes (as in an SQLite file's pages), ASCII, Han.
_FILLER = st.lists(st.sampled_from([b"\x00", b"\x00\x00", b"ab1 ", "的青海".encode(), b"\xe5\xb0"]),
                   max_size=60).map(b"".join)
_LEAKS = [b"", "尕布龙".encode(), b"QH0000018",
          make_id_number("632801", dt.date(1980, 5, 1), 7, male=True).encode()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_FILLER, st.sampled_from(_LEAKS)), max_size=8), _FILLER)
def test_the_raw_bytes_read_in_pieces_find_what_the_whole_file_holds(tmp_path_factory, parts,
                                                                      tail) -> None:
    data = b"".join(filler + leak for filler, leak in parts) + tail
    path = tmp_path_factory.mktemp("raw") / "p.db"
    path.write_bytes(data)
    checker = scan._Checker(["尕布龙"], ["QH0000018"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scan, "_RAW_PIECE", 16)
        pieces = list(scan._raw_pieces(path))
        assert b"".join(pieces) == data
        assert all(p.endswith(b"\x00") for p in pieces[:-1])
        assert checker.raw_file(path) == checker.raw(data)


def test_raw_pieces_stay_near_their_size_in_a_large_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(scan, "_RAW_PIECE", 1000)
    path = tmp_path / "p.db"
    record = ("的青海 QH00 " * 10 + "\x00").encode()
    path.write_bytes(record * 2000)
    pieces = list(scan._raw_pieces(path))
    # a piece: what the last one left after its NUL, and the bytes read
    assert len(pieces) > 100 and max(map(len, pieces)) < 1000 + len(record)


@pytest.mark.parametrize("birth, year", [("1971-03", 1971), ("１９７１-03", 1971), ("", None),
                                         (None, None), ("71", 71), ("19x1-03", None)])
def test_a_birth_year_is_read_as_python_reads_its_digits(birth, year) -> None:
    # SQLite reads ASCII digits itself; other digits (full-width) as ``int`` reads them
    conn = _store(1)
    conn.execute("UPDATE src.cadre SET birth = ?", [birth])
    [(facts, n)] = gen._fact_groups(conn, "2025-03")
    assert (facts["year"], n) == (year, 1)
