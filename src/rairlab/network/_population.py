"""Between-patient variability: the population parameter spec, reproducible draws, and
per-patient conditions built from them.

One concept: a population spec (``data/population.yaml``) gives each per-patient
parameter of :func:`rairlab.network.conditions` a distribution with its provenance;
:func:`sample_parameters` draws them reproducibly from one seed, and
:func:`population_conditions` turns a draw plus a genotype, drugs and TSH state into
:class:`~rairlab.network.Conditions` (and the clonal fractions that
:func:`mix_clones` applies to the outputs).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import PROVENANCES, line_of, read_yaml
from rairlab._distributions import FAMILIES, check_distribution, draw, median
from rairlab._parameters import (
    ParameterSet,
    ParametersLike,
    check_records,
    parameter_set,
    replace_distribution,
)
from rairlab.errors import DataFileError, InvalidValueError, UnknownNameError
from rairlab.network._compiled import CompiledModel, Conditions, KineticParameters
from rairlab.network._data import DATA_DIR, load_network_data
from rairlab.network._perturb import conditions
from rairlab.network._rules import variables
from rairlab.network._specs import NetworkData

__all__ = [
    "FAMILIES",
    "ParameterSpec",
    "PopulationSample",
    "PopulationSpec",
    "load_population_spec",
    "median_sample",
    "population_conditions",
    "sample_parameters",
]

Array = NDArray[np.float64]
TARGETS = (
    "env",
    "env_scale",
    "strength",
    "memory",
    "clonal",
    "exposure",
    "potency",
    "k_scale",
    "n_scale",
    "max_effect",
    "tau_scale",
)
EDGE_TARGETS = ("k_scale", "n_scale", "max_effect")


@dataclass(frozen=True)
class ParameterSpec:
    """One varied parameter: what it sets (`target`, `key`) and its distribution."""

    name: str
    target: str
    key: str
    family: str
    params: Mapping[str, Any]
    provenance: str
    line: int | None = None

    def draw(self, rng: np.random.Generator, n: int) -> Array:
        """`n` independent values."""
        return draw(self.family, self.params, rng, n)


@dataclass(frozen=True)
class PopulationSpec:
    """The varied parameters, in file order (the order fixes the random streams)."""

    parameters: tuple[ParameterSpec, ...]
    path: Path | None = None

    def names(self) -> list[str]:
        """Parameter names in order."""
        return [p.name for p in self.parameters]


@dataclass(frozen=True)
class PopulationSample:
    """Per-patient values of every parameter of a spec: ``values[name].shape == (n,)``."""

    spec: PopulationSpec
    values: Mapping[str, Array]
    seed: Any  # the SeedSequence entropy the draw came from

    @property
    def n(self) -> int:
        """Number of patients."""
        return len(next(iter(self.values.values()))) if self.values else 0

    def __getitem__(self, name: str) -> Array:
        return self.values[name]

    def take(self, rows: ArrayLike) -> PopulationSample:
        """The patients at `rows` (indices or a boolean mask), in that order.

        Examples
        --------
        >>> s = sample_parameters(None, 4, seed=0)
        >>> bool(np.all(s.take([2, 0])["tgfb"] == s["tgfb"][[2, 0]]))
        True
        """
        idx = np.asarray(rows)
        return PopulationSample(self.spec, {k: v[idx] for k, v in self.values.items()}, self.seed)


def _check_params(rec: Mapping[str, Any], path: Path, line: int | None) -> tuple[str, dict]:
    try:
        return check_distribution(rec.get("distribution"))
    except ValueError as exc:
        raise DataFileError(path, str(exc), line) from None


def load_population_spec(
    path: str | Path | None = None,
    data: NetworkData | None = None,
    *,
    parameters: ParametersLike = None,
) -> PopulationSpec:
    """Read and check a population spec (default: the shipped ``population.yaml``).

    Parameters
    ----------
    path, data
        The spec file and the network data it refers to (default: the shipped ones).
    parameters
        The parameter set whose ``population.*`` values replace the file's
        distribution parameters: ``"fitted"`` (the calibrated set), ``"prior"`` (the
        file as written) or a mapping (:mod:`rairlab._parameters`). Default: fitted for
        the shipped spec, prior for another file (the fitted values belong to the
        shipped one). A replaced record's provenance becomes ``fitted``.

    Raises
    ------
    DataFileError
        A bad record, naming the file and line.
    UnknownNameError, InvalidValueError
        A parameter value naming no record or field, or outside its family's domain.

    Examples
    --------
    >>> spec = load_population_spec()
    >>> "epigenetic_memory" in spec.names()
    True
    >>> s = load_population_spec(parameters={"population.tgfb.sigma": 0.5}, )
    >>> next(p.params["sigma"] for p in s.parameters if p.name == "tgfb")
    0.5
    """
    spec_path = Path(path) if path is not None else DATA_DIR / "population.yaml"
    data_dir = data.directory if data is not None else DATA_DIR
    if parameters is None:
        parameters = "fitted" if path is None else "prior"
    return _with_values(spec_path, data_dir, parameter_set(parameters))


@functools.lru_cache(maxsize=16)
def _with_values(path: Path, data_dir: Path, parameters: ParameterSet) -> PopulationSpec:
    spec = _load_spec(path, data_dir)
    values = parameters.domain("population")
    if not values:
        return spec
    check_records(values, spec.names(), "population")
    out = []
    for p in spec.parameters:
        params = replace_distribution(p.family, p.params, p.name, values, "population")
        if params != dict(p.params):
            p = replace(p, params=params, provenance="fitted")
        out.append(p)
    return PopulationSpec(tuple(out), spec.path)


@functools.lru_cache(maxsize=8)
def _load_spec(path: Path, data_dir: Path) -> PopulationSpec:
    data = load_network_data(data_dir)
    doc = read_yaml(path)
    records = doc.get("parameters") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise DataFileError(path, "expected a top-level 'parameters' list", None)
    out: list[ParameterSpec] = []
    for rec in records:
        line = line_of(rec)
        target = rec.get("target") if isinstance(rec, dict) else None
        if not isinstance(target, dict) or len(target) != 1 or next(iter(target)) not in TARGETS:
            raise DataFileError(path, f"target must be one of {{{', '.join(TARGETS)}: ...}}", line)
        ((kind, key),) = target.items()
        edges = {
            f"{leaf} -> {n.id}"
            for n in data.nodes
            if n.rule is not None
            for leaf in variables(n.rule)
        }
        known = {
            "env": data.environment,
            "env_scale": data.environment,
            "strength": data.alterations,
            "memory": data.alterations,
            "clonal": data.alterations,
            "k_scale": {*edges, "*"},
            "n_scale": {*edges, "*"},
            "max_effect": edges,
            "tau_scale": {*data.node_ids, "*"},
        }.get(kind, {"*": None})
        if str(key) not in known:
            raise DataFileError(path, f"{kind} target {key!r} is unknown", line)
        if rec.get("provenance") not in PROVENANCES:
            raise DataFileError(path, f"provenance must be one of {', '.join(PROVENANCES)}", line)
        if rec["provenance"] == "literature" and not rec.get("citation"):
            raise DataFileError(path, "a literature record needs a citation", line)
        family, params = _check_params(rec, path, line)
        name = str(rec.get("name", ""))
        if not name or name in {p.name for p in out}:
            raise DataFileError(path, f"missing or duplicate name {name!r}", line)
        out.append(ParameterSpec(name, kind, str(key), family, params, rec["provenance"], line))
    return PopulationSpec(tuple(out), path)


def sample_parameters(
    spec: PopulationSpec | None, n: int, seed: int | np.random.SeedSequence
) -> PopulationSample:
    """Draw `n` patients' parameters; the same (spec, n, seed) gives the same values.

    Each parameter has its own child stream of one :class:`numpy.random.SeedSequence`,
    so adding a parameter at the end of the spec leaves the earlier draws unchanged.

    Examples
    --------
    >>> s = sample_parameters(None, 3, seed=1)
    >>> s.n, bool(np.all(s["adhesion"] <= 1))
    (3, True)
    >>> bool(np.all(sample_parameters(None, 3, 1)["tgfb"] == s["tgfb"]))
    True
    """
    spec = spec or load_population_spec()
    if int(n) != n or n < 1:
        raise InvalidValueError("n", n, "an integer >= 1")
    if isinstance(seed, np.random.SeedSequence):
        # a copy: spawning from the caller's sequence would advance it
        ss = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key)
    elif isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0:
        ss = np.random.SeedSequence(int(seed))
    else:
        raise InvalidValueError("seed", seed, "an integer >= 0 or a numpy SeedSequence")
    children = ss.spawn(len(spec.parameters))
    values = {
        p.name: p.draw(np.random.default_rng(c), int(n))
        for p, c in zip(spec.parameters, children, strict=True)
    }
    return PopulationSample(spec, values, ss.entropy)


def median_sample(spec: PopulationSpec | None = None, n: int = 1) -> PopulationSample:
    """`n` copies of the typical patient: every parameter at its distribution's median.

    Examples
    --------
    >>> s = median_sample(load_population_spec(parameters="prior"), 2)
    >>> s.n, float(s["tgfb"][0])
    (2, 0.1)
    """
    spec = spec or load_population_spec()
    if int(n) != n or n < 1:
        raise InvalidValueError("n", n, "an integer >= 1")
    values = {p.name: np.full(int(n), median(p.family, p.params)) for p in spec.parameters}
    return PopulationSample(spec, values, None)


def population_conditions(
    model: CompiledModel,
    sample: PopulationSample,
    *,
    genotype: str | Sequence[str] | None = None,
    drugs: Mapping[str, ArrayLike] | None = None,
    tsh: str | float | None = "withdrawal",
    env: Mapping[str, Any] | None = None,
    data: NetworkData | None = None,
) -> tuple[Conditions, dict[str, Array]]:
    """Conditions for the sampled patients, and their clonal fractions by alteration id.

    The caller's `env` and `tsh` set the arm's context; sampled ``env`` targets give
    each patient its own level where the caller set none, ``env_scale`` targets
    multiply the level (clipped to [0, 1]).

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> m = compile_model()
    >>> c, clonal = population_conditions(m, sample_parameters(None, 4, 0), genotype="BRAF V600E")
    >>> c.n_patients, sorted(clonal)
    (4, ['ALT-003'])
    """
    data = data or load_network_data()
    n = sample.n
    env_out: dict[str, Any] = dict(env or {})
    if tsh is not None:
        env_out["tsh"] = tsh
    caller_set = set(env_out)
    strength: dict[str, Array] = {}
    memory: dict[str, Array] = {}
    clonal: dict[str, Array] = {}
    exposure_scale = np.ones(n)
    potency: dict[str, Array] = {}
    drug_items = dict(drugs or {})
    for p in sample.spec.parameters:
        v = sample[p.name]
        if p.target == "env" and p.key not in caller_set:
            env_out[p.key] = np.clip(v, 0.0, 1.0)
        elif p.target == "env_scale":
            spec = data.environment[p.key]
            base = env_out.get(p.key, spec.default)
            level = spec.levels.get(base) if isinstance(base, str) else base
            if level is None:
                raise UnknownNameError(f"--env {p.key}", str(base), spec.levels)
            env_out[p.key] = np.clip(np.asarray(level, dtype=float) * v, 0.0, 1.0)
        elif p.target in ("strength", "memory"):
            (strength if p.target == "strength" else memory)[p.key] = np.clip(v, 0.0, 1.0)
        elif p.target == "clonal":
            clonal[p.key] = np.clip(v, 0.0, 1.0)
        elif p.target == "exposure":
            exposure_scale = exposure_scale * v
        elif p.target == "potency":
            potency = {name: v for name in drug_items}
    kinetics, skipped = _kinetics(model, sample)
    doses = {k: np.asarray(e, dtype=float) * exposure_scale for k, e in drug_items.items()}
    cond = conditions(
        model,
        n,
        genotype=genotype,
        drugs=doses,
        env=env_out,
        strength=strength,
        memory=memory,
        potency=potency,
        data=data,
    )
    if kinetics is not None:
        labels = cond.labels
        if skipped:
            labels = (*labels, {"kind": "population", "not_in_variant": skipped})
        cond = replace(cond, kinetics=kinetics, labels=labels)
    return cond, clonal


def _edge_columns(model: CompiledModel, key: str) -> NDArray[np.intp] | slice:
    """The edge's column (empty when a model variant's rules lack it)."""
    if key == "*":
        return slice(None)
    src, tgt = (part.strip() for part in key.split("->"))
    ids = np.asarray(model.node_ids)
    return np.flatnonzero((ids[model.edge_src] == src) & (ids[model.edge_tgt] == tgt))


def _kinetics(
    model: CompiledModel, sample: PopulationSample
) -> tuple[KineticParameters | None, list[str]]:
    """Per-patient kinetic arrays, (n, E) / (n, N), from the kinetic targets of `sample`.

    A ``*`` key applies one per-patient multiplier to every edge (or node): the patient's
    overall signalling gain; named edges and nodes get their own draws. Memory grows as
    n_patients x n_edges. Spec edges that the model variant's rules lack are skipped and
    returned by name.
    """
    specs = [p for p in sample.spec.parameters if p.target in (*EDGE_TARGETS, "tau_scale")]
    if not specs:
        return None, []
    skipped: list[str] = []
    n = sample.n
    k = np.tile(model.edge_k, (n, 1))
    hill_n = np.tile(model.edge_n, (n, 1))
    m = np.tile(model.edge_max, (n, 1))
    tau = np.tile(model.tau, (n, 1))
    for p in specs:
        v = sample[p.name][:, None]
        if p.target == "tau_scale":
            cols = slice(None) if p.key == "*" else [model.index(p.key)]
            tau[:, cols] *= v
            continue
        ecols = _edge_columns(model, p.key)
        if isinstance(ecols, np.ndarray) and ecols.size == 0:
            skipped.append(p.key)
            continue
        if p.target == "k_scale":
            k[:, ecols] *= v
        elif p.target == "n_scale":
            hill_n[:, ecols] = np.maximum(1e-3, hill_n[:, ecols] * v)
        else:
            m[:, ecols] = np.clip(v, 1e-6, 1.0)
    return KineticParameters(edge_k=k, edge_n=hill_n, edge_max=m, tau=tau), skipped
