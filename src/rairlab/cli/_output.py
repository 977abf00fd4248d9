"""Shared output for every command: a rich table for people, JSON on stdout for machines."""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from rairlab import RESEARCH_USE_NOTICE

__all__ = [
    "JSON_OPTION",
    "UNEXPLAINED_NOTE",
    "NonFiniteOutputWarning",
    "console",
    "emit",
    "err_console",
    "non_finite_without_note",
    "progress_bar",
    "quantity_table",
    "shown",
    "to_jsonable",
]

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


class NonFiniteOutputWarning(UserWarning):
    """A command's output holds ``inf`` or ``nan`` without a ``<key>_note`` saying why.

    A programming error: every value that can legitimately be non-finite carries a
    note beside it. The test suite turns warnings into errors, so such an output
    fails the tests; a user gets the output with ``null`` and a note that no reason
    was recorded.
    """


#: The note `emit` adds beside a non-finite value that came without one (a bug).
UNEXPLAINED_NOTE = "not a finite number, and rairlab recorded no reason (please report this)"


def _plain(obj: Any) -> Any:
    """`obj` as plain dicts, lists, strings and numbers; non-finite floats kept as floats."""
    # A numpy value exists only once numpy is imported; commands without numpy skip it.
    np: Any = sys.modules.get("numpy")
    if isinstance(obj, BaseModel):
        return _plain(obj.model_dump(mode="json", exclude_none=True))
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_plain(v) for v in obj]
    if np is not None:
        if isinstance(obj, np.ndarray):
            return _plain(obj.tolist())
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return float(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _nulls(obj: Any) -> Any:
    """Plain `obj` with every non-finite float replaced by ``None`` (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _nulls(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nulls(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _explain(obj: Any, path: str, explained: bool, missing: list[str]) -> Any:
    """Plain `obj` with a note beside each non-finite value that has none; their paths in `missing`.

    A non-finite float is explained when a dict on its path has a string
    ``"<key>_note"`` for the key that leads to it.
    """
    if isinstance(obj, float):
        if not (explained or math.isfinite(obj)):
            missing.append(path or "(the output)")
        return obj
    if isinstance(obj, list):
        return [_explain(v, f"{path}[{i}]", explained, missing) for i, v in enumerate(obj)]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        noted = explained or isinstance(obj.get(f"{key}_note"), str)
        before = len(missing)
        out[key] = _explain(value, f"{path}.{key}" if path else key, noted, missing)
        if len(missing) > before:
            out[f"{key}_note"] = UNEXPLAINED_NOTE
    return out


def non_finite_without_note(obj: Any) -> list[str]:
    """Paths of the non-finite numbers of `obj` that no ``"<key>_note"`` explains.

    A value that cannot be a finite number (a limit that does not exist, a
    standard error the data do not determine) needs a string ``"<key>_note"``
    in the same dict as its key, or as the key of any dict enclosing it.

    Examples
    --------
    >>> non_finite_without_note({"a": float("inf"), "b": {"c": [1.0, float("nan")]}})
    ['a', 'b.c[1]']
    >>> non_finite_without_note({"a": float("inf"), "a_note": "no limit", "b_note": "n/a",
    ...                          "b": {"c": [float("nan")]}})
    []
    """
    missing: list[str] = []
    _explain(_plain(obj), "", False, missing)
    return missing


def to_jsonable(obj: Any) -> Any:
    """Convert pydantic models, numpy values, paths and non-finite floats to plain JSON values.

    Non-finite floats become ``None`` so that the output is strict JSON.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.float64(1.5), "b": [np.int64(2), float("nan")]})
    {'a': 1.5, 'b': [2, None]}
    """
    return _nulls(_plain(obj))


def emit(data: Any, as_json: bool, render: Callable[[Console], None]) -> None:
    """Print `data` as JSON (with the research-use notice) or call `render` for people.

    No number is silently lost: a non-finite value (``null`` in JSON) must come with a
    ``"<key>_note"`` saying why (see :func:`non_finite_without_note`). One without is a
    programming error: `emit` warns (`NonFiniteOutputWarning`, an error in the test
    suite) and adds :data:`UNEXPLAINED_NOTE` beside it.

    Parameters
    ----------
    data
        The command's result; a dict gets a ``"notice"`` key in JSON.
    as_json
        Print JSON instead of the rich rendering.
    render
        Draws the human-readable view on the given console.
    """
    missing: list[str] = []
    plain = _explain(_plain(data), "", False, missing)
    if missing:
        warnings.warn(
            NonFiniteOutputWarning(
                f"output values not finite and without a note: {', '.join(missing)}"
            ),
            stacklevel=2,
        )
    if as_json:
        payload = _nulls(plain)
        if isinstance(payload, dict):
            payload = {**payload, "notice": RESEARCH_USE_NOTICE}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))
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


def variant_help() -> str:
    """Help text of a ``--variant`` option, naming every variant option of the network."""
    from rairlab.network import list_variants

    names = ", ".join(v for v in list_variants() if v != "default")
    return f"Model variant option(s); repeat (default: the default model). One of: {names}."


def shown(out: dict[str, Any], key: str, spec: str) -> str:
    """``out[key]`` formatted, or its note where it is not a finite number."""
    value = float(out[key])
    return format(value, spec) if math.isfinite(value) else f"none ({out[f'{key}_note']})"


def quantity_table(
    title: str, rows: Sequence[tuple[str, str]], caption: str | None = None
) -> Table:
    """A two-column ``quantity | value`` table of preformatted rows."""
    table = Table(title=title, caption=caption)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for quantity, value in rows:
        table.add_row(quantity, value)
    return table
