"""The demo generator: a synthetic Qinghai dataset written as the files clerks would have.

``generate(out_dir, cadres=3000, seed=1, years=(2022, 2023, 2024))`` writes CSV files with
Chinese headers (some GBK-encoded, some with a BOM, dates written ``1975.06``, ``1975年6月`` or
``1975-06``) and one .xlsx workbook (the cadres of 海西州), and returns the files by record
kind. Everything comes from ``random.Random`` seeded with ``seed`` (``draws.Draws``: the same
numbers, drawn faster): the same arguments give byte-identical files. Cadres are generated one at a time and written as they are made, so
memory stays flat whatever ``cadres`` is.

Proportions aimed at: about 15% of annual assessments score as 优秀 candidates, about 3%
基本称职 and 1% 不称职; about 1 cadre in 80 has a fault-tolerance case (every stage present);
township cadres report days at post every month, a few below the threshold and a few moving
township in the middle of a month.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.records.vocab import (
    ABILITY, ACHIEVEMENT_CATEGORY, ADJUSTMENT_ACTION, OBSERVATION_SOURCE, OBSERVATION_TAG,
    QUARTERS,
)
from cadre_sdk.demo import cases as case_mod
from cadre_sdk.demo import texts
from cadre_sdk.demo.draws import Draws
from cadre_sdk.demo.careers import Careers, Seg, add_months, months, unit_in
from cadre_sdk.demo.files import ClerkFile
from cadre_sdk.demo.lrmx_files import LrmxWriter
from cadre_sdk.demo.names import ETHNICITIES, person_name
from cadre_sdk.demo.world import Region, Unit, World

DEFAULT_YEARS = (2022, 2023, 2024)
#: Used when no indicator set is registered and no parameter file is found.
FALLBACK_INDICATORS = ("de", "neng", "qin", "ji", "lian", "luoshi")
#: Used (and not loaded) when no adjustment situation is registered.
PLACEHOLDER_SITUATIONS = tuple(f"S{i:02d}" for i in range(1, 11))

_KIND_KEYS = {"地方": "locality", "部门": "department", "企业": "enterprise",
              "事业单位": "institution", "乡镇": "township"}
_SUBJECT_KEYS = {"个人": "individual", "班子": "team"}

# (prefecture code, file name, header style, encoding, date style, yes/no style)
CADRE_FILES = (
    ("630100", "干部名册_西宁市.csv", "marked", "utf-8-sig", "dot", "是否"),
    ("630200", "干部名册_海东市.csv", "alias", "gbk", "cn", "是否"),
    ("632200", "干部名册_海北州.csv", "standard", "utf-8", "dot", "是否"),
    ("632300", "干部名册_黄南州.csv", "standard", "gbk", "cn", "是否"),
    ("632500", "干部名册_海南州.csv", "standard", "utf-8-sig", "dot", "是否"),
    ("632600", "干部名册_果洛州.csv", "standard", "utf-8", "iso", "是否"),
    ("632700", "干部名册_玉树州.csv", "standard", "gbk", "cn", "勾"),
    ("632800", "干部名册_海西州.xlsx", "standard", "xlsx", "dot", "是否"),
)
CADRE_HEADERS = {
    "standard": ("干部编号", "姓名", "性别", "出生年月", "民族", "工作单位", "职务", "职级", "干部层级",
                 "任现职时间", "身份证号", "班子成员", "主要负责人"),
    "alias": ("人员编号", "姓名", "性别", "出生日期", "民族", "单位代码", "现任职务", "现职级", "管理层级",
              "任职时间", "公民身份号码", "是否班子成员", "是否主要负责人"),
    "marked": ("*干部编号", "*姓名", "*性别", "*出生年月（格式：1975.06）", "民族",
               "*工作单位（单位代码）", "*职务", "职级", "干部层级", "任现职时间（格式：2019.03）",
               "身份证号", "班子成员", "主要负责人"),
}

# kind -> (file name, encoding, date style, header)
FILES = {
    "region": ("地区_海拔与艰苦类别.csv", "utf-8-sig", "iso",
               ("地区代码", "地区名称", "层级", "上级代码", "海拔", "艰苦边远类别", "特别艰苦")),
    "unit": ("单位名录.csv", "utf-8-sig", "iso",
             ("单位代码", "单位名称", "单位类别", "单位层级", "所在地区代码", "行业", "功能定位")),
    "posting": ("任职经历.csv", "gbk", "cn",
                ("履历编号", "干部编号", "起始时间", "终止时间", "任职单位", "任职地区", "职务", "经历类型",
                 "乡镇工作", "领导职务", "挂职类别", "交流类别")),
    "observation": ("日常考察记录.csv", "utf-8", "iso",
                    ("记录编号", "干部编号", "日期", "来源", "具体表现", "评价倾向", "问题标签")),
    "achievement": ("实绩记录.csv", "utf-8", "dot",
                    ("实绩编号", "干部编号", "认定日期", "实绩类别", "实绩内容", "认定单位")),
    "target_progress": ("重点目标进展.csv", "utf-8", "iso",
                        ("记录编号", "单位代码", "年度", "月份", "重点目标", "计划进度%", "实际进度%")),
    "case": ("容错纠错案件.csv", "utf-8", "iso",
             ("案件编号", "干部编号", "管辖地区", "案件类别", "事由", "发生时间")),
    "case_event": ("容错纠错办理过程.csv", "utf-8", "iso",
                   ("案件编号", "序号", "办理环节", "办理日期", "承办机关", "认定结论", "触碰红线", "备注")),
    "case_finding": ("容错纠错研判意见.csv", "utf-8", "iso",
                     ("案件编号", "研判维度", "研判结论", "理由")),
    "adjustment": ("干部调整.csv", "utf-8", "iso",
                   ("调整编号", "干部编号", "调整时间", "情形代码", "触发来源", "调整方式", "状态",
                    "关联容错案件", "备注")),
    "training": ("培训记录.csv", "utf-8-sig", "dot",
                 ("培训编号", "干部编号", "年度", "开始日期", "结束日期", "培训专题", "八个本领", "学时",
                  "培训项目")),
    "care_record": ("关心关爱记录.csv", "utf-8", "iso", ("记录编号", "干部编号", "日期", "关爱类别", "备注")),
    "attendance": ("乡镇在岗天数.csv", "gbk", "cn", ("干部编号", "乡镇代码", "年月", "实际在岗天数")),
    "commendation": ("表彰与典型.csv", "utf-8", "iso",
                     ("表彰编号", "干部编号", "表彰日期", "类别", "名称", "级别")),
}
ASSESSMENT_HEADER = ("考核编号", "考核对象", "干部编号", "单位代码", "年度", "考核周期", "平时考核等次")
SCORE_HEADER = ("考核编号", "指标代码", "得分")
EVALUATION_HEADER = ("考核编号", "测评方式", "优秀票", "称职票", "基本称职票", "不称职票", "参评人数")

#: Load order of the kinds (references first), as ``RECORD_TYPES`` declares them.
KIND_ORDER = ("region", "unit", "cadre", "posting", "observation", "achievement", "assessment",
              "indicator_score", "evaluation", "target_progress", "case", "case_event",
              "case_finding", "adjustment", "training", "care_record", "attendance",
              "commendation")

_ACTIONS = tuple(ADJUSTMENT_ACTION.values())
_SOURCES = tuple(OBSERVATION_SOURCE.values())
_SOURCE_WEIGHTS = (14, 30, 6, 5, 10, 8, 8, 6, 7, 6)
_TAGS = tuple(OBSERVATION_TAG.values())
_ABILITIES = tuple(ABILITY.values())
_ACHIEVEMENTS = tuple(ACHIEVEMENT_CATEGORY.values())


def generate(out_dir: str | Path, cadres: int = 3000, seed: int = 1,
             years: Iterable[int] = DEFAULT_YEARS, plugins: Any = None) -> dict[str, list[Path]]:
    """Write the demo dataset into ``out_dir``; return its files by record kind, in load order.

    ``plugins`` (a ``CadrePlugins``; built with ``get_plugin_manager()`` when omitted) supplies
    the indicator codes and the adjustment situations. With no situation registered the
    adjustments use placeholder codes (``S01``…) that do not load: callers skip that kind (see
    ``situations_registered``).
    """
    years = tuple(sorted(set(int(y) for y in years)))
    if len(years) < 1:
        raise ValueError("years must name at least one year")
    if cadres < 1:
        raise ValueError("cadres must be at least 1")
    if plugins is None:
        from cadre_sdk.plugin_host.discovery import get_plugin_manager

        plugins = get_plugin_manager()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = _Generator(out, cadres, seed, years, plugins)
    try:
        gen.run()
    finally:
        gen.close()
    return gen.files_by_kind()


def situations_registered(plugins: Any) -> bool:
    """Whether any adjustment situation is registered (else the demo's adjustments don't load)."""
    return bool(plugins.book.all("situation"))


def indicator_codes(plugins: Any, subject: str, unit_kind: str, positioning: str | None,
                    region: str, on: dt.date) -> tuple[str, ...]:
    """The indicator codes for one subject and unit: the registered indicator set that applies
    on ``on``, else the provincial parameter file's, else ``FALLBACK_INDICATORS``."""
    keys = [f"{subject}:{unit_kind}:{positioning}"] if positioning else []
    keys.append(f"{subject}:{unit_kind}:*")
    found = plugins.book.resolve_first("indicators", keys, region, on=on) if plugins else None
    if found is not None:
        return tuple(ind.code for ind in found.item.indicators)
    return _yaml_indicators().get((subject, unit_kind), FALLBACK_INDICATORS)


