"""``cadre load DB 干部 *.lrmx``: 任免审批表 files into cadres, career history (任职经历), recorded
annual grades (历年考核等次) and commendations (表彰与典型), in one transaction.

Each file is read (``lrmx.read_lrmx``) into the rows a clerk's files would have, with Chinese
column names, and loaded by the loader exactly as those files' rows are (``load_sources``:
converters, validators, schema, plugins' validation, references), cadres first. Any bad file,
element or résumé line: every problem is listed as ``file:line: element: reason`` and nothing is
written. What is read but not stored (study spells, ambiguous grades, undated or punitive
奖惩 items) comes back as notes for the report; family members and the photo are never read
into rows.

Who a file is about: the cadre with the file's 身份证号 in the store, else a new cadre with the
next id the store assigns (``identity.CadreIdentity``: ``RY0000001``, ``RY0000002``..., the
same sequence as rosters without a 干部编号 column; never derived from the ID number, which
must not reach the public level). The unit: the longest known unit name that 现任职务 begins
with; the rest is the post.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import attrs
import sqlite_utils

from cadre_sdk.core.errors import DataError, ReadError, RowError
from cadre_sdk.ingest.batches import RowChecker
from cadre_sdk.ingest.identity import CadreIdentity
from cadre_sdk.ingest.updates import LoadOptions
from cadre_sdk.ingest.loader import AfterLoad, check_store, load_sources
from cadre_sdk.ingest.lrmx.reader import LrmxPerson, element_label, read_lrmx
from cadre_sdk.core.normalize import check_id_number, to_simplified
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.ingest.readers import RawRow
from cadre_sdk.ingest.row_source import RowSource
from cadre_sdk.records import Cadre

__all__ = ["LrmxLoad", "LrmxNote", "expand_paths", "is_lrmx", "load_lrmx"]

SUFFIX = ".lrmx"
_RESUME = "（简历 JianLi）"


@attrs.frozen
class LrmxNote:
    """Something read but not stored, for the report: ``file:line: text``."""

    file: str
    line: int
    text: str
    topic: str  # "study" (a study spell of the résumé), "grade", "reward"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


@attrs.frozen
class LrmxLoad:
    files: tuple[str, ...]
    rows: dict[str, int]  # kind -> rows loaded
    new_cadres: int
    notes: tuple[LrmxNote, ...]
    written: bool
    #: Rows new, changed and unchanged, over every kind (as a roster's load counts them).
    counts: tuple[int, int, int] = (0, 0, 0)


def is_lrmx(path: str | Path) -> bool:
    return Path(path).suffix.lower() == SUFFIX


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[RowError]]:
    """Files as given, and each folder's ``.lrmx`` files (its subfolders' too, in name order)."""
    files: list[Path] = []
    errors: list[RowError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and is_lrmx(p))
            if not found:
                errors.append(RowError(str(path), 0, "", "文件夹里没有任免审批表（.lrmx）文件"))
            files += found
        else:
            files.append(path)
    return files, errors


def load_lrmx(db: sqlite_utils.Database, paths: Iterable[str | Path], *,
              plugins: CadrePlugins | None = None, dry_run: bool = False,
              options: LoadOptions | None = None,
              after_load: AfterLoad | None = None,
              progress: Callable[[int], None] | None = None) -> LrmxLoad:
    """Load 任免审批表 files and folders of them in one transaction; ``DataError`` listing every
    problem (nothing written) if any file, element or résumé line is bad. ``options``: as
    for ``load_files`` (``as_of``: no birth date may be after it); ``after_load`` too.
    ``progress(n)`` is told of every file read (``expand_paths`` gives how many there are)."""
    check_store(db)
    files, errors = expand_paths(paths)
    persons: list[LrmxPerson] = []
    for path in files:
        try:
            persons.append(read_lrmx(path, str(path)))
        except ReadError as exc:
            errors.append(RowError(str(path), 0, "", str(exc).removeprefix(f"{path}：")))
        if progress is not None:
            progress(1)
    for person in persons:
        errors += _problems(person)
    units = _Units(db)
    ids, posts, new, found = _identify(units, persons)
    errors += found
    if errors:
        # Say at once what the cadre rows' own checks would say too, not after the next try.
        errors += _cadre_problems(persons, ids, posts, plugins)
        order = {str(f): i for i, f in enumerate(files)}
        errors.sort(key=lambda e: (order.get(e.file, -1), e.line))
        raise DataError(f"任免审批表有 {len(errors)} 处错误，未写入任何数据。请改正后重新导入：",
                        errors)
    parts = _rows(persons, ids, posts, units)
    results = load_sources(db, [(k, s) for k, s in parts if s], plugins=plugins, dry_run=dry_run,
                           options=options, after_load=after_load)
    rows = {r.kind: r.rows for r in results}
    counts = (sum(r.new for r in results), sum(r.changed for r in results),
              sum(r.unchanged for r in results))
    return LrmxLoad(tuple(str(f) for f in files), rows, new, tuple(_notes(persons)),
                    any(r.written for r in results), counts)


def _problems(person: LrmxPerson) -> list[RowError]:
    """What makes this file bad before any row is checked: a required element missing or
    empty, and résumé lines that cannot be read."""
    out = []
    for tag in ("ShenFenZheng", "XianRenZhiWu"):
        if not person.values.get(tag):
            what = "缺少这个元素" if tag not in person.values else "内容为空"
            why = "无法确定是哪位干部" if tag == "ShenFenZheng" else "无法确定工作单位和职务"
            out.append(RowError(person.file, person.line_of(tag), element_label(tag),
                                f"{what}，{why}。请在任免审批表中填写后重新导出"))
    for number, message in person.resume.problems:
        out.append(RowError(person.file, person.resume_line(number), element_label("JianLi"),
                            f"简历第{number}行{message}"))
    return out


def _cadre_problems(persons: Sequence[LrmxPerson], ids: dict[str, str],
                    posts: dict[str, tuple[str, str]], plugins: CadrePlugins | None
                    ) -> list[RowError]:
    """The cadre rows' checks (the loader's own), for a load already known to be bad. Where the
    id, unit or post could not be decided (already reported) a stand-in is checked instead and
    what is said about it dropped."""
    checker = RowChecker(Cadre, plugins)
    out: list[RowError] = []
    for person in persons:
        unit, post = posts.get(person.file, ("U", "-"))
        row = _cadre(person, ids.get(person.file, "RY0"), unit, post)
        mapping, _ = checker.columns(person.file, list(row.values))
        stand_ins = {"干部编号"} | ({"工作单位（XianRenZhiWu）", "职务（XianRenZhiWu）"}
                                    if person.file not in posts else set())
        out += [e for e in checker.check(row, mapping)[1] if e.column not in stand_ins]
    return out


def _key(text: str) -> str:
    """Names compared as a clerk would: width, Traditional forms and spaces do not matter."""
    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", text)))


class _Units:
    """The store's units by name, for "the unit 现任职务 (or a résumé line) begins with"."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.by_key: dict[str, list[str]] = {}
        self.townships: set[str] = set()
        for code, name, kind in db.execute("SELECT code, name, kind FROM unit"):
            self.by_key.setdefault(_key(name), []).append(code)
            if kind == "乡镇":
                self.townships.add(code)
        self.lengths = sorted({len(k) for k in self.by_key}, reverse=True)

    def split(self, text: str) -> tuple[str | None, list[str], str]:
        """(the longest unit name ``text`` begins with, its codes, the rest of ``text`` as
        written but for its spaces: the post keeps its punctuation, 局长（兼）)."""
        key = _key(text)
        for n in self.lengths:
            codes = self.by_key.get(key[:n])
            if codes:
                return key[:n], codes, _after(text, key[:n]).lstrip("、，,；;")
        return None, [], key


