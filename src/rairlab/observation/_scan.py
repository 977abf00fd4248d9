"""Is a lesion visible on a radioiodine scan? Apparent activity against a detection limit.

A lesion of mass m with uptake u (%IA/g, decay-corrected to administration)
after an administered activity A holds, at the imaging time t,

    C = u/100 · A · e^{−λt} · ρ        (kBq/mL, A in kBq, ρ the density)

The scanner blurs it: the apparent peak concentration is C·RC(m, FWHM) (see
:func:`recovery_coefficient`). The lesion is called visible when the activity
in one resolution volume at that peak reaches the scanner's minimum detectable
activity of a point-like source,

    C · RC · V_res ≥ MDA,        V_res = (2π)^{3/2} σ³,

which for a lesion much smaller than the resolution reduces to "lesion activity
≥ MDA" and for a large one to "concentration ≥ MDA / V_res". Background uptake
is neglected (radioiodine scans have low background).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._parameters import ParametersLike
from rairlab.dosimetry import tissue_density_g_cm3
from rairlab.errors import InvalidValueError
from rairlab.observation._data import ScanProtocol, scan_protocol
from rairlab.observation._recovery import recovery_coefficient, resolution_volume_ml

__all__ = ["detection_limit_pct_ia_per_g", "scan_visible"]


def _positive(name: str, value: ArrayLike | None, default: float) -> NDArray[np.float64]:
    arr = np.asarray(default if value is None else value, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise InvalidValueError(name, value, "finite values > 0")
    return arr


def _decay(p: ScanProtocol, t_h: NDArray[np.float64], decay_corrected: bool) -> NDArray[np.float64]:
    if not decay_corrected:
        return np.ones_like(t_h)
    return np.asarray(np.exp(-math.log(2.0) / p.half_life_h * t_h))


def detection_limit_pct_ia_per_g(
    mass_g: ArrayLike,
    scan: str = "i131_wbs",
    *,
    administered_mbq: ArrayLike | None = None,
    imaging_time_h: ArrayLike | None = None,
    decay_corrected: bool = True,
    parameters: ParametersLike = "fitted",
) -> NDArray[np.float64]:
    """Smallest lesion uptake (%IA/g) that scan type `scan` shows, for lesions of `mass_g`.

    Parameters
    ----------
    mass_g
        Lesion mass (g), e.g. shape ``(n_patients, n_lesions)``; NaN marks an
        absent lesion (its limit is NaN).
    scan
        One of :data:`SCAN_TYPES`: ``"i131_wbs"``, ``"i131_spect"``, ``"i123_wbs"``,
        ``"i124_pet"``, ``"i131_post_therapy_wbs"``.
    administered_mbq
        Administered activity (MBq); default the scan's cited default. Broadcast
        against `mass_g` (per patient: shape ``(n_patients, 1)``).
    imaging_time_h
        Time of imaging after administration (h); default the scan's default.
    decay_corrected
        True (default) when uptakes are decay-corrected to the administration
        time (biological fractions, as :mod:`rairlab.biokinetics` gives them);
        False when they already include physical decay to the imaging time.
    parameters
        The parameter set of the scan's records (:func:`scan_protocol`; default fitted).

    Returns
    -------
    numpy.ndarray
        Limit in %IA/g, broadcast shape of the inputs; smaller lesions need more uptake.

    Raises
    ------
    UnknownNameError
        Unknown `scan`.
    InvalidValueError
        Non-positive masses, activities or times.

    References
    ----------
    Hoffman EJ, Huang SC, Phelps ME. J Comput Assist Tomogr 1979;3:299-308 (recovery).
    Kong X et al. AAPM 2022, abstract SU-F-202-7 (I-131 SPECT minimum detectable activity).

    Examples
    --------
    >>> lim = detection_limit_pct_ia_per_g([0.1, 1.0, 10.0], "i131_wbs")
    >>> bool(lim[0] > lim[1] > lim[2])
    True
    """
    p = scan_protocol(scan, parameters)
    a_kbq = _positive("administered_mbq", administered_mbq, p.administered_mbq) * 1000.0
    t_h = _positive("imaging_time_h", imaging_time_h, p.imaging_time_h)
    rho = tissue_density_g_cm3()
    rc = recovery_coefficient(mass_g, p.fwhm_mm)
    v_res = float(resolution_volume_ml(p.fwhm_mm))
    kbq_per_ml_per_pct = a_kbq / 100.0 * _decay(p, t_h, decay_corrected) * rho
    return np.asarray(p.mda_kbq / (kbq_per_ml_per_pct * rc * v_res))


def scan_visible(
    uptake_pct_ia_per_g: ArrayLike,
    mass_g: ArrayLike,
    scan: str = "i131_wbs",
    *,
    administered_mbq: ArrayLike | None = None,
    imaging_time_h: ArrayLike | None = None,
    decay_corrected: bool = True,
    parameters: ParametersLike = "fitted",
) -> NDArray[np.bool_]:
    """Whether each lesion is visible on scan type `scan`.

    Parameters
    ----------
    uptake_pct_ia_per_g
        Lesion uptake at the imaging time (%IA/g), e.g. shape ``(n_patients,
        n_lesions)``; NaN marks an absent lesion.
    mass_g
        Lesion mass (g), broadcast against the uptake; NaN marks an absent lesion.
    scan, administered_mbq, imaging_time_h, decay_corrected, parameters
        As in :func:`detection_limit_pct_ia_per_g`.

    Returns
    -------
    numpy.ndarray of bool
        True where uptake ≥ the size-dependent limit; absent lesions (NaN) are
        False, so pass their mask separately to :func:`rai_refractory_categories`.

    Raises
    ------
    InvalidValueError
        Negative or infinite uptakes (and as :func:`detection_limit_pct_ia_per_g`).

    Examples
    --------
    >>> scan_visible([[0.1, 0.001]], [[2.0, 2.0]], "i131_wbs").tolist()
    [[True, False]]
    """
    u = np.asarray(uptake_pct_ia_per_g, dtype=float)
    if np.any(u[~np.isnan(u)] < 0) or np.any(np.isinf(u)):
        raise InvalidValueError(
            "uptake_pct_ia_per_g", uptake_pct_ia_per_g, "finite uptakes >= 0 %IA/g (NaN if absent)"
        )
    limit = detection_limit_pct_ia_per_g(
        mass_g,
        scan,
        administered_mbq=administered_mbq,
        imaging_time_h=imaging_time_h,
        decay_corrected=decay_corrected,
        parameters=parameters,
    )
    with np.errstate(invalid="ignore"):
        return np.asarray(u >= limit)