@functools.lru_cache(maxsize=1)
def _yaml_indicators() -> dict[tuple[str, str], tuple[str, ...]]:
    """Indicator codes by (subject, unit kind) from the provincial parameter file, if any."""
    from cadre_sdk.defaults import PARAMETERS

    found: dict[tuple[str, str], tuple[str, ...]] = {}
    try:
        import yaml

        data = yaml.safe_load((PARAMETERS / "assessment.yaml").read_text(encoding="utf-8"))
        for subject, skey in _SUBJECT_KEYS.items():
            for kind, kkey in _KIND_KEYS.items():
                block = data["indicators"][skey][kkey]
                codes = tuple(c for c, v in block.items() if isinstance(v, dict) and "values" in v)
                if codes:
                    found[(subject, kind)] = codes
    except (OSError, KeyError, TypeError, ValueError, ImportError):
        return {}
    return found


def _days_in_month(y: int, m: int) -> int:
    return (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day


class _Generator:
    def __init__(self, out: Path, cadres: int, seed: int, years: tuple[int, ...], plugins: Any):
        self.out, self.n_cadres, self.years, self.plugins = out, cadres, years, plugins
        self.world = World(Draws(f"cadre-demo:{seed}:world"))
        self.world.allocate(cadres)
        self.rng = Draws(f"cadre-demo:{seed}:people")
        self.careers = Careers(self.rng, self.world, years[0], years[-1])
        self.first, self.last = years[0], years[-1]
        self.as_of = dt.date(self.last, 12, 31)
        self.window = (self.first * 12, self.last * 12 + 11)  # month indexes, inclusive
        self.files: dict[str, list[ClerkFile]] = {k: [] for k in KIND_ORDER}
        self.counters: dict[str, int] = {}
        self._indicators: dict[tuple[str, str], tuple[str, ...]] = {}
        self._situations: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.avoid = _words_in_texts(self.world)
        self.id_numbers: set[str] = set()  # issued so far: an ID number belongs to one person
        #: cadre id -> (name, ID number): clerks type both into free text (cases), which the
        #: publication must mask in every spelling
        self.identities: dict[str, tuple[str, str]] = {}
        self.lrmx = LrmxWriter(out, seed, years[0])
        self.region_names = {code: r.name for code, r in self.world.regions.items()}
        self.case_rate = min(0.15, max(0.0125, 26 / cadres))
        self.adjust_rate = min(0.05, max(0.004, 6 / cadres))
        self._open()
        #: month index -> (days in the month, the month as the attendance file writes it)
        self.calendar = {mi: (_days_in_month(mi // 12, mi % 12 + 1),
                              self.f_attendance.month(mi // 12, mi % 12 + 1))
                         for mi in range(self.window[0], self.window[1] + 1)}

    # --- files ------------------------------------------------------------------------------

    def _file(self, kind: str, name: str, header: Sequence[str], encoding: str, dates: str
              ) -> ClerkFile:
        f = ClerkFile(self.out / name, header, encoding=encoding, dates=dates)
        self.files[kind].append(f)
        return f

    def _open(self) -> None:
        for kind, (name, encoding, dates, header) in FILES.items():
            setattr(self, f"f_{kind}", self._file(kind, name, header, encoding, dates))
        self.f_cadre: dict[str, tuple[ClerkFile, tuple[str, str]]] = {}
        for pref, name, style, encoding, dates, yesno in CADRE_FILES:
            f = self._file("cadre", name, CADRE_HEADERS[style], encoding, dates)
            self.f_cadre[pref] = (f, ("是", "否") if yesno == "是否" else ("√", ""))
        self.f_assess, self.f_score, self.f_eval = {}, {}, {}
        for year in self.years:
            self.f_assess[year] = self._file("assessment", f"考核_{year}.csv", ASSESSMENT_HEADER,
                                             "utf-8", "iso")
            self.f_score[year] = self._file("indicator_score", f"考核指标得分_{year}.csv",
                                            SCORE_HEADER, "utf-8", "iso")
            self.f_eval[year] = self._file("evaluation", f"民主测评与反向测评_{year}.csv",
                                           EVALUATION_HEADER, "utf-8", "iso")

    def close(self) -> None:
        for files in self.files.values():
            for f in files:
                f.close()

    def files_by_kind(self) -> dict[str, list[Path]]:
        return {k: [f.path for f in fs] for k, fs in self.files.items() if fs}

    def _next(self, name: str) -> int:
        n = self.counters.get(name, 0) + 1
        self.counters[name] = n
        return n

    # --- the run ----------------------------------------------------------------------------

    def run(self) -> None:
        self._regions()
        self._units()
        number = 0
        for unit in self.world.units:
            if not unit.cadres:
                continue
            self._team(unit)
            leaders = min(len(unit.posts), max(1, math.ceil(unit.cadres * 0.5)))
            for slot in range(unit.cadres):
                number += 1
                self._cadre(number, unit, slot, slot < leaders)

    def _regions(self) -> None:
        f = self.f_region
        yes = {True: "是", False: "否"}
        for pref in self.world.prefectures:
            f.write((pref.code, pref.name, "市州", "630000", pref.altitude, pref.hardship, "否"))
        for pref in self.world.prefectures:
            for c in self.world.counties[pref.code]:
                f.write((c.code, c.name, "县", pref.code, c.altitude, c.hardship,
                         yes[c.especially_hard]))
        for pref in self.world.prefectures:
            for c in self.world.counties[pref.code]:
                for t in self.world.townships[c.code]:
                    f.write((t.code, t.name, "乡镇", c.code, t.altitude, t.hardship,
                             yes[t.especially_hard]))

    def _units(self) -> None:
        f = self.f_unit
        for u in self.world.units:
            sector = u.sector if u.kind == "部门" else None
            f.write((u.code, u.name, u.kind, u.level, u.region.code, sector, u.positioning))
        self._targets()

    def _targets(self) -> None:
        rng, f = self.rng, self.f_target_progress
        for u in self.world.units:
            if not u.cadres or u.kind in ("企业", "事业单位"):
                continue
            if u.kind == "地方":
                names, months = rng.sample(texts.TARGETS[u.positioning], 3), range(1, 13)
            elif u.kind == "部门":
                names, months = rng.sample(texts.DEPARTMENT_TARGETS, 2), (3, 6, 9, 12)
            else:
                names, months = rng.sample(texts.TARGETS[u.positioning], 1), (6, 12)
            for year in self.years:
                for t, name in enumerate(names, 1):
                    pace = rng.gauss(1.0, 0.12)
                    for m in months:
                        planned = round(100 * m / 12, 1)
                        actual = max(0.0, min(100.0, round(planned * pace + rng.gauss(0, 3), 1)))
                        f.write((f"MB{year}-{u.code}-{t}-{m:02d}", u.code, year, m, name,
                                 planned, actual))

    # --- indicators, situations ------------------------------------------------------------

    def _codes(self, subject: str, unit: Unit) -> tuple[str, ...]:
        key = (subject, unit.code)
        codes = self._indicators.get(key)
        if codes is None:
            codes = indicator_codes(self.plugins, subject, unit.kind, unit.positioning,
                                    unit.region.code, self.as_of)
            self._indicators[key] = codes
        return codes

    def _situations_for(self, region: str) -> list[tuple[str, tuple[str, ...]]]:
        found = self._situations.get(region)
        if found is None:
            catalogue = self.plugins.book.catalogue("situation", region, on=self.as_of)
            found = []
            for code, reg in catalogue.items():
                actions = tuple(a for a in getattr(reg.item, "actions", ()) if a in _ACTIONS)
                found.append((code, actions))
            if not found:
                found = [(code, ()) for code in PLACEHOLDER_SITUATIONS]
            self._situations[region] = found
        return found

    # --- assessments --------------------------------------------------------------------------

    def _team(self, unit: Unit) -> None:
        rng = self.rng
        base = rng.gauss(86.5, 4)
        for year in self.years:
            score = base + rng.gauss(0, 2.5)
            aid = f"BZ{year}-{unit.code}"
            fa = self.f_assess[year]
            fa.write((aid, "班子", None, unit.code, year, "年度", None))
            self._scores(year, aid, self._codes("班子", unit), score)
            participants = rng.randint(25, 90)
            self._votes(year, aid, "民主测评", score, participants)
            if rng.random() < 0.5:
                self._votes(year, aid, "考核谈话", score, rng.randint(8, 25))
            if unit.kind in ("乡镇", "部门") and rng.random() < 0.5:
                self._votes(year, aid, "反向测评", score - 2, rng.randint(20, 60))
            for q, quarter in enumerate(QUARTERS, 1):
                if rng.random() < 0.03:
                    continue
                fa.write((f"BZ{year}Q{q}-{unit.code}", "班子", None, unit.code, year, quarter,
                          _routine(score + rng.gauss(0, 4))))

    def _scores(self, year: int, aid: str, codes: tuple[str, ...], score: float) -> None:
        gauss, write = self.rng.gauss, self.f_score[year].write
        for code in codes:
            value = score + gauss(0, 3)
            write((aid, code, 100.0 if value > 100 else 0.0 if value < 0 else round(value, 1)))

    def _votes(self, year: int, aid: str, method: str, points: float, voters: int) -> None:
        rng = self.rng
        # Shares of 优秀/称职/基本称职 votes whose points (100/80/60/0) average about ``points``.
        p = points + rng.gauss(0, 2)
        if p >= 80:
            e = min(1.0, (p - 80) / 20)
            c, b = 1 - e, 0.0
        elif p >= 60:
            e, c = 0.0, (p - 60) / 20
            b = 1 - c
        else:
            e = c = 0.0
            b = max(0.0, p / 60)
        ev, cv, bv = round(voters * e), round(voters * c), round(voters * b)
        if cv > 3 and rng.random() < 0.5:  # a few raters are always stricter
            spill = rng.randint(1, max(1, cv // 12))
            cv, bv = cv - spill, bv + spill
        iv = max(0, voters - ev - cv - bv)
        total = ev + cv + bv + iv
        participants = total + rng.randint(0, 2)  # a few blank ballots
        self.f_eval[year].write((aid, method, ev, cv, bv, iv, participants))

    # --- one cadre ----------------------------------------------------------------------------

    def _cadre(self, number: int, unit: Unit, slot: int, leader: bool) -> None:
        rng, world = self.rng, self.world
        cid = f"QH{number:07d}"
        if leader:
            post, principal, rank = unit.posts[slot]
            level = _leader_level(unit)
        else:
            post, principal = rng.choice(texts.STAFF_POSTS[unit.kind]), False
            rank, level = "", "其他"
        male = rng.random() < (0.88 if principal else 0.76 if leader else 0.62)
        low, high = ((47, 59) if level == "厅局级" else (38, 58) if level == "县处级"
                     else (28, 56) if leader else (23, 59))
        age = rng.randint(low, high)
        birth = dt.date(self.as_of.year - age, rng.randint(1, 12), rng.randint(1, 28))
        if not leader:
            rank, level = _staff_rank(rng, unit, age)
        home = world.regions[unit.county] if unit.county else rng.choice(
            world.counties[unit.prefecture])
        ethnicity = rng.choices(ETHNICITIES, weights=home.mix)[0]
        name = person_name(rng, ethnicity, male)
        while name in self.avoid:
            name = person_name(rng, ethnicity, male)
        born_in = home if rng.random() < 0.75 else rng.choice(
            world.counties[rng.choice(world.prefectures).code])
        seq = rng.randrange(500)
        id_number = make_id_number(born_in.code, birth, seq, male)
        while id_number in self.id_numbers:  # same place, day and sex: the next order code
            seq = (seq + 1) % 500
            id_number = make_id_number(born_in.code, birth, seq, male)
        self.id_numbers.add(id_number)
        self.identities[cid] = (name, id_number)
        segments = self.careers.build(unit, home, leader, principal, post, birth)
        appointed = segments[-1]
        f, (yes, no) = self.f_cadre[unit.prefecture]
        f.write((cid, name, "男" if male else "女", f.month(birth.year, birth.month), ethnicity,
                 unit.code, post, rank or None, level,
                 f.date(appointed.start) if appointed.exact_start
                 else f.month(appointed.start.year, appointed.start.month),
                 id_number, yes if leader else no, yes if principal else no))
        if self.lrmx.wants(number):
            self.lrmx.write(number, name, male, birth, ethnicity, id_number,
                            f"{unit.name}{post}", segments, self.region_names)
        self._postings(cid, segments)
        self._attendance(cid, segments)
        self._yearly(cid, number, unit, segments, home, leader)

    def _postings(self, cid: str, segments: list[Seg]) -> None:
        f = self.f_posting
        month, date = f.month, f.date
        for seg in segments:
            n = self._next("posting")
            start = date(seg.start) if seg.exact_start else month(seg.start.year, seg.start.month)
            end = None
            if seg.end is not None:
                end = date(seg.end) if seg.exact_end else month(seg.end.year, seg.end.month)
            township = seg.unit is not None and seg.unit.kind == "乡镇"
            f.write((f"LL{n:08d}", cid, start, end, seg.unit.code if seg.unit else None,
                     seg.region or None, seg.post, seg.kind, "是" if township else "否",
                     "是" if seg.leadership else "否", seg.secondment, seg.exchange))

    def _attendance(self, cid: str, segments: list[Seg]) -> None:
        rng, write = self.rng, self.f_attendance.write
        random, randint, calendar = rng.random, rng.randint, self.calendar
        lo, hi = self.window
        for seg in segments:
            if seg.unit is None or seg.unit.kind != "乡镇":
                continue
            first = months(seg.start)
            if seg.end is None:
                last = hi
            elif seg.exact_end:
                last = months(seg.end)
            else:
                last = months(seg.end) - 1
            town = seg.unit.region.code
            cut_first = first if seg.exact_start else None
            cut_last = last if seg.end is not None and seg.exact_end else None
            for mi in range(max(first, lo), min(last, hi) + 1):
                dim, month = calendar[mi]
                # mostly 19-25 days; away (sick leave, training, not really there): 3-12
                base = randint(3, 12) if random() < 0.03 else randint(19, 25)
                if mi != cut_first and mi != cut_last:
                    write((cid, town, month, base))  # a whole month (base < days in it)
                    continue
                fraction = 1.0
                if mi == cut_first:
                    fraction = (dim - seg.start.day + 1) / dim
                if mi == cut_last:
                    fraction = min(fraction, seg.end.day / dim)
                days = min(dim, round(base * fraction))
                if days:
                    write((cid, town, month, days))

    def _yearly(self, cid: str, number: int, unit: Unit, segments: list[Seg], home: Region,
                leader: bool) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.01:
            base, sd = 52.0, 4.0        # not competent
        elif r < 0.04:
            base, sd = 65.0, 2.5        # basically competent
        else:
            base, sd = rng.gauss(85.8, 4.4), 3.0
        start_year = segments[0].start.year
        pref = self.world.regions[unit.prefecture]
        hard = unit.altitude >= 3500
        case_id = decided = decision = None
        for year in self.years:
            if year < start_year:
                continue
            score = base + rng.gauss(0, sd)
            where = unit_in(segments, year) or unit
            aid = f"KH{year}-{number:07d}"
            fa = self.f_assess[year]
            fa.write((aid, "个人", cid, where.code, year, "年度", None))
            self._scores(year, aid, self._codes("个人", where), score)
            if rng.random() < 0.92:
                self._votes(year, aid, "民主测评", score, rng.randint(15, 80 if leader else 40))
            if rng.random() < (0.6 if where.kind in ("乡镇", "部门") else 0.3):
                self._votes(year, aid, "反向测评", score - 1.5, rng.randint(15, 50))
            if leader and rng.random() < 0.4:
                self._votes(year, aid, "考核谈话", score, rng.randint(5, 20))
            for q, quarter in enumerate(QUARTERS, 1):
                if rng.random() < 0.03:
                    continue  # a missing quarter
                fa.write((f"KH{year}Q{q}-{number:07d}", "个人", cid, where.code, year, quarter,
                          _routine(score + rng.gauss(0, 4))))
            self._training(cid, year, where, leader, pref)
            self._care(cid, year, where, hard)
            self._observations(cid, year, score)
            if rng.random() < (0.3 if score >= 88 else 0.12):
                self._achievement(cid, year, where, home)
            if rng.random() < (0.03 if score >= 90 else 0.004):
                self._commendation(cid, year, pref, home)
        if rng.random() < self.case_rate:
            case_id, decided, decision = self._case(cid, unit, home)
        if base < 60 and rng.random() < 0.5:
            year = rng.choice(self.years[1:] or self.years)  # after a 不称职 year
            self._adjustment(cid, unit, "年度考核", dt.date(year, rng.randint(1, 6),
                                                        rng.randint(1, 28)))
        elif decided and (decision == "不予容错" and rng.random() < 0.7
                          or decision == "容错" and rng.random() < 0.1):
            # after the determination; adjusting for a tolerated mistake is what oversight flags
            day = min(self.as_of, decided + dt.timedelta(days=rng.randint(10, 60)))
            self._adjustment(cid, unit, "其他", day, case_id, decision)
        elif rng.random() < self.adjust_rate:
            trigger = rng.choice(("巡视巡察", "审计", "环保督察", "任前考察", "巡视巡察"))
            self._adjustment(cid, unit, trigger, dt.date(rng.choice(self.years),
                                                         rng.randint(1, 12), rng.randint(1, 28)))

    def _training(self, cid: str, year: int, unit: Unit, leader: bool, pref: Region) -> None:
        rng, f = self.rng, self.f_training
        count = rng.choices((0, 1, 2, 3), weights=(10, 50, 30, 10) if leader
                            else (15, 55, 25, 5))[0]
        topics = texts.TOPIC_BY_POSITIONING[unit.positioning]
        for _ in range(count):
            n = self._next("training")
            start = dt.date(year, rng.randint(3, 11), rng.randint(1, 28))
            hours = rng.choice((8, 16, 24, 32, 40, 48, 56, 80, 120))
            end = start + dt.timedelta(days=max(0, hours // 8 - 1))
            topic = rng.choice(topics) if rng.random() < 0.6 else rng.choice(
                ("信息技术", "金融财会", "社会治理", "一带一路", "脱贫攻坚", "城镇化与乡村振兴",
                 "生态文明", "文化旅游", "现代农牧业", "新材料新能源"))
            program = rng.choice(texts.TRAINING_PROGRAMS).replace("{pref}", pref.short)
            f.write((f"PX{n:08d}", cid, year, f.date(start), f.date(end), topic,
                     rng.choice(_ABILITIES) if rng.random() < 0.85 else None, hours, program))

    def _care(self, cid: str, year: int, unit: Unit, hard: bool) -> None:
        rng, f = self.rng, self.f_care_record
        for kind, p in (("体检", 0.85), ("休假", 0.6), ("谈心谈话", 0.5), ("心理健康", 0.02),
                        ("高海拔交流", 0.12 if hard else 0.0),
                        ("八有建设", 0.15 if unit.kind == "乡镇" else 0.0)):
            if p and rng.random() < p:
                n = self._next("care")
                day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
                note = texts.CARE_NOTES[kind].replace("{n}", str(rng.randint(5, 15)))
                f.write((f"GA{n:08d}", cid, f.date(day), kind, note))

    def _observations(self, cid: str, year: int, score: float) -> None:
        rng, f = self.rng, self.f_observation
        count = rng.choices((0, 1, 2), weights=(60, 30, 10))[0]
        for _ in range(count):
            n = self._next("observation")
            source = rng.choices(_SOURCES, weights=_SOURCE_WEIGHTS)[0]
            r = rng.random()
            negative = r < (0.7 if score < 70 else 0.1)
            task = rng.choice(texts.TASKS)
            tags = None
            if negative:
                polarity = "负面"
                tags = "、".join(rng.sample(_TAGS, rng.choice((1, 1, 2))))
                content = rng.choice(texts.OBSERVATION_NEGATIVE).format(
                    source=source, task=task, tags=tags)
            elif r < 0.62:
                polarity = "正面"
                content = rng.choice(texts.OBSERVATION_POSITIVE).format(
                    task=task, n=rng.randint(3, 40))
            else:
                polarity = "中性"
                content = rng.choice(texts.OBSERVATION_NEUTRAL).format(task=task)
            day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            f.write((f"KC{n:08d}", cid, f.date(day), source, content, polarity, tags))

    def _achievement(self, cid: str, year: int, unit: Unit, home: Region) -> None:
        rng, f = self.rng, self.f_achievement
        n = self._next("achievement")
        if unit.kind == "乡镇" and unit.altitude >= 3500 and rng.random() < 0.5:
            category = "基层艰苦边远"
        elif unit.positioning == "生态保护" and rng.random() < 0.4:
            category = "生态保护"
        else:
            category = rng.choice(_ACHIEVEMENTS)
        text = texts.ACHIEVEMENT_TEXT[category].format(
            task=rng.choice(texts.TOPICAL_TASKS.get(category, texts.TASKS)),
            n=rng.randint(3, 12) if category == "基层艰苦边远" else rng.randint(3, 60),
            alt=unit.altitude)
        day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        f.write((f"SJ{n:07d}", cid, f.date(day), category, text,
                 f"{home.short}委组织部" if rng.random() < 0.8 else None))

    def _commendation(self, cid: str, year: int, pref: Region, home: Region) -> None:
        rng, f = self.rng, self.f_commendation
        n = self._next("commendation")
        kind, title, level = rng.choices(texts.COMMENDATIONS,
                                         weights=(10, 8, 8, 12, 14, 1, 1, 6, 1, 3))[0]
        title = title.replace("{pref}", pref.short).replace("{county}", home.short)
        day = dt.date(year, rng.choice((6, 7, 9, 12)), rng.randint(1, 28))
        f.write((f"BX{n:06d}", cid, f.date(day), kind, f"{year}年度{title}", level))

    def _case(self, cid: str, unit: Unit, home: Region
              ) -> tuple[str, dt.date | None, str | None]:
        """One case with its events and findings: (id, date determined, decision)."""
        rng = self.rng
        number = self._next("case") - 1
        stage = case_mod.choose_stage(rng, number)
        path = case_mod.event_path(rng, stage)
        late = rng.random() < 0.2
        earliest = dt.date(self.first, 1, 5)
        recent = path[-1] not in case_mod.CLOSED
        dates = case_mod.schedule(rng, path, earliest, self.as_of, late, recent)
        year = dates[0].year
        case_id = f"RC{year}-{number + 1:05d}"
        weights = (2, 3, 2, 4 if unit.positioning == "生态保护" else 1, 1)
        kind = rng.choices(texts.CASE_KINDS, weights=weights)[0]
        region = unit.county or unit.prefecture
        occurred = add_months(dates[0], -rng.randint(1, 6))
        fc = self.f_case
        summary = texts.CASE_SUMMARY[kind].format(task=rng.choice(texts.TOPICAL_TASKS[kind]))
        summary += texts.typed_identity(*self.identities[cid], number)
        fc.write((case_id, cid, region, kind, summary, fc.month(occurred.year, occurred.month)))
        level_region = self.world.regions[region]
        body_place = "省" if unit.level == "市州" and unit.kind == "地方" else level_region.short
        body = body_place + rng.choice(texts.ACCEPTING_BODIES)
        fe = self.f_case_event
        decision: str | None = None
        decided: dt.date | None = None
        red: str | None = None
        appeal = stage in ("申诉", "申诉决定")
        for seq, (event, day) in enumerate(zip(path, dates), 1):
            dec = red_line = note = None
            if event == "认定":
                decision, red = case_mod.decide(rng, appeal)
                dec, red_line, decided = decision, red, day
            elif event == "申诉决定":
                dec = decision if red or rng.random() < 0.6 else "部分容错"
                note = "维持原认定结论" if dec == decision else "变更原认定结论"
                decision, decided = dec, day
            elif event == "补充材料":
                note = "申请材料不完整，请于5个工作日内补充"
            elif event == "不予受理":
                note = "不属于容错纠错受理范围"
            elif event == "撤回":
                note = "本人申请撤回"
            fe.write((case_id, seq, event, fe.date(day), body, dec, red_line, note))
        if decision is not None:
            ff = self.f_case_finding
            for dim, finding, rationale in case_mod.findings(rng, decision):
                ff.write((case_id, dim, finding, rationale))
        return case_id, decided, decision

    def _adjustment(self, cid: str, unit: Unit, trigger: str, day: dt.date,
                    case_id: str | None = None, decision: str | None = None) -> None:
        rng, f = self.rng, self.f_adjustment
        n = self._next("adjustment")
        situations = self._situations_for(unit.county or unit.prefecture)
        code, actions = rng.choice(situations)
        action = rng.choice(actions) if actions else rng.choice(
            ("调离岗位", "改任非领导职务", "免职", "降职", "调离岗位"))
        status = rng.choices(("已调整", "拟调整", "撤销"), weights=(75, 20, 5))[0]
        note = {"年度考核": "上一年度考核结果为不称职", "其他": f"容错纠错认定结论：{decision}"}.get(trigger)
        f.write((f"TZ{n:06d}", cid, f.date(day), code, trigger, action, status, case_id, note))


def _words_in_texts(world: World) -> frozenset[str]:
    """Every 2–4 character run in place names, unit names and the text templates: no person
    may be called that (the publication masks cadres' names wherever they occur in text, so a
    cadre named 班玛 would mask 班玛县)."""
    strings: list[str] = []
    for region in world.regions.values():
        strings += [region.name, region.short]
    strings += [u.name for u in world.units]

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, (tuple, list)):
            for v in value:
                walk(v)

    for attr in dir(texts):
        if not attr.startswith("_"):
            walk(getattr(texts, attr))
    return frozenset(text[i:i + n] for text in strings for n in (2, 3, 4)
                     for i in range(len(text) - n + 1))


def _routine(points: float) -> str:
    if points >= 92:
        return "好"
    if points >= 80:
        return "较好"
    if points >= 65:
        return "一般"
    return "较差"


def _leader_level(unit: Unit) -> str:
    if unit.level == "市州":
        return "厅局级" if unit.kind == "地方" else "县处级"
    if unit.level == "县":
        return "县处级" if unit.kind == "地方" else "乡科级"
    return "乡科级"


def _staff_rank(rng: random.Random, unit: Unit, age: int) -> tuple[str, str]:
    if unit.kind == "企业":
        return "", "其他"
    index = max(0, min(8, (58 - age) // 4 + rng.randint(-1, 1)))
    if unit.level == "乡镇":
        index = min(8, index + 2)
    elif unit.level == "县":
        index = min(8, index + 1)
    rank = texts.STAFF_RANKS[index]
    level = "县处级" if "调研员" in rank else "乡科级" if "主任科员" in rank else "其他"
    return rank, level
