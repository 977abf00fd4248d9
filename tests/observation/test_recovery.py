"""Partial-volume recovery of a Gaussian-blurred sphere: closed-form and numerical oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from rairlab.errors import InvalidValueError
from rairlab.observation import recovery_coefficient, resolution_volume_ml, sphere_radius_mm

SIGMA_PER_FWHM = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))


def _mass_for_radius(r_mm: float) -> float:
    return 4.0 / 3.0 * math.pi * r_mm**3 / 1000.0  # unit density


def _rc_numeric(r_mm: float, fwhm_mm: float) -> float:
    # Centre value = ∫_sphere 3-D Gaussian density = ∫_0^R 4π s² φ(s) ds.
    sigma = fwhm_mm * SIGMA_PER_FWHM

    def f(s: float) -> float:
        return (
            4
            * math.pi
            * s**2
            * math.exp(-(s**2) / (2 * sigma**2))
            / (2 * math.pi * sigma**2) ** 1.5
        )

    return integrate.quad(f, 0.0, r_mm, epsabs=1e-14, epsrel=1e-12)[0]


def test_sphere_radius_of_one_ml_is_6_2035_mm() -> None:
    # r = (3 V / 4π)^{1/3} with V = 1000 mm³
    assert float(sphere_radius_mm(1.0)) == pytest.approx(
        (3000 / (4 * math.pi)) ** (1 / 3), rel=1e-12
    )


@pytest.mark.parametrize(("r_mm", "fwhm_mm"), [(1.0, 10.0), (3.0, 6.0), (5.0, 11.6), (12.0, 5.0)])
def test_recovery_matches_numerical_integration(r_mm: float, fwhm_mm: float) -> None:
    rc = float(recovery_coefficient(_mass_for_radius(r_mm), fwhm_mm))
    assert rc == pytest.approx(_rc_numeric(r_mm, fwhm_mm), rel=1e-9, abs=1e-14)


def test_very_large_sphere_recovers_fully() -> None:
    # R = 20 σ: 1 − RC ≈ √(2/π) ρ e^{−ρ²/2} ~ 1e-86, i.e. 1 to double precision.
    r = 20 * 10.0 * SIGMA_PER_FWHM
    assert float(recovery_coefficient(_mass_for_radius(r), 10.0)) == pytest.approx(1.0, abs=1e-12)


def test_tiny_sphere_recovers_its_volume_over_the_resolution_volume() -> None:
    # R ≪ σ: RC → V / ((2π)^{3/2} σ³), relative correction O(ρ²) = 1e-8 here.
    m = 1e-9
    rc = float(recovery_coefficient(m, 10.0))
    assert rc == pytest.approx(m / float(resolution_volume_ml(10.0)), rel=1e-6)
    assert rc < 1e-8


def test_series_and_closed_form_agree_at_the_switch() -> None:
    fwhm = 10.0
    r_switch = 0.01 * fwhm * SIGMA_PER_FWHM
    below = float(recovery_coefficient(_mass_for_radius(r_switch * (1 - 1e-9)), fwhm))
    above = float(recovery_coefficient(_mass_for_radius(r_switch * (1 + 1e-9)), fwhm))
    assert below == pytest.approx(above, rel=1e-6)


def test_recovery_is_monotone_in_size_and_resolution() -> None:
    m = np.geomspace(1e-4, 100.0, 200)
    rc = recovery_coefficient(m, 8.0)
    assert np.all(np.diff(rc) > 0)
    assert np.all((rc > 0) & (rc < 1))
    fw = np.linspace(2.0, 20.0, 50)
    assert np.all(np.diff(recovery_coefficient(1.0, fw)) < 0)


def test_recovery_broadcasts_and_keeps_nan_for_absent_lesions() -> None:
    m = np.array([[1.0, np.nan, 0.1], [2.0, 5.0, np.nan]])
    rc = recovery_coefficient(m, np.array([[6.0], [12.0]]))
    assert rc.shape == (2, 3)
    np.testing.assert_array_equal(np.isnan(rc), np.isnan(m))


@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf])
def test_bad_mass_is_refused(bad: float) -> None:
    with pytest.raises(InvalidValueError, match="mass_g"):
        recovery_coefficient(bad, 10.0)


def test_bad_fwhm_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="fwhm_mm"):
        recovery_coefficient(1.0, 0.0)