def _after(text: str, begins: str) -> str:
    """``text`` after its beginning whose ``_key`` is ``begins``, without spaces."""
    rest = next((text[i:] for i in range(1, len(text) + 1) if _key(text[:i]) == begins),
                text)
    return re.sub(r"\s+", "", rest)


def _identify(units: _Units, persons: Sequence[LrmxPerson]
              ) -> tuple[dict[str, str], dict[str, tuple[str, str]], int, list[RowError]]:
    """Each file's cadre id (by 身份证号: the stored cadre's, else a new one) and unit and post
    (from 现任职务); errors for what cannot be decided."""
    errors: list[RowError] = []
    identity = CadreIdentity(units.db.conn)
    ids: dict[str, str] = {}
    seen: dict[str, LrmxPerson] = {}
    new = 0
    posts: dict[str, tuple[str, str]] = {}
    for person in persons:
        raw = person.values.get("ShenFenZheng")
        if raw:
            try:
                number = check_id_number(raw)
            except ValueError:
                number = raw  # the cadre row's check says what is wrong with it
            if number in seen:
                errors.append(RowError(person.file, person.line_of("ShenFenZheng"),
                                       element_label("ShenFenZheng"),
                                       f"与 {seen[number].file} 是同一个身份证号：同一人只应有一份任免审批表，"
                                       "请只导入其中一份"))
                continue
            seen[number] = person
            ids[person.file], is_new = identity.id_for(number)
            new += is_new
        current = person.values.get("XianRenZhiWu")
        if not current:
            continue
        name, codes, post = units.split(current)
        where = (person.file, person.line_of("XianRenZhiWu"), element_label("XianRenZhiWu"))
        if name is None:
            errors.append(RowError(*where, f"“{current}”的开头不是任何已导入单位的名称。"
                                            "请先导入该单位（cadre load DB 单位 …），并确认单位名称与现任职务开头一致"))
        elif len(codes) > 1:
            errors.append(RowError(*where, f"“{name}”是多个单位的名称（{'、'.join(sorted(codes))}），"
                                            "无法确定是哪一个。请在单位名录中区分这些单位的名称"))
        elif not post:
            errors.append(RowError(*where, f"只写了单位“{name}”，没有写职务"))
        else:
            posts[person.file] = (codes[0], post)
    return ids, posts, new, errors


