"""``rairlab dose blood``: blood (marrow surrogate) dose per GBq and the activity limits.

Two methods: the EANM SOP from blood and whole-body series (``--measurements``), and
the single-time-point estimate of Hänscheid et al. 2009 from one whole-body retention
on day 1 or 2 (``--retention``). With a series and a blood volume both are shown side
by side, the single-time-point one from the series' whole-body value nearest 48 h.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit, quantity_table, shown
from rairlab.dosimetry import (
    BLOOD_VOLUME_ML,
    HEIGHT_CM,
    LIMITS,
    blood_dosimetry,
    read_blood_measurements,
    single_point_blood_dosimetry,
)
from rairlab.errors import InvalidValueError

__all__ = ["blood"]

_MODELS = ("auto", "mono", "biexp", "trapezoid")


def _check_combination(
    measurements: Path | None,
    retention: float | None,
    retention_time_h: float | None,
    model: str,
) -> None:
    """One error for each combination of options that does not make one method."""
    if measurements is None and retention is None:
        raise InvalidValueError(
            "--measurements",
            None,
            "a blood and whole-body CSV (EANM SOP), or --retention FRACTION for the "
            "single-time-point method",
        )
    if measurements is not None and retention is not None:
        raise InvalidValueError(
            "--retention",
            retention,
            "no --retention with --measurements: the single-time-point estimate then uses "
            "the file's whole-body value nearest 48 h (give --blood-volume-ml or "
            "--height-cm, --sex and --weight-kg)",
        )
    if retention is None and retention_time_h is not None:
        raise InvalidValueError(
            "--retention-time-h", retention_time_h, "the time of a --retention measurement"
        )
    if model not in _MODELS:
        raise InvalidValueError("--model", model, ", ".join(_MODELS))
    if measurements is None and model != "auto":
        raise InvalidValueError(
            "--model", model, "a model only with --measurements (the fits of the series)"
        )


def _single_point_rows(sp: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("blood dose (Gy/GBq)", f"{sp['blood_dose_gy_per_gbq']:.4g}"),
        ("activity for 2 Gy to blood (MBq)", f"{sp['max_activity_blood_mbq']:.5g}"),
        ("whole-body residence time (h)", f"{sp['tau_whole_body_h']:.4g}"),
        ("blood residence time (h/mL)", f"{sp['tau_blood_h_per_ml']:.3g}"),
        (
            "retention used",
            f"{sp['retained_fraction']:.4g} at {sp['retention_time_h']:g} h",
        ),
        ("blood volume (mL)", f"{sp['blood_volume_ml']:.0f} ({sp['blood_volume_source']})"),
    ]


def _render_single(out: dict[str, Any], console: Console) -> None:
    title = "Blood dosimetry, single time point (Hänscheid et al. 2009, I-131)"
    console.print(quantity_table(title, _single_point_rows(out)))
    mad = 100 * out["stated_mean_absolute_deviation"]
    console.print(f"Stated accuracy: mean absolute deviation {mad:g} % from the full method.")


def _render_full(out: dict[str, Any], console: Console) -> None:
    sp = out.get("single_time_point")
    table = Table(title="Blood dosimetry (I-131)")
    table.add_column("quantity")
    table.add_column("EANM SOP", justify="right")
    if sp is not None:
        table.add_column("single time point", justify="right")
    rows: list[tuple[str, str, str]] = [
        ("blood dose (Gy/GBq)", f"{out['blood_dose_gy_per_gbq']:.4g}", ""),
        ("activity for 2 Gy to blood (MBq)", shown(out, "max_activity_blood_mbq", ".5g"), ""),
        ("whole-body residence time (h)", f"{out['tau_whole_body_h']:.4g}", ""),
        ("blood residence time (h/mL)", f"{out['tau_blood_h_per_ml']:.3g}", ""),
    ]
    if sp is not None:
        single = dict(_single_point_rows(sp))
        rows = [(q, e, single[q]) for q, e, _ in rows]
    for q, e, s in rows:
        table.add_row(*((q, e, s) if sp is not None else (q, e)))
    retained = f"{out['retained_fraction_48h']:.3g}"
    extra = [
        ("retained at 48 h, fitted (fraction)", retained),
        ("48-h retention limit (MBq)", shown(out, "max_activity_retention_mbq", ".5g")),
        ("48-h limit, lung metastases (MBq)", shown(out, "max_activity_retention_lung_mbq", ".5g")),
    ]
    for q, e in extra:
        table.add_row(*((q, e, "") if sp is not None else (q, e)))
    console.print(table)
    if sp is not None:
        diff = 100 * sp["relative_difference_to_eanm"]
        mad = 100 * sp["stated_mean_absolute_deviation"]
        console.print(
            f"Single time point ({sp['retained_fraction']:.4g} retained at "
            f"{sp['retention_time_h']:g} h) vs EANM: {diff:+.1f} % "
            f"(stated mean absolute deviation of the method: {mad:g} %)."
        )
    elif "single_time_point_note" in out:
        console.print(out["single_time_point_note"])


def blood(
    measurements: Path | None = typer.Option(
        None,
        "--measurements",
        help="CSV: time_h, blood_percent_ia_per_ml, whole_body_percent_ia (I-131), for the "
        f"EANM SOP. Times in {LIMITS.time_h.interval}, at least {LIMITS.time_step_h:g} h "
        "apart; values 0-100 %IA, at least one > 0 per column.",
    ),
    retention: float | None = typer.Option(
        None,
        "--retention",
        help="Single-time-point method (Hänscheid et al. 2009): whole-body retention, "
        "fraction of the administered I-131 in the body (not decay-corrected), measured "
        "on day 1 or 2. Not with --measurements.",
    ),
    retention_time_h: float | None = typer.Option(
        None,
        "--retention-time-h",
        help="Time of the --retention measurement after administration (h), 18-54 h "
        "(day 1 or 2); default 48.",
    ),
    blood_volume_ml: float | None = typer.Option(
        None,
        "--blood-volume-ml",
        help=f"Patient's blood volume (mL), in {BLOOD_VOLUME_ML.interval}, for the "
        "single-time-point method; or give --height-cm and --sex.",
    ),
    height_cm: float | None = typer.Option(
        None,
        "--height-cm",
        help=f"Height (cm), in {HEIGHT_CM.interval}: with --sex and --weight-kg, the blood "
        "volume from Nadler's formula (adults).",
    ),
    sex: str | None = typer.Option(None, "--sex", help="female or male (Nadler's formula)."),
    weight_kg: float | None = typer.Option(
        None,
        "--weight-kg",
        help=f"Body weight (kg), in {LIMITS.weight_kg.interval}; default 70 (assumption), "
        "required with --height-cm.",
    ),
    model: str = typer.Option(
        "auto", "--model", help="auto, mono, biexp or trapezoid (fits of --measurements)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Blood dose per GBq (EANM SOP and/or single time point) and the activity limits.

    Research use only: model estimates, not a treatment decision.
    """
    _check_combination(measurements, retention, retention_time_h, model)
    if retention is not None:
        single = single_point_blood_dosimetry(
            retention, retention_time_h, weight_kg, blood_volume_ml, height_cm, sex
        )
        out = single.to_dict()
        emit(out, as_json, lambda console: _render_single(out, console))
        return
    assert measurements is not None  # _check_combination
    t, b, w = read_blood_measurements(measurements)
    result = blood_dosimetry(
        t, b, w, weight_kg=weight_kg, model=model, blood_volume_ml=blood_volume_ml,
        height_cm=height_cm, sex=sex,
    )  # fmt: skip
    full = result.to_dict()
    if "single_time_point" not in full and "single_time_point_note" not in full:
        full["single_time_point_note"] = (
            "no single-time-point estimate: give --blood-volume-ml, or --height-cm, --sex "
            "and --weight-kg, to compare it with the EANM SOP"
        )
    emit(full, as_json, lambda console: _render_full(full, console))
