"""Real processes without Python's start-up each time: a helper process imports what the
commands need once, then forks one child per command. A child is a process of its own (the
test may SIGKILL it mid-write, as a crash would end it); only the imports are shared.

The crash tests start tens of processes; without this each would spend its first seconds
importing the SDK (more when no bytecode cache may be written), and kills timed over a whole
process would mostly land in the imports."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# ``SETUP`` defines ``run(args, ready)``: it runs one command with the arguments of a line
# (tab-separated), calling ``ready()`` once it has begun (the test times its kills from there).
# The child's stdout goes to /dev/null; its pid is written on the helper's stdout when ready.
# The helper reaps the child only after the test sends a line, then prints its exit code
# (negative: the signal that ended it), so the pid stays the child's until the test is done.
HELPER = """
import os, sys, traceback
{setup}
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        channel = os.dup(1)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        said = []
        def ready():
            if not said:
                said.append(True)
                os.write(channel, b"%d\\n" % os.getpid())
        code = 0
        try:
            run(line.rstrip("\\n").split("\\t"), ready)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
        ready()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.stdin.readline()
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


def cpu_seconds(pid: int) -> tuple[float, bool]:
    """The CPU time (user + system) process ``pid`` has used so far, and whether it has ended
    (a child not yet reaped: its times stay readable). Linux: /proc/PID/stat. Kills timed in
    this time land at the same point of the work however busy the machine is, which kills
    timed by the clock do not (the work's pace changes with the load beside it)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, fields[0] in ("Z", "X")


def wait_for_cpu(pid: int, seconds: float) -> None:
    """Return once process ``pid`` has used ``seconds`` of CPU time, or has ended."""
    while True:
        used, ended = cpu_seconds(pid)
        if ended or used >= seconds:
            return
        time.sleep(0.002)


class Forked:
    """The helper process; ``start`` forks a command, ``wait`` ends it, ``run`` does both."""

    def __init__(self, setup: str, env: dict[str, str], log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-c", HELPER.format(setup=setup)], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        assert self._line() == "ready", self.errors()

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def errors(self) -> str:
        """What the helper and its children wrote on stderr so far."""
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8")

    def start(self, *args: Any) -> int:
        """Fork a child running ``run(args)``; its pid, once it is ready."""
        self._send("\t".join(map(str, args)))
        line = self._line()
        assert line.isdigit(), self.errors()
        return int(line)

    def wait(self) -> int:
        """The exit code of the child started last, once it has ended."""
        self._send("")
        return int(self._line())

    def run(self, *args: Any) -> int:
        self.start(*args)
        return self.wait()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.log.close()
