"""The cohort's cited population data: settings, histology, genotype, lesions, patients, doses.

One loader reads ``cohort/data/cohort.yaml`` and ``cohort/data/regimens.yaml``
into typed, checked objects; every table carries its provenance and citation
(a ``literature`` record without a citation, a probability table not summing
to 1, or a genotype the knowledge base cannot parse is a `DataFileError`
naming the file and the entry).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from rairlab._cited import PROVENANCES, line_of, read_yaml
from rairlab._distributions import check_distribution, draw
from rairlab._parameters import (
    ParameterSet,
    ParametersLike,
    check_records,
    parameter_set,
    replace_distribution,
)
from rairlab.errors import DataFileError, RairlabError, UnknownNameError
from rairlab.knowledge import load_knowledge, parse_genotype

__all__ = [
    "CohortData",
    "Distribution",
    "Regimen",
    "Table",
    "load_cohort_data",
]

DATA_DIR = Path(__file__).parent / "data"
DRIVER_CLASSES = ("BRAF", "RAS", "fusion", "none")
LESION_SITES = ("neck", "lymph_node", "lung", "bone")
PATIENT_PARAMETERS = (
    "body_mass_kg",
    "renal_clearance_scale",
    "lesion_uptake_scale",
    "alpha_per_gy",
    "doubling_time_days",
    "dead_cell_clearance_half_time_days",
)


def _provenance(rec: Mapping[str, Any], path: Path, where: str) -> str:
    prov = rec.get("provenance")
    line = line_of(rec, "provenance")
    if prov not in PROVENANCES:
        raise DataFileError(
            path, f"{where}: provenance must be one of {', '.join(PROVENANCES)}", line
        )
    if prov == "literature" and not str(rec.get("citation") or "").strip():
        raise DataFileError(path, f"{where}: a literature record needs a citation", line)
    if prov != "literature" and not (rec.get("note") or rec.get("citation")):
        raise DataFileError(path, f"{where}: an {prov} record needs a note saying why", line)
    return str(prov)


@dataclass(frozen=True)
class Table:
    """Categorical probabilities with provenance: ``p[category]``, summing to 1."""

    p: Mapping[str, float]
    provenance: str
    citation: str

    @classmethod
    def read(cls, rec: Any, path: Path, where: str, key: str = "p") -> Table:
        if not isinstance(rec, Mapping) or not isinstance(rec.get(key), Mapping):
            raise DataFileError(
                path, f"{where}: expected {{{key}: {{category: probability}}}}", line_of(rec)
            )
        p = {str(k): float(v) for k, v in rec[key].items()}
        if any(v < 0 for v in p.values()) or (key == "p" and abs(sum(p.values()) - 1) > 1e-9):
            raise DataFileError(
                path, f"{where}: probabilities must be >= 0 and sum to 1", line_of(rec, key)
            )
        return cls(p, _provenance(rec, path, where), str(rec.get("citation", "")))

    def restricted(self, keep: Sequence[str] | None) -> dict[str, float]:
        """The probabilities over `keep` only, renormalized (all when `keep` is None)."""
        items = {k: v for k, v in self.p.items() if keep is None or k in keep}
        total = sum(items.values())
        return {k: v / total for k, v in items.items()} if total > 0 else {}


@dataclass(frozen=True)
class Distribution:
    """A per-patient parametric distribution (families of :mod:`rairlab._distributions`)."""

    name: str
    family: str
    params: Mapping[str, Any]
    provenance: str

    @classmethod
    def read(cls, name: str, rec: Any, path: Path) -> Distribution:
        meta = {"provenance", "citation", "doi", "note"}
        dist = {k: v for k, v in rec.items() if k not in meta} if isinstance(rec, Mapping) else rec
        try:
            family, params = check_distribution(dist)
        except ValueError as exc:
            raise DataFileError(path, f"{name}: {exc}", line_of(rec)) from None
        return cls(name, family, params, _provenance(rec, path, name))

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` independent values."""
        return draw(self.family, self.params, rng, n)


@dataclass(frozen=True)
class Setting:
    """One disease setting: histology mix and lesion burden, optional genotype overrides."""

    name: str
    description: str
    histology: Table
    lesion_count: Distribution
    lesion_sites: Table
    drivers: Table | None
    tert: Table | None
    c228t_share: float | None


@dataclass(frozen=True)
class Regimen:
    """The reference dose of a drug: exposure 1 in the network."""

    drug: str
    dose_mg: float
    per_day: int
    citation: str


@dataclass(frozen=True)
class CohortData:
    """Everything the patient sampler draws from, checked."""

    settings: Mapping[str, Setting]
    drivers: Mapping[str, Table]
    tert: Mapping[str, Table]
    c228t_share: Mapping[str, float]
    lesion_mass: Mapping[str, Distribution]
    patient: Mapping[str, Distribution]
    regimens: Mapping[str, Regimen]

    def setting(self, name: str) -> Setting:
        try:
            return self.settings[name]
        except KeyError:
            raise UnknownNameError("setting", name, self.settings) from None

    def regimen(self, drug: str) -> Regimen:
        try:
            return self.regimens[drug]
        except KeyError:
            raise UnknownNameError("reference regimen of drug", drug, self.regimens) from None