def _row(person: LrmxPerson, line: int, values: dict[str, object]) -> RawRow:
    return RawRow(person.file, line, values)


def _cadre(person: LrmxPerson, cid: str, unit: str, post: str) -> RawRow:
    v = person.values
    return _row(person, person.line_of("Person"), {
        "干部编号": cid,
        element_label("XingMing"): v.get("XingMing"),
        element_label("XingBie"): v.get("XingBie"),
        element_label("ChuShengNianYue"): v.get("ChuShengNianYue"),
        element_label("MinZu"): v.get("MinZu") or None,
        "工作单位（XianRenZhiWu）": unit,
        "职务（XianRenZhiWu）": post,
        element_label("ShenFenZheng"): v.get("ShenFenZheng"),
    })


def _rows(persons: Sequence[LrmxPerson], ids: dict[str, str], posts: dict[str, tuple[str, str]],
          units: _Units) -> list[tuple[str, list[RowSource]]]:
    cadres, postings, grades, rewards = [], [], [], []
    for person in persons:
        cid = ids[person.file]
        unit, post = posts[person.file]
        cadres.append(RowSource.of_rows(person.file, person.sha256,
                                          [_cadre(person, cid, unit, post)]))
        rows = []
        used: dict[str, int] = {}
        for entry in person.resume.entries:
            if entry.study:
                continue
            stem = f"{cid}-{entry.start.replace('-', '')}"
            used[stem] = used.get(stem, 0) + 1
            _, codes, _ = units.split(entry.text)
            unit_code = codes[0] if len(codes) == 1 else None
            rows.append(_row(person, person.resume_line(entry.line), {
                "履历编号": stem if used[stem] == 1 else f"{stem}-{used[stem]}",
                "干部编号": cid,
                "起始时间" + _RESUME: entry.start,
                "终止时间" + _RESUME: entry.end,
                "任职单位": unit_code,
                "职务" + _RESUME: entry.text,
                "经历类型": entry.kind,
                # A township's own unit says so even when the text does not ("…镇科员").
                "乡镇工作": entry.township or unit_code in units.townships,
                "领导职务": entry.leadership,
            }))
        if rows:
            postings.append(RowSource.of_rows(person.file, person.sha256, rows))
        line = person.line_of("NianDuKaoHeJieGuo")
        label = element_label("NianDuKaoHeJieGuo")
        rows = [_row(person, line, {"干部编号": cid, f"年度（{label}）": year,
                                    f"等次（{label}）": grade, "来源": Path(person.file).name})
                for year, grade in person.grades.by_year.items()]
        if rows:
            grades.append(RowSource.of_rows(person.file, person.sha256, rows))
        line = person.line_of("JiangChengQingKuang")
        label = element_label("JiangChengQingKuang")
        rows = []
        for n, reward in enumerate(person.rewards.items, 1):
            rows.append(_row(person, line, {
                "表彰编号": f"{cid}-JC{reward.date.replace('-', '')}-{n}", "干部编号": cid,
                f"表彰日期（{label}）": reward.date, "类别": "表彰",
                f"名称（{label}）": reward.title}))
        if rows:
            rewards.append(RowSource.of_rows(person.file, person.sha256, rows))
    return [("cadre", cadres), ("posting", postings), ("annual_grade", grades),
            ("commendation", rewards)]


def _notes(persons: Sequence[LrmxPerson]) -> list[LrmxNote]:
    out = []
    for person in persons:
        for entry in person.resume.entries:
            if entry.study:
                out.append(LrmxNote(person.file, person.resume_line(entry.line),
                                    f"简历第{entry.line}行是学习经历（{entry.text}），不计入任职经历",
                                    "study"))
        line = person.line_of("NianDuKaoHeJieGuo")
        out += [LrmxNote(person.file, line, f"年度考核结果：{n}", "grade")
                for n in person.grades.notes]
        line = person.line_of("JiangChengQingKuang")
        out += [LrmxNote(person.file, line, f"奖惩情况：{n}", "reward")
                for n in person.rewards.notes]
    return out
