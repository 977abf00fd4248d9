"""Compiled iodide kernels: scaling-and-squaring ``expm(K t) e0`` and ``(λI - K)⁻¹ e0``.

Checked against SciPy's ``expm`` on 500 seeded random cohorts, against 40-digit
references where SciPy itself is off (``||K t||`` up to ~1e6), and against the
NumPy (eigen-decomposition) path that runs without Numba.

Tolerances. The kernel's own error is at round-off level, <= 1e-15 absolute on
fractions (<= 1) even for the stiffest patients (40-digit check). SciPy's and
the eigen path's errors are normwise and grow with ``||K t||∞`` (measured on
these cohorts: SciPy up to 0.4 u ||K t||∞, the eigen path up to 5 u ||K t||∞,
u = 2⁻⁵³, i.e. 9e-12 and 4e-11 at ||K t||∞ = 1.4e6), so the comparisons with
them are absolute ``max(1e-12, u ||K t||∞)`` (SciPy) and ``1e-13 + 10 u
||K t||∞`` (eigen path); both are 1e-12 or tighter for ||K t||∞ <= 1e4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg

import rairlab.biokinetics as bk
from rairlab.biokinetics import _kernels
from rairlab.errors import InvalidValueError

needs_numba = pytest.mark.skipif(
    not _kernels.AVAILABLE, reason="numba kernels unavailable (not installed or RAIRLAB_NO_NUMBA=1)"
)
U = 2.0**-53
T131 = 192.4968  # h
LAM = np.log(2.0) / T131
TIMES = np.array([0.0, 0.1, 1.0, 24.0, 48.0, 72.0, 500.0, 2000.0])


def cohort(seed: int, size: int = 4) -> bk.IodideModel:
    """A random cohort over the whole accepted range, with its edges over-sampled."""
    rng = np.random.default_rng(seed)
    uptake = np.where(rng.random(size) < 0.1, 0.0, rng.uniform(0.0, 5.0, size))
    f_org = np.where(rng.random(size) < 0.2, 0.999, rng.uniform(0.0, 0.999, size))
    remnant = np.where(rng.random(size) < 0.2, 0.0, rng.uniform(0.0, 1.0, size))
    mass = 10.0 ** rng.uniform(-2.0, 2.0, size)
    tsh = [str(s) for s in rng.choice(bk.TSH_STATES, size)]
    return bk.iodide_model(uptake, mass, tsh, f_org, remnant)


@pytest.fixture(scope="module")
def rates() -> np.ndarray:
    return np.concatenate([cohort(seed).rates for seed in range(100)])


def scaled_norm(rates: np.ndarray, t: np.ndarray) -> np.ndarray:
    """||K_p t_i||∞, shape (n, n_t, 1)."""
    return (np.abs(rates).sum(axis=2).max(axis=1)[:, None] * t[None, :])[..., None]


def assert_within(got: np.ndarray, ref: np.ndarray, tol: np.ndarray) -> None:
    """|got - ref| <= tol elementwise (tol broadcast), reporting the worst ratio."""
    err = np.abs(got - ref)
    ratio = (err / np.broadcast_to(tol, err.shape)).max()
    assert ratio <= 1.0, f"max |error| / tolerance = {ratio:.3g}, max |error| = {err.max():.3g}"


def stiffest() -> bk.IodideModel:
    # largest rates the model accepts: organification 0.999 (~700 /h), big avid lesion
    uptake, mass, remnant = [5.0, 1.0, 0.0], [100.0, 0.01, 1.0], [1.0, 0.0, 1.0]
    return bk.iodide_model(uptake, mass, "withdrawal", 0.999, remnant)


@needs_numba
def test_fractions_match_scipy_expm_column_by_column(rates: np.ndarray) -> None:
    ref = scipy.linalg.expm(rates[:, None] * TIMES[None, :, None, None])[..., :, 0]
    got = bk.IodideModel(rates, 15000.0).fractions(TIMES)
    assert got.shape == ref.shape == (rates.shape[0], TIMES.size, 5)
    norm = scaled_norm(rates, TIMES)
    assert norm.max() > 1e6  # the scaling is exercised up to ||K t|| ~ 1e6
    assert_within(got, ref, np.maximum(1e-12, U * norm))
    small = norm[..., 0] <= 1e4
    assert np.abs(got - ref)[small].max() <= 1e-12


@needs_numba
def test_fractions_at_40_digits_where_scipy_loses_accuracy() -> None:
    mpmath = pytest.importorskip("mpmath")
    m = stiffest()
    t = np.array([1.0, 72.0, 2000.0])
    got = _kernels.fractions(m.rates, t)
    with mpmath.workdps(40):
        for p in range(m.n_patients):
            k = mpmath.matrix(m.rates[p].tolist())
            for i, ti in enumerate(t):
                e = mpmath.expm(k * mpmath.mpf(float(ti)), method="taylor")
                exact = np.array([float(e[r, 0]) for r in range(5)])
                np.testing.assert_allclose(got[p, i], exact, rtol=0, atol=1e-15)


@needs_numba
def test_fractions_at_zero_are_e0_and_mass_only_leaves(rates: np.ndarray) -> None:
    t = np.array([48.0, 0.0, 24.0, 0.0, 2000.0, 72.0])
    f = _kernels.fractions(rates, t)
    e0 = np.eye(5)[0]
    np.testing.assert_array_equal(f[:, 1], np.broadcast_to(e0, f[:, 1].shape))
    np.testing.assert_array_equal(f[:, 3], np.broadcast_to(e0, f[:, 3].shape))
    # the exact solution is >= 0 (K is essentially non-negative), and iodine only
    # leaves the body (urine, faeces): the total never increases
    assert f.min() >= -1e-15
    total = f[:, np.argsort(t)].sum(axis=-1)
    assert np.all(np.diff(total, axis=1) <= 1e-15)
    assert np.all(total <= 1.0 + 1e-15)


@needs_numba
def test_propagation_and_reuse_match_direct_exponentials(rates: np.ndarray) -> None:
    # an even grid (one kept exponential), unsorted and repeated times, and each
    # time alone (one exponential each) give the same fractions to round-off
    k = rates[:400]

    def alone(t: float) -> np.ndarray:
        return _kernels.fractions(k, [t])[:, 0]

    grid = np.arange(0.0, 241.0, 24.0)
    together = _kernels.fractions(k, grid)
    for i, ti in enumerate(grid):
        np.testing.assert_allclose(together[:, i], alone(ti), rtol=0, atol=1e-14)
    shuffled = np.array([72.0, 24.0, 24.0, 2000.0, 48.0, 0.5])
    f = _kernels.fractions(k, shuffled)
    for i, ti in enumerate(shuffled):
        np.testing.assert_allclose(f[:, i], alone(ti), rtol=0, atol=1e-14)


@needs_numba
def test_numpy_path_agrees_with_kernel(rates: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    m = bk.IodideModel(rates, 15000.0)
    compiled, tau_compiled = m.fractions(TIMES), m.residence_times(T131)
    monkeypatch.setattr(_kernels, "AVAILABLE", False)
    numpy_path, tau_numpy = m.fractions(TIMES), m.residence_times(T131)
    tol = 1e-13 + 10 * U * scaled_norm(rates, TIMES)
    assert_within(compiled, numpy_path, tol)
    assert tau_compiled.keys() == tau_numpy.keys()
    for name, value in tau_compiled.items():
        np.testing.assert_allclose(value, tau_numpy[name], rtol=1e-12, atol=0, err_msg=name)


@needs_numba
def test_residence_times_solve_the_linear_system(rates: np.ndarray) -> None:
    tau = _kernels.residence_times(rates, LAM)
    e0 = np.zeros((len(rates), 5, 1))
    e0[:, 0] = 1.0
    ref = np.linalg.solve(LAM * np.eye(5) - rates, e0)[..., 0]
    np.testing.assert_allclose(tau, ref, rtol=1e-12, atol=0)
    # the residual of each system, relative to its size
    a = LAM * np.eye(5) - rates
    resid = np.einsum("pij,pj->pi", a, tau) - np.eye(5)[0]
    scale = np.abs(a).sum(axis=2).max(axis=1) * np.abs(tau).max(axis=1)
    assert np.all(np.abs(resid).max(axis=1) <= 8 * U * scale)
    # no uptake: nothing reaches the lesion, exactly
    no_uptake = bk.iodide_model(0.0, 2.0).residence_times(T131)
    assert no_uptake["lesion"][0] == 0.0


@needs_numba
def test_residence_times_at_40_digits() -> None:
    mpmath = pytest.importorskip("mpmath")
    m = stiffest()
    tau = _kernels.residence_times(m.rates, LAM)
    with mpmath.workdps(40):
        for p in range(m.n_patients):
            a = mpmath.mpf(float(LAM)) * mpmath.eye(5) - mpmath.matrix(m.rates[p].tolist())
            exact = mpmath.lu_solve(a, mpmath.matrix([1, 0, 0, 0, 0]))
            np.testing.assert_allclose(
                tau[p], [float(x) for x in exact], rtol=1e-13, atol=0, err_msg=str(p)
            )


def test_pade_degree_and_coefficients_of_algorithm_9_3_1() -> None:
    # ε(6, 6) = 3.4e-16 > 2⁻⁵³ >= ε(7, 7) = 1.1e-19
    assert _kernels.pade_degree() == 7
    assert _kernels.pade_degree(1e-15) == 6
    q = 7
    f = [float(math.factorial(k)) for k in range(2 * q + 1)]
    closed = [f[2 * q - k] * f[q] / (f[2 * q] * f[k] * f[q - k]) for k in range(q + 1)]
    np.testing.assert_allclose(_kernels.pade_coefficients(q), closed, rtol=1e-15)


@pytest.mark.parametrize("compiled", [True, False])
def test_shapes_and_errors_on_either_path(compiled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if compiled and not _kernels.AVAILABLE:
        pytest.skip("numba kernels unavailable")
    monkeypatch.setattr(_kernels, "AVAILABLE", compiled)
    m = bk.iodide_model([0.5, 1.0], [1.0, 2.0])
    assert m.fractions([]).shape == (2, 0, 5)
    assert m.fractions(24.0).shape == (2, 1, 5)
    empty = bk.IodideModel(np.zeros((0, 5, 5)), 15000.0)
    assert empty.fractions([1.0, 2.0]).shape == (0, 2, 5)
    assert empty.residence_times(T131)["lesion"].shape == (0,)
    with pytest.raises(InvalidValueError, match="times_h"):
        m.fractions([1.0, -1.0])
    with pytest.raises(InvalidValueError, match="times_h"):
        m.fractions([np.nan])
    bad = m.rates.copy()
    bad[1, 0, 0] = np.nan
    with pytest.raises(np.linalg.LinAlgError):  # as np.linalg.eig
        bk.IodideModel(bad, 15000.0).fractions([1.0])
    singular = bk.IodideModel(np.repeat(LAM * np.eye(5)[None], 2, axis=0), 15000.0)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        singular.residence_times(T131)


@needs_numba
def test_kernels_reject_other_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(n, 5, 5\)"):
        _kernels.fractions(np.zeros((2, 4, 4)), np.array([1.0]))
    with pytest.raises(ValueError, match=r"\(n, 5, 5\)"):
        _kernels.residence_times(np.zeros((5, 5)), 0.1)
