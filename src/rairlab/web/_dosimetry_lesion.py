"""The Dosimetry page's lesion part: one lesion or a study of several, with 95 % intervals.

:func:`lesion_part` runs what ``rairlab dose lesion`` runs on the uploaded lesion CSV
(and recovery phantom CSV) and returns its JSON with the rows, tables and chart the
page shows. Research use only: every number is a model estimate, not a treatment
decision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rairlab.dosimetry import (
    UncertaintyInputs,
    lesion_study,
    nuclide_names,
    read_lesion_table,
    read_recovery_phantom,
    tissue_density_g_cm3,
    trial_criteria,
)
from rairlab.errors import InvalidValueError
from rairlab.web._common import Params

__all__ = ["LESION_MODELS", "RECOVERY_MODELS", "WEB_DRAWS", "lesion_part"]

LESION_MODELS = ("auto", "mono", "bi", "biexp", "trapezoid")  # rairlab dose lesion --model
RECOVERY_MODELS = ("gaussian", "logistic")  # rairlab dose lesion --recovery-model
#: Monte Carlo draws per lesion on this page (the CLI's default is 4000): the
#: 2.5-97.5 % limits move by about 1 % between seeds, enough for a page that answers
#: in about a second; ``rairlab dose lesion --draws`` takes more.
WEB_DRAWS = 2000
MODEL_ORDER = LESION_MODELS[1:]
CURVE_POINTS = 200


def _number(params: Params, name: str, required: str | None = None) -> float | None:
    """A form number, its range left to the library; `required` says what is missing."""
    raw = params.text(name)
    if not raw:
        if required:
            raise InvalidValueError(name, None, required)
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidValueError(name, raw, "a number") from None


def _fit_rows(analysis: Any) -> list[dict[str, Any]]:
    """The model-selection table: every model fitted or skipped, in the library's order."""
    fits = analysis.fits
    least = min((f.aicc for f in fits.values() if math.isfinite(f.aicc)), default=math.nan)
    rows: list[dict[str, Any]] = []
    for name in MODEL_ORDER:
        if name in analysis.skipped:
            rows.append({"model": name, "chosen": False, "skipped": analysis.skipped[name]})
        if name not in fits:
            continue
        fit = fits[name]
        summary = fit.to_dict()
        rows.append(
            {
                "model": name,
                "chosen": name == analysis.chosen,
                "aicc": fit.aicc,
                "delta_aicc": fit.aicc - least,
                "tia_h": fit.tia_h,
                "tia_sd_h": fit.tia_sd_h,
                "effective_half_life_h": fit.effective_half_life_h,
                "params": [
                    {"name": k, "value": v, "sd": fit.params_sd.get(k, math.nan)}
                    for k, v in fit.params.items()
                ],
                "notes": [str(v) for k, v in summary.items() if k.endswith("_note")],
            }
        )
    return rows


def _curve_chart(
    cid: str, title: str, y_label: str, times: Any, values: Any, analysis: Any
) -> dict[str, Any]:
    """Measured points and every fitted curve (the chosen one solid) as a line chart in %."""
    t = np.asarray(times, dtype=float)
    grid = np.linspace(0.0, float(t.max()) * 1.5, CURVE_POINTS)  # as the CLI's --plot
    series: list[dict[str, Any]] = [
        {"name": "measured", "x": t, "y": 100.0 * np.asarray(values), "points": True}
    ]
    # the chosen model first after the data, the others in the library's order
    order = sorted(analysis.fits, key=lambda m: (m != analysis.chosen, MODEL_ORDER.index(m)))
    for name in order:
        fit, chosen = analysis.fits[name], name == analysis.chosen
        series.append(
            {
                "name": f"{name} (chosen)" if chosen else name,
                "x": grid,
                "y": 100.0 * fit.evaluate(grid),
                "dashed": not chosen,
            }
        )
    return {
        "id": cid,
        "kind": "line",
        "title": title,
        "x_label": "time after administration (h)",
        "y_label": y_label,
        "series": series,
    }


