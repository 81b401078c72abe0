"""Checking a parameter file an office adds to a store (``cadre parameters add``): new dated
values for one rule in one jurisdiction, in the shape of the plugins' parameter files
(``cadre_sdk.parameters``), with ``metadata: {rule: …, jurisdiction: …}`` naming the rule and
the place as users name them. Format: ``docs/parameters.md``.

It is a finance or organization office, not a programmer, who writes the file: every problem
is a :class:`ParameterFileError` in Chinese starting with ``file:line:`` and saying what to fix;
nothing is stored until the whole file is right. What is checked beyond the parameter file
format: the rule and the jurisdiction exist, every path is a parameter the rule reads there,
each value has the shape of the value it replaces (a number for a number, a list of tiers with
the same fields for a list of tiers), each value names its source (``reference``) and its
``status``, and an official value (or one adopted by analogy) names its document in 《》.
"""
from __future__ import annotations

import datetime
import difflib
import math
from pathlib import Path
from typing import Any, NoReturn

import attrs
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cadre_sdk.core import divisions
from cadre_sdk.core.errors import CadreError, ParameterError
from cadre_sdk.core.jurisdiction import chain
from cadre_sdk.core.normalize import to_simplified
from cadre_sdk.core.office_files import read_office_file
from cadre_sdk.core.region_names import find_region
from cadre_sdk.core.value_status import STATUS_ZH, names_document
from cadre_sdk.parameters import LEAF_KEYS, NODE_KEYS, Parameters, STATUSES, parse_parameters
from cadre_sdk.parameters.values import status_code
from cadre_sdk.plugin_host.rule_book import CATALOGUE_KINDS, KIND_NAMES, Registration, RuleBook
from cadre_sdk.plugin_host.stored_layers import StoredLayer

__all__ = ["CheckedFile", "ParameterFileError", "read_parameter_file", "rule_choices", "rule_title"]

#: Keys of ``metadata`` in an added file.
_METADATA_KEYS = ("rule", "jurisdiction", "note")
#: Keys of one dated value (``example: true`` is the plugin files' older spelling: say status).
_ENTRY_KEYS = ("value", "reference", "status", "note")
_STATUS_CHOICES = "、".join(f"{s}（{STATUS_ZH[s]}）" for s in STATUSES)
_SEE = "文件格式见 docs/parameters.md"


class ParameterFileError(CadreError):
    """An added parameter file that cannot be used; the message starts with ``file:line:``."""


@attrs.frozen
class CheckedFile:
    """A checked file: its rule (kind, key, name), jurisdiction code, the values as
    ``Parameters`` (named by the file's name) and, for each path, the dates it states."""

    name: str
    text: str
    kind: str
    key: str
    rule_name: str
    jurisdiction: str
    parameters: Parameters
    dates: tuple[str, ...]
    paths: tuple[str, ...]


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _rules(book: RuleBook) -> list[Registration]:
    """Every registration whose rule reads parameters (catalogue entries have none)."""
    return [r for kind in book.kinds() if kind not in CATALOGUE_KINDS for r in book.all(kind)
            if getattr(r.item, "parameters", None) is not None]


#: The order ``rule_choices`` lists the kinds in (others after them).
_KIND_ORDER = ("subsidy", "tolerance", "indicators", "scoring", "grading", "grade_quota",
               "thresholds")
#: The names of the ``thresholds`` rules (the provincial defaults' keys are code words).
_THRESHOLD_TITLES = {"staffing": "配备、培训、关爱与选拔参数"}


def rule_title(kind: str, key: str) -> str:
    """The Chinese name an office writes for a rule in ``metadata.rule`` and reads in
    ``cadre parameters list``: 乡镇工作岗位补助 (a subsidy's key), 容错纠错 (the tolerance
    default, key ``*``), 容错纠错（生态保护类案件）, 乡镇个人考核指标（生态保护） (indicators
    ``个人:乡镇:生态保护``), 个人计分公式, 个人定等分数线, 优秀等次名额; other kinds: their Chinese
    kind and key (类别:代码)."""
    if kind == "subsidy":
        return key
    if kind == "tolerance":
        return "容错纠错" if key == "*" else f"容错纠错（{key}类案件）"
    if kind == "indicators" and key.count(":") == 2:
        level, unit, focus = key.split(":")
        return f"{unit}{level}考核指标" + ("" if focus == "*" else f"（{focus}）")
    if kind == "scoring":
        return f"{key}计分公式"
    if kind == "grading":
        return f"{key}定等分数线"
    if kind == "grade_quota":
        return f"{key}等次名额"
    if kind == "thresholds" and key in _THRESHOLD_TITLES:
        return _THRESHOLD_TITLES[key]
    return f"{KIND_NAMES.get(kind, kind)}:{key}"


