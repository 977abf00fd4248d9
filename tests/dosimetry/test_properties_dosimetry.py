"""Property-based tests of the dosimetry kernels' invariants (issue 13, item 5).

What is checked, for generated inputs within `rairlab.dosimetry.LIMITS`
(derandomized, no example database):

* Time-activity fits: for every model `fit_tac` fits to any curve, the reported
  time-integrated activity equals the integral of the fitted curve
  (`TacFit.evaluate`) split at any time T, from 0 to T plus from T to infinity
  (rel. 1e-6, `scipy.integrate.quad`), and is at most the activity decaying in
  place, (1 + `LIMITS.decay_tolerance`)/lambda_p; the trapezoid's is linear in the
  data and unchanged by a point inserted on its own interpolant (rel. 1e-12); a
  mono-exponential without noise is recovered, a/(lambda_p + mu) (rel. 1e-6);
  `redecay` composes (A -> B -> C = A -> C) and inverts (rel. 1e-12).
* Lesion dose: `lesion_dose_per_gbq` is linear in the residence time; with the
  trapezoid the dose per GBq of `lesion_dosimetry` is linear in the measured
  fractions and inversely proportional to the recovery coefficient (rel. 1e-12);
  `activity_for_dose` times the dose per GBq is the target dose, and eligibility
  is exactly "activity for the target <= maximum activity".
* Sphere S-values (whatever the photon model): for every shipped nuclide, S
  decreases with mass, the absorbed energy per decay S*m increases with mass and is
  at most the energy emitted (Delta_np + Delta_p), both absorbed fractions lie in
  [0, 1] and do not decrease with mass, monoenergetic photon fractions likewise;
  the interpolated S-values of `sphere_s_value_interpolated` match the exact ones
  (rel. 1e-5; the module states 1.9e-6).
* Blood: the EANM dose per GBq is additive in the two residence times, linear in
  each, non-increasing in body weight; `max_activity_blood_mbq` gives the 2-Gy
  limit and `max_activity_retention_mbq` the cited retention limit (rel. 1e-12).
* Voxel dose: linear in the TIA (scaling and superposition, to 1e-12 of the peak
  dose), translation-equivariant (a source moved by d gives the dose moved by d),
  a uniform map gives the same dose in every voxel at least 5 voxels (the kernel
  radius) from the edges, A * 3.6e9 * (kernel sum) * (mass ratio); the kernel
  scaling keeps dose x voxel volume fixed between voxel sizes that share a kernel;
  local deposition is proportional to the TIA voxel by voxel; doses are >= 0.
* DVH and statistics: the cumulative DVH is non-increasing in the dose level, lies
  in [0, 1], is 1 at or below the minimum dose and 0 above the maximum, and matches
  the fraction of voxels counted directly; min <= D90 <= D50 <= max and
  min <= mean <= max.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import integrate

from rairlab.dosimetry import (
    LIMITS,
    TAC_MODELS,
    Measurements,
    activity_for_dose,
    blood_dose_per_gbq,
    dose_statistics,
    dose_volume_histogram,
    eanm_blood_constants,
    fit_tac,
    get_nuclide,
    kernel_voxel_sizes_mm,
    lesion_dose_per_gbq,
    lesion_dosimetry,
    max_activity_blood_mbq,
    max_activity_retention_mbq,
    max_tia_mbq_h,
    nuclide_names,
    photon_absorbed_fraction,
    redecay,
    sphere_absorbed_fractions,
    sphere_s_value,
    sphere_s_value_interpolated,
    voxel_dose,
)
from rairlab.dosimetry._units import BQ_S_PER_MBQ_H, MBQ_PER_GBQ, cited_activity_mbq
from rairlab.errors import InvalidValueError

PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def examples(n: int) -> settings:
    """Derandomized settings with `n` generated cases."""
    return settings(PROPERTY, max_examples=n)


NUCLIDES = nuclide_names()
# curves are sampled in hours: Po-211 (T½ 0.5 s) has decayed to nothing by the first one
HALF_LIVES = [h for h in (get_nuclide(n).half_life_h for n in NUCLIDES) if h >= 1.0]
LN2 = math.log(2.0)


# ------------------------------------------------------------------ time-activity curves


@st.composite
def curves(draw: st.DrawFn, n_max: int = 8) -> tuple[np.ndarray, np.ndarray, float]:
    """Times, not-decay-corrected fractions (uptake then clearance, with noise), half-life."""
    half_life = draw(st.sampled_from(HALF_LIVES))
    n = draw(st.integers(3, n_max))
    steps = draw(st.lists(st.floats(0.05, 2.0), min_size=n, max_size=n))
    times = np.cumsum(steps) * draw(st.floats(1.0, 0.5 * half_life + 1.0))
    assume(np.all(np.diff(times) >= 2 * LIMITS.time_step_h) and times[-1] <= 1e4)
    lam = LN2 / half_life
    a = draw(st.floats(1e-4, 0.5))
    mu = draw(st.floats(0.0, 0.5))
    k = draw(st.floats(1e-3, 5.0))
    y = a * (np.exp(-(lam + mu) * times) - np.exp(-(lam + mu + k) * times))
    noise = np.array(draw(st.lists(st.floats(0.7, 1.3), min_size=n, max_size=n)))
    y = np.maximum(y * noise, 0.0)
    assume(np.any(y > 1e-12))
    return times, y, half_life


def _integral(fit, start: float, stop: float, breaks: np.ndarray) -> float:
    """quad of the fitted curve, relative tolerance only (the curves are ~1e-6)."""
    inside = breaks[(breaks > start) & (breaks < stop)] if math.isfinite(stop) else None
    with warnings.catch_warnings():  # the assertion on the sum is the check
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, _ = integrate.quad(
            lambda t: float(fit.evaluate(t)), start, stop, points=inside, epsabs=0.0,
            epsrel=1e-10, limit=400,
        )  # fmt: skip
    return value


@examples(10)
@given(curve=curves(), split=st.floats(0.0, 2.0), model=st.sampled_from([*TAC_MODELS, "mono"]))
def test_tia_is_the_integral_of_the_fitted_curve_split_anywhere(
    curve: tuple[np.ndarray, np.ndarray, float], split: float, model: str
) -> None:
    times, y, half_life = curve
    try:  # one model per case: fitting every candidate takes up to seconds per curve
        fit = fit_tac(times, y, half_life, model=model, candidates=()).best
    except InvalidValueError:  # too few points for the model, or no fit on these data
        assume(False)
    bound = (1.0 + LIMITS.decay_tolerance) * half_life / LN2
    T = split * float(times[-1])
    # beyond the last point the curve is (or tends to) physical decay: split there too
    breaks = np.r_[0.0, times]
    head = _integral(fit, 0.0, T, breaks) if T > 0 else 0.0
    last = max(T, float(times[-1]))
    middle = _integral(fit, T, last, breaks) if last > T else 0.0
    tail = _integral(fit, last, math.inf, breaks)
    np.testing.assert_allclose(head + middle + tail, fit.tia_h, rtol=1e-6)
    assert 0.0 <= fit.tia_h <= bound


def _trapezoid(times: np.ndarray, y: np.ndarray, half_life: float, from_zero: bool):
    """The trapezoid alone (no parametric candidates fitted)."""
    analysis = fit_tac(
        times, y, half_life, model="trapezoid", candidates=(), trapezoid_from_zero=from_zero
    )
    return analysis.best


@examples(40)
@given(curve=curves(), scale=st.floats(1e-3, 1e3), where=st.floats(0.0, 1.0), data=st.data())
def test_trapezoid_is_linear_and_unchanged_by_a_point_on_its_interpolant(
    curve: tuple[np.ndarray, np.ndarray, float], scale: float, where: float, data: st.DataObject
) -> None:
    times, y, half_life = curve
    from_zero = data.draw(st.booleans())
    fit = _trapezoid(times, y, half_life, from_zero)
    scaled = _trapezoid(times, y * scale, half_life, from_zero)
    np.testing.assert_allclose(scaled.tia_h, scale * fit.tia_h, rtol=1e-12)
    i = data.draw(st.integers(0, len(times) - 2))
    t_new = times[i] + where * (times[i + 1] - times[i])
    assume(min(t_new - times[i], times[i + 1] - t_new) >= 2 * LIMITS.time_step_h)
    t2 = np.insert(times, i + 1, t_new)
    y2 = np.insert(y, i + 1, float(fit.evaluate(t_new)))
    again = _trapezoid(t2, y2, half_life, from_zero)
    np.testing.assert_allclose(again.tia_h, fit.tia_h, rtol=1e-12)


@examples(30)
@given(
    half_life=st.sampled_from(HALF_LIVES),
    a=st.floats(1e-4, 1.0),
    mu_fraction=st.one_of(st.just(0.0), st.floats(0.0, 3.0)),
    where=st.lists(st.floats(0.0, 3.0), min_size=3, max_size=6, unique=True),
)
def test_noise_free_mono_exponential_is_recovered(
    half_life: float, a: float, mu_fraction: float, where: list[float]
) -> None:
    """Samples over at least a tenth of the effective half-life; the biological clearance
    from none (mu on its bound 0, reached exactly by the active-set fit) to 3x physical
    decay."""
    lam = LN2 / half_life
    mu = mu_fraction * lam
    t = 0.1 + np.sort(np.asarray(where)) * LN2 / (lam + mu)
    assume(np.all(np.diff(t) >= 0.1) and t[-1] - t[0] >= 0.1 * LN2 / (lam + mu))
    assume(t[-1] <= LIMITS.time_h.high)
    fit = fit_tac(t, a * np.exp(-(lam + mu) * t), half_life, model="mono").best
    np.testing.assert_allclose(fit.tia_h, a / (lam + mu), rtol=1e-8)


@examples(100)
@given(
    hl=st.lists(st.sampled_from(HALF_LIVES), min_size=3, max_size=3),
    t=st.lists(st.floats(0.0, 2000.0), min_size=1, max_size=5),
    y=st.floats(1e-6, 1.0),
)
def test_redecay_composes_and_inverts(hl: list[float], t: list[float], y: float) -> None:
    a, b, c = hl
    fy = np.full(len(t), y)
    ab = redecay(t, fy, a, b)
    np.testing.assert_allclose(redecay(t, ab, b, c), redecay(t, fy, a, c), rtol=1e-12)
    np.testing.assert_allclose(redecay(t, ab, b, a), fy, rtol=1e-12)
    np.testing.assert_allclose(redecay(t, fy, a, a), fy, rtol=1e-15)


# ------------------------------------------------------------------ lesion dose


@examples(60)
@given(
    nuclide=st.sampled_from(NUCLIDES),
    tau=st.one_of(st.just(0.0), st.floats(1e-6, 1e3)),
    factor=st.one_of(st.just(0.0), st.floats(1e-6, 1e3)),
    mass=st.floats(LIMITS.mass_g.low, LIMITS.mass_g.high),
    target=st.floats(LIMITS.target_dose_gy.low, LIMITS.target_dose_gy.high),
)
def test_lesion_dose_is_linear_in_residence_time_and_activity_reaches_the_target(
    nuclide: str, tau: float, factor: float, mass: float, target: float
) -> None:
    d = float(lesion_dose_per_gbq(tau, nuclide, mass))
    np.testing.assert_allclose(
        lesion_dose_per_gbq(tau * factor, nuclide, mass), d * factor, rtol=1e-12
    )
    activity = float(activity_for_dose(d, target))
    if d > 0:
        np.testing.assert_allclose(activity * d / MBQ_PER_GBQ, target, rtol=1e-12)
    else:
        assert activity == math.inf


@examples(20)
@given(
    curve=curves(n_max=3),  # three points: the trapezoid and one quick mono fit
    recovery=st.floats(LIMITS.recovery.low, 1.0),
    shrink=st.floats(1e-3, 1.0),
    mass=st.floats(LIMITS.mass_g.low, 1e3),
    target=st.floats(1.0, 300.0),
    max_activity=st.floats(100.0, 2e4),
)
def test_lesion_dose_scales_with_the_data_and_inversely_with_recovery(
    curve: tuple[np.ndarray, np.ndarray, float],
    recovery: float,
    shrink: float,
    mass: float,
    target: float,
    max_activity: float,
) -> None:
    times, y, _ = curve
    nuclide = get_nuclide("I-131")
    remaining = np.exp(-nuclide.decay_constant_per_h * times)
    y = y / max(1.0, float(np.max(y / remaining))) * recovery  # possible after recovery
    assume(np.any(y > 0))

    def dose(fraction: np.ndarray, rc: float):
        m = Measurements(times, fraction, None, "m.csv")
        return lesion_dosimetry(
            m, "I-131", mass, target_gy=target, max_activity_mbq=max_activity, recovery=rc,
            model="trapezoid",
        )  # fmt: skip

    one = dose(y, 1.0)
    np.testing.assert_allclose(dose(y, recovery).dose_gy_per_gbq * recovery, one.dose_gy_per_gbq,
                               rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(dose(y * shrink, 1.0).dose_gy_per_gbq, shrink * one.dose_gy_per_gbq,
                               rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(
        one.dose_gy_per_gbq,
        float(lesion_dose_per_gbq(one.residence_time_h, "I-131", mass)),
        rtol=1e-12,
    )
    assert one.eligible == (one.activity_for_target_mbq <= max_activity)
    np.testing.assert_allclose(
        one.activity_for_target_mbq * one.dose_gy_per_gbq / MBQ_PER_GBQ, target, rtol=1e-12
    )


# ------------------------------------------------------------------ S-values

_MASS = st.floats(LIMITS.mass_g.low, LIMITS.mass_g.high)


@examples(25)
@given(nuclide=st.sampled_from(NUCLIDES), masses=st.lists(_MASS, min_size=2, max_size=6))
def test_s_values_fall_and_absorbed_fractions_rise_with_mass(
    nuclide: str, masses: list[float]
) -> None:
    m = np.sort(np.asarray(masses))
    nuc = get_nuclide(nuclide)
    s = sphere_s_value(nuclide, m)
    phi = sphere_absorbed_fractions(nuclide, m)
    eps = 1e-12
    assert np.all(np.diff(s) <= eps * s[:-1])
    energy = s * m * 1e-3  # S*m: absorbed energy per decay (Gy kg / (Bq s))
    assert np.all(np.diff(energy) >= -eps * energy[1:])
    emitted = nuc.delta_np_gy_kg_per_bq_s + nuc.delta_p_gy_kg_per_bq_s
    assert np.all(energy <= emitted * (1 + eps))
    for frac in (phi.electron, phi.photon):
        assert np.all((frac >= 0.0) & (frac <= 1.0 + eps))
        assert np.all(np.diff(frac) >= -eps)
    np.testing.assert_allclose(sphere_s_value_interpolated(nuclide, m), s, rtol=1e-5)
    np.testing.assert_allclose([float(sphere_s_value(nuclide, x)) for x in m], s, rtol=1e-12)


@examples(25)
@given(
    energies=st.lists(st.floats(0.01, 10.0), min_size=1, max_size=4),
    masses=st.lists(_MASS, min_size=2, max_size=5),
)
def test_photon_absorbed_fractions_are_bounded_and_rise_with_mass(
    energies: list[float], masses: list[float]
) -> None:
    m = np.sort(np.asarray(masses))
    phi = photon_absorbed_fraction(np.asarray(energies), m)
    assert phi.shape == (len(energies), len(masses))
    assert np.all((phi >= 0.0) & (phi <= 1.0 + 1e-12))
    assert np.all(np.diff(phi, axis=1) >= -1e-12)


# ------------------------------------------------------------------ blood


@examples(100)
@given(
    tb=st.one_of(st.just(0.0), st.floats(1e-9, 1.0)),
    twb=st.one_of(st.just(0.0), st.floats(1e-6, 500.0)),
    c=st.one_of(st.just(0.0), st.floats(1e-6, 100.0)),
    w=st.lists(st.floats(LIMITS.weight_kg.low, LIMITS.weight_kg.high), min_size=2, max_size=2),
    r=st.one_of(st.just(0.0), st.floats(1e-9, 1.0)),
)
def test_blood_dose_is_linear_in_residence_times_and_limits_invert(
    tb: float, twb: float, c: float, w: list[float], r: float
) -> None:
    light, heavy = sorted(w)
    d = float(blood_dose_per_gbq(tb, twb, light))
    parts = float(blood_dose_per_gbq(tb, 0.0, light)) + float(blood_dose_per_gbq(0.0, twb, light))
    np.testing.assert_allclose(parts, d, rtol=1e-12)
    np.testing.assert_allclose(blood_dose_per_gbq(c * tb, c * twb, light), c * d, rtol=1e-12)
    assert float(blood_dose_per_gbq(tb, twb, heavy)) <= d * (1 + 1e-15)
    limit = eanm_blood_constants().value("blood_dose_limit")
    if d > 0:
        a = float(max_activity_blood_mbq(d))
        np.testing.assert_allclose(a * d / MBQ_PER_GBQ, limit, rtol=1e-12)
    constants = eanm_blood_constants()
    for lung, key in ((False, "retention_48h_limit"), (True, "retention_48h_limit_lung")):
        a = float(max_activity_retention_mbq(r, lung))
        if r > 0:
            np.testing.assert_allclose(a * r, cited_activity_mbq(constants[key]), rtol=1e-12)
        else:
            assert a == math.inf


# ------------------------------------------------------------------ voxel dose

_SIZES = kernel_voxel_sizes_mm()
_GRID = 14


@st.composite
def sources(draw: st.DrawFn, size: int = 4) -> np.ndarray:
    """A small block of activity (MBq h per voxel), some voxels empty."""
    voxel = st.one_of(st.just(0.0), st.floats(1e-6, 1e3))
    values = draw(st.lists(voxel, min_size=size**3, max_size=size**3))
    block = np.asarray(values).reshape(size, size, size)
    assume(block.sum() > 0)
    return block


def _place(block: np.ndarray, corner: tuple[int, int, int]) -> np.ndarray:
    tia = np.zeros((_GRID, _GRID, _GRID))
    i, j, k = corner
    s = block.shape[0]
    tia[i : i + s, j : j + s, k : k + s] = block
    return tia


_CORNER = st.tuples(*[st.integers(0, _GRID - 4)] * 3)


@examples(25)
@given(
    a=sources(),
    b=sources(),
    corners=st.tuples(_CORNER, _CORNER),
    c=st.floats(1e-3, 1e3),
    size=st.sampled_from(_SIZES),
)
def test_voxel_dose_is_linear_and_translation_equivariant(
    a: np.ndarray, b: np.ndarray, corners: tuple, c: float, size: float
) -> None:
    ta, tb = _place(a, corners[0]), _place(b, corners[1])
    da = voxel_dose(ta, size).dose_gy
    db = voxel_dose(tb, size).dose_gy
    peak = max(da.max(), db.max())
    assert da.min() >= 0.0
    np.testing.assert_allclose(
        voxel_dose(c * ta, size).dose_gy, c * da, rtol=0, atol=1e-12 * c * peak
    )
    np.testing.assert_allclose(
        voxel_dose(ta + tb, size).dose_gy, da + db, rtol=0, atol=1e-12 * peak
    )
    # the same block at the second corner: the dose moves with it
    moved = voxel_dose(_place(a, corners[1]), size).dose_gy
    d = np.subtract(corners[1], corners[0])
    src = tuple(slice(max(0, -x), _GRID - max(0, x)) for x in d)
    dst = tuple(slice(max(0, x), _GRID - max(0, -x)) for x in d)
    np.testing.assert_allclose(moved[dst], da[src], rtol=0, atol=1e-12 * peak)


@examples(20)
@given(level=st.floats(1e-3, 1e4), size=st.floats(LIMITS.voxel_size_mm.low, 12.0))
def test_uniform_map_gives_the_kernel_summed_over_the_image(level: float, size: float) -> None:
    # The kernel covers every pair of image voxels (cube and photon tail), so a voxel of a
    # uniform map gets the kernel summed over the offsets to every voxel of the image.
    tia = np.full((_GRID, _GRID, _GRID), level)
    res = voxel_dose(tia, size)
    kern = res.kernel
    assert kern is not None
    octant = kern.dose_octant((_GRID, _GRID, _GRID))
    c = _GRID // 2
    idx = np.abs(np.arange(-(_GRID - 1 - c), c + 1))  # offsets from voxel c to every voxel
    expected = level * BQ_S_PER_MBQ_H * octant[np.ix_(idx, idx, idx)].sum()
    np.testing.assert_allclose(res.dose_gy[c, c, c], expected, rtol=1e-10)
    assert res.dose_gy.max() <= expected * (1 + 1e-10)  # the centre gets the most


@examples(30)
@given(
    block=sources(),
    sizes=st.lists(
        st.floats(LIMITS.voxel_size_mm.low, LIMITS.voxel_size_mm.high), min_size=3, max_size=3
    ),
    density=st.floats(0.5, 2.0),
    nuclide=st.sampled_from(NUCLIDES),
)
def test_local_deposition_is_proportional_voxel_by_voxel(
    block: np.ndarray, sizes: list[float], density: float, nuclide: str
) -> None:
    nuc = get_nuclide(nuclide)
    block = block * min(1.0, 0.99 * max_tia_mbq_h(nuc.half_life_h) / block.sum())
    res = voxel_dose(block, sizes, nuclide, method="local", density_g_cm3=density)
    mass_kg = float(np.prod(sizes)) * 1e-6 * density
    np.testing.assert_allclose(
        res.dose_gy, block * BQ_S_PER_MBQ_H * nuc.delta_np_gy_kg_per_bq_s / mass_kg, rtol=1e-12
    )


# ------------------------------------------------------------------ DVH and statistics


@examples(100)
@given(
    doses=st.lists(st.floats(0.0, 1e4), min_size=1, max_size=60),
    levels=st.lists(st.floats(0.0, 2e4), min_size=1, max_size=20),
    data=st.data(),
)
def test_dvh_is_a_non_increasing_fraction_and_statistics_are_ordered(
    doses: list[float], levels: list[float], data: st.DataObject
) -> None:
    d = np.asarray(doses)
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=d.size, max_size=d.size)))
    assume(mask.any())
    lv = np.sort(np.asarray(levels))
    got_levels, frac = dose_volume_histogram(d, mask, lv)
    np.testing.assert_array_equal(got_levels, lv)
    region = d[mask]
    assert np.all((frac >= 0.0) & (frac <= 1.0))
    assert np.all(np.diff(frac) <= 0.0)
    counted = [(region >= x).mean() for x in lv]
    np.testing.assert_allclose(frac, counted, rtol=0, atol=1e-15)
    _, edges = dose_volume_histogram(d, mask, [region.min(), np.nextafter(region.max(), np.inf)])
    np.testing.assert_array_equal(edges, [1.0, 0.0])
    s = dose_statistics(d, mask, [float(x) for x in lv if x <= LIMITS.threshold_dose_gy.high])
    assert s.n_voxels == region.size
    assert s.minimum <= s.d90 <= s.d50 <= s.maximum
    assert s.minimum * (1 - 1e-15) <= s.mean <= s.maximum * (1 + 1e-15)
    for x, f in s.v_gy.items():
        assert f == pytest.approx((region >= x).mean(), abs=1e-15)
