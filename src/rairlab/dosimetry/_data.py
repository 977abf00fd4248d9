"""Reading the physics data files shipped in ``rairlab/dosimetry/data/``.

Every table is a YAML record that carries its own citation; a record without
one is rejected, so no number enters a calculation without its source.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from rairlab.errors import DataFileError

__all__ = ["DATA_DIR", "assumption", "load_yaml", "table"]

DATA_DIR = Path(__file__).parent / "data"


@functools.cache
def load_yaml(relative: str) -> Any:
    """Parse a YAML file under the data folder (cached).

    Raises
    ------
    DataFileError
        If the file is missing or is not valid YAML.
    """
    path = DATA_DIR / relative
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(path, f"invalid YAML: {exc}", line) from exc


def _records(relative: str) -> list[dict[str, Any]]:
    data = load_yaml(relative)
    path = DATA_DIR / relative
    if not isinstance(data, list):
        raise DataFileError(path, "expected a list of records")
    for i, rec in enumerate(data):
        if not isinstance(rec, dict) or not rec.get("citation"):
            raise DataFileError(path, f"record {i} has no citation")
    return data


@functools.cache
def table(relative: str, **match: str) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(energy_mev, values)`` of the one record in `relative` matching `match`.

    Raises
    ------
    DataFileError
        If no record or several match, or the columns are not increasing and equal in length.
    """
    path = DATA_DIR / relative
    hits = [r for r in _records(relative) if all(r.get(k) == v for k, v in match.items())]
    if len(hits) != 1:
        raise DataFileError(path, f"expected one record with {match}, found {len(hits)}")
    energy = np.asarray(hits[0]["energy_mev"], dtype=float)
    values = np.asarray(hits[0]["values"], dtype=float)
    if energy.shape != values.shape or energy.ndim != 1 or np.any(np.diff(energy) <= 0):
        raise DataFileError(path, f"record {match}: energy_mev must increase and match values")
    energy.flags.writeable = False
    values.flags.writeable = False
    return energy, values


@functools.cache
def assumption(name: str) -> float:
    """Return the value of a modelling convention in ``assumptions/sphere_model.yaml``."""
    rel = "assumptions/sphere_model.yaml"
    for rec in _records(rel):
        if rec.get("name") == name:
            return float(rec["value"])
    raise DataFileError(DATA_DIR / rel, f"no record named {name!r}")
