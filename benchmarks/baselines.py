"""The plain loops the engines are measured against: the same results computed without the SDK's
machinery (checked equal to the engines' in the benchmark).
"""
from __future__ import annotations

import datetime
import sqlite3
from typing import Any

from common import ROOT


def _param(book: dict, path: str) -> Any:
    return book[path]


def assessment_loop() -> Any:
    """Baseline of the assessment engine: the annual score as a plain loop over the same data,
    the same computation as the provincial default formula (the six components: weighted
    indicator scores, 民主测评, 反向测评, 考核谈话, quarterly grades, "710" targets; a missing
    component's weight shared out; rounded half up), the provincial default weights and points
    read once (here, outside the timed part), no plugins, no explanations. Returns ``run(conn)``,
    which computes every annual score, writes them to a plain table and returns them by
    assessment id (``step_evaluate_ab`` checks they equal the engine's)."""
    from decimal import ROUND_HALF_UP, Decimal

    from cadre_sdk.parameters import load_parameters

    yaml_path = ROOT / "cadre_sdk/defaults/parameters/assessment.yaml"
    params = load_parameters(yaml_path)
    day = datetime.date(2024, 12, 31)

    def p(path: str) -> Any:
        return params.at(path, day).value
    subj_keys = {"个人": "individual", "班子": "team"}
    kind_keys = {"地方": "locality", "部门": "department", "企业": "enterprise",
                 "事业单位": "institution", "乡镇": "township"}
    codes = ("de", "neng", "qin", "ji", "lian", "luoshi")
    ind_w = {(s, k): [(c, p(f"indicators.{s}.{k}.{c}")) for c in codes
                      if params.has(f"indicators.{s}.{k}.{c}")]
             for s in subj_keys.values() for k in kind_keys.values()}
    parts_order = ("indicators", "民主测评", "反向测评", "考核谈话", "routine", "targets")
    weight_keys = ("indicators", "democratic", "reverse", "interview", "routine", "targets")
    comp_w = {s: [p(f"formula.{s}.weights.{k}") for k in weight_keys] for s in subj_keys.values()}
    votes = [p(f"formula.vote_points.{v}") for v in ("excellent", "competent", "basic",
                                                     "incompetent")]
    routine_keys = {"好": "good", "较好": "fairly_good", "一般": "average", "较差": "poor"}
    routine = {g: p(f"formula.routine_points.{k}") for g, k in routine_keys.items()}
    step = Decimal(1).scaleb(-p("formula.score_decimals"))
    quarter_order = {q: n for n, q in enumerate(("一季度", "二季度", "三季度", "四季度"))}

    def run(conn: sqlite3.Connection) -> dict[str, float | None]:
        conn.execute("DROP TABLE IF EXISTS plain_result")
        conn.execute("CREATE TABLE plain_result (id TEXT PRIMARY KEY, score REAL)")
        annual = conn.execute(
            "SELECT a.id, a.subject, a.cadre_id, a.unit_code, a.year, u.kind FROM assessment a "
            "JOIN unit u ON u.code = a.unit_code WHERE a.period = '年度' ORDER BY a.id")
        ind_rows = conn.execute("SELECT assessment_id, indicator, score FROM indicator_score "
                                "ORDER BY assessment_id")
        ev_rows = conn.execute("SELECT assessment_id, method, excellent, competent, basic, "
                               "incompetent, participants FROM evaluation ORDER BY assessment_id")
        quarters: dict[tuple[str, int], dict[str, str]] = {}
        for key, year, quarter, grade in conn.execute(
                "SELECT CASE subject WHEN '班子' THEN '班子:' || unit_code ELSE cadre_id END, year, "
                "period, routine_grade FROM assessment WHERE period != '年度' AND "
                "routine_grade IS NOT NULL ORDER BY id"):
            quarters.setdefault((key, year), {})[quarter] = grade
        targets = {(u, y): on / n * 100 for u, y, on, n in conn.execute(
            "SELECT unit_code, year, sum(actual >= planned), count(*) FROM (SELECT unit_code, year, "
            "planned, actual, ROW_NUMBER() OVER (PARTITION BY unit_code, year, target ORDER BY "
            "month DESC, id DESC) AS n FROM target_progress) WHERE n = 1 GROUP BY unit_code, year")}

        def merge(cursor: Any) -> Any:   # rows grouped by assessment id, in id order
            current, group = None, []
            for row in cursor:
                if row[0] != current:
                    if current is not None:
                        yield current, group
                    current, group = row[0], []
                group.append(row)
            if current is not None:
                yield current, group
        inds, evs = merge(ind_rows), merge(ev_rows)
        ni, ne = next(inds, None), next(evs, None)
        out = []
        for aid, subject, cadre_id, unit_code, year, kind in annual.fetchall():
            s = subj_keys[subject]
            while ni is not None and ni[0] < aid:
                ni = next(inds, None)
            while ne is not None and ne[0] < aid:
                ne = next(evs, None)
            found: dict[str, float] = {}
            if ni is not None and ni[0] == aid:
                given = {r[1]: r[2] for r in ni[1]}
                scored = [(w, given[c]) for c, w in ind_w[(s, kind_keys.get(kind, "locality"))]
                          if given.get(c) is not None]
                total = sum(w for w, _ in scored)
                if scored and total:
                    found["indicators"] = sum(w * v for w, v in scored) / total
            if ne is not None and ne[0] == aid:
                for _, method, *counts, part in ne[1]:
                    if part:
                        found[method] = sum(c * v for c, v in zip(counts, votes)) / part
            qs = quarters.get((cadre_id if subject == "个人" else "班子:" + unit_code, year))
            if qs:
                found["routine"] = sum(routine[qs[q]] for q in sorted(
                    qs, key=lambda q: quarter_order.get(q, 9))) / len(qs)
            if (unit_code, year) in targets:
                found["targets"] = targets[(unit_code, year)]
            weights = comp_w[s]
            used = [(w, found[k]) for w, k in zip(weights, parts_order) if w > 0 and k in found]
            total = sum(w for w, _ in used)
            score = None
            if total and (weights[0] == 0 or "indicators" in found):
                value = sum(w * v for w, v in used) / total
                score = float(Decimal(repr(value)).quantize(step, ROUND_HALF_UP))
            out.append((aid, score))
        conn.executemany("INSERT INTO plain_result VALUES (?, ?)", out)
        return dict(out)
    return run


