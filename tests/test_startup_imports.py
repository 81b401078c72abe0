"""What the CLI imports at start-up: ``cadre publish`` (and every other command but ``serve``)
never needs Datasette, whose import (its unit registry) costs ~1.2 s CPU."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_after(code: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] "
                                      "for m in sys.modules})))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_cli_starts_without_datasette() -> None:
    modules = _imported_after("from cadre_sdk.cli.app import build_cli\n"
                              "from cadre_sdk.plugin_host.discovery import get_plugin_manager\n"
                              "build_cli(get_plugin_manager(keep_going=True))")
    assert "cadre_sdk" in modules
    assert "datasette" not in modules


def test_serve_defaults_are_the_apps() -> None:
    from cadre_sdk.publish import app, serve_defaults
    assert (app.DEFAULT_USER, app.PASSWORD_ENV, app.default_workers) == (
        serve_defaults.DEFAULT_USER, serve_defaults.PASSWORD_ENV, serve_defaults.default_workers)
    assert serve_defaults.default_workers() >= 1
