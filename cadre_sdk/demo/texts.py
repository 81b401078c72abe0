"""Text catalogues for the demo: departments, posts, key targets, observation and achievement
wording, training programmes, honours, case summaries and rationales. All synthetic examples."""
from __future__ import annotations

#: Functional positioning (功能定位) by prefecture code; 海东's two districts lean to 特色产业.
POSITIONING = {
    "630100": "城市治理", "630200": "农牧业", "632200": "生态保护", "632300": "生态保护",
    "632500": "生态保护", "632600": "生态保护", "632700": "生态保护", "632800": "循环经济",
}
POSITIONING_COUNTY = {"630202": "特色产业", "630203": "特色产业"}

#: Directly affiliated departments: (name suffix, sector or None). The four staffing sectors first.
SECTOR_DEPARTMENTS = (("农牧局", "农牧"), ("民政局", "民政"), ("水利局", "水利"), ("乡村振兴局", "扶贫"))
CITY_AGRICULTURE = "农业农村局"
OTHER_DEPARTMENTS_PREFECTURE = (
    "发展和改革委员会", "财政局", "教育局", "卫生健康委员会", "自然资源局", "生态环境局",
    "交通运输局",
)
OTHER_DEPARTMENTS_COUNTY = ("发展和改革局", "财政局", "教育局", "卫生健康局", "自然资源局")
ENTERPRISES_PREFECTURE = ("国有资本投资运营有限公司", "城乡建设投资集团有限公司")
ENTERPRISES_COUNTY = ("城乡建设投资有限公司",)
ENTERPRISE_CIRCULAR = "循环经济投资有限公司"
INSTITUTIONS_PREFECTURE = ("人民医院", "职业技术学校")
INSTITUTIONS_COUNTY = ("人民医院", "民族中学")

def locality_posts(short: str, prefecture: bool) -> tuple[tuple[str, bool, str], ...]:
    """A locality's leadership posts in filling order: (post, principal?, rank), e.g. 县委书记,
    县长. Prefecture-level leaders hold 厅局级 ranks, county-level ones 县处级."""
    s = short[-1]  # 县 区 市 州, or 委 for an administrative committee (行委)
    head = {"县": "县长", "区": "区长", "市": "市长", "州": "州长"}.get(s, "主任")
    deputy = "副" + head
    sec = f"{s}委" if s in "县区市州" else "党工委"
    chief, vice = ("正厅局级", "副厅局级") if prefecture else ("正县处级", "副县处级")
    return (
        (f"{sec}书记", True, chief), (head, True, chief), (f"{sec}副书记", False, vice),
        (f"{sec}常委、常务{deputy}", False, vice), (f"{sec}常委、组织部部长", False, vice),
        (f"{sec}常委、纪委书记、监委主任", False, vice), (f"{sec}常委、宣传部部长", False, vice),
        (f"{sec}常委、政法委书记", False, vice), (deputy, False, vice), (deputy, False, vice),
        (f"{sec}常委、统战部部长", False, vice), (deputy, False, vice),
        (f"{sec}常委、办公室主任", False, vice), (deputy, False, vice),
    )


DEPARTMENT_POSTS = (("党组书记、局长", True), ("副局长", False), ("副局长", False),
                    ("党组成员、纪检监察组组长", False), ("副局长", False))
COMMISSION_POSTS = (("党组书记、主任", True), ("副主任", False), ("副主任", False),
                    ("党组成员、纪检监察组组长", False), ("副主任", False))
ENTERPRISE_POSTS = (("党委书记、董事长", True), ("党委副书记、总经理", False), ("副总经理", False),
                    ("纪委书记", False), ("副总经理", False))
HOSPITAL_POSTS = (("党委书记、院长", True), ("副院长", False), ("副院长", False),
                  ("党委副书记", False))
SCHOOL_POSTS = (("党委书记、校长", True), ("副校长", False), ("副校长", False), ("党委副书记", False))


def township_posts(kind: str) -> tuple[tuple[str, bool], ...]:
    """Posts of a township's leadership team (kind 乡 or 镇)."""
    head = "镇长" if kind == "镇" else "乡长"
    return (("党委书记", True), (head, True), ("党委副书记", False), ("人大主席", False),
            ("纪委书记", False), ("副" + head, False), ("副" + head, False),
            ("党委委员、组织委员", False), ("党委委员、武装部部长", False))


STAFF_POSTS = {
    "地方": ("办公室副主任", "督查室主任", "政策研究室副主任", "科员", "办公室秘书"),
    "部门": ("办公室主任", "科长", "股长", "副科长", "科员"),
    "企业": ("部门经理", "综合部主任", "项目经理", "职员"),
    "事业单位": ("科主任", "办公室主任", "科员", "专业技术人员"),
    "乡镇": ("党政办主任", "农牧业综合服务中心主任", "社会事务办主任", "科员", "驻村工作队员",
             "畜牧兽医站站长", "经济发展办主任"),
}
#: Parallel ranks (职级) of non-leading cadres, from senior to junior.
STAFF_RANKS = ("一级调研员", "二级调研员", "三级调研员", "四级调研员", "一级主任科员", "二级主任科员",
               "三级主任科员", "四级主任科员", "一级科员")

