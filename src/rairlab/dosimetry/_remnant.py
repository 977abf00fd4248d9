"""Thyroid-remnant ablation dosimetry: remnant dose per GBq and the activity for 300 Gy.

The remnant is a unit-density sphere (mass in g, or volume in mL times the
density of ``assumptions/sphere_model.yaml``, 1 g/mL) and its I-131 dose per
administered GBq is the lesion formula

    D / A₀ [Gy/GBq] = τ [h] · 3600 · 10⁹ · S(m) [Gy/(Bq·s)],

with the residence time ``τ`` from either

* a time-activity series (``Measurements``, as for a lesion), fitted by
  :func:`fit_tac` (I-123 or I-124 data re-decayed to I-131), or
* one uptake ``U`` at ``t_u`` (default the 24-h neck uptake) and the measured
  effective half-life ``T_eff`` — what is measured most often before ablation.
  Uptake is taken as instantaneous and the mono-exponential extrapolated back to
  ``t = 0`` (an assumption that overestimates τ a little; see
  ``data/remnant/remnant_model.yaml``). With the biological clearance
  ``λ_bio = ln 2 / T_eff − λ_p`` of the measured nuclide and ``U_dc`` the
  decay-corrected uptake, the I-131 residence time is

      τ = U_dc · e^{λ_bio t_u} / (λ_bio + λ_p,I-131).

The activity for the Maxon remnant level (300 Gy, ``radiobiology.response_thresholds()``) is
``300 / (D/A₀)``. Given the blood dose per GBq (EANM SOP or single time point),
the result says whether the 2-Gy blood limit would be reached first. Research
use only: model estimates, not a treatment decision.

References
----------
Maxon HR, Thomas SR, Hertzberg VS, et al. Relation between effective radiation
dose and outcome of radioiodine therapy for thyroid cancer. N Engl J Med
1983;309:937-941. doi:10.1056/NEJM198310203091601
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rairlab._cited import CitedTable, load_cited
from rairlab.dosimetry._blood import max_activity_blood_mbq
from rairlab.dosimetry._data import sphere_model
from rairlab.dosimetry._lesion import activity_for_dose
from rairlab.dosimetry._limits import LIMITS
from rairlab.dosimetry._measurements import Measurements
from rairlab.dosimetry._nuclides import Nuclide, get_nuclide
from rairlab.dosimetry._svalues import sphere_s_value
from rairlab.dosimetry._tac import TacAnalysis, fit_tac, redecay
from rairlab.dosimetry._units import BQ_PER_GBQ, MBQ_PER_GBQ, SECONDS_PER_HOUR
from rairlab.errors import InputFileError, InvalidValueError
from rairlab.radiobiology import response_thresholds

__all__ = ["RemnantDose", "remnant_dosimetry", "remnant_model"]

_PKG = "rairlab.dosimetry"
_THERAPY = "I-131"
_MEASURED = ("I-123", "I-124", "I-131")


def remnant_model() -> CitedTable:
    """The modelling choices of the remnant dosimetry (default uptake time, uptake onset).

    Examples
    --------
    >>> remnant_model().value("default_uptake_time")
    24.0
    """
    return load_cited(_PKG, "data/remnant/remnant_model.yaml")


@dataclass(frozen=True)
class RemnantDose:
    """Result of :func:`remnant_dosimetry`; ``to_dict()`` is the CLI's JSON.

    ``source`` is ``"time-activity"`` (``analysis`` holds the fits) or ``"uptake"``
    (``uptake``, ``uptake_time_h`` and ``effective_half_life_h`` of the measured
    nuclide). Blood fields are ``None`` when no blood dose was given.
    """

    mass_g: float
    volume_ml: float | None
    density_g_per_ml: float
    measured_nuclide: str
    source: str
    residence_time_h: float
    residence_time_sd_h: float
    effective_half_life_i131_h: float
    analysis: TacAnalysis | None
    uptake: float | None
    uptake_time_h: float | None
    uptake_decay_corrected: bool | None
    effective_half_life_h: float | None
    s_value_gy_per_bq_s: float
    dose_gy_per_gbq: float
    target_gy: float
    activity_for_target_mbq: float
    blood_dose_gy_per_gbq: float | None
    blood_method: str | None
    max_activity_blood_mbq: float | None

    @property
    def blood_limits(self) -> bool | None:
        """Whether the 2-Gy blood limit is reached below the activity for the target."""
        if self.max_activity_blood_mbq is None:
            return None
        return bool(self.max_activity_blood_mbq < self.activity_for_target_mbq)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON result; a value that is not a finite number has a ``<key>_note``."""
        out: dict[str, Any] = {
            "dose_gy_per_gbq": self.dose_gy_per_gbq,
            "activity_for_target_mbq": self.activity_for_target_mbq,
            "target_gy": self.target_gy,
            "target_citation": response_thresholds()["remnant_ablation_gy"].citation,
            "residence_time_h": self.residence_time_h,
            "residence_time_sd_h": self.residence_time_sd_h,
            "effective_half_life_i131_h": self.effective_half_life_i131_h,
            "source": self.source,
            "measured_nuclide": self.measured_nuclide,
            "nuclide": _THERAPY,
            "mass_g": self.mass_g,
            "volume_ml": self.volume_ml,
            "density_g_per_ml": self.density_g_per_ml,
            "s_value_gy_per_bq_s": self.s_value_gy_per_bq_s,
        }
        if self.source == "uptake":
            out |= {
                "uptake": self.uptake,
                "uptake_time_h": self.uptake_time_h,
                "uptake_decay_corrected": self.uptake_decay_corrected,
                "effective_half_life_h": self.effective_half_life_h,
                "uptake_model": "instantaneous uptake, mono-exponential back to t = 0 "
                "(overestimates the residence time by up to the share before the uptake peak)",
            }
        elif self.analysis is not None:
            best = self.analysis.best
            out |= {
                "model": self.analysis.chosen,
                "model_rule": self.analysis.rule,
                "fit": best.to_dict(),
                "skipped": self.analysis.skipped,
            }
        if self.max_activity_blood_mbq is not None:
            out |= {
                "blood_dose_gy_per_gbq": self.blood_dose_gy_per_gbq,
                "blood_method": self.blood_method,
                "max_activity_blood_mbq": self.max_activity_blood_mbq,
                "blood_limits_activity": self.blood_limits,
                "blood_dose_at_target_activity_gy": (
                    float(self.blood_dose_gy_per_gbq or 0.0)
                    * self.activity_for_target_mbq
                    / MBQ_PER_GBQ
                ),
            }
            if not math.isfinite(self.max_activity_blood_mbq):
                out["max_activity_blood_mbq_note"] = (
                    "no limit: the blood dose per GBq is 0 or next to it"
                )
        if not math.isfinite(self.activity_for_target_mbq):
            note = "no finite activity reaches it: the remnant dose per GBq is 0 or next to it"
            out["activity_for_target_mbq_note"] = note
            if "blood_dose_at_target_activity_gy" in out:
                out["blood_dose_at_target_activity_gy_note"] = note
        if not math.isfinite(self.residence_time_sd_h):
            out["residence_time_sd_h_note"] = (
                "no standard error: one uptake value, or a fit (trapezoid) without one"
            )
        return out


