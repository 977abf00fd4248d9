"""``rairlab calibrate`` and ``rairlab validate``: fit the model to the review's numbers, check it.

Research use only: calibration compares model outputs with published proportions; it
says nothing about an individual patient.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rairlab._io import check_output_dir
from rairlab.cli._output import JSON_OPTION, emit, progress_bar
from rairlab.errors import InputFileError, InvalidValueError

__all__ = ["calibrate", "render_validation", "validate"]


def _workers(workers: int | None) -> int:
    import os

    if workers is not None and workers < 1:
        raise InvalidValueError("--workers", workers, "an integer >= 1")
    return workers or os.cpu_count() or 1


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise InputFileError(str(path), "no such problem file (see calibration/data/problem.yaml)")
    return path


def calibrate(
    out: Path = typer.Option(Path("calibration-run"), "--out", "-o", help="Run directory."),
    resume: bool = typer.Option(False, "--resume", help="Continue a stopped run in --out."),
    workers: int | None = typer.Option(None, "--workers", help="Processes (default: all cores)."),
    max_evaluations: int | None = typer.Option(
        None, "--max-evaluations", help="CMA-ES evaluations per start (default: problem.yaml)."
    ),
    draws: int = typer.Option(
        64, "--draws", help="Exploration draws around the best fit (confidence set)."
    ),
    problem: Path | None = typer.Option(
        None, "--problem", help="Calibration problem YAML (default: the shipped problem.yaml)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Fit the population parameters to the review's numbers (seeded, resumable).

    Writes OUT/calibration.json (estimates, target table, cross-validation, variant
    scores) and OUT/fitted.yaml (a parameter set to ship in rairlab/data/). Research use only.
    """
    check_output_dir(out, "--out")
    from rairlab.calibration import calibrate as run
    from rairlab.calibration import load_problem

    if draws < 4:
        raise InvalidValueError("--draws", draws, "an integer >= 4")
    if max_evaluations is not None and max_evaluations < 8:
        raise InvalidValueError("--max-evaluations", max_evaluations, "an integer >= 8")
    bar, update = progress_bar("evaluations", as_json)
    try:
        result = run(
            out,
            resume=resume,
            workers=_workers(workers),
            max_evaluations=max_evaluations,
            draws=draws,
            progress=update,
            problem=load_problem(_existing(problem)) if problem else None,
        )
    finally:
        if bar is not None:
            bar.stop()

    def render(console: Console) -> None:
        table = Table(title=f"Fitted parameters (log-likelihood {result['loglik']:.1f})")
        for col in ("parameter", "prior", "fitted", "95% interval", "identified"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for p in result["parameters"]:
            lo, hi = p["ci95"]
            table.add_row(
                p["name"],
                f"{p['prior']:.4g}",
                f"{p['value']:.4g}",
                f"{lo:.3g}–{hi:.3g}",
                "yes" if p["identified"] else "no",
            )
        console.print(table)
        render_validation(result, console)
        console.print(f"[dim]{out}/calibration.json, {out}/fitted.yaml[/dim]")

    emit({**result, "run_directory": str(out)}, as_json, render)


def render_validation(result: dict[str, Any], console: Console) -> None:
    """The per-target table (observed vs simulated) and the cross-validation summary."""
    table = Table(title="Targets: observed (95% CI) vs model (95% prediction interval)")
    for col in ("target", "endpoint", "observed", "model", "inside"):
        table.add_column(col, justify="left" if col in ("target", "endpoint") else "right")
    for r in result["targets"]:
        o, s = r["observed"], r["simulated"]
        obs = f"{o['k']}/{o['n']}" if not o["printed_without_n"] else f"{100 * o['p']:.0f}%"
        lo, hi = o["ci95"]
        plo, phi = s["prediction95"]
        p = s["p"]
        model = "no patients" if p is None else f"{100 * p:.0f}%"
        table.add_row(
            r["id"],
            r["endpoint"],
            f"{obs} ({100 * lo:.0f}–{100 * hi:.0f})",
            f"{model} ({100 * plo:.0f}–{100 * phi:.0f})",
            "yes" if r["inside"] else "[bold red]no[/bold red]",
        )
    console.print(table)
    inside = sum(r["inside"] for r in result["targets"])
    cv = result["cross_validation"]
    console.print(
        f"{inside} of {len(result['targets'])} targets inside the model's 95% prediction "
        f"interval; leave-one-study-out: {100 * cv['inside_fraction']:.0f}% inside, "
        f"elpd {cv['elpd']:.1f}."
    )


def validate(
    workers: int | None = typer.Option(None, "--workers", help="Processes (default: all cores)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare the shipped calibrated model with every target of the review.

    Per target: observed k/n (95% CI) and the model's proportion with a 95% prediction
    interval (the fitted set's 95% confidence region and the trial's size);
    leave-one-study-out cross-validation. Research use only.
    """
    from rairlab.calibration import validate as run

    result = run(workers=_workers(workers))
    emit(result, as_json, lambda console: render_validation(result, console))
