"""Regions named the way people write them: the full name, the code, or the usual short form
(海西州, 西宁, 格尔木, Traditional 玉樹), matched in one normalized form (``match_key``). The
loaders (``cadre_sdk.ingest.references``), the publication's canned queries and the parameter
files offices add (``cadre parameters add``) read regions with it."""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

import attrs

from cadre_sdk.core.normalize import to_simplified

__all__ = ["RegionMatch", "find_region", "match_key", "near_keys", "short_forms",
           "township_short_forms"]


def match_key(text: str) -> str:
    """The form names are compared in: NFKC (full-width -> half-width), Traditional ->
    Simplified, no spaces, ASCII lower-cased."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(to_simplified(folded).split()).lower()


def near_keys(keys: Iterable[str], key: str, limit: int) -> list[str]:
    """The names (``match_key`` forms) a clerk may have meant by ``key``: those holding it
    (“玉树” for 玉树市 and 玉树藏族自治州), shortest first; else those a short form stands for
    (“海西州” for 海西蒙古族藏族自治州, “大通县” for 大通回族土族自治县: the same beginning and
    level); else the closest (``difflib``)."""
    keys = list(keys)
    if not key:
        return []
    holding = [k for k in keys if key in k]
    if not holding and len(key) > 2 and key[-1] in "州县市区":
        holding = [k for k in keys if k.startswith(key[:-1]) and k.endswith(key[-1])]
    if holding:
        return sorted(holding, key=lambda k: (len(k), k))[:limit]
    return difflib.get_close_matches(key, keys, n=limit, cutoff=0.5)


#: The nationalities named in the province's autonomous prefectures and counties.
_NATIONALITY = "(?:蒙古|撒拉|藏|回|土)族"
#: What readers leave off a division's name (``short_forms``): the nationalities and 自治 of
#: an autonomous prefecture or county, an administrative committee's 行政委员会, or the level
#: word.
_DIVISION_TAIL = re.compile(rf"(?:{_NATIONALITY})+自治(?P<autonomous>[州县])$|行政委员会$"
                            r"|[省市州县区]$")


def short_forms(name: str) -> list[str]:
    """The ``match_key`` forms a division's name is also written in: 海西 and 海西州 for
    海西蒙古族藏族自治州, 大通 and 大通县 for 大通回族土族自治县, 大柴旦 for 大柴旦行政委员会,
    西宁 for 西宁市, 城中 for 城中区. A stem of one character is no short form."""
    key = match_key(name)
    found = _DIVISION_TAIL.search(key)
    if found is None or found.start() < 2:
        return []
    stem = key[:found.start()]
    return [stem, stem + found["autonomous"]] if found["autonomous"] else [stem]


#: What readers leave off a township's name (``township_short_forms``): 镇, or 乡 with the
#: nationalities of a 民族乡.
_TOWNSHIP_TAIL = re.compile(rf"(?P<ethnic>(?:{_NATIONALITY})+)?乡$|镇$")


def township_short_forms(name: str) -> list[str]:
    """The ``match_key`` forms a township's name is also written in, without 镇 or 乡:
    唐古拉山 for 唐古拉山镇, 城关 for 城关镇, 赛尔龙 for 赛尔龙乡, and for a 民族乡 宗家 and
    宗家乡 for 宗家藏族乡. A stem of one character is no short form; a 街道 has none."""
    key = match_key(name)
    found = _TOWNSHIP_TAIL.search(key)
    if found is None or found.start() < 2:
        return []
    stem = key[:found.start()]
    return [stem, stem + "乡"] if found["ethnic"] else [stem]


@attrs.frozen
class RegionMatch:
    """What a region written by name or code names (``find_region``): ``code`` (None: no
    single region), ``candidates`` ((code, name): the regions it may mean when several do,
    the nearest names when none does; for a short form a prefecture shares with a county of
    its own, the county it was not taken for)."""

    code: str | None
    candidates: tuple[tuple[str, str], ...] = ()
    #: whether the candidates are regions the text names alike (else the nearest names)
    ambiguous: bool = False


def find_region(text: str, regions: Sequence[tuple[str, str]], *, guess: bool = True
                ) -> RegionMatch:
    """The region of ``regions`` ((code, name)) that ``text`` names: its code; its name
    (``match_key``: full-width, Traditional and spaces alike); else a division's short form
    (``short_forms``): 海西州, 西宁, 格尔木, 玉樹. A short form a prefecture shares with one
    of its own counties (玉树: 玉树藏族自治州 and 玉树市) is the prefecture's. Else a
    township without 镇/乡 (``township_short_forms``: 唐古拉山); one several townships share
    (城关) names them all (ambiguous), and one a prefecture or county is also written as stays
    theirs, the township named among the candidates. Otherwise no
    code, with the regions it may mean or the nearest names (``near_keys``).

    ``guess=False`` (loads: stored data must not guess): a form that names several regions
    names them all (ambiguous), the prefecture and its county (玉树) or a division and a
    township alike; only a form naming exactly one region gives its code."""
    text = text.strip()
    if any(code == text for code, _ in regions):
        return RegionMatch(text)
    key = match_key(text)
    found = [(c, n) for c, n in regions if match_key(n) == key]
    if not found:
        found = [(c, n) for c, n in regions if len(c) == 6 and key in short_forms(n)]
        # townships written without 镇/乡: read only where no prefecture or county is written
        # so (those resolve as they did), named beside it as the other regions meant
        towns = tuple(sorted((c, n) for c, n in regions if len(c) > 6
                             and key in township_short_forms(n)))
        wider = [c for c, _ in found if all(o.startswith(c.rstrip("0")) for o, _ in found)]
        if guess and len(found) > 1 and len(wider) == 1:
            return RegionMatch(wider[0], (*(r for r in found if r[0] != wider[0]), *towns))
        if len(found) == 1 and (guess or not towns):
            return RegionMatch(found[0][0], towns)
        found = [*found, *towns] if not guess else found or list(towns)
    if len(found) == 1:
        return RegionMatch(found[0][0])
    if found:
        return RegionMatch(None, tuple(sorted(found)), ambiguous=True)
    names: dict[str, tuple[str, str]] = {}
    for code, name in regions:
        names.setdefault(match_key(name), (code, name))
    return RegionMatch(None, tuple(names[k] for k in near_keys(names, key, 5)))