def subsidy_loop(plugins: Any, conn: sqlite3.Connection) -> Any:
    """Baseline of the subsidy engine: the same cadre-months (the engine's attendance query),
    the same derived facts (paying township, days, township spells, completed years) and the
    amounts of the provincial formulas (``township_post_subsidy``, ``township_post_with_altitude``,
    ``regional_allowance``) as plain arithmetic, with the numbers of the rule the engine would
    resolve for each county and month read once, outside the timed part; no rule calls, no
    explanations. Returns ``run(conn)``, which writes ``(month, cadre_id, scheme, amount)`` rows
    to a plain table and returns them (``step_evaluate_ab`` checks they equal the ledger).
    A rule with another formula (a plugin's own ``compute``) has no baseline: ValueError."""
    from cadre_sdk import formulas
    from cadre_sdk.defaults import subsidies as default_rules
    from cadre_sdk.engines.subsidies.engine import _ATTENDANCE_SQL, _month_index, _spells
    from cadre_sdk.engines.subsidies.calls import parameter_date

    book = plugins.book
    schemes = sorted({r.key for r in book.all("subsidy")})
    months = [m for m, in conn.execute("SELECT DISTINCT month FROM attendance ORDER BY 1")]
    codes = [c for c, in conn.execute("SELECT DISTINCT substr(township_code, 1, 6) "
                                      "FROM attendance ORDER BY 1")]
    # (county code, month) -> [(scheme, formula, numbers)], resolved as the engine resolves
    rules: dict[tuple[str, str], list[tuple[str, str, Any]]] = {}
    for code in codes:
        for month in months:
            found = []
            for scheme in schemes:
                reg = book.resolve("subsidy", scheme, code, on=parameter_date(month))
                if reg is None:
                    continue
                item, on = reg.item, parameter_date(month)

                def value(path: str, item: Any = item, on: datetime.date = on) -> Any:
                    return item.parameters.at(path, on).value
                if item.compute is default_rules.regional_allowance:
                    numbers: Any = {c: float(value(f"regional_allowance.class_{c}"))
                                    for c in range(1, 7)
                                    if item.parameters.has(f"regional_allowance.class_{c}")}
                    found.append((scheme, "regional", numbers))
                elif item.compute in (default_rules.township_post_subsidy,
                                      formulas.township_post_with_altitude):
                    bands = sorted(((b["min_altitude_m"], b["monthly_yuan"])
                                    for b in value("township_post.altitude_supplement")),
                                   reverse=True) \
                        if item.compute is formulas.township_post_with_altitude else None
                    tiers = sorted(((t["min_years"], t["monthly_yuan"])
                                    for t in value("township_post.tiers")), reverse=True)
                    found.append((scheme, "township", (
                        value("township_post.min_days"), tiers,
                        value("township_post.especially_hard_bonus"), bands)))
                else:
                    raise ValueError(f"no baseline for the subsidy rule of {reg.plugin} "
                                     f"({scheme}, {reg.jurisdiction}): its own formula")
            rules[(code, month)] = found

    def run(conn: sqlite3.Connection) -> list[tuple[str, str, str, float]]:
        conn.execute("DROP TABLE IF EXISTS plain_subsidy")
        conn.execute("CREATE TABLE plain_subsidy (month TEXT, cadre_id TEXT, scheme TEXT, "
                     "amount REAL, PRIMARY KEY (cadre_id, month, scheme))")
        out = []
        current, rows = None, []
        for row in conn.execute(_ATTENDANCE_SQL):
            if (row[1], row[0]) != current:
                if rows:
                    _subsidy_month(rows, rules, _month_index, _spells, out)
                current, rows = (row[1], row[0]), []
            rows.append(row)
        if rows:
            _subsidy_month(rows, rules, _month_index, _spells, out)
        conn.executemany("INSERT INTO plain_subsidy VALUES (?, ?, ?, ?)", out)
        return out
    return run


