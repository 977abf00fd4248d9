"""Parameter sets: values that replace numbers of the data files (the calibrated set).

A parameter set maps names to numbers. A name says which number of which data
file it replaces::

    population.<parameter>.<field>  a distribution parameter of the network's population
                                    spec (network/data/population.yaml), e.g.
                                    ``population.braf_strength.median``
    patient.<name>.<field>          a per-patient distribution of the cohort
                                    (cohort/data/cohort.yaml, ``patient:``), e.g.
                                    ``patient.lesion_uptake_scale.sigma``
    scan.<record>                   a record of the scan data
                                    (observation/data/imaging/scans.yaml), e.g.
                                    ``scan.i131_post_therapy_wbs_mda_kbq``

Two sets are named: ``prior`` (no replacement: every number as its data file
gives it) and ``fitted`` (the calibrated set shipped in
``rairlab/data/fitted.yaml``, written by ``rairlab calibrate``; empty until a
calibration has been shipped). Every loader that reads one of these files takes
``parameters=`` and uses ``fitted`` by default, so the whole package runs on the
calibrated model unless told otherwise. This module sits below every layer so
that each can read it without importing the calibration package.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from rairlab._cited import read_yaml
from rairlab._distributions import check_distribution
from rairlab.errors import DataFileError, InvalidValueError, UnknownNameError

__all__ = ["DOMAINS", "FITTED_PATH", "ParameterSet", "ParametersLike", "parameter_set"]

#: The data files a parameter set can replace numbers of (see the module docstring).
DOMAINS = ("population", "patient", "scan")
#: The shipped calibrated parameter set.
FITTED_PATH = Path(__file__).parent / "data" / "fitted.yaml"


@dataclass(frozen=True)
class ParameterSet:
    """Named replacement values, hashable (sorted ``(name, value)`` pairs).

    Examples
    --------
    >>> p = parameter_set({"population.braf_strength.median": 0.9}, base="prior")
    >>> p.domain("population")
    {'braf_strength.median': 0.9}
    >>> p.domain("scan")
    {}
    """

    label: str
    items: tuple[tuple[str, float], ...] = ()

    def domain(self, domain: str) -> dict[str, float]:
        """The values of one domain, keyed by the rest of their name."""
        head = domain + "."
        return {k[len(head) :]: v for k, v in self.items if k.startswith(head)}

    def as_dict(self) -> dict[str, float]:
        """All values by full name."""
        return dict(self.items)


ParametersLike = Union[str, Mapping[str, float], ParameterSet, None]  # noqa: UP007


def _check_names(values: Mapping[str, Any], where: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in values.items():
        domain = str(name).split(".", 1)[0]
        if domain not in DOMAINS or "." not in str(name):
            raise InvalidValueError(
                where, name, "a name DOMAIN.RECORD[.FIELD] with DOMAIN one of " + ", ".join(DOMAINS)
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidValueError(f"{where} {name}", value, "a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidValueError(f"{where} {name}", value, "a finite number")
        out[str(name)] = number
    return out


@functools.lru_cache(maxsize=4)
def _load_fitted(path: Path) -> ParameterSet:
    if not path.exists():
        return ParameterSet("fitted")
    doc = read_yaml(path) or {}
    if not isinstance(doc, Mapping) or doc.get("provenance") != "fitted":
        raise DataFileError(path, "expected a mapping with provenance: fitted")
    records = doc.get("parameters") or []
    if not isinstance(records, list) or not all(
        isinstance(r, Mapping) and {"name", "value"} <= set(r) for r in records
    ):
        raise DataFileError(path, "parameters: a list of {name, value, ...} records")
    try:
        values = _check_names({r["name"]: r["value"] for r in records}, "fitted parameter")
    except InvalidValueError as exc:
        raise DataFileError(path, str(exc)) from None
    return ParameterSet("fitted", tuple(sorted(values.items())))


def fitted_document(path: Path = FITTED_PATH) -> dict[str, Any]:
    """The shipped fitted set's whole document (values, intervals, run manifest); {} if none."""
    if not path.exists():
        return {}
    return dict(read_yaml(path) or {})


def parameter_set(parameters: ParametersLike = "fitted", *, base: str = "fitted") -> ParameterSet:
    """Resolve `parameters`: ``"fitted"``, ``"prior"``, a set, or a mapping over `base`.

    A mapping replaces (or adds) values of the `base` set (``"fitted"`` or ``"prior"``).

    Raises
    ------
    InvalidValueError
        An unknown set name, or a value name outside :data:`DOMAINS`.
    """
    if isinstance(parameters, ParameterSet):
        return parameters
    if parameters is None or parameters == "fitted":
        return _load_fitted(FITTED_PATH)
    if parameters == "prior":
        return ParameterSet("prior")
    if isinstance(parameters, str):
        raise InvalidValueError("parameters", parameters, "fitted, prior or a mapping of values")
    values = parameter_set(base).as_dict()
    values.update(_check_names(parameters, "parameter"))
    return ParameterSet(f"{base}+custom", tuple(sorted(values.items())))


def replace_distribution(
    family: str, params: Mapping[str, Any], record: str, values: Mapping[str, float], where: str
) -> dict[str, Any]:
    """The parameters of distribution `record` with the `values` named ``record.FIELD``.

    Raises
    ------
    InvalidValueError
        A field the family does not have, or values outside the family's domain.

    Examples
    --------
    >>> replace_distribution("lognormal", {"median": 1.0, "sigma": 0.2}, "x",
    ...                      {"x.sigma": 0.5, "y.sigma": 9.0}, "population")
    {'median': 1.0, 'sigma': 0.5}
    """
    out = dict(params)
    head = record + "."
    mine = {k[len(head) :]: v for k, v in values.items() if k.startswith(head)}
    for field, value in mine.items():
        if field not in out or family == "categorical":
            raise InvalidValueError(
                f"{where}.{record}.{field}",
                value,
                f"a field of the {family} distribution {record}: "
                + ", ".join(k for k in out if family != "categorical"),
            )
        out[field] = value
    try:
        return check_distribution({"family": family, **out})[1]
    except ValueError as exc:
        raise InvalidValueError(f"{where}.{record}", mine, str(exc)) from None


def check_records(values: Mapping[str, float], records: Any, where: str) -> None:
    """Every value names one of `records` (``RECORD.FIELD`` or ``RECORD``).

    Raises
    ------
    UnknownNameError
        A value naming no record, with the close matches.
    """
    known = set(records)
    for key in values:
        rec = key.split(".", 1)[0] if key.split(".", 1)[0] in known else key
        if rec not in known:
            raise UnknownNameError(f"{where} parameter", key, sorted(known))