def _shown(out: Mapping[str, Any], key: str, spec: str) -> str:
    """``out[key]`` formatted, or its note where it is not a finite number (as the CLI)."""
    value = float(out[key])
    return format(value, spec) if math.isfinite(value) else f"none ({out[f'{key}_note']})"


def _study_chart(study: Any) -> dict[str, Any]:
    """Each lesion's recovery-corrected data and chosen curve, on one chart."""
    end = max(max(r.times_h) for r in study.lesions) * 1.5
    grid = np.linspace(0.0, end, CURVE_POINTS)
    series: list[dict[str, Any]] = []
    for r in study.lesions:
        series.append(
            {"name": f"{r.lesion_id} data", "x": r.times_h, "y": 100.0 * np.asarray(r.fraction),
             "points": True}
        )  # fmt: skip
        best = r.analysis.best
        series.append(
            {"name": f"{r.lesion_id} {best.model}", "x": grid, "y": 100.0 * best.evaluate(grid)}
        )
    return {
        "id": "lesion-tac",
        "kind": "line",
        "title": f"Lesion time-activity, {study.lesions[0].nuclide} (recovery-corrected)",
        "x_label": "time after administration (h)",
        "y_label": f"{study.lesions[0].nuclide} activity (% of administered)",
        "series": series,
    }


def lesion_part(
    params: Params, path: Path, phantom: Path | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``rairlab dose lesion`` on the uploaded CSV: its JSON, display rows and chart."""
    nuclide = params.text("nuclide")
    if not nuclide:
        raise InvalidValueError(
            "nuclide", None, "the measured nuclide, one of " + ", ".join(nuclide_names())
        )
    volume_sd = _number(params, "volume_sd_ml")
    spread = UncertaintyInputs(
        recovery_sd=_number(params, "recovery_sd"),
        activity_relative_sd=_number(params, "activity_sd"),
        s_value_relative_sd=_number(params, "s_value_sd"),
        draws=WEB_DRAWS,
    ).checked()
    lesions = read_lesion_table(path, _number(params, "administered_mbq"))
    recovery = _number(params, "recovery")
    curve = None
    if phantom is not None:
        curve = read_recovery_phantom(
            phantom, params.choice("recovery_model", RECOVERY_MODELS, "gaussian")
        )
    study = lesion_study(
        lesions,
        nuclide,
        predict=params.text("predict") or None,
        target_gy=_number(params, "target_gy"),
        max_activity_mbq=_number(params, "max_activity_mbq"),
        mass_g=_number(params, "mass_g"),
        volume_ml=_number(params, "volume_ml"),
        mass_sd_g=None if volume_sd is None else volume_sd * tissue_density_g_cm3(),
        recovery=1.0 if recovery is None else recovery,
        recovery_curve=curve,
        model=params.choice("model", LESION_MODELS, "auto"),
        uncertainty=spread,
    )
    criterion = trial_criteria()
    if all(x.lesion_id is None for x in lesions):
        result = study.lesions[0]
        out = result.to_dict()
        out["table"] = result.summary_rows()
        out["model_selection"] = _fit_rows(result.analysis)
        predicted = result.nuclide != result.measured_nuclide
        chart = _curve_chart(
            "lesion-tac",
            f"Lesion time-activity, {result.nuclide}"
            + (f" predicted from {result.measured_nuclide}" if predicted else ""),
            f"{result.nuclide} activity (% of administered)",
            result.times_h,
            result.fraction,
            result.analysis,
        )
    else:
        out = study.to_dict()
        for lesion, result in zip(out["lesions"], study.lesions, strict=True):
            lesion["table"] = result.summary_rows()
        first = study.lesions[0]
        out |= {
            "nuclide": first.nuclide,
            "measured_nuclide": first.measured_nuclide,
            "recovery_coefficient": None,
        }
        chart = _study_chart(study)
    out["criterion_citation"] = criterion.citation
    return out, [chart]
