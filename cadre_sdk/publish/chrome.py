"""The Chinese words of the publication's pages (Datasette's chrome): filter operators,
query parameter labels, menu entries, the strings Datasette's and datasette-dashboards'
scripts and views write in English, and the formatting of amounts, shares and yes/no cells.

The templates in ``publish/templates/`` use these through ``template_vars`` (Datasette's
``extra_template_vars`` hook); the browser translates what scripts build (``SCRIPT_WORDS``).
"""
from __future__ import annotations

import re
from typing import Any

from cadre_sdk.plugin_host.rule_book import KIND_NAMES

#: Datasette's filter operators (``filters.lookups()`` keys) in Chinese.
LOOKUPS = {
    "exact": "等于", "not": "不等于", "contains": "包含", "endswith": "结尾是",
    "startswith": "开头是", "gt": "大于", "gte": "大于等于", "lt": "小于", "lte": "小于等于",
    "like": "匹配（like）", "notlike": "不匹配（like）", "glob": "匹配（glob）",
    "in": "属于（逗号分隔）", "notin": "不属于（逗号分隔）", "arraycontains": "数组包含",
    "arraynotcontains": "数组不包含", "date": "日期是", "isnull": "为空", "notnull": "不为空",
    "isblank": "为空白", "notblank": "不为空白",
}

#: Canned-query parameters in Chinese (a parameter not listed shows its own name).
PARAMETERS = {
    "year": "年度", "region": "地区（名称或代码）", "unit": "单位（名称或代码）",
    "cadre_id": "干部（姓名或编号）", "cadre": "干部（姓名或编号）", "q": "检索词", "page": "页码",
    "month": "月份", "start": "起始日期", "end": "截止日期", "method": "测评方式",
    "scheme": "补贴项目", "kind": "类别", "category": "类别", "g": "等次",
    "min_altitude": "最低海拔（米）", "subject_id": "对象编号", "min_hours": "最少学时",
    "half": "半年（上/下）", "source": "来源", "tag": "问题标签", "prefecture": "市州",
    "case_id": "案件编号",
}

#: Columns Datasette adds to a table's page: the link to a row of a table keyed by several
#: columns, and the row number of a table without a key.
GENERATED_COLUMNS = {"Link": "记录", "rowid": "行号"}

#: Parameters a canned query usually needs filled (its page names them when it found nothing
#: and they were left empty).
FILL_FIRST = ("year", "half", "case_id")

#: Parameters answered with a region code / a unit code: the form offers names.
REGION_PARAMETERS = frozenset({"region", "prefecture"})
UNIT_PARAMETERS = frozenset({"unit"})
#: Parameters answered with a cadre id: a name typed (one cadre of that name) is taken for its
#: id, at oversight level (the public file has no cadre table); no picker (too many).
CADRE_PARAMETERS = frozenset({"cadre", "cadre_id"})

#: Entries of Datasette's navigation menu (``menu_links``) in Chinese, by their path.
MENU = {"/-/login": "登录", "/-/dashboards": "监督看板", "/-/logout": "退出登录"}



def menu_label(link: dict[str, str]) -> str:
    """The Chinese label of a navigation menu entry (its own label if unknown)."""
    for path, label in MENU.items():
        if link.get("href", "").endswith(path):
            return label
    return link.get("label", "")


#: English text written by Datasette's table.js, datasette-dashboards' pages and Datasette's
#: views (``show``/``hide`` of a query's SQL), replaced in the page by a script.
SCRIPT_WORDS = {
    "Sort ascending": "升序排列", "Sort descending": "降序排列", "Facet by this": "按此列分组统计",
    "Hide this column": "隐藏此列", "Show all columns": "显示全部列",
    "Show not-blank rows": "只看非空行", "Type: ": "类型：",
    "Dashboards": "看板", "dashboards": "看板", "home": "首页", "Fullscreen": "全屏",
    "Apply": "应用", "No dashboards found": "没有看板", "View and edit SQL": "查看 SQL",
    "Loading...": "加载中……", "No results": "没有结果",
}

#: Explanation id prefixes that are not table names (``assessment_rules:…``), in Chinese.
EXPLANATION_KINDS = {"assessment_rules": "考核规则与参数", "case_check": "认定核对",
                     "target": "重点目标"}
