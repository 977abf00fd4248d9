"""Lesion dosimetry: absorbed dose per administered activity, activity planning and eligibility.

The mean lesion dose per unit administered activity is the residence time
``τ`` (time-integrated activity per administered activity, h) times the
self-dose S-value of a unit-density sphere of the lesion's mass:

    D / A₀ [Gy/GBq] = τ [h] · 3600 [s/h] · 10⁹ [Bq/GBq] · S(m) [Gy/(Bq·s)].

The activity that reaches a target dose is ``A = D_target / (D/A₀)``; a lesion
meets the dosimetric criterion when that activity does not exceed the maximum
(the NCT02152995 criterion: ≥ 20 Gy with ≤ 300 mCi, kept as data with the
review's Table 1 as source). With I-124 PET data, ``predict="I-131"``
decay-corrects the measurements with I-124's half-life and re-decays them with
I-131's before fitting. Research use only: these are model estimates, not
treatment decisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import CitedTable, load_cited
from rairlab.dosimetry._measurements import Measurements
from rairlab.dosimetry._nuclides import Nuclide, get_nuclide
from rairlab.dosimetry._svalues import sphere_s_value
from rairlab.dosimetry._tac import TacAnalysis, fit_tac, redecay
from rairlab.dosimetry._units import (
    BQ_PER_GBQ,
    MBQ_PER_GBQ,
    SECONDS_PER_HOUR,
    cited_activity_mbq,
)
from rairlab.errors import InvalidValueError

__all__ = [
    "LesionDose",
    "activity_for_dose",
    "lesion_dose_per_gbq",
    "lesion_dosimetry",
    "lesion_thresholds",
    "trial_criteria",
]

_PKG = "rairlab.dosimetry"


def lesion_thresholds() -> CitedTable:
    """Literature lesion-dose levels associated with response (Maxon et al.), cited.

    Examples
    --------
    >>> lesion_thresholds().value("remnant_ablation_gy")
    300.0
    """
    return load_cited(_PKG, "data/literature/lesion_thresholds.yaml")


def trial_criteria() -> CitedTable:
    """The NCT02152995 dosimetric criterion (target dose, maximum activity), citing Table 1.

    Examples
    --------
    >>> trial_criteria().value("target_lesion_dose")
    20.0
    """
    return load_cited(_PKG, "data/liu2023/nct02152995_criteria.yaml")


def trial_max_activity_mbq() -> float:
    """The NCT02152995 maximum activity (300 mCi) in MBq.

    Examples
    --------
    >>> trial_max_activity_mbq()
    11100.0
    """
    return cited_activity_mbq(trial_criteria()["max_activity"])


def lesion_dose_per_gbq(
    residence_time_h: ArrayLike, nuclide: str, mass_g: ArrayLike
) -> NDArray[np.float64]:
    """Mean lesion absorbed dose per administered GBq (sphere model).

    Parameters
    ----------
    residence_time_h
        Time-integrated activity per unit administered activity (h), e.g.
        shape ``(n_patients,)``.
    nuclide
        The nuclide delivering the dose (e.g. ``"I-131"``).
    mass_g
        Lesion mass (g), broadcast against `residence_time_h`.

    Returns
    -------
    numpy.ndarray
        Gy/GBq.

    Examples
    --------
    >>> d = lesion_dose_per_gbq(1.0, "I-131", 2.0)  # 1 h residence, 2 g
    >>> 50 < float(d) < 60
    True
    """
    return _dose_per_gbq(residence_time_h, nuclide, mass_g, sphere_s_value)


def _dose_per_gbq(
    residence_time_h: ArrayLike,
    nuclide: str | Nuclide,
    mass_g: ArrayLike,
    s_value: Callable[[str | Nuclide, ArrayLike], NDArray[np.float64]],
) -> NDArray[np.float64]:
    """``τ · 3600 · 10⁹ · S(m)`` in Gy/GBq, with the S-values from `s_value(nuclide, mass_g)`."""
    tau = np.asarray(residence_time_h, dtype=float)
    if np.any(tau < 0) or not np.all(np.isfinite(tau)):
        raise InvalidValueError("residence_time_h", residence_time_h, "finite values >= 0 h")
    s = s_value(nuclide, mass_g)
    return np.asarray(tau * SECONDS_PER_HOUR * BQ_PER_GBQ * s)


def activity_for_dose(
    dose_gy_per_gbq: ArrayLike, target_gy: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Administered activity (MBq) that gives `target_gy` (default: the trial's 20 Gy).

    Examples
    --------
    >>> float(activity_for_dose(4.0, 20.0))
    5000.0
    """
    target = trial_criteria().value("target_lesion_dose") if target_gy is None else target_gy
    tg = np.asarray(target, dtype=float)
    if not np.all(np.isfinite(tg)) or np.any(tg <= 0):
        raise InvalidValueError("target_gy", target_gy, "finite doses > 0 Gy")
    d = np.asarray(dose_gy_per_gbq, dtype=float)
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(d > 0, tg / np.where(d > 0, d, 1.0), np.inf) * MBQ_PER_GBQ)


