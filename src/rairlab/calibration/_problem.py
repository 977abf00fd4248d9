"""The calibration problem as data: fitted parameters, their scales and bounds, the objective.

One concept: ``calibration/data/problem.yaml`` names the numbers of the data files
that are fitted (parameter-set names, :mod:`rairlab._parameters`), the scale the
optimizer sees each on (``log`` or ``logit``) and its bounds, how printed
proportions are weighted, and how many patients each calibration spec simulates.
:class:`Problem` maps between natural values and the optimizer's unbounded
coordinates and computes the binomial log-likelihood of the targets.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rairlab._cited import line_at, read_yaml
from rairlab.calibration._targets import DATA_DIR, Target, load_targets
from rairlab.cohort import load_cohort_data
from rairlab.errors import DataFileError, RairlabError
from rairlab.network import load_population_spec
from rairlab.observation import data_tables

__all__ = ["FitSettings", "FittedParameter", "Problem", "load_problem", "prior_value"]

Array = NDArray[np.float64]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FittedParameter(_Strict):
    """One fitted number: its parameter-set name, optimizer scale, bounds and purpose."""

    name: str
    scale: Literal["log", "logit"]
    bounds: tuple[float, float]
    why: str

    @model_validator(mode="after")
    def _bounds(self) -> FittedParameter:
        lo, hi = self.bounds
        ok = 0 < lo < hi and (self.scale == "log" or hi < 1)
        if not ok:
            raise ValueError(f"bounds {list(self.bounds)} do not fit a {self.scale} scale")
        return self

    def to_unbounded(self, value: float) -> float:
        """The optimizer coordinate of a natural `value` (clipped into the bounds)."""
        v = float(np.clip(value, *self.bounds))
        return float(np.log(v) if self.scale == "log" else np.log(v / (1.0 - v)))

    def to_natural(self, x: float) -> float:
        """The natural value of optimizer coordinate `x`, clipped into the bounds."""
        v = np.exp(x) if self.scale == "log" else 1.0 / (1.0 + np.exp(-x))
        return float(np.clip(v, *self.bounds))


class Objective(_Strict):
    printed_n: int = Field(10, ge=1)
    printed_n_note: str = ""


class SimulationSizes(_Strict):
    default_n: int = Field(256, ge=16)
    n: dict[str, int] = {}


class FitSettings(_Strict):
    """CMA-ES settings: seed, starts, population size, budget, initial step, variant refit."""

    seed: int = Field(ge=0)
    starts: int = Field(ge=1)
    popsize: int = Field(ge=4)
    max_evaluations: int = Field(ge=8)
    sigma0: float = Field(gt=0)
    variant_generations: int = Field(3, ge=1)


class _ProblemFile(_Strict):
    provenance: Literal["assumption"]
    targets: list[str] | None = None
    parameters: list[FittedParameter] = Field(min_length=1)
    objective: Objective
    simulation: SimulationSizes
    fit: FitSettings


def prior_value(name: str) -> float:
    """The data file's own value of parameter-set name `name` (the prior set).

    Examples
    --------
    >>> prior_value("population.braf_strength.median")
    0.8
    """
    domain, rest = name.split(".", 1)
    if domain == "scan":
        return float(data_tables()["scans"].value(rest))
    record, field = rest.split(".", 1)
    if domain == "patient":
        return float(load_cohort_data(parameters="prior").patient[record].params[field])
    spec = load_population_spec(parameters="prior")
    return float(next(p for p in spec.parameters if p.name == record).params[field])


@dataclass(frozen=True)
class Problem:
    """The fitted parameters, the targets and the objective's settings."""

    parameters: tuple[FittedParameter, ...]
    targets: tuple[Target, ...]
    printed_n: int
    default_n: int
    spec_n: Mapping[str, int]
    fit: FitSettings
    path: Path

    @property
    def names(self) -> list[str]:
        """Fitted parameter names, in order."""
        return [p.name for p in self.parameters]

    @property
    def dimension(self) -> int:
        """Number of fitted parameters."""
        return len(self.parameters)

    def prior(self) -> dict[str, float]:
        """The data files' own values of the fitted parameters."""
        return {p.name: prior_value(p.name) for p in self.parameters}

    def to_unbounded(self, values: Mapping[str, float]) -> Array:
        """Optimizer coordinates of natural `values`."""
        return np.array([p.to_unbounded(values[p.name]) for p in self.parameters])

    def to_natural(self, x: Sequence[float] | Array) -> dict[str, float]:
        """Natural values of optimizer coordinates `x`."""
        return {p.name: p.to_natural(float(v)) for p, v in zip(self.parameters, x, strict=True)}

    def n_simulated(self, spec: str) -> int:
        """Patients per arm simulated for calibration spec `spec`."""
        return int(self.spec_n.get(spec, self.default_n))

    def observed(self, target: Target) -> tuple[float, int]:
        """(k, n) of a target; a printed proportion counts as `printed_n` patients."""
        o = target.observed
        if o.n is None:
            return float(o.proportion) * self.printed_n, self.printed_n
        return float(o.k), int(o.n)  # type: ignore[arg-type]

    def log_likelihood(self, simulated: Mapping[str, tuple[int, int]]) -> dict[str, float]:
        """Binomial log-likelihood of each target given simulated (k, n) per target id.

        The simulated proportion is clipped to ``[1/(2N), 1 - 1/(2N)]``: a proportion of
        0 or 1 among N simulated patients stands for "below one in N". A subgroup with no
        simulated patient (or a population that could not be enrolled) counts as p =
        1/(2N) with N the spec's simulated patients per arm: the model almost never
        produces such patients.
        """
        return {t.id: self.log_likelihood_one(t, simulated[t.id]) for t in self.targets}

    def log_likelihood_one(self, target: Target, simulated: Sequence[int]) -> float:
        """Binomial log-likelihood of one target given its simulated (k, n)."""
        k_sim, n_sim = simulated
        if n_sim == 0:
            p = 0.5 / self.n_simulated(target.spec)
        else:
            eps = 0.5 / n_sim
            p = float(np.clip(k_sim / n_sim, eps, 1.0 - eps))
        k, n = self.observed(target)
        return _binomial_log_pmf(k, n, p)


