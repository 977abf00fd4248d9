"""Population S-values: the cached spline against the exact sphere quadrature."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import rairlab.dosimetry as dosimetry
from rairlab.dosimetry import (
    get_nuclide,
    lesion_dose_per_gbq,
    lesion_dose_per_gbq_population,
    nuclide_names,
    sphere_s_value,
    sphere_s_value_interpolated,
)
from rairlab.errors import InvalidValueError, UnknownNameError

# Contract: relative error of the interpolated S-value (and dose) against the exact quadrature.
REL_TOL = 1e-4
# Masses outside the grid are the exact quadrature itself, up to float rounding.
EXACT_REL_TOL = 1e-12


def _rel_error(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.max(np.abs(approx / exact - 1.0)))


def test_population_names_are_exported() -> None:
    for name in ("sphere_s_value_interpolated", "lesion_dose_per_gbq_population"):
        assert name in dosimetry.__all__
        assert hasattr(dosimetry, name)


@pytest.mark.parametrize("name", nuclide_names())
def test_interpolated_matches_exact_at_random_masses(name: str) -> None:
    rng = np.random.default_rng(20240611)
    m = 10.0 ** rng.uniform(-4.0, 4.0, 200)
    assert _rel_error(sphere_s_value_interpolated(name, m), sphere_s_value(name, m)) <= REL_TOL


@pytest.mark.parametrize("name", ["I-131", "At-211"])
def test_grid_ends_and_nodes_match_exact(name: str) -> None:
    m = np.array([1e-5, 1.0000001e-5, 1e-4, 1.0, 1e4, 9.999999e4, 1e5])
    assert _rel_error(sphere_s_value_interpolated(name, m), sphere_s_value(name, m)) <= REL_TOL


@pytest.mark.parametrize("mass", [2.0, 1e-7, 1e7])  # inside and on both sides of the grid
def test_scalar_gives_zero_dimensional_array(mass: float) -> None:
    s = sphere_s_value_interpolated("I-131", mass)
    assert isinstance(s, np.ndarray)
    assert s.shape == ()
    assert _rel_error(s, sphere_s_value("I-131", mass)) <= REL_TOL


def test_two_dimensional_masses_keep_their_shape() -> None:
    m = np.geomspace(1e-3, 1e3, 12).reshape(3, 4)
    s = sphere_s_value_interpolated("I-124", m)
    assert s.shape == (3, 4)
    assert _rel_error(s, sphere_s_value("I-124", m)) <= REL_TOL


@pytest.mark.parametrize(
    "bad", [np.nan, -1.0, 0.0, np.inf, [1.0, np.nan], [[1.0], [-2.0]], []], ids=repr
)
def test_bad_masses_raise_like_the_exact_function(bad: object) -> None:
    with pytest.raises(InvalidValueError) as exact:
        sphere_s_value("I-131", bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError) as interpolated:
        sphere_s_value_interpolated("I-131", bad)  # type: ignore[arg-type]
    assert str(interpolated.value) == str(exact.value)


def test_unknown_nuclide_raises() -> None:
    with pytest.raises(UnknownNameError):
        sphere_s_value_interpolated("Xx-999", 1.0)


def test_masses_beyond_the_grid_are_exact() -> None:
    m = np.array([[1e-7, 1.0, 3e-6], [2e5, 50.0, 1e7]])
    outside = np.array([[True, False, True], [True, False, True]])
    s = sphere_s_value_interpolated("I-131", m)
    exact = sphere_s_value("I-131", m)
    np.testing.assert_allclose(s[outside], exact[outside], rtol=EXACT_REL_TOL, atol=0.0)
    assert _rel_error(s[~outside], exact[~outside]) <= REL_TOL


def test_a_nuclide_built_elsewhere_gets_its_own_table() -> None:
    shipped = get_nuclide("I-131")
    custom = dataclasses.replace(
        shipped, delta_p_gy_kg_per_bq_s=2.0 * shipped.delta_p_gy_kg_per_bq_s
    )
    m = np.array([0.01, 1.0, 100.0])
    s = sphere_s_value_interpolated(custom, m)
    assert _rel_error(s, sphere_s_value(custom, m)) <= REL_TOL
    # A doubled photon energy raises S at 100 g by more than the tolerance: not the cached table.
    assert s[-1] > sphere_s_value("I-131", 100.0) * (1.0 + 100 * REL_TOL)


def test_a_million_masses_are_evaluated() -> None:
    m = 10.0 ** np.random.default_rng(7).uniform(-4.0, 4.0, 1_000_000)
    s = sphere_s_value_interpolated("I-131", m)
    assert s.shape == m.shape
    assert bool(np.all(np.isfinite(s) & (s > 0)))
    # S·m rises with mass (more of each emission is absorbed): spot-check monotonicity.
    order = np.argsort(m)
    assert bool(np.all(np.diff((s * m)[order]) >= -REL_TOL * (s * m)[order][1:]))


def test_population_dose_matches_the_exact_lesion_dose() -> None:
    tau = np.array([[0.1], [0.5], [2.0], [0.0]])  # h, one row per patient
    m = np.array([0.003, 0.2, 7.5, 850.0])  # g, one column per lesion
    approx = lesion_dose_per_gbq_population(tau, "I-131", m)
    exact = lesion_dose_per_gbq(tau, "I-131", m)
    assert approx.shape == exact.shape == (4, 4)
    assert np.all(approx[-1] == 0.0)
    assert _rel_error(approx[:-1], exact[:-1]) <= REL_TOL


@pytest.mark.parametrize("tau", [-1.0, np.nan, np.inf])
def test_population_dose_rejects_bad_residence_times(tau: float) -> None:
    with pytest.raises(InvalidValueError, match="residence_time_h"):
        lesion_dose_per_gbq_population(tau, "I-131", 1.0)
