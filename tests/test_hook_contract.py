"""Every hook is documented (a docstring saying when it is called and how answers combine) and
has a test that exercises it (datasette's test_plugin_hooks_have_tests, in our shape)."""
import inspect
import re
from pathlib import Path

import pytest

from cadre_sdk import hookspecs

TESTS = Path(__file__).resolve().parent
HOOKS = sorted(name for name, fn in vars(hookspecs).items()
               if callable(fn) and hasattr(fn, "cadre_sdk_spec"))


def test_there_are_hooks():
    assert {"register_indicators", "register_scoring", "register_subsidy_rules",
            "register_tolerance_variants", "register_adjustment_situations",
            "validate_record", "register_queries", "register_commands",
            "cadre_jurisdiction"} <= set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert len(doc) > 120, f"{name} needs a real docstring"
    assert "Called" in doc, f"{name}: say when it is called"


@pytest.mark.parametrize("name", HOOKS)
def test_hook_has_a_test(name):
    """Some test other than this file implements or calls the hook by name."""
    pattern = re.compile(rf"\b{name}\b")
    for path in TESTS.rglob("test_*.py"):
        if path.name != Path(__file__).name and pattern.search(path.read_text(encoding="utf-8")):
            return
    pytest.fail(f"no test mentions hook {name}")