def rule_choices(book: RuleBook) -> dict[str, list[str]]:
    """The rules a file may name, by kind (its Chinese name; the kinds offices change most
    first, ``_KIND_ORDER``): each rule's name (``rule_title``), for messages and ``cadre
    parameters list``."""
    keys = sorted({(r.kind, r.key) for r in _rules(book)})
    order = list(_KIND_ORDER)
    out: dict[str, list[str]] = {}
    for kind, key in sorted(keys, key=lambda k: (order.index(k[0]) if k[0] in order
                                                 else len(order), k)):
        out.setdefault(KIND_NAMES.get(kind, kind), []).append(rule_title(kind, key))
    return out


def choices_text(choices: dict[str, list[str]]) -> str:
    """The rules by kind in one Chinese line (for error messages)."""
    return "；".join(f"{kind}：{'、'.join(titles)}" for kind, titles in choices.items())


def _same(a: str, b: str) -> bool:
    return to_simplified(a.strip()) == to_simplified(b.strip())


def _shape(value: Any) -> str:
    """What a value is, in Chinese, for messages."""
    if isinstance(value, bool):
        return "是/否（true/false）"
    if isinstance(value, (int, float)):
        return "数字"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return f"列表，每项含 {'、'.join(value[0])}"
        return "列表"
    if isinstance(value, dict):
        return f"映射，含 {'、'.join(map(str, value))}"
    return "空值" if value is None else type(value).__name__


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def shape_problem(new: Any, old: Any) -> str | None:
    """Why ``new`` cannot replace ``old`` (Chinese), or None: the same kind of value, a list's
    items shaped like the old list's first item, a mapping with the same keys; a negative
    number where the old one was not negative."""
    if _number(old):
        if not _number(new):
            return f"应是数字（原值为 {old}），而不是{_shape(new)}“{new}”"
        if new < 0 <= old:
            return f"不能为负数（{new}）"
        return None
    if isinstance(old, bool) or isinstance(old, str):
        return None if type(new) is type(old) else f"应是{_shape(old)}，而不是{_shape(new)}"
    if isinstance(old, list):
        if not isinstance(new, list) or not new:
            return f"应是非空列表（{_shape(old)}），而不是{_shape(new)}"
        if old:
            for n, item in enumerate(new, 1):
                problem = shape_problem(item, old[0])
                if problem:
                    return f"第 {n} 项{problem}"
        return None
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return f"应是{_shape(old)}，而不是{_shape(new)}"
        missing = [k for k in old if k not in new]
        extra = [k for k in new if k not in old]
        if missing or extra:
            return ("应含且只含 " + "、".join(map(str, old))
                    + (f"（缺少 {'、'.join(map(str, missing))}）" if missing else "")
                    + (f"（多出 {'、'.join(map(str, extra))}）" if extra else ""))
        for k in old:
            problem = shape_problem(new[k], old[k])
            if problem:
                return f"的 {k} {problem}"
        return None
    return None


def bands_problem(new: Any, old: Any) -> tuple[int, str] | None:
    """Which band (its index) and why a list of bands (tiers: ``min_years``; altitude bands: ``min_altitude_m``) cannot
    replace ``old``, or None: two bands starting at the same ``min_*`` (which one applies?),
    or no band from 0 where the old list had one (those below the lowest band would have
    none, and every evaluation would stop there). Both are lists shaped alike."""
    if not (isinstance(new, list) and isinstance(old, list) and old
            and all(isinstance(b, dict) for b in [*new, *old])):
        return None
    for key in (k for k in old[0] if str(k).startswith("min_")):
        starts = [band[key] for band in new]
        for n, start in enumerate(starts, 1):
            if start in starts[:n - 1]:
                return n - 1, (f"第 {starts.index(start) + 1} 项和第 {n} 项的 {key} 都是 {start}："
                               "每一档的起点应各不相同")
        if min(band[key] for band in old) == 0 and min(starts) != 0:
            return starts.index(min(starts)), (
                f"最低一档的 {key} 是 {min(starts)}，应为 0（原取值最低一档为 0；否则不足 "
                f"{min(starts)} 的人没有档次可用）")
    return None


