"""Blood (marrow surrogate) dosimetry of I-131 therapy: EANM SOP, single time point, limits.

The EANM Dosimetry Committee SOP (Lassmann et al. 2008) gives the blood
absorbed dose per administered activity from two residence times measured
after a tracer activity:

    D_blood / A₀ [Gy/GBq] = β · τ_mL-blood [h] + γ / m^(2/3) · τ_WB [h]

with ``β = 108 Gy·mL/(GBq·h)`` (electrons of activity in blood, absorbed in
blood), ``γ = 0.0188 Gy·kg^(2/3)/(GBq·h)`` (photons from activity anywhere in
the body of mass ``m`` kg). The maximum tolerable activity keeps the blood
dose at 2 Gy. Benua's 48-h whole-body retention limits (as quoted by the SOP)
cap the activity retained at 48 h: 80 mCi (~3 GBq) with diffuse lung
metastases, 120 mCi (~4.4 GBq) otherwise. All constants are in
``dosimetry/data/eanm2008/blood_dosimetry.yaml`` with their sources.

The single-time-point method (Hänscheid et al. 2009) needs one whole-body
retention ``R(t)`` measured on day 1 or 2: whole-body activity is taken as
mono-exponential from ``R(0) = 1``, so ``τ_WB = −t / ln R(t)``, and 14 % of it
is spent in the whole blood, so ``τ_mL-blood = 0.14 · τ_WB / V_blood``:

    D_blood / A₀ = τ_WB · (β · 0.14 / V_blood [mL] + γ / m^(2/3)).

Its stated accuracy is a mean absolute deviation of 14 % from the full method.
The blood volume is given, or estimated from height, weight and sex (Nadler
1962). Constants and conditions: ``data/hanscheid2009/single_point_blood.yaml``
(what could not be checked against the paper is marked there), Nadler's
coefficients: ``data/nadler1962/blood_volume.yaml``.

References
----------
Lassmann M, Hänscheid H, Chiesa C, et al. Eur J Nucl Med Mol Imaging
2008;35:1405-1412. doi:10.1007/s00259-008-0761-x
Hänscheid H, Lassmann M, Luster M, Kloos RT, Reiners C. Blood dosimetry from a
single measurement of the whole body radioiodine retention in patients with
differentiated thyroid carcinoma. Endocr Relat Cancer 2009;16:1283-1289.
doi:10.1677/ERC-09-0076
Nadler SB, Hidalgo JU, Bloch T. Prediction of blood volume in normal human
adults. Surgery 1962;51:224-232.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import CitedTable, load_cited
from rairlab.dosimetry._limits import LIMITS, Range
from rairlab.dosimetry._measurements import check_uptake, read_csv_columns
from rairlab.dosimetry._nuclides import get_nuclide
from rairlab.dosimetry._tac import TacAnalysis, fit_tac
from rairlab.dosimetry._units import MBQ_PER_GBQ, cited_activity_mbq
from rairlab.errors import InputFileError, InvalidValueError

__all__ = [
    "BLOOD_VOLUME_ML",
    "HEIGHT_CM",
    "BloodDose",
    "SinglePointBloodDose",
    "blood_dose_per_gbq",
    "blood_dosimetry",
    "eanm_blood_constants",
    "max_activity_blood_mbq",
    "max_activity_retention_mbq",
    "nadler_blood_volume_ml",
    "read_blood_measurements",
    "single_point_blood_dose_per_gbq",
    "single_point_blood_dosimetry",
    "single_point_constants",
]

_PKG = "rairlab.dosimetry"
_CLEARANCE_MODELS = ("mono", "biexp")
_SEXES = ("female", "male")

#: Accepted blood volumes: a sanity bound of this toolkit, not a literature value.
BLOOD_VOLUME_ML = Range(
    100.0,
    20000.0,
    "mL",
    "from a newborn's ~0.3 L to several times a large adult's ~6 L; the single-point "
    "method was validated in adults only",
)
#: Accepted heights for Nadler's formula: a sanity bound, not a literature value.
HEIGHT_CM = Range(50.0, 250.0, "cm", "from a newborn to taller than any recorded adult")


def eanm_blood_constants() -> CitedTable:
    """The cited constants of the EANM blood-dose method and the retention limits.

    Examples
    --------
    >>> eanm_blood_constants().value("beta_coefficient")
    108.0
    """
    return load_cited(_PKG, "data/eanm2008/blood_dosimetry.yaml")


def _weight(weight_kg: ArrayLike | None) -> NDArray[np.float64]:
    """Body weights (kg), each a finite number in ``LIMITS.weight_kg`` (1 to 500 kg)."""
    c = eanm_blood_constants()
    w = np.asarray(c.value("reference_body_weight") if weight_kg is None else weight_kg, float)
    if not LIMITS.weight_kg.contains(w):
        raise InvalidValueError("--weight-kg", weight_kg, LIMITS.weight_kg.describe())
    return w


def blood_dose_per_gbq(
    tau_blood_h_per_ml: ArrayLike, tau_whole_body_h: ArrayLike, weight_kg: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Blood absorbed dose per administered GBq of I-131 (EANM SOP equation).

    Parameters
    ----------
    tau_blood_h_per_ml
        Residence time of the activity in 1 mL of blood (h), shape ``(n_patients,)``.
    tau_whole_body_h
        Whole-body residence time (h).
    weight_kg
        Body weight (kg); default the 70-kg reference (an assumption).

    Examples
    --------
    >>> round(float(blood_dose_per_gbq(0.001, 15.0, 70.0)), 4)
    0.1246
    """
    c = eanm_blood_constants()
    tb = np.asarray(tau_blood_h_per_ml, dtype=float)
    twb = np.asarray(tau_whole_body_h, dtype=float)
    if np.any(~(tb >= 0)) or np.any(~(twb >= 0)) or np.any(np.isinf(tb)) or np.any(np.isinf(twb)):
        raise InvalidValueError(
            "residence time", (tau_blood_h_per_ml, tau_whole_body_h), "finite times >= 0 h"
        )
    w = _weight(weight_kg)
    beta, gamma = c.value("beta_coefficient"), c.value("photon_coefficient")
    return np.asarray(beta * tb + gamma / w ** (2.0 / 3.0) * twb)


