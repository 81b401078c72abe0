"""``demo.draws.Draws`` draws what ``random.Random`` draws, call for call, so that the demo's
files stay byte-identical for a seed while the generator runs faster."""
from __future__ import annotations

import importlib
import random

import pytest

from cadre_sdk.demo.draws import Draws
from cadre_sdk.testing import make_plugins

# the module (the package ``cadre_sdk.demo`` exports its function under the same name)
generate_mod = importlib.import_module("cadre_sdk.demo.generate")


def _calls(rng: random.Random, script: random.Random, count: int) -> list:
    """A mixed series of draws, the arguments chosen by ``script`` (the same for both)."""
    weights = [(1, 2, 3), (10, 50, 30, 10), (0.5, 1.5, 2.25, 0.75), (14, 30, 6, 5, 10, 8)]
    out = []
    for _ in range(count):
        op = script.randrange(8)
        if op == 0:
            lo = script.randint(-50, 50)
            out.append(rng.randint(lo, lo + script.choice((0, 1, 2, 6, 27, 1000, 2**70))))
        elif op == 1:
            out.append(rng.randrange(script.randint(1, 600)))
        elif op == 2:
            lo = script.randint(0, 9)
            out.append(rng.randrange(lo, lo + script.randint(1, 40)))
        elif op == 3:
            out.append(rng.choice("abcdefghijklmnopq"[: script.randint(1, 17)]))
        elif op == 4:
            w = script.choice(weights)
            out.append(rng.choices(tuple(range(len(w))), weights=w))
        elif op == 5:
            out.append(rng.gauss(0, 1))
        elif op == 6:
            out.append(rng.sample(range(30), script.randint(0, 5)))
        else:
            out.append(rng.random())
    return out


@pytest.mark.parametrize("seed", ["cadre-demo:1:people", 7])
def test_draws_equal_random_call_for_call_and_leave_the_same_state(seed):
    plain, fast = random.Random(seed), Draws(seed)
    assert _calls(fast, random.Random(3), 5000) == _calls(plain, random.Random(3), 5000)
    assert fast.getstate() == plain.getstate()


def test_arguments_the_fast_paths_do_not_take_behave_as_random():
    plain, fast = random.Random(5), Draws(5)
    for rng in (plain, fast):
        with pytest.raises(ValueError):
            rng.randint(5, 4)
        with pytest.raises(ValueError):
            rng.randrange(0)
        with pytest.raises(IndexError):
            rng.choice([])
        with pytest.raises(ValueError):
            rng.choices("ab", weights=(1, 2, 3))
        with pytest.raises(ValueError):
            rng.choices("ab", weights=(0, 0))
    assert fast.randrange(0, 20, 3) == plain.randrange(0, 20, 3)
    assert fast.choices("abc", weights=[1, 2, 3], k=4) == plain.choices("abc", [1, 2, 3], k=4)
    assert fast.getstate() == plain.getstate()


def test_the_demo_files_are_those_plain_random_writes(tmp_path, monkeypatch):
    plugins = make_plugins()
    fast = generate_mod.generate(tmp_path / "fast", cadres=150, seed=3, plugins=plugins)
    monkeypatch.setattr(generate_mod, "Draws", random.Random)
    plain = generate_mod.generate(tmp_path / "plain", cadres=150, seed=3, plugins=plugins)
    assert [p.name for ps in fast.values() for p in ps] == \
        [p.name for ps in plain.values() for p in ps]
    for kind, paths in fast.items():
        for a, b in zip(paths, plain[kind]):
            assert a.read_bytes() == b.read_bytes(), a.name
