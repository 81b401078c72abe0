"""The benchmark report: results against the targets, as Markdown."""
from __future__ import annotations


from common import SIZE_TARGET, TARGETS

#: The results' key of the serve step, by level.
SERVE_KEYS = {"public": "serve", "oversight": "serve_oversight"}

def _ok(value: float, target: float, higher: bool = True) -> str:
    if value != value:
        return "–"
    return "met" if (value >= target if higher else value <= target) else "**missed**"


def sizes_section(s: dict) -> list[str]:
    """Input MB, store MB after load and after evaluate, publication MB per level, each as a
    ratio to the clerks' files (the figures of the steps this run or the last one made)."""
    if "generate" not in s:
        return []
    given = s["generate"]["bytes"]
    rows = [("clerks' files (input)", given, None)]
    if s.get("load", {}).get("db_bytes"):
        rows.append(("store after `cadre load`", s["load"]["db_bytes"], None))
    if "evaluate" in s:
        rows.append(("store after `cadre evaluate`", s["evaluate"]["db_bytes"], SIZE_TARGET))
    for level, v in (s.get("publish", {}).get("levels") or {}).items():
        if isinstance(v, dict) and "bytes" in v:
            rows.append((f"publication, {level} level", v["bytes"], SIZE_TARGET))
    lines = ["## Sizes (files on disk, as a ratio to the clerks' files)", "",
             f"| what | MB | × input | target ≤ {SIZE_TARGET:g}× |", "|---|---:|---:|---|"]
    for label, size, target in rows:
        ratio = size / given
        lines.append(f"| {label} | {size / 1e6:.1f} | {ratio:.2f} | "
                     f"{_ok(ratio, target, higher=False) if target else ''} |")
    return [*lines, ""]


