"""Career histories for the demo: postings from a cadre's first job to the current post,
with township work and leadership, secondments, exchanges, rotations and the odd move between
townships in the middle of a month."""
from __future__ import annotations

import datetime as dt
import random

from cadre_sdk.demo import texts
from cadre_sdk.demo.world import Region, Unit, World


class Seg:
    """One line of a career history, while it is being built."""

    __slots__ = ("start", "end", "exact_start", "exact_end", "unit", "region", "post", "kind",
                 "leadership", "secondment", "exchange")

    def __init__(self, start: dt.date, unit: Unit | None, post: str, kind: str = "任职",
                 leadership: bool = False, region: str | None = None):
        self.start, self.end = start, None
        self.exact_start = self.exact_end = False
        self.unit, self.post, self.kind, self.leadership = unit, post, kind, leadership
        self.region = region if region is not None else (unit.region.code if unit else None)
        self.secondment: str | None = None
        self.exchange: str | None = None


class Careers:
    """Builds careers from the shared random stream; ``first`` and ``last`` are the data's
    first and last years (mid-month township moves fall between them)."""

    def __init__(self, rng: random.Random, world: World, first: int, last: int):
        self.rng, self.world, self.first, self.last = rng, world, first, last
        self.as_of = dt.date(last, 12, 31)

    def build(self, unit: Unit, home: Region, leader: bool, principal: bool, post: str,
              birth: dt.date) -> list[Seg]:
        """The career of one cadre, oldest first, ending with the current post (no end)."""
        rng, world, as_of = self.rng, self.world, self.as_of
        start0 = dt.date(min(birth.year + rng.randint(21, 24), as_of.year - 1),
                         rng.choice((7, 8, 9)), 1)
        service = as_of.year - start0.year
        tenure = rng.randint(0, min(8, max(service - 1, 0)))
        appointed = dt.date(as_of.year - tenure, rng.randint(1, 12), 1)
        if appointed < start0:
            appointed = start0
        current = Seg(appointed, unit, post, leadership=leader)
        towns = world.township_units.get(home.code, [])
        transfer = (unit.kind == "乡镇" and len(towns) > 1 and rng.random() < 0.05
                    and start0.year < self.first)
        if transfer:  # a move between townships in the middle of a month, inside the window
            y = rng.randint(self.first, self.last)
            current.start = dt.date(y, rng.randint(2, 11), rng.randint(5, 25))
            current.exact_start = True
            if leader and rng.random() < 0.3:
                current.kind, current.exchange = "交流", "地区间"
        years_before = (current.start - start0).days / 365.25
        if years_before < 1.5:
            current.start = start0
            current.exact_start = False
            return [current]
        m = min(1 + int(years_before // 4), rng.randint(1, 5))
        cuts = sorted(rng.sample(range(1, max(2, int(years_before * 12))), m - 1)) if m > 1 else []
        starts = [start0] + [add_months(start0, c) for c in cuts]
        segs: list[Seg] = []
        p_tw, p_tl = township_odds(unit, leader, principal)
        lead_slot = m - 1 if leader and m >= 2 and rng.random() < p_tl else -1
        for i, start in enumerate(starts):
            if i == 0:
                if towns and rng.random() < p_tw:
                    seg = Seg(start, rng.choice(towns), "科员")
                else:
                    seg = Seg(start, self._other_unit(home, unit), rng.choice(("科员", "办事员")))
            elif i == lead_slot and towns:
                town = rng.choice(towns)
                head = "镇长" if town.township_kind == "镇" else "乡长"
                seg = Seg(start, town, rng.choice(("副" + head, head, "党委书记", "党委副书记")),
                          leadership=True)
            else:
                seg = self._middle(start, home, unit, leader and i >= m / 2, segs[-1])
            segs.append(seg)
        segs.append(current)
        out: list[Seg] = []
        for seg, nxt in zip(segs, segs[1:] + [None]):
            if nxt is not None:
                seg.end = nxt.start
                if nxt.exact_start:
                    seg.end = nxt.start - dt.timedelta(days=1)
                    seg.exact_end = True
            out.append(seg)
            if seg.kind == "挂职" and nxt is not None:
                # a secondment lasts a year or two; then back to the previous post
                back = add_months(seg.start, rng.randint(12, 24))
                prev = out[-2] if len(out) >= 2 else None
                if prev is not None and prev.unit is not None and prev.kind != "挂职" and \
                        months(back) < months(seg.end or self.as_of):
                    ret = Seg(back, prev.unit, prev.post, leadership=prev.leadership)
                    ret.end, ret.exact_end = seg.end, seg.exact_end
                    seg.end, seg.exact_end = back, False
                    out.append(ret)
        if transfer:
            # the move is from another township of the same county
            last = out[-2]
            if last.unit is None or last.unit.kind != "乡镇" or last.unit is unit \
                    or last.kind == "挂职":
                last.unit = rng.choice([t for t in towns if t is not unit])
                last.region = last.unit.region.code
                last.kind, last.secondment, last.exchange = "任职", None, None
                last.post = "副" + ("镇长" if last.unit.township_kind == "镇" else "乡长") \
                    if leader else "科员"
                last.leadership = leader
        return out

    def _other_unit(self, home: Region, unit: Unit) -> Unit:
        rng, world = self.rng, self.world
        pool = world.units_by_region.get(home.code) or world.units_by_region[unit.prefecture]
        return rng.choice(pool)

    def _middle(self, start: dt.date, home: Region, unit: Unit, senior: bool, prev: Seg) -> Seg:
        """A posting between the first job and the current post: an appointment, an
        exchange, a rotation or a secondment."""
        rng, world = self.rng, self.world
        r = rng.random()
        if r < 0.55:
            return _posted(rng, start, self._other_unit(home, unit), senior)
        if r < 0.7:
            which = rng.random()
            if which < 0.4:
                other = rng.choice(world.counties[home.parent or unit.prefecture])
                seg = _posted(rng, start, rng.choice(world.units_by_region[other.code]), senior,
                              "交流")
                seg.exchange = "地区间"
            elif which < 0.75:
                seg = _posted(rng, start, self._other_unit(home, unit), senior, "交流")
                seg.exchange = "部门间"
            else:
                pool = [u for u in world.units_by_region.get(home.code, ()) if u.kind == "企业"] \
                    or [u for u in world.units_by_region[unit.prefecture] if u.kind == "企业"]
                seg = _posted(rng, start, rng.choice(pool), senior, "交流")
                seg.exchange = "机关与企业"
            return seg
        if r < 0.85:
            pool = [u for u in world.units_by_region.get(home.code, ()) if u.kind == "部门"
                    and u is not prev.unit] or world.units_by_region[unit.prefecture]
            return _posted(rng, start, rng.choice(pool), senior, "轮岗")
        which = rng.random()
        if which < 0.35:
            place = rng.choice(texts.SECONDMENT_PLACES["对口援青"])
            seg = Seg(start, None, f"赴{place}挂职锻炼", "挂职", region="")
            seg.secondment = "对口援青"
        elif which < 0.55:
            place = rng.choice(texts.SECONDMENT_PLACES["国家部委"])
            seg = Seg(start, None, f"在{place}挂职锻炼", "挂职", region="")
            seg.secondment = "国家部委"
        else:
            other_pref = rng.choice(world.prefectures)
            county = rng.choice(world.counties[other_pref.code])
            target = rng.choice(world.township_units.get(county.code)
                                or world.units_by_region[county.code])
            title = "挂职副乡长" if target.kind == "乡镇" else "挂职副局长"
            seg = Seg(start, target, title, "挂职", True)
            seg.secondment = "省内双向"
        return seg


#: Posts held on the way up, by unit kind: (senior posts, junior posts); the first senior
#: post of each is a leadership post.
_POSTS = {
    "部门": (("副局长", "科长"), ("科员", "副科长", "科长")),
    "地方": (("办公室副主任", "督查室主任"), ("科员", "秘书")),
    "企业": (("副总经理", "部门经理"), ("职员", "部门副经理")),
    "事业单位": (("副院长", "科主任"), ("科员", "办公室副主任")),
    "乡镇": (("副乡长", "党政办主任"), ("科员", "办事员")),
}


def _posted(rng: random.Random, start: dt.date, unit: Unit, senior: bool,
            kind: str = "任职") -> Seg:
    """A posting at ``unit`` with a post that fits its kind and the cadre's seniority."""
    seniors, juniors = _POSTS[unit.kind]
    pool = seniors if senior else juniors
    index = rng.randrange(len(pool))
    post = pool[index]
    if unit.kind == "部门" and unit.name.endswith("委员会"):
        post = post.replace("局长", "主任")
    elif unit.kind == "事业单位" and not unit.name.endswith("医院"):
        post = post.replace("院长", "校长")
    elif unit.kind == "乡镇" and unit.township_kind == "镇":
        post = post.replace("乡长", "镇长")
    return Seg(start, unit, post, kind, leadership=senior and index == 0)


def township_odds(unit: Unit, leader: bool, principal: bool) -> tuple[float, float]:
    """(township work, township leadership) odds for the career before the current post."""
    if unit.kind == "乡镇":
        return 0.7, 0.5
    if unit.level == "县":
        if unit.kind == "地方":
            return 0.75, 0.7
        return (0.8, 0.5) if principal else (0.45, 0.2)
    if unit.kind == "部门" and unit.sector in ("农牧", "民政", "水利", "扶贫"):
        return 0.5, 0.45
    return (0.5, 0.6) if unit.kind == "地方" else (0.3, 0.2)


def unit_in(segments: list[Seg], year: int) -> Unit | None:
    """The unit a cadre belonged to at the end of ``year`` (the last posting begun by then)."""
    end = dt.date(year, 12, 31)
    found = None
    for seg in segments:
        if seg.start <= end and seg.unit is not None and seg.kind != "挂职":
            found = seg.unit
    return found


def months(day: dt.date) -> int:
    """A month index (year × 12 + month − 1), for comparing and counting months."""
    return day.year * 12 + day.month - 1


def add_months(day: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after ``day``'s month."""
    y, m = divmod(day.year * 12 + day.month - 1 + count, 12)
    return dt.date(y, m + 1, 1)
