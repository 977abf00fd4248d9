"""``rairlab dose``: lesion dosimetry, blood dosimetry and voxel dose maps.

Research use only: every number is a model estimate for research, not a
treatment decision.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from rairlab._io import check_output_file, optional_import, write_bytes
from rairlab.cli._dose_blood import blood
from rairlab.cli._dose_voxel import voxel
from rairlab.cli._output import JSON_OPTION, emit, shown
from rairlab.dosimetry import (
    LIMITS,
    TAC_MODELS,
    LesionDose,
    lesion_dosimetry,
    read_measurements,
)
from rairlab.errors import InvalidValueError

__all__ = ["app", "lesion"]

app = typer.Typer(
    help="Absorbed-dose estimates: lesion (sphere model), blood (EANM SOP), voxel maps. "
    "Research use only.",
    no_args_is_help=True,
)
app.command("voxel")(voxel)


def _plot(result: LesionDose, path: Path) -> None:
    matplotlib = optional_import("matplotlib", "plot")
    matplotlib.use("Agg")
    plt = optional_import("matplotlib.pyplot", "plot")
    fig, ax = plt.subplots(figsize=(6, 4))
    t_end = max(result.times_h) * 1.5
    grid = np.linspace(0.0, t_end, 300)
    ax.plot(result.times_h, 100 * np.asarray(result.fraction), "ko", label="data")
    for name, fit in result.analysis.fits.items():
        style = "-" if name == result.analysis.chosen else ":"
        ax.plot(grid, 100 * fit.evaluate(grid), style, label=f"{name} (τ={fit.tia_h:.3g} h)")
    ax.set_xlabel("time after administration (h)")
    ax.set_ylabel(f"{result.nuclide} activity (% of administered)")
    ax.set_title("Lesion time-activity (research use only)")
    ax.legend(fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    write_bytes(path, buf.getvalue())


def lesion(
    nuclide: str = typer.Option(..., "--nuclide", help="Measured nuclide, e.g. I-124."),
    measurements: Path = typer.Option(
        ...,
        "--measurements",
        help="CSV: time_h plus activity_mbq, percent_ia or activity+unit. "
        f"Times in {LIMITS.time_h.interval}, at least {LIMITS.time_step_h:g} h apart; "
        "activities >= 0, not above the undecayed administered activity, at least one > 0.",
    ),
    mass_g: float = typer.Option(
        ..., "--mass-g", help=f"Lesion mass (g, unit density), in {LIMITS.mass_g.interval}."
    ),
    administered_mbq: float | None = typer.Option(
        None,
        "--administered-mbq",
        help="Administered activity of the measured nuclide (MBq), "
        f"in {LIMITS.activity_mbq.interval}.",
    ),
    predict: str | None = typer.Option(
        None, "--predict", help="Therapy nuclide to predict from the data, e.g. I-131."
    ),
    target_gy: float | None = typer.Option(
        None,
        "--target-gy",
        help=f"Target lesion dose (Gy), in {LIMITS.target_dose_gy.interval}; "
        "default 20 (NCT02152995).",
    ),
    max_activity_mbq: float | None = typer.Option(
        None,
        "--max-activity-mbq",
        help=f"Maximum activity (MBq), in {LIMITS.activity_mbq.interval}; default 11100 (300 mCi).",
    ),
    recovery: float = typer.Option(
        1.0,
        "--recovery",
        help=f"Partial-volume recovery coefficient, in {LIMITS.recovery.interval}.",
    ),
    model: str = typer.Option("auto", "--model", help="auto, mono, bi, biexp or trapezoid."),
    plot: str | None = typer.Option(None, "--plot", help="Draw the fitted curves to FILE.png."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Lesion dose per GBq, activity for a target dose and eligibility (sphere model).

    Research use only: not a treatment decision.
    """
    # a str, not a Path: Path("x/") would silently drop the slash that says "a folder"
    plot_path = None if plot is None else check_output_file(plot, "--plot", (".png",))
    if model != "auto" and model not in TAC_MODELS:
        raise InvalidValueError("--model", model, "auto, " + ", ".join(TAC_MODELS))
    data = read_measurements(measurements, administered_mbq)
    result = lesion_dosimetry(
        data,
        nuclide,
        mass_g,
        predict=predict,
        target_gy=target_gy,
        max_activity_mbq=max_activity_mbq,
        recovery=recovery,
        model=model,
    )
    if plot_path is not None:
        _plot(result, plot_path)
    out = result.to_dict()

    def render(console: Console) -> None:
        table = Table(title=f"Lesion dosimetry ({result.nuclide}, {result.mass_g:g} g)")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        best = result.analysis.best
        rows: list[tuple[str, Any]] = [
            ("model (chosen)", result.analysis.chosen),
            (
                "residence time (h)",
                f"{best.tia_h:.4g}"
                + (f" ± {best.tia_sd_h:.2g}" if math.isfinite(best.tia_sd_h) else ""),
            ),
            (f"TIA for {result.tia_basis_mbq:g} MBq (MBq·h)", f"{out['tia_mbq_h']:.4g}"),
            ("dose per GBq (Gy/GBq)", f"{result.dose_gy_per_gbq:.4g}"),
            (
                f"activity for {result.target_gy:g} Gy (MBq)",
                shown(out, "activity_for_target_mbq", ".5g"),
            ),
            (f"meets criterion (≤ {result.max_activity_mbq:g} MBq)", str(result.eligible)),
        ]
        for k, v in rows:
            table.add_row(k, str(v))
        console.print(table)

    emit(out, as_json, render)


app.command("lesion")(lesion)
app.command("blood")(blood)
