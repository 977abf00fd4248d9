"""Property-based tests of the iodide model's invariants (issue 13, item 5).

Cohorts are drawn over the accepted parameter ranges of `iodide_model` (uptake
activity 0-5, lesion mass 10⁻³-10³ g, every TSH state, organification 0-0.999,
remnant 0-1, renal clearance scale 10⁻³-10) and checked (derandomized, no example
database) for:

* Fractions: at t = 0 all iodide is in blood (exactly; 1e-15 on the NumPy
  eigen-decomposition path); every compartment stays >= 0 (to
  1e-13) and the total never exceeds 1 nor increases with time (iodine only leaves
  the body), to 1e-13.
* Activities: linear in the administered activity (rel. 1e-12); whole-body
  activity never increases; the lesion and the blood (concentration x distribution
  volume) hold at most the whole body.
* Residence times: the exact ``(λI - K)⁻¹ e0`` equals the Laplace integral of the
  fractions, ∫ x(t) e^(-λt) dt, computed here by adaptive quadrature (rel. 1e-7);
  every one is >= 0 and rises with the physical half-life, and the whole-body one
  is at most the nuclide decaying in place, T½/ln 2. The lesion's rises with its
  uptake activity and with its mass, and blood's falls with the uptake activity
  (both guaranteed by the model's structure: lesion influx r c_N m from blood, a
  fraction of it returning).
* The compiled (Numba) and NumPy paths agree: fractions to 1e-10 over 0-2000 h,
  residence times to rel. 1e-12 (skipped without Numba).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate

from rairlab.biokinetics import TSH_STATES, IodideModel, _kernels, iodide_model

PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def examples(n: int) -> settings:
    """Derandomized settings with `n` generated cases."""
    return settings(PROPERTY, max_examples=n)


LN2 = math.log(2.0)
_HALF_LIFE = st.floats(1.0, 2000.0)  # h: At-211 (7.2 h) to I-125 (1426 h)
_TIMES = st.lists(st.floats(0.0, 5000.0), min_size=1, max_size=8)


@st.composite
def cohorts(draw: st.DrawFn, n_max: int = 4) -> dict[str, Any]:
    """Keyword arguments of `iodide_model` for 1-`n_max` patients."""
    n = draw(st.integers(1, n_max))

    def column(lo: float, hi: float) -> list[float]:
        return draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n))

    return {
        "uptake_activity": column(0.0, 5.0),
        "mass_g": column(1e-3, 1e3),
        "tsh_state": draw(st.lists(st.sampled_from(TSH_STATES), min_size=n, max_size=n)),
        "organification_fraction": column(0.0, 0.999),
        "remnant_fraction": column(0.0, 1.0),
        "renal_clearance_scale": column(1e-3, 10.0),
    }


@examples(150)
@given(kw=cohorts(), times=_TIMES)
def test_fractions_are_non_negative_and_only_leave_the_body(
    kw: dict[str, Any], times: list[float]
) -> None:
    t = np.sort(np.r_[0.0, times])
    f = iodide_model(**kw).fractions(t)
    at_zero = np.broadcast_to(np.eye(5)[0], f[:, 0].shape)  # exact on the compiled path
    np.testing.assert_allclose(f[:, 0], at_zero, rtol=0, atol=0 if _kernels.AVAILABLE else 1e-15)
    assert f.min() >= -1e-13
    total = f.sum(axis=-1)
    assert np.all(total <= 1.0 + 1e-13)
    assert np.all(np.diff(total, axis=1) <= 1e-13)


@examples(100)
@given(
    kw=cohorts(),
    times=_TIMES,
    activity=st.floats(1e-3, 1e5),
    c=st.floats(1e-3, 1e3),
    half_life=_HALF_LIFE,
)
def test_activities_are_linear_and_held_within_the_body(
    kw: dict[str, Any], times: list[float], activity: float, c: float, half_life: float
) -> None:
    m = iodide_model(**kw)
    t = np.sort(np.asarray(times))
    ta = m.time_activity(t, activity, half_life)
    scaled = m.time_activity(t, c * activity, half_life)
    for name in ("lesion_mbq", "whole_body_mbq", "blood_mbq_per_ml"):
        np.testing.assert_allclose(
            getattr(scaled, name), c * getattr(ta, name), rtol=1e-12, atol=1e-300, err_msg=name
        )
    slack = 1e-13 * activity
    assert np.all(np.diff(ta.whole_body_mbq, axis=1) <= slack)
    assert np.all(ta.lesion_mbq <= ta.whole_body_mbq + slack)
    blood = ta.blood_mbq_per_ml * m.distribution_volume_ml
    assert np.all(blood + ta.lesion_mbq <= ta.whole_body_mbq + slack)


def _laplace(m: IodideModel, lam: float) -> np.ndarray:
    """∫ x(t) e^(-λt) dt over [0, ∞) by adaptive quadrature, shape (n, 5)."""

    def integrand(t: float) -> np.ndarray:
        return m.fractions([t])[:, 0, :] * math.exp(-lam * t)

    value, _ = integrate.quad_vec(integrand, 0.0, math.inf, epsabs=0.0, epsrel=1e-10)
    return np.asarray(value)


@examples(20)
@given(kw=cohorts(n_max=2), half_life=_HALF_LIFE)
def test_residence_times_are_the_laplace_integral_of_the_fractions(
    kw: dict[str, Any], half_life: float
) -> None:
    m = iodide_model(**kw)
    lam = LN2 / half_life
    tau = m.residence_times(half_life)
    exact = np.stack([tau[c] for c in ("blood", "lesion_iodide", "lesion_organic")], axis=1)
    exact = np.c_[exact, tau["thyroid"], tau["body_organic"]]
    ref = _laplace(m, lam)
    np.testing.assert_allclose(exact, ref, rtol=1e-7, atol=1e-12 * tau["whole_body"].max())


@examples(150)
@given(
    kw=cohorts(),
    half_lives=st.tuples(_HALF_LIFE, _HALF_LIFE).map(sorted),
    more_uptake=st.floats(0.0, 5.0),
    more_mass=st.floats(1.0, 1e3),
)
def test_residence_times_move_with_half_life_uptake_and_mass(
    kw: dict[str, Any], half_lives: list[float], more_uptake: float, more_mass: float
) -> None:
    short, long = half_lives
    m = iodide_model(**kw)
    a, b = m.residence_times(short), m.residence_times(long)
    rel = 1e-12
    for name, value in a.items():
        assert np.all(value >= 0.0), name
        assert np.all(value <= b[name] * (1 + rel) + 1e-300), name
    assert np.all(a["whole_body"] <= short / LN2 * (1 + rel))
    uptake = np.minimum(np.asarray(kw["uptake_activity"]) + more_uptake, 5.0)
    more = iodide_model(**(kw | {"uptake_activity": uptake})).residence_times(short)
    assert np.all(more["lesion"] >= a["lesion"] * (1 - rel))
    assert np.all(more["blood"] <= a["blood"] * (1 + rel))
    heavier = np.asarray(kw["mass_g"]) * more_mass
    bigger = iodide_model(**(kw | {"mass_g": heavier})).residence_times(short)
    assert np.all(bigger["lesion"] >= a["lesion"] * (1 - rel))


@pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba kernels off (RAIRLAB_NO_NUMBA=1)")
@examples(60)
@given(kw=cohorts(), times=st.lists(st.floats(0.0, 2000.0), min_size=1, max_size=6),
       half_life=_HALF_LIFE)  # fmt: skip
def test_compiled_and_numpy_paths_agree(
    kw: dict[str, Any], times: list[float], half_life: float
) -> None:
    m = iodide_model(**kw)
    fast, tau_fast = m.fractions(times), m.residence_times(half_life)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_kernels, "AVAILABLE", False)
        ref, tau_ref = m.fractions(times), m.residence_times(half_life)
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-10)
    for name, value in tau_fast.items():
        np.testing.assert_allclose(value, tau_ref[name], rtol=1e-12, atol=0, err_msg=name)
