"""Yearly holiday schedules (放假调休安排): one year's statutory holidays and make-up working
days (调休上班), with the State Council notice they come from.

Three sources, later ones winning year by year (``cadre_sdk.store.calendar.calendar_for``):
the years the installed ``chinesecalendar`` package knows (read from its tables, never retyped),
years registered by plugins (``register_calendar_years``), and year files a user adds with
``cadre calendar add`` (stored in the database). The file format is documented in
``docs/calendar.md``; :func:`read_year_file` checks a file strictly and reports every problem in
Chinese with ``file:line`` (it is an administrator, not a programmer, who adds a year).
"""
from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import attrs
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cadre_sdk.core.errors import CadreError
from cadre_sdk.core.normalize import to_simplified
from cadre_sdk.core.office_files import read_office_file

__all__ = ["CalendarFileError", "YearSchedule", "builtin_years", "read_year_file",
           "schedule_changes", "schedule_problems"]

#: What ``status`` may say about a schedule: taken from the official notice, or made up (tests,
#: examples). Every figure carries its status (STYLE: official / by analogy / example).
STATUSES = {"official": "正式（国务院办公厅通知）", "example": "示例或测试数据（非官方）"}
_TOP_KEYS = ("year", "notice", "status", "holidays", "note")
_NOTICE_KEYS = ("title", "number", "date")
_HOLIDAY_KEYS = ("name", "from", "to", "workdays")
#: The festivals every notice since 2008 gives days off for, as their names begin (a combined
#: entry such as 中秋节、国庆节 names two): an official file missing one is not the whole notice.
FESTIVALS = {"元旦": "元旦", "春节": "春节", "清明": "清明节", "劳动": "劳动节", "端午": "端午节",
             "中秋": "中秋节", "国庆": "国庆节"}


class CalendarFileError(CadreError):
    """A year file that cannot be used; the message starts with ``file:line:``."""


@attrs.frozen
class YearSchedule:
    """One year's holidays and make-up working days, with where they come from.

    ``holidays``: the days off of the statutory holidays (weekend days inside a holiday period
    included); ``workdays``: weekend days made working days. ``source`` says where the schedule
    was read (the package and version, the plugin, or the file); ``status`` is ``official`` or
    ``example``. Registered by plugins through ``register_calendar_years`` (key: the year).
    """

    rule_kind: ClassVar[str] = "calendar_year"
    year: int
    holidays: frozenset[datetime.date] = attrs.field(converter=frozenset)
    workdays: frozenset[datetime.date] = attrs.field(converter=frozenset, default=frozenset())
    notice_title: str = ""
    notice_number: str | None = None
    notice_date: datetime.date | None = None
    status: str = "official"
    source: str = ""
    priority: int = 0

    @property
    def key(self) -> str:
        return str(self.year)

    @property
    def name(self) -> str:
        return self.notice_title or f"{self.year} 年节假日安排"


def schedule_problems(year: int, holidays: Iterable[datetime.date],
                      workdays: Iterable[datetime.date]) -> list[tuple[datetime.date, str]]:
    """What is self-contradictory in a schedule, as ``(day, Chinese reason)`` pairs: a day
    outside ``year``, a day both holiday and working day, a make-up working day that is not a
    Saturday or Sunday (a weekday is a working day anyway: the notice never lists one)."""
    found = []
    holidays, workdays = set(holidays), set(workdays)
    for day in sorted(holidays | workdays):
        if day.year != year:
            found.append((day, f"日期 {day.isoformat()} 不在 {year} 年内"))
    for day in sorted(holidays & workdays):
        found.append((day, f"{day.isoformat()} 既列为放假日又列为调休上班日"))
    for day in sorted(workdays):
        if day.weekday() < 5:
            found.append((day, f"调休上班日 {day.isoformat()} 是星期{'一二三四五'[day.weekday()]}，"
                               "不是周末（调休上班日只能是星期六或星期日）"))
    return found


