"""Chinese labels for the tables no engine owns: the store's provenance and explanation tables
and the tables and views the publication builds itself. Record tables are labelled by their
record classes, engine tables by their engines (``cadre_sdk.store.table_labels.describe``).

``labels_for`` gives any table a label; one nobody described gets a generic title
(``UNLABELLED``) and is listed in the publication's metadata, so the gap shows.
"""
from __future__ import annotations

from collections.abc import Iterable

import attrs

from cadre_sdk.publish.coded import SUFFIX
from cadre_sdk.store.table_labels import TableLabels, described, describe

#: The start of the title of a table nobody described.
UNLABELLED = "未说明的数据表"
#: The suffix of the title of a column nobody described.
UNLABELLED_COLUMN = "（未说明）"
#: The suffix of the title of a coded column's code (``coded``), and its note.
CODE_TITLE = "（编码）"
CODE_NOTE = ("“{0}”列的整数编码（重复的文字只存一次，编号、日期等有固定格式的文字和小数按规律存为整数，"
             "以节省空间）；筛选、分面和查询请用“{0}”列")


#: Chinese descriptions of the record tables for readers (the record classes' own descriptions
#: are written for developers, in English).
RECORD_DESCRIPTIONS = {
    "region": "行政区划：省、市州、县（区、市）和乡镇（街道），含海拔与艰苦边远类别。",
    "unit": "机关、部门、企业、事业单位和乡镇等有领导班子的单位，含类别、层级、所在地区和行业。",
    "cadre": "干部的基本情况：性别、出生年月、民族、现工作单位、职务、职级及是否班子成员、主要负责人。"
             "公开版不含姓名；身份证号一律不发布。",
    "posting": "任职经历：任职、挂职、交流、轮岗的起止时间、单位、地区和职务，是否乡镇工作、领导职务。",
    "observation": "日常考察记录：通过工作调研、平时考核、巡视巡察、审计、信访等方式了解到的具体表现。",
    "achievement": "实绩记录：在急难险重任务和基层艰苦边远地区工作中的实绩。",
    "assessment": "考核：对干部个人或领导班子的年度考核和平时（季度）考核。",
    "indicator_score": "考核指标得分：每次考核各项指标的得分（0–100）。",
    "evaluation": "测评结果：民主测评、反向测评和考核谈话的票数（仅监督版；公开版只发布汇总）。",
    "target_progress": "重点目标进展：“710”工作机制下重点目标每月的计划进度与实际进度。",
    "case": "容错纠错案件：干部申请容错的事项；案件状态由办理事件推算。",
    "case_event": "案件事件：容错纠错案件的每一个办理环节（只能追加，不能修改；登记有误的，以“更正”事件更正，原事件保留）。",
    "case_finding": "研判意见：案件在“7个研判”各维度（及地方增加的维度）上的结论和理由。",
    "adjustment": "干部调整：依据能上能下情形目录，对干部的调离岗位、免职、降职等调整。",
    "training": "培训记录：干部参加培训的专题、本领、起止日期和学时。",
    "care_record": "关心关爱记录：休假、体检、心理健康、谈心谈话等。",
    "attendance": "乡镇在岗记录：干部每月在乡镇岗位的实际在岗天数。",
    "commendation": "表彰与典型：干部受到的表彰、荣誉和典型宣传。",
    "annual_grade": "历年考核等次：任免审批表等材料中记载的干部历年年度考核等次（不是本系统测算的结果）。",
}


def labels_for(table: str, columns: Iterable[str]) -> TableLabels:
    """The labels of ``table``, completed for ``columns`` nobody labelled."""
    columns = list(columns)
    found = described(table)
    if found is not None and table in RECORD_DESCRIPTIONS:
        found = attrs.evolve(found, description=RECORD_DESCRIPTIONS[table])
    if found is None:
        return TableLabels(table, f"{UNLABELLED}（{table}）",
                           "这张表尚无中文说明：请表的所有者调用 cadre_sdk.store.table_labels.describe。",
                           {c: f"{c}{UNLABELLED_COLUMN}" for c in columns})
    missing = {c: f"{c}{UNLABELLED_COLUMN}" for c in columns if c not in found.columns}
    if not missing:
        return found
    codes = {c: found.columns[c[:-len(SUFFIX)]] for c in missing
             if c.endswith(SUFFIX) and c[:-len(SUFFIX)] in found.columns}
    missing.update({c: f"{title}{CODE_TITLE}" for c, title in codes.items()})
    notes = {**found.notes, **{c: CODE_NOTE.format(title) for c, title in codes.items()}}
    return TableLabels(found.table, found.title, found.description, {**found.columns, **missing},
                       found.units, notes, found.pii, found.id_numbers, found.search)


