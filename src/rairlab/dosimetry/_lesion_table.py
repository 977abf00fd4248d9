"""Lesion study files: several lesions' time-activity data and sizes in one CSV, sizes from masks.

A lesion study CSV is a measurement CSV (see :func:`read_measurements`) with an
optional ``lesion_id`` column: the rows of each lesion form its time-activity
curve (times increasing within a lesion; lesions may be interleaved). Optional
per-lesion columns give its size and its uncertainties, the same on every row of
a lesion (a blank cell repeats the lesion's value):

* ``volume_ml`` or ``mass_g`` (one of them), with ``volume_sd_ml`` / ``mass_sd_g``;
* ``recovery`` (a partial-volume recovery coefficient) with ``recovery_sd``.

Without ``lesion_id`` the whole file is one lesion (its id is ``None``). Every problem is one
:class:`~rairlab.errors.InputFileError` naming the line and column.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from rairlab.dosimetry._imaging import Image3D
from rairlab.dosimetry._limits import LIMITS, Range
from rairlab.dosimetry._measurements import (
    _ACTIVITY_COLUMNS,
    Measurements,
    _columns,
    _fractions,
    column_numbers,
    column_text,
    read_csv_rows,
)
from rairlab.errors import InputFileError, InvalidValueError

__all__ = ["LESION_COLUMNS", "LesionInput", "mask_volumes_ml", "read_lesion_table"]


#: Per-lesion columns of a lesion study CSV, with the range each value must lie in.
LESION_COLUMNS: dict[str, Range] = {
    "volume_ml": LIMITS.volume_ml,
    "mass_g": LIMITS.mass_g,
    "volume_sd_ml": LIMITS.volume_ml.sd(),
    "mass_sd_g": LIMITS.mass_g.sd(),
    "recovery": LIMITS.recovery,
    "recovery_sd": LIMITS.recovery.sd(),
}
_ID_MAX_CHARS = 64


@dataclass(frozen=True)
class LesionInput:
    """One lesion of a study file: its curve and whatever size data the file gives.

    Attributes
    ----------
    lesion_id
        The ``lesion_id`` cell; ``None`` in a file without that column (one lesion).
    measurements
        Its time-activity curve.
    sizes
        The per-lesion columns the file gives (``volume_ml``, ``mass_sd_g``, ...).
    line
        The file line of the lesion's first row.
    """

    lesion_id: str | None
    measurements: Measurements
    sizes: dict[str, float]
    line: int


def _check_id(where: str, lineno: int, text: str) -> str:
    if not text:
        raise InputFileError(where, f"line {lineno}, column 'lesion_id': empty; name every lesion")
    if len(text) > _ID_MAX_CHARS or not text.isprintable():
        raise InputFileError(
            where,
            f"line {lineno}, column 'lesion_id': {text[:_ID_MAX_CHARS]!r}... is not a lesion "
            f"name; expected up to {_ID_MAX_CHARS} printable characters",
        )
    return text


def _sizes(
    where: str, header: list[str], rows: list[list[str]], numbers: list[int]
) -> dict[str, float]:
    """The per-lesion columns of one lesion's rows: one value each, the same on every row."""
    sizes: dict[str, float] = {}
    for col, limit in LESION_COLUMNS.items():
        if col not in header:
            continue
        given = [(n, t) for n, t in zip(numbers, column_text(header, rows, col), strict=True) if t]
        if not given:
            continue
        values = column_numbers(where, col, [t for _, t in given], [n for n, _ in given])
        first = float(values[0])
        for (lineno, _), value in zip(given, values, strict=True):
            if value != first:
                raise InputFileError(
                    where,
                    f"line {lineno}, column {col!r}: {value:g} differs from {first:g} on line "
                    f"{given[0][0]}; a lesion has one {col} (leave later rows blank or repeat it)",
                )
        if not limit.contains(first):
            raise InputFileError(
                where,
                f"line {given[0][0]}, column {col!r}: {first:g} is outside {limit.interval} "
                f"({limit.why})",
            )
        sizes[col] = first
    if "volume_sd_ml" in sizes and "mass_sd_g" in sizes:
        raise InputFileError(
            where,
            f"line {numbers[0]}: both volume_sd_ml and mass_sd_g given; give one per lesion",
        )
    if "volume_ml" in sizes and "mass_g" in sizes:
        raise InputFileError(
            where, f"line {numbers[0]}: both volume_ml and mass_g given; give one size per lesion"
        )
    return sizes


