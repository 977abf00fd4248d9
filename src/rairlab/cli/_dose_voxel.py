"""``rairlab dose voxel``: absorbed-dose map + statistics from a time-integrated activity image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rairlab._io import check_output_file
from rairlab.cli._output import JSON_OPTION, emit
from rairlab.dosimetry import LIMITS, dose_statistics, load_nifti, save_nifti
from rairlab.dosimetry._voxel import image_dose
from rairlab.errors import InvalidValueError

__all__ = ["voxel"]

_METHODS = ("kernel", "local")


def voxel(
    tia: Path = typer.Argument(
        ...,
        help="Time-integrated activity image, MBq·h per voxel (NIfTI .nii/.nii.gz): finite, "
        f">= 0, at most {LIMITS.activity_mbq.high:g} MBq decaying in place in all; voxel edges "
        f"in {LIMITS.voxel_size_mm.interval}.",
    ),
    mask: Path | None = typer.Option(
        None, "--mask", help="Region mask (NIfTI, same grid); non-zero voxels are the region."
    ),
    method: str = typer.Option(
        "kernel", "--method", help="'kernel' (voxel S-value convolution) or 'local' deposition."
    ),
    nuclide: str = typer.Option("I-131", "--nuclide", help="Nuclide of the activity."),
    out_text: str | None = typer.Option(
        None, "--out", help="Write the dose map (Gy) as NIfTI (.nii or .nii.gz)."
    ),
    v_gy: list[float] = typer.Option(
        [],
        "--v-gy",
        help="Report the volume fraction receiving at least this dose (Gy, in "
        f"{LIMITS.threshold_dose_gy.interval}; repeatable).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compute an absorbed-dose map from a TIA image and summarise it over a mask.

    Research use only: the doses are model estimates, not a treatment decision.
    """
    # a str, not a Path: Path("x/") would silently drop the slash that says "a folder"
    out = None if out_text is None else check_output_file(out_text, "--out", (".nii", ".nii.gz"))
    if method not in _METHODS:
        raise InvalidValueError("--method", method, "'kernel' or 'local'")
    image = load_nifti(tia)
    mask_img = None if mask is None else load_nifti(mask)
    for x in v_gy:  # before the convolution, not after it
        LIMITS.threshold_dose_gy.check(x, "--v-gy")
    result, region = image_dose(image, mask_img, nuclide, method)
    stats = dose_statistics(result.dose_gy, region, v_thresholds_gy=v_gy)
    if out is not None:
        save_nifti(out, result.dose_gy, image.affine)
    data: dict[str, Any] = {
        "tia": str(tia),
        "mask": None if mask is None else str(mask),
        "nuclide": result.nuclide,
        "method": result.method,
        "voxel_size_mm": list(result.voxel_size_mm),
        "kernel_voxel_size_mm": None if result.kernel is None else result.kernel.voxel_size_mm,
        "kernel_exact": None if result.kernel is None else result.kernel.exact,
        "total_tia_mbq_h": float(image.data.sum()),
        "region": "mask" if mask is not None else "whole image",
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
        "out": None if out is None else str(out),
    }

    def render(console: Console) -> None:
        table = Table(title=f"Voxel dosimetry ({result.nuclide}, {result.method})")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        table.add_row("region voxels", str(stats.n_voxels))
        for label, value in (
            ("mean dose (Gy)", stats.mean),
            ("D50 (Gy)", stats.d50),
            ("D90 (Gy)", stats.d90),
            ("max dose (Gy)", stats.maximum),
        ):
            table.add_row(label, f"{value:.4g}")
        for x, f in stats.v_gy.items():
            table.add_row(f"V{x:g}Gy (fraction)", f"{f:.3f}")
        console.print(table)
        for note in result.notes:
            console.print(f"note: {note}")
        if out is not None:
            console.print(f"dose map written to {out}")

    emit(data, as_json, render)
