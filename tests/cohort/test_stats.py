"""Wilson and Newcombe intervals against published values and closed-form properties."""

from __future__ import annotations

import numpy as np
import pytest

from rairlab.cohort import newcombe_independent, newcombe_paired, wilson


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    # Newcombe RG, Stat Med 1998;17:857-872, Table I (Wilson score, method 3)
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-4)
    assert got[1] == pytest.approx(hi, abs=1e-4)


def test_wilson_contains_p_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 500))
        k = int(rng.integers(0, n + 1))
        lo, hi = wilson(k, n)
        assert 0 <= lo <= k / n <= hi <= 1
    assert np.diff([wilson(n // 3, n)[1] - wilson(n // 3, n)[0] for n in (30, 300, 3000)]).max() < 0


def test_newcombe_independent_published_example() -> None:
    # Newcombe 1998, Stat Med 17:873-890, example (a): 56/70 vs 48/80, method 10
    lo, hi = newcombe_independent(56, 70, 48, 80)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_paired_interval_matches_the_published_example_and_stays_in_bounds() -> None:
    lo, hi = newcombe_paired(36, 12, 2, 0)
    assert (lo, hi) == pytest.approx((0.0569, 0.3404), abs=1e-4)
    # identical arms: the difference is 0 and the interval straddles it
    lo, hi = newcombe_paired(10, 0, 0, 30)
    assert lo < 0 < hi
    assert -1 <= newcombe_paired(0, 50, 0, 0)[0] <= newcombe_paired(0, 50, 0, 0)[1] <= 1
