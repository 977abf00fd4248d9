"""``rairlab kb``: maintenance commands for the knowledge base (``kb lint``)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit
from rairlab.knowledge import lint

__all__ = ["app", "lint_command"]

app = typer.Typer(
    help="Check the knowledge base's YAML records (and, by default, every shipped data file).",
    no_args_is_help=True,
    add_completion=False,
)

PATH_OPTION = typer.Option(
    None,
    "--path",
    help="Folder of knowledge-base YAML files (default: the shipped Liu et al. 2023 data).",
)


@app.command("lint")
def lint_command(path: Path | None = PATH_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Validate every record and cross-check them; list all problems at once.

    Without --path it also checks every YAML data file the package ships: cited
    records (unit, provenance, citation, a note for an assumption) and the files of
    other formats, each by its rule, with file and line.

    Exit status 0 when there is no error (warnings allowed), 1 when there are errors.
    """
    problems = lint(path)
    n_errors = sum(p.severity == "error" for p in problems)
    data = {
        "path": str(path) if path else "(shipped data)",
        "errors": n_errors,
        "warnings": len(problems) - n_errors,
        "problems": [asdict(p) for p in problems],
    }

    def render(console: Console) -> None:
        if problems:
            table = Table(title="Knowledge-base problems", show_lines=False)
            for col in ("severity", "file", "record", "message"):
                table.add_column(col, overflow="fold")
            for p in problems:
                style = "red" if p.severity == "error" else "yellow"
                severity = f"[{style}]{p.severity}[/{style}]"
                table.add_row(severity, p.where, p.record or "", p.message)
            console.print(table)
        console.print(f"{n_errors} error(s), {len(problems) - n_errors} warning(s)")

    emit(data, as_json, render)
    if n_errors:
        raise typer.Exit(1)