def schedule_changes(old: YearSchedule, new: YearSchedule) -> list[str]:
    """What ``new`` changes in ``old`` (the same year), in Chinese: days off and make-up
    working days added or removed; empty when they are the same days."""
    def days(found: Iterable[datetime.date]) -> str:
        return "、".join(d.isoformat() for d in sorted(found))
    out = []
    for label, before, after in (("放假", old.holidays, new.holidays),
                                 ("调休上班", old.workdays, new.workdays)):
        if after - before:
            out.append(f"新增{label} {days(after - before)}")
        if before - after:
            out.append(f"不再{label} {days(before - after)}")
    return out


@functools.cache
def builtin_years() -> dict[int, YearSchedule]:
    """The years the installed ``chinesecalendar`` package knows, read from its tables."""
    import chinese_calendar
    from chinese_calendar import constants

    version = getattr(chinese_calendar, "__version__", "?")
    holidays: dict[int, set[datetime.date]] = {}
    workdays: dict[int, set[datetime.date]] = {}
    for day in constants.holidays:
        holidays.setdefault(day.year, set()).add(day)
    for day in constants.workdays:
        workdays.setdefault(day.year, set()).add(day)
    return {year: YearSchedule(year, holidays.get(year, ()), workdays.get(year, ()),
                               notice_title=f"国务院办公厅关于{year}年部分节假日安排的通知",
                               source=f"chinesecalendar {version}")
            for year in sorted(set(holidays) | set(workdays))}


