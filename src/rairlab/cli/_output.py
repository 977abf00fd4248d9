"""Shared output for every command: a rich table for people, JSON on stdout for machines."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console

from rairlab import RESEARCH_USE_NOTICE

__all__ = ["JSON_OPTION", "console", "emit", "err_console", "progress_bar", "to_jsonable"]

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


def to_jsonable(obj: Any) -> Any:
    """Convert pydantic models, numpy values, paths and non-finite floats to plain JSON values.

    Non-finite floats become ``None`` so that the output is strict JSON.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.float64(1.5), "b": [np.int64(2), float("nan")]})
    {'a': 1.5, 'b': [2, None]}
    """
    # A numpy value exists only once numpy is imported; commands without numpy skip it.
    np: Any = sys.modules.get("numpy")
    if isinstance(obj, BaseModel):
        return to_jsonable(obj.model_dump(mode="json", exclude_none=True))
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    if np is not None:
        if isinstance(obj, np.ndarray):
            return to_jsonable(obj.tolist())
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            obj = float(obj)
    if isinstance(obj, float):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def emit(data: Any, as_json: bool, render: Callable[[Console], None]) -> None:
    """Print `data` as JSON (with the research-use notice) or call `render` for people.

    Parameters
    ----------
    data
        The command's result; a dict gets a ``"notice"`` key in JSON.
    as_json
        Print JSON instead of the rich rendering.
    render
        Draws the human-readable view on the given console.
    """
    if as_json:
        payload = to_jsonable(data)
        if isinstance(payload, dict):
            payload = {**payload, "notice": RESEARCH_USE_NOTICE}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        render(console)
        console.print(f"[dim]{RESEARCH_USE_NOTICE}[/dim]")


def progress_bar(unit: str, as_json: bool) -> tuple[Any, Callable[[str, int, int], None] | None]:
    """A started rich progress bar on stderr and its ``update(task, done, total)``.

    ``(None, None)`` with --json or when stderr is not a terminal. The caller stops the
    bar when done; each task name gets its own line.
    """
    if as_json or not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} " + unit),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(task: str, done: int, total: int) -> None:
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total)
        bar.update(tasks[task], completed=done, total=total)

    bar.start()
    return bar, update
