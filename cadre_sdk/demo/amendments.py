"""What the demo's clerks add after the first load, to show how data is amended without
changing anything loaded: a correction (更正) of a wrongly recorded case event, loaded as a
small file of its own (``cadre load DB 案件事件 FILE``), and next year's rates as a stored
parameter file (``cadre parameters add DB FILE``, docs/parameters.md), every value an example.

Both are made from the loaded store, after the generated files: the generated files, their
random draws and the figures drawn from them are unchanged. The rates take effect on
1 January of the year after the data's last year, the year of the demo's evaluation date
(31 January of that year), so they are "next year's" whatever day the demo runs, and no
ledger month of the data uses them: they show in the publication's 参数取值 (插件 录入文件 …),
in ``cadre rules show --db`` and in ``cadre parameters list``.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
import attrs
import sqlite_utils

from cadre_sdk.engines.registry import AFTER_LOAD
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.store.parameter_files import shadowing
from cadre_sdk.store.stored_parameters import Added, add_parameter_file

#: The correction file's name (in the demo's files folder) and its header, as a clerk types it.
CORRECTION_FILE = "案件事件更正（演示示例）.csv"
CORRECTION_HEADER = ("案件编号", "序号", "事件", "日期", "承办机关", "更正序号", "更正后日期", "备注")
CORRECTION_REASON = "受理日期登记有误，按受理通知书更正（演示示例）"
#: The provincial 地区附加津贴 by hardship class from next year: made up (status example).
NEXT_YEAR_RATES = {1: 70, 2: 110, 3: 180, 4: 270, 5: 430, 6: 700}


@attrs.frozen
class Correction:
    """The demo's correction: a case's 受理 recorded a day late, corrected on the day of the
    case's last event."""

    case_id: str
    seq: int             # the correction's own seq (after the case's last event)
    corrects: int        # the 受理 event's seq
    recorded: str        # the date as recorded
    corrected: str       # the date it should have read
    date: str            # the day of the correction
    body: str
    cadre_id: str        # the case's cadre (the cadre profile shows the correction)


def _previous_workday(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def pick_correction(db: sqlite_utils.Database) -> Correction | None:
    """The first closed case (last event 备案), else the first case, whose 受理 can move to the
    previous working day and still follow the event before it; None if no case can."""
    cases = db.execute("""
        SELECT a.case_id, a.seq, a.date, a.body, p.date AS before, k.cadre_id,
               (SELECT max(seq) FROM case_event x WHERE x.case_id = a.case_id) AS last_seq,
               (SELECT max(date) FROM case_event x WHERE x.case_id = a.case_id) AS last_date,
               (SELECT event FROM case_event x WHERE x.case_id = a.case_id
                ORDER BY seq DESC LIMIT 1) AS last_event
        FROM case_event a JOIN case_event p ON p.case_id = a.case_id AND p.seq = a.seq - 1
        JOIN [case] k ON k.id = a.case_id
        WHERE a.event = '受理' AND a.corrects IS NULL
          AND NOT EXISTS (SELECT 1 FROM case_event c WHERE c.case_id = a.case_id
                          AND c.event = '更正')
        ORDER BY last_event <> '备案', a.case_id""").fetchall()
    for case_id, seq, date, body, before, cadre_id, last_seq, last_date, _ in cases:
        corrected = _previous_workday(dt.date.fromisoformat(date))
        if corrected.isoformat() > before:
            return Correction(case_id, last_seq + 1, seq, date, corrected.isoformat(),
                              last_date, body or "", cadre_id)
    return None


def load_correction(db: sqlite_utils.Database, folder: Path, correction: Correction,
                    plugins: CadrePlugins) -> Path:
    """Write the correction as a clerk's CSV in ``folder`` and load it as ``cadre load`` does."""
    path = folder / CORRECTION_FILE
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CORRECTION_HEADER)
        writer.writerow((correction.case_id, correction.seq, "更正", correction.date,
                         correction.body, correction.corrects, correction.corrected,
                         CORRECTION_REASON))
    load_files(db, "case_event", [path], plugins=plugins, after_load=AFTER_LOAD)
    return path


def rates_file_name(year: int) -> str:
    return f"{year}年地区附加津贴标准（演示示例）.yaml"


def rates_text(year: int) -> str:
    """Next year's provincial 地区附加津贴 (``NEXT_YEAR_RATES``) as a parameter file, from
    ``year``-01-01, labelled an example throughout."""
    reference = f"cadre demo 生成的演示示例（{year} 年标准调整），非官方标准"
    classes = "".join(
        f"  class_{c}:\n    description: {'一二三四五六'[c - 1]}类地区月额\n    unit: yuan\n"
        f"    values:\n"
        f"      {year}-01-01: {{value: {v}, reference: \"{reference}\", status: example}}\n"
        for c, v in NEXT_YEAR_RATES.items())
    return (f"description: 青海省 {year} 年地区附加津贴标准（演示示例，非官方数据）\n"
            "metadata:\n  rule: 地区附加津贴\n  jurisdiction: 青海省\n"
            "  note: cadre demo 生成的示例文件，演示如何用 cadre parameters add 录入新一年的标准；"
            "金额为虚构\n"
            f"regional_allowance:\n{classes}")


def add_rates(db: sqlite_utils.Database, folder: Path, year: int, plugins: CadrePlugins
              ) -> tuple[Added, list[str]]:
    """Write next year's rates file in ``folder`` and add it to the store as ``cadre
    parameters add`` does; with the places whose own plugin keeps its values."""
    path = folder / rates_file_name(year)
    path.write_text(rates_text(year), encoding="utf-8")
    added = add_parameter_file(db, path, plugins)
    return added, shadowing(added.file, plugins.book)


def describe_correction(c: Correction) -> str:
    """The Chinese line the demo prints for the correction."""
    return (f"案件 {c.case_id} 序号 {c.seq}（{c.date}）更正序号 {c.corrects}（受理）的日期："
            f"{c.recorded} → {c.corrected}")



def where_shown(correction: Correction | None, rates: str) -> str:
    """The Chinese line telling the demo's user where to read both amendments."""
    fixed = (f"案件事件的更正见监督版查询“容错案件事件及更正”（案件编号 {correction.case_id}）和"
             f"“干部档案”（干部编号 {correction.cadre_id}）；") if correction else ""
    return (f"演示示例：{fixed}录入的参数文件见公开版和监督版的“参数取值”表（插件：录入文件 "
            f"{rates}）")
