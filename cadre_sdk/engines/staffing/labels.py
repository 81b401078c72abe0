"""Chinese labels of the staffing engine's tables, for the publication (``cadre_sdk.store.table_labels``)."""
from __future__ import annotations

from cadre_sdk.store.table_labels import describe

_WHERE = {"region_level": "层级", "region_code": "地区代码", "region_name": "地区"}
_HOW_ZH = {"explanation_id": "计算说明"}

describe("career_summary", "干部任职经历摘要", "由任职经历推导的乡镇工作、乡镇领导经历和挂职、交流、轮岗次数。",
         {"cadre_id": "干部编号", "unit_code": "现单位代码", "township_work": "有乡镇工作经历",
          "township_leadership": "有乡镇领导经历", "township_postings": "乡镇工作履历条数",
          "secondments": "挂职次数", "exchanges": "交流次数", "rotations": "轮岗次数", **_HOW_ZH})
describe("staffing_breach", "配备规则核查结果",
         "违反配备规则（或一般性要求，性质为“提示”）的单位及依据；依据只写职务，不写姓名。",
         {"rule_code": "规则代码", "title": "规则", "severity": "性质", "unit_code": "单位代码",
          "region_code": "所在地区代码", "county_code": "县级代码", "prefecture_code": "市州代码",
          "evidence": "依据", "rule_plugin": "规则插件", "rule_jurisdiction": "规则管辖地区代码",
          "source": "规则出处", **_HOW_ZH},
         notes={"severity": "违反：不符合规则；提示：一般性要求，列出供核对"})
describe("training_coverage", "领导干部培训覆盖（按单位）",
         "每个单位每年领导干部（班子成员、主要负责人）参加培训的人数、覆盖率与学时。",
         {"year": "年度", "unit_code": "单位代码", "region_code": "所在地区代码",
          "county_code": "县级代码", "prefecture_code": "市州代码", "leaders": "领导干部人数",
          "trained": "参训人数", "coverage": "覆盖率", "full_coverage": "全覆盖",
          "hours_met": "达到学时参考线人数", "hours": "学时合计", **_HOW_ZH},
         units={"hours": "学时"}, notes={"coverage": "参训人数 ÷ 领导干部人数"})
describe("training_coverage_region", "领导干部培训覆盖（按地区）", "按县、市州合计的领导干部培训覆盖情况。",
         {"year": "年度", **_WHERE, "units": "单位数", "leaders": "领导干部人数",
          "trained": "参训人数", "coverage": "覆盖率", "full_coverage": "全覆盖",
          "full_coverage_units": "全覆盖单位数", **_HOW_ZH})
describe("training_topics", "培训情况（按八个本领与专题）", "按县、市州和年度统计各本领、专题的培训人次、人数与学时。",
         {"year": "年度", **_WHERE, "dimension": "类别", "item": "本领或专题",
          "trainings": "人次", "cadres": "人数", "leaders": "领导干部人数", "hours": "学时",
          **_HOW_ZH}, units={"hours": "学时"})
describe("exchange_summary", "挂职、交流、轮岗情况", "按县、市州、起始年份和类型统计的挂职、交流、轮岗人次与人数。",
         {"year": "年度", **_WHERE, "kind": "类型", "subkind": "类别", "postings": "人次",
          "cadres": "人数", **_HOW_ZH})
describe("care_summary", "关心关爱记录汇总", "按县、市州、年度和类别统计的关爱记录数与人数。",
         {"year": "年度", **_WHERE, "kind": "类别", "records": "记录数", "cadres": "人数",
          **_HOW_ZH})
describe("care_gap", "高海拔乡镇干部未体检名单", "当年在高海拔乡镇岗位工作、当年无体检记录的干部。",
         {"year": "年度", "cadre_id": "干部编号", "township_code": "乡镇代码",
          "county_code": "县级代码", "prefecture_code": "市州代码", "altitude_m": "海拔",
          "last_health_check": "上次体检日期", **_HOW_ZH}, units={"altitude_m": "米"})
describe("candidate_pool", "干部选拔候选人库",
         "考察期内有实绩记录的干部，逐项列出选拔条件的认定：实绩突出、考核良好、无拟调整事项，及“五个过硬”中可由记录核对的部分。",
         {"cadre_id": "干部编号", "unit_code": "单位代码", "region_code": "所在地区代码",
          "county_code": "县级代码", "prefecture_code": "市州代码", "as_of_year": "截至年度",
          "achievements": "实绩条数", "categories": "实绩类别", "latest_achievement": "最近实绩日期",
          "grades": "年度考核", "open_adjustments": "拟调整事项", "achievement_ok": "实绩突出",
          "assessment_ok": "考核良好", "adjustment_ok": "无拟调整事项", "political_ok": "政治过硬",
          "responsibility_ok": "责任过硬", "style_ok": "作风过硬", "eligible": "入选",
          "unchecked": "未核对的条件", "criteria": "认定依据", **_HOW_ZH},
         notes={"assessment_ok": "空表示缺少年度考核结果而未核对"})


# -- region codes in SQL ----------------------------------------------------------------------
