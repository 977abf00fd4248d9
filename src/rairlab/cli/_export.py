"""``rairlab export``: the network in an exchange format (SBML, SBML-qual, BoolNet), or the
calibration problem in PEtab."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from rairlab._io import check_output_dir, check_output_file
from rairlab.cli._output import JSON_OPTION, emit, variant_help
from rairlab.errors import InvalidValueError
from rairlab.network import compile_model
from rairlab.network.export import EXPORT_FORMATS, export_model

__all__ = ["export"]

_DESCRIPTION = {
    "sbml": "SBML Level 3 Version 2 core: Hill-cube ODEs, perturbations as parameters",
    "sbml-qual": "SBML Level 3 qual: logical model, one transition per node",
    "bnet": "BoolNet .bnet: one 'NODE, RULE' line per node",
    "petab": "PEtab v1 calibration problem, representative-patient reduction",
}
FORMATS = (*EXPORT_FORMATS, "petab")

FORMAT_ARGUMENT = typer.Argument(..., help=f"Export format: {', '.join(FORMATS)}.")
PATH_ARGUMENT = typer.Argument(None, help="Where to write (the same as --out).", show_default=False)
OUT_OPTION = typer.Option(
    None,
    "-o",
    "--out",
    help="File to write (replaced atomically); for petab, the folder of its files.",
)
VARIANT_OPTION = typer.Option(None, "--variant", help=variant_help())


def export(
    fmt: str = FORMAT_ARGUMENT,
    path: str | None = PATH_ARGUMENT,  # text, not Path: 'x/' (a folder) must stay 'x/'
    out: str | None = OUT_OPTION,
    variant: list[str] | None = VARIANT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the network (default model or a variant) in an exchange format, or the
    calibration problem as PEtab (``rairlab export petab DIR``).

    The SBML export carries every per-patient perturbation as a parameter;
    see docs/network-exports.md for the parameter names and docs/validation.md
    for the PEtab reduction.
    """
    key = fmt.strip().lower()
    if key not in FORMATS:
        raise InvalidValueError("export format", fmt, f"one of {', '.join(FORMATS)}")
    if path is not None and out is not None and Path(path) != Path(out):
        raise InvalidValueError("--out", out, f"the same path as the argument {path}")
    given = path if path is not None else out
    if given is None:
        raise InvalidValueError("output path", "none", "a path: rairlab export FORMAT PATH")
    what = "--out" if out is not None else "PATH"
    if key == "petab":
        _export_petab(check_output_dir(given, what), variant, as_json)
        return
    target = check_output_file(given, what)
    model = compile_model(variant)
    written = export_model(model, key, target)
    data = {
        "format": key,
        "path": str(written),
        "variant": model.variant_name,
        "nodes": model.n_nodes,
        "edges": model.n_edges,
        "bytes": written.stat().st_size,
    }

    def render(console: Console) -> None:
        console.print(
            f"Wrote {written} ({_DESCRIPTION[key]}; variant {model.variant_name}, "
            f"{model.n_nodes} nodes, {model.n_edges} edges)."
        )

    emit(data, as_json, render)


def _export_petab(directory: Path, variant: list[str] | None, as_json: bool) -> None:
    from rairlab.calibration import petab_problem

    if variant:
        raise InvalidValueError(
            "--variant", ",".join(variant), "none with petab (the problem is the default model's)"
        )
    problem = petab_problem()
    yaml_path = problem.write(directory)
    targets = [r.target for r in problem.representatives]
    estimated = sum(int(p["estimate"]) for p in problem.parameters)
    data = {
        "format": "petab",
        "path": str(yaml_path),
        "directory": str(directory),
        "targets": targets,
        "excluded": [{"target": t, "reason": why} for t, why in problem.excluded],
        "parameters": len(problem.parameters),
        "estimated": estimated,
        "conditions": len(problem.conditions),
    }

    def render(console: Console) -> None:
        console.print(
            f"Wrote {yaml_path} ({_DESCRIPTION['petab']}): {len(targets)} targets, "
            f"{estimated} estimated of {len(problem.parameters)} parameters, "
            f"{len(problem.conditions)} conditions; {len(problem.excluded)} targets left out "
            f"(listed in {directory / 'README.md'})."
        )

    emit(data, as_json, render)
