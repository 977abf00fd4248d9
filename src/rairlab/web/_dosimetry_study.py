"""The Dosimetry page's computation: uploaded measurements through the library's dosimetry.

:func:`dosimetry_result` runs what ``rairlab dose lesion``, ``rairlab dose blood``
and ``rairlab dose voxel`` run, on whichever inputs were uploaded, and returns
the tables and chart specs the page shows (and ``/api/dosimetry`` returns).
Research use only: every number is a model estimate, not a treatment decision.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from rairlab.errors import InputFileError, InvalidValueError, RairlabError
from rairlab.web._common import Params

__all__ = ["FILE_FIELDS", "Upload", "dosimetry_result", "example_bytes"]

#: Form fields that take a file, and what each holds (error messages name both).
FILE_FIELDS = {
    "measurements": "lesion CSV",
    "blood_measurements": "blood CSV",
    "tia": "TIA image",
    "mask": "mask image",
}
LESION_MODELS = ("auto", "mono", "bi", "biexp", "trapezoid")  # rairlab dose lesion --model
MODEL_ORDER = LESION_MODELS[1:]
BLOOD_MODELS = ("auto", "mono", "biexp", "trapezoid")  # rairlab dose blood --model
VOXEL_METHODS = ("kernel", "local")  # rairlab dose voxel --method
#: The example study: shipped files by field, and the options they were measured with.
EXAMPLE_FILES = {"measurements": "lesion_i124.csv", "blood_measurements": "blood_i131.csv"}
EXAMPLE_FIELDS = {
    "nuclide": "I-124",
    "mass_g": "2",
    "administered_mbq": "74",
    "predict": "I-131",
    "weight_kg": "70",
}
#: Web-only bounds on one request's work (the CLI reads files of any size): a
#: time-activity curve is a handful of points, and a NIfTI's header may promise more
#: voxels than its compressed bytes suggest.
MAX_CSV_LINES = 1000
MAX_VOXELS = 2**23
MAX_THRESHOLDS = 20
CURVE_POINTS = 200

T = TypeVar("T")


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its bytes and the name the browser gave (shown, never a path)."""

    data: bytes
    name: str


def _label(field: str) -> str:
    return f"{field} ({FILE_FIELDS[field]})"


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


def _thresholds(params: Params) -> list[float]:
    """``v_gy``: doses (Gy) separated by commas or spaces, as ``--v-gy`` takes them."""
    from rairlab.dosimetry import LIMITS

    items = [s for s in re.split(r"[,;\s]+", params.text("v_gy")) if s]
    if len(items) > MAX_THRESHOLDS:
        raise InvalidValueError("v_gy", f"{len(items)} doses", f"at most {MAX_THRESHOLDS}")
    doses = []
    for item in items:
        try:
            doses.append(float(item))
        except ValueError:
            raise InvalidValueError("v_gy", item, LIMITS.threshold_dose_gy.describe()) from None
    return [LIMITS.threshold_dose_gy.check(x, "v_gy") for x in doses]


def _scrub(exc: RairlabError, labels: Mapping[str, str], folder: str) -> None:
    """Name the form field instead of the temporary file in `exc`'s message."""
    message = exc.message
    for path, label in labels.items():
        message = message.replace(path, label)
    message = message.replace(folder, "(upload)")
    if isinstance(exc, InputFileError):
        exc.path = labels.get(exc.path, exc.path)
    exc.message = message
    exc.args = (message,)


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


