"""``rairlab trial``: run a virtual trial from a spec, and plot a finished run.

Research use only: trial results are model outputs for research, not treatment
recommendations or predictions for a patient.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rairlab._io import check_output_dir, check_output_file, write_bytes
from rairlab.cli._output import JSON_OPTION, emit, progress_bar
from rairlab.cohort._report import format_difference, format_endpoint
from rairlab.errors import InvalidValueError

__all__ = ["app", "plot", "render_summary", "run"]

_PLOT_SUFFIXES = (".png", ".svg")

app = typer.Typer(
    help="Virtual trials: run a trial spec on the local or Dask engine; plot a run. "
    "Research use only.",
    no_args_is_help=True,
)


def render_summary(summary: dict[str, Any], console: Console) -> None:
    """Per-arm endpoint table (k/n, %, 95% CI) and differences from the control arm."""
    arms = summary["arms"]
    names = list(arms)
    endpoints = list(next(iter(arms.values())))
    table = Table(title=f"{summary['trial']}: endpoints per arm (Wilson 95% CI)")
    table.add_column("endpoint", no_wrap=True)
    for a in names:
        table.add_column(a, justify="right")
    for e in endpoints:
        table.add_row(e, *(format_endpoint(arms[a][e]) for a in names))
    console.print(table)
    for label, diff in summary.get("differences", {}).items():
        parts = [f"{e} {format_difference(d)}" for e, d in diff.items()]
        console.print(f"[bold]{label}[/bold]: " + "; ".join(parts))


@app.command("run")
def run(
    spec_path: Path = typer.Argument(..., metavar="SPEC", help="Trial spec YAML (docs/trials.md)."),
    out: Path = typer.Option(..., "--out", "-o", help="Run directory to create (or resume)."),
    engine: str = typer.Option("local", "--engine", help="local or dask."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (default: a LocalCluster)."
    ),
    workers: int | None = typer.Option(None, "--workers", help="Processes (default: all cores)."),
    chunk_size: int | None = typer.Option(
        None, "--chunk-size", help="Patients per chunk, a multiple of 1024 (default: automatic)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Finish a stopped run in --out."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run a virtual trial and print its summary (per arm: k/n, proportion, 95% CI).

    Research use only: not a treatment recommendation.
    """
    check_output_dir(out, "--out")
    from rairlab.cohort import load_trial_spec, make_engine, run_trial

    spec = load_trial_spec(spec_path)
    eng = make_engine(engine, workers, scheduler)
    bar, update = progress_bar("chunks", as_json)
    progress_cb = None
    if update is not None:

        def progress_cb(done: int, total: int) -> None:
            update(spec.name, done, total)

    try:
        summary = run_trial(
            spec, out, engine=eng, chunk_size=chunk_size, resume=resume, progress=progress_cb
        )
    finally:
        if bar is not None:
            bar.stop()
    data = {**summary, "run_directory": str(out)}

    def render(console: Console) -> None:
        render_summary(summary, console)
        console.print(
            f"[dim]Per-patient tables: {out}/patients, {out}/lesions "
            f'(rairlab results query {out} "SELECT ...").[/dim]'
        )

    emit(data, as_json, render)


@app.command("plot")
def plot(
    run_dir: Path = typer.Argument(..., metavar="DIR", help="A trial run directory."),
    output_text: str | None = typer.Option(
        None, "-o", "--output", help="FILE.png or FILE.svg (default DIR/summary.png)."
    ),
) -> None:
    """Draw per-arm endpoint proportions with 95% CIs and the lesion dose distribution."""
    # a str, not a Path: Path("x/") would silently drop the slash that says "a folder"
    output = None
    if output_text is not None:
        output = check_output_file(output_text, "--output", _PLOT_SUFFIXES)
    from rairlab.cohort._report import read_summary, summary_figure

    run_d, _, summary = read_summary(run_dir)
    target = output or check_output_file(run_d.path / "summary.png", "--output")
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InvalidValueError("--output", str(target), "a .png or .svg file name")
    write_bytes(target, summary_figure(run_d, summary, fmt))
    typer.echo(str(target))
