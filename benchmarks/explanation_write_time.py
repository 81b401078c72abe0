"""Run ``cadre evaluate STORE [options]`` in-process and print, on stderr, the wall seconds of
the whole command and of ``explanations.write`` (wrapped before the engines import it), and the
process's CPU seconds of each (which other jobs on a shared machine disturb much less).

Compare two source trees on copies of one store, interleaved (issue 19, FINDINGS.md):
``PYTHONPATH=<tree> .venv/bin/python benchmarks/explanation_write_time.py run.db --as-of D``."""
import sys
import time

import cadre_sdk.store.explanations as ex

spent = [0.0, 0, 0.0]
_write = ex.write


def timed(db, rows):
    t, c = time.perf_counter(), time.process_time()
    n = _write(db, rows)
    spent[0] += time.perf_counter() - t
    spent[2] += time.process_time() - c
    spent[1] += n
    return n


ex.write = timed
from cadre_sdk.cli.app import main  # noqa: E402

t0, c0 = time.perf_counter(), time.process_time()
try:
    main(["evaluate", *sys.argv[1:]])
except SystemExit:
    pass
finally:
    print(f"RESULT src={ex.__file__} evaluate={time.perf_counter() - t0:.2f}s "
          f"explanations.write={spent[0]:.2f}s rows={spent[1]} "
          f"cpu: evaluate={time.process_time() - c0:.2f}s explanations.write={spent[2]:.2f}s",
          file=sys.stderr)
