"""Cited parameter files: one YAML record per number, each with its provenance and source.

Every number rairlab takes from the literature, and every modelling
assumption, is a record ``{name, value, unit, provenance, citation, doi?,
note?}`` in a YAML file under a ``data/`` folder named after its source. This
module reads such a file into :class:`CitedValue` objects and rejects a record
without a citation. It sits at the top of the package, below every layer, so
that ``biokinetics``, ``dosimetry`` and ``radiobiology`` use it without
importing each other.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib.resources import files
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rairlab.errors import DataFileError, UnknownNameError

__all__ = ["CitedTable", "CitedValue", "load_cited"]

# libyaml's C parser when PyYAML was built with it; the pure-Python one reads the same.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Provenance = Literal["literature", "assumption", "fitted", "derived"]


class CitedValue(BaseModel):
    """One number (or list of numbers) with its unit, provenance and citation.

    ``provenance: assumption`` marks a modelling choice (for instance a generic
    value used because no thyroid-specific one exists); its ``note`` says why.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    value: float | list[float] | list[list[float]]
    unit: str
    provenance: Provenance
    citation: str = Field(min_length=3)
    doi: str | None = None
    note: str | None = None

    @field_validator("citation")
    @classmethod
    def _citation_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("citation must not be blank")
        return v


class CitedTable(Mapping[str, CitedValue]):
    """The records of one file, by name; ``table.value(name)`` gives the number."""

    def __init__(self, path: str, records: dict[str, CitedValue]) -> None:
        self.path = path
        self._records = records

    def __getitem__(self, name: str) -> CitedValue:
        try:
            return self._records[name]
        except KeyError:
            raise UnknownNameError("parameter", name, self._records) from None

    def __iter__(self) -> Any:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def value(self, name: str) -> float:
        """The scalar value of record `name` (a `DataFileError` if it is a list)."""
        v = self[name].value
        if not isinstance(v, float | int):
            raise DataFileError(self.path, f"parameter {name!r} is a table, not a number")
        return float(v)

    def array(self, name: str) -> list[Any]:
        """The list value of record `name`."""
        v = self[name].value
        if isinstance(v, float | int):
            return [float(v)]
        return list(v)


@functools.cache
def load_cited(package: str, relpath: str) -> CitedTable:
    """Read the cited-parameter file `relpath` shipped in `package`.

    Parameters
    ----------
    package
        The package holding the file, e.g. ``"rairlab.radiobiology"``.
    relpath
        Path inside the package, e.g. ``"data/parameters.yaml"``.

    Returns
    -------
    CitedTable
        The records by name.

    Raises
    ------
    DataFileError
        If the file is not a YAML list of records, a record lacks a field
        (a citation in particular) or a name repeats.

    Examples
    --------
    >>> t = load_cited("rairlab.radiobiology", "data/parameters.yaml")
    >>> t["rbe_alpha"].provenance  # generic value, not thyroid-specific
    'assumption'
    """
    resource = files(package).joinpath(relpath)
    where = f"{package.replace('.', '/')}/{relpath}"
    try:
        raw = yaml.load(resource.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(where, f"cannot read: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("records"), list):
        raise DataFileError(where, "expected a mapping with a 'records' list")
    records: dict[str, CitedValue] = {}
    for i, item in enumerate(raw["records"]):
        try:
            rec = CitedValue.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise DataFileError(where, f"record {i} ({loc}): {first['msg']}") from exc
        if rec.name in records:
            raise DataFileError(where, f"record {i}: duplicate name {rec.name!r}")
        records[rec.name] = rec
    return CitedTable(where, records)
