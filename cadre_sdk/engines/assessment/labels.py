"""Chinese labels of the assessment engine's tables, for the publication (``cadre_sdk.store.table_labels``)."""
from __future__ import annotations

from cadre_sdk.store.table_labels import describe

describe("assessment_result", "年度考核结果",
         "每项年度考核（干部个人或领导班子）按所在地区规则测算的得分、等次、单位内排名和优秀名额执行情况。",
         {"assessment_id": "考核编号", "subject": "考核对象", "cadre_id": "干部编号",
          "unit_code": "单位代码", "unit_kind": "单位类别", "region_code": "所在地区代码",
          "year": "年度", "score": "得分", "raw_grade": "名额限制前等次", "grade": "等次",
          "democratic_excellent_share": "民主测评优秀票比例", "pool": "排名范围",
          "rank_in_unit": "排名", "pool_size": "参加排名数", "quota_allowed": "优秀名额",
          "quota_applied": "因名额限制调整", "indicator_plugin": "指标规则插件",
          "formula_plugin": "计分规则插件", "grading_plugin": "定等规则插件",
          "explanation_id": "计算说明", "pool_stored": "排名范围（另存）",
          "indicator_plugin_stored": "指标规则插件（另存）",
          "formula_plugin_stored": "计分规则插件（另存）",
          "grading_plugin_stored": "定等规则插件（另存）"},
         units={"score": "分", "pool_size": "个", "quota_allowed": "个"},
         notes={"score": "为空表示没有任何指标得分，不评定等次",
                "raw_grade": "按分数线（及所在地区的等次标准）得出、尚未受优秀名额限制的等次",
                "rank_in_unit": "个人在本单位、班子在所在县级地区内的排名：得分降序，同分按民主测评"
                                "优秀票比例降序，再按编号升序",
                "quota_applied": "1 表示达到优秀但超出名额，定为称职",
                # the store's storage columns, published at oversight level (``publish.copy``)
                **{f"{c}_stored": f"仅当与默认值不同时有值；“{t}”一列由它得出"
                   for c, t in (("pool", "排名范围"), ("indicator_plugin", "指标规则插件"),
                                ("formula_plugin", "计分规则插件"),
                                ("grading_plugin", "定等规则插件"))}},
         # One cadre's vote share can reveal a few raters' votes: oversight level only.
         pii=("democratic_excellent_share",))

describe("consequence", "考核结果运用",
         "按命名的结果运用规则，由干部历年年度考核等次得出的调整候选、优先选拔、诫勉等结果。",
         {"cadre_id": "干部编号", "year": "年度", "code": "规则代码", "title": "结果运用",
          "reason": "依据", "unit_code": "单位代码", "assessment_id": "考核编号",
          "plugin": "规则插件", "jurisdiction": "规则管辖地区", "explanation_id": "计算说明"},
         search=("reason",))

describe("target_summary", "“710”重点目标进度汇总",
         "每个单位每年重点目标的按进度完成情况：每项目标取年内最近月份的记录，实际进度不低于计划进度为按进度。",
         {"unit_code": "单位代码", "year": "年度", "targets": "重点目标数", "on_schedule": "按进度",
          "behind": "滞后", "share": "按进度比例", "last_month": "截至月份",
          "explanation_id": "计算说明"},
         units={"targets": "项", "on_schedule": "项", "behind": "项", "last_month": "月"})

describe("scorecard", "年度考核成绩单",
         "每个单位、每个地区每年的年度考核成绩单：班子得分与同类排名、个人等次分布与平均分、"
         "优秀名额执行情况、“710”重点目标进度和较上年的变化。",
         {"scope": "范围", "code": "代码", "year": "年度", "name": "名称", "class": "类别",
          "region_code": "所在（上级）地区代码", "assessed": "参加考核人数", "excellent": "优秀",
          "competent": "称职", "basic": "基本称职", "incompetent": "不称职", "ungraded": "未评定",
          "excellent_share": "优秀比例", "mean_score": "个人平均分", "team_score": "班子得分",
          "team_grade": "班子等次", "rank_in_class": "同类排名", "class_size": "同类参排数",
          "excellent_candidates": "优秀候选人数", "excellent_allowed": "优秀名额",
          "quota_demoted": "名额调整人数", "quota_compliant": "是否名额合规",
          "targets_share": "重点目标按进度比例", "prev_team_score": "上年班子得分",
          "prev_rank": "上年同类排名", "team_score_change": "班子得分较上年",
          "mean_score_change": "平均分较上年", "excellent_share_change": "优秀比例较上年",
          "explanation_id": "计算说明"},
         units={"assessed": "人", "excellent": "人", "competent": "人", "basic": "人",
                "incompetent": "人", "ungraded": "人", "mean_score": "分", "team_score": "分",
                "excellent_allowed": "人", "quota_demoted": "人"},
         notes={"class": "单位按“类别·层级”（如 部门·县），地区按层级（省、市州、县）",
                "team_score": "单位为本单位领导班子得分；地区为本地区地方党委政府领导班子得分",
                "rank_in_class": "同一类别、同一年度内按班子得分降序，同分并列；无班子得分不排名",
                "quota_compliant": "是：优秀人数不超过优秀名额"})