class _File:
    """Reads one added file from its YAML node tree, so every error names its line."""

    def __init__(self, text: str, name: str, shown: str, book: RuleBook):
        self.text, self.name, self.shown, self.book = text, name, shown, book
        self.loader = yaml.SafeLoader("")
        self.kind = self.key = self.jurisdiction = ""
        self.dates: set[str] = set()
        self.paths: list[str] = []

    def fail(self, line: int, message: str) -> NoReturn:
        raise ParameterFileError(f"{self.shown}:{line}: {message}。未作任何改动；{_SEE}。")

    def compose(self) -> MappingNode:
        try:
            node = yaml.SafeLoader(self.text).get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            self.fail(mark.line + 1 if mark else 1, f"YAML 格式错误：{e.problem or e}"
                      "（请检查缩进和冒号）")
        except yaml.YAMLError as e:
            self.fail(1, f"YAML 格式错误：{e}")
        if not isinstance(node, MappingNode):
            self.fail(_line(node) if node else 1,
                      "文件应是一个映射：metadata（rule 规则、jurisdiction 管辖地区）和各参数")
        return node

    def pairs(self, node: Node, what: str) -> list[tuple[str, Node, Node]]:
        if not isinstance(node, MappingNode):
            self.fail(_line(node), f"{what}应是键值映射（“键: 值”，下一级缩进）")
        out: list[tuple[str, Node, Node]] = []
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(_line(key_node), f"{what}中的键应是名称")
            key = key_node.value
            if key in seen:
                self.fail(_line(key_node), f"{what}中的“{key}”重复（第 {seen[key]} 行已有）")
            seen[key] = _line(key_node)
            out.append((key, key_node, value_node))
        return out

    def scalar(self, node: Node, what: str) -> Any:
        if not isinstance(node, ScalarNode):
            self.fail(_line(node), f"{what}应是单个值")
        try:
            return self.loader.construct_object(node)
        except Exception:   # PyYAML's constructors raise what they meet (IndexError for `!!int `)
            self.fail(_line(node), f"{what}“{node.value}”无法识别")

    def plain(self, node: Node, what: str, depth: int = 3) -> Any:
        """A value as data (lists and mappings of scalars), duplicate keys refused."""
        if isinstance(node, ScalarNode):
            return self.scalar(node, what)
        if depth <= 0:
            self.fail(_line(node), f"{what}嵌套过深")
        if isinstance(node, SequenceNode):
            return [self.plain(item, what, depth - 1) for item in node.value]
        return {key: self.plain(value, what, depth - 1)
                for key, _, value in self.pairs(node, what)}

    def text_of(self, node: Node, what: str) -> str:
        value = self.scalar(node, what)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            self.fail(_line(node), f"{what}应是文字，而不是“{node.value}”")
        return str(value).strip()

    # -- the rule and the place ---------------------------------------------------------------

    def metadata(self, node: Node) -> None:
        fields = {k: (key_node, v) for k, key_node, v in self.pairs(node, "metadata")}
        for key, (key_node, _) in fields.items():
            if key not in _METADATA_KEYS:
                self.fail(_line(key_node), f"metadata 中有未知的键“{key}”；可用的键："
                          f"{'、'.join(_METADATA_KEYS)}")
        for key, what in (("rule", "规则（补贴方案等的名称或代码，如 乡镇工作岗位补助）"),
                          ("jurisdiction", "管辖地区（名称或代码，如 青海省 或 630000）")):
            if key not in fields:
                self.fail(_line(node), f"metadata 缺少 {key}：{what}")
        self.rule(fields["rule"][1])
        self.place(fields["jurisdiction"][1])

    def rule(self, node: Node) -> None:
        said = self.text_of(node, "规则").replace("：", ":")
        kind, _, key = said.partition(":")
        kind = next((k for k, zh in KIND_NAMES.items() if _same(kind, zh)), kind.strip())
        found = {(r.kind, r.key): r for r in _rules(self.book)
                 if _same(said, r.key) or _same(said, getattr(r.item, "name", "") or "")
                 or _same(said, rule_title(r.kind, r.key))
                 or (key and r.kind == kind and _same(key, r.key))}
        choices = rule_choices(self.book)
        if not found:
            titles = [t for group in choices.values() for t in group]
            close = difflib.get_close_matches(said, titles, n=1, cutoff=0.5)
            self.fail(_line(node), f"未知的规则“{said}”"
                      + (f"（是否指“{close[0]}”？）" if close else "")
                      + f"；可用的规则（按类别）：{choices_text(choices)}")
        if len(found) > 1:
            self.fail(_line(node), f"规则“{said}”不唯一（{'、'.join(rule_title(*k) for k in found)}）"
                      "；请写其中一个名称")
        (self.kind, self.key), _ = next(iter(found.items()))

    def place(self, node: Node) -> None:
        said = self.text_of(node, "管辖地区")
        found = find_region(said, [(code, name) for code, (name, _) in divisions.known().items()])
        if found.code is not None:
            self.jurisdiction = found.code
            return
        close = [name for _, name in found.candidates][:3]
        self.fail(_line(node), f"未知的管辖地区“{said}”：应写青海省、市州或县（区、市）的全称、"
                  "简称或6 位代码（如 青海省、果洛藏族自治州、果洛州、玛多县，或 630000）"
                  + (f"；相近的有：{'、'.join(close)}" if close else ""))

    # -- the values ---------------------------------------------------------------------------

    def rule_on(self, day: datetime.date) -> Any:
        """The parameters of the rule in force in the jurisdiction on ``day`` (plugins only)."""
        reg = self.book.resolve(self.kind, self.key, self.jurisdiction, on=day)
        return None if reg is None else reg.item.parameters

    def tree(self, top: MappingNode) -> None:
        for key, key_node, value in self.pairs(top, "文件"):
            if key == "metadata":
                continue
            if key in NODE_KEYS:
                self.text_of(value, key)
                continue
            self.node(key, key_node, value)
        if not self.paths:
            self.fail(_line(top), "文件没有给出任何参数取值（在 metadata 之外写参数路径和 values）")

    def node(self, path: str, key_node: Node, node: Node) -> None:
        if not isinstance(node, MappingNode):
            self.fail(_line(key_node), f"“{path}”下应是下一级参数或 values（日期和取值）")
        fields = self.pairs(node, f"参数“{path}”")
        if any(k == "values" for k, _, _ in fields):
            self.leaf(path, key_node, fields)
            return
        for key, child_key, value in fields:
            if key in NODE_KEYS:
                self.text_of(value, key)
            elif key in LEAF_KEYS:
                self.fail(_line(child_key), f"“{path}”不是单个参数，不能有 {key}")
            else:
                self.node(f"{path}.{key}", child_key, value)

    def known_paths(self) -> list[str]:
        """The parameters the rule's registrations read (any level, any date)."""
        return sorted({p for reg in self.book.all(self.kind) if reg.key == self.key
                       and getattr(reg.item, "parameters", None) is not None
                       for p, _ in reg.item.parameters.leaves()})

    def leaf(self, path: str, key_node: Node, fields: list[tuple[str, Node, Node]]) -> None:
        known = self.known_paths()
        if path not in known:
            close = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
            self.fail(_line(key_node), f"规则“{self.key}”没有参数“{path}”"
                      + (f"（是否指“{close[0]}”？）" if close else "")
                      + f"；该规则的参数有：{'、'.join(known)}")
        self.paths.append(path)
        for key, child_key, value in fields:
            if key not in LEAF_KEYS:
                self.fail(_line(child_key), f"参数“{path}”中有未知的键“{key}”；可用的键："
                          f"{'、'.join(LEAF_KEYS)}")
            if key in ("description", "documentation", "reference"):
                self.text_of(value, key)
        values = next(v for k, _, v in fields if k == "values")
        dated = self.pairs(values, f"参数“{path}”的 values")
        if not dated:
            self.fail(_line(values), f"参数“{path}”的 values 是空的：写出起始日期和取值")
        days = []
        for _, day_node, entry in dated:
            days.append(self.date(day_node, path))
            self.applies(path, days[-1], _line(day_node))
            self.entry(path, days[-1], entry)
            self.dates.add(days[-1].isoformat())
        unit = next((v for k, _, v in fields if k == "unit"), None)
        if unit is not None:
            old = self.old_value(path, min(days))
            said = self.scalar(unit, "unit")
            if old is not None and said != old.unit:
                self.fail(_line(unit), f"参数“{path}”的单位是 {old.unit}，不是 {said}"
                          "（unit 可以不写）")

    def applies(self, path: str, day: datetime.date, line: int) -> None:
        """The rule applies in the jurisdiction on ``day`` and reads ``path`` there."""
        params = self.rule_on(day)
        place = f"{self.jurisdiction} {divisions.known()[self.jurisdiction][0]}"
        if params is None:
            self.fail(line, f"规则“{self.key}”在 {day.isoformat()} 不适用于 {place}"
                      "（已安装的插件在该地区、该日期没有这项规则）")
        if not params.has(path):
            self.fail(line, f"{place}适用的规则“{self.key}”不读取参数“{path}”"
                      "（该参数属于其他地区的规则）")

    def date(self, node: Node, path: str) -> datetime.date:
        text = node.value if isinstance(node, ScalarNode) else ""
        try:
            if len(text) != 10:
                raise ValueError
            return datetime.date.fromisoformat(text)
        except ValueError:
            self.fail(_line(node), f"参数“{path}”的起始日期“{text}”不是有效日期（应写作 "
                      "YYYY-MM-DD，如 2027-01-01：四位年、两位月、两位日，用减号连接）")

    def old_value(self, path: str, day: datetime.date) -> Any:
        """The plugins' value of ``path`` on ``day`` (else the first value after it)."""
        params = self.rule_on(day)
        if params is not None and params.has(path):
            found = params.get(path, day)
            if found is not None:
                return found
            for p, values in params.leaves():
                if p == path and values:
                    return values[0]
        for reg in self.book.all(self.kind):
            params = getattr(reg.item, "parameters", None)
            if reg.key == self.key and params is not None and params.has(path):
                return next(v for p, vs in params.leaves() if p == path for v in vs)
        return None

    def entry(self, path: str, day: datetime.date, node: Node) -> None:
        what = f"参数“{path}”自 {day.isoformat()} 起的取值"
        if not isinstance(node, MappingNode):
            self.fail(_line(node), f"{what}应写成 value（取值）、reference（依据）、status（性质）"
                      "三项，如 {value: 150, reference: \"《…》\", status: official}")
        fields = {k: (key_node, v) for k, key_node, v in self.pairs(node, what)}
        for key, (key_node, _) in fields.items():
            if key not in _ENTRY_KEYS:
                hint = "（请改用 status: example）" if key == "example" else ""
                self.fail(_line(key_node), f"{what}中有未知的键“{key}”{hint}；可用的键："
                          f"{'、'.join(_ENTRY_KEYS)}")
        for key, label in (("value", "value（取值）"),
                           ("reference", "reference（依据：文件名称、文号和条款）"),
                           ("status", f"status（数据性质：{_STATUS_CHOICES}）")):
            if key not in fields:
                self.fail(_line(node), f"{what}缺少 {label}")
        reference = self.text_of(fields["reference"][1], "reference（依据）")
        status = self.scalar(fields["status"][1], "status")
        status = status_code(status) if isinstance(status, str) else status
        if status not in STATUSES:
            close = difflib.get_close_matches(str(status), STATUSES, n=1, cutoff=0.6)
            self.fail(_line(fields["status"][1]), f"status“{status}”无法识别"
                      + (f"（是否指“{close[0]}”？）" if close else "")
                      + f"；应是 {_STATUS_CHOICES}（写代码或括号中的中文均可）")
        if status in ("official", "analogy") and not names_document(reference):
            self.fail(_line(fields["reference"][1]),
                      f"{what}是{STATUS_ZH[status]}（status: {status}），reference 应写明依据的"
                      "文件名称（用《》括起，如有文号、条款一并写明）")
        value_node = fields["value"][1]
        if isinstance(value_node, ScalarNode) and self.scalar(value_node, "value") is None:
            self.fail(_line(value_node), f"{what}是空的；请写出取值")
        value = self.plain(value_node, what)
        old = self.old_value(path, day)
        if old is not None:
            problem = shape_problem(value, old.value)
            at = value_node
            if problem and isinstance(value_node, SequenceNode) and isinstance(old.value, list):
                # a list item's problem is reported on the item's own line
                at = next((item for item, got in zip(value_node.value, value)
                           if old.value and shape_problem(got, old.value[0])), value_node)
            if problem:
                self.fail(_line(at), f"{what}{problem}")
            band = bands_problem(value, old.value)
            if band is not None and isinstance(value_node, SequenceNode):
                self.fail(_line(value_node.value[band[0]]), f"{what}{band[1]}")
        if "note" in fields:
            self.text_of(fields["note"][1], "note（说明）")

    def read(self) -> CheckedFile:
        top = self.compose()
        meta = next((v for k, _, v in self.pairs(top, "文件") if k == "metadata"), None)
        if meta is None:
            self.fail(1, "缺少 metadata：写明 rule（规则名称或代码）和 jurisdiction（管辖地区）")
        self.metadata(meta)
        self.tree(top)
        try:
            params = parse_parameters(self.text, self.name)
        except ParameterError as exc:  # a rare case the checks above did not name
            line = str(exc).split(":")[1] if str(exc).startswith(self.name + ":") else "1"
            self.fail(int(line) if line.isdigit() else 1, f"参数文件格式有误（{exc}）")
        self.weights(params)
        return CheckedFile(self.name, self.text, self.kind, self.key, self.named(),
                           self.jurisdiction, params, tuple(sorted(self.dates)),
                           tuple(self.paths))

    def named(self) -> str:
        """The rule's name where the file applies: that of the rule in force in its
        jurisdiction on its first date (``applies`` checked there is one), else its key."""
        first = datetime.date.fromisoformat(min(self.dates))
        reg = self.book.resolve(self.kind, self.key, self.jurisdiction, on=first)
        return (getattr(reg.item, "name", "") if reg is not None else "") or self.key

    def weights(self, params: Parameters) -> None:
        """An indicator set's weights, with the file's values in place, still add up to 100 on
        every date the file states (as ``cadre rules check`` requires of plugins)."""
        if self.kind != "indicators":
            return
        trial = self.book.with_stored([StoredLayer(self.kind, self.key, self.jurisdiction,
                                                   params, self.name)])
        for day in sorted(self.dates):
            reg = trial.resolve(self.kind, self.key, self.jurisdiction,
                                on=datetime.date.fromisoformat(day))
            if reg is None:
                continue
            item = reg.item
            values = [(ind.code, item.parameters.get(ind.weight, day)) for ind in item.indicators]
            total = sum(v.value for _, v in values if v is not None and _number(v.value))
            if not math.isclose(total, 100, abs_tol=1e-9):
                line = min(v.line for p, vs in params.leaves() for v in vs
                           if v.start.isoformat() == day)
                shown = " + ".join(f"{code} {v.value if v else '（无）'}" for code, v in values)
                self.fail(line, f"指标集“{self.key}”自 {day} 起的权重合计为 {total:g}，应为 100"
                          f"（{shown}）；请同时调整其他指标的权重")


def read_parameter_file(path: str | Path, book: RuleBook) -> CheckedFile:
    """Read and check one added parameter file against the rules of ``book``; a
    :class:`ParameterFileError` (Chinese, ``file:line:``) if it cannot be used."""
    path = Path(path)
    text = read_office_file(path, "参数文件", ParameterFileError)
    return _File(text, path.name, str(path), book).read()


def shadowing(checked: CheckedFile, book: RuleBook) -> list[str]:
    """Plugins of jurisdictions under the file's that state their own value for one of its
    paths: there their value still applies (more specific wins). Chinese lines."""
    out = []
    for reg in book.all(checked.kind):
        params = getattr(reg.item, "parameters", None)
        if reg.key != checked.key or params is None or reg.jurisdiction == checked.jurisdiction \
                or checked.jurisdiction not in chain(reg.jurisdiction):
            continue
        own = [p for p in checked.paths if params.has(p)
               and not (hasattr(params, "layers") and not params.layers[0].has(p))]
        if own:
            name = divisions.known().get(reg.jurisdiction, ("",))[0]
            out.append(f"{reg.jurisdiction} {name}（插件 {reg.plugin}）：{'、'.join(own)}")
    return out
