"""Simulate every calibration target for one parameter set: (k, n) per target.

One concept: each calibration spec named by a target runs once (every arm, its own
seed, so every parameter set sees the same virtual patients: common random numbers)
in this process, and each target's SQL subgroup and endpoint are counted on the
in-memory patient table with DuckDB, exactly as ``targets.yaml`` defines them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import duckdb
import pyarrow as pa

from rairlab.calibration._problem import Problem
from rairlab.calibration._targets import DATA_DIR, Target
from rairlab.cohort import BLOCK, TrialSpec, load_trial_spec, parse_trial_spec
from rairlab.cohort._pipeline import simulate_chunk
from rairlab.errors import InvalidValueError

__all__ = ["simulate_targets"]


@functools.lru_cache(maxsize=32)
def _spec(name: str) -> TrialSpec:
    return load_trial_spec(DATA_DIR / "trials" / name)


def _run_spec(spec: TrialSpec, n: int, values: Mapping[str, float], variant: str | None) -> Any:
    doc = spec.model_dump(mode="json")
    doc["population"]["n"] = n
    doc["simulation"]["parameters"] = {"base": "prior", "values": dict(values)}
    doc["simulation"]["variant"] = variant
    run = parse_trial_spec(doc)
    blocks = range(math.ceil(n / BLOCK))
    parts = []
    for arm in range(len(run.arms)):
        try:
            cols = simulate_chunk(run, arm, blocks)["patients"]
        except InvalidValueError:  # a refractory population the parameters cannot produce
            return None
        parts.append(pa.table(cols))
    return pa.concat_tables(parts)


def simulate_targets(
    problem: Problem, values: Mapping[str, float], variant: str | None = None
) -> dict[str, tuple[int, int]]:
    """Simulated (k, n) of every target under parameter values `values` over the prior set.

    A spec whose refractory population cannot be enrolled gives (0, 0) for its targets.

    Examples
    --------
    >>> from rairlab.calibration import load_problem
    >>> p = load_problem()
    >>> out = simulate_targets(p, p.prior())  # doctest: +SKIP
    """
    by_spec: dict[str, list[Target]] = {}
    for t in problem.targets:
        by_spec.setdefault(t.spec, []).append(t)
    out: dict[str, tuple[int, int]] = {}
    con = duckdb.connect()
    for name, targets in by_spec.items():
        patients = _run_spec(_spec(name), problem.n_simulated(name), values, variant)
        for t in targets:
            if patients is None:
                out[t.id] = (0, 0)
                continue
            where = f" AND ({t.where})" if t.where else ""
            k, n = con.execute(
                f"SELECT coalesce(sum({t.endpoint}::INT), 0), count(*) "
                f"FROM patients WHERE arm = ?{where}",
                [t.arm],
            ).fetchone()  # type: ignore[misc]
            out[t.id] = (int(k), int(n))
    con.close()
    return out


def proportions(simulated: Mapping[str, tuple[int, int]]) -> dict[str, float]:
    """Simulated proportion per target (NaN for an empty subgroup)."""
    return {k: (a / b if b else float("nan")) for k, (a, b) in simulated.items()}
