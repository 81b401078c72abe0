"""Chinese labels of the cases engine's tables, for the publication (``cadre_sdk.store.table_labels``)."""
from __future__ import annotations

from cadre_sdk.store.table_labels import describe

describe("event_chain", "案件事件哈希链",
         "每个案件事件入库时的哈希链环节：哈希 = sha256(上一环哈希 + 事件的规范 JSON)，"
         "任何人可据此核验事件未被改动、删除或调换（cadre verify）。",
         {"pos": "链序号", "case_id": "案件编号", "seq": "事件序号", "prev_hash": "上一环哈希",
          "hash": "本环哈希"})

describe("case_state", "容错案件办理状态",
         "由事件推算的每个案件当前状态、所处阶段、受理主体、待办环节的时限和逾期情况（截至统计日期）。",
         {"case_id": "案件编号", "region_code": "管辖地区代码", "prefecture_code": "市州代码",
          "case_kind": "案件类别", "cadre_level": "干部层级", "state": "当前状态",
          "stage": "所处阶段", "events": "事件数", "last_event": "最近事件",
          "last_event_date": "最近事件日期", "decision": "认定结果", "accepting_body": "受理主体",
          "next_step": "待办环节", "time_limit": "办理时限", "next_deadline": "截止日期",
          "overdue_days": "逾期天数", "overdue_workdays": "逾期工作日",
          "appeal_until": "申诉期限截止日", "as_of": "统计日期", "explanation_id": "计算说明",
          "provisional": "暂定"},
         units={"overdue_days": "天", "overdue_workdays": "个工作日", "events": "个"},
         notes={"state": "按事件序号重放办理程序得出，不由人工填写",
                "overdue_days": "待办环节超过截止日期的日历天数，0 表示未逾期",
                "provisional": "非空表示所需年份的节假日安排尚未录入（cadre calendar add），暂按双休日计算；录入后重新测算即为正式结果"})

describe("case_deadline", "容错案件各环节时限",
         "每个环节的起算事件、时限（工作日按国家法定节假日和调休安排计算；按日计算的时限最后一日遇法定节假日或休息日的，"
         "顺延至其后第一个工作日，民法典第二百零三条）、截止日期、办结情况和逾期天数。",
         {"case_id": "案件编号", "start_seq": "起算事件序号", "step": "环节",
          "start_date": "起算日期", "time_limit": "时限", "deadline": "截止日期",
          "end_seq": "办结事件序号", "end_date": "办结日期", "status": "办理情况",
          "overdue_days": "逾期天数", "overdue_workdays": "逾期工作日",
          "responsible_body": "责任机关", "provisional": "暂定"},
         units={"overdue_days": "天", "overdue_workdays": "个工作日"},
         notes={"provisional": "非空表示所需年份的节假日安排尚未录入（cadre calendar add），暂按双休日计算；录入后重新测算即为正式结果"})

describe("case_decision", "容错认定结果",
         "受理主体记录的认定结论（有申诉决定的以申诉决定为准）即认定结果，及其后果；旁列 cadre-sdk 按所在"
         "地区容错纠错规则由研判意见和是否触碰红线测算的结果，只作核对，不一致的予以标记。",
         {"case_id": "案件编号", "region_code": "管辖地区代码", "prefecture_code": "市州代码",
          "determined_on": "认定日期", "dimensions": "研判意见", "favourable": "有利维度数",
          "unfavourable": "不利维度数", "unclear": "存疑维度数", "unjudged": "未研判维度数",
          "red_line": "触碰红线", "rule_decision": "规则测算结果", "recorded_decision": "认定结论",
          "consistent": "认定与测算一致", "appeal_decision": "申诉决定", "decision": "认定结果",
          "consequences": "处理后果", "explanation_id": "认定说明", "determined_by": "认定机关",
          "document_no": "文号", "suggestion": "测算建议（尚无认定结论）",
          "check_explanation_id": "测算说明", "original_document_no": "原文号",
          "decision_correction": "更正情况"},
         units={"favourable": "个", "unfavourable": "个", "unclear": "个", "unjudged": "个"},
         notes={"red_line": "红线目录中的条目（代码 条目）；触碰红线的按规则测算一律不予容错",
                "decision": "以受理主体的认定结论为准，不由规则测算改变",
                "rule_decision": "cadre-sdk 按规则测算的结果，只作核对",
                "consistent": "0 表示认定结论与规则测算结果不一致，列入监督复核；空表示无法比对",
                "suggestion": "尚无认定结论时的规则测算结果，仅供参考，不是认定结论",
                "determined_by": "现行认定结论（或申诉决定）的作出机关：经更正承办机关的，为更正后承办机关；"
                                 "认定结论经更正的，为作出更正决定的机关（更正事件的承办机关，未填写的为原机关）",
                "document_no": "现行认定结论（或申诉决定）的文号：认定结论经更正（更正）的，为更正决定的文号",
                "original_document_no": "认定结论经更正的，被更正的原认定（或申诉决定）的文号；未更正的为空",
                "decision_correction": "认定结论经更正的，更正事件的序号及原认定结论；未更正的为空"})

describe("decision_dimension", "容错认定结果按研判维度统计",
         "各研判维度的研判结论与案件认定结果的对应：每个维度、结论和认定结果的案件数（测算时统计）。",
         {"dimension": "研判维度", "finding": "研判结论", "decision": "认定结果", "cases": "案件数"},
         units={"cases": "件"})

describe("adjustment_situation", "调整情形目录",
         "各地区适用的不适宜担任现职情形和问责情形（省级默认目录加市州、县的补充），及其依据。",
         {"jurisdiction": "管辖地区代码", "code": "情形代码", "title": "情形", "category": "类别",
          "source": "依据", "actions": "可用调整方式", "plugin": "插件"})

describe("adjustment_status", "干部调整情况",
         "每项干部调整的情形、触发来源、调整方式、状态、所属半年度，以及据以调整的容错案件的认定结果。",
         {"adjustment_id": "调整编号", "cadre_id": "干部编号", "date": "调整时间",
          "half": "半年度", "region_code": "地区代码", "prefecture_code": "市州代码",
          "situation": "情形代码", "situation_title": "情形", "situation_category": "情形类别",
          "situation_source": "情形依据", "situation_jurisdiction": "情形所属地区",
          "trigger": "触发来源", "action": "调整方式", "status": "状态",
          "case_id": "关联容错案件", "case_decision": "关联案件认定结果",
          "tolerated_basis": "依据已容错", "explanation_id": "计算说明"},
         notes={"tolerated_basis": "1 表示据以调整的失误已认定容错，不应作为不利依据，需复核"})

describe("adjustment_inventory", "能上能下半年盘点",
         "每半年按地区、情形、调整方式和状态统计的干部调整人数（每半年盘点报告制度）。",
         {"half": "半年度", "prefecture_code": "市州代码", "region_code": "地区代码",
          "situation": "情形代码", "situation_title": "情形", "action": "调整方式",
          "status": "状态", "adjustments": "人数"},
         units={"adjustments": "人"})

describe("adjustment_link", "调整的相关依据",
         "与每项干部调整有关的容错认定和年度考核结果；已认定容错的失误不计入不利依据。",
         {"adjustment_id": "调整编号", "link_kind": "依据类别", "ref_id": "案件或考核编号",
          "ref_date": "认定日期或考核年度", "result": "认定结果或考核等次",
          "counts_against": "计入不利依据", "explicit": "调整所据", "note": "说明"})
