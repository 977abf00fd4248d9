"""The root `rairlab` Typer application and the error boundary of the CLI.

Every `RairlabError` becomes one line on stderr and exit status 2; nothing
a user can cause shows a traceback. A sub-command's module is imported only
when that command runs, so ``rairlab evidence`` never pays for numba and SciPy, nor
``rairlab --version`` or ``rairlab --help`` for any command.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

try:  # Typer >= 0.2x carries its own copy of click, whose exceptions it raises
    from typer._click import exceptions as _click_exc
except ImportError:  # pragma: no cover - older Typer uses click itself
    from click import exceptions as _click_exc  # type: ignore[no-redef]

from rairlab import __version__
from rairlab.errors import RairlabError

__all__ = ["COMMANDS", "SUMMARIES", "app", "main"]

#: Sub-commands, in help order: name -> (module, attribute). The attribute is a
#: command function or a `typer.Typer` of sub-commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "evidence": ("rairlab.cli._evidence", "evidence"),
    "simulate": ("rairlab.cli._simulate", "simulate"),
    "export": ("rairlab.cli._export", "export"),
    "demo": ("rairlab.cli._demo", "demo"),
    "dose": ("rairlab.cli._dose", "app"),
    "kb": ("rairlab.cli._kb", "app"),
    "case": ("rairlab.cli._case", "case"),
    "trial": ("rairlab.cli._trial", "app"),
    "results": ("rairlab.cli._results", "app"),
    "report": ("rairlab.cli._report", "report"),
    "calibrate": ("rairlab.cli._calibrate", "calibrate"),
    "validate": ("rairlab.cli._calibrate", "validate"),
    "serve": ("rairlab.cli._serve", "serve"),
}


#: Each command's summary, the first paragraph of its own help (line breaks kept): the
#: root ``--help`` lists these without importing the commands (1.3 s -> 0.16 s);
#: ``tests/cli/test_lazy_commands.py`` checks that the listing equals the commands'.
SUMMARIES: dict[str, str] = {
    "evidence": "Show the cited evidence about an alteration, drug, gene or trial.",
    "simulate": "Steady state (and optionally a time course) of the thyroid-cell network.",
    "export": (
        "Write the network (default model or a variant) in an exchange format, or the\n"
        "calibration problem as PEtab (``rairlab export petab DIR``)."
    ),
    "demo": (
        "Run the main job on the embedded defaults: a virtual trial, then genotype + drugs "
        "\u2192 dose."
    ),
    "dose": (
        "Absorbed-dose estimates: lesion (sphere model), blood (EANM SOP), voxel maps. "
        "Research use only."
    ),
    "kb": "Check the knowledge base's YAML records (and, by default, every shipped data file).",
    "case": (
        "Evaluate one tumour profile over virtual patients: uptake, scan, dose, with intervals."
    ),
    "trial": (
        "Virtual trials: run a trial spec on the local or Dask engine; plot a run. "
        "Research use only."
    ),
    "results": "Query a trial run's per-patient results with SQL (DuckDB).",
    "report": (
        "Write a trial run's or a tumour case's report: one HTML file (inline figures, no "
        "network,\nprints to PDF)."
    ),
    "calibrate": "Fit the population parameters to the review's numbers (seeded, resumable).",
    "validate": "Compare the shipped calibrated model with every target of the review.",
    "serve": (
        "Serve the web app: enter a tumour, fit a dosimetry study, run trials, search evidence."
    ),
}


def _import_command(name: str) -> Any:
    """The click command `name` of `COMMANDS`, built from its module on first use."""
    module, attr = COMMANDS[name]
    target = getattr(importlib.import_module(module), attr)
    if isinstance(target, typer.Typer):
        command: Any = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class _LazyCommands(MutableMapping[str, Any]):
    """The root group's commands: every name of `COMMANDS` is listed, imported on lookup."""

    def __init__(self, loaded: MutableMapping[str, Any]) -> None:
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = _import_command(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (n for n in self._loaded if n not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._loaded.keys())

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded


def _flag_type_rich(self: TyperOption, ctx: Any) -> str | None:
    """No value placeholder for a flag: ``--json``, not ``--json <bool>`` (Typer >= 0.2x
    shows every option's type, which reads as if a flag took a value)."""
    if self.is_flag and self.metavar is None:
        return None
    return _option_type_rich(self, ctx)  # type: ignore[misc]


_option_type_rich = getattr(TyperOption, "display_type_rich", None)
if _option_type_rich is not None:
    TyperOption.display_type_rich = _flag_type_rich  # type: ignore[method-assign]


class _LazyGroup(TyperGroup):
    """A `TyperGroup` whose sub-commands are imported when first looked up; its own
    help lists them by their `SUMMARIES` without importing any."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _LazyCommands(self.commands)
        self._summaries_only = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: listing imports nothing

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._summaries_only and cmd_name in SUMMARIES:
            return TyperCommand(name=cmd_name, help=SUMMARIES[cmd_name])
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._summaries_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summaries_only = False


app = typer.Typer(
    cls=_LazyGroup,
    name="rairlab",
    help=(
        "RAI refractoriness in differentiated thyroid cancer: cited knowledge, mechanistic "
        "network, dosimetry and virtual trials. Research use only."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"rairlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """RAI refractoriness in DTC, made executable. Research use only."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map every `RairlabError` to one line on stderr and exit status 2.

    Usage errors (unknown option, missing argument, a value of the wrong type) are
    one line too, naming the command's ``--help``, with exit status 2.
    """
    try:
        code = app(args=argv, prog_name="rairlab", standalone_mode=False)
    except _click_exc.NoArgsIsHelpError:
        return 2  # the help is printed already; exit status as click's own
    except _click_exc.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "rairlab"
        message = " ".join(exc.format_message().split())
        typer.echo(f"error: {message} (see {where} --help)", err=True)
        return 2
    except _click_exc.ClickException as exc:
        typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("error: aborted", err=True)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except RairlabError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
