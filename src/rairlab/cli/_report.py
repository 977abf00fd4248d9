"""``rairlab report``: a trial run as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from rairlab.cli._output import JSON_OPTION, emit
from rairlab.errors import InvalidValueError

__all__ = ["report"]


def report(
    run_dir: Path = typer.Argument(..., metavar="DIR", help="A finished trial run directory."),
    output: str | None = typer.Option(
        None, "-o", "--output", help="FILE.html to write (default DIR/report.html)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a trial run's report: one HTML file (inline figures, no network, prints to PDF).

    Research use only: the report is model output, not a treatment decision.
    """
    from rairlab._io import check_output_file
    from rairlab.cohort._report import write_trial_report

    if output is not None:
        check_output_file(output, "--output", (".html", ".htm"))
    if not run_dir.is_dir():
        raise InvalidValueError(
            "DIR", str(run_dir), "a trial run directory (rairlab trial run SPEC --out DIR)"
        )
    path = write_trial_report(run_dir, output)
    data = {"path": str(path), "bytes": path.stat().st_size}

    def render(console: Console) -> None:
        console.print(f"Wrote {path} (self-contained HTML, {data['bytes']:,} bytes).")

    emit(data, as_json, render)
