"""Property tests over what clerks type, end to end.

``test_fuzz_readers.py`` shows that the normalizers answer or raise ``ValueError`` and the
readers yield rows or raise ``ReadError``. Here: every way of writing a valid date, number,
ID number or header is understood (and the text survives every encoding clerks use); and any
bytes under a valid header, through ``load_files``, either load or are rejected with a
``DataError`` whose every line is ``file:line: ...``, never another exception, and a rejected
file leaves the database's bytes exactly as they were.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from cadre_sdk.core import normalize
from cadre_sdk.core.errors import DataError
from cadre_sdk.ingest.loader import header_map, load_files
from cadre_sdk.ingest.readers import decode_bytes
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.store.database import open_db
from cadre_sdk.testing import make_db, make_plugins

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


# --- dates ----------------------------------------------------------------------------------

def _written_dates(d: dt.date) -> list[str]:
    return [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month:02d}.{d.day:02d}",
            f"{d.year}年{d.month}月{d.day}日", f"{d.year}年{d.month}月{d.day}号",
            f"{d.year}{d.month:02d}{d.day:02d}", f"{d.isoformat()} 08:30",
            f"{d.isoformat()}T08:30:15", f" {d.year}-{d.month}-{d.day} "]


@SETTINGS
@given(d=dates, fullwidth=st.booleans())
def test_every_written_form_of_a_date_is_understood(d: dt.date, fullwidth: bool) -> None:
    for text in _written_dates(d):
        text = text.translate(FULLWIDTH) if fullwidth else text
        assert normalize.to_date(text) == d.isoformat(), text
        assert normalize.to_date_or_month(text) == d.isoformat(), text
        assert normalize.to_month(text) == d.isoformat()[:7], text
    for text in (f"{d.year}.{d.month:02d}", f"{d.year}-{d.month}", f"{d.year}年{d.month}月",
                 f"{d.year}{d.month:02d}"):
        assert normalize.to_month(text) == d.isoformat()[:7], text
        with pytest.raises(ValueError, match="日期"):
            normalize.to_date(text)   # a month is not a full date: said so, not guessed


@SETTINGS
@given(year=st.integers(1900, 2100), month=st.integers(1, 12), day=st.integers(29, 40))
def test_impossible_days_are_rejected_with_the_month_length(year: int, month: int,
                                                             day: int) -> None:
    try:
        dt.date(year, month, day)
    except ValueError:
        with pytest.raises(ValueError, match=r"只有\d+天|日应为"):
            normalize.to_date(f"{year}-{month:02d}-{day:02d}")
    else:
        assert normalize.to_date(f"{year}-{month:02d}-{day:02d}") == f"{year}-{month:02d}-{day:02d}"


# --- numbers --------------------------------------------------------------------------------

@SETTINGS
@given(n=st.integers(-10**12, 10**12), fullwidth=st.booleans())
def test_every_written_form_of_an_integer_is_understood(n: int, fullwidth: bool) -> None:
    for text in (str(n), f"{n:,}", f"{n}.0", f"  {n}  ", f"{n}.00"):
        text = text.translate(FULLWIDTH) if fullwidth else text
        assert normalize.to_int(text) == n, text
        if "," not in text:   # to_float takes no thousands separators (rejected, clearly)
            assert normalize.to_float(text) == float(n), text


@SETTINGS
@given(x=st.floats(-1e9, 1e9, allow_nan=False).map(lambda v: round(v, 4)))
def test_a_decimal_reads_back_as_written(x: float) -> None:
    text = repr(x) if "e" not in repr(x) else f"{x:.4f}"
    assert normalize.to_float(text) == pytest.approx(x)
    assert normalize.to_float(f"{text}分") == pytest.approx(x)
    assert normalize.to_float(f"{text}%") == pytest.approx(x)   # the number as written
    if not x.is_integer():
        with pytest.raises(ValueError):
            normalize.to_int(text)


# --- ID numbers -----------------------------------------------------------------------------

@SETTINGS
@given(region=st.from_regex(r"\A63[0-9]{4}\Z"), birth=dates.filter(lambda d: d.year < 2100),
       seq=st.integers(0, 499), male=st.booleans())
def test_every_written_form_of_an_id_number_is_understood(region: str, birth: dt.date,
                                                          seq: int, male: bool) -> None:
    number = normalize.make_id_number(region, birth, seq, male)
    for text in (number, number.lower(), f" {number} ", number.translate(FULLWIDTH),
                 number.replace("X", "Ｘ")):
        assert normalize.check_id_number(text) == number, text
    with pytest.raises(ValueError, match="位"):
        normalize.check_id_number(number[:-1])   # one character short: said so


# --- headers --------------------------------------------------------------------------------

_FIELDS = [(kind, field.name, text) for kind, cls in RECORD_TYPES.items()
           for field in attrs.fields(cls)
           for text in (field.metadata["title"], *field.metadata["aliases"])]


@SETTINGS
@given(which=st.sampled_from(_FIELDS), star=st.sampled_from(["", "*", "＊"]),
       hint=st.sampled_from(["", "（格式：1975.06）", "(必填)", "【选填】"]),
       spaces=st.sampled_from(["", " ", "\u3000", "\t"]), fullwidth=st.booleans())
def test_every_written_form_of_a_header_finds_its_column(which: tuple[str, str, str], star: str,
                                                         hint: str, spaces: str,
                                                         fullwidth: bool) -> None:
    kind, name, title = which
    text = title.translate(FULLWIDTH) if fullwidth else title
    if fullwidth:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    written = f"{spaces}{star}{spaces.join(text)}{hint}{spaces}"
    assert header_map(RECORD_TYPES[kind])[normalize.normalize_header(written)].name == name


# --- encodings ------------------------------------------------------------------------------

# Chinese (common and rare), Tibetan (many Qinghai names), full-width forms and ASCII.
clerk_text = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x0F40, max_codepoint=0x0F6C),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.sampled_from("abcXYZ0123456789 ,.-:;\"'\n")), min_size=1, max_size=40)


@SETTINGS
@given(text=clerk_text, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
@example(text="葝", encoding="gb18030")
def test_text_survives_every_encoding_clerks_use(text: str, encoding: str) -> None:
    # A clerk's file starts with its Chinese header. (Without one, a few GBK bytes can also be
    # valid UTF-8, "葝" being "ȍ": no reader can tell those apart.)
    file = "姓名,单位\n" + text
    decoded, used = decode_bytes(file.encode(encoding), "f.csv")
    assert decoded == file
    assert used == encoding


# --- end to end: bytes under a valid header through load_files ------------------------------

HEADER = "干部编号,姓名,性别,出生年月,民族,工作单位,职务,干部层级,任现职时间,身份证号,班子成员"
valid_ids = st.builds(normalize.make_id_number, st.just("632801"),
                      st.dates(dt.date(1960, 1, 1), dt.date(2000, 12, 31)),
                      st.integers(0, 99), st.booleans())
cell = st.one_of(
    st.sampled_from(["C1", "C2", "C3", "Ｃ１", " C1 ", "", "U1", "U2", "男", "女", "male", "x",
                     "1975.06", "1975.1", "75.06", "1975-13", "1975年6月", "2021-02-30",
                     "2021-03-15", "县处级", "处级", "是", "否", "也许", "汉族", "局长", "幹部",
                     '"', '""', '"a,b"', '"多\n行"', ",", "\t", "NaN", "1e999", "-0"]),
    valid_ids, valid_ids.map(lambda n: n[:-1] + ("0" if n[-1] != "0" else "1")),
    st.text(max_size=8),
)
month_forms = st.sampled_from(["{d.year}.{d.month:02d}", "{d.year}-{d.month}",
                               "{d.year}年{d.month}月", "{d:%Y-%m-%d}"])


@st.composite
def valid_row(draw: st.DrawFn) -> str:
    """A row a careful clerk writes: its ID number agrees with the birth month and gender."""
    birth = draw(st.dates(dt.date(1955, 1, 1), dt.date(2000, 12, 31)))
    male = draw(st.booleans())
    with_id = draw(st.booleans())
    return ",".join([
        draw(st.from_regex(r"\AC[0-9]{1,3}\Z")),
        draw(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2,
                     max_size=3)),
        draw(st.sampled_from(["男", "male"] if male else ["女", "female"])),
        draw(month_forms).format(d=birth), draw(st.sampled_from(["藏族", "回族", ""])), "U1",
        draw(st.sampled_from(["局长", "科员"])), draw(st.sampled_from(["县处级", "乡科级", ""])),
        draw(st.one_of(st.just(""), st.dates(dt.date(2010, 1, 1), dt.date(2024, 12, 31))
                       .map(str))),
        normalize.make_id_number("632801", birth, draw(st.integers(0, 99)), male)
        if with_id else "",
        draw(st.sampled_from(["是", "否", ""])),
    ])


rows = st.one_of(st.lists(valid_row(), max_size=8), st.lists(st.one_of(
    valid_row(), st.lists(cell, min_size=0, max_size=13).map(",".join)), max_size=8))


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A valid header, then rows of plausible and hostile cells, in one of the encodings,
    sometimes with bytes spliced in or raw bytes for a body."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    body = newline.join(draw(rows))
    data = (HEADER + newline + body + draw(st.sampled_from(["", newline]))).encode(encoding)
    how = draw(st.sampled_from(["clean", "clean", "splice", "raw"]))
    if how == "splice" and len(data) > len(HEADER.encode(encoding)) + 2:
        start = len((HEADER + newline).encode(encoding))
        at = draw(st.integers(start, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
    elif how == "raw":
        data = (HEADER + "\n").encode("utf-8") + draw(st.binary(max_size=200))
    return data, encoding


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the divisions and one unit U1, copied to start each example from."""
    path = tmp_path_factory.mktemp("fuzz") / "t.db"
    db = make_db(path)
    units = path.with_name("u.csv")
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,某局,部门,县,632801\n",
                     encoding="utf-8")
    load_files(db, "unit", [units])
    db.conn.close()
    return path


