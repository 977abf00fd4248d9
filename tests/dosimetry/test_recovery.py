"""Size-dependent recovery coefficients: the Gaussian-PSF sphere model and the curve fits.

The model's quadrature is checked against two independent routes written here: a
Monte Carlo of points drawn uniformly in a sphere and displaced by a Gaussian
(counting those that stay inside), and the large-sphere limit
``RC ≈ 1 − 3σ / (R√(2π))`` (the blur lost through the surface, area × σ/√(2π),
over the volume).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from rairlab.dosimetry import (
    RecoveryCurve,
    fit_recovery_curve,
    read_recovery_phantom,
    sphere_recovery_gaussian,
)
from rairlab.errors import InputFileError, InvalidValueError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dosimetry"
NEMA_DIAMETERS_MM = np.array([10.0, 13.0, 17.0, 22.0, 28.0, 37.0])  # NEMA NU 2 / IEC spheres
NEMA_ML = math.pi / 6.0 * NEMA_DIAMETERS_MM**3 / 1000.0
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def _mc_recovery(volume_ml: float, fwhm_mm: float, n: int, rng: np.random.Generator) -> float:
    radius = (3.0 * volume_ml * 1000.0 / (4.0 * math.pi)) ** (1.0 / 3.0)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    points = direction * (radius * rng.random(n) ** (1.0 / 3.0))[:, None]
    blurred = points + rng.normal(scale=fwhm_mm / FWHM_PER_SIGMA, size=(n, 3))
    return float(np.mean(np.linalg.norm(blurred, axis=1) < radius))


@pytest.mark.parametrize(("volume_ml", "fwhm_mm"), [(0.52, 8.0), (2.57, 7.0), (26.5, 5.0)])
def test_gaussian_recovery_matches_a_monte_carlo(volume_ml: float, fwhm_mm: float) -> None:
    n = 400_000
    mc = _mc_recovery(volume_ml, fwhm_mm, n, np.random.default_rng(11))
    se = math.sqrt(mc * (1 - mc) / n)
    assert float(sphere_recovery_gaussian(volume_ml, fwhm_mm)) == pytest.approx(mc, abs=4 * se)


@pytest.mark.parametrize("ratio", [20.0, 50.0, 200.0])
def test_gaussian_recovery_tends_to_the_surface_loss_of_a_large_sphere(ratio: float) -> None:
    sigma = 1.0
    radius = ratio * sigma
    volume_ml = 4.0 / 3.0 * math.pi * radius**3 / 1000.0
    expected = 1.0 - 3.0 * sigma / (radius * math.sqrt(2.0 * math.pi))
    got = float(sphere_recovery_gaussian(volume_ml, sigma * FWHM_PER_SIGMA))
    # the next term of the expansion is O((σ/R)²)
    assert got == pytest.approx(expected, abs=2.0 / ratio**2)


def test_gaussian_recovery_falls_with_blur_and_rises_with_size() -> None:
    rc = sphere_recovery_gaussian(NEMA_ML[:, None], np.array([4.0, 8.0, 12.0])[None, :])
    assert rc.shape == (6, 3)
    assert np.all(np.diff(rc, axis=0) > 0)  # bigger sphere, more recovered
    assert np.all(np.diff(rc, axis=1) < 0)  # wider blur, less recovered
    assert np.all((rc > 0) & (rc < 1))


def test_fit_recovers_the_fwhm_and_its_uncertainty_from_noisy_spheres() -> None:
    rng = np.random.default_rng(3)
    truth = sphere_recovery_gaussian(NEMA_ML, 7.0)
    estimates = []
    for _ in range(40):
        noisy = truth + rng.normal(scale=0.02, size=truth.size)
        curve = fit_recovery_curve(NEMA_ML, noisy, np.full(6, 0.02))
        estimates.append((curve.params["fwhm_mm"], math.sqrt(curve.covariance[0, 0])))
    fwhm, sd = np.array(estimates).T
    assert np.mean(fwhm) == pytest.approx(7.0, abs=3 * np.std(fwhm) / math.sqrt(40))
    # the stated (absolute) uncertainty is the spread of repeated estimates
    assert np.mean(sd) == pytest.approx(np.std(fwhm), rel=0.35)


def test_logistic_curve_fits_its_own_shape_exactly() -> None:
    rc = 1.0 / (1.0 + (1.5 / NEMA_ML) ** 0.8)
    curve = fit_recovery_curve(NEMA_ML, rc, model="logistic")
    assert curve.params["v50_ml"] == pytest.approx(1.5, rel=1e-6)
    assert curve.params["slope"] == pytest.approx(0.8, rel=1e-6)
    np.testing.assert_allclose(curve(NEMA_ML), rc, rtol=1e-6)


def test_draws_spread_like_the_fit_and_stay_in_range() -> None:
    curve = fit_recovery_curve(NEMA_ML, sphere_recovery_gaussian(NEMA_ML, 7.0) * 1.01)
    noisy = RecoveryCurve(
        curve.model, curve.params, np.array([[0.5**2]]), curve.volumes_ml, curve.recovery, 0.0
    )
    draws = noisy.draw(np.full(20_000, 2.0), np.random.default_rng(0))
    assert np.all((draws >= 0.01) & (draws <= 1.0))
    # first-order spread: |dRC/dFWHM| · 0.5 mm
    step = 1e-4
    fwhm = curve.params["fwhm_mm"]
    derivative = (
        sphere_recovery_gaussian(2.0, fwhm + step) - sphere_recovery_gaussian(2.0, fwhm - step)
    ) / (2 * step)
    assert np.std(draws) == pytest.approx(abs(float(derivative)) * 0.5, rel=0.05)


def test_example_phantom_reads_by_diameter() -> None:
    curve = read_recovery_phantom(EXAMPLE / "recovery_phantom_i124.csv")
    assert curve.model == "gaussian"
    np.testing.assert_allclose(curve.volumes_ml, NEMA_ML, rtol=1e-12)
    assert 6.0 < curve.params["fwhm_mm"] < 8.0  # the synthetic file was made with 7 mm
    assert curve.rms_residual < 0.03
    assert curve.extrapolated(0.2)
    assert not curve.extrapolated(2.0)
    assert curve.to_dict()["params_sd"]["fwhm_mm"] > 0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("volume_ml,recovery\n1,0.5\n", "at least 2 spheres"),
        ("volume_ml,recovery\n1,0.5\n2,1.5\n", "line 3: recovery 1.5"),
        ("volume_ml,rc\n1,0.5\n2,0.6\n", "expected volume_ml"),
        ("volume_ml,recovery\n1,half\n2,0.6\n", "line 2, column 'recovery'"),
        ("diameter_mm,recovery\n0.01,0.5\n20,0.6\n", "line 2: volume"),
    ],
)
def test_bad_phantom_files_are_one_clear_error(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "phantom.csv"
    path.write_text(text)
    with pytest.raises(InputFileError, match=match):
        read_recovery_phantom(path)


def test_unknown_model_and_too_few_points_for_the_logistic() -> None:
    with pytest.raises(InvalidValueError, match="gaussian, logistic"):
        fit_recovery_curve(NEMA_ML, np.full(6, 0.5), model="spline")
    with pytest.raises(InvalidValueError, match="at least 3 spheres"):
        fit_recovery_curve(NEMA_ML[:2], [0.3, 0.5], model="logistic")


def test_spheres_of_one_volume_cannot_fix_a_curve() -> None:
    with pytest.raises(InvalidValueError, match="different volumes"):
        fit_recovery_curve([0.5, 0.5, 0.5], [0.3, 0.31, 0.29], model="logistic")


def test_a_zero_recovery_sd_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "phantom.csv"
    path.write_text("volume_ml,recovery,recovery_sd\n1,0.5,0\n2,0.6,0.02\n")
    with pytest.raises(InputFileError, match="line 2: recovery_sd 0"):
        read_recovery_phantom(path)


def test_draws_of_many_volumes_are_chunked_and_keep_their_shape() -> None:
    curve = fit_recovery_curve(NEMA_ML, sphere_recovery_gaussian(NEMA_ML, 7.0) * 0.99)
    volumes = np.full((3, 7000), 2.0)
    draws = curve.draw(volumes, np.random.default_rng(1))
    assert draws.shape == (3, 7000)
    assert np.all((draws >= 0.01) & (draws <= 1.0))
