"""Controlled vocabularies. Canonical values are the Chinese terms clerks type and oversight
readers see; English synonyms (and Traditional forms, via the text normalizer) are accepted on input.
"""
from __future__ import annotations

from types import MappingProxyType


def _vocab(**pairs: str) -> MappingProxyType:
    """English synonym -> canonical Chinese term. The Chinese terms are the values."""
    return MappingProxyType(pairs)


GENDER = _vocab(male="男", m="男", female="女", f="女")

REGION_LEVEL = _vocab(province="省", prefecture="市州", county="县", township="乡镇")
REGION_LEVEL_SYNONYMS = {"省级": "省", "市": "市州", "州": "市州", "市州级": "市州", "县级": "县",
                         "县区": "县", "区": "县", "乡": "乡镇", "镇": "乡镇", "街道": "乡镇"}

UNIT_KIND = _vocab(locality="地方", department="部门", enterprise="企业",
                   institution="事业单位", township="乡镇")
UNIT_KIND_SYNONYMS = {"地方党委政府": "地方", "直属部门": "部门", "企业领导班子": "企业", "国有企业": "企业"}

UNIT_LEVEL = _vocab(province="省", prefecture="市州", county="县", township="乡镇")

SECTOR = _vocab(agriculture="农牧", civil_affairs="民政", water="水利", poverty="扶贫", other="其他")
SECTOR_SYNONYMS = {"农业农村": "农牧", "农牧业": "农牧", "乡村振兴": "扶贫"}

CADRE_LEVEL = _vocab(department_bureau="厅局级", county_division="县处级", township_section="乡科级",
                     other="其他")
#: The grade as rosters write it (正处级, 副科 …): 正职 and 副职 of a level are that level.
#: (Not 正局/副局: short for 局长/副局长, posts of any level.)
CADRE_LEVEL_SYNONYMS = {
    **{f"{rank}{level}{suffix}": canonical
       for level, canonical in (("厅", "厅局级"), ("处", "县处级"), ("科", "乡科级"))
       for rank in ("正", "副", "") for suffix in ("级", "") if rank or suffix},
    "正局级": "厅局级", "副局级": "厅局级", "局级": "厅局级",
}

POSTING_KIND = _vocab(appointment="任职", secondment="挂职", exchange="交流", rotation="轮岗")

SECONDMENT_KIND = _vocab(counterpart_aid="对口援青", ministry="国家部委", two_way="省内双向")

EXCHANGE_KIND = _vocab(between_regions="地区间", between_departments="部门间",
                       organ_enterprise="机关与企业")

OBSERVATION_SOURCE = _vocab(
    research="工作调研", routine="平时考核", term="任期考核", recommendation="无任用推荐考察",
    life_meeting="民主生活会", inquiry="专项了解", inspection_tour="巡视巡察",
    audit="经济责任审计", petition="信访举报", report="述责述纪述廉",
)

OBSERVATION_TAG = _vocab(
    two_faced="两面人", fence_sitter="墙头草", visible_over_latent="重显绩轻潜绩",
    short_term="短期行为", image_project="形象工程", floating="作风漂浮",
    listless="精神懈怠", passive="消极应付", shirking="拈轻怕重", no_fault="不求有功但求无过",
)

POLARITY = _vocab(positive="正面", negative="负面", neutral="中性")

ACHIEVEMENT_CATEGORY = _vocab(
    stability="维稳反分裂", groundwork="谋长远打基础", crisis="重大危机自然灾害", reform="改革发展",
    ethnic_unity="民族团结", poverty="脱贫攻坚", livelihood="民生改善", ecology="生态保护",
    grassroots="基层艰苦边远",
)

ASSESSMENT_SUBJECT = _vocab(individual="个人", team="班子")
ASSESSMENT_PERIOD = _vocab(annual="年度", q1="一季度", q2="二季度", q3="三季度", q4="四季度")
QUARTERS = ("一季度", "二季度", "三季度", "四季度")

ANNUAL_GRADE = _vocab(excellent="优秀", competent="称职", basic="基本称职", incompetent="不称职")
ANNUAL_GRADES = ("优秀", "称职", "基本称职", "不称职")
ROUTINE_GRADE = _vocab(good="好", fairly_good="较好", average="一般", poor="较差")
ROUTINE_GRADES = ("好", "较好", "一般", "较差")

