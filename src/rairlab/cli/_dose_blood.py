"""``rairlab dose blood``: blood (marrow surrogate) dose per GBq and the activity limits."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit, shown
from rairlab.dosimetry import LIMITS, blood_dosimetry, read_blood_measurements
from rairlab.errors import InvalidValueError

__all__ = ["blood"]


def blood(
    measurements: Path = typer.Option(
        ...,
        "--measurements",
        help="CSV: time_h, blood_percent_ia_per_ml, whole_body_percent_ia (I-131). "
        f"Times in {LIMITS.time_h.interval}, at least {LIMITS.time_step_h:g} h apart; "
        "values 0-100 %IA, at least one > 0 per column.",
    ),
    weight_kg: float | None = typer.Option(
        None,
        "--weight-kg",
        help=f"Body weight (kg), in {LIMITS.weight_kg.interval}; default 70 (assumption).",
    ),
    model: str = typer.Option("auto", "--model", help="auto, mono, biexp or trapezoid."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Blood dose per GBq (EANM SOP), maximum activity at 2 Gy and 48-h retention limits.

    Research use only: not a treatment decision.
    """
    if model not in ("auto", "mono", "biexp", "trapezoid"):
        raise InvalidValueError("--model", model, "auto, mono, biexp or trapezoid")
    t, b, w = read_blood_measurements(measurements)
    result = blood_dosimetry(t, b, w, weight_kg=weight_kg, model=model)
    out = result.to_dict()

    def render(console: Console) -> None:
        table = Table(title="Blood dosimetry (EANM SOP, I-131)")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        table.add_row("blood dose (Gy/GBq)", f"{result.dose_gy_per_gbq:.4g}")
        table.add_row(
            "activity for 2 Gy to blood (MBq)", shown(out, "max_activity_blood_mbq", ".5g")
        )
        table.add_row("retained at 48 h (fraction)", f"{result.retained_fraction_48h:.3g}")
        table.add_row("48-h retention limit (MBq)", shown(out, "max_activity_retention_mbq", ".5g"))
        table.add_row(
            "48-h limit, lung metastases (MBq)",
            shown(out, "max_activity_retention_lung_mbq", ".5g"),
        )
        console.print(table)

    emit(out, as_json, render)
