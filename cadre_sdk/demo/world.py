"""The fixed part of the demo world: divisions with altitude and hardship, townships, units
with their leadership posts, and how many cadres each unit gets.

Prefectures and counties are the real ones (``cadre_sdk/defaults/data/divisions.csv``), with
the real number of towns and townships per county; altitudes, hardship classes, township names
and units are synthetic.
"""
from __future__ import annotations

import csv
import math
import random
import re

from cadre_sdk.defaults import DATA
from cadre_sdk.demo import texts
from cadre_sdk.demo.names import place_name

#: Seat-altitude ranges (m) by prefecture: the Sanjiangyuan prefectures 果洛 and 玉树 highest.
ALTITUDE = {
    "630100": (2200, 2700), "630200": (2000, 2800), "632200": (2800, 3500),
    "632300": (2400, 3700), "632500": (2700, 3400), "632600": (3700, 4300),
    "632700": (3600, 4500), "632800": (2700, 3400),
}
PLACE_STYLE = {  # township-name styles by prefecture, with weights
    "630100": (("han", 1.0),), "630200": (("han", 1.0),),
    "632200": (("han", 0.5), ("tibetan", 0.5)), "632300": (("tibetan", 0.85), ("han", 0.15)),
    "632500": (("tibetan", 0.7), ("han", 0.3)), "632600": (("tibetan", 1.0),),
    "632700": (("tibetan", 1.0),), "632800": (("mongol", 0.4), ("tibetan", 0.3), ("han", 0.3)),
}
ETHNIC_TOWNSHIP = {  # 民族乡 suffixes by prefecture
    "630100": ("藏族", "回族", "土族"), "630200": ("藏族", "回族", "土族", "撒拉族"),
    "632200": ("藏族", "回族", "蒙古族"), "632800": ("蒙古族", "藏族"),
}
#: Ethnic mix of cadres by prefecture (weights, in names.ETHNICITIES order:
#: 汉族 藏族 回族 土族 撒拉族 蒙古族); autonomous counties shift it towards their peoples.
ETHNIC_MIX = {
    "630100": (70, 7, 14, 5, 1, 1), "630200": (52, 9, 20, 10, 8, 1),
    "632200": (42, 26, 22, 5, 0, 5), "632300": (20, 62, 6, 5, 0, 7),
    "632500": (30, 56, 10, 2, 0, 2), "632600": (12, 85, 3, 0, 0, 0),
    "632700": (8, 90, 2, 0, 0, 0), "632800": (58, 14, 11, 3, 0, 14),
}
_COUNTY_PEOPLE = {"回族": 2, "土族": 3, "撒拉族": 4, "蒙古族": 5, "藏族": 1}

#: Relative size of a unit's cadre roster, by level and kind.
MIN_ROSTER = 7
WEIGHTS = {
    ("市州", "地方"): 18, ("市州", "部门"): 5, ("市州", "企业"): 4, ("市州", "事业单位"): 4,
    ("县", "地方"): 14, ("县", "部门"): 4, ("县", "企业"): 3, ("县", "事业单位"): 3,
    ("乡镇", "乡镇"): 6,
}


class Region:
    __slots__ = ("code", "name", "level", "parent", "altitude", "hardship", "especially_hard",
                 "short", "mix", "kind")

    def __init__(self, code: str, name: str, level: str, parent: str | None):
        self.code, self.name, self.level, self.parent = code, name, level, parent
        self.altitude = 0
        self.hardship = 0
        self.especially_hard = False
        self.short = short_name(name)
        self.mix: tuple[int, ...] = ()
        self.kind = ""  # 镇 or 乡 for townships


class Unit:
    __slots__ = ("code", "name", "kind", "level", "region", "sector", "positioning", "prefecture",
                 "county", "posts", "altitude", "cadres", "township_kind")

    def __init__(self, code: str, name: str, kind: str, level: str, region: Region,
                 prefecture: str, county: str | None, sector: str | None, positioning: str,
                 posts: tuple[tuple[str, bool, str], ...]):
        self.code, self.name, self.kind, self.level = code, name, kind, level
        self.region, self.prefecture, self.county = region, prefecture, county
        self.sector, self.positioning, self.posts = sector, positioning, posts
        self.altitude = region.altitude
        self.cadres = 0
        self.township_kind = region.kind


def short_name(name: str) -> str:
    """海北藏族自治州 -> 海北州, 大通回族土族自治县 -> 大通县, 大柴旦行政委员会 -> 大柴旦行委."""
    name = re.sub(r"(?:藏族|回族|土族|撒拉族|蒙古族)+自治(县|州)$", r"\1", name)
    return name.replace("行政委员会", "行委")


