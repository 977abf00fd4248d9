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

from rairlab._io import optional_import
from rairlab.dosimetry import (
    LIMITS,
    blood_dosimetry,
    dose_statistics,
    dose_volume_histogram,
    load_nifti,
    read_blood_measurements,
)
from rairlab.dosimetry._voxel import image_dose
from rairlab.errors import InputFileError, InvalidValueError, RairlabError
from rairlab.web._common import Params
from rairlab.web._dosimetry_lesion import (
    _curve_chart,
    _number,
    _shown,
    lesion_part,
)

__all__ = ["FILE_FIELDS", "Upload", "dosimetry_result", "example_bytes"]

#: Form fields that take a file, and what each holds (error messages name both).
FILE_FIELDS = {
    "measurements": "lesion CSV",
    "recovery_curve": "recovery phantom CSV",
    "blood_measurements": "blood CSV",
    "tia": "TIA image",
    "mask": "mask image",
}
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

T = TypeVar("T")


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its bytes and the name the browser gave (shown, never a path)."""

    data: bytes
    name: str


def _label(field: str) -> str:
    return f"{field} ({FILE_FIELDS[field]})"


def _thresholds(params: Params) -> list[float]:
    """``v_gy``: doses (Gy) separated by commas or spaces, as ``--v-gy`` takes them."""
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


def _blood(params: Params, path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``rairlab dose blood`` on the uploaded CSV: its JSON, display rows and charts."""
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
    if "recovery_curve" in given and "measurements" not in given:
        raise InvalidValueError(
            "recovery_curve",
            given["recovery_curve"].name,
            "a lesion CSV (measurements) to go with it",
        )
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
                out["lesion"], made = lesion_part(
                    params, paths["measurements"], paths.get("recovery_curve")
                )
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