#: Key targets tracked during the year (the "710" tracking), by functional positioning.
TARGETS = {
    "生态保护": ("草原生态保护修复面积", "国家公园建设任务", "河湖长制年度任务", "禁牧和草畜平衡落实",
                "生态管护员培训覆盖"),
    "循环经济": ("盐湖资源综合利用项目投资", "新能源装机并网", "工业固废综合利用率", "园区重点项目开工",
                "节能降耗年度任务"),
    "城市治理": ("老旧小区改造", "城市道路与管网建设", "社区网格化治理覆盖", "垃圾分类示范片区",
                "公共服务设施补短板"),
    "农牧业": ("高原特色农牧业产值", "高标准农田建设", "乡村振兴示范村建设", "农牧民人均可支配收入增长",
              "有机畜牧业基地认证"),
    "特色产业": ("拉面经济服务网点", "特色种养业基地建设", "农产品加工产值", "文旅融合项目投资",
                "招商引资到位资金"),
}
DEPARTMENT_TARGETS = ("年度重点工作任务", "重点民生实事", "重大项目前期工作", "营商环境改革任务")

OBSERVATION_POSITIVE = (
    "在{task}中靠前指挥，连续{n}天驻守一线，协调解决实际困难，群众反映良好。",
    "牵头推进{task}，主动担当、敢于碰硬，按期完成年度任务。",
    "深入{n}个村社开展调研，形成的调研报告被采纳，推动{task}取得实效。",
    "面对{task}中的复杂局面，敢于担当、处置得当，未发生次生问题。",
)
OBSERVATION_NEUTRAL = (
    "按要求参加民主生活会，对照检查材料较为具体，批评与自我批评开展较好。",
    "述责述纪述廉报告内容完整，{task}工作按计划推进。",
    "专项了解其履职情况，{task}推进总体平稳，个别环节需加强。",
)
OBSERVATION_NEGATIVE = (
    "在{source}中发现其对{task}推进不力，存在{tags}等问题，已进行提醒谈话。",
    "群众反映其在{task}中作风不实、{tags}，经核实情况基本属实。",
    "对{task}中的矛盾问题回避推诿，表现出{tags}倾向，已责令整改。",
    "{task}工作停留在开会发文层面，存在{tags}问题，整改落实不到位。",
)
TASKS = ("草原生态保护", "脱贫攻坚成果巩固", "乡村振兴", "防汛抗旱", "森林草原防火", "疫情防控",
         "安全生产检查", "重点项目建设", "民族团结进步创建", "信访积案化解", "人居环境整治",
         "雪灾救助", "地震应急处置", "河湖长制落实", "招商引资", "营商环境优化")

ACHIEVEMENT_TEXT = {
    "维稳反分裂": "在维护社会稳定工作中排查化解矛盾纠纷{n}起，辖区保持和谐稳定。",
    "谋长远打基础": "谋划推进{task}等基础性工作，建立长效机制，为后续发展打下基础。",
    "重大危机自然灾害": "在{task}中连续{n}天坚守一线，组织转移安置群众，未发生人员伤亡。",
    "改革发展": "牵头完成{task}改革任务，相关做法在全省推广。",
    "民族团结": "深入开展民族团结进步创建，所在单位被命名为示范单位。",
    "脱贫攻坚": "驻村帮扶期间带动{n}户群众稳定增收，巩固拓展脱贫攻坚成果。",
    "民生改善": "推动解决群众急难愁盼问题{n}件，群众满意度明显提升。",
    "生态保护": "在{task}中完成年度管护任务，生态环境质量稳步提升。",
    "基层艰苦边远": "在海拔{alt}米的乡镇扎根工作{n}年，默默奉献，群众口碑好。",
}
#: Tasks that fit each achievement category or case kind.
TOPICAL_TASKS = {
    "谋长远打基础": ("基层党组织标准化建设", "村集体经济发展", "国土空间规划编制", "水利基础设施建设"),
    "重大危机自然灾害": ("雪灾救助", "地震应急处置", "防汛抢险", "森林草原火灾扑救"),
    "改革发展": ("农村牧区集体产权制度", "营商环境", "医疗卫生体制", "国有企业"),
    "生态保护": ("草原生态保护", "国家公园建设", "河湖长制落实", "黑土滩治理", "禁牧和草畜平衡"),
    "改革创新": ("农村牧区集体产权制度", "审批制度", "生态管护员管理", "国有企业混合所有制"),
    "项目建设": ("易地扶贫搬迁", "城乡供水工程", "乡镇周转房建设", "农牧区道路建设"),
    "安全生产": ("雪灾救助", "防汛抢险", "矿山安全检查", "道路交通安全整治"),
    "其他": ("信访积案化解", "疫情防控", "招商引资", "人居环境整治"),
}