def max_activity_blood_mbq(dose_gy_per_gbq: ArrayLike) -> NDArray[np.float64]:
    """Largest activity (MBq) keeping the blood dose at the 2-Gy limit.

    Examples
    --------
    >>> float(max_activity_blood_mbq(0.2))
    10000.0
    """
    limit = eanm_blood_constants().value("blood_dose_limit")
    d = np.asarray(dose_gy_per_gbq, dtype=float)
    with np.errstate(over="ignore"):  # a dose too small for any limit: inf, no limit
        return np.asarray(np.where(d > 0, limit / np.where(d > 0, d, 1.0) * MBQ_PER_GBQ, np.inf))


def max_activity_retention_mbq(
    retained_fraction_48h: ArrayLike, lung_metastases: ArrayLike = False
) -> NDArray[np.float64]:
    """Largest activity (MBq) whose whole-body retention at 48 h stays within Benua's limit.

    Parameters
    ----------
    retained_fraction_48h
        Fraction of the administered activity in the body at 48 h (not
        decay-corrected), shape ``(n_patients,)``.
    lung_metastases
        Diffuse lung metastases (the 80 mCi limit) or not (120 mCi).

    Examples
    --------
    >>> float(max_activity_retention_mbq(0.5, lung_metastases=True))  # 80 mCi / 0.5
    5920.0
    """
    c = eanm_blood_constants()
    lung, other = c["retention_48h_limit_lung"], c["retention_48h_limit"]
    lim = np.where(
        np.asarray(lung_metastases, bool),
        cited_activity_mbq(lung),
        cited_activity_mbq(other),
    )
    r = np.asarray(retained_fraction_48h, dtype=float)
    if np.any(r < 0) or np.any(r > 1):
        raise InvalidValueError(
            "retained_fraction_48h", retained_fraction_48h, "fractions in [0, 1]"
        )
    with np.errstate(over="ignore"):  # a retention too small for any limit: inf, no limit
        return np.asarray(np.where(r > 0, lim / np.where(r > 0, r, 1.0), np.inf))


