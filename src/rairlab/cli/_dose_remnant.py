"""``rairlab dose remnant``: thyroid-remnant dose per GBq and the activity for 300 Gy."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit, shown
from rairlab.dosimetry import (
    LIMITS,
    TAC_MODELS,
    blood_dosimetry,
    read_blood_measurements,
    read_measurements,
    remnant_dosimetry,
)
from rairlab.errors import InvalidValueError

__all__ = ["remnant"]


def _check_combination(
    measurements: Path | None,
    uptake: float | None,
    uptake_time_h: float | None,
    effective_half_life_h: float | None,
    decay_corrected: bool,
    administered_mbq: float | None,
    model: str,
    blood_measurements: Path | None,
    blood_gy_per_gbq: float | None,
    weight_kg: float | None,
) -> None:
    """One error for each combination of options that does not make one calculation."""
    if model != "auto" and model not in TAC_MODELS:
        raise InvalidValueError("--model", model, "auto, " + ", ".join(TAC_MODELS))
    if uptake is None:
        for name, value in (
            ("--uptake-time-h", uptake_time_h),
            ("--effective-half-life-h", effective_half_life_h),
        ):
            if value is not None:
                raise InvalidValueError(name, value, "an option of --uptake only")
        if decay_corrected:
            raise InvalidValueError("--decay-corrected", True, "a flag of --uptake only")
    elif measurements is None:
        if administered_mbq is not None:
            raise InvalidValueError(
                "--administered-mbq", administered_mbq, "an option of --measurements only"
            )
        if model != "auto":
            raise InvalidValueError("--model", model, "a fit model only with --measurements")
    if blood_measurements is not None and blood_gy_per_gbq is not None:
        raise InvalidValueError(
            "--blood-gy-per-gbq",
            blood_gy_per_gbq,
            "either --blood-measurements or --blood-gy-per-gbq, not both",
        )
    if weight_kg is not None and blood_measurements is None:
        raise InvalidValueError(
            "--weight-kg", weight_kg, "an option of --blood-measurements (EANM blood dose)"
        )


def _render(out: dict[str, Any], console: Console) -> None:
    table = Table(title=f"Thyroid remnant dosimetry (I-131, {out['mass_g']:g} g)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    if out["source"] == "uptake":
        state = "decay-corrected" if out["uptake_decay_corrected"] else "not decay-corrected"
        table.add_row(
            f"uptake ({out['measured_nuclide']})",
            f"{out['uptake']:.4g} at {out['uptake_time_h']:g} h ({state})",
        )
        table.add_row("effective half-life, measured (h)", f"{out['effective_half_life_h']:.4g}")
    else:
        table.add_row("model (chosen)", f"{out['model']} ({out['model_rule']})")
    table.add_row("effective half-life, I-131 (h)", f"{out['effective_half_life_i131_h']:.4g}")
    sd = out["residence_time_sd_h"]
    tau = f"{out['residence_time_h']:.4g}" + (f" ± {sd:.2g}" if math.isfinite(sd) else "")
    table.add_row("residence time (h)", tau)
    table.add_row("remnant dose per GBq (Gy/GBq)", f"{out['dose_gy_per_gbq']:.4g}")
    table.add_row(
        f"activity for {out['target_gy']:g} Gy (MBq)",
        shown(out, "activity_for_target_mbq", ".5g"),
    )
    if "max_activity_blood_mbq" in out:
        table.add_row(f"blood dose ({out['blood_method']}, Gy/GBq)",
                      f"{out['blood_dose_gy_per_gbq']:.4g}")  # fmt: skip
        table.add_row("activity for 2 Gy to blood (MBq)",
                      shown(out, "max_activity_blood_mbq", ".5g"))  # fmt: skip
        table.add_row("blood limit reached first", str(out["blood_limits_activity"]))
    console.print(table)


def remnant(
    mass_g: float | None = typer.Option(
        None, "--mass-g", help=f"Remnant mass (g), in {LIMITS.mass_g.interval}."
    ),
    volume_ml: float | None = typer.Option(
        None,
        "--volume-ml",
        help="Remnant volume (mL, e.g. ultrasound), taken at 1 g/mL (unit density).",
    ),
    measurements: Path | None = typer.Option(
        None,
        "--measurements",
        help="Remnant time-activity CSV (time_h plus activity_mbq, percent_ia or "
        "activity+unit), as for `rairlab dose lesion`.",
    ),
    administered_mbq: float | None = typer.Option(
        None,
        "--administered-mbq",
        help=f"Administered activity of the measured nuclide (MBq), in "
        f"{LIMITS.activity_mbq.interval}, for a CSV in activity units.",
    ),
    uptake: float | None = typer.Option(
        None,
        "--uptake",
        help="Remnant uptake: fraction of the administered activity (not decay-corrected "
        "unless --decay-corrected) at --uptake-time-h; needs --effective-half-life-h.",
    ),
    uptake_time_h: float | None = typer.Option(
        None, "--uptake-time-h", help="Time of the uptake measurement (h); default 24."
    ),
    effective_half_life_h: float | None = typer.Option(
        None,
        "--effective-half-life-h",
        help="Measured effective half-life in the remnant (h) of the measured nuclide.",
    ),
    decay_corrected: bool = typer.Option(
        False,
        "--decay-corrected",
        help="The --uptake is decay-corrected (e.g. counted against a standard at the same time).",
    ),
    nuclide: str = typer.Option(
        "I-131", "--nuclide", help="Measured nuclide: I-131, I-123 or I-124."
    ),
    target_gy: float | None = typer.Option(
        None,
        "--target-gy",
        help=f"Target remnant dose (Gy), in {LIMITS.target_dose_gy.interval}; default 300 "
        "(Maxon 1983).",
    ),
    blood_measurements: Path | None = typer.Option(
        None,
        "--blood-measurements",
        help="Blood and whole-body CSV (as `rairlab dose blood --measurements`): compare "
        "with the 2-Gy blood limit (EANM SOP).",
    ),
    weight_kg: float | None = typer.Option(
        None,
        "--weight-kg",
        help=f"Body weight (kg) for --blood-measurements, in {LIMITS.weight_kg.interval}; "
        "default 70.",
    ),
    blood_gy_per_gbq: float | None = typer.Option(
        None,
        "--blood-gy-per-gbq",
        help="Blood dose per GBq from elsewhere (e.g. `rairlab dose blood --retention`).",
    ),
    model: str = typer.Option(
        "auto", "--model", help="auto, mono, bi, biexp or trapezoid (with --measurements)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remnant dose per GBq, activity for 300 Gy (Maxon) and the blood limit (sphere model).

    Research use only: model estimates, not a treatment decision.
    """
    _check_combination(
        measurements, uptake, uptake_time_h, effective_half_life_h, decay_corrected,
        administered_mbq, model, blood_measurements, blood_gy_per_gbq, weight_kg,
    )  # fmt: skip
    data = None if measurements is None else read_measurements(measurements, administered_mbq)
    blood, method = blood_gy_per_gbq, "given" if blood_gy_per_gbq is not None else None
    if blood_measurements is not None:
        t, b, w = read_blood_measurements(blood_measurements)
        blood = blood_dosimetry(t, b, w, weight_kg=weight_kg).dose_gy_per_gbq
        method = "EANM SOP"
    result = remnant_dosimetry(
        mass_g=mass_g, volume_ml=volume_ml, measurements=data, uptake=uptake,
        uptake_time_h=uptake_time_h, effective_half_life_h=effective_half_life_h,
        nuclide=nuclide, decay_corrected=decay_corrected, target_gy=target_gy,
        blood_dose_gy_per_gbq=blood, blood_method=method, model=model,
    )  # fmt: skip
    out = result.to_dict()
    emit(out, as_json, lambda console: _render(out, console))