EVALUATION_METHOD = _vocab(democratic="民主测评", reverse="反向测评", interview="考核谈话")

CASE_EVENT = _vocab(
    apply="申请", accept="受理", request_info="补充材料", verify="核实", determine="认定",
    notify="反馈", file="备案", reject="不予受理", withdraw="撤回", appeal="申诉",
    decide_appeal="申诉决定",
)
CASE_EVENT_SYNONYMS = {"提出申请": "申请", "核实认定": "认定", "反馈备案": "备案", "通知": "反馈",
                       "告知": "反馈", "要求补充材料": "补充材料", "复核": "申诉"}
#: The event that corrects a wrongly recorded one (更正): not a step of the procedure, so it is
#: not in ``CASE_EVENT`` (the state machine's events) but only in ``CASE_RECORD_EVENT``.
CORRECTION = "更正"
CASE_RECORD_EVENT = _vocab(**CASE_EVENT, correct=CORRECTION)
CASE_RECORD_EVENT_SYNONYMS = {**CASE_EVENT_SYNONYMS, "更正登记": CORRECTION, "订正": CORRECTION,
                              "修正": CORRECTION, "勘误": CORRECTION, "更改": CORRECTION,
                              "修改": CORRECTION, "更正记录": CORRECTION}

TOLERANCE_DECISION = _vocab(tolerated="容错", partly_tolerated="部分容错", not_tolerated="不予容错")

DIMENSIONS = ("节点", "方向", "程序", "目的", "原因", "结果", "处置")
FINDING = _vocab(favourable="有利", unfavourable="不利", unclear="存疑")
FINDING_SYNONYMS = {"符合": "有利", "不符合": "不利", "是": "有利", "否": "不利"}

ADJUSTMENT_TRIGGER = _vocab(
    inspection_tour="巡视巡察", environmental_inspection="环保督察", audit="审计",
    annual_assessment="年度考核", pre_appointment="任前考察", other="其他",
)
ADJUSTMENT_TRIGGER_SYNONYMS = {"环保督查": "环保督察", "巡视": "巡视巡察", "巡察": "巡视巡察"}

ADJUSTMENT_ACTION = _vocab(
    transfer="调离岗位", non_leading="改任非领导职务", dismissal="免职", demotion="降职",
    ordered_resignation="责令辞职", resignation="引咎辞职", apology="责令公开道歉",
    suspension="停职检查",
)
ADJUSTMENT_ACTION_SYNONYMS = {"调整": "调离岗位", "改任": "改任非领导职务"}

ADJUSTMENT_STATUS = _vocab(proposed="拟调整", done="已调整", revoked="撤销")

ABILITY = _vocab(learning="学习", political_leadership="政治领导", reform="改革创新",
                 development="科学发展", rule_of_law="依法执政", mass_work="群众工作",
                 implementation="狠抓落实", risk="驾驭风险")
ABILITY_SYNONYMS = {f"{v}本领": v for v in ABILITY.values()}

TRAINING_TOPIC = _vocab(
    agriculture="现代农牧业", it="信息技术", finance="金融财会", materials_energy="新材料新能源",
    tourism_culture="文化旅游", urbanization="城镇化与乡村振兴", ecology="生态文明",
    poverty="脱贫攻坚", governance="社会治理", belt_road="一带一路",
)

CARE_KIND = _vocab(leave="休假", health_check="体检", mental_health="心理健康",
                   talk="谈心谈话", altitude_exchange="高海拔交流", facilities="八有建设", other="其他")

COMMENDATION_KIND = _vocab(commendation="表彰", exemplar="典型", honour="荣誉")
HONOUR_LEVEL = _vocab(national="国家", province="省", prefecture="市州", county="县")

#: The 56 ethnic groups (民族) as the national standard (GB/T 3304) names them.
ETHNIC_GROUPS = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族",
    "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族",
    "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族",
    "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族",
    "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族",
    "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)
#: A group written without 族 (“汉”, “藏”, “撒拉”: rosters often do) -> its name. Without it,
#: “汉” and “汉族” would be two groups, and the publication's 汉族/少数民族 step would count
#: “汉” among the minorities.
ETHNIC_GROUP_SHORT = MappingProxyType({name[:-1]: name for name in ETHNIC_GROUPS})
