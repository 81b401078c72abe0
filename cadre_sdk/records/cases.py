"""Fault-tolerance cases (容错纠错): the case, its events and its findings on each dimension."""
from __future__ import annotations

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, judged_by, record


@record("case", "容错纠错案件")
class Case:
    """A request to tolerate a cadre's mistake. Its state is derived from its events."""

    id: str = column("案件编号", "code", key=True, aliases=("编号",))
    cadre_id: str = column("干部编号", "code", ref="cadre")
    region_code: str = column("管辖地区", "code", ref="region", aliases=("地区代码",))
    kind: str = column("案件类别", aliases=("类别", "事项类别"),
                       description="如 改革创新、项目建设、安全生产、生态保护、其他")
    summary: str = column("事由", max_length=5000, aliases=("简要案情", "主要问题"))
    occurred: str | None = column("发生时间", "date_or_month", required=False)


#: The events that carry a decision (认定结论): the body's determination and the appeal decision.
DECIDING_EVENTS = ("认定", "申诉决定")


def _decision_elsewhere(event: str | None, decision: str | None) -> bool:
    return decision is not None and event is not None and event not in DECIDING_EVENTS


@judged_by(_decision_elsewhere, "event", "decision")
def _decision_on_a_deciding_event(rec: "CaseEvent") -> None:
    # Events are append-only and a decision on another event is never read: it would be lost.
    if _decision_elsewhere(rec.event, rec.decision):
        fix = ("；要更正所更正事件的认定结论，请填在“更正后认定结论”列" if rec.event == vocab.CORRECTION
               else "")
        raise ValueError(f"认定结论“{rec.decision}”只能填在“认定”或“申诉决定”事件上，"
                         f"不能填在“{rec.event}”事件上（否则不会作为认定结果）{fix}")


#: A correction corrects an event of its own case: the case an event belongs to is not a value
#: to correct (an event recorded under the wrong case is withdrawn from it by its body and
#: recorded under the right one).
_NO_CASE_CORRECTION = "案件编号不能更正：“更正”事件只能更正本案件中的事件的事件、日期、承办机关、认定结论或文号。" \
    "事件登记错了案件的，请在备注中说明，并在正确的案件下重新登记该事件"


@record("case_event", "案件事件", key=("case_id", "seq"), append_only=True,
        checks=(_decision_on_a_deciding_event,),
        refused_headers={h: _NO_CASE_CORRECTION for h in (
            "更正后案件编号", "正确案件编号", "应为案件编号", "更正后编号")},
        amend_hint="原事件须保留在案。如需更正，请另起一行追加一条“更正”事件："
                   "“更正序号”填所更正事件的序号，在“更正后日期”“更正后事件”等列填写正确的值，"
                   "并在“备注”中写明理由")
class CaseEvent:
    """One step of a case's procedure. Events are append-only; ``seq`` orders them."""

    case_id: str = column("案件编号", "code", ref="case")
    seq: int = column("序号", "int", minimum=1)
    event: str = column("事件", choices=vocab.CASE_RECORD_EVENT,
                        synonyms=vocab.CASE_RECORD_EVENT_SYNONYMS, aliases=("环节", "办理环节"),
                        description="办理环节；登记有误的事件以“更正”事件更正")
    date: str = column("日期", "date", aliases=("办理日期",))
    body: str | None = column("承办机关", required=False, aliases=("受理主体", "办理单位"))
    decision: str | None = column("认定结论", required=False, choices=vocab.TOLERANCE_DECISION,
                                  aliases=("结论",),
                                  description="只填在“认定”或“申诉决定”事件上")
    red_line: str | None = column("触碰红线", required=False, max_length=500,
                                  description="红线目录中的代码或条目原文；空或“无”“未触碰红线”等表示未触碰")
    note: str | None = column("备注", required=False, max_length=5000,
                              aliases=("更正理由", "更正原因"),
                              description="“更正”事件须在此写明更正理由")
    document_no: str | None = column("文号", required=False, max_length=200,
                                     aliases=("认定文号", "决定文号"),
                                     description="认定或申诉决定的文件编号；“更正”事件更正认定结论的，"
                                                 "为更正决定的文号")
    # A correction (更正, ``engines.cases.corrections``): the seq it corrects and the values it
    # puts in place of the recorded ones; every other event leaves these empty.
    corrects: int | None = column("更正序号", "int", required=False, minimum=1,
                                  aliases=("被更正序号", "被更正事件序号", "所更正序号", "原事件序号"),
                                  description="“更正”事件所更正的事件的序号（本案件中在它之前登记的事件）")
    corrected_event: str | None = column("更正后事件", required=False, choices=vocab.CASE_EVENT,
                                         synonyms=vocab.CASE_EVENT_SYNONYMS,
                                         aliases=("正确事件", "应为事件", "更正后环节"),
                                         description="只填在“更正”事件上：被更正事件应为的环节")
    corrected_date: str | None = column("更正后日期", "date", required=False,
                                        aliases=("正确日期", "应为日期"),
                                        description="只填在“更正”事件上：被更正事件应为的日期")
    corrected_body: str | None = column("更正后承办机关", required=False,
                                        aliases=("正确承办机关", "更正后受理主体", "更正后办理单位"),
                                        description="只填在“更正”事件上：被更正事件应为的承办机关")
    corrected_decision: str | None = column("更正后认定结论", required=False,
                                            choices=vocab.TOLERANCE_DECISION,
                                            aliases=("正确认定结论", "更正后结论"),
                                            description="只填在“更正”事件上：被更正的认定或申诉决定"
                                                        "应为的结论（须填更正决定的文号）")
    corrected_red_line: str | None = column("更正后触碰红线", required=False, max_length=500,
                                            aliases=("正确触碰红线",),
                                            description="只填在“更正”事件上：被更正事件应为的触碰红线"
                                                        "（目录中的代码或条目原文；未触碰的填“无”）")
    corrected_document_no: str | None = column("更正后文号", required=False, max_length=200,
                                               aliases=("正确文号", "更正后认定文号"),
                                               description="只填在“更正”事件上：被更正事件应为的文号")


@record("case_finding", "研判意见", key=("case_id", "dimension"))
class CaseFinding:
    """The finding on one dimension of the 7-dimension analysis (7个研判) or a local extra one."""

    case_id: str = column("案件编号", "code", ref="case")
    dimension: str = column("研判维度", aliases=("维度",))
    finding: str = column("研判结论", choices=vocab.FINDING, synonyms=vocab.FINDING_SYNONYMS,
                          aliases=("结论",))
    rationale: str | None = column("理由", required=False, max_length=5000, aliases=("依据",))
