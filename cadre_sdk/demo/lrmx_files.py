"""任免审批表 (.lrmx) files for the demo's first cadres, written the way the 任免审批表 software
and cadre information systems write them: UTF-8 (version 3.x) or declared GB2312 with GBK bytes
(older exports), CRLF or LF, birth months as ``197506`` or ``1975.06``, the résumé as dated
lines with wrapped continuation lines indented 18 spaces, a study spell first, recorded grades
of the years before the data's first year as one sentence, family members and a photo.

The same people are in the CSV rosters and career history: a test loads these files into a
fresh store and compares them with those files. Randomness comes from a stream of its own per
person, so writing these files changes nothing else in the dataset.
"""
from __future__ import annotations

import base64
import datetime as dt
import random
from pathlib import Path
from xml.sax.saxutils import escape

FOLDER = "任免审批表"
#: How many cadres get a file (the first ones generated).
PEOPLE = 24
_WRAP = 24  # characters of résumé text per line before the form wraps it
_INDENT = " " * 18
_SCHOOLS = ("青海大学", "青海师范大学", "青海民族大学", "西北民族大学", "兰州大学")
_MAJORS = ("汉语言文学", "农业经济管理", "畜牧兽医", "行政管理", "法学", "水利水电工程")
_RELATIONS = (("妻子", "丈夫"), ("儿子", "女儿"), ("父亲",), ("母亲",))


def _month(d: dt.date, style: str) -> str:
    return f"{d.year}{d.month:02d}" if style == "compact" else f"{d.year}.{d.month:02d}"


def _spell(start: dt.date, end: dt.date | None) -> str:
    left = f"{start.year}.{start.month:02d}--"
    return left + (f"{end.year}.{end.month:02d}" if end else " " * 7)


def _lines(spell: str, text: str) -> list[str]:
    parts = [text[i:i + _WRAP] for i in range(0, len(text), _WRAP)] or [""]
    return [f"{spell}  {parts[0]}", *(_INDENT + p for p in parts[1:])]


def grades_sentence(grades: dict[int, str]) -> str:
    """"2019年度、2020年度考核为称职，2021年度考核为优秀。": consecutive years with one grade
    share a clause, as clerks write it."""
    if not grades:
        return "无"
    clauses: list[tuple[list[int], str]] = []
    for year, grade in sorted(grades.items()):
        if clauses and clauses[-1][1] == grade:
            clauses[-1][0].append(year)
        else:
            clauses.append(([year], grade))
    return "，".join("、".join(f"{y}年度" for y in ys) + f"考核为{g}" for ys, g in clauses) + "。"


class LrmxWriter:
    """Writes one file per cadre, for the first ``PEOPLE`` cadres the generator makes."""

    def __init__(self, out: Path, seed: int, first_year: int):
        self.folder = out / FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.seed, self.first_year = seed, first_year
        self.paths: list[Path] = []

    def wants(self, number: int) -> bool:
        return number <= PEOPLE

    def write(self, number: int, name: str, male: bool, birth: dt.date, ethnicity: str,
              id_number: str, current: str, segments: list, region_names: dict[str, str]
              ) -> Path:
        rng = random.Random(f"cadre-demo:{self.seed}:lrmx:{number}")
        legacy = number % 4 == 0  # an older export: declared GB2312, CRLF, "1975.06"
        style = "dotted" if legacy or number % 3 == 0 else "compact"
        first = segments[0].start
        school_start = dt.date(first.year - 4, 9, 1)
        lines = _lines(_spell(school_start, first),
                       f"{rng.choice(_SCHOOLS)}{rng.choice(_MAJORS)}专业学习")
        for seg in segments:
            where = seg.unit.name if seg.unit else region_names.get(seg.region or "", "")
            lines += _lines(_spell(seg.start, seg.end), f"{where}{seg.post}")
        grades = {}
        for year in range(self.first_year - 3, self.first_year):
            if year > first.year:
                grades[year] = "优秀" if rng.random() < 0.2 else "称职"
        rewards = "无"
        if rng.random() < 0.3:
            day = dt.date(self.first_year - 1, rng.randint(1, 12), rng.randint(1, 28))
            rewards = f"{day.year}年{day.month}月{day.day}日被评为全省优秀共产党员。"
        family = "".join(
            f"<Item><ChengWei>{rng.choice(r)}</ChengWei><XingMing>家属{i}</XingMing>"
            f"<ChuShengRiQi>{birth.year + rng.randint(-3, 30)}.0{rng.randint(1, 9)}</ChuShengRiQi>"
            "<ZhengZhiMianMao>群众</ZhengZhiMianMao><GongZuoDanWeiJiZhiWu>无</GongZuoDanWeiJiZhiWu>"
            "</Item>" for i, r in enumerate(_RELATIONS[: rng.randint(1, 4)], 1))
        photo = base64.b64encode(bytes(rng.randrange(256) for _ in range(48))).decode("ascii")
        fields = [
            ("XingMing", name), ("XingBie", "男" if male else "女"),
            ("ChuShengNianYue", _month(birth, style)), ("MinZu", ethnicity),
            ("JiGuan", "青海"), ("ChuShengDi", "青海"),
            ("CanJiaGongZuoShiJian", _month(first, style)), ("JianKangZhuangKuang", "健康"),
            ("QuanRiZhiJiaoYu_XueLi", "大学"), ("XianRenZhiWu", current),
            ("NiRenZhiWu", ""), ("NiMianZhiWu", ""),
            ("JianLi", "\n".join(lines)),
            ("JiangChengQingKuang", rewards),
            ("NianDuKaoHeJieGuo", grades_sentence(grades)),
            ("RenMianLiYou", "工作需要"),
        ]
        body = "".join(f"  <{tag}>{escape(text)}</{tag}>\n" if text else f"  <{tag}/>\n"
                       for tag, text in fields)
        tail = (f"  <JiaTingChengYuan>{family}</JiaTingChengYuan>\n"
                f"  <ChengBaoDanWei>中共青海省委组织部</ChengBaoDanWei>\n"
                f"  <ShenFenZheng>{id_number}</ShenFenZheng>\n"
                f"  <ZhaoPian>{photo}</ZhaoPian>\n"
                f"  <Version>{'2.0' if legacy else '3.2.1.6'}</Version>\n")
        encoding = "GB2312" if legacy else "UTF-8"
        text = f'<?xml version="1.0" encoding="{encoding}"?>\n<Person>\n{body}{tail}</Person>\n'
        if legacy:
            text = text.replace("\n", "\r\n")
        path = self.folder / f"{number:03d}{name}.lrmx"
        # GB2312 as declared, in practice GBK: rare name characters are GBK-only.
        path.write_bytes(text.encode("gb18030" if legacy else "utf-8"))
        self.paths.append(path)
        return path
