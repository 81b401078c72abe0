"""A ``random.Random`` that draws the demo's numbers with fewer Python calls.

The generator draws tens of millions of numbers at 1M cadres, most of them through
``randint``, ``choice`` and ``choices``; in ``random.Random`` each of these goes through two
or three Python frames (``randint`` → ``randrange`` → ``_randbelow``) and ``choices`` adds up
its weights on every call. ``Draws`` does the same arithmetic on the same stream in one frame
and keeps the running sums of the weights it has seen: for the same seed it returns exactly
what ``random.Random`` returns, call for call, and leaves the generator in the same state
(``tests/test_demo_draws.py`` compares the two), so the demo's files stay byte-identical.
Arguments the fast paths do not cover (non-integers, steps, empty ranges, ``k`` > 1, weights
that are not a tuple) go to ``random.Random``'s own methods, which raise as they always do.
"""
from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

#: Weight tuples whose running sums are kept (the demo has a few hundred); beyond, cleared.
_CUM_LIMIT = 4096


class Draws(random.Random):
    """``random.Random`` with ``randint``, ``randrange``, ``choice`` and ``choices`` drawing
    the same values from the same stream, faster (see the module docstring)."""

    def __init__(self, x: Any = None) -> None:
        super().__init__(x)
        self._cum: dict[tuple, tuple[list, float]] = {}

    def randint(self, a: int, b: int) -> int:
        """A random integer N with a <= N <= b, as ``random.Random.randint``."""
        if a.__class__ is int and b.__class__ is int and b >= a:
            n = b - a + 1
            k = n.bit_length()
            getrandbits = self.getrandbits
            r = getrandbits(k)
            while r >= n:
                r = getrandbits(k)
            return a + r
        return super().randint(a, b)

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        """``random.Random.randrange``; one frame for integer ranges with step 1."""
        if step == 1 and start.__class__ is int and step.__class__ is int:
            if stop is None:
                lo, n = 0, start
            elif stop.__class__ is int:
                lo, n = start, stop - start
            else:
                n = 0
            if n > 0:
                k = n.bit_length()
                getrandbits = self.getrandbits
                r = getrandbits(k)
                while r >= n:
                    r = getrandbits(k)
                return lo + r
        return super().randrange(start, stop, step)

    def choice(self, seq: Sequence[Any]) -> Any:
        """A random element of a non-empty sequence, as ``random.Random.choice``."""
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        k = n.bit_length()
        getrandbits = self.getrandbits
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]

    def choices(self, population: Sequence[Any], weights: Any = None, *,
                cum_weights: Any = None, k: int = 1) -> list[Any]:
        """``random.Random.choices``; one draw (``k=1``) with a tuple of weights keeps the
        tuple's running sums instead of adding it up again."""
        if k == 1 and cum_weights is None and weights.__class__ is tuple:
            found = self._cum.get(weights)
            if found is None:
                cum = list(accumulate(weights))
                total = cum[-1] + 0.0 if cum else 0.0
                if len(cum) != len(population) or not total > 0.0 or not math.isfinite(total):
                    return super().choices(population, weights, k=k)  # raises as it does
                if len(self._cum) >= _CUM_LIMIT:
                    self._cum.clear()
                found = self._cum[weights] = (cum, total)
            cum, total = found
            return [population[bisect_right(cum, self.random() * total, 0, len(cum) - 1)]]
        return super().choices(population, weights, cum_weights=cum_weights, k=k)
