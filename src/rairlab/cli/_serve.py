"""``rairlab serve``: the local web app (Tumour, Dosimetry, Trials, Evidence, Model pages)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from rairlab.errors import InvalidValueError

__all__ = ["default_runs_dir", "serve"]

_LOCAL = ("127.0.0.1", "localhost", "::1")


def default_runs_dir() -> Path:
    """Where the Trials page keeps its runs: ``$XDG_DATA_HOME/rairlab/web-runs``.

    ``XDG_DATA_HOME`` defaults to ``~/.local/share``, as the XDG base directory
    specification says.
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rairlab" / "web-runs"


def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (default: this machine only)."
    ),
    port: int = typer.Option(8000, "--port", help="TCP port (1-65535)."),
    runs_dir: Path | None = typer.Option(
        None, "--runs-dir", help="Folder for trial runs started in the app (default: XDG data)."
    ),
) -> None:
    """Serve the web app: enter a tumour, fit a dosimetry study, run trials, search evidence.

    Research use only: every page says its output is model output, not a treatment decision.
    """
    from rairlab._io import check_output_dir

    if not 1 <= port <= 65535:
        raise InvalidValueError("--port", port, "a TCP port from 1 to 65535")
    runs = check_output_dir(runs_dir or default_runs_dir(), "--runs-dir")
    import uvicorn

    from rairlab.web import create_app
    from rairlab.web._app import LOCAL_HOSTS

    # bound to this machine: answer only to its names (DNS rebinding); else any name
    app = create_app(runs, allowed_hosts=LOCAL_HOSTS if host in _LOCAL else None)
    where = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    typer.echo(f"rairlab web app at {where} (trial runs in {runs}); Ctrl-C stops it.")
    if host not in _LOCAL:
        typer.echo(
            f"warning: bound to {host}, not this machine only: anyone who can reach it can "
            "run simulations. The app has no login.",
            err=True,
        )
    typer.echo("Research use only: model output and literature summaries, not treatment advice.")
    uvicorn.run(app, host=host, port=port, log_level="warning")
