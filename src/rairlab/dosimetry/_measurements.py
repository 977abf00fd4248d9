"""Measurement files: time-activity CSVs as fractions of the administered activity.

The format (documented in ``docs/dosimetry.md``): comment lines start with
``#``; a header row; a ``time_h`` column (hours after administration, strictly
increasing) and the activity as ``percent_ia``, ``activity_mbq`` or
``activity`` with a per-row ``unit``. Values are as measured, not
decay-corrected. Every problem is one :class:`~rairlab.errors.InputFileError`
naming the line and column.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rairlab.dosimetry._limits import LIMITS
from rairlab.dosimetry._units import ACTIVITY_UNITS
from rairlab.errors import InputFileError, InvalidValueError

__all__ = [
    "ACTIVITY_UNITS",
    "Measurements",
    "check_uptake",
    "read_csv_columns",
    "read_measurements",
]

Array = NDArray[np.float64]
MIN_POINTS = 3
_UNIT_ALIASES = {k.lower(): k for k in ACTIVITY_UNITS} | {"µci": "uCi", "μci": "uCi"}
_PERCENT = {"%ia", "percent_ia", "%"}
_ACTIVITY_COLUMNS = ("activity_mbq", "percent_ia", "activity", "unit")


@dataclass(frozen=True)
class Measurements:
    """A measured time-activity curve as fractions of the administered activity.

    Attributes
    ----------
    times_h
        Times after administration (h), strictly increasing, shape ``(n,)``.
    fraction
        Activity / administered activity, not decay-corrected, shape ``(n,)``.
    administered_mbq
        The administered activity when known (MBq).
    path
        Where the data came from.
    """

    times_h: Array
    fraction: Array
    administered_mbq: float | None
    path: str


def _csv_row(line: str, lineno: int, where: str) -> list[str]:
    """One line's CSV fields; a quote left open or a field too long is one `InputFileError`."""
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as exc:
        raise InputFileError(where, f"line {lineno}: not a CSV row ({exc})") from None