def read_lesion_table(
    path: str | os.PathLike[str], administered_mbq: float | None = None
) -> tuple[LesionInput, ...]:
    """Read a lesion study CSV: one or several lesions' time-activity curves and sizes.

    Parameters
    ----------
    path
        The CSV file (format in the module docstring and ``docs/dosimetry.md``).
    administered_mbq
        The administered activity (MBq), needed for activities not given in %IA.

    Returns
    -------
    tuple of LesionInput
        In order of each lesion's first row.

    Raises
    ------
    InputFileError
        Any problem with the file, naming the line and column (per lesion, the checks
        of :func:`read_measurements`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "study.csv"
    >>> _ = p.write_text(
    ...     "lesion_id,time_h,percent_ia,volume_ml\\n"
    ...     "neck,24,0.10,2.0\\nlung,24,0.02,0.5\\nneck,48,0.08,\\n"
    ...     "lung,48,0.015,\\nneck,96,0.05,\\nlung,96,0.01,\\n"
    ... )
    >>> [(x.lesion_id, x.sizes["volume_ml"], len(x.measurements.times_h))
    ...  for x in read_lesion_table(p)]
    [('neck', 2.0, 3), ('lung', 0.5, 3)]
    """
    where = os.fspath(path)
    if administered_mbq is not None:
        administered_mbq = LIMITS.activity_mbq.check(administered_mbq, "--administered-mbq")
    header, rows, numbers = read_csv_rows(where)
    if not rows:  # the same "too few rows" error as one lesion's
        _columns(where, header, rows, numbers, (), _ACTIVITY_COLUMNS)
    ids: list[str | None] = [None] * len(rows)
    if "lesion_id" in header:
        texts = column_text(header, rows, "lesion_id")
        ids = [_check_id(where, n, t) for n, t in zip(numbers, texts, strict=True)]
    groups: dict[str | None, list[int]] = {}
    for i, lesion in enumerate(ids):
        groups.setdefault(lesion, []).append(i)
    lesions = []
    for lesion, members in groups.items():
        sub_rows = [rows[i] for i in members]
        sub_numbers = [numbers[i] for i in members]
        label = where if lesion is None else f"{where} (lesion {lesion!r})"
        data = _columns(label, header, sub_rows, sub_numbers, (), _ACTIVITY_COLUMNS)
        measurements = Measurements(
            times_h=np.asarray(data["time_h"], dtype=float),
            fraction=_fractions(label, data, sub_numbers, administered_mbq),
            administered_mbq=administered_mbq,
            path=label,
        )
        sizes = _sizes(where, header, sub_rows, sub_numbers)
        lesions.append(LesionInput(lesion, measurements, sizes, sub_numbers[0]))
    return tuple(lesions)


def mask_volumes_ml(mask: Image3D) -> dict[str, float]:
    """Volume (mL) of each lesion of a mask: of every non-zero label, or the whole non-zero region.

    A mask with the values 0 and 1 is one lesion, named ``"1"``; a label map with
    integers 1, 2, ... gives one lesion per label, named by its number (to match
    the ``lesion_id`` column of a study CSV).

    Raises
    ------
    InvalidValueError
        A mask with values that are not non-negative integers, or no non-zero voxel.

    Examples
    --------
    >>> m = np.zeros((4, 4, 4)); m[0, 0, :2] = 1; m[3, 3, 3] = 2
    >>> mask_volumes_ml(Image3D(m, (2.0, 2.0, 2.0), np.eye(4)))
    {'1': 0.016, '2': 0.008}
    """
    data = np.asarray(mask.data)
    finite = np.isfinite(data)
    if not np.all(finite) or np.any(data < 0) or np.any(data != np.round(data)):
        bad = data[~finite | (data < 0) | (data != np.round(data))][0]
        raise InvalidValueError(
            f"mask {mask.path}".strip(), float(bad), "voxel values 0 (background) or 1, 2, ..."
        )
    voxel_ml = float(np.prod(mask.voxel_size_mm)) / 1000.0
    labels, counts = np.unique(data[data > 0].astype(np.int64), return_counts=True)
    if labels.size == 0:
        raise InvalidValueError(
            f"mask {mask.path}".strip(), "all zero", "at least one lesion voxel"
        )
    return {str(int(k)): float(c) * voxel_ml for k, c in zip(labels, counts, strict=True)}
