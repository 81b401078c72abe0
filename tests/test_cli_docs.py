"""docs/cli.md is the commands' own help: regenerate with `python -m cadre_sdk.cli.clidoc`."""
from pathlib import Path

from cadre_sdk.cli.clidoc import render

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_cli_reference_is_up_to_date(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/cli.md drifted: run `python -m cadre_sdk.cli.clidoc > docs/cli.md`"


def test_every_command_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for name in ("init", "load", "kinds", "evaluate", "explain", "verify", "publish", "serve",
                 "demo", "plugins", "rules check", "schemas export"):
        assert f"## cadre {name}\n" in text, name
