"""Writing an export to a file: the format names and one atomic write per format."""

from __future__ import annotations

import os
from pathlib import Path

from rairlab._io import write_text
from rairlab.errors import InvalidValueError
from rairlab.network._compiled import CompiledModel
from rairlab.network._specs import NetworkData
from rairlab.network.export._bnet import to_bnet
from rairlab.network.export._sbml import to_sbml
from rairlab.network.export._sbml_qual import to_sbml_qual

__all__ = ["EXPORT_FORMATS", "export_model", "export_text"]

EXPORT_FORMATS = ("sbml", "sbml-qual", "bnet")
_ELSEWHERE = {"petab": "the calibration problem: rairlab.calibration.export_petab"}


def _check(fmt: str) -> str:
    key = fmt.strip().lower()
    if key not in EXPORT_FORMATS:
        why = f" ({key} is {_ELSEWHERE[key]})" if key in _ELSEWHERE else ""
        raise InvalidValueError("export format", fmt, f"one of {', '.join(EXPORT_FORMATS)}{why}")
    return key


def export_text(model: CompiledModel, fmt: str, data: NetworkData | None = None) -> str:
    """The export of `model` in format `fmt` (``sbml``, ``sbml-qual`` or ``bnet``) as text.

    Raises
    ------
    InvalidValueError
        For any other format (``petab`` included: see :func:`rairlab.calibration.export_petab`).

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> export_text(compile_model(), "bnet").splitlines()[0]
    'targets, factors'
    """
    key = _check(fmt)
    if key == "sbml":
        return to_sbml(model, data=data)
    if key == "sbml-qual":
        return to_sbml_qual(model, data=data)
    return to_bnet(model)


def export_model(
    model: CompiledModel,
    fmt: str,
    path: str | os.PathLike[str],
    data: NetworkData | None = None,
) -> Path:
    """Write the export of `model` in format `fmt` to `path` atomically; return the path.

    Parameters
    ----------
    model
        The compiled model (its variant is what gets exported).
    fmt
        ``sbml`` (Level 3 Version 2 core ODE), ``sbml-qual`` (logical) or ``bnet``.
    path
        The file to write (its folder is created).
    data
        Network data; default: the shipped data.

    Raises
    ------
    InvalidValueError
        For an unknown format.
    """
    key = _check(fmt)
    return write_text(path, export_text(model, key, data))