# -- the year file ---------------------------------------------------------------------------


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _YearFile:
    """Reads one year file from its YAML node tree, so every error can name its line."""

    def __init__(self, text: str, file: str):
        self.text, self.file = text, file

    def fail(self, line: int, message: str) -> NoReturn:
        raise CalendarFileError(f"{self.file}:{line}: {message}。未作任何改动；"
                                "文件格式见 docs/calendar.md。")

    def compose(self) -> Node:
        try:
            node = yaml.SafeLoader(self.text).get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            self.fail(mark.line + 1 if mark else 1, f"YAML 格式错误：{e.problem or e}")
        except yaml.YAMLError as e:
            self.fail(1, f"YAML 格式错误：{e}")
        if not isinstance(node, MappingNode):
            self.fail(_line(node) if node else 1, "文件应是一个映射（year、notice、holidays 等键）")
        return node

    def mapping(self, node: Node, keys: tuple[str, ...], what: str) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.fail(_line(node), f"{what}应是键值映射")
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key not in keys:
                self.fail(_line(key_node), f"{what}中有未知的键“{key}”；可用的键：{'、'.join(keys)}")
            if key in out:
                self.fail(_line(key_node), f"{what}中的键“{key}”重复")
            out[key] = value_node
        return out

    def scalar(self, node: Node, what: str) -> Any:
        if not isinstance(node, ScalarNode):
            self.fail(_line(node), f"{what}应是单个值")
        try:
            return yaml.SafeLoader("").construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            self.fail(_line(node), f"{what}“{node.value}”无法识别")

    def text_of(self, node: Node, what: str, required: bool = True) -> str | None:
        value = self.scalar(node, what)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(_line(node), f"{what}应是文字，而不是“{node.value}”")
        return value.strip()

    def date(self, node: Node, what: str) -> datetime.date:
        # Read from the text, not through YAML's timestamp constructor: an impossible date
        # (2027-09-31) must get the same message as any other bad date.
        try:
            if not isinstance(node, ScalarNode) or len(node.value) != 10:
                raise ValueError
            return datetime.date.fromisoformat(node.value)
        except ValueError:
            self.fail(_line(node), f"{what}“{getattr(node, 'value', '')}”不是有效日期"
                                   "（应写作 YYYY-MM-DD，如 2027-02-06）")

    def read(self) -> YearSchedule:
        top = self.mapping(self.compose(), _TOP_KEYS, "文件")
        for key in ("year", "notice", "status", "holidays"):
            if key not in top:
                self.fail(1, f"缺少“{key}”")
        year = self.scalar(top["year"], "年份")
        if not isinstance(year, int) or isinstance(year, bool) or not 1949 < year < 2200:
            self.fail(_line(top["year"]), f"年份“{top['year'].value}”不是有效年份")
        notice = self.mapping(top["notice"], _NOTICE_KEYS, "notice（通知）")
        if "title" not in notice:
            self.fail(_line(top["notice"]), "notice 缺少 title（通知标题）")
        title = self.text_of(notice["title"], "通知标题")
        number = self.text_of(notice["number"], "通知文号", False) if "number" in notice else None
        issued = self.date(notice["date"], "通知日期") if "date" in notice else None
        status = self.scalar(top["status"], "status")
        if status not in STATUSES:
            self.fail(_line(top["status"]), f"status 应是 {' 或 '.join(STATUSES)}"
                      f"（{'；'.join(f'{k}：{v}' for k, v in STATUSES.items())}）")
        holidays, workdays = self.periods(top["holidays"], year)
        if status == "official":
            self.every_festival(top["holidays"])
        return YearSchedule(year, holidays, workdays, notice_title=title, notice_number=number,
                            notice_date=issued, status=status, source=self.file)

    def periods(self, node: Node, year: int) -> tuple[dict[datetime.date, int],
                                                       dict[datetime.date, int]]:
        """Days off and make-up days, each with the line it was written on."""
        if not isinstance(node, SequenceNode) or not node.value:
            self.fail(_line(node), "holidays 应是列出各节日的非空列表")
        off: dict[datetime.date, int] = {}
        on: dict[datetime.date, int] = {}
        for item in node.value:
            fields = self.mapping(item, _HOLIDAY_KEYS, "节日")
            for key in ("name", "from", "to"):
                if key not in fields:
                    self.fail(_line(item), f"节日缺少“{key}”")
            name = self.text_of(fields["name"], "节日名称")
            first = self.date(fields["from"], f"{name}放假起始日")
            last = self.date(fields["to"], f"{name}放假结束日")
            if last < first:
                self.fail(_line(fields["to"]), f"{name}的放假结束日 {last} 早于起始日 {first}")
            for day_node, day in ((fields["from"], first), (fields["to"], last)):
                self.check(day_node, year, {day: 0}, {})
            day = first
            while day <= last:
                if day in off:
                    self.fail(_line(fields["from"]), f"{day.isoformat()} 在两个节日的放假期间中重复出现")
                off[day] = _line(fields["from"])
                day += datetime.timedelta(days=1)
            extra = fields.get("workdays")
            if extra is not None:
                if not isinstance(extra, SequenceNode):
                    self.fail(_line(extra), f"{name}的 workdays（调休上班日）应是日期列表")
                for day_node in extra.value:
                    made = self.date(day_node, f"{name}的调休上班日")
                    self.check(day_node, year, {}, {made: 0})
                    on[made] = _line(day_node)
        for day, reason in schedule_problems(year, off, on):
            self.fail(on.get(day) or off.get(day, 1), reason)
        return off, on

    def every_festival(self, node: SequenceNode) -> None:
        """An official schedule lists every festival of the notice (a file written in steps
        would otherwise make the year final without its Spring Festival)."""
        names = [to_simplified(str(field.value)) for item in node.value
                 for key, field in item.value if key.value == "name"]
        missing = [full for f, full in FESTIVALS.items() if not any(f in n for n in names)]
        if missing:
            self.fail(_line(node), f"正式安排（status: official）应按通知列出全部节日，缺少："
                      f"{'、'.join(missing)}（合并放假的可写作一项，如“中秋节、国庆节”）")

    def check(self, node: Node, year: int, off: dict, on: dict) -> None:
        for _, reason in schedule_problems(year, off, on):
            self.fail(_line(node), reason)


def read_year_file(path: str | Path) -> YearSchedule:
    """Read and check one year file; a :class:`CalendarFileError` (Chinese, ``file:line:``) if
    it cannot be read or contradicts itself."""
    path = Path(path)
    text = read_office_file(path, "节假日安排文件", CalendarFileError)
    return _YearFile(text, str(path)).read()
