"""The small store the publication tests share, loaded through the real loader, and the
session fixtures (in conftest.py) publish it at both levels; test modules import the helpers.

Names and terms are those of the seed document (尕布龙, 廉福章, 玉树, 脱贫, 生态); one cadre's
name is an HTML script tag, one observation was typed in Traditional characters and carries an
ID number in its text. Free text that stays public (a case's 事由, an event's 备注, an
adjustment's 备注) carries names and ID numbers as clerks type them (``TYPED``): ID numbers in
groups, hyphenated, in full-width digits; names with a space inside; a phone number.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.publish import publish
from cadre_sdk.testing import evaluate_all, load_rows, make_db, make_plugins

SCRIPT_NAME = '<script>alert("x")</script>'
#: The day the tests' publications speak for (``publish(as_of=...)``): fixed, so that
#: no test depends on the day it runs.
PUBLISH_DAY = dt.date(2026, 12, 1)

ID_NUMBERS = {
    "C001": make_id_number("632701", dt.date(1960, 1, 1), 12, True),
    "C002": make_id_number("632701", dt.date(1972, 5, 3), 40, True),
    "C003": make_id_number("630102", dt.date(1980, 7, 9), 7, True),
    "C004": make_id_number("630102", dt.date(1985, 11, 20), 3, False),
}
#: An ID number typed into free text (an observation): it must be masked too.
STRAY_ID = make_id_number("632801", dt.date(1990, 2, 2), 5, False)
NAMES = {"C001": "尕布龙", "C002": "廉福章", "C003": SCRIPT_NAME, "C004": "王芳"}
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
#: Names and ID numbers typed into public free text (each must be masked): table -> text.
TYPED = {
    "case": "王芳在推进改革试点中因经验不足造成损失，申请容错（申请人 王 芳，身份证号 "
            f"{ID_NUMBERS['C004'][:6]} {ID_NUMBERS['C004'][6:14]} {ID_NUMBERS['C004'][14:]}）",
    "case_event": f"经办人核对：廉 福章转来材料，身份证号 {ID_NUMBERS['C002'][:6]}-"
                  f"{ID_NUMBERS['C002'][6:14]}-{ID_NUMBERS['C002'][14:]}，电话 139 0971 2345",
    "adjustment": f"本人身份证号 {ID_NUMBERS['C003'].translate(_FULL_WIDTH)}，尕 布 龙同志谈话",
}

_SCORES = {"de": 92, "neng": 90, "qin": 94, "ji": 95, "lian": 93, "luoshi": 91}

SAMPLE: list[tuple[str, list[dict[str, Any]]]] = [
    ("region", [{"code": "632701100", "name": "结古街道", "level": "乡镇", "parent_code": "632701",
                 "altitude_m": 3700, "hardship_class": 4}]),
    ("unit", [
        {"code": "U001", "name": "玉树州农牧局", "kind": "部门", "level": "市州",
         "region_code": "632700", "sector": "农牧"},
        {"code": "U002", "name": "城东区人民政府", "kind": "地方", "level": "县",
         "region_code": "630102"},
        {"code": "U003", "name": "结古街道办事处", "kind": "乡镇", "level": "乡镇",
         "region_code": "632701100"},
    ]),
    ("cadre", [
        {"id": "C001", "name": NAMES["C001"], "gender": "男", "birth": "1960.01",
         "unit_code": "U001", "post": "局长", "rank": "一级调研员", "level": "县处级",
         "id_number": ID_NUMBERS["C001"], "is_leader": "是", "is_principal": "是"},
        {"id": "C002", "name": NAMES["C002"], "gender": "男", "birth": "1972.05",
         "unit_code": "U003", "post": "党工委书记", "level": "乡科级",
         "id_number": ID_NUMBERS["C002"], "is_leader": "是", "is_principal": "是"},
        {"id": "C003", "name": NAMES["C003"], "gender": "男", "birth": "1980.07",
         "unit_code": "U002", "post": "副区长", "level": "县处级",
         "id_number": ID_NUMBERS["C003"], "is_leader": "是", "is_principal": "否"},
        {"id": "C004", "name": NAMES["C004"], "gender": "女", "birth": "1985.11",
         "unit_code": "U002", "post": "办公室主任", "level": "乡科级",
         "id_number": ID_NUMBERS["C004"], "is_leader": "否", "is_principal": "否"},
    ]),
    ("posting", [
        {"id": "P001", "cadre_id": "C002", "start": "2015-03", "region_code": "632701100",
         "unit_code": "U003", "post": "街道党工委书记", "kind": "任职", "township": "是",
         "leadership": "是"},
        {"id": "P002", "cadre_id": "C001", "start": "2010-01", "end": "2014-12",
         "region_code": "632701", "post": "玉树市副市长", "kind": "任职"},
    ]),
    ("observation", [
        {"id": "O001", "cadre_id": "C001", "date": "2024-03-01", "source": "工作调研",
         "content": "尕布龙同志深入玉树牧区调研生态保护工作，群众评价好。", "polarity": "正面"},
        {"id": "O002", "cadre_id": "C004", "date": "2024-04-02", "source": "专项了解",
         "content": f"王芳同志關心幹部成長，推動改革。（误录身份证号 {STRAY_ID}）",
         "polarity": "正面"},
    ]),
    ("achievement", [
        {"id": "A001", "cadre_id": "C002", "date": "2023-05-01", "category": "脱贫攻坚",
         "description": "带领结古街道群众完成脱贫攻坚任务", "recognized_by": "玉树州委"},
        {"id": "A002", "cadre_id": "C001", "date": "2022-08-01", "category": "生态保护",
         "description": "三江源生态保护，廉福章同志协助"},
        {"id": "A003", "cadre_id": "C002", "date": "2020-04-14", "category": "重大危机自然灾害",
         "description": "玉树抗震救灾中组织群众转移安置"},
    ]),
    ("commendation", [
        {"id": "M001", "cadre_id": "C002", "date": "2021-06-30", "kind": "表彰",
         "title": "全省优秀党务工作者", "level": "省"},
    ]),
    ("assessment", [
        {"id": "AS1", "subject": "个人", "cadre_id": "C001", "unit_code": "U001", "year": 2024,
         "period": "年度"},
        {"id": "AS2", "subject": "个人", "cadre_id": "C004", "unit_code": "U002", "year": 2024,
         "period": "年度"},
        {"id": "AS3", "subject": "个人", "cadre_id": "C002", "unit_code": "U003", "year": 2024,
         "period": "年度"},
    ]),
    ("indicator_score", [{"assessment_id": a, "indicator": code, "score": score - i}
                         for i, a in enumerate(("AS1", "AS2", "AS3"))
                         for code, score in _SCORES.items()]),
    ("evaluation", [
        {"assessment_id": "AS1", "method": "民主测评", "excellent": 8, "competent": 3, "basic": 1,
         "incompetent": 0, "participants": 12},
        {"assessment_id": "AS2", "method": "民主测评", "excellent": 2, "competent": 2, "basic": 1,
         "incompetent": 0, "participants": 5},
    ]),
    ("case", [
        {"id": "K001", "cadre_id": "C004", "region_code": "630102", "kind": "改革创新",
         "summary": TYPED["case"], "occurred": "2024-01"},
    ]),
    ("case_event", [
        {"case_id": "K001", "seq": 1, "event": "申请", "date": "2024-02-01"},
        {"case_id": "K001", "seq": 2, "event": "受理", "date": "2024-02-05", "body": "城东区纪委监委",
         "note": TYPED["case_event"]},
    ]),
    ("adjustment", [
        {"id": "J001", "cadre_id": "C003", "date": "2024-03-15", "situation": "BSY-03",
         "trigger": "巡视巡察", "action": "调离岗位", "status": "拟调整",
         "note": TYPED["adjustment"]},
    ]),
    ("attendance", [
        {"cadre_id": "C002", "township_code": "632701100", "month": m, "days": 22}
        for m in ("2024-01", "2024-02")
    ]),
    ("training", [
        {"id": "T001", "cadre_id": "C001", "year": 2024, "start": "2024-05-06", "end": "2024-05-10",
         "topic": "生态文明", "hours": 40, "program": "三江源生态保护专题培训班"},
        {"id": "T002", "cadre_id": "C002", "year": 2024, "start": "2024-06-03", "end": "2024-06-07",
         "topic": "脱贫攻坚", "hours": 32, "program": "乡村振兴与脱贫攻坚成果巩固"},
    ]),
]


#: The sample store's evaluation date.
AS_OF = "2024-12-31"


def load_sample(db: Any, load: Callable[[Any, str, list[dict[str, Any]]], Any]) -> None:
    """Load ``SAMPLE`` into ``db`` with ``load(db, kind, rows)`` (the real loader); every row
    of a kind gets every column (a clerk's sheet has one header)."""
    for kind, rows in SAMPLE:
        header = list(dict.fromkeys(k for row in rows for k in row))
        load(db, kind, [{k: row.get(k) for k in header} for row in rows])


def build_store(folder: Path) -> Path:
    """A store holding the sample, evaluated by every engine this SDK has."""
    path = folder / "cadre.db"
    db = make_db(path)
    plugins = make_plugins()
    load_sample(db, lambda d, kind, rows: load_rows(d, kind, rows, plugins=plugins, tmp=folder))
    # A fixed evaluation date: the open case's overdue days are counted up to it, so the
    # publication tests give the same tables whatever day (or clock) they run on.
    evaluate_all(db, plugins, as_of=AS_OF)
    db.conn.close()
    return path


def _published(tmp_path_factory: pytest.TempPathFactory, store: Path, level: str) -> Path:
    out = tmp_path_factory.mktemp(level) / f"{level}.db"
    publish(store, out, level=level, plugins=make_plugins(), as_of=PUBLISH_DAY)
    return out


PASSWORD = "s3cret-监督"


def test_sample_loads_through_the_real_loader(cadre_db: Any, cadre_load: Any) -> None:
    """Every sample kind loads with the ``cadre_db``/``cadre_load`` fixtures, ID numbers and
    Traditional text included (converted to Simplified on the way in)."""
    load_sample(cadre_db, cadre_load)
    assert cadre_db["cadre"].count == 4
    content = cadre_db.execute("SELECT content FROM observation WHERE id = 'O002'").fetchone()[0]
    assert "关心干部成长" in content
    assert cadre_db.execute("SELECT id_number FROM cadre WHERE id = 'C001'").fetchone()[0] \
        == ID_NUMBERS["C001"]


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS's choice: free at this moment only)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the socket listening on 127.0.0.1:``port`` (Linux: its
    descriptors in /proc/PID/fd against the listening sockets in /proc/net/tcp). Another
    process (another pytest-xdist worker, another checkout's suite) may have taken the port
    between ``free_port`` and the server's bind: then it is that process that answers."""
    fds = Path(f"/proc/{pid}/fd")
    held = set()
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            held.add(os.readlink(fd))
    local = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[3] == "0A" and f"socket:[{fields[9]}]" in held:
            return True
    return False


@contextlib.contextmanager
def cadre_serve(out: Path, *options: str, timeout: float = 60.0,
                process: list[subprocess.Popen] | None = None) -> Iterator[str]:
    """Run the real ``cadre serve OUT [OPTIONS]`` in a subprocess on a free port; yield its
    base URL once it answers, and always stop it. ``process`` gets the process appended.

    The port is free when chosen but not reserved: when another process takes it before the
    server binds it (tests run in parallel), the server cannot listen, and it starts again on
    another port; the URL is yielded only once the answering server is this one."""
    import httpx

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
    deadline = time.monotonic() + timeout
    for attempt in range(5):
        port = free_port()
        # The server's output goes to a file, not a pipe nobody reads (a full pipe would block it).
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cadre_sdk.cli.app import main; main()", "serve",
             str(out), "--host", "127.0.0.1", "--port", str(port), *options],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        if process is not None:
            process.append(proc)
        url = f"http://127.0.0.1:{port}"
        try:
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    output = log.read().decode()
                    if "address already in use" in output.lower():
                        break                      # the port was taken: another one
                    raise AssertionError(f"cadre serve exited: {output}")
                try:
                    httpx.get(url + "/-/versions.json", timeout=1.0)
                    answered = True
                except httpx.TransportError:
                    answered = False
                if answered and listens(proc.pid, port):
                    yield url
                    return
                if time.monotonic() > deadline:
                    raise AssertionError("cadre serve did not answer in time")
                time.sleep(0.1)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
    raise AssertionError("cadre serve found no free port in 5 attempts")
