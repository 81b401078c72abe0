"""A large roster workbook for measuring the .xlsx reader (issue 19): the rows of a generated
roster (``干部名册_海西州.xlsx`` of any scale) repeated until ``ROWS``, each with a cadre id of its
own (``QH2000000`` on) and an ID number of its own (birth day and sequence varied within its
region and birth month, the check digit recomputed), written as the demo writes workbooks
(openpyxl write-only: inline strings). Its units are the source's, so it loads into a store
holding the source scale's regions and units:

    PYTHONPATH=. .venv/bin/python benchmarks/big_roster.py WORK/files/干部名册_海西州.xlsx \
        /tmp/x/roster250k.xlsx 250000
    cadre init /tmp/x/s.db && cadre load /tmp/x/s.db region WORK/files/地区_海拔与艰苦类别.csv \
        && cadre load /tmp/x/s.db unit WORK/files/单位名录.csv
    /usr/bin/time -v cadre load /tmp/x/s.db cadre /tmp/x/roster250k.xlsx --as-of 2026-12-01

Sources of more than 28 x 100 rows of one region and birth month would repeat ID numbers.
"""
from __future__ import annotations

import argparse
from pathlib import Path

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """The GB 11643 check character of an ID number's first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def main() -> None:
    import openpyxl

    from cadre_sdk.demo.files import ClerkFile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("rows", type=int)
    args = parser.parse_args()
    wb = openpyxl.load_workbook(args.source, read_only=True)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    cadre_id, id_number = header.index("干部编号"), header.index("身份证号")
    out = ClerkFile(args.out, header, dates="dot", sheet=wb.active.title)
    met: dict[str, int] = {}  # rows written per region and birth month
    for i in range(args.rows):
        row = list(body[i % len(body)])
        row[cadre_id] = f"QH{2_000_000 + i:07d}"
        number = row[id_number]
        n = met.get(number[:12], 0)
        met[number[:12]] = n + 1
        first17 = f"{number[:12]}{1 + n % 28:02d}{n // 28 % 100:02d}{number[16]}"
        row[id_number] = first17 + check_digit(first17)
        out.write(row)
    out.close()


if __name__ == "__main__":
    main()
