"""The physics data files shipped in ``rairlab/dosimetry/data/``, read through `rairlab._cited`.

Cited records (the sphere model's conventions, the NIST tables) come from
:func:`rairlab._cited.load_cited`, which rejects a record without its unit,
provenance and citation; the generated tables (ICRP-107 decay data, the photon
Monte Carlo tables, the voxel-kernel metadata) from
:func:`rairlab._cited.read_shipped`. This module only names the files.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from rairlab._cited import CitedTable, load_cited, read_shipped

__all__ = ["DATA_DIR", "curve", "data_file", "shipped", "sphere_model"]

PACKAGE = "rairlab.dosimetry"
DATA_DIR = Path(__file__).parent / "data"


def data_file(relative: str) -> str:
    """How errors name the data file `relative` (``rairlab/dosimetry/data/...``)."""
    return f"{PACKAGE.replace('.', '/')}/data/{relative}"


def shipped(relative: str) -> Any:
    """The generated YAML file `relative` of the data folder (read once; do not modify it)."""
    return read_shipped(PACKAGE, f"data/{relative}")


def sphere_model() -> CitedTable:
    """The sphere model's conventions (``assumptions/sphere_model.yaml``), by name.

    Examples
    --------
    >>> sphere_model().value("unit_density_g_cm3")
    1.0
    """
    return load_cited(PACKAGE, "data/assumptions/sphere_model.yaml")


@functools.cache
def curve(relative: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(energy_mev, value)`` of the tabulated record `name` of `relative`, read-only arrays.

    Raises
    ------
    DataFileError
        If the record has no ``energy_mev`` (the loader checks that energies increase
        and match the values).
    """
    rec = load_cited(PACKAGE, f"data/{relative}").curve(name)
    energy = np.array(rec.energy_mev, dtype=float)
    values = np.array(rec.value, dtype=float)
    energy.flags.writeable = False
    values.flags.writeable = False
    return energy, values