def hardship_of(altitude: int, urban: bool = False) -> int:
    """A hardship class (艰苦边远类别, 1–6) from altitude: a demo rule, not the official list."""
    if urban:
        return 1
    for limit, cls in ((2500, 2), (3000, 3), (3500, 4), (4000, 5)):
        if altitude < limit:
            return cls
    return 6


class World:
    """Regions and units, built once from the seed; small enough to hold in memory."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.prefectures: list[Region] = []
        self.counties: dict[str, list[Region]] = {}      # prefecture -> counties
        self.townships: dict[str, list[Region]] = {}     # county -> townships
        self.regions: dict[str, Region] = {}
        self.units: list[Unit] = []
        self.units_by_region: dict[str, list[Unit]] = {}  # county/prefecture -> its own units
        self.township_units: dict[str, list[Unit]] = {}   # county -> township units
        self._divisions()
        self._townships()
        self._units()

    # --- regions ----------------------------------------------------------------------------

    def _divisions(self) -> None:
        rng = self.rng
        with open(DATA / "divisions.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            level = row["层级"]
            if level == "省":
                continue
            region = Region(row["地区代码"], row["地区名称"], level, row["上级代码"] or None)
            self.regions[region.code] = region
            if level == "市州":
                self.prefectures.append(region)
                self.counties[region.code] = []
            else:
                self.counties[region.parent].append(region)  # type: ignore[index]
        for pref in self.prefectures:
            low, high = ALTITUDE[pref.code]
            pref.altitude = rng.randrange(low, low + (high - low) // 3, 10)
            pref.hardship = hardship_of(pref.altitude)
            pref.mix = ETHNIC_MIX[pref.code]
            for county in self.counties[pref.code]:
                urban = pref.code == "630100" and county.name in ("城东区", "城中区", "城西区", "城北区")
                county.altitude = rng.randrange(low, high, 10)
                county.hardship = hardship_of(county.altitude, urban)
                county.especially_hard = county.hardship == 6
                mix = list(pref.mix)
                for people, index in _COUNTY_PEOPLE.items():
                    if people in county.name and "自治" in county.name:
                        mix[index] += 25
                county.mix = tuple(mix)

    def _townships(self) -> None:
        rng = self.rng
        counts: dict[str, tuple[int, int]] = {}
        with open(DATA / "township_counts_2023.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                counts[row["code"]] = (int(row["towns"]), int(row["townships"]))
        for pref in self.prefectures:
            styles = PLACE_STYLE[pref.code]
            ethnic = ETHNIC_TOWNSHIP.get(pref.code, ())
            for county in self.counties[pref.code]:
                towns, townships = counts.get(county.code, (1, 1))
                used: set[str] = set()
                out = []
                for kind, number, first in (("镇", towns, 101), ("乡", townships, 201)):
                    for i in range(number):
                        while True:
                            style = _weighted(rng, styles)
                            stem = place_name(rng, style)
                            if stem not in used:
                                used.add(stem)
                                break
                        suffix = kind
                        if kind == "乡" and ethnic and rng.random() < 0.2:
                            suffix = rng.choice(ethnic) + "乡"
                        code = f"{county.code}{first + i:03d}"
                        town = Region(code, stem + suffix, "乡镇", county.code)
                        town.kind = kind
                        town.altitude = min(4800, max(2000, county.altitude
                                                      + rng.randrange(-300, 520, 10)))
                        town.hardship = hardship_of(town.altitude,
                                                    county.hardship == 1 and kind == "镇")
                        town.especially_hard = town.altitude >= 4000 or (
                            town.hardship >= 5 and rng.random() < 0.3)
                        town.short = town.name
                        town.mix = county.mix
                        self.regions[code] = town
                        out.append(town)
                self.townships[county.code] = out

    # --- units ------------------------------------------------------------------------------

    def _add(self, region: Region, name: str, kind: str, level: str, prefecture: str,
             county: str | None, sector: str | None, posts: tuple) -> Unit:
        own = self.units_by_region.setdefault(region.code, [])
        code = f"{region.code}-{len(own) + 1:02d}"
        positioning = texts.POSITIONING_COUNTY.get(county or "", texts.POSITIONING[prefecture])
        unit = Unit(code, name, kind, level, region, prefecture, county, sector, positioning,
                    posts)
        own.append(unit)
        self.units.append(unit)
        return unit

    def _organs(self, region: Region, prefecture_level: bool, pref: str,
                county: str | None) -> None:
        short = region.short
        level = "市州" if prefecture_level else "县"
        city = pref in ("630100", "630200")
        loc_posts = texts.locality_posts(short, prefecture_level)
        self._add(region, f"{short}委{short[-1]}政府" if short[-1] in "县区市州" else short,
                  "地方", level, pref, county, None, loc_posts)
        chief, vice = ("正县处级", "副县处级") if prefecture_level else ("正乡科级", "副乡科级")
        others = texts.OTHER_DEPARTMENTS_PREFECTURE if prefecture_level \
            else texts.OTHER_DEPARTMENTS_COUNTY
        departments = [(texts.CITY_AGRICULTURE if city and s == "农牧" else n, s)
                       for n, s in texts.SECTOR_DEPARTMENTS]
        departments += [(n, "其他") for n in others]
        for name, sector in departments:
            base = texts.COMMISSION_POSTS if name.endswith("委员会") else texts.DEPARTMENT_POSTS
            posts = tuple((p, pr, chief if pr else vice) for p, pr in base)
            self._add(region, short + name, "部门", level, pref, county, sector, posts)
        enterprises = texts.ENTERPRISES_PREFECTURE if prefecture_level \
            else texts.ENTERPRISES_COUNTY
        if pref == "632800" and prefecture_level:
            enterprises = (texts.ENTERPRISE_CIRCULAR, *enterprises[1:])
        for name in enterprises:
            posts = tuple((p, pr, "") for p, pr in texts.ENTERPRISE_POSTS)
            self._add(region, short + name, "企业", level, pref, county, None, posts)
        institutions = texts.INSTITUTIONS_PREFECTURE if prefecture_level \
            else texts.INSTITUTIONS_COUNTY
        for name in institutions:
            base = texts.HOSPITAL_POSTS if name.endswith("医院") else texts.SCHOOL_POSTS
            posts = tuple((p, pr, chief if pr else vice) for p, pr in base)
            self._add(region, short + name, "事业单位", level, pref, county, None, posts)

    def _units(self) -> None:
        for pref in self.prefectures:
            self._organs(pref, True, pref.code, None)
            for county in self.counties[pref.code]:
                self._organs(county, False, pref.code, county.code)
            for county in self.counties[pref.code]:
                township_units = []
                for town in self.townships[county.code]:
                    posts = tuple((p, pr, "正乡科级" if pr else "副乡科级")
                                  for p, pr in texts.township_posts(town.kind))
                    township_units.append(self._add(town, f"{county.short}{town.name}", "乡镇",
                                                    "乡镇", pref.code, county.code, None, posts))
                self.township_units[county.code] = township_units

    def allocate(self, cadres: int) -> None:
        """Share ``cadres`` among the units.

        A grade quota of 15% needs 7 assessed in a unit to allow one 优秀, so units get full
        rosters (at least ``MIN_ROSTER``) where the numbers allow. With enough cadres every unit
        is full; with at least one per unit every unit gets its principal head and the full
        rosters go round-robin to localities, one township, one prefecture-level sector
        department and one county department per county, then the rest; with fewer cadres
        than units only that many full rosters are made. What is left goes by roster weight.
        """
        units = self.units
        order = self._staffing_order()
        if cadres >= MIN_ROSTER * len(units):
            full = order
        elif cadres >= len(units):
            for unit in units:
                unit.cadres = 1
            full = order[: (cadres - len(units)) // (MIN_ROSTER + 1)]
        else:
            full = order[: max(1, cadres // (MIN_ROSTER + 2))]
        for unit in full:
            unit.cadres = min(MIN_ROSTER, cadres // len(full))
        spare = cadres - sum(u.cadres for u in units)
        weights = [WEIGHTS[(u.level, u.kind)] for u in full]
        total = sum(weights)
        shares = [spare * w / total for w in weights]
        for unit, share in zip(full, shares):
            unit.cadres += math.floor(share)
        left = cadres - sum(u.cadres for u in units)
        ranked = sorted(range(len(full)),
                        key=lambda i: (-(shares[i] - math.floor(shares[i])), self.rng.random()))
        for i in ranked[:left]:
            full[i].cadres += 1

    def _staffing_order(self) -> list[Unit]:
        rng = self.rng
        localities = [u for u in self.units if u.kind == "地方"]
        first = [u for u in localities if u.level == "市州"]
        groups: list[list[Unit]] = [[u for u in localities if u.level == "县"]]
        groups.append([rng.choice(self.township_units[c]) for p in self.prefectures
                       for c in (r.code for r in self.counties[p.code])
                       if self.township_units.get(c)])
        groups.append([u for u in self.units if u.level == "市州" and u.kind == "部门"
                       and u.sector != "其他"])
        groups.append([rng.choice([u for u in self.units_by_region[r.code] if u.kind == "部门"])
                       for p in self.prefectures for r in self.counties[p.code]])
        for group in groups:
            rng.shuffle(group)
        order = list(first)
        for i in range(max(len(g) for g in groups)):
            order.extend(g[i] for g in groups if i < len(g))
        chosen = {u.code for u in order}
        rest = [u for u in self.units if u.code not in chosen]
        rng.shuffle(rest)
        return order + rest


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    r = rng.random() * sum(w for _, w in pairs)
    for value, weight in pairs:
        r -= weight
        if r < 0:
            return value
    return pairs[-1][0]