def _mass(mass_g: float | None, volume_ml: float | None) -> tuple[float, float | None, float]:
    """Mass (g), the volume given (mL) and the density used (g/mL)."""
    rho = sphere_model().value("unit_density_g_cm3")
    if (mass_g is None) == (volume_ml is None):
        raise InvalidValueError(
            "--mass-g/--volume-ml",
            (mass_g, volume_ml),
            f"exactly one of a remnant mass (g) or volume (mL, times {rho:g} g/mL)",
        )
    if mass_g is not None:
        return LIMITS.mass_g.check(mass_g, "--mass-g"), None, rho
    low, high = LIMITS.mass_g.low / rho, LIMITS.mass_g.high / rho
    try:
        volume = float(volume_ml)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        volume = math.nan
    if not (math.isfinite(volume) and low <= volume <= high):
        raise InvalidValueError("--volume-ml", volume_ml, f"a number in [{low:g}, {high:g}] mL")
    return volume * rho, volume, rho


def _from_uptake(
    measured: Nuclide,
    uptake: float,
    uptake_time_h: float | None,
    effective_half_life_h: float | None,
    decay_corrected: bool,
) -> tuple[float, float, float]:
    """I-131 residence time (h), I-131 effective half-life (h) and the uptake time used."""
    t = remnant_model().value("default_uptake_time") if uptake_time_h is None else uptake_time_h
    if not (LIMITS.time_h.contains(t) and t > 0):
        raise InvalidValueError(
            "--uptake-time-h", uptake_time_h, f"a time in (0, {LIMITS.time_h.high:g}] h"
        )
    lam_m = measured.decay_constant_per_h
    undecayed = 1.0 if decay_corrected else math.exp(-lam_m * t)
    if not (math.isfinite(uptake) and 0 < uptake <= undecayed * (1 + LIMITS.decay_tolerance)):
        kind = "decay-corrected" if decay_corrected else "not decay-corrected"
        raise InvalidValueError(
            "--uptake",
            uptake,
            f"a fraction of the administered activity ({kind}) in (0, {undecayed:.4g}]: "
            f"{'all of it' if decay_corrected else 'what remains undecayed'} at {t:g} h",
        )
    if effective_half_life_h is None:
        raise InvalidValueError(
            "--effective-half-life-h", None, "the remnant's effective half-life (h) with --uptake"
        )
    teff = float(effective_half_life_h)
    if not (math.isfinite(teff) and 0 < teff <= measured.half_life_h):
        raise InvalidValueError(
            "--effective-half-life-h",
            effective_half_life_h,
            f"an effective half-life in (0, {measured.half_life_h:.4g}] h: not longer than "
            f"{measured.name}'s physical half-life (no clearance slower than decay)",
        )
    lam_bio = max(math.log(2.0) / teff - lam_m, 0.0)
    u_dc = min(uptake if decay_corrected else uptake * math.exp(lam_m * t), 1.0)
    lam_131 = get_nuclide(_THERAPY).decay_constant_per_h + lam_bio
    return u_dc * math.exp(lam_bio * t) / lam_131, math.log(2.0) / lam_131, float(t)