def single_point_constants() -> CitedTable:
    """The cited constants and conditions of the single-time-point method (Hänscheid 2009).

    Examples
    --------
    >>> single_point_constants().value("blood_share_of_whole_body_residence_time")
    0.14
    """
    return load_cited(_PKG, "data/hanscheid2009/single_point_blood.yaml")


def nadler_blood_volume_ml(
    height_cm: ArrayLike, weight_kg: ArrayLike, sex: str
) -> NDArray[np.float64]:
    """Total blood volume (mL) of an adult from height, weight and sex (Nadler et al. 1962).

    ``V [L] = a·H³ + b·W + c`` with H in m and W in kg, ``(a, b, c)`` per sex from
    ``data/nadler1962/blood_volume.yaml``.

    Raises
    ------
    InvalidValueError
        A sex other than ``female``/``male``, a height outside ``HEIGHT_CM`` (50-250 cm)
        or a weight outside ``LIMITS.weight_kg`` (1-500 kg).

    Examples
    --------
    >>> round(float(nadler_blood_volume_ml(170.0, 70.0, "male")))  # 1.8026 + 2.2533 + 0.6041 L
    4660
    """
    if sex not in _SEXES:
        raise InvalidValueError("--sex", sex, "female or male (Nadler's formula is per sex)")
    h = np.asarray(height_cm, dtype=float)
    if not HEIGHT_CM.contains(h):
        raise InvalidValueError("--height-cm", height_cm, HEIGHT_CM.describe())
    if weight_kg is None:
        raise InvalidValueError("--weight-kg", None, "a body weight (kg) for Nadler's formula")
    w = _weight(weight_kg)
    c = load_cited(_PKG, "data/nadler1962/blood_volume.yaml")
    litres = (
        c.value(f"{sex}_height_cubed") * (h / 100.0) ** 3
        + c.value(f"{sex}_weight") * w
        + c.value(f"{sex}_constant")
    )
    return np.asarray(litres * 1000.0)


def _whole_body_residence_time_h(retained_fraction: ArrayLike, time_h: ArrayLike) -> NDArray:
    """``τ_WB = −t / ln R(t)``, with the time and the retention checked.

    The time must lie in the method's window (day 1 or 2); the retention, not
    decay-corrected, in ``(0, e^{−λp t}]``; up to ``LIMITS.decay_tolerance`` above the
    physical-decay curve is taken as physical decay only (calibration error).
    """
    c = single_point_constants()
    start, end = c.value("measurement_window_start"), c.value("measurement_window_end")
    t = np.asarray(time_h, dtype=float)
    if not np.all(np.isfinite(t) & (t >= start) & (t <= end)):
        mad = 100.0 * c.value("mean_absolute_deviation")
        raise InvalidValueError(
            "--retention-time-h",
            time_h,
            f"a time on day 1 or 2 after administration, in [{start:g}, {end:g}] h, where "
            f"Hänscheid et al. 2009 state the accuracy (mean absolute deviation {mad:g} %); "
            "use the full EANM method (--measurements) otherwise",
        )
    physical = np.exp(-get_nuclide("I-131").decay_constant_per_h * t)
    r = np.asarray(retained_fraction, dtype=float)
    if not np.all(np.isfinite(r) & (r > 0) & (r <= physical * (1.0 + LIMITS.decay_tolerance))):
        raise InvalidValueError(
            "--retention",
            retained_fraction,
            "a whole-body retention (fraction of the administered activity, not decay-"
            "corrected) > 0 and not above physical decay alone, e^(-λt) = "
            + ", ".join(f"{v:.4g}" for v in np.atleast_1d(physical))
            + f" at {', '.join(f'{v:g}' for v in np.atleast_1d(t))} h",
        )
    return np.asarray(-t / np.log(np.minimum(r, physical)))


