"""Dose rate around an I-125 brachytherapy seed in water, TG-43U1 point-source approximation.

TG-43U1 (Rivard et al. 2004, eq. 11) approximates a seed far from its ends as a
point source:

    Ḋ(r) = S_K · Λ · (r₀ / r)² · g_P(r) · φ_an(r),

with air-kerma strength ``S_K`` (U = µGy m² h⁻¹), dose-rate constant Λ, the
point-source radial dose function ``g_P`` and the 1D anisotropy factor
``φ_an``. The consensus tables give the line-source ``g_L``; it is converted
with the geometry functions, ``g_P(r) = g_L(r) · [G_L(r)/G_L(r₀)] · (r/r₀)²``
with ``G_L(r, 90°) = 2 arctan(L / 2r) / (L r)`` (TG-43U1 eq. 4 and 11). Both
tables are interpolated linearly; ``φ_an`` is tabulated for 0.5–5 cm only and
takes its nearest tabulated value outside that range. The seed data live in
``dosimetry/data/tg43u1/``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import CitedTable, load_cited
from rairlab.errors import InvalidValueError, UnknownNameError

__all__ = ["SEED_MODELS", "seed_dose_rate", "seed_total_dose"]

SEED_MODELS = {"6711": "data/tg43u1/i125_model6711.yaml"}


def _seed(model: str) -> CitedTable:
    if model not in SEED_MODELS:
        raise UnknownNameError("seed model", model, SEED_MODELS)
    return load_cited("rairlab.dosimetry", SEED_MODELS[model])


def _geometry_line(r: NDArray[np.float64], length: float) -> NDArray[np.float64]:
    return np.asarray(2.0 * np.arctan(length / (2.0 * r)) / (length * r))


def seed_dose_rate(
    r_cm: ArrayLike, air_kerma_strength_u: ArrayLike, model: str = "6711"
) -> NDArray[np.float64]:
    """Initial dose rate in water at distance `r_cm` from an I-125 seed (cGy/h).

    Parameters
    ----------
    r_cm
        Distance(s) from the seed centre (cm), within the table (0.1–7 cm).
    air_kerma_strength_u
        Air-kerma strength S_K (U).
    model
        Seed model with shipped TG-43U1 data; ``"6711"``.

    Returns
    -------
    numpy.ndarray
        Dose rate (cGy/h), broadcast shape.

    Raises
    ------
    InvalidValueError
        For a distance outside the tabulated range or S_K < 0.

    References
    ----------
    Rivard MJ et al. Update of AAPM Task Group No. 43 Report. Med Phys
    2004;31:633-674. doi:10.1118/1.1646040

    Examples
    --------
    >>> round(float(seed_dose_rate(1.0, 1.0)), 4)  # S_K Λ φ_an(1 cm) at r0
    0.911
    """
    t = _seed(model)
    r = np.asarray(r_cm, dtype=float)
    sk = np.asarray(air_kerma_strength_u, dtype=float)
    radii = np.asarray(t.array("radial_distance"))
    if np.any(r < radii[0]) or np.any(r > radii[-1]):
        raise InvalidValueError(
            "r_cm", r_cm, f"distances within the TG-43U1 table, {radii[0]}-{radii[-1]} cm"
        )
    if np.any(sk < 0):
        raise InvalidValueError("air_kerma_strength_u", air_kerma_strength_u, "S_K >= 0 U")
    r0 = t.value("reference_distance")
    length = t.value("active_length")
    g_line = np.interp(r, radii, np.asarray(t.array("radial_dose_function_line")))
    g_point = g_line * _geometry_line(r, length) / _geometry_line(np.asarray(r0), length)
    g_point = g_point * (r / r0) ** 2
    aniso_r = np.asarray(t.array("anisotropy_distance"))
    phi = np.interp(r, aniso_r, np.asarray(t.array("anisotropy_factor")))
    return np.asarray(sk * t.value("dose_rate_constant") * (r0 / r) ** 2 * g_point * phi)


def seed_total_dose(
    r_cm: ArrayLike,
    air_kerma_strength_u: ArrayLike,
    half_life_h: float,
    model: str = "6711",
) -> NDArray[np.float64]:
    """Total dose of a permanent implant (cGy): initial dose rate × mean life ``T½ / ln 2``.

    Parameters
    ----------
    r_cm, air_kerma_strength_u, model
        As in :func:`seed_dose_rate`.
    half_life_h
        Physical half-life of I-125 (h), e.g.
        ``rairlab.dosimetry.get_nuclide("I-125").half_life_h``.

    Examples
    --------
    >>> round(float(seed_total_dose(1.0, 1.0, half_life_h=1425.6)), 1)
    1873.6
    """
    if not half_life_h > 0:
        raise InvalidValueError("half_life_h", half_life_h, "a half-life > 0 h")
    return np.asarray(seed_dose_rate(r_cm, air_kerma_strength_u, model) * half_life_h / np.log(2))