def _fractions(measurements: Measurements, measured: Nuclide) -> np.ndarray:
    """The measured fractions, refused where above the undecayed administered activity."""
    t = np.asarray(measurements.times_h, dtype=float)
    remaining = np.exp(-measured.decay_constant_per_h * t)
    y = np.asarray(measurements.fraction, dtype=float)
    over = np.flatnonzero(y > remaining * (1.0 + LIMITS.decay_tolerance))
    if over.size:
        i = int(over[0])
        raise InputFileError(
            measurements.path,
            f"time_h {t[i]:g}: {100 * y[i]:.4g} % of the administered activity, but only "
            f"{100 * remaining[i]:.4g} % of it remains undecayed then ({measured.name}); "
            "check --nuclide, the unit and --administered-mbq",
        )
    return y


def remnant_dosimetry(
    mass_g: float | None = None,
    volume_ml: float | None = None,
    measurements: Measurements | None = None,
    uptake: float | None = None,
    uptake_time_h: float | None = None,
    effective_half_life_h: float | None = None,
    nuclide: str = _THERAPY,
    decay_corrected: bool = False,
    target_gy: float | None = None,
    blood_dose_gy_per_gbq: float | None = None,
    blood_method: str | None = None,
    model: str = "auto",
) -> RemnantDose:
    """I-131 dose per GBq of a thyroid remnant and the activity for the ablation level.

    Parameters
    ----------
    mass_g, volume_ml
        Exactly one: the remnant's mass (g) or volume (mL, times 1 g/mL).
    measurements
        A remnant time-activity series of `nuclide`; or give `uptake`.
    uptake
        Fraction of the administered activity in the remnant at `uptake_time_h`
        (default 24 h), not decay-corrected unless `decay_corrected`.
    effective_half_life_h
        The remnant's effective half-life for `nuclide` (h), with `uptake`.
    nuclide
        The measured nuclide: ``I-131`` (default), ``I-123`` or ``I-124``.
    target_gy
        Target remnant dose; default Maxon's 300 Gy (``radiobiology.response_thresholds()``).
    blood_dose_gy_per_gbq, blood_method
        The patient's blood dose per GBq and how it was obtained, to compare the
        activity for the target with the 2-Gy blood limit.
    model
        Time-activity model for `measurements` (``auto`` by AICc, see :func:`fit_tac`).

    The numbers must lie in ``LIMITS``: mass 10⁻³-10⁵ g (volume likewise in mL),
    target 0.01-10⁴ Gy, times 0-10⁵ h.

    Raises
    ------
    InvalidValueError
        Both or neither of mass and volume, or of `measurements` and `uptake`; a value
        out of range; an effective half-life longer than the physical one; a model that
        cannot be fitted.
    InputFileError
        A measurement above the undecayed administered activity at its time.

    Examples
    --------
    >>> r = remnant_dosimetry(mass_g=2.0, uptake=0.02, effective_half_life_h=96.0)
    >>> round(r.residence_time_h, 3), round(r.activity_for_target_mbq)
    (3.294, 1657)
    """
    mass, volume, rho = _mass(mass_g, volume_ml)
    if nuclide not in _MEASURED:
        raise InvalidValueError("--nuclide", nuclide, ", ".join(_MEASURED))
    measured = get_nuclide(nuclide)
    if (measurements is None) == (uptake is None):
        raise InvalidValueError(
            "--measurements/--uptake",
            "both" if uptake is not None else "neither",
            "exactly one: a remnant time-activity CSV, or --uptake with --effective-half-life-h",
        )
    default_target = response_thresholds().value("remnant_ablation_gy")
    target = LIMITS.target_dose_gy.check(
        default_target if target_gy is None else target_gy, "--target-gy"
    )
    analysis: TacAnalysis | None = None
    t_u: float | None = None
    if uptake is not None:
        tau, teff_131, t_u = _from_uptake(
            measured, uptake, uptake_time_h, effective_half_life_h, decay_corrected
        )
        sd = math.nan
    else:
        assert measurements is not None
        therapy = get_nuclide(_THERAPY)
        y = _fractions(measurements, measured)
        if measured.name != therapy.name:
            y = redecay(measurements.times_h, y, measured.half_life_h, therapy.half_life_h)
        analysis = fit_tac(measurements.times_h, y, therapy.half_life_h, model=model)
        tau, sd = analysis.best.tia_h, analysis.best.tia_sd_h
        teff_131 = analysis.best.effective_half_life_h
    s = float(sphere_s_value(_THERAPY, mass))
    per_gbq = tau * SECONDS_PER_HOUR * BQ_PER_GBQ * s
    a_max_blood = blood = None
    if blood_dose_gy_per_gbq is not None:
        blood = float(blood_dose_gy_per_gbq)
        if not (math.isfinite(blood) and blood >= 0):
            raise InvalidValueError(
                "--blood-gy-per-gbq", blood_dose_gy_per_gbq, "a finite blood dose >= 0 Gy/GBq"
            )
        a_max_blood = float(max_activity_blood_mbq(blood))
    return RemnantDose(
        mass_g=mass,
        volume_ml=volume,
        density_g_per_ml=rho,
        measured_nuclide=measured.name,
        source="uptake" if uptake is not None else "time-activity",
        residence_time_h=float(tau),
        residence_time_sd_h=float(sd),
        effective_half_life_i131_h=float(teff_131),
        analysis=analysis,
        uptake=None if uptake is None else float(uptake),
        uptake_time_h=t_u,
        uptake_decay_corrected=bool(decay_corrected) if uptake is not None else None,
        effective_half_life_h=None if uptake is None else effective_half_life_h,
        s_value_gy_per_bq_s=s,
        dose_gy_per_gbq=float(per_gbq),
        target_gy=float(target),
        activity_for_target_mbq=float(activity_for_dose(per_gbq, target)),
        blood_dose_gy_per_gbq=blood,
        blood_method=blood_method if blood is not None else None,
        max_activity_blood_mbq=a_max_blood,
    )
