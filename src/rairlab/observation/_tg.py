"""Serum thyroglobulin from lesion masses, their Tg-secretion activity and the TSH state.

Serum Tg is taken proportional to the mass of differentiated tissue, each gram
contributing k(TSH) ng/mL when its cells secrete Tg like a normal thyrocyte:

    Tg = Σ_lesions m · s · k(TSH)

with s the network output ``Tg_secretion`` (0..1, normal thyrocyte = 1),
k = 0.5 (ng/mL)/g under TSH suppression, 1 at normal TSH, and the suppressed
value times the cited ~10-fold stimulation for thyroid-hormone withdrawal or
rhTSH (NACB guideline, Demers & Spencer 2003).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError
from rairlab.observation._data import table

__all__ = ["TG_RESPONSES", "TSH_STATES", "serum_tg", "tg_detectable", "tg_response"]

#: TSH states: on suppressive thyroid hormone, normal TSH, withdrawal, recombinant TSH.
TSH_STATES: tuple[str, ...] = ("suppressed", "normal", "withdrawal", "rhtsh")
_STIMULATED = ("withdrawal", "rhtsh")

#: Biochemical response codes of :func:`tg_response` (index = code).
TG_RESPONSES: tuple[str, ...] = ("excellent", "indeterminate", "biochemical_incomplete")


def _tsh_index(tsh_state: str | ArrayLike) -> NDArray[np.intp]:
    states = np.asarray(tsh_state, dtype=str)
    bad = sorted(set(states.reshape(-1).tolist()) - set(TSH_STATES))
    if bad:
        raise InvalidValueError("tsh_state", bad[0], f"one of {', '.join(TSH_STATES)}")
    return np.asarray(np.searchsorted(np.array(sorted(TSH_STATES)), states))


def _tg_per_gram(tsh_state: str | ArrayLike) -> NDArray[np.float64]:
    t = table("thyroglobulin")
    k_supp = t.value("tg_per_gram_suppressed_tsh")
    by_state = {
        "suppressed": k_supp,
        "normal": t.value("tg_per_gram_normal_tsh"),
        "withdrawal": k_supp * t.value("tg_stimulation_fold"),
        "rhtsh": k_supp * t.value("tg_stimulation_fold"),
    }
    lookup = np.array([by_state[s] for s in sorted(TSH_STATES)])
    return np.asarray(lookup[_tsh_index(tsh_state)])


def serum_tg(
    mass_g: ArrayLike,
    tg_secretion: ArrayLike,
    tsh_state: str | ArrayLike = "suppressed",
    *,
    present: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Serum Tg (ng/mL) of each patient from the masses of their Tg-secreting lesions.

    Parameters
    ----------
    mass_g
        Lesion (or remnant) masses, shape ``(n_patients, n_lesions)``; NaN or
        `present` = False marks an absent lesion.
    tg_secretion
        Relative Tg-secretion activity (network output ``Tg_secretion``, 0..1,
        normal thyrocyte = 1), shape ``(n_patients,)`` (one per patient, applied
        to all their lesions) or ``(n_patients, n_lesions)``.
    tsh_state
        One of :data:`TSH_STATES`, one for all or shape ``(n_patients,)``.
    present
        Optional bool mask ``(n_patients, n_lesions)`` of lesions that exist.

    Returns
    -------
    numpy.ndarray
        Serum Tg in ng/mL, shape ``(n_patients,)``; linear in each mass.

    Raises
    ------
    InvalidValueError
        Negative masses, secretion outside [0, 1], unknown TSH state, bad shapes.

    References
    ----------
    Demers LM, Spencer CA. Thyroid 2003;13:3-126. doi:10.1089/105072503321086962

    Examples
    --------
    >>> serum_tg([[2.0, 1.0]], [1.0], "suppressed").tolist()
    [1.5]
    >>> serum_tg([[2.0, 1.0]], [1.0], "withdrawal").tolist()
    [15.0]
    """
    m = np.asarray(mass_g, dtype=float)
    if m.ndim != 2:
        raise InvalidValueError("mass_g", m.shape, "an array of shape (n_patients, n_lesions)")
    if np.any(m[~np.isnan(m)] < 0) or np.any(np.isinf(m)):
        raise InvalidValueError("mass_g", mass_g, "finite masses >= 0 g (NaN if absent)")
    s = np.asarray(tg_secretion, dtype=float)
    if s.ndim == 1:
        s = s[:, None]
    if np.any(~np.isfinite(s)) or np.any((s < 0) | (s > 1)):
        raise InvalidValueError("tg_secretion", tg_secretion, "activities in [0, 1]")
    k = _tg_per_gram(tsh_state)
    k = k[:, None] if k.ndim == 1 else k
    keep = ~np.isnan(m)
    if present is not None:
        keep &= np.broadcast_to(np.asarray(present, dtype=bool), m.shape)
    try:
        per_lesion = np.where(keep, np.nan_to_num(m) * s * k, 0.0)
    except ValueError as exc:
        raise InvalidValueError(
            "tg_secretion / tsh_state shape",
            (s.shape, k.shape),
            f"(n_patients,) or {m.shape} matching mass_g",
        ) from exc
    return np.asarray(per_lesion.sum(axis=-1))


