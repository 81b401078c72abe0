"""How fast UTF-8 text files are read (``ingest.read_encoding``: the encoding decided, then the
lines decoded), as a ratio against plain Python reading the same file as UTF-8 in the same
run, and against the reader of another commit (``--ref``, default ``main``) loaded beside this
one, rounds interleaved:

    PYTHONPATH=. .venv/bin/python benchmarks/utf8_read_speed.py --mb 40 --rounds 5

Files: a large Chinese roster (read in blocks after a 1 MB sample), the same with ``·`` in
names (a two-byte UTF-8 character), a large roster in pinyin with tone marks and no Chinese
(two-byte characters only: the sample's reading is scored against GBK's), and many small
Chinese rosters (each read whole at once), half with ``·``.

Measured (40 MB, 2,000 small files, 5 rounds, medians; two runs) when the UTF-8 reading began
to be scored against GBK's: this/main 0.93–1.00 (large Chinese), 0.94–0.97 (with ·),
1.04–1.11 (pinyin: its sample scored once, 15–20 ms), 0.93–1.02 (small files); this/plain
1.31–1.41, 1.27–1.28, 1.44–1.45, 0.91–0.93 where main's was 1.41, 1.31–1.37, 1.31–1.38,
0.91–0.98. A Chinese UTF-8 text is told from GBK at its first Chinese character, so only a
text of ASCII and two-byte characters costs more than main's, once per file.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROW = "{n},才让{dot}多杰{n},男,1978.11,藏族,玉树州农牧局,副局长,一级调研员,632701197811070{k}13\n"
HEADER = "干部编号,姓名,性别,出生年月,民族,工作单位,职务,职级,身份证号\n"
# No Chinese: pinyin with tone marks, the reading GBK's might be (scored on the sample).
LATIN_ROW = "{n},Zhāng Sān{dot}{n},M,1978.11,Café No.{k},Ü{k}\n"


def write_roster(path: Path, size: int, dot: str, row: str = ROW) -> None:
    """A UTF-8 roster of about ``size`` bytes; ``dot`` in each name."""
    rows = max(1, size // len(row.format(n=0, dot=dot, k=0).encode()))
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER if row == ROW else "id,name,gender,birth,note,code\n")
        for start in range(0, rows, 1000):
            f.writelines(row.format(n=n, dot=dot, k=n % 10)
                         for n in range(start, min(rows, start + 1000)))


def reader_of(ref: str) -> ModuleType:
    """``cadre_sdk.ingest.read_encoding`` as it is at ``ref``, loaded as a module of its own."""
    source = subprocess.run(["git", "show", f"{ref}:cadre_sdk/ingest/read_encoding.py"],
                            check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(f"read_encoding_{ref}", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{ref}:read_encoding.py", "exec"), module.__dict__)
    return module


def consume(lines_of: Callable[[Path, str], object], paths: list[Path]) -> float:
    t = time.perf_counter()
    for path in paths:
        for _line in lines_of(path, path.name):  # type: ignore[attr-defined]
            pass
    return time.perf_counter() - t


def plain(path: Path, _file: str) -> object:
    with open(path, encoding="utf-8", newline="") as f:
        yield from f


def main() -> None:
    from cadre_sdk.ingest import read_encoding

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=40, help="size of the large files")
    parser.add_argument("--small", type=int, default=2000, help="number of small files (5 KB)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ref", default="main", help="the commit whose reader is compared")
    args = parser.parse_args()
    before = reader_of(args.ref)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets: dict[str, list[Path]] = {}
        for name, dot, row in [("large Chinese", "", ROW), ("large Chinese with ·", "·", ROW),
                               ("large pinyin with ā é Ü", "", LATIN_ROW)]:
            path = work / f"{name}.csv"
            write_roster(path, args.mb << 20, dot, row)
            sets[name] = [path]
        small = []
        for i in range(args.small):
            path = work / f"small{i}.csv"
            write_roster(path, 5000, "·" if i % 2 else "")
            small.append(path)
        sets["small rosters (half with ·)"] = small
        sides = {"plain": plain, args.ref: before._text_lines, "this": read_encoding._text_lines}
        print(f"{'files':30} {'plain s':>8} {args.ref + ' s':>8} {'this s':>8} "
              f"{args.ref + '/plain':>11} {'this/plain':>11} {'this/' + args.ref:>11}")
        for name, paths in sets.items():
            times: dict[str, list[float]] = {side: [] for side in sides}
            for r in range(args.rounds):
                order = list(sides) if r % 2 == 0 else list(reversed(sides))
                for side in order:
                    times[side].append(consume(sides[side], paths))
            med = {side: statistics.median(t) for side, t in times.items()}
            print(f"{name:30} {med['plain']:8.3f} {med[args.ref]:8.3f} {med['this']:8.3f} "
                  f"{med[args.ref] / med['plain']:11.2f} {med['this'] / med['plain']:11.2f} "
                  f"{med['this'] / med[args.ref]:11.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