def unlabelled(table: str, columns: Iterable[str]) -> list[str]:
    """``table`` or its ``table.column`` names that have no Chinese label."""
    labels = labels_for(table, columns)
    if labels.title.startswith(UNLABELLED):
        return [table]
    return [f"{table}.{c}" for c, t in labels.columns.items() if t.endswith(UNLABELLED_COLUMN)]


describe("provenance", "数据来源记录",
         "每次导入、测算和发布的记录：步骤、数据类别、文件、文件哈希、行数、cadre-sdk 版本及插件版本。",
         {"id": "序号", "step": "步骤", "kind": "类别", "detail": "内容", "sha256": "SHA-256 哈希",
          "rows": "行数", "sdk_version": "cadre-sdk 版本", "plugins": "插件及版本", "at": "时间"},
         notes={"step": "init 建库、load 导入、evaluate 测算、publish 发布",
                "sha256": "导入文件或参数文件内容的 SHA-256，可据此核对所用文件",
                "plugins": "JSON：插件名 → 版本", "at": "协调世界时（UTC）"})

describe("explanation", "计算说明",
         "每个计算结果的说明：输入、适用的规则及插件、参数（含施行日期与依据）、计算步骤。",
         {"id": "说明编号", "kind": "结果类别", "subject": "对象", "json": "说明"},
         notes={"json": "页面上显示为中文说明；原始数据为 JSON（多数经压缩存储，为二进制），"
                        "其中适用规则与参数以编号引用“说明引用”表。SQL 中可用 "
                        "cadre_explain(json) 得到中文说明，cadre_explanation_json(json) "
                        "得到 JSON 文本。"})

describe("explanation_ref", "说明引用",
         "计算说明中引用的适用规则与参数（含施行日期、依据和提供插件），每条只存一次，"
         "说明中以编号引用。",
         {"id": "引用编号", "kind": "类别", "digest": "内容摘要", "json": "内容"},
         notes={"kind": "rules 适用规则；parameters 参数；text 说明中的文字（数字另存）；"
                        "template 说明的结构；zdict 压缩说明所用的字典"
                        "（字典内容含须屏蔽的信息时不发布其内容，用它压缩的说明以 JSON 文本发布）",
                "digest": "内容的 64 位摘要，用于按内容查找条目"})

describe("publication", "发布信息",
         "本发布文件的来历：访问级别、生成时间、cadre-sdk 版本、源数据库哈希、测评汇总门槛等。"
         "本文件自身的 SHA-256 不能写在文件里，见同目录的 .sha256 文件与首页说明。",
         {"key": "项目代码", "title": "项目", "value": "内容"})

describe("plugin_version", "插件及版本", "生成本发布时加载的全部插件（含内置的省级默认插件）。",
         {"name": "插件", "version": "版本", "jurisdiction": "管辖地区代码", "source": "来源",
          "hooks": "实现的钩子"})

describe("rule_version", "规则清单",
         "生成本发布时登记的全部规则、目录项和查询：类别、代码、所属插件及版本、管辖地区、参数文件及其哈希。",
         {"kind": "规则类别", "key": "规则代码", "title": "名称", "plugin": "插件",
          "plugin_version": "插件版本", "jurisdiction": "管辖地区代码", "priority": "优先级",
          "parameter_file": "参数文件", "parameter_sha256": "参数文件 SHA-256"})