def _subsidy_month(rows: list[tuple], rules: dict, month_index: Any, spells_of: Any,
                   out: list) -> None:
    """The baseline's lines for one cadre-month (its attendance rows)."""
    cadre_id, month = rows[0][0], rows[0][1]
    pay = min(rows, key=lambda r: (-r[3], r[2]))
    days = sum(r[3] for r in rows)
    name, level, hardship, hard, altitude = pay[4] or "", pay[5], pay[6], pay[7], pay[8]
    m = month_index(month)
    spells = spells_of(pay[9])
    served = sum(max(0, min(end, m - 1) - start + 1) for start, end in spells)
    cover = next(((s, e) for s, e in spells if s <= m <= e), None)
    for scheme, formula, numbers in rules[(pay[2][:6], month)]:
        if formula == "regional":
            if not hardship:
                continue
            amount = numbers[hardship] if cover else 0.0
        elif name.endswith(("街道", "街道办事处")) or level not in (None, "乡镇") or cover is None:
            amount = 0.0
        else:
            min_days, tiers, bonus, bands = numbers
            if days < min_days and cover[0] != m and cover[1] != m:
                amount = 0.0
            else:
                base = next(y for n, y in tiers if n <= served // 12)
                amount = float(base + (bonus if hard else 0))
                if bands is not None and altitude is not None and amount:
                    amount += next((y for n, y in bands if n <= altitude), 0)
        out.append((month, cadre_id, scheme, round(float(amount), 2)))
