"""The linear-quadratic model for decaying sources: Lea–Catcheside G factor, BED and EQD2.

A source whose dose rate is a sum of exponentials, ``R(t) = Σ_i c_i exp(-λ_i t)``
(exponential decay after instantaneous uptake, or an uptake phase followed by
clearance), delivers a total dose ``D = Σ_i c_i / λ_i``. With mono-exponential
repair of sublethal damage at rate ``μ = ln 2 / T_rep``, the biologically
effective dose is ``BED = D (1 + G D / (α/β))`` where the Lea–Catcheside factor

    G = (2 / D²) ∫₀^∞ R(t) ∫₀^t R(w) exp(-μ (t - w)) dw dt
      = (2 / D²) Σ_i Σ_j c_i c_j / ((λ_i + λ_j)(λ_i + μ)).

For a single exponential this reduces to Dale's ``G = λ / (λ + μ)``. For an uptake
phase, ``R(t) ∝ exp(-λ t) - exp(-λ_u t)``, the terms of the double sum cancel as
``λ_u → λ``; summed in closed form they give

    G = λ λ_u (λ + λ_u + μ) / ((λ + λ_u)(λ + μ)(λ_u + μ)),

a ratio of sums of positive terms, accurate to a few units in the last place
for any rates, equal ones included (the limit ``R(t) ∝ t exp(-λ t)``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError

__all__ = ["bed_decaying", "eqd2", "lea_catcheside_g"]

LN2 = np.log(2.0)


def _positive(name: str, value: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise InvalidValueError(name, value, "finite numbers > 0")
    return arr


def lea_catcheside_g(
    amplitudes: ArrayLike, rates_per_h: ArrayLike, repair_half_time_h: ArrayLike
) -> NDArray[np.float64]:
    """Lea–Catcheside dose-protraction factor of a multi-exponential dose rate.

    Parameters
    ----------
    amplitudes
        Coefficients ``c_i`` of the dose rate, shape ``(..., k)``; any unit
        (G does not depend on the scale). Signs may differ (an uptake phase
        is ``c (exp(-λ₁ t) - exp(-λ₂ t))``) but the rate must stay ≥ 0.
    rates_per_h
        Decay constants ``λ_i`` (1/h), shape ``(..., k)``, all > 0.
    repair_half_time_h
        Half-time of mono-exponential repair (h), broadcast against ``(...)``.

    Returns
    -------
    numpy.ndarray
        G, shape ``(...)``, between 0 and 1.

    Notes
    -----
    Two terms of opposite amplitudes, ``c (exp(-λ₁ t) - exp(-λ₂ t))``, take the
    closed form of the module docstring, accurate to a few units in the last
    place for near-equal and equal rates too.
    Other mixes of signs are summed term by term: where their terms nearly
    cancel (opposite amplitudes on near-equal rates) the sum loses digits.

    References
    ----------
    Dale RG. Br J Radiol 1985;58:515-528. doi:10.1259/0007-1285-58-690-515

    Examples
    --------
    >>> float(lea_catcheside_g([1.0], [np.log(2) / 72], 1.5))  # = T_rep/(T_rep+T_eff)
    0.02040816326530612
    >>> lam = np.log(2) / 72
    >>> float(lea_catcheside_g([1.0, -1.0], [lam, lam], 1.5))  # R ∝ t exp(-λt)
    0.010412328196584754
    """
    c = np.asarray(amplitudes, dtype=float)
    lam = _positive("rates_per_h", rates_per_h)
    mu = np.asarray(LN2 / _positive("repair_half_time_h", repair_half_time_h))
    c, lam = np.broadcast_arrays(c, lam)
    uptake = None
    if c.shape[-1] == 2:
        uptake = (c[..., 0] == -c[..., 1]) & (c[..., 0] != 0)
        c = np.where(uptake[..., None], [1.0, 0.0], c)  # a stand-in: replaced below
    li = lam[..., :, None]
    lj = lam[..., None, :]
    cc = c[..., :, None] * c[..., None, :]
    double = np.sum(cc / ((li + lj) * (li + mu[..., None, None])), axis=(-2, -1))
    dose = np.sum(c / lam, axis=-1)
    g = 2.0 * double / dose**2
    if uptake is not None:
        g = np.where(uptake, _g_uptake(lam[..., 0], lam[..., 1], mu), g)
    return np.asarray(g)


def _g_uptake(
    lam: NDArray[np.float64], lam_u: NDArray[np.float64], mu: NDArray[np.float64]
) -> NDArray[np.float64]:
    """G of ``R(t) ∝ exp(-λ t) - exp(-λ_u t)`` in closed form (module docstring).

    The double sum of `lea_catcheside_g` over these two terms, divided by the
    squared dose ``(1/λ - 1/λ_u)²``, simplifies to a ratio of sums of positive
    terms: no cancellation, so a few units in the last place for any rates,
    ``λ_u = λ`` included. Written as a product of three ratios of degree zero
    (no products of rates to overflow or underflow), it is unchanged by a change
    of the time unit (every rate times k).
    """
    total = lam + lam_u
    return np.asarray((lam / (lam + mu)) * (lam_u / (lam_u + mu)) * ((total + mu) / total))


def bed_decaying(
    dose_gy: ArrayLike,
    alpha_beta_gy: ArrayLike,
    effective_half_life_h: ArrayLike,
    repair_half_time_h: ArrayLike,
    uptake_half_time_h: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Biologically effective dose of a decaying source with repair (Dale 1985).

    Parameters
    ----------
    dose_gy
        Total absorbed dose (Gy), any shape (e.g. ``(n_patients,)``).
    alpha_beta_gy
        α/β (Gy).
    effective_half_life_h
        Effective half-life of the clearance phase (h).
    repair_half_time_h
        Repair half-time (h).
    uptake_half_time_h
        Optional half-time of an uptake phase (h): the dose rate is then
        proportional to ``exp(-λ t) - exp(-λ_u t)`` with ``λ_u = ln 2 / T_u``.
        ``None`` means instantaneous uptake.

    Returns
    -------
    numpy.ndarray
        BED (Gy), broadcast shape of the inputs.

    References
    ----------
    Dale RG. The application of the linear-quadratic dose-effect equation to
    fractionated and protracted radiotherapy. Br J Radiol 1985;58:515-528.
    doi:10.1259/0007-1285-58-690-515

    Examples
    --------
    >>> round(float(bed_decaying(100.0, 10.0, 72.0, 1.5)), 2)
    120.41
    """
    dose = np.asarray(dose_gy, dtype=float)
    if np.any(dose < 0) or not np.all(np.isfinite(dose)):
        raise InvalidValueError("dose_gy", dose_gy, "finite doses >= 0 Gy")
    ab = _positive("alpha_beta_gy", alpha_beta_gy)
    lam = LN2 / _positive("effective_half_life_h", effective_half_life_h)
    if uptake_half_time_h is None:
        g = lea_catcheside_g(np.ones_like(lam)[..., None], lam[..., None], repair_half_time_h)
    else:
        lam_u = LN2 / _positive("uptake_half_time_h", uptake_half_time_h)
        mu = LN2 / _positive("repair_half_time_h", repair_half_time_h)
        g = _g_uptake(lam, lam_u, mu)
    return np.asarray(dose * (1.0 + g * dose / ab))


def eqd2(bed_gy: ArrayLike, alpha_beta_gy: ArrayLike) -> NDArray[np.float64]:
    """Equivalent dose in 2-Gy fractions, ``EQD2 = BED / (1 + 2 Gy / (α/β))``.

    Examples
    --------
    >>> float(eqd2(120.0, 10.0))
    100.0
    """
    ab = _positive("alpha_beta_gy", alpha_beta_gy)
    return np.asarray(np.asarray(bed_gy, dtype=float) / (1.0 + 2.0 / ab))
