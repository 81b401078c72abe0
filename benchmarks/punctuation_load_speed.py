"""How fast a text-heavy kind loads (日常考察记录: a long 具体表现 per row) now that text keeps
its Chinese punctuation (，：；（）！？ are no longer folded to ASCII), as a ratio against the
code of another commit (``--ref``, default ``main``) in the same run, rounds interleaved:

    PYTHONPATH=. .venv/bin/python benchmarks/punctuation_load_speed.py --rows 100000 --rounds 5

Two files of the same rows: ``punctuated``, whose texts hold full-width ，：；（） (every clerk's
text; folded by ``ref``, the fast path's ``_WIDE`` sent them the long way), and ``plain``,
whose texts hold only 、。 (outside the full-width block both before and after). Each round
loads each file into a fresh copy of a store holding the cadres, in a process of its own
(the commit's ``cadre_sdk`` on ``PYTHONPATH``), and times ``load_files`` alone (CPU time);
the ratio is the median of the rounds' ratios (each round's two loads back to back).

Measured (100,000 rows, 7 rounds, CPU time; two runs, 2 shared cores) when text began to keep
its punctuation: this/main 0.581 and 0.572 (punctuated: 1.23–1.30 s against 2.20–2.30 s; such
text now takes the fast path), 1.016 and 1.012 (plain, 1.25–1.29 s: the same code path, the
rounds' spread 0.94–1.10 is the machine's). Reloading the punctuated file into a store main's
code loaded (punctuation folded; every row then compared with ``same_but_old_folding``, all
未变) took 0.92 of main's reload of it (3.0–3.4 s, 5 rounds, measured once by hand).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

CADRES = 200
PUNCTUATED = ("{n},C{c},2026-0{m}-1{d},平时考核,该同志（{n}号）在防汛救灾中冲锋在前，连续奋战七昼夜；"
              "群众反映：“工作扎实、作风过硬”！是否表扬？经研究，予以通报表扬。\n")
PLAIN = ("{n},C{c},2026-0{m}-1{d},平时考核,该同志{n}号在防汛救灾中冲锋在前、连续奋战七昼夜。"
         "群众反映“工作扎实、作风过硬”。经研究予以通报表扬。\n")
HEADER = "记录编号,干部编号,日期,来源,具体表现\n"

#: Run in a process of its own with one commit's ``cadre_sdk``: loads ``argv[2]`` into the
#: store ``argv[1]`` and prints the CPU seconds ``load_files`` took (the process's own time:
#: other processes on shared cores disturb it far less than the wall clock).
_TIMED = """
import sys, time
import sqlite_utils
import cadre_sdk
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.ingest.updates import LoadOptions
db = sqlite_utils.Database(sys.argv[1])
start = time.process_time()
result = load_files(db, "observation", [sys.argv[2]], options=LoadOptions(as_of="2026-12-01"))
elapsed = time.process_time() - start
assert result.new > 0, result
print(cadre_sdk.__file__, elapsed)
"""


def write_files(work: Path, rows: int) -> dict[str, Path]:
    """The two observation files (same rows, punctuated or plain)."""
    files = {}
    for name, row in (("punctuated", PUNCTUATED), ("plain", PLAIN)):
        path = work / f"{name}.csv"
        with path.open("w", encoding="utf-8") as f:
            f.write(HEADER)
            f.writelines(row.format(n=n, c=n % CADRES, m=1 + n % 9, d=n % 10)
                         for n in range(rows))
        files[name] = path
    return files


def tree_of(ref: str, work: Path) -> Path:
    """``cadre_sdk`` as it is at ``ref``, extracted under ``work``."""
    out = work / f"tree-{ref}"
    archive = subprocess.run(["git", "archive", ref, "cadre_sdk"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    return out


def base_store(work: Path, tree: Path) -> Path:
    """A store holding one unit and the cadres the observations name."""
    store = work / "base.db"
    units, cadres = work / "units.csv", work / "cadres.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区\n"
                     "U1,玉树州农牧局（本级）,部门,市州,玉树藏族自治州\n", encoding="utf-8")
    cadres.write_text("干部编号,姓名,性别,出生年月,工作单位,职务\n" + "".join(
        f"C{c},才让{c},男,1980.05,U1,科员\n" for c in range(CADRES)), encoding="utf-8")
    env = {"PYTHONPATH": str(tree)}
    for args in (["init", store], ["load", store, "unit", units],
                 ["load", store, "cadre", cadres, "--as-of", "2026-12-01"]):
        subprocess.run([sys.executable, "-m", "cadre_sdk", *map(str, args)], check=True,
                       env=env, capture_output=True, cwd=work)
    return store


def timed(tree: Path, store: Path, path: Path, work: Path) -> float:
    """Seconds ``load_files`` of ``tree`` takes to load ``path`` into a copy of ``store``."""
    copy = work / "copy.db"
    shutil.copyfile(store, copy)
    # (run in ``work``: ``-c`` puts the working directory first on the path, and a checkout's
    # own ``cadre_sdk`` there would be imported whatever ``PYTHONPATH`` says)
    out = subprocess.run([sys.executable, "-c", _TIMED, str(copy), str(path)], check=True,
                         env={"PYTHONPATH": str(tree)}, capture_output=True, text=True,
                         cwd=work).stdout
    copy.unlink()
    where, elapsed = out.split()
    assert Path(where).is_relative_to(tree), (where, tree)  # the commit's code, not another
    return float(elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ref", default="main")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        trees = {"this": here, args.ref: tree_of(args.ref, work)}
        store = base_store(work, here)
        files = write_files(work, args.rows)
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for name, path in files.items():
                for label, tree in trees.items():
                    times.setdefault((name, label), []).append(timed(tree, store, path, work))
        for name in files:
            this, ref = times[name, "this"], times[name, args.ref]
            # each round's two loads ran back to back: the median of their ratios is what
            # a machine whose load drifts (shared cores) disturbs least
            ratio = statistics.median(a / b for a, b in zip(this, ref))
            print(f"{name:11s} this {statistics.median(this):.3f} s  {args.ref} "
                  f"{statistics.median(ref):.3f} s  this/{args.ref} {ratio:.3f} "
                  f"(rounds {min(a / b for a, b in zip(this, ref)):.3f}–"
                  f"{max(a / b for a, b in zip(this, ref)):.3f})")


if __name__ == "__main__":
    main()