def _lesion(params: Params, path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``rairlab dose lesion`` on the uploaded CSV: its JSON, display rows and chart."""
    from rairlab.dosimetry import (
        lesion_dosimetry,
        nuclide_names,
        read_measurements,
        trial_criteria,
    )

    nuclide = params.text("nuclide")
    if not nuclide:
        raise InvalidValueError(
            "nuclide", None, "the measured nuclide, one of " + ", ".join(nuclide_names())
        )
    mass_g = _number(params, "mass_g", "the lesion mass in g")
    administered = _number(params, "administered_mbq")
    recovery = _number(params, "recovery")
    model = params.choice("model", LESION_MODELS, "auto")
    data = read_measurements(path, administered)
    result = lesion_dosimetry(
        data,
        nuclide,
        mass_g,  # type: ignore[arg-type]  # required above
        predict=params.text("predict") or None,
        target_gy=_number(params, "target_gy"),
        max_activity_mbq=_number(params, "max_activity_mbq"),
        recovery=1.0 if recovery is None else recovery,
        model=model,
    )
    out = result.to_dict()
    best = result.analysis.best
    criterion = trial_criteria()
    sd = f" ± {best.tia_sd_h:.2g}" if math.isfinite(best.tia_sd_h) else ""
    dose_sd = (
        f" ± {result.dose_sd_gy_per_gbq:.2g}" if math.isfinite(result.dose_sd_gy_per_gbq) else ""
    )
    out["table"] = [
        ["model (chosen)", result.analysis.chosen],
        ["residence time (h)", f"{best.tia_h:.4g}{sd}"],
        [f"TIA for {result.tia_basis_mbq:g} MBq (MBq·h)", f"{out['tia_mbq_h']:.4g}"],
        ["dose per GBq (Gy/GBq)", f"{result.dose_gy_per_gbq:.4g}{dose_sd}"],
        [
            f"activity for {result.target_gy:g} Gy (MBq)",
            _shown(out, "activity_for_target_mbq", ".5g"),
        ],
        [
            f"meets the NCT02152995 dosimetric criterion "
            f"({result.target_gy:g} Gy with ≤ {result.max_activity_mbq:g} MBq)",
            "yes" if result.eligible else "no",
        ],
    ]
    out["criterion_citation"] = criterion["target_lesion_dose"].citation
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
    return out, [chart]


def _blood(params: Params, path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``rairlab dose blood`` on the uploaded CSV: its JSON, display rows and charts."""
    from rairlab.dosimetry import blood_dosimetry, read_blood_measurements

    weight = _number(params, "weight_kg")
    model = params.choice("blood_model", BLOOD_MODELS, "auto")
    t, blood, body = read_blood_measurements(path)
    result = blood_dosimetry(t, blood, body, weight_kg=weight, model=model)
    out = result.to_dict()
    out["table"] = [
        ["blood dose (Gy/GBq)", f"{result.dose_gy_per_gbq:.4g}"],
        ["activity for 2 Gy to blood (MBq)", _shown(out, "max_activity_blood_mbq", ".5g")],
        ["retained at 48 h (fraction)", f"{result.retained_fraction_48h:.3g}"],
        ["48-h retention limit (MBq)", _shown(out, "max_activity_retention_mbq", ".5g")],
        [
            "48-h limit, lung metastases (MBq)",
            _shown(out, "max_activity_retention_lung_mbq", ".5g"),
        ],
        ["body weight (kg)", f"{result.weight_kg:g}" + ("" if weight else " (reference)")],
        ["models (blood, whole body)", f"{result.blood.chosen}, {result.whole_body.chosen}"],
    ]
    charts = [
        _curve_chart(
            "blood-tac", "Blood (I-131)", "% of administered per mL", t, blood, result.blood
        ),
        _curve_chart(
            "whole-body-tac",
            "Whole-body retention (I-131)",
            "% of administered",
            t,
            body,
            result.whole_body,
        ),
    ]
    return out, charts


def _image(path: Path) -> Any:
    """:func:`~rairlab.dosimetry.load_nifti`, refusing a header of more than MAX_VOXELS."""
    from rairlab._io import optional_import
    from rairlab.dosimetry import load_nifti

    nib = optional_import("nibabel", "imaging")
    try:
        shape = tuple(int(n) for n in nib.load(str(path)).shape)
    except Exception:  # nibabel raises many types for bad files; load_nifti names the problem
        shape = ()
    if shape and math.prod(shape) > MAX_VOXELS:
        raise InputFileError(
            path,
            f"{math.prod(shape)} voxels (shape {shape}); this page takes at most {MAX_VOXELS} "
            "(rairlab dose voxel takes any size)",
        )
    return load_nifti(path)


def _voxel(
    params: Params, tia: Path, mask: Path | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``rairlab dose voxel`` on the uploaded images: statistics and the cumulative DVH."""
    from rairlab.dosimetry import dose_statistics, dose_volume_histogram
    from rairlab.dosimetry._voxel import image_dose

    method = params.choice("method", VOXEL_METHODS, "kernel")
    nuclide = params.text("voxel_nuclide", "I-131")
    v_gy = _thresholds(params)  # before the convolution, not after it
    image = _image(tia)
    result, region = image_dose(image, None if mask is None else _image(mask), nuclide, method)
    stats = dose_statistics(result.dose_gy, region, v_thresholds_gy=v_gy)
    levels, volume = dose_volume_histogram(result.dose_gy, region)
    where = "mask" if mask is not None else "whole image"
    out: dict[str, Any] = {
        "nuclide": result.nuclide,
        "method": result.method,
        "voxel_size_mm": list(result.voxel_size_mm),
        "kernel_voxel_size_mm": None if result.kernel is None else result.kernel.voxel_size_mm,
        "kernel_exact": None if result.kernel is None else result.kernel.exact,
        "total_tia_mbq_h": float(image.data.sum()),
        "region": where,
        "statistics_gy": {
            "n_voxels": stats.n_voxels,
            "mean": stats.mean,
            "min": stats.minimum,
            "max": stats.maximum,
            "d50": stats.d50,
            "d90": stats.d90,
            "v": {f"V{x:g}Gy": f for x, f in stats.v_gy.items()},
        },
        "notes": list(result.notes),
        "table": [
            ["region", f"{where}, {stats.n_voxels} voxels"],
            ["mean dose (Gy)", f"{stats.mean:.4g}"],
            ["D50 (Gy)", f"{stats.d50:.4g}"],
            ["D90 (Gy)", f"{stats.d90:.4g}"],
            ["max dose (Gy)", f"{stats.maximum:.4g}"],
            *[[f"V{x:g}Gy (fraction)", f"{f:.3f}"] for x, f in stats.v_gy.items()],
        ],
    }
    chart = {
        "id": "dvh",
        "kind": "line",
        "title": f"Cumulative dose-volume histogram ({where})",
        "x_label": "dose (Gy)",
        "y_label": "volume receiving at least the dose (%)",
        "series": [{"name": f"{result.nuclide}, {result.method}", "x": levels, "y": 100 * volume}],
    }
    return out, [chart]


def example_bytes(field: str) -> bytes:
    return files("rairlab.web").joinpath("examples", EXAMPLE_FILES[field]).read_bytes()


def dosimetry_result(
    params: Params, uploads: Mapping[str, Upload], example: bool = False
) -> dict[str, Any]:
    """The Dosimetry page's result: lesion, blood and voxel parts for the files given.

    Parameters
    ----------
    params
        The form's text fields (``nuclide``, ``mass_g``, ... as the CLI options).
    uploads
        Files by field (:data:`FILE_FIELDS`); with `example`, the example study's
        files stand in for those not uploaded.
    example
        Whether this is the example study.

    Returns
    -------
    dict
        ``lesion``, ``blood`` and ``voxel`` (each ``None`` without its file; the first
        two hold the CLI's JSON), ``charts`` (specs for ``chart()``), ``files``.

    Raises
    ------
    RairlabError
        Any bad field or file, naming the field.

    Examples
    --------
    >>> r = dosimetry_result(Params(EXAMPLE_FIELDS), {}, example=True)
    >>> r["lesion"]["model"], r["lesion"]["nuclide"], r["voxel"] is None
    ('mono', 'I-131', True)
    """
    given = dict(uploads)
    if example:
        for field, name in EXAMPLE_FILES.items():
            given.setdefault(field, Upload(example_bytes(field), f"{name} (example)"))
    if "mask" in given and "tia" not in given:
        raise InvalidValueError("mask", given["mask"].name, "a TIA image (tia) to go with it")
    if not any(f in given for f in ("measurements", "blood_measurements", "tia")):
        raise InvalidValueError(
            "measurements",
            None,
            "a lesion CSV (measurements), a blood CSV (blood_measurements) or a TIA image "
            "(tia), or the example study",
        )
    out: dict[str, Any] = {"example": example, "lesion": None, "blood": None, "voxel": None}
    out["files"] = {f: {"name": u.name, "bytes": len(u.data)} for f, u in given.items()}
    charts: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rairlab-web-") as folder:
        labels: dict[str, str] = {}
        paths: dict[str, Path] = {}
        try:
            for field, upload in given.items():
                paths[field] = _stage(Path(folder), field, upload.data, labels)
            if "measurements" in paths:
                out["lesion"], made = _lesion(params, paths["measurements"])
                charts += made
            if "blood_measurements" in paths:
                out["blood"], made = _blood(params, paths["blood_measurements"])
                charts += made
            if "tia" in paths:
                out["voxel"], made = _voxel(params, paths["tia"], paths.get("mask"))
                charts += made
        except RairlabError as exc:
            _scrub(exc, labels, folder)
            raise
    out["charts"] = charts
    return out


def _stage(folder: Path, field: str, data: bytes, labels: dict[str, str]) -> Path:
    """Write one upload under a fixed name in `folder`; refuse an empty or too long one."""
    if not data.strip():
        raise InputFileError(_label(field), "the file is empty")
    if field in ("tia", "mask"):
        name = f"{field}.nii.gz" if data[:2] == b"\x1f\x8b" else f"{field}.nii"
    else:
        lines = data.count(b"\n") + 1
        if lines > MAX_CSV_LINES:
            raise InputFileError(
                _label(field),
                f"{lines} lines; this page reads at most {MAX_CSV_LINES} "
                "(rairlab dose reads any length)",
            )
        name = f"{field}.csv"
    path = folder / name
    path.write_bytes(data)
    labels[str(path)] = _label(field)
    return path
