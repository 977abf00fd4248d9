"""The G factor of an uptake phase when the uptake and clearance rates nearly agree.

Regression for issue 13 (property-based tests): for ``R(t) ∝ exp(-λ t) - exp(-λ_u t)``
the term-by-term double sum cancels as ``λ_u → λ`` and G left [0, 1]; the old guard,
``np.isclose`` with its default absolute tolerance of 1e-8 (in 1/h), also gave
answers that depended on the time unit. The closed form is checked against

* the double sum of the module docstring in 80-digit arithmetic (mpmath), for the
  same float rates, at rel. 1e-13;
* at equal rates, the limit ``R(t) ∝ t exp(-λ t)`` whose G is
  ``λ (2λ + μ) / (2 (λ + μ)²)`` (written here from the double integral), rel. 1e-14;
* continuity through ``λ_u = λ``: ``|d ln G / d ln λ_u| <= 2``, so
  ``|G(λ(1+δ)) / G(λ) - 1| <= 2|δ|`` (plus rounding);
* scale invariance: rates times k and times divided by k give the same G and BED
  (rel. 1e-14), for k from 1e-6 to 1e6 (h -> s is k = 1/3600 on the rates).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rairlab.radiobiology import bed_decaying, lea_catcheside_g

mpmath = pytest.importorskip("mpmath")

LN2 = math.log(2.0)
_RELATIVE_GAPS = [
    0.0,
    2.2e-16,
    1e-15,
    1e-13,
    1e-11,
    1e-9,
    1e-7,
    1e-6,
    1e-5,
    1e-4,
    1e-3,
    1e-2,
    0.1,
    1.0,
    10.0,
    1e3,
]
_CLEARANCE_H = [0.5, 6.0, 72.0, 1500.0]  # effective half-lives (h)
_REPAIR_H = [0.1, 1.5, 10.0]


def _g_reference(lam: float, lam_u: float, mu: float) -> float:
    """2 Σ_ij c_i c_j / ((λ_i + λ_j)(λ_i + μ)) / D², c = (1, -1), in 80 digits."""
    with mpmath.workdps(80):
        rates = [mpmath.mpf(lam), mpmath.mpf(lam_u)]
        signs = [1, -1]
        m = mpmath.mpf(mu)
        double = mpmath.fsum(
            ci * cj / ((li + lj) * (li + m))
            for ci, li in zip(signs, rates, strict=True)
            for cj, lj in zip(signs, rates, strict=True)
        )
        dose = 1 / rates[0] - 1 / rates[1]
        return float(2 * double / dose**2)


def _g_equal(lam: float, mu: float) -> float:
    """G of R(t) = t exp(-λt), integrated by hand.

    D = ∫ R = 1/λ². The inner integral is ∫_0^t w exp(-λw - μ(t - w)) dw, and
    ∫_0^∞ R(t) · inner dt = (2λ + μ) / (4 λ³ (λ + μ)²); G = 2 · that / D².
    """
    return lam * (2 * lam + mu) / (2 * (lam + mu) ** 2)


@pytest.mark.parametrize("t_rep", _REPAIR_H)
@pytest.mark.parametrize("t_eff", _CLEARANCE_H)
def test_g_of_near_equal_rates_matches_the_80_digit_double_sum(t_eff: float, t_rep: float) -> None:
    lam, mu = LN2 / t_eff, LN2 / t_rep
    for gap in _RELATIVE_GAPS[1:]:
        for lam_u in (lam * (1 + gap), lam / (1 + gap)):
            if lam_u == lam:
                continue
            g = float(lea_catcheside_g([1.0, -1.0], [lam, lam_u], t_rep))
            assert 0.0 <= g <= 1.0, (gap, g)
            assert g == pytest.approx(_g_reference(lam, lam_u, mu), rel=1e-13, abs=0), gap
            # the same number through bed_decaying (half-lives of these rates); D/(α/β)
            # = 1e12 keeps BED/D - 1 = G D/(α/β) free of cancellation
            bed = float(bed_decaying(1e6, 1e-6, LN2 / lam, t_rep, LN2 / lam_u))
            g_bed = (bed / 1e6 - 1.0) * 1e-12
            assert g_bed == pytest.approx(g, rel=1e-12, abs=0), gap


@pytest.mark.parametrize("t_rep", _REPAIR_H)
@pytest.mark.parametrize("t_eff", _CLEARANCE_H)
def test_g_of_equal_rates_is_the_t_exp_limit(t_eff: float, t_rep: float) -> None:
    lam, mu = LN2 / t_eff, LN2 / t_rep
    expected = _g_equal(lam, mu)
    assert float(lea_catcheside_g([1.0, -1.0], [lam, lam], t_rep)) == pytest.approx(
        expected, rel=1e-14, abs=0
    )
    assert float(lea_catcheside_g([-3.0, 3.0], [lam, lam], t_rep)) == pytest.approx(
        expected, rel=1e-14, abs=0
    )
    bed = float(bed_decaying(80.0, 3.0, t_eff, t_rep, uptake_half_time_h=t_eff))
    assert bed == pytest.approx(80.0 * (1 + expected * 80.0 / 3.0), rel=1e-14, abs=0)


@pytest.mark.parametrize("t_rep", _REPAIR_H)
@pytest.mark.parametrize("t_eff", _CLEARANCE_H)
def test_g_is_continuous_through_equal_rates(t_eff: float, t_rep: float) -> None:
    lam = LN2 / t_eff
    at_equal = float(lea_catcheside_g([1.0, -1.0], [lam, lam], t_rep))
    gaps = np.array([g for g in _RELATIVE_GAPS if 0 < g <= 1e-2])
    ups = np.concatenate([lam * (1 + gaps), lam * (1 - gaps), np.nextafter(lam, [0.0, 1.0])])
    deltas = ups / lam - 1.0
    g = lea_catcheside_g(
        np.tile([1.0, -1.0], (ups.size, 1)), np.stack([np.full(ups.size, lam), ups], axis=-1), t_rep
    )
    assert np.all((g >= 0) & (g <= 1))
    np.testing.assert_array_less(np.abs(g / at_equal - 1.0), 2 * np.abs(deltas) + 1e-15)


@pytest.mark.parametrize("k", [1e-6, 1 / 3600, 1 / 60, 24.0, 3600.0, 1e6])
def test_g_and_bed_do_not_depend_on_the_time_unit(k: float) -> None:
    t_eff, t_rep, dose, ab = 72.0, 1.5, 60.0, 10.0
    lam = LN2 / t_eff
    for gap in _RELATIVE_GAPS:
        t_up = t_eff / (1 + gap)
        g_h = float(lea_catcheside_g([1.0, -1.0], [lam, LN2 / t_up], t_rep))
        g_k = float(lea_catcheside_g([1.0, -1.0], [lam * k, LN2 / t_up * k], t_rep / k))
        assert g_k == pytest.approx(g_h, rel=1e-14, abs=0), gap
        bed_h = float(bed_decaying(dose, ab, t_eff, t_rep, uptake_half_time_h=t_up))
        bed_k = float(bed_decaying(dose, ab, t_eff / k, t_rep / k, uptake_half_time_h=t_up / k))
        assert bed_k == pytest.approx(bed_h, rel=1e-14, abs=0), gap


def test_g_stays_in_the_unit_interval_in_seconds() -> None:
    # times in seconds: rates near 3e-6 /s, where the old isclose(atol=1e-8) guard
    # moved any uptake rate within 0.4 % of the clearance rate
    t_eff, t_rep = 72.0 * 3600, 1.5 * 3600
    for gap in _RELATIVE_GAPS[1:]:
        t_up = t_eff * (1 + gap)
        g = float(lea_catcheside_g([1.0, -1.0], [LN2 / t_eff, LN2 / t_up], t_rep))
        assert 0.0 <= g <= 1.0
        assert g == pytest.approx(
            _g_reference(LN2 / t_eff, LN2 / t_up, LN2 / t_rep), rel=1e-13, abs=0
        )


def test_other_amplitudes_still_use_the_double_sum() -> None:
    # uptake to a plateau from a non-zero start: c = (1, -1/2), no cancellation
    lam, lam_u, t_rep = LN2 / 60.0, LN2 / 6.0, 1.5
    mu = LN2 / t_rep
    c, rates = [1.0, -0.5], [lam, lam_u]
    double = sum(
        ci * cj / ((li + lj) * (li + mu))
        for ci, li in zip(c, rates, strict=True)
        for cj, lj in zip(c, rates, strict=True)
    )
    expected = 2 * double / (c[0] / lam + c[1] / lam_u) ** 2
    assert float(lea_catcheside_g(c, rates, t_rep)) == pytest.approx(expected, rel=1e-13)
    batch = lea_catcheside_g([[1.0, -1.0], c], [rates, rates], t_rep)
    assert batch[1] == pytest.approx(expected, rel=1e-13)
    assert batch[0] == pytest.approx(_g_reference(lam, lam_u, mu), rel=1e-13)