def _binomial_log_pmf(k: float, n: int, p: float) -> float:
    """log C(n, k) p^k (1-p)^(n-k), for real k (a printed proportion times its weight)."""
    from scipy.special import gammaln

    return float(
        gammaln(n + 1)
        - gammaln(k + 1)
        - gammaln(n - k + 1)
        + k * np.log(p)
        + (n - k) * np.log1p(-p)
    )


@functools.lru_cache(maxsize=2)
def load_problem(path: Path = DATA_DIR / "problem.yaml") -> Problem:
    """Read and check the calibration problem (every parameter name must exist).

    Raises
    ------
    DataFileError
        A malformed record or a parameter name no data file has.

    Examples
    --------
    >>> p = load_problem()
    >>> p.dimension >= 5, p.names[0].split(".")[0] in ("population", "patient", "scan")
    (True, True)
    """
    raw = read_yaml(path)
    try:
        doc = _ProblemFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(map(str, err["loc"]))
        raise DataFileError(path, f"{where}: {err['msg']}", line_at(raw, err["loc"])) from None
    names = [p.name for p in doc.parameters]
    if len(set(names)) != len(names):
        raise DataFileError(path, "parameter names must be distinct")
    targets = load_targets().targets
    if doc.targets is not None:
        unknown_ids = sorted(set(doc.targets) - {t.id for t in targets})
        if unknown_ids or not doc.targets:
            raise DataFileError(path, f"targets: unknown or none: {unknown_ids}")
        targets = [t for t in targets if t.id in doc.targets]
    specs = {t.spec for t in targets}
    unknown = set(doc.simulation.n) - specs
    if unknown:
        raise DataFileError(path, f"simulation.n names no calibration spec: {sorted(unknown)}")
    for p in doc.parameters:
        try:
            prior_value(p.name)
        except (KeyError, StopIteration, ValueError, RairlabError):
            raise DataFileError(
                path, f"parameter {p.name!r} names no number of a data file"
            ) from None
    return Problem(
        tuple(doc.parameters),
        tuple(targets),
        doc.objective.printed_n,
        doc.simulation.default_n,
        dict(doc.simulation.n),
        doc.fit,
        path,
    )


def describe(problem: Problem) -> list[dict[str, Any]]:
    """One row per fitted parameter: name, scale, bounds, prior value, purpose."""
    prior = problem.prior()
    return [
        {
            "name": p.name,
            "scale": p.scale,
            "bounds": list(p.bounds),
            "prior": prior[p.name],
            "why": p.why,
        }
        for p in problem.parameters
    ]
