"""Partial-volume recovery of a uniform sphere imaged with a 3-D Gaussian resolution.

A sphere of radius R and uniform concentration C, blurred by an isotropic 3-D
Gaussian of standard deviation σ = FWHM / (2√(2 ln 2)), has at its centre the
concentration C·RC with

    RC(ρ) = erf(ρ/√2) − √(2/π) · ρ · exp(−ρ²/2),     ρ = R/σ,

the probability that a 3-D standard normal vector lies within ρ (the χ₃
distribution function). RC → 1 for R ≫ σ and RC ≈ V / ((2π)^{3/2} σ³) for
R ≪ σ, so a small lesion's apparent peak is its total activity spread over the
resolution volume (2π)^{3/2} σ³.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import erf

from rairlab.dosimetry import tissue_density_g_cm3
from rairlab.errors import InvalidValueError

__all__ = ["recovery_coefficient", "resolution_volume_ml", "sphere_radius_mm"]

_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def _density() -> float:
    return tissue_density_g_cm3()


def sphere_radius_mm(
    mass_g: ArrayLike, density_g_per_ml: float | None = None
) -> NDArray[np.float64]:
    """Radius (mm) of a sphere of `mass_g` grams; NaN masses stay NaN (absent lesions).

    Examples
    --------
    >>> round(float(sphere_radius_mm(4.0 / 3.0 * 3.141592653589793)), 6)  # 1 cm radius
    10.0
    """
    m = np.asarray(mass_g, dtype=float)
    if np.any(m[~np.isnan(m)] <= 0) or np.any(np.isinf(m)):
        raise InvalidValueError("mass_g", mass_g, "finite masses > 0 g (NaN for an absent lesion)")
    rho = _density() if density_g_per_ml is None else float(density_g_per_ml)
    volume_mm3 = m / rho * 1000.0
    return np.asarray(np.cbrt(volume_mm3 * 3.0 / (4.0 * math.pi)))


def resolution_volume_ml(fwhm_mm: ArrayLike) -> NDArray[np.float64]:
    """Effective volume (2π)^{3/2} σ³ of a 3-D Gaussian resolution of `fwhm_mm` (mL).

    Examples
    --------
    >>> round(float(resolution_volume_ml(10.0)), 4)
    1.2061
    """
    f = np.asarray(fwhm_mm, dtype=float)
    if np.any(~np.isfinite(f)) or np.any(f <= 0):
        raise InvalidValueError("fwhm_mm", fwhm_mm, "finite resolutions > 0 mm")
    sigma = f / _FWHM_PER_SIGMA
    return np.asarray((2.0 * math.pi) ** 1.5 * sigma**3 / 1000.0)


def recovery_coefficient(
    mass_g: ArrayLike, fwhm_mm: ArrayLike, density_g_per_ml: float | None = None
) -> NDArray[np.float64]:
    """Centre recovery coefficient of a uniform sphere of `mass_g` for resolution `fwhm_mm`.

    Parameters
    ----------
    mass_g
        Lesion mass (g), any shape, e.g. ``(n_patients, n_lesions)``; NaN marks
        an absent lesion and gives NaN.
    fwhm_mm
        System resolution (mm FWHM), broadcast against `mass_g`.
    density_g_per_ml
        Lesion density; default :func:`rairlab.dosimetry.tissue_density_g_cm3`.

    Returns
    -------
    numpy.ndarray
        RC in (0, 1), the broadcast shape of the inputs.

    References
    ----------
    Hoffman EJ, Huang SC, Phelps ME. Quantitation in positron emission computed
    tomography: 1. Effect of object size. J Comput Assist Tomogr 1979;3:299-308.
    (The closed form above is the χ₃ distribution function, derived here.)

    Examples
    --------
    >>> float(recovery_coefficient(1000.0, 5.0)) > 0.999
    True
    """
    r = sphere_radius_mm(mass_g, density_g_per_ml)
    f = np.asarray(fwhm_mm, dtype=float)
    resolution_volume_ml(f)  # validates
    rho = np.asarray(r * _FWHM_PER_SIGMA / f)
    closed = erf(rho / math.sqrt(2.0)) - math.sqrt(2.0 / math.pi) * rho * np.exp(-0.5 * rho**2)
    # Below ρ = 0.01 the difference above cancels; its Taylor series (the integral of
    # √(2/π) ρ² e^{−ρ²/2}) is exact to double precision there.
    series = math.sqrt(2.0 / math.pi) * (rho**3 / 3.0 - rho**5 / 10.0 + rho**7 / 56.0)
    return np.asarray(np.where(rho < 0.01, series, closed))
