"""The reader-facing text that explains the public level's privacy model (home page and
database page), kept here rather than in templates: what is a quasi-identifier, what k is,
what is generalized, what is hidden and masked. ``docs/public-privacy.md`` is the developer's
version of the same model."""
from __future__ import annotations

import html
from collections.abc import Mapping

from cadre_sdk.publish.generalize import TABLE as GENERALIZED


def public_model_html(thresholds: Mapping[str, int]) -> str:
    """The home page's paragraphs on the public level's privacy model, for the thresholds the
    file was built with (``min_raters``, ``min_count``, ``min_average_group``,
    ``k_anonymity``)."""
    t = {k: html.escape(str(v)) for k, v in thresholds.items()}
    return (
        "<h2>公开版如何保护个人信息</h2>"
        "<p><strong>公开版不含逐人记录。</strong>干部名册、任职经历、考核结果、日常考察、实绩、表彰、培训、"
        "关爱和补贴台账等“一人一行”的表只在监督版（须登录）中提供；公开版以汇总表回答监督问题："
        "考核等次分布、能上能下调整、容错纠错认定、补贴和培训情况，按地区、单位类别和年度统计。"
        "容错纠错案件、干部调整和配备规则核查结果也只公开汇总数（按地区、办理阶段、认定结果、研判维度、"
        "认定机关、调整情形和半年度统计），不公开逐案、逐人的记录，知道某人的单位和申请日期也查不到其案件；"
        "逐件记录只在监督版中提供。</p>"
        f"<p><strong>小群体不公开。</strong>一个人数少于 {t['min_count']} 人的单元格，"
        f"以及背后干部少于 {t['min_average_group']} 人的平均数、比例和金额，显示为"
        f"“少于 {t['min_count']} 人，不公开”；同一合计中只隐藏一格时，再隐藏另一格，"
        "使合计减去其余各格也推算不出被隐藏的数。民主测评等票数只在参评人数不少于 "
        f"{t['min_raters']} 人时公开。图表和检索同样如此。</p>"
        f"<p><strong>概化记录（“干部队伍结构（概化）”表 <code>{GENERALIZED}</code>）。</strong>"
        "准标识符是他人可能已经知道的个人特征：单位、职务、出生年月、性别、民族、乡镇工作年限。"
        "表中每名干部一行，单位只到县（市、区）和单位类别，职务只到层级，出生年月只到 5 年一段，"
        "乡镇工作年限只分档；仍不足时再逐级合并（到市州、10 年一段、汉族/少数民族……），"
        f"直到每种组合至少由 {t['k_anonymity']} 名干部共有；合并到最后仍不足的不列入。</p>"
        "<p><strong>屏蔽。</strong>所有文字（含说明和检索索引）在统一写法后（全角转半角、去掉数字间的空格、"
        "连字符和点、汉字间的空格）检查身份证号（校验位对否均算）、电话号码、干部姓名和干部编号，"
        "发现即以“［……已隐去］”代替；文件发布前还要整体扫描一遍，发现问题则不发布。"
        "各门槛的取值和依据见“发布信息”表。</p>")