PLUGINS = make_plugins()


@settings(SETTINGS, max_examples=300)
@given(file=csv_files())
@example(file=((HEADER + "\nC1,才让,男,1975.06,藏族,U1,局长,县处级,2021-03-15,,是\n")
               .encode("utf-8"), "utf-8"))
@example(file=((HEADER + "\nC1\n").encode("utf-8"), "utf-8"))   # once a TypeError (_blame)
@example(file=((HEADER + "\n\"C1,才让\n").encode("utf-8"), "utf-8"))
@example(file=((HEADER + "\nC1,才让,男,1975.06,,U1,局长\n").encode("utf-8") + b"\xff\xfe\x00",
               "utf-8"))
def test_any_file_under_a_valid_header_loads_or_is_rejected_cleanly(
        file: tuple[bytes, str], template: Path) -> None:
    data, _ = file
    original = template.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        db_path, csv = Path(folder) / "c.db", Path(folder) / "干部.csv"
        db_path.write_bytes(original)
        csv.write_bytes(data)
        db = open_db(db_path)
        try:
            result = load_files(db, "cadre", [csv], plugins=PLUGINS)
        except DataError as exc:
            db.conn.close()
            event("rejected")
            assert exc.errors and "未写入任何数据" in str(exc)
            lines = max(data.count(b"\n"), data.count(b"\r")) + 1
            for error in exc.errors:
                assert str(error).startswith(f"{csv}:"), str(error)
                assert 0 <= error.line <= lines + 1 and error.reason.strip(), str(error)
            assert db_path.read_bytes() == original, "a rejected file changed the database"
            assert not db_path.with_name("c.db-journal").exists()
            return
        db.conn.close()
        event(f"loaded {'no' if result.rows == 0 else 'some'} rows")
        conn = sqlite3.connect(db_path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT count(*) FROM cadre").fetchone()[0] == result.rows
            assert conn.execute("SELECT count(*) FROM cadre WHERE unit_code != 'U1'")\
                .fetchone()[0] == 0
        finally:
            conn.close()

