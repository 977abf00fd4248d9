"""``rairlab dose lesion``: one or several lesions' dose per GBq with 95 % intervals.

Research use only: every number is a model estimate for research, not a
treatment decision.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from rairlab._io import check_output_file, optional_import, write_bytes
from rairlab.cli._output import JSON_OPTION, emit, quantity_table, shown
from rairlab.dosimetry import (
    LIMITS,
    TAC_MODELS,
    LesionDose,
    LesionStudy,
    UncertaintyInputs,
    lesion_study,
    load_nifti,
    mask_volumes_ml,
    read_lesion_table,
    read_recovery_phantom,
    tissue_density_g_cm3,
    trial_criteria,
)
from rairlab.dosimetry._recovery import RECOVERY_MODELS
from rairlab.errors import InvalidValueError

__all__ = ["lesion"]

_CRITERION = trial_criteria()  # the defaults the help names


def _plot(study: LesionStudy, path: Path) -> None:
    matplotlib = optional_import("matplotlib", "plot")
    matplotlib.use("Agg")
    plt = optional_import("matplotlib.pyplot", "plot")
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    single = len(study.lesions) == 1
    for i, result in enumerate(study.lesions):
        colour = f"C{i % 10}"
        grid = np.linspace(0.0, max(result.times_h) * 1.5, 300)
        label = "" if single else f"{result.lesion_id}: "
        ax.plot(result.times_h, 100 * np.asarray(result.fraction), "o", color=colour)
        for name, fit in result.analysis.fits.items():
            if single or name == result.analysis.chosen:
                style = "-" if name == result.analysis.chosen else ":"
                ax.plot(
                    grid,
                    100 * fit.evaluate(grid),
                    style,
                    color=colour if not single else None,
                    label=f"{label}{name} (τ={fit.tia_h:.3g} h)",
                )
    ax.set_xlabel("time after administration (h)")
    ax.set_ylabel(f"{study.lesions[0].nuclide} activity (% of administered)")
    ax.set_title("Lesion time-activity, recovery-corrected (research use only)")
    ax.legend(fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    write_bytes(path, buf.getvalue())


def _band(out: dict[str, Any], key: str, spec: str) -> str:
    """``median [low, high]`` of an uncertainty entry, or an empty string."""
    u = out.get("uncertainty")
    if not u:
        return ""
    lo, hi = u[key]["ci95"]
    return f" [{lo:{spec}}, {hi:{spec}}]"


def _render_lesions(study: LesionStudy, console: Console) -> None:
    first = study.lesions[0]
    table = Table(
        title=f"Lesion dosimetry ({first.nuclide}): estimate [95 % interval]",
        caption=f"RC: recovery coefficient; P(meets): fraction of Monte Carlo draws needing "
        f"at most {first.max_activity_mbq:g} MBq; †: the fit's uncertainty is not in the "
        "interval (trapezoid or undetermined covariance). Research use only: model estimates, "
        "not treatment decisions.",
    )
    for column in (
        "lesion",
        "m (g)",
        "RC",
        "model",
        "τ (h)",
        "Gy/GBq",
        f"MBq for {first.target_gy:g} Gy",
        "P(meets)",
    ):
        table.add_column(
            column,
            justify="left" if column in ("lesion", "model") else "right",
            no_wrap=column in ("lesion", "model"),
        )
    for result in study.lesions:
        out = result.to_dict()
        u = result.uncertainty
        table.add_row(
            str(result.lesion_id) + (" †" if u is not None and u.partial else ""),
            f"{result.mass_g:.4g}",
            f"{result.recovery:.3g}",
            result.analysis.chosen,
            f"{result.residence_time_h:.4g}",
            f"{result.dose_gy_per_gbq:.4g}" + _band(out, "dose_gy_per_gbq", ".3g"),
            shown(out, "activity_for_target_mbq", ".5g")
            + _band(out, "activity_for_target_mbq", ".4g"),
            "" if u is None else f"{u.p_meets_max_activity:.2f}",
        )
    console.print(table)


def _render_patient(patient: dict[str, Any], console: Console) -> None:
    console.print(
        f"Patient: {patient['lesions_reaching_target_at_max_activity']} of "
        f"{patient['n_lesions']} lesions reach {patient['target_gy']:g} Gy with at most "
        f"{patient['max_activity_mbq']:g} MBq; the first ({patient['first_lesion_at_target']}) "
        f"at {shown(patient, 'activity_first_lesion_at_target_mbq', '.5g')} MBq, every one at "
        f"{shown(patient, 'activity_every_lesion_at_target_mbq', '.5g')} MBq. "
        f"Meets the NCT02152995 criterion: {patient['eligible']}."
    )


def _uncertainty(
    draws: int,
    seed: int,
    recovery_sd: float | None,
    activity_sd: float | None,
    s_value_sd: float | None,
) -> UncertaintyInputs:
    return UncertaintyInputs(
        recovery_sd=recovery_sd,
        activity_relative_sd=activity_sd,
        s_value_relative_sd=s_value_sd,
        draws=draws,
        seed=seed,
    ).checked()


def _single_sd(mass_sd_g: float | None, volume_sd_ml: float | None) -> float | None:
    if mass_sd_g is not None and volume_sd_ml is not None:
        raise InvalidValueError(
            "--mass-sd-g/--volume-sd-ml", "both", "one of them (the volume's times the density)"
        )
    if volume_sd_ml is not None:
        volume_sd_ml = LIMITS.volume_ml.sd().check(volume_sd_ml, "--volume-sd-ml")
        return volume_sd_ml * tissue_density_g_cm3()
    return mass_sd_g


def lesion(
    nuclide: str = typer.Option(..., "--nuclide", help="Measured nuclide, e.g. I-124."),
    measurements: Path = typer.Option(
        ...,
        "--measurements",
        help="CSV: time_h plus activity_mbq, percent_ia or activity+unit; optional lesion_id "
        "(several lesions in one file) and per-lesion volume_ml or mass_g, volume_sd_ml or "
        "mass_sd_g, recovery, recovery_sd. "
        f"Times in {LIMITS.time_h.interval}, at least {LIMITS.time_step_h:g} h apart; "
        "activities >= 0, not above the undecayed administered activity, at least one > 0.",
    ),
    mass_g: float | None = typer.Option(
        None, "--mass-g", help=f"Mass (g) of a single lesion, in {LIMITS.mass_g.interval}."
    ),
    volume_ml: float | None = typer.Option(
        None,
        "--volume-ml",
        help=f"Volume (mL) of a single lesion, in {LIMITS.volume_ml.interval}; "
        "mass = volume x the sphere model's density.",
    ),
    mask: Path | None = typer.Option(
        None,
        "--mask",
        help="NIfTI mask: non-zero voxels are the lesion, or a label map whose labels 1, 2, ... "
        "are the lesion_id values; gives each lesion's volume.",
    ),
    mass_sd_g: float | None = typer.Option(
        None, "--mass-sd-g", help="Standard uncertainty of a single lesion's mass (g)."
    ),
    volume_sd_ml: float | None = typer.Option(
        None, "--volume-sd-ml", help="Standard uncertainty of a single lesion's volume (mL)."
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
        f"default {_CRITERION.target_gy:g} ({_CRITERION.trial}).",
    ),
    max_activity_mbq: float | None = typer.Option(
        None,
        "--max-activity-mbq",
        help=f"Maximum activity (MBq), in {LIMITS.activity_mbq.interval}; "
        f"default {_CRITERION.max_activity_mbq:g} ({_CRITERION.trial}).",
    ),
    recovery: float = typer.Option(
        1.0,
        "--recovery",
        help=f"Fixed partial-volume recovery coefficient, in {LIMITS.recovery.interval}.",
    ),
    recovery_curve: Path | None = typer.Option(
        None,
        "--recovery-curve",
        help="Sphere-phantom CSV (volume_ml or diameter_mm, recovery[, recovery_sd]): a "
        "size-dependent recovery curve fitted to it replaces --recovery.",
    ),
    recovery_model: str = typer.Option(
        "gaussian", "--recovery-model", help="Recovery curve: gaussian (PSF FWHM) or logistic."
    ),
    recovery_sd: float | None = typer.Option(
        None, "--recovery-sd", help="Standard uncertainty of a fixed recovery coefficient."
    ),
    activity_sd: float | None = typer.Option(
        None,
        "--activity-sd",
        help=f"Relative standard uncertainty of the activity calibration, in "
        f"{LIMITS.relative_sd.interval} (e.g. 0.05).",
    ),
    s_value_sd: float | None = typer.Option(
        None,
        "--s-value-sd",
        help="Relative standard uncertainty of the sphere S-value model; default 0.03 "
        "(assumption, see docs/dosimetry-physics.md); 0 leaves it out.",
    ),
    draws: int = typer.Option(
        4000, "--draws", help=f"Monte Carlo draws, in {LIMITS.draws.interval}."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the Monte Carlo (reproducible)."),
    model: str = typer.Option("auto", "--model", help="auto, mono, bi, biexp or trapezoid."),
    plot: str | None = typer.Option(None, "--plot", help="Draw the fitted curves to FILE.png."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Lesion dose per GBq with 95 % intervals, activity for a target dose, eligibility.

    One lesion, or several in one CSV (lesion_id column) with a per-lesion table and
    the patient view. Research use only: not a treatment decision.
    """
    # a str, not a Path: Path("x/") would silently drop the slash that says "a folder"
    plot_path = None if plot is None else check_output_file(plot, "--plot", (".png",))
    if model != "auto" and model not in TAC_MODELS:
        raise InvalidValueError("--model", model, "auto, " + ", ".join(TAC_MODELS))
    if recovery_model not in RECOVERY_MODELS:
        raise InvalidValueError("--recovery-model", recovery_model, ", ".join(RECOVERY_MODELS))
    spread = _uncertainty(draws, seed, recovery_sd, activity_sd, s_value_sd)
    single_sd = _single_sd(mass_sd_g, volume_sd_ml)
    lesions = read_lesion_table(measurements, administered_mbq)
    curve = (
        None if recovery_curve is None else read_recovery_phantom(recovery_curve, recovery_model)
    )
    volumes = None if mask is None else mask_volumes_ml(load_nifti(mask))
    study = lesion_study(
        lesions,
        nuclide,
        predict=predict,
        target_gy=target_gy,
        max_activity_mbq=max_activity_mbq,
        mass_g=mass_g,
        volume_ml=volume_ml,
        mass_sd_g=single_sd,
        mask_volumes_ml=volumes,
        recovery=recovery,
        recovery_curve=curve,
        model=model,
        uncertainty=spread,
    )
    if plot_path is not None:
        _plot(study, plot_path)
    several = any(x.lesion_id is not None for x in lesions)
    out = study.to_dict() if several else study.lesions[0].to_dict()

    def render(console: Console) -> None:
        if several:
            _render_lesions(study, console)
            _render_patient(out["patient"], console)
        else:
            _render_single(study.lesions[0], console)

    emit(out, as_json, render)


def _render_single(result: LesionDose, console: Console) -> None:
    """One lesion: a quantity/value table with the Monte Carlo interval and budget."""
    title = f"Lesion dosimetry ({result.nuclide}, {result.mass_g:.4g} g)"
    caption = "Research use only: model estimates, not treatment decisions."
    console.print(quantity_table(title, result.summary_rows(), caption))
