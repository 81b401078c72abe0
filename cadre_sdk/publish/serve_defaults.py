"""What ``cadre serve`` takes by default (its login's account and password variable, its
worker processes), apart from ``app``: the CLI names them in its options without importing
Datasette (~1.2 s CPU at start-up: its unit registry), which ``cadre publish`` never needs."""
from __future__ import annotations

import os

PASSWORD_ENV = "CADRE_OVERSIGHT_PASSWORD_HASH"
DEFAULT_USER = "oversight"


def default_workers() -> int:
    """The number of CPU cores this process may run on (``cadre serve``'s default workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1