def _tert(rec: Any, path: Path, where: str) -> tuple[Table, float]:
    table = Table.read(rec, path, where, key="p_given_driver")
    if set(table.p) != set(DRIVER_CLASSES) or not all(0 <= v <= 1 for v in table.p.values()):
        raise DataFileError(
            path, f"{where}: p_given_driver needs {', '.join(DRIVER_CLASSES)} in [0, 1]"
        )
    share = float(rec.get("c228t_share", -1))
    if not 0 <= share <= 1:
        raise DataFileError(path, f"{where}: c228t_share must be in [0, 1]")
    return table, share


def _check_genotypes(table: Table, path: Path, where: str) -> None:
    kb = load_knowledge()
    for text in table.p:
        if text == "none":
            continue
        try:
            parse_genotype(text, kb)
        except RairlabError as exc:
            raise DataFileError(path, f"{where}: {exc}") from None


def load_cohort_data(
    directory: Path = DATA_DIR, *, parameters: ParametersLike = None
) -> CohortData:
    """Read and check the cohort data files (cached).

    `parameters` is the parameter set whose ``patient.*`` values replace the
    per-patient distributions' parameters: ``"fitted"`` (the calibrated set),
    ``"prior"`` (the files as written) or a mapping (:mod:`rairlab._parameters`).
    Default: fitted for the shipped files, prior for another directory.

    Examples
    --------
    >>> d = load_cohort_data()
    >>> sorted(d.settings) == ["all_comer", "distant_metastatic", "rai_refractory"]
    True
    >>> d = load_cohort_data(parameters={"patient.alpha_per_gy.median": 0.3})
    >>> d.patient["alpha_per_gy"].params["median"]
    0.3
    """
    if parameters is None:
        parameters = "fitted" if directory == DATA_DIR else "prior"
    return _with_values(directory, parameter_set(parameters))


@functools.lru_cache(maxsize=16)
def _with_values(directory: Path, parameters: ParameterSet) -> CohortData:
    data = _load(directory)
    values = parameters.domain("patient")
    if not values:
        return data
    check_records(values, data.patient, "patient")
    patient = {}
    for k, d in data.patient.items():
        params = replace_distribution(d.family, d.params, k, values, "patient")
        fitted = params != dict(d.params)
        patient[k] = replace(d, params=params, provenance="fitted") if fitted else d
    return replace(data, patient=patient)


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> CohortData:
    path = directory / "cohort.yaml"
    doc = read_yaml(path)
    if not isinstance(doc, Mapping):
        raise DataFileError(path, "expected a mapping")
    hist = tuple(doc.get("histologies") or ())
    drivers = {h: Table.read(doc["drivers"].get(h), path, f"drivers.{h}") for h in hist}
    for h, t in drivers.items():
        _check_genotypes(t, path, f"drivers.{h}")
    tert, share = {}, {}
    for h in hist:
        tert[h], share[h] = _tert(doc["tert"].get(h), path, f"tert.{h}")
    settings = {}
    for name, rec in (doc.get("settings") or {}).items():
        where = f"settings.{name}"
        sd = sh = None
        if rec.get("drivers") is not None:
            sd = Table.read(rec["drivers"], path, f"{where}.drivers")
            _check_genotypes(sd, path, f"{where}.drivers")
        if rec.get("tert") is not None:
            st, sh = _tert(rec["tert"], path, f"{where}.tert")
        else:
            st = None
        h_table = Table.read(rec.get("histology"), path, f"{where}.histology")
        if set(h_table.p) - set(hist):
            raise DataFileError(path, f"{where}.histology: categories must be among {hist}")
        sites = Table.read(rec.get("lesion_sites"), path, f"{where}.lesion_sites")
        if set(sites.p) - set(LESION_SITES):
            raise DataFileError(path, f"{where}.lesion_sites: sites must be among {LESION_SITES}")
        count = Distribution.read(f"{where}.lesion_count", rec.get("lesion_count"), path)
        values = count.params.get("values") if count.family == "categorical" else None
        if values is None or min(values) < 1 or any(int(v) != v for v in values):
            raise DataFileError(path, f"{where}.lesion_count: a categorical of whole numbers >= 1")
        settings[str(name)] = Setting(
            str(name), str(rec.get("description", "")), h_table, count, sites, sd, st, sh
        )
    masses = {
        s: Distribution.read(f"lesion_mass_g.{s}", doc["lesion_mass_g"].get(s), path)
        for s in LESION_SITES
    }
    patient = {
        k: Distribution.read(f"patient.{k}", doc["patient"].get(k), path)
        for k in PATIENT_PARAMETERS
    }
    rpath = directory / "regimens.yaml"
    rdoc = read_yaml(rpath) or {}
    regimens = {}
    for i, rec in enumerate(rdoc.get("regimens") or []):
        where = f"regimens[{i}]"
        _provenance(rec, rpath, where)
        try:
            reg = Regimen(
                str(rec["drug"]),
                float(rec["dose_mg"]),
                int(rec["per_day"]),
                str(rec.get("citation", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise DataFileError(
                rpath, f"{where}: needs drug, dose_mg > 0 and per_day >= 1"
            ) from None
        if reg.dose_mg <= 0 or reg.per_day < 1:
            raise DataFileError(rpath, f"{where}: needs dose_mg > 0 and per_day >= 1")
        regimens[reg.drug] = reg
    return CohortData(settings, drivers, tert, share, masses, patient, regimens)