def read_csv_rows(path: str | os.PathLike[str]) -> tuple[list[str], list[list[str]], list[int]]:
    """A CSV file's header, data rows and the file line number of each data row.

    Lines starting with ``#`` and blank lines are skipped; the first other line is the
    header (names stripped of spaces).

    Raises
    ------
    InputFileError
        Unreadable or non-UTF-8 file, a malformed CSV line, or no header.
    """
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8-sig", newline="") as fh:
            lines = [(i + 1, ln) for i, ln in enumerate(fh.read().splitlines())]
    except OSError as exc:
        raise InputFileError(where, f"cannot read the file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(where, "not a UTF-8 text CSV file") from exc
    lines = [(i, ln) for i, ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputFileError(where, "no header line; expected a CSV with a header row")
    rows = [_csv_row(ln, lineno, where) for lineno, ln in lines]
    header = [h.strip() for h in rows[0]]
    return header, rows[1:], [lineno for lineno, _ in lines[1:]]


def column_text(header: list[str], rows: list[list[str]], col: str) -> list[str]:
    """The stripped text of column `col` in every row (``""`` where a row is short)."""
    j = header.index(col)
    return [(r[j].strip() if j < len(r) else "") for r in rows]


def column_numbers(where: str, col: str, texts: list[str], numbers: list[int]) -> Array:
    """Column `col` as finite floats; any other text is one `InputFileError` naming its line."""
    vals = []
    for lineno, text in zip(numbers, texts, strict=True):
        try:
            v = float(text)
        except ValueError:
            v = math.nan
        if not math.isfinite(v):
            raise InputFileError(where, f"line {lineno}, column {col!r}: {text!r} is not a number")
        vals.append(v)
    return np.asarray(vals)


def _require(where: str, header: list[str], required: tuple[str, ...], expected: str) -> None:
    for col in required:
        if col not in header:
            raise InputFileError(
                where,
                f"missing column {col!r}; found {', '.join(header) or 'none'}; "
                f"expected {expected} (see docs/dosimetry.md)",
            )


def _columns(
    where: str,
    header: list[str],
    rows: list[list[str]],
    numbers: list[int],
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> dict[str, Array | list[str]]:
    """The time column and the named columns of `rows`, with the times checked."""
    _require(where, header, ("time_h", *required), ", ".join(("time_h", *required)))
    out: dict[str, Array | list[str]] = {}
    for col in ("time_h", *required, *[c for c in optional if c in header]):
        texts = column_text(header, rows, col)
        out[col] = texts if col == "unit" else column_numbers(where, col, texts, numbers)
    _check_times(where, np.asarray(out["time_h"]), numbers)
    return out


def _check_times(where: str, t: Array, numbers: list[int]) -> None:
    if len(t) < MIN_POINTS:
        raise InputFileError(
            where, f"{len(t)} data rows; at least {MIN_POINTS} time points are needed"
        )
    for i, ti in enumerate(t):
        if ti < 0:
            raise InputFileError(
                where,
                f"line {numbers[i]}: time_h {ti:g} is negative; times are hours after dosing",
            )
        if ti > LIMITS.time_h.high:
            raise InputFileError(
                where,
                f"line {numbers[i]}: time_h {ti:g} is outside the accepted "
                f"{LIMITS.time_h.interval} ({LIMITS.time_h.why})",
            )
        if i and ti == t[i - 1]:
            raise InputFileError(
                where, f"line {numbers[i]}: time_h {ti:g} repeats the previous row"
            )
        if i and ti < t[i - 1]:
            raise InputFileError(
                where,
                f"line {numbers[i]}: time_h {ti:g} comes after {t[i - 1]:g}; times must increase",
            )
        if i and LIMITS.too_close(ti - t[i - 1]):
            raise InputFileError(
                where,
                f"line {numbers[i]}: time_h {ti:g} is less than {LIMITS.time_step_h:g} h after "
                f"the previous row ({t[i - 1]:g} h); measurements must be at least "
                f"{LIMITS.time_step_h:g} h (3.6 s) apart",
            )


def read_csv_columns(
    path: str | os.PathLike[str], required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[dict[str, Array | list[str]], list[int]]:
    """Read a measurement CSV with a ``time_h`` column and check its times.

    Lines starting with ``#`` and blank lines are ignored; the first other
    line is the header. Numeric columns become float arrays, a ``unit``
    column stays text. Times must be finite numbers in ``LIMITS.time_h``
    (0 to 10⁵ h after administration), strictly increasing and at least
    ``LIMITS.time_step_h`` (10⁻³ h) apart (see :mod:`rairlab.dosimetry._limits`).

    Returns
    -------
    tuple
        The columns by name, and the file line number of each data row.

    Raises
    ------
    InputFileError
        Unreadable file, missing column, non-numeric or non-finite value,
        times out of range, repeated, unsorted or closer than 10⁻³ h, fewer
        than 3 rows.
    """
    where = os.fspath(path)
    header, rows, numbers = read_csv_rows(where)
    return _columns(where, header, rows, numbers, required, optional), numbers


def check_uptake(where: str, column: str, fraction: Array) -> None:
    """Refuse a curve without any activity: a time-activity curve of zeros has no dose.

    Raises
    ------
    InputFileError
        Every value of `column` is 0 (no uptake measured).
    """
    if not np.any(fraction > 0):
        raise InputFileError(
            where,
            f"column {column!r}: every value is 0, so no uptake was measured; a dose "
            "needs at least one activity > 0",
        )


def read_measurements(
    path: str | os.PathLike[str], administered_mbq: float | None = None
) -> Measurements:
    """Read a lesion (or organ) time-activity CSV into fractions of the administered activity.

    Accepted layouts (extra columns are ignored; see ``docs/dosimetry.md``):

    * ``time_h, percent_ia`` — percent of the injected activity;
    * ``time_h, activity_mbq`` — needs `administered_mbq`;
    * ``time_h, activity, unit`` — unit per row: Bq, kBq, MBq, GBq, uCi, mCi
      (need `administered_mbq`) or ``%IA``.

    Values are as measured at each time, not decay-corrected, so none may
    exceed the administered activity; at least one must be > 0 (a curve of
    zeros means no uptake was measured). Times are checked by
    :func:`read_csv_columns`.

    Parameters
    ----------
    path
        The CSV file.
    administered_mbq
        The administered activity (MBq), needed for activities not given in
        %IA; a finite number in ``LIMITS.activity_mbq`` (10⁻³ to 10⁵ MBq).

    Raises
    ------
    InputFileError
        Any problem with the file, naming the line and column, or no uptake.
    InvalidValueError
        Activities in MBq without `administered_mbq`, or `administered_mbq`
        outside its range.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = p.write_text("time_h,percent_ia\\n4,0.10\\n24,0.08\\n48,0.05\\n")
    >>> read_measurements(p).fraction.tolist()
    [0.001, 0.0008, 0.0005]
    """
    where = os.fspath(path)
    if administered_mbq is not None:
        administered_mbq = LIMITS.activity_mbq.check(administered_mbq, "--administered-mbq")
    header, rows, numbers = read_csv_rows(where)
    data = _columns(where, header, rows, numbers, (), _ACTIVITY_COLUMNS)
    return Measurements(
        times_h=np.asarray(data["time_h"], dtype=float),
        fraction=_fractions(where, data, numbers, administered_mbq),
        administered_mbq=administered_mbq,
        path=where,
    )


def _fractions(
    where: str,
    data: dict[str, Array | list[str]],
    numbers: list[int],
    administered_mbq: float | None,
) -> Array:
    """The activity column of `data` as fractions of the administered activity, checked."""
    layouts = [c for c in ("activity_mbq", "percent_ia", "activity") if c in data]
    if len(layouts) != 1:
        problem = (
            "no activity column"
            if not layouts
            else f"several activity columns ({', '.join(layouts)})"
        )
        raise InputFileError(
            where,
            f"{problem}; expected exactly one of activity_mbq, percent_ia, or activity with unit",
        )
    col = layouts[0]
    if col == "activity" and "unit" not in data:
        raise InputFileError(where, "column 'activity' needs a 'unit' column (MBq, mCi, %IA, ...)")
    values = np.asarray(data[col], dtype=float)
    for lineno, v in zip(numbers, values, strict=True):
        if v < 0:
            raise InputFileError(
                where, f"line {lineno}, column {col!r}: activity {v:g} is negative"
            )
    if col == "percent_ia":
        frac = values / 100.0
    else:
        units = list(data["unit"]) if col == "activity" else ["MBq"] * len(values)
        frac = np.empty_like(values)
        for i, (lineno, u) in enumerate(zip(numbers, units, strict=True)):
            key = str(u).strip().lower()
            if key in _PERCENT:
                frac[i] = values[i] / 100.0
            elif key in _UNIT_ALIASES:
                if administered_mbq is None:
                    raise InvalidValueError(
                        "--administered-mbq",
                        None,
                        f"the administered activity in MBq ({where} gives activities, not %IA)",
                    )
                frac[i] = values[i] * ACTIVITY_UNITS[_UNIT_ALIASES[key]] / administered_mbq
            else:
                raise InputFileError(
                    where,
                    f"line {lineno}: unknown unit {u!r}; "
                    f"accepted: {', '.join(ACTIVITY_UNITS)}, %IA",
                )
    for lineno, f in zip(numbers, frac, strict=True):
        if f > 1.0:
            raise InputFileError(
                where,
                f"line {lineno}, column {col!r}: {100.0 * f:.4g} % of the administered "
                "activity; a measured activity cannot exceed it (check the unit and "
                "--administered-mbq)",
            )
    check_uptake(where, col, frac)
    return frac
