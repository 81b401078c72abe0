"""The free-text parts of a 任免审批表: the résumé (简历, JianLi), the annual assessment sentence
(年度考核结果, NianDuKaoHeJieGuo) and rewards and punishments (奖惩情况, JiangChengQingKuang).

Each parser returns what it could read with certainty and says, in Chinese, what it could not:
nothing is guessed and nothing is dropped without a word. ``problems`` (a résumé line that cannot
be read) make the file bad; ``notes`` (a sentence part that is ambiguous, or of a kind cadre-sdk
does not store) are shown in the load report and do not stop the load.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import attrs

__all__ = ["ResumeEntry", "Resume", "parse_resume", "Grades", "parse_grades", "Reward",
           "Rewards", "parse_rewards"]


@attrs.frozen
class ResumeEntry:
    """One dated spell of the résumé. ``line`` is the résumé line (from 1) where it starts;
    ``text`` joins its continuation lines; months are ``YYYY-MM`` (``end`` None: to date)."""

    line: int
    start: str
    end: str | None
    text: str
    kind: str  # 任职 / 挂职 (vocab.POSTING_KIND)
    township: bool
    leadership: bool
    study: bool


@attrs.frozen
class Resume:
    entries: tuple[ResumeEntry, ...]
    problems: tuple[tuple[int, str], ...]  # (résumé line, message)


# A résumé line starts with its spell: "1995.07--1998.09", "1995.7-1998.9", "1995年7月—1998年9月",
# "2016.03--" (to date), "2016.03-至今". Dashes of every width and doubling occur in real files.
_MONTH = r"(\d{4})\s*(?:[.．/年]\s*(\d{1,2})\s*月?)"
_DASH = r"(?:-{1,2}|－{1,2}|—{1,2}|–{1,2}|―{1,2}|─{1,2}|~|～|至)"
_SPELL = re.compile(rf"^\s*{_MONTH}\s*{_DASH}\s*(?:{_MONTH}|(至今|今))?(?=\s|[^\d.．/年月]|$)\s*(.*)$")
_STARTS_DATED = re.compile(r"^\s*\d{4}")
_INDENTED = re.compile(r"^\s{6,}")
_STUDY = re.compile(r"(学习|读书|就读|学生|进修|研究生|本科生|专科生)$")
_SECONDMENT = re.compile(r"挂职")
# A township organ: "...乡党委", "...镇人民政府"; not "乡镇企业局" (a county bureau).
_TOWNSHIP = re.compile(r"[\u4e00-\u9fff]{1,8}[乡镇](?:党委|人民政府|政府|人大|纪委|武装部|党政办)")
_LEADING = re.compile(r"(书记|乡长|镇长|主席|主任|局长|部长|县长|市长|州长|厅长|院长|所长|站长|"
                      r"委员|常委|组长|队长|处长|科长)$")
_ASIDE = re.compile(r"[（(][^（()）]*[）)]?")  # "（挂职）", "（其间：…）"
_DURING = re.compile(r"[（(](?:其间|期间)[^（()）]*[）)]?")
# Full-width ASCII and the ideographic space, folded one character for one (offsets hold).
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _month(year: str, month: str | None) -> str:
    return f"{int(year):04d}-{int(month or 0):02d}"


def _check_month(year: str, month: str | None) -> str | None:
    if month is None:
        return "缺少月份"
    if not 1 <= int(month) <= 12:
        return f"月份“{month}”应为 1–12"
    if not 1900 <= int(year) <= 2100:
        return f"年份“{year}”不在 1900–2100 之间"
    return None


def _classify(line: int, start: str, end: str | None, text: str) -> ResumeEntry:
    main = _ASIDE.sub("", text).strip()
    study = bool(_STUDY.search(main))
    return ResumeEntry(
        line=line, start=start, end=end, text=text,
        kind="挂职" if _SECONDMENT.search(_DURING.sub("", text)) else "任职",
        township=not study and bool(_TOWNSHIP.search(main)),
        leadership=not study and bool(_LEADING.search(main.split("、")[-1])),
        study=study)


def parse_resume(text: str | None) -> Resume:
    """Split a résumé into dated spells. A line that starts with a year begins a spell and must
    carry a readable start month (and end month, unless it is the open last spell); any other
    non-blank line continues the spell above (long lines wrap in the form, and "（其间：…）"
    asides sit under their spell)."""
    entries: list[list] = []  # [line, start, end, text]
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate((text or "").splitlines(), 1):
        original = raw.rstrip()
        line = original.translate(_FOLD)
        if not line.strip():
            continue
        # The form's hanging indent marks a wrapped line, even one that begins with digits.
        m = None if _INDENTED.match(line) and entries else _SPELL.match(line)
        if m is None:
            if _STARTS_DATED.match(line) and not (_INDENTED.match(line) and entries):
                problems.append((number, f"“{original.strip()}”：无法识别起止时间，应写作"
                                         "“1995.07--1998.09  单位及职务”（至今的写作“2016.03--”）"))
                entries.append([number, None, None, ""])  # its continuation lines go with it
            elif not entries:
                problems.append((number, f"“{original.strip()}”：第一行应以起止时间开头，"
                                         "例如“1995.07--1998.09  单位及职务”"))
                entries.append([number, None, None, ""])
            else:
                entries[-1][3] += original.strip()
            continue
        y1, m1, y2, m2, now, rest = m.groups()
        bad = _check_month(y1, m1) or (_check_month(y2, m2) if y2 else None)
        if bad:
            problems.append((number, f"“{original.strip()}”：起止时间有误（{bad}）"))
            entries.append([number, None, None, ""])
            continue
        start = _month(y1, m1)
        end = _month(y2, m2) if y2 else None
        if end is not None and end < start:
            problems.append((number, f"“{original.strip()}”：终止时间 {end} 早于起始时间 {start}"))
            entries.append([number, None, None, ""])
            continue
        entries.append([number, start, end, original[m.start(6):].strip()])
    done = []
    for number, start, end, body in entries:
        if start is None:
            continue
        if not body:
            problems.append((number, "只有起止时间，没有写单位和职务"))
            continue
        done.append(_classify(number, start, end, body))
    return Resume(tuple(done), tuple(sorted(problems)))


# --- annual assessment -----------------------------------------------------------------------

_GRADE_WORDS = re.compile(r"基本称职|不称职|称职|优秀|基本合格|不合格|合格|不确定等次|未定等次")
_GRADES = {"优秀", "称职", "基本称职", "不称职"}
_YEAR_RANGE = re.compile(r"(\d{4})\s*年?\s*(?:-|－|—|–|~|～|至|到)\s*(\d{4})\s*年")
_YEAR = re.compile(r"(\d{4})\s*年")


@attrs.frozen
class Grades:
    by_year: dict[int, str]
    notes: tuple[str, ...]


def parse_grades(text: str | None) -> Grades:
    """Annual grades from a sentence such as "2021年度、2022年度考核为称职，2023年度考核为优秀。".

    Clauses (split at ，；。) are read in order; years collect until a clause names a grade,
    which they all get. A clause with two grades, a grade without a year, years left without a
    grade, a year given two grades, or a grade outside 优秀/称职/基本称职/不称职 is a note and
    those years get no grade."""
    src = unicodedata.normalize("NFKC", text or "").strip()
    if not src or src in ("无", "暂无"):
        return Grades({}, ())
    notes: list[str] = []
    found: dict[int, str] = {}
    clash: set[int] = set()
    pending: list[int] = []
    for clause in filter(None, (c.strip() for c in re.split(r"[,，;；。\n]", src))):
        years: list[int] = []
        rest = clause
        for a, b in _YEAR_RANGE.findall(clause):
            lo, hi = int(a), int(b)
            if lo <= hi <= lo + 50:
                years += range(lo, hi + 1)
        rest = _YEAR_RANGE.sub(" ", clause)
        years += [int(y) for y in _YEAR.findall(rest)]
        words = _GRADE_WORDS.findall(clause)
        pending += years
        if not words:
            continue
        if len(set(words)) > 1:
            notes.append(f"“{clause}”同时写了{'、'.join(dict.fromkeys(words))}，无法确定各年度等次，未导入")
            pending = []
            continue
        grade = words[0]
        if grade not in _GRADES:
            notes.append(f"“{clause}”的等次“{grade}”不是年度考核等次（优秀、称职、基本称职、不称职），未导入")
            pending = []
            continue
        if not pending:
            notes.append(f"“{clause}”没有写明年度，未导入")
            continue
        for year in pending:
            if found.get(year, grade) != grade:
                clash.add(year)
            found[year] = grade
        pending = []
    if pending:
        notes.append(f"{'、'.join(f'{y}年度' for y in dict.fromkeys(pending))}没有写明等次，未导入")
    for year in sorted(clash):
        notes.append(f"{year}年度写了两个不同的等次，未导入")
        del found[year]
    return Grades(dict(sorted(found.items())), tuple(notes))


# --- rewards and punishments -------------------------------------------------------------------

_FULL_DATE = re.compile(r"^(\d{4})\s*[年.．/-]\s*(\d{1,2})\s*[月.．/-]\s*(\d{1,2})\s*[日号]?\s*(.+)$")
_PUNISHMENT = re.compile(r"处分|警告|记过|记大过|降级|撤职|开除|诫勉|通报批评|党纪|政务处分")


@attrs.frozen
class Reward:
    date: str
    title: str


@attrs.frozen
class Rewards:
    items: tuple[Reward, ...]
    notes: tuple[str, ...]


def parse_rewards(text: str | None) -> Rewards:
    """Commendations with a full date ("2019年12月6日被评为全省优秀共产党员") from 奖惩情况.
    A commendation needs its day; an item without one, and any punishment (cadre-sdk has no
    record kind for punishments), is a note, not stored."""
    src = unicodedata.normalize("NFKC", text or "").strip()
    if not src or src.rstrip("。.") in ("无", "暂无"):
        return Rewards((), ())
    items: list[Reward] = []
    notes: list[str] = []
    for part in filter(None, (p.strip() for p in re.split(r"[;；。\n]", src))):
        if _PUNISHMENT.search(part):
            notes.append(f"“{part}”是惩戒记录，本系统不保存，未导入")
            continue
        m = _FULL_DATE.match(part)
        if m is None:
            notes.append(f"“{part}”没有写明年月日，表彰记录需要日期，未导入")
            continue
        y, mo, d, title = m.groups()
        try:
            date = dt.date(int(y), int(mo), int(d)).isoformat()
        except ValueError:
            notes.append(f"“{part}”的日期不存在，未导入")
            continue
        items.append(Reward(date, title.strip()))
    return Rewards(tuple(items), tuple(notes))
