"""Lesion dosimetry: absorbed dose per administered activity, activity planning and eligibility.

The mean lesion dose per unit administered activity is the residence time
``τ`` (time-integrated activity per administered activity, h) times the
self-dose S-value of a unit-density sphere of the lesion's mass:

    D / A₀ [Gy/GBq] = τ [h] · 3600 [s/h] · 10⁹ [Bq/GBq] · S(m) [Gy/(Bq·s)].

The activity that reaches a target dose is ``A = D_target / (D/A₀)``; a lesion
meets the dosimetric criterion when that activity does not exceed the maximum
(the NCT02152995 criterion: ≥ 20 Gy with ≤ 300 mCi, the trial's record in the
knowledge base; :func:`~rairlab.dosimetry.trial_criteria`). The result also gives
the activity for each literature response level of
:func:`rairlab.radiobiology.response_thresholds`. With I-124 PET data,
``predict="I-131"`` decay-corrects the measurements with I-124's half-life and
re-decays them with I-131's before fitting. Research use only: these are model
estimates, not treatment decisions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.dosimetry._criterion import trial_criteria
from rairlab.dosimetry._limits import LIMITS
from rairlab.dosimetry._measurements import Measurements
from rairlab.dosimetry._nuclides import Nuclide, get_nuclide
from rairlab.dosimetry._recovery import RecoveryCurve
from rairlab.dosimetry._svalue_grid import _dose_per_gbq
from rairlab.dosimetry._svalues import sphere_s_value, tissue_density_g_cm3
from rairlab.dosimetry._tac import TacAnalysis, fit_tac, redecay
from rairlab.dosimetry._uncertainty import DoseUncertainty, UncertaintyInputs, propagate_lesion_dose
from rairlab.dosimetry._units import BQ_PER_GBQ, MBQ_PER_GBQ, SECONDS_PER_HOUR
from rairlab.errors import InputFileError, InvalidValueError
from rairlab.radiobiology import response_thresholds

__all__ = ["LesionDose", "activity_for_dose", "lesion_dose_per_gbq", "lesion_dosimetry"]


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


def activity_for_dose(
    dose_gy_per_gbq: ArrayLike, target_gy: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Administered activity (MBq) that gives `target_gy` (default: the trial's 20 Gy).

    Examples
    --------
    >>> float(activity_for_dose(4.0, 20.0))
    5000.0
    """
    target = trial_criteria().target_gy if target_gy is None else target_gy
    tg = np.asarray(target, dtype=float)
    if not np.all(np.isfinite(tg)) or np.any(tg <= 0):
        raise InvalidValueError("target_gy", target_gy, "finite doses > 0 Gy")
    d = np.asarray(dose_gy_per_gbq, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):  # no dose: no activity reaches it (inf)
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
    volume_ml: float | None = None
    recovery_curve: RecoveryCurve | None = None
    uncertainty: DoseUncertainty | None = None
    lesion_id: str | None = None

    @property
    def residence_time_h(self) -> float:
        """Time-integrated activity per unit administered activity (h)."""
        return self.analysis.best.tia_h

    @property
    def dose_at_max_activity_gy(self) -> float:
        """Predicted lesion dose at the maximum activity (Gy)."""
        return self.dose_gy_per_gbq * self.max_activity_mbq / MBQ_PER_GBQ

    def summary_rows(self) -> list[tuple[str, str]]:
        """(quantity, value) rows of this result for people: the CLI table and the web page.

        Numbers that are not finite show their reason, as in :meth:`to_dict`; with a
        Monte Carlo, its 95 % intervals, the share of draws meeting the criterion and
        the uncertainty budget follow.
        """
        best = self.analysis.best
        out = self.to_dict()

        def pm(value: float, sd: float, spec: str) -> str:
            return f"{value:{spec}}" + (f" ± {sd:.2g}" if math.isfinite(sd) else "")

        activity = self.activity_for_target_mbq
        rows = [
            ("model (chosen)", self.analysis.chosen),
            ("residence time (h)", pm(best.tia_h, best.tia_sd_h, ".4g")),
            (f"TIA for {self.tia_basis_mbq:g} MBq (MBq·h)", f"{out['tia_mbq_h']:.4g}"),
            ("recovery coefficient", f"{self.recovery:.3g}"),
            ("dose per GBq (Gy/GBq)", pm(self.dose_gy_per_gbq, self.dose_sd_gy_per_gbq, ".4g")),
            (
                f"activity for {self.target_gy:g} Gy (MBq)",
                f"{activity:.5g}"
                if math.isfinite(activity)
                else f"none ({out['activity_for_target_mbq_note']})",
            ),
            (
                f"meets the NCT02152995 dosimetric criterion "
                f"({self.target_gy:g} Gy with ≤ {self.max_activity_mbq:g} MBq)",
                "yes" if self.eligible else "no",
            ),
        ]
        if self.uncertainty is not None:
            rows += self.uncertainty.summary_rows(self.target_gy)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON result with the contract keys first.

        A value that is not a finite number (a standard error the fit does not
        determine; no activity reaching a dose when the dose per GBq is 0) has a
        ``<key>_note`` beside it saying why.
        """
        best = self.analysis.best
        thresholds = response_thresholds()
        no_dose = "no finite activity reaches it: the fitted dose per GBq is 0 or next to it"
        out: dict[str, Any] = {
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
            "literature_thresholds": [],
        }
        if self.lesion_id is not None:
            out = {"lesion_id": self.lesion_id} | out
        out["volume_ml"] = self.volume_ml
        if self.volume_ml is None:
            out["volume_ml_note"] = "the lesion was given by its mass"
        if self.recovery_curve is not None:
            out["recovery_curve"] = self.recovery_curve.to_dict()
            out["recovery_extrapolated"] = self.recovery_curve.extrapolated(
                self.mass_g / tissue_density_g_cm3()
            )
        if self.uncertainty is not None:
            out["uncertainty"] = self.uncertainty.to_dict()
        for r in thresholds.values():
            activity = float(activity_for_dose(self.dose_gy_per_gbq, float(r.value)))  # type: ignore[arg-type]
            row = {"name": r.name, "dose_gy": r.value, "activity_mbq": activity}
            if not math.isfinite(activity):
                row["activity_mbq_note"] = no_dose
            out["literature_thresholds"].append(row | {"citation": r.citation, "doi": r.doi})
        if not math.isfinite(self.activity_for_target_mbq):
            out["activity_for_target_mbq_note"] = no_dose
        if not math.isfinite(best.tia_sd_h):
            why = str(best.to_dict()["tia_sd_h_note"])
            out["tia_sd_mbq_h_note"] = out["dose_sd_gy_per_gbq_note"] = why
        return out


def _check_decay(
    measurements: Measurements, nuclide: Nuclide, recovery: float, what: str = "--recovery"
) -> NDArray[np.float64]:
    """The recovery-corrected fractions, refused where more than the undecayed activity.

    At time ``t`` no more than ``e^{-λt}`` of the administered activity exists (up to
    ``LIMITS.decay_tolerance`` of calibration error); more means a wrong nuclide, unit
    or administered activity in the data, or too small a recovery coefficient.
    """
    t = np.asarray(measurements.times_h, dtype=float)
    remaining = np.exp(-math.log(2.0) / nuclide.half_life_h * t) * (1.0 + LIMITS.decay_tolerance)
    raw = np.asarray(measurements.fraction, dtype=float)
    over = np.flatnonzero(raw > remaining)
    if over.size:
        i = int(over[0])
        raise InputFileError(
            measurements.path,
            f"time_h {t[i]:g}: {100.0 * raw[i]:.4g} % of the administered activity, but only "
            f"{100.0 * remaining[i] / (1.0 + LIMITS.decay_tolerance):.4g} % of it remains "
            f"undecayed at that time ({nuclide.name}, half-life {nuclide.half_life_h:g} h); "
            "check --nuclide, the unit and --administered-mbq",
        )
    frac = raw / recovery
    if np.any(frac > remaining):
        lowest = float(np.max(raw / remaining))
        raise InvalidValueError(
            what,
            float(f"{recovery:.4g}"),
            f"a coefficient in [{max(lowest, LIMITS.recovery.low):.3g}, 1] for these data: a "
            "smaller one puts more activity in the lesion than remains undecayed",
        )
    return frac


def _lesion_size(mass_g: float | None, volume_ml: float | None) -> tuple[float, float | None]:
    """The checked mass (g) and, when given by volume, the volume (mL): exactly one of them."""
    if (mass_g is None) == (volume_ml is None):
        raise InvalidValueError(
            "lesion size",
            "both mass and volume" if mass_g is not None else "none",
            "exactly one of --mass-g or --volume-ml (or a mass_g / volume_ml column, or a mask)",
        )
    if volume_ml is not None:
        volume = LIMITS.volume_ml.check(volume_ml, "--volume-ml")
        mass = LIMITS.mass_g.check(
            volume * tissue_density_g_cm3(), "lesion mass (volume x density)"
        )
        return mass, volume
    return LIMITS.mass_g.check(float(mass_g), "--mass-g"), None  # type: ignore[arg-type]


def _recovery_at(recovery: float | RecoveryCurve, mass_g: float) -> float:
    """A fixed coefficient checked, or the curve's value at the lesion's volume."""
    if not isinstance(recovery, RecoveryCurve):
        return LIMITS.recovery.check(recovery, "--recovery")
    volume = mass_g / tissue_density_g_cm3()
    value = float(recovery(volume))
    if not LIMITS.recovery.contains(value):
        raise InvalidValueError(
            "--recovery-curve",
            f"{value:.3g} at {volume:.3g} mL",
            f"a curve whose coefficient at the lesion volume is in {LIMITS.recovery.interval} "
            f"({LIMITS.recovery.why})",
        )
    return value


def lesion_dosimetry(
    measurements: Measurements,
    nuclide: str,
    mass_g: float | None = None,
    predict: str | None = None,
    target_gy: float | None = None,
    max_activity_mbq: float | None = None,
    recovery: float | RecoveryCurve = 1.0,
    model: str = "auto",
    *,
    volume_ml: float | None = None,
    uncertainty: UncertaintyInputs | None = None,
    lesion_id: str | None = None,
) -> LesionDose:
    """Dose per GBq, activity for a target dose and eligibility of one lesion.

    Parameters
    ----------
    measurements
        The lesion's time-activity data (see :func:`read_measurements`).
    nuclide
        The nuclide that was measured (e.g. ``"I-124"``).
    mass_g
        Lesion mass (g); give it or `volume_ml`.
    predict
        Therapy nuclide to predict (e.g. ``"I-131"``); ``None`` uses `nuclide`.
    target_gy
        Target lesion dose; default the NCT02152995 criterion (20 Gy).
    max_activity_mbq
        Maximum administered activity; default 300 mCi = 11 100 MBq.
    recovery
        Partial-volume recovery coefficient (measured activities are divided by it),
        or a :class:`RecoveryCurve` evaluated at the lesion's volume.
    model
        ``"auto"``, ``"mono"``, ``"bi"``, ``"biexp"`` or ``"trapezoid"``.
    volume_ml
        Lesion volume (mL) instead of `mass_g`; the mass is volume × :func:`tissue_density_g_cm3`.
    uncertainty
        Stated input uncertainties: with them, a Monte Carlo gives 95 % intervals
        (:func:`~rairlab.dosimetry._uncertainty.propagate_lesion_dose`).
    lesion_id
        A name carried into the result.

    The numbers must lie in the ranges of :data:`rairlab.dosimetry.LIMITS`, which
    gives the reason for each: `mass_g` in [10⁻³, 10⁵] g, `volume_ml` in
    [10⁻³, 10⁵] mL, `recovery` in [0.01, 1], `target_gy` in [0.01, 10⁴] Gy,
    `max_activity_mbq` in [10⁻³, 10⁵] MBq.

    Returns
    -------
    LesionDose

    Raises
    ------
    UnknownNameError
        Unknown nuclide.
    InvalidValueError
        Both or neither of mass and volume; a mass, volume, recovery, target or maximum
        activity out of range (or not finite), a recovery that makes the lesion hold
        more than the undecayed activity, or a model that cannot be fitted.
    InputFileError
        A measurement above the administered activity remaining after physical
        decay at its time (by more than ``LIMITS.decay_tolerance``).
    """
    measured = get_nuclide(nuclide)
    therapy = get_nuclide(predict) if predict else measured
    mass, volume = _lesion_size(mass_g, volume_ml)
    rc = _recovery_at(recovery, mass)
    target = trial_criteria().target_gy if target_gy is None else target_gy
    target = LIMITS.target_dose_gy.check(target, "--target-gy")
    a_max = trial_criteria().max_activity_mbq if max_activity_mbq is None else max_activity_mbq
    a_max = LIMITS.activity_mbq.check(a_max, "--max-activity-mbq")
    curve = isinstance(recovery, RecoveryCurve)
    what = "--recovery-curve (its coefficient at the lesion volume)" if curve else "--recovery"
    frac = _check_decay(measurements, measured, rc, what)
    if therapy.name != measured.name:
        frac = redecay(measurements.times_h, frac, measured.half_life_h, therapy.half_life_h)
    analysis = fit_tac(measurements.times_h, frac, therapy.half_life_h, model=model)
    best = analysis.best
    s = float(sphere_s_value(therapy, mass))
    per_gbq = best.tia_h * SECONDS_PER_HOUR * BQ_PER_GBQ * s
    sd = best.tia_sd_h * SECONDS_PER_HOUR * BQ_PER_GBQ * s
    a_target = float(activity_for_dose(per_gbq, target))
    basis = measurements.administered_mbq or MBQ_PER_GBQ
    spread = None
    if uncertainty is not None:
        spread = propagate_lesion_dose(
            best,
            therapy,
            mass,
            recovery if isinstance(recovery, RecoveryCurve) else rc,
            tissue_density_g_cm3(),
            uncertainty,
            target,
            a_max,
        )
    return LesionDose(
        measured_nuclide=measured.name,
        nuclide=therapy.name,
        mass_g=float(mass),
        recovery=float(rc),
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
        volume_ml=volume,
        recovery_curve=recovery if isinstance(recovery, RecoveryCurve) else None,
        uncertainty=spread,
        lesion_id=lesion_id,
    )
