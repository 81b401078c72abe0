"""The public dashboard's charts as a reader sees them in headless Chromium: a count hidden as
"少于 N 人，不公开" is left out of a chart without taking the shown counts beside it along (a
stacked bar of Vega-Lite drew nothing above a text cell)."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_publish_support import cadre_serve

from cadre_sdk.publish.metadata import PLUGIN_KEY, sidecar
from cadre_sdk.publish.thresholds import suppressed_text
from cadre_sdk.store.database import sha256_file

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Each bar's label and its drawn height, from the chart's SVG.
_BARS = """(chart) => Array.from(document.querySelectorAll(`#chart-${chart} svg .mark-rect path`))
  .map(p => [p.getAttribute("aria-label") || "", p.getBBox().height])"""
#: 玉树's 2024 grades as a larger publication has them: a hidden 称职 between shown counts.
_GRADES = {"优秀": 12, "称职": suppressed_text(5), "基本称职": 7, "不称职": 0}


@pytest.fixture(scope="module")
def stacked_url(public_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample's public file with 玉树's 2024 grades set to ``_GRADES`` (the sample has too
    few cadres to show any), its recorded SHA-256 updated, served by ``cadre serve``."""
    out = tmp_path_factory.mktemp("stacked") / "public.db"
    shutil.copy(public_db, out)
    conn = sqlite3.connect(out)
    where = ("year = 2024 AND region_level = '市州' AND region_code = '632700' "
             "AND subject = '个人' AND unit_kind = '全部'")
    template = conn.execute(f"SELECT rowid FROM grade_distribution WHERE {where}").fetchone()[0]
    conn.execute(f"DELETE FROM grade_distribution WHERE {where} AND rowid <> ?", [template])
    for grade, n in _GRADES.items():
        conn.execute("INSERT INTO grade_distribution SELECT * FROM grade_distribution "
                     "WHERE rowid = ?", [template])
        conn.execute("UPDATE grade_distribution SET grade = ?, cadres = ? "
                     "WHERE rowid = last_insert_rowid()", [grade, n])
    conn.execute("DELETE FROM grade_distribution WHERE rowid = ?", [template])
    conn.commit()
    conn.close()
    meta = json.loads(sidecar(public_db).read_text(encoding="utf-8"))
    meta["plugins"][PLUGIN_KEY]["sha256"] = sha256_file(out)
    sidecar(out).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with cadre_serve(out) as url:
        yield url


def test_every_shown_count_of_a_stacked_chart_is_drawn_beside_hidden_ones(
        stacked_url: str, page: Any) -> None:
    page.goto(f"{stacked_url}/-/dashboards/cadre-overview?year=2024")
    page.wait_for_selector("#chart-grades-by-region svg .mark-rect path", state="attached")
    drawn = set()
    for label, height in page.evaluate(_BARS, "grades-by-region"):
        found = dict(re.findall(r"(\S+?): ([^;]+)", label))
        if height > 0:
            drawn.add((found["地区"], found["等次"], found["人数"]))
    # 优秀 12 and 基本称职 7 are drawn; the hidden 称职 and the 0 are not bars
    assert drawn == {("玉树藏族自治州", "优秀", "12"), ("玉树藏族自治州", "基本称职", "7")}