describe("parameter_value", "参数取值",
         "规则所用参数的全部取值：每个取值的施行日期、数值、单位、依据及其性质（官方依据、参照适用、示例值、"
         "未核实）。参数文件以“包名/包内路径”标注。",
         {"file": "参数文件", "path": "参数路径", "start": "施行日期", "value": "取值",
          "unit": "单位", "reference": "依据", "example": "示例值", "plugin": "插件",
          "status": "依据性质", "description": "参数名称"},
         notes={"example": "1 表示示例值（非官方数据），须由地方插件替换",
                "status": "official 官方依据；analogy 参照适用（cadre-sdk 的选择，借用所列出处）；"
                          "example 示例值；unverified 出处条文未核实；空表示未标注"})

describe("cadre_overview", "干部一览", "每名干部及其所在单位、地区和市州（视图）。",
         {"cadre_id": "干部编号", "name": "姓名", "gender": "性别", "birth": "出生年月",
          "ethnicity": "民族", "post": "职务", "rank": "职级", "level": "干部层级",
          "is_leader": "班子成员", "is_principal": "主要负责人", "unit_code": "单位代码",
          "unit_name": "单位名称", "unit_kind": "单位类别", "region_code": "所在地区代码",
          "region_name": "所在地区", "prefecture_code": "市州代码", "prefecture_name": "市州"},
         pii=("name",))

describe("evaluation_summary", "测评汇总",
         "民主测评、反向测评和考核谈话的票数，按单位、年度和方式汇总。公开版只发布参评人数达到门槛的汇总，"
         "不发布单次测评的票数。",
         {"unit_code": "单位代码", "year": "年度", "method": "测评方式", "assessments": "考核数",
          "participants": "参评人数", "excellent": "优秀票", "competent": "称职票",
          "basic": "基本称职票", "incompetent": "不称职票", "excellent_share": "优秀票率"},
         units={"excellent_share": "%"}, notes={"participants": "各次测评参评人数之和"})

_OBSERVATION_COUNTS = {
    "all_years": "各年合计", "year": "年度", "county": "县级地区代码", "records": "记录数",
    "cadres": "涉及干部数", "positive": "正面", "neutral": "中性", "negative": "负面"}
_OBSERVATION_NOTE = "各年合计为 1 的行汇总所有年度（年度为空），为 0 的行汇总一个年度；供日常考察统计查询读取。"
describe("observation_by_source", "日常考察按来源汇总",
         "日常考察记录按年度、县级地区和来源汇总的记录数、涉及干部数和正面、中性、负面条数。"
         + _OBSERVATION_NOTE, {**_OBSERVATION_COUNTS, "source": "来源"})
describe("observation_by_unit", "日常考察按单位汇总",
         "日常考察记录按年度和单位汇总的记录数、涉及干部数、正面、中性、负面条数和带问题标签的条数。"
         + _OBSERVATION_NOTE,
         {**_OBSERVATION_COUNTS, "unit_code": "单位代码", "tagged": "带问题标签"})
describe("observation_by_tag", "日常考察按问题标签汇总",
         "日常考察记录按年度、县级地区和问题标签汇总的记录数、涉及干部数和涉及单位数。"
         + _OBSERVATION_NOTE, {**_OBSERVATION_COUNTS, "tag": "问题标签", "units": "涉及单位数"})

describe("cadre_timeline", "干部档案",
         "一名干部的基本信息、任职经历、考核及结果、日常考察、实绩、案件、调整、培训、补贴等记录，"
         "每条记录一行（视图）。",
         {"cadre_id": "干部编号", "section_order": "栏目顺序", "section": "栏目", "date": "日期",
          "detail": "内容", "record": "原始记录", "explanation_id": "说明编号"})

describe("search_index", "全文检索索引",
         "中文全文检索：文本按繁简转换后切分为相邻两字，供“搜索”查询使用（只存索引，不存文本）。",
         {"tokens": "检索词元"})
describe("search_result", "全文检索结果",
         "全文检索每条结果显示的内容（类别、名称、内容开头、原始记录），由所在表的行即时生成"
         "（视图，不另存文本），供“搜索”查询使用。",
         {"base": "起始序号", "top": "末尾序号", "rid": "行号", "kind": "类别", "title": "名称",
          "content": "内容", "record": "原始记录"})
