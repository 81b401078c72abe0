"""The plugin author's documentation stays in step with the code: ``docs/hooks.md`` has a section
with the exact signature for every hook of ``cadre_sdk.hookspecs`` and none for a hook that does
not exist, and its examples run; ``docs/plugin-guide.md`` names only public API that exists."""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from cadre_sdk import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS_MD = ROOT / "docs" / "hooks.md"
GUIDE_MD = ROOT / "docs" / "plugin-guide.md"
HOOKS = [name for name, fn in vars(hookspecs).items()
         if callable(fn) and hasattr(fn, "cadre_sdk_spec")]


def sections(text: str) -> dict[str, str]:
    """``## name`` heading -> the text up to the next ``##`` heading."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def signature(name: str) -> str:
    """``register_indicators(register: Any) -> None``, as the hookspec declares it."""
    return name + str(inspect.signature(getattr(hookspecs, name))).replace("'", "")


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)


DOCUMENTED = sections(HOOKS_MD.read_text(encoding="utf-8"))
EXAMPLES = [(hook, n, block) for hook, body in DOCUMENTED.items()
            for n, block in enumerate(python_blocks(body), 1)]


def test_every_hook_has_a_section_and_no_section_is_for_a_missing_hook():
    assert set(HOOKS) - set(DOCUMENTED) == set(), "hooks without a section in docs/hooks.md"
    assert set(DOCUMENTED) - set(HOOKS) == set(), "sections of docs/hooks.md for no hook"
    assert list(DOCUMENTED) == HOOKS, "keep the sections in the order of cadre_sdk/hookspecs.py"


def test_the_summary_table_lists_every_hook_in_order():
    text = HOOKS_MD.read_text(encoding="utf-8")
    table = re.findall(r"^\| `(\w+)` \|", text.split("\n## ", 1)[0], flags=re.M)
    assert table == HOOKS, "docs/hooks.md: one row per hook, in the order of hookspecs.py"


@pytest.mark.parametrize("hook", HOOKS)
def test_the_section_gives_the_exact_signature_and_an_example(hook):
    body = DOCUMENTED.get(hook, "")
    assert f"`{signature(hook)}`" in body, f"docs/hooks.md: write `{signature(hook)}`"
    for part in ("**When**", "**Combination**"):
        assert part in body, f"docs/hooks.md, {hook}: say {part}"
    assert python_blocks(body), f"docs/hooks.md, {hook}: give an example"
    assert re.search(rf"\b{hook}\b", "".join(python_blocks(body))), \
        f"docs/hooks.md, {hook}: the example should implement or call the hook"


@pytest.mark.parametrize("hook, n, block", EXAMPLES,
                         ids=[f"{hook}-{n}" for hook, n, _ in EXAMPLES])
def test_the_examples_run(hook, n, block):
    exec(compile(block, f"docs/hooks.md ({hook}, example {n})", "exec"),
         {"__name__": f"hooks_md_{hook}_{n}"})


def test_the_guide_names_only_public_api_that_exists():
    text = GUIDE_MD.read_text(encoding="utf-8")
    names = set(re.findall(r"`(cadre_sdk(?:\.[a-z_]+)*)\.([A-Za-z_]+)", text))
    assert names, "the guide should name the API it explains"
    for module, attribute in sorted(names):
        try:
            target = importlib.import_module(f"{module}.{attribute}")
        except ModuleNotFoundError:
            target = getattr(importlib.import_module(module), attribute, None)
        assert target is not None, f"docs/plugin-guide.md names {module}.{attribute}"
    for hook in HOOKS:
        assert hook in text, f"docs/plugin-guide.md should mention {hook}"


def test_the_guides_python_examples_run(monkeypatch):
    for package in sorted((ROOT / "plugins").glob("cadre-*/pyproject.toml")):
        monkeypatch.syspath_prepend(str(package.parent))  # the worked examples it imports
    for n, block in enumerate(python_blocks(GUIDE_MD.read_text(encoding="utf-8")), 1):
        exec(compile(block, f"docs/plugin-guide.md (example {n})", "exec"),
             {"__name__": f"guide_md_{n}"})