def tg_detectable(
    tg_ng_ml: ArrayLike, functional_sensitivity_ng_ml: float | None = None
) -> NDArray[np.bool_]:
    """Whether serum Tg is at or above the assay's functional sensitivity.

    The default limit is the cited 0.05 ng/mL of a second-generation assay
    (Spencer et al. 2010, doi:10.1089/thy.2009.0338).

    Examples
    --------
    >>> tg_detectable([0.01, 0.05, 2.0]).tolist()
    [False, True, True]
    """
    limit = (
        table("tg_assay").value("tg_functional_sensitivity_ng_ml")
        if functional_sensitivity_ng_ml is None
        else float(functional_sensitivity_ng_ml)
    )
    return np.asarray(np.asarray(tg_ng_ml, dtype=float) >= limit)


def tg_response(tg_ng_ml: ArrayLike, tsh_state: str | ArrayLike = "suppressed") -> NDArray[np.intp]:
    """The biochemical part of the ATA 2015 response to therapy, as codes of :data:`TG_RESPONSES`.

    On thyroid hormone (``"suppressed"`` or ``"normal"``): excellent below
    0.2 ng/mL, biochemical incomplete above 1 ng/mL. TSH-stimulated
    (``"withdrawal"``, ``"rhtsh"``): excellent below 1, incomplete above 10 ng/mL.
    Values in between are indeterminate. Structural disease (imaging) and Tg
    antibodies are not considered; the categories apply after total
    thyroidectomy and RAI.

    References
    ----------
    Haugen BR et al. Thyroid 2016;26:1-133. doi:10.1089/thy.2015.0020

    Examples
    --------
    >>> [TG_RESPONSES[c] for c in tg_response([0.1, 0.5, 3.0], "suppressed")]
    ['excellent', 'indeterminate', 'biochemical_incomplete']
    >>> [TG_RESPONSES[c] for c in tg_response([0.5, 5.0, 30.0], "rhtsh")]
    ['excellent', 'indeterminate', 'biochemical_incomplete']
    """
    tg = np.asarray(tg_ng_ml, dtype=float)
    if np.any(~np.isfinite(tg)) or np.any(tg < 0):
        raise InvalidValueError("tg_ng_ml", tg_ng_ml, "finite concentrations >= 0 ng/mL")
    t = table("ata2015")
    stimulated = np.isin(np.asarray(tsh_state, dtype=str), _STIMULATED)
    _tsh_index(tsh_state)  # validates the names
    low = np.where(
        stimulated,
        t.value("tg_excellent_max_stimulated_ng_ml"),
        t.value("tg_excellent_max_suppressed_ng_ml"),
    )
    high = np.where(
        stimulated,
        t.value("tg_incomplete_min_stimulated_ng_ml"),
        t.value("tg_incomplete_min_suppressed_ng_ml"),
    )
    return np.asarray(np.where(tg < low, 0, np.where(tg > high, 2, 1)), dtype=np.intp)
