"""The root `rairlab` Typer application and the error boundary of the CLI.

Every `RairlabError` becomes one line on stderr and exit status 2; nothing
a user can cause shows a traceback.
"""

from __future__ import annotations

import sys

import typer

from rairlab import __version__
from rairlab.cli import _demo, _dose, _evidence, _export, _kb, _simulate
from rairlab.errors import RairlabError

__all__ = ["app", "main"]

app = typer.Typer(
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


# Sub-commands are registered here, one line per command module.
app.add_typer(_dose.app, name="dose")
app.command("evidence")(_evidence.evidence)
app.add_typer(_kb.app, name="kb")
app.command("simulate")(_simulate.simulate)
app.command("export")(_export.export)
app.command("demo")(_demo.demo)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map every `RairlabError` to one line on stderr and exit status 2.

    Usage errors (unknown option, missing argument) are reported by Typer itself,
    also with exit status 2.
    """
    try:
        app(args=argv, prog_name="rairlab", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except RairlabError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