TRAINING_PROGRAMS = ("万名领导干部专业化能力提升工程", "省委党校主体班次", "干部网络学院在线学习",
                     "乡村振兴专题培训班", "生态文明建设专题研讨班", "对口援青地区跟岗学习",
                     "{pref}干部素质能力提升培训班")
TOPIC_BY_POSITIONING = {
    "生态保护": ("生态文明", "现代农牧业", "文化旅游"),
    "循环经济": ("新材料新能源", "金融财会", "信息技术"),
    "城市治理": ("社会治理", "城镇化与乡村振兴", "信息技术"),
    "农牧业": ("现代农牧业", "城镇化与乡村振兴", "脱贫攻坚"),
    "特色产业": ("文化旅游", "现代农牧业", "金融财会"),
}

CARE_NOTES = {
    "休假": "落实带薪年休假{n}天",
    "体检": "参加年度健康体检",
    "心理健康": "开展心理健康咨询与疏导",
    "谈心谈话": "组织部门谈心谈话，了解思想和工作生活情况",
    "高海拔交流": "高海拔地区干部到低海拔地区交流休养",
    "八有建设": "所在乡镇“八有”建设相关设施改善",
    "其他": "走访慰问家属",
}

COMMENDATIONS = (
    ("表彰", "全省优秀共产党员", "省"), ("表彰", "全省民族团结进步先进个人", "省"),
    ("表彰", "全省乡村振兴先进个人", "省"), ("表彰", "{pref}优秀领导干部", "市州"),
    ("表彰", "{county}优秀共产党员", "县"), ("荣誉", "全国民族团结进步模范个人", "国家"),
    ("荣誉", "全国生态环境保护先进个人", "国家"), ("荣誉", "{pref}“担当作为好干部”", "市州"),
    ("典型", "青海省担当作为先进典型", "省"), ("典型", "扎根基层先进典型", "市州"),
)

CASE_KINDS = ("改革创新", "项目建设", "安全生产", "生态保护", "其他")
CASE_SUMMARY = {
    "改革创新": "在推进{task}改革试点中先行先试，因政策边界不清导致部分程序不规范，本人申请容错。",
    "项目建设": "在{task}中为抢抓工期先行开工，未及时完成相关审批手续，本人申请容错。",
    "安全生产": "在{task}中因突发情况处置经验不足，造成一定损失，本人申请容错。",
    "生态保护": "在{task}中按集体决策推进工作，因自然条件变化未达到预期目标，本人申请容错。",
    "其他": "在{task}中因工作失误造成一定影响，本人申请容错免责。",
}
RATIONALE = {
    "节点": ("发生在相关禁止性规定出台之前", "相关规定明令禁止后仍继续实施"),
    "方向": ("符合党中央和省委决策部署方向", "与上级决策部署要求不符"),
    "程序": ("经集体研究决策，程序基本完备", "个人决定，未经集体研究"),
    "目的": ("出于公心，为推动工作和群众利益", "存在谋取私利情形"),
    "原因": ("因不可抗力或缺乏经验所致", "主观故意或严重失职所致"),
    "结果": ("总体推动了改革发展", "造成较大损失和不良影响"),
    "处置": ("主动采取措施消除影响、挽回损失", "事后掩盖问题、消极应对"),
}
#: What clerks write in 触碰红线: texts, aliases or codes of the provincial red-line catalogue
#: (cadre_sdk/defaults/data/red_lines.csv); anything else would be refused at load.
RED_LINES = ("违反中央八项规定精神", "收受财物，谋取私利", "RL-02",
             "明知故犯", "违反政治纪律")
ACCEPTING_BODIES = ("委组织部", "纪委监委")
SECONDMENT_PLACES = {
    "对口援青": ("北京市", "上海市", "天津市", "江苏省", "浙江省", "山东省"),
    "国家部委": ("国家发展和改革委员会", "农业农村部", "生态环境部", "国家乡村振兴局", "民政部",
                 "水利部"),
}


#: Digits as typed on a full-width keyboard.
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def typed_identity(name: str, id_number: str, number: int) -> str:
    """What clerks add to a case's 事由 (one case in two): the applicant's name and ID number
    in the spellings they type, which the public level must mask (``redact.normalized``):
    the ID number in groups with spaces or hyphens, in full-width digits; the name with a
    space inside; a phone number in groups. Empty for the other cases."""
    if number % 2:
        return ""
    spaced = f"{name[0]} {name[1:]}"
    groups = (id_number[:6], id_number[6:14], id_number[14:])
    phone = f"139{number:08d}"
    variant = number // 2 % 3
    if variant == 0:
        return f"（申请人 {spaced}，身份证号 {' '.join(groups)}）"
    if variant == 1:
        return (f"（申请人{name}，身份证号{'-'.join(groups)}，"
                f"联系电话 {phone[:3]} {phone[3:7]} {phone[7:]}）")
    return f"（申请人{spaced}，身份证号 {id_number.translate(_FULL_WIDTH)}）"