@dataclass(frozen=True)
class LesionDose:
    """Result of :func:`lesion_dosimetry` (one lesion).

    ``to_dict()`` gives the CLI's JSON: ``tia_mbq_h``, ``dose_gy_per_gbq``,
    ``activity_for_target_mbq``, ``eligible``, ``model``, ``fit`` and extras.
    """

    measured_nuclide: str
    nuclide: str
    mass_g: float
    recovery: float
    tia_basis_mbq: float
    analysis: TacAnalysis
    s_value_gy_per_bq_s: float
    dose_gy_per_gbq: float
    dose_sd_gy_per_gbq: float
    target_gy: float
    activity_for_target_mbq: float
    max_activity_mbq: float
    eligible: bool
    times_h: tuple[float, ...]
    fraction: tuple[float, ...]

    @property
    def residence_time_h(self) -> float:
        """Time-integrated activity per unit administered activity (h)."""
        return self.analysis.best.tia_h

    @property
    def dose_at_max_activity_gy(self) -> float:
        """Predicted lesion dose at the maximum activity (Gy)."""
        return self.dose_gy_per_gbq * self.max_activity_mbq / MBQ_PER_GBQ

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON result with the contract keys first."""
        best = self.analysis.best
        thresholds = lesion_thresholds()
        return {
            "tia_mbq_h": best.tia_h * self.tia_basis_mbq,
            "dose_gy_per_gbq": self.dose_gy_per_gbq,
            "activity_for_target_mbq": self.activity_for_target_mbq,
            "eligible": self.eligible,
            "model": self.analysis.chosen,
            "fit": {
                "chosen": best.to_dict(),
                "all": {m: f.to_dict() for m, f in self.analysis.fits.items()},
                "skipped": self.analysis.skipped,
            },
            "tia_sd_mbq_h": best.tia_sd_h * self.tia_basis_mbq,
            "tia_basis_mbq": self.tia_basis_mbq,
            "residence_time_h": best.tia_h,
            "dose_sd_gy_per_gbq": self.dose_sd_gy_per_gbq,
            "nuclide": self.nuclide,
            "measured_nuclide": self.measured_nuclide,
            "mass_g": self.mass_g,
            "recovery_coefficient": self.recovery,
            "s_value_gy_per_bq_s": self.s_value_gy_per_bq_s,
            "target_gy": self.target_gy,
            "max_activity_mbq": self.max_activity_mbq,
            "dose_at_max_activity_gy": self.dose_at_max_activity_gy,
            "literature_thresholds": [
                {
                    "name": r.name,
                    "dose_gy": r.value,
                    "activity_mbq": float(activity_for_dose(self.dose_gy_per_gbq, float(r.value))),  # type: ignore[arg-type]
                    "citation": r.citation,
                    "doi": r.doi,
                }
                for r in thresholds.values()
            ],
        }


def lesion_dosimetry(
    measurements: Measurements,
    nuclide: str,
    mass_g: float,
    predict: str | None = None,
    target_gy: float | None = None,
    max_activity_mbq: float | None = None,
    recovery: float = 1.0,
    model: str = "auto",
) -> LesionDose:
    """Dose per GBq, activity for a target dose and eligibility of one lesion.

    Parameters
    ----------
    measurements
        The lesion's time-activity data (see :func:`read_measurements`).
    nuclide
        The nuclide that was measured (e.g. ``"I-124"``).
    mass_g
        Lesion mass (g), unit density.
    predict
        Therapy nuclide to predict (e.g. ``"I-131"``); ``None`` uses `nuclide`.
    target_gy
        Target lesion dose; default the NCT02152995 criterion (20 Gy).
    max_activity_mbq
        Maximum administered activity; default 300 mCi = 11 100 MBq.
    recovery
        Partial-volume recovery coefficient in (0, 1]: measured activities are
        divided by it.
    model
        ``"auto"``, ``"mono"``, ``"bi"``, ``"biexp"`` or ``"trapezoid"``.

    Returns
    -------
    LesionDose

    Raises
    ------
    UnknownNameError
        Unknown nuclide.
    InvalidValueError
        Bad mass, recovery, target or maximum activity, or a model that cannot be fitted.
    """
    measured = get_nuclide(nuclide)
    therapy = get_nuclide(predict) if predict else measured
    if not (mass_g > 0 and math.isfinite(mass_g)):
        raise InvalidValueError("--mass-g", mass_g, "a lesion mass > 0 g")
    if not 0 < recovery <= 1:
        raise InvalidValueError("--recovery", recovery, "a recovery coefficient in (0, 1]")
    target = trial_criteria().value("target_lesion_dose") if target_gy is None else target_gy
    if not (target > 0 and math.isfinite(target)):
        raise InvalidValueError("--target-gy", target_gy, "a finite dose > 0 Gy")
    a_max = trial_max_activity_mbq() if max_activity_mbq is None else max_activity_mbq
    if not (a_max > 0 and math.isfinite(a_max)):
        raise InvalidValueError("--max-activity-mbq", max_activity_mbq, "a finite activity > 0 MBq")
    frac = measurements.fraction / recovery
    if therapy.name != measured.name:
        frac = redecay(measurements.times_h, frac, measured.half_life_h, therapy.half_life_h)
    analysis = fit_tac(measurements.times_h, frac, therapy.half_life_h, model=model)
    best = analysis.best
    s = float(sphere_s_value(therapy, mass_g))
    per_gbq = best.tia_h * SECONDS_PER_HOUR * BQ_PER_GBQ * s
    sd = best.tia_sd_h * SECONDS_PER_HOUR * BQ_PER_GBQ * s
    a_target = float(activity_for_dose(per_gbq, target))
    basis = measurements.administered_mbq or MBQ_PER_GBQ
    return LesionDose(
        measured_nuclide=measured.name,
        nuclide=therapy.name,
        mass_g=float(mass_g),
        recovery=float(recovery),
        tia_basis_mbq=float(basis),
        analysis=analysis,
        s_value_gy_per_bq_s=s,
        dose_gy_per_gbq=per_gbq,
        dose_sd_gy_per_gbq=sd,
        target_gy=float(target),
        activity_for_target_mbq=a_target,
        max_activity_mbq=float(a_max),
        eligible=bool(a_target <= a_max),
        times_h=tuple(float(v) for v in measurements.times_h),
        fraction=tuple(float(v) for v in frac),
    )
