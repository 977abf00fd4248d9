"""Blood (marrow surrogate) dosimetry of I-131 therapy: EANM SOP and 48-h retention limits.

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

References
----------
Lassmann M, Hänscheid H, Chiesa C, et al. Eur J Nucl Med Mol Imaging
2008;35:1405-1412. doi:10.1007/s00259-008-0761-x
Hänscheid H, Lassmann M, Luster M, Kloos RT, Reiners C. Blood dosimetry from a
single measurement of the whole body radioiodine retention in patients with
differentiated thyroid carcinoma. Endocr Relat Cancer 2009;16:1283-1289.
doi:10.1677/ERC-09-0076
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import CitedTable, load_cited
from rairlab.dosimetry._limits import LIMITS
from rairlab.dosimetry._measurements import check_uptake, read_csv_columns
from rairlab.dosimetry._nuclides import get_nuclide
from rairlab.dosimetry._tac import TacAnalysis, fit_tac
from rairlab.dosimetry._units import MBQ_PER_GBQ, cited_activity_mbq
from rairlab.errors import InputFileError, InvalidValueError

__all__ = [
    "BloodDose",
    "blood_dose_per_gbq",
    "blood_dosimetry",
    "eanm_blood_constants",
    "max_activity_blood_mbq",
    "max_activity_retention_mbq",
    "read_blood_measurements",
]

_PKG = "rairlab.dosimetry"
_CLEARANCE_MODELS = ("mono", "biexp")


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
        return out


def blood_dosimetry(
    times_h: ArrayLike,
    blood_fraction_per_ml: ArrayLike,
    whole_body_fraction: ArrayLike,
    weight_kg: float | None = None,
    model: str = "auto",
) -> BloodDose:
    """EANM blood dosimetry from blood and whole-body I-131 measurements.

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

    Raises
    ------
    InvalidValueError
        A weight out of range; times or fractions refused by :func:`fit_tac`
        (times outside 0 to 10⁵ h or closer than 10⁻³ h, a curve of zeros).
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
    )
