"""``rairlab export``: write the network in an exchange format (SBML, SBML-qual, BoolNet)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from rairlab.cli._output import JSON_OPTION, emit
from rairlab.network import compile_model
from rairlab.network.export import EXPORT_FORMATS, export_model

__all__ = ["export"]

_DESCRIPTION = {
    "sbml": "SBML Level 3 Version 2 core: Hill-cube ODEs, perturbations as parameters",
    "sbml-qual": "SBML Level 3 qual: logical model, one transition per node",
    "bnet": "BoolNet .bnet: one 'NODE, RULE' line per node",
}

FORMAT_ARGUMENT = typer.Argument(
    ..., help=f"Export format: {', '.join(EXPORT_FORMATS)} (petab comes with calibration)."
)
OUT_OPTION = typer.Option(..., "-o", "--out", help="File to write (replaced atomically).")
VARIANT_OPTION = typer.Option(
    None, "--variant", help="Model variant option(s), e.g. autophagy-supports-nis (default model)."
)


def export(
    fmt: str = FORMAT_ARGUMENT,
    out: Path = OUT_OPTION,
    variant: list[str] | None = VARIANT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the network (default model or a variant) in an exchange format.

    The SBML export carries every per-patient perturbation as a parameter;
    see docs/network-exports.md for the parameter names.
    """
    model = compile_model(variant)
    path = export_model(model, fmt, out)
    key = fmt.strip().lower()
    data = {
        "format": key,
        "path": str(path),
        "variant": model.variant_name,
        "nodes": model.n_nodes,
        "edges": model.n_edges,
        "bytes": path.stat().st_size,
    }

    def render(console: Console) -> None:
        console.print(
            f"Wrote {path} ({_DESCRIPTION[key]}; variant {model.variant_name}, "
            f"{model.n_nodes} nodes, {model.n_edges} edges)."
        )

    emit(data, as_json, render)