def single_point_blood_dose_per_gbq(
    retained_fraction: ArrayLike,
    time_h: ArrayLike,
    blood_volume_ml: ArrayLike,
    weight_kg: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Blood dose per GBq from one whole-body retention measurement (Hänscheid et al. 2009).

    ``τ_WB = −t / ln R(t)``; ``D/A₀ = τ_WB · (β · 0.14 / V_blood + γ / m^(2/3))`` with the
    EANM SOP's β and γ. Arrays broadcast, e.g. shape ``(n_patients,)``.

    Parameters
    ----------
    retained_fraction
        Whole-body retention ``R(t)``: fraction of the administered activity in the body
        at `time_h`, not decay-corrected.
    time_h
        Time of the measurement after administration (h), on day 1 or 2 (18-54 h).
    blood_volume_ml
        The patient's blood volume (mL), in ``BLOOD_VOLUME_ML``.
    weight_kg
        Body weight (kg); default the 70-kg reference (an assumption).

    Raises
    ------
    InvalidValueError
        A time outside the window, a retention outside ``(0, e^{−λp t}]``, a blood
        volume or weight out of range.

    Examples
    --------
    >>> round(float(single_point_blood_dose_per_gbq(0.1, 48.0, 5000.0, 70.0)), 5)
    0.08611
    """
    tau_wb = _whole_body_residence_time_h(retained_fraction, time_h)
    v = np.asarray(blood_volume_ml, dtype=float)
    if not BLOOD_VOLUME_ML.contains(v):
        raise InvalidValueError("--blood-volume-ml", blood_volume_ml, BLOOD_VOLUME_ML.describe())
    share = single_point_constants().value("blood_share_of_whole_body_residence_time")
    return blood_dose_per_gbq(share * tau_wb / v, tau_wb, weight_kg)


@dataclass(frozen=True)
class SinglePointBloodDose:
    """Result of :func:`single_point_blood_dosimetry`; ``to_dict()`` is the CLI's JSON."""

    retained_fraction: float
    time_h: float
    weight_kg: float
    blood_volume_ml: float
    blood_volume_source: str
    tau_whole_body_h: float
    tau_blood_h_per_ml: float
    dose_gy_per_gbq: float
    max_activity_blood_mbq: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON result with the method's stated accuracy and conditions."""
        c = single_point_constants()
        return {
            "method": "single time point (Hänscheid et al. 2009)",
            "blood_dose_gy_per_gbq": self.dose_gy_per_gbq,
            "max_activity_blood_mbq": self.max_activity_blood_mbq,
            "retained_fraction": self.retained_fraction,
            "retention_time_h": self.time_h,
            "tau_whole_body_h": self.tau_whole_body_h,
            "tau_blood_h_per_ml": self.tau_blood_h_per_ml,
            "blood_volume_ml": self.blood_volume_ml,
            "blood_volume_source": self.blood_volume_source,
            "weight_kg": self.weight_kg,
            "stated_mean_absolute_deviation": c.value("mean_absolute_deviation"),
            "measurement_window_h": [
                c.value("measurement_window_start"),
                c.value("measurement_window_end"),
            ],
            "applicability": (
                "Validated (29 assessments: 18 pre-therapeutic tracer studies, 11 ablations) "
                "for pre-therapeutic blood dosimetry before remnant ablation or treatment of "
                "metastases and for blood-dose estimates after therapy, with whole-body "
                "counting on day 1 or 2; the 14 % is a mean absolute deviation, not a bound. "
                "Not checked here: TSH stimulation (withdrawal or rhTSH) of the validation "
                "patients, and extensive iodine-avid metastases, which keep activity out of "
                "the blood and break the 14 % share."
            ),
        }


def _blood_volume(
    blood_volume_ml: float | None,
    height_cm: float | None,
    sex: str | None,
    weight_kg: float | None,
) -> tuple[float, str]:
    """The blood volume (mL) and where it came from; one clear error for a bad combination."""
    anthropometric = height_cm is not None or sex is not None
    if blood_volume_ml is not None:
        if anthropometric:
            raise InvalidValueError(
                "--blood-volume-ml",
                blood_volume_ml,
                "either a blood volume or --height-cm and --sex (Nadler's formula), not both",
            )
        if not BLOOD_VOLUME_ML.contains(blood_volume_ml):
            raise InvalidValueError(
                "--blood-volume-ml", blood_volume_ml, BLOOD_VOLUME_ML.describe()
            )
        return float(blood_volume_ml), "given"
    if height_cm is None or sex is None:
        missing = "--sex" if height_cm is not None else "--height-cm"
        raise InvalidValueError(
            missing,
            None,
            "--blood-volume-ml, or --height-cm with --sex and --weight-kg for Nadler's "
            "formula: the single-time-point method needs the patient's blood volume",
        )
    if weight_kg is None:
        raise InvalidValueError(
            "--weight-kg", None, "the body weight (kg) for Nadler's blood-volume formula"
        )
    return float(nadler_blood_volume_ml(height_cm, weight_kg, sex)), f"Nadler 1962 ({sex})"


def single_point_blood_dosimetry(
    retained_fraction: float,
    time_h: float | None = None,
    weight_kg: float | None = None,
    blood_volume_ml: float | None = None,
    height_cm: float | None = None,
    sex: str | None = None,
) -> SinglePointBloodDose:
    """Blood dose per GBq and the activity for 2 Gy from one whole-body retention value.

    Parameters
    ----------
    retained_fraction
        Whole-body retention at `time_h`, fraction of the administered activity,
        not decay-corrected.
    time_h
        Time of the measurement (h), in the method's window (18-54 h: day 1 or 2);
        default 48 h.
    weight_kg
        Body weight (kg); default 70 kg (assumption) unless the blood volume comes from
        Nadler's formula, which needs it.
    blood_volume_ml
        The patient's blood volume (mL); or give `height_cm` and `sex` (and `weight_kg`)
        for Nadler's formula.

    Raises
    ------
    InvalidValueError
        A time outside the window, a retention outside ``(0, e^{−λp t}]``, a blood volume,
        height or weight out of range, or neither (or both) a blood volume and height/sex.
    """
    t = single_point_constants().value("preferred_measurement_time") if time_h is None else time_h
    volume, source = _blood_volume(blood_volume_ml, height_cm, sex, weight_kg)
    w = float(_weight(weight_kg))
    dose = float(single_point_blood_dose_per_gbq(retained_fraction, t, volume, w))
    tau_wb = float(_whole_body_residence_time_h(retained_fraction, t))
    share = single_point_constants().value("blood_share_of_whole_body_residence_time")
    return SinglePointBloodDose(
        retained_fraction=float(retained_fraction),
        time_h=float(t),
        weight_kg=w,
        blood_volume_ml=volume,
        blood_volume_source=source,
        tau_whole_body_h=tau_wb,
        tau_blood_h_per_ml=share * tau_wb / volume,
        dose_gy_per_gbq=dose,
        max_activity_blood_mbq=float(max_activity_blood_mbq(dose)),
    )


def _single_point_sample(times_h: NDArray[np.float64]) -> int | None:
    """Index of the measurement in the window nearest the preferred time (48 h), if any."""
    c = single_point_constants()
    inside = np.flatnonzero(
        (times_h >= c.value("measurement_window_start"))
        & (times_h <= c.value("measurement_window_end"))
    )
    if inside.size == 0:
        return None
    return int(inside[np.argmin(np.abs(times_h[inside] - c.value("preferred_measurement_time")))])


def read_blood_measurements(
    path: str | os.PathLike[str],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Read a blood-dosimetry CSV: ``time_h, blood_percent_ia_per_ml, whole_body_percent_ia``.

    Returns times (h) and the fractions of the administered activity per mL
    of blood and in the whole body, not decay-corrected. Times are checked by
    :func:`read_csv_columns` (0 to 10⁵ h, at least 10⁻³ h apart); values are
    0-100 %IA, and each column needs at least one value > 0.

    Raises
    ------
    InputFileError
        Any problem with the file, naming the line and column; a column of zeros
        (no uptake measured).
    """
    cols = ("blood_percent_ia_per_ml", "whole_body_percent_ia")
    data, lines = read_csv_columns(path, cols)
    for col in cols:
        values = np.asarray(data[col])
        for ln, v in zip(lines, values, strict=True):
            if v < 0 or v > 100:
                raise InputFileError(
                    os.fspath(path), f"line {ln}, column {col!r}: {v:g} is outside 0-100 %IA"
                )
        check_uptake(os.fspath(path), col, values)
    t = np.asarray(data["time_h"], dtype=float)
    return t, np.asarray(data[cols[0]]) / 100.0, np.asarray(data[cols[1]]) / 100.0


@dataclass(frozen=True)
class BloodDose:
    """Result of :func:`blood_dosimetry`; ``to_dict()`` is the CLI's JSON."""

    blood: TacAnalysis
    whole_body: TacAnalysis
    weight_kg: float
    dose_gy_per_gbq: float
    max_activity_blood_mbq: float
    retained_fraction_48h: float
    max_activity_retention_mbq: float
    max_activity_retention_lung_mbq: float
    single_point: SinglePointBloodDose | None = None
    single_point_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON result; a limit that does not exist (``inf``) has a ``<key>_note``."""
        out: dict[str, Any] = {
            "blood_dose_gy_per_gbq": self.dose_gy_per_gbq,
            "tau_blood_h_per_ml": self.blood.best.tia_h,
            "tau_whole_body_h": self.whole_body.best.tia_h,
            "weight_kg": self.weight_kg,
            "max_activity_blood_mbq": self.max_activity_blood_mbq,
            "retained_fraction_48h": self.retained_fraction_48h,
            "max_activity_retention_mbq": self.max_activity_retention_mbq,
            "max_activity_retention_lung_mbq": self.max_activity_retention_lung_mbq,
            "blood_fit": self.blood.best.to_dict(),
            "whole_body_fit": self.whole_body.best.to_dict(),
            "blood_model": self.blood.chosen,
            "whole_body_model": self.whole_body.chosen,
        }
        if not np.isfinite(self.max_activity_blood_mbq):
            out["max_activity_blood_mbq_note"] = (
                "no limit: the blood dose per GBq is 0 or next to it, so no finite activity "
                "reaches 2 Gy"
            )
        for key in ("max_activity_retention_mbq", "max_activity_retention_lung_mbq"):
            if not np.isfinite(out[key]):
                out[f"{key}_note"] = "no limit: the fit retains no (or next to no) activity at 48 h"
        if self.single_point is not None:
            sp = self.single_point.to_dict()
            sp["relative_difference_to_eanm"] = (
                self.single_point.dose_gy_per_gbq / self.dose_gy_per_gbq - 1.0
                if self.dose_gy_per_gbq > 0
                else math.nan
            )
            if not math.isfinite(sp["relative_difference_to_eanm"]):
                sp["relative_difference_to_eanm_note"] = "the EANM blood dose per GBq is 0"
            out["single_time_point"] = sp
        if self.single_point_note is not None:
            out["single_time_point_note"] = self.single_point_note
        return out


def blood_dosimetry(
    times_h: ArrayLike,
    blood_fraction_per_ml: ArrayLike,
    whole_body_fraction: ArrayLike,
    weight_kg: float | None = None,
    model: str = "auto",
    blood_volume_ml: float | None = None,
    height_cm: float | None = None,
    sex: str | None = None,
) -> BloodDose:
    """EANM blood dosimetry from blood and whole-body I-131 measurements.

    Given a blood volume (`blood_volume_ml`, or `height_cm`, `sex` and `weight_kg` for
    Nadler's formula), the result also holds the single-time-point estimate
    (:func:`single_point_blood_dosimetry`) from the whole-body measurement in its
    window (18-54 h) nearest 48 h, for comparison; without such a measurement,
    ``single_point_note`` says so.

    Parameters
    ----------
    times_h
        Times after administration (h).
    blood_fraction_per_ml
        Fraction of the administered activity per mL of blood (not decay-corrected).
    whole_body_fraction
        Fraction of the administered activity retained in the body.
    weight_kg
        Body weight (kg), a finite number in ``LIMITS.weight_kg`` (1 to 500 kg);
        default 70 kg (assumption).
    model
        Time-activity model for both curves (``auto`` chooses among mono- and
        bi-exponential clearance by AICc).
    blood_volume_ml, height_cm, sex
        For the single-time-point comparison (see above); all ``None``: none made.

    Raises
    ------
    InvalidValueError
        A weight out of range; times or fractions refused by :func:`fit_tac`
        (times outside 0 to 10⁵ h or closer than 10⁻³ h, a curve of zeros); a bad
        blood volume, height or sex, or an incomplete set of them.
    """
    nuc = get_nuclide("I-131")
    w = float(_weight(weight_kg))
    t = np.asarray(times_h, dtype=float)
    kw: dict[str, Any] = {"candidates": _CLEARANCE_MODELS, "trapezoid_from_zero": False}
    blood = fit_tac(t, blood_fraction_per_ml, nuc.half_life_h, model=model, **kw)
    wb = fit_tac(t, whole_body_fraction, nuc.half_life_h, model=model, **kw)
    dose = float(blood_dose_per_gbq(blood.best.tia_h, wb.best.tia_h, w))
    c = eanm_blood_constants()
    r48 = float(np.clip(wb.best.evaluate(c.value("retention_time")), 0.0, 1.0))
    return BloodDose(
        blood=blood,
        whole_body=wb,
        weight_kg=w,
        dose_gy_per_gbq=dose,
        max_activity_blood_mbq=float(max_activity_blood_mbq(dose)),
        retained_fraction_48h=r48,
        max_activity_retention_mbq=float(max_activity_retention_mbq(r48, False)),
        max_activity_retention_lung_mbq=float(max_activity_retention_mbq(r48, True)),
        **_single_point_of(t, whole_body_fraction, weight_kg, blood_volume_ml, height_cm, sex),
    )


def _single_point_of(
    times_h: NDArray[np.float64],
    whole_body_fraction: ArrayLike,
    weight_kg: float | None,
    blood_volume_ml: float | None,
    height_cm: float | None,
    sex: str | None,
) -> dict[str, Any]:
    """The single-time-point fields of a `BloodDose` from its whole-body series."""
    if blood_volume_ml is None and height_cm is None and sex is None:
        return {}
    _blood_volume(blood_volume_ml, height_cm, sex, weight_kg)  # a bad combination: one error
    i = _single_point_sample(times_h)
    if i is None:
        c = single_point_constants()
        window = f"{c.value('measurement_window_start'):g}-{c.value('measurement_window_end'):g}"
        return {
            "single_point_note": f"no single-time-point estimate: no whole-body measurement "
            f"on day 1 or 2 ({window} h after administration), where its accuracy is stated"
        }
    r = float(np.asarray(whole_body_fraction, dtype=float)[i])
    sp = single_point_blood_dosimetry(
        r, float(times_h[i]), weight_kg, blood_volume_ml, height_cm, sex
    )
    return {"single_point": sp}
