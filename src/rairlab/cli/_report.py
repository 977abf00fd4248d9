"""``rairlab report``: a trial run, or a tumour case, as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from rairlab.cli._output import JSON_OPTION, emit
from rairlab.errors import InvalidValueError

__all__ = ["report"]


_CASE_SUFFIXES = (".yaml", ".yml")


def report(
    run_dir: Path = typer.Argument(
        ...,
        metavar="DIR|CASE.yaml",
        help="A finished trial run directory, or a tumour case YAML file.",
    ),
    output: str | None = typer.Option(
        None,
        "-o",
        "--output",
        help="FILE.html to write (default DIR/report.html, or CASE.report.html beside the case).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a trial run's or a tumour case's report: one HTML file (inline figures, no network,
    prints to PDF).

    Research use only: the report is model output, not a treatment decision.
    """
    from rairlab._io import check_output_file

    if output is not None:
        check_output_file(output, "--output", (".html", ".htm"))
    if run_dir.suffix.lower() in _CASE_SUFFIXES and not run_dir.is_dir():
        from rairlab.cohort._case_report import write_case_report

        path = write_case_report(run_dir, output)
    elif run_dir.is_dir():
        from rairlab.cohort._report import write_trial_report

        path = write_trial_report(run_dir, output)
    else:
        raise InvalidValueError(
            "DIR",
            str(run_dir),
            "a trial run directory (rairlab trial run SPEC --out DIR) or a tumour case "
            "file (CASE.yaml)",
        )
    data = {"path": str(path), "bytes": path.stat().st_size}

    def render(console: Console) -> None:
        console.print(f"Wrote {path} (self-contained HTML, {data['bytes']:,} bytes).")

    emit(data, as_json, render)