def render(res: dict) -> str:
    m, s = res["machine"], res["steps"]
    lines = [f"# Benchmark at {res['scale']} ({res['cadres']:,} cadres)", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']:,} MB; Python "
             f"{m['python']}, SQLite {m['sqlite']}, datasette {m.get('datasette')}, sqlite-utils "
             f"{m.get('sqlite_utils')}, pluggy {m.get('pluggy')}; {m['date']}. Shared, noisy "
             "machine: read the ratios (both sides measured in the same run), not the times.", ""]
    if "generate" in s:
        g = s["generate"]
        lines += [f"Generated {g['files']} clerk files ({g['bytes'] / 1e6:.0f} MB) in "
                  f"{g['seconds']:.1f} s{' (an earlier run, same files)' if g.get('earlier') else ''}"
                  f"; local plugins: {', '.join(g['plugins']) or 'none (defaults only)'}.", ""]
    if "load_pairs" in s:
        pairs = s["load_pairs"]
        lines += [("## Load (`cadre load` per kind vs raw executemany of pre-parsed rows, "
                   "interleaved)"), "",
                  (f"Each kind: {pairs['repeat']} pairs in one process, alternating which side "
                   "goes first, each from a fresh copy of its store; median seconds of each side. "
                   "\"pairs\" is each pair's own ratio (the noise); the last column, the same "
                   "ratio from the process's CPU time (a cross-check that other jobs on the "
                   "machine move less; it leaves out waiting for the disk)."), "",
                  ("| kind | rows | load s | raw s | load rows/s | raw rows/s | ratio | "
                   "target ≥ 0.40 | pairs | ratio of CPU time |"),
                  "|---|---:|---:|---:|---:|---:|---:|---|---|---:|"]
        tot = [0.0, 0.0, 0.0, 0.0]   # load rows, load s, raw rows, raw s
        for kind, v in pairs["kinds"].items():
            rate = v["rows"] / v["seconds"] if v["seconds"] else float("nan")
            rraw = v["raw_rows"] / v["raw_seconds"] if v["raw_seconds"] else float("nan")
            ratio = v["ratio"] if v["ratio"] is not None else float("nan")
            for i, x in enumerate((v["rows"], v["seconds"], v["raw_rows"], v["raw_seconds"])):
                tot[i] += x
            spread = " ".join(f"{p['ratio']:.2f}" for p in v["pairs"] if p["ratio"] is not None)
            lines.append(f"| {kind} | {v['rows']:,} | {v['seconds']:.3f} | {v['raw_seconds']:.3f} "
                         f"| {rate:,.0f} | {rraw:,.0f} | {ratio:.3f} | "
                         f"{_ok(ratio, TARGETS['load']) if v['rows'] >= 1000 else '(too few rows)'}"
                         f" | {spread} | {v.get('cpu_ratio') or float('nan'):.3f} |")
        if tot[1] and tot[3]:
            ratio = (tot[0] / tot[1]) / (tot[2] / tot[3])
            lines.append(f"| **all** | {tot[0]:,.0f} | {tot[1]:.3f} | {tot[3]:.3f} | "
                         f"{tot[0] / tot[1]:,.0f} | {tot[2] / tot[3]:,.0f} | {ratio:.3f} | "
                         f"{_ok(ratio, TARGETS['load'])} | | |")
        lines.append("")
    elif "load" in s and "load_raw" in s:   # results written before the pairs (issue 16)
        lines += ["## Load (`cadre load` per kind vs raw executemany of pre-parsed rows)", "",
                  "| kind | rows | cadre load rows/s | raw rows/s | ratio | target ≥ 0.40 |",
                  "|---|---:|---:|---:|---:|---|"]
        tot_rows = tot_s = tot_raw = 0.0
        for kind, v in s["load"]["kinds"].items():
            raw = s["load_raw"]["kinds"].get(kind)
            rate = v["rows"] / v["seconds"] if v["seconds"] else float("nan")
            rraw = raw["rows"] / raw["seconds"] if raw and raw["seconds"] else float("nan")
            ratio = rate / rraw if rraw == rraw and rraw else float("nan")
            tot_rows += v["rows"]
            tot_s += v["seconds"]
            tot_raw += raw["seconds"] if raw else 0
            lines.append(f"| {kind} | {v['rows']:,} | {rate:,.0f} | {rraw:,.0f} | {ratio:.3f} | "
                         f"{_ok(ratio, TARGETS['load']) if v['rows'] >= 1000 else '(too few rows)'} |")
        lines.append(f"| **all** | {tot_rows:,.0f} | {tot_rows / tot_s:,.0f} | "
                     f"{tot_rows / tot_raw:,.0f} | {tot_raw / tot_s:.3f} | "
                     f"{_ok(tot_raw / tot_s, TARGETS['load'])} |")
        lines.append("")
    if "evaluate_ab" in s:
        ab = s["evaluate_ab"]
        lines += ["## Engines vs their plain loops (interleaved A/B in one process)", "",
                  f"Each engine alone (all plugins, explanations stored) and its plain loop, "
                  f"alternately, {ab['rounds']} rounds on one store copy (each run rolled back); "
                  "medians of wall and of CPU seconds (the process's own: other jobs on the "
                  "machine move it much less than the wall time). The first round checks the plain loop's results against the "
                  "engine's: " + ", ".join(f"{k} {v['equal']:,} equal" for k, v in
                                           ab["checked"].items()) + ".", "",
                  ("| engine | results | engine s (median) | plain loop s (median) | ratio | "
                   "CPU s engine / plain | CPU ratio | rounds, wall s (engine / plain) | "
                   "target ≥ 0.25 |"), "|---|---:|---:|---:|---:|---:|---:|---|---|"]
        for name, med in ab["median"].items():
            ratio = med["plain"] / med["engine"]
            c_med = ab["median_cpu"][name]
            runs = ab["seconds"][name]
            lines.append(f"| {name} | {ab['counts'][name]:,} | {med['engine']:.2f} | "
                         f"{med['plain']:.2f} | {ratio:.3f} | {c_med['engine']:.2f} / "
                         f"{c_med['plain']:.2f} | {c_med['plain'] / c_med['engine']:.3f} | "
                         f"{' '.join(f'{v:.1f}' for v in runs['engine'])} / "
                         f"{' '.join(f'{v:.1f}' for v in runs['plain'])} | "
                         f"{_ok(ratio, TARGETS['evaluate'])} |")
        lines.append("")
    if "evaluate" in s:
        e = s["evaluate"]
        n = e["annual_assessments"]
        lines += ["## The whole `cadre evaluate` (every engine)", "",
                  f"{e['seconds']:.1f} s for {n:,} annual assessments. Seconds per engine: "
                  + ", ".join(f"{k} {v:.1f}" for k, v in e["engines"].items())
                  + f". Rendering explanations (Trace.to_dict) "
                  f"{e['explain_clock']['explain_render']:.1f} s "
                  f"({e['explain_clock']['explain_render'] / e['seconds']:.0%}), writing them "
                  f"{e['explain_clock']['explain_write']:.1f} s "
                  f"({e['explain_clock']['explain_write'] / e['seconds']:.0%}).", ""]
        sizes = e.get("table_bytes") or {}
        total = sum(sizes.values()) or e["db_bytes"]
        lines += ["### The explanation table", "",
                  f"Database after evaluate: {e['db_bytes'] / 1e6:.0f} MB; `explanation` (with its "
                  f"indexes) {sizes.get('explanation', 0) / 1e6:.0f} MB = "
                  f"{sizes.get('explanation', 0) / total:.0%}. Largest tables: "
                  + ", ".join(f"{k} {v / 1e6:.0f} MB" for k, v in list(sizes.items())[:6]) + ".", "",
                  "Explanations store compact JSON only (rules and parameters as ids into "
                  "`explanation_ref`; the Chinese text is rendered when read).", "",
                  "| explanation kind | rows | JSON bytes/row | MB |",
                  "|---|---:|---:|---:|"]
        for k, v in e["explanations"].items():
            lines.append(f"| {k} | {v['rows']:,} | {v['bytes_json'] / max(v['rows'], 1):,.0f} | "
                         f"{v['bytes_json'] / 1e6:.1f} |")
        lines.append("")
    if "publish" in s:
        lines += ["## Publish (`cadre publish` vs `VACUUM INTO` of the same store)", "",
                  "| level | publish s | VACUUM INTO s | ratio | publication MB | store copy MB |",
                  "|---|---:|---:|---:|---:|---:|"]
        for level, v in s["publish"]["levels"].items():
            if "error" in v:
                lines.append(f"| {level} | failed: {v['error'][:200]} | | | | |")
                continue
            lines.append(f"| {level} | {v['seconds']:.1f} | {v['vacuum_seconds']:.1f} | "
                         f"{v['seconds'] / v['vacuum_seconds']:.1f}× | {v['bytes'] / 1e6:.0f} | "
                         f"{v['vacuum_bytes'] / 1e6:.0f} |")
        lines.append("")
    for level, key in SERVE_KEYS.items():
        if key not in res:
            continue
        lines += [f"## Serve ({level} level, HTTP on 127.0.0.1 against `cadre serve`)", "",
                  "Latency in ms (HTML pages). 1 client: sequential requests; 16 clients: "
                  "concurrent threads, 4× as many requests; each stops after 20 s (n = requests timed).", "",
                  "| target | 1 client p50 / p95 / p99 | 16 clients p50 / p95 / p99 | HTTP status | "
                  "p95 < 100 ms (16 clients) |", "|---|---|---|---|---|"]
        for label, v in res[key]["targets"].items():
            c1, c16 = v["c1"], v["c16"]
            lines.append(f"| {label} | {c1['p50']:.0f} / {c1['p95']:.0f} / {c1['p99']:.0f} "
                         f"(n={c1['n']}) | {c16['p50']:.0f} / {c16['p95']:.0f} / {c16['p99']:.0f} "
                         f"(n={c16['n']}) | "
                         f"{', '.join(f'{k}×{n}' for k, n in v['status'].items())} | "
                         f"{_ok(c16['p95'], TARGETS['p95_ms_at_100k_16'], higher=False)} |")
        lines.append("")
    lines += sizes_section(s)
    lines += ["## Peak RSS per step (each step a child process; os.wait4)", "",
              "| step | MB | wall s |", "|---|---:|---:|"]
    for step, v in s.items():
        if "peak_rss_mb" in v:   # not a step reused from an earlier run
            lines.append(f"| {step} | {v['peak_rss_mb']:.0f} | {v['wall_seconds']:.1f} |")
    baseline = "load_pairs" if "load_pairs" in s else "load_raw"
    lines += ["", f"`{baseline}` holds one kind's parsed rows in memory by design (the baseline), "
              "so its RSS is not a loader figure.", ""]
    return "\n".join(lines)