#: The kinds of rule items (``rule_version.kind``, 规则清单's 类别), in Chinese.
RULE_KINDS = KIND_NAMES
#: The steps of the data's history (``provenance.step``), in Chinese.
PROVENANCE_STEPS = {"load": "导入", "evaluate": "测算", "publish": "发布"}
#: Other words of explanation ids (``care_summary:method``), in Chinese.
EXPLANATION_ID_WORDS = {"method": "计算方法", "unit": "单位", "region": "地区"}

#: Datasette's English error titles and messages readers meet, in Chinese.
ERRORS = {
    "Not Found": "页面不存在", "Forbidden": "无权访问", "Permission denied": "无权访问",
    "Invalid SQL": "SQL 无效", "Bad Request": "请求无效", "Not found": "页面不存在",
    "Invalid username or password": "用户名或密码错误",
    "This instance does not have any configured accounts": "本发布没有设置登录账号",
}

_ERROR_PATTERNS = (
    (re.compile(r"^Database not found: (.*)$"), "数据库不存在：{0}"),
    (re.compile(r"^Table not found: (.*)$"), "表不存在：{0}"),
    (re.compile(r"^Record not found: (.*)$"), "记录不存在：{0}"),
    (re.compile(r"^Database not found$"), "数据库不存在"),
    (re.compile(r"^Table not found$"), "表不存在"),
    (re.compile(r"^Row not found$"), "记录不存在"),
    (re.compile(r"^Query not found$"), "查询不存在"),
    (re.compile(r"^Statement must be a SELECT$"), "只能执行 SELECT 查询"),
    (re.compile(r"^Cannot sort table by (.*)$"), "不能按“{0}”排序"),
    (re.compile(r"^no such column: (.*)$"), "没有这一列：{0}"),
    (re.compile(r"^no such table: (.*)$"), "没有这张表：{0}"),
    (re.compile(r"^SQL query took too long.*", re.DOTALL), "查询用时过长，已中止：请缩小范围后重试"),
)


def error_text(text: Any) -> str:
    """A Datasette error message or title in Chinese (unknown ones prefixed ``出错：``)."""
    text = str(text or "")
    if text in ERRORS:
        return ERRORS[text]
    for pattern, chinese in _ERROR_PATTERNS:
        match = pattern.match(text)
        if match:
            return chinese.format(*match.groups())
    if re.fullmatch(r"Error \d+", text):
        return f"出错（{text.split()[1]}）"
    return text


def rows_text(n: Any) -> str:
    """``1,234 行``."""
    return f"{int(n):,} 行" if n is not None else "行数很多"


def description_zh(selections: list[tuple[str, str, str]], titles: dict[str, str],
                   sort: str | None, sort_desc: str | None, search: str | None) -> str:
    """What the reader filtered and sorted by, in Chinese (Datasette's ``human_description_en``
    in words a reader knows): ``其中 地区 等于 632700，按 年度 降序``."""
    parts = []
    for column, lookup, value in selections:
        name = titles.get(column, column)
        op = LOOKUPS.get(lookup, lookup)
        parts.append(f"{name} {op}" + ("" if lookup in {"isnull", "notnull", "isblank",
                                                      "notblank"} else f" {value}"))
    text = ("其中 " + "，且 ".join(parts)) if parts else ""
    if search:
        text += ("，" if text else "") + f"检索“{search}”"
    if sort or sort_desc:
        column = sort or sort_desc
        text += ("，" if text else "") + f"按 {titles.get(column, column)} " + \
            ("升序" if sort else "降序")
    return text


def amount(value: Any) -> str | None:
    """``39380.0`` → ``39,380.00 元`` (None if not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return f"{value:,.2f} 元"


def percent(value: Any) -> str | None:
    """``12.5`` (already a percentage) → ``12.5%``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return f"{value:,.1f}%" if isinstance(value, float) else f"{value:,}%"


def yes_no(value: Any) -> str | None:
    """``1``/``0`` → ``是``/``否``."""
    if value in (0, 1) and not isinstance(value, float):
        return "是" if value else "否"
    return None
