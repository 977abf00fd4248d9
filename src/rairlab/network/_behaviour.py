"""The behavioural specification: cited qualitative statements the default model must reproduce.

Rows live in ``data/behaviour.yaml``; :func:`check_behaviour` simulates each
row's baseline and perturbed conditions at steady state and says whether the
output moved in the stated direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rairlab.errors import DataFileError
from rairlab.network._compile import compile_model
from rairlab.network._compiled import CompiledModel
from rairlab.network._data import DATA_DIR
from rairlab.network._perturb import conditions
from rairlab.network._steady import SteadyState, steady_state
from rairlab.network._yamlines import line_of, load_yaml_lines

__all__ = ["THRESHOLD", "Behaviour", "BehaviourResult", "check_behaviour", "load_behaviour"]

THRESHOLD = {"up": 1e-3, "down": 1e-3, "same": 1e-6}
_KEYS = ("genotype", "drugs", "env", "tsh", "knockout", "overexpress")


@dataclass(frozen=True)
class Behaviour:
    """One statement: perturbed vs baseline moves `output` in direction `expect`."""

    id: str
    baseline: Mapping[str, Any]
    perturbed: Mapping[str, Any]
    output: str
    expect: str
    citation: str
    interactions: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class BehaviourResult:
    """A checked statement with the two simulated values."""

    behaviour: Behaviour
    baseline_value: float
    perturbed_value: float
    converged: bool

    @property
    def passed(self) -> bool:
        """Whether the model reproduces the statement (and both runs converged)."""
        d = self.perturbed_value - self.baseline_value
        e = self.behaviour.expect
        ok = (
            d > THRESHOLD[e]
            if e == "up"
            else d < -THRESHOLD[e]
            if e == "down"
            else abs(d) <= THRESHOLD[e]
        )
        return bool(ok and self.converged)


def load_behaviour(path: str | Path | None = None) -> tuple[Behaviour, ...]:
    """Read the behavioural specification.

    Raises
    ------
    DataFileError
        A row with a missing field, an unknown expectation or an unknown condition key.

    Examples
    --------
    >>> len(load_behaviour()) >= 40
    True
    """
    p = Path(path) if path is not None else DATA_DIR / "behaviour.yaml"
    rows = []
    for rec in load_yaml_lines(p):
        try:
            b = Behaviour(
                id=str(rec["id"]),
                baseline=dict(rec["baseline"]),
                perturbed=dict(rec["perturbed"]),
                output=str(rec["output"]),
                expect=str(rec["expect"]),
                citation=str(rec["citation"]),
                interactions=tuple(rec.get("interactions", ())),
                line=line_of(rec),
            )
        except (KeyError, TypeError) as exc:
            raise DataFileError(p, f"behaviour row lacks or mistypes {exc}", line_of(rec)) from exc
        if b.expect not in THRESHOLD:
            raise DataFileError(p, f"expect {b.expect!r} must be up, down or same", b.line)
        for side in (b.baseline, b.perturbed):
            unknown = set(side) - set(_KEYS)
            if unknown:
                raise DataFileError(p, f"unknown condition key(s) {sorted(unknown)}", b.line)
        rows.append(b)
    return tuple(rows)


def check_behaviour(
    model: CompiledModel | None = None, rows: tuple[Behaviour, ...] | None = None
) -> list[BehaviourResult]:
    """Simulate every row at steady state and compare with its expectation.

    Examples
    --------
    >>> results = check_behaviour()
    >>> sum(r.passed for r in results) == len(results)
    True
    """
    model = model or compile_model()
    rows = rows if rows is not None else load_behaviour()
    cache: dict[str, SteadyState] = {}

    def run(spec: Mapping[str, Any]) -> SteadyState:
        key = repr(sorted((k, repr(v)) for k, v in spec.items()))
        if key not in cache:
            kw = {k: v for k, v in spec.items()}
            for name in ("knockout", "overexpress"):
                kw[name] = tuple(kw.get(name, ()))
            ss = steady_state(model, conditions(model, 1, **kw))
            cache[key] = ss
        return cache[key]

    out = []
    for b in rows:
        base, pert = run(b.baseline), run(b.perturbed)
        out.append(
            BehaviourResult(
                b,
                float(base[b.output][0]),
                float(pert[b.output][0]),
                bool(base.converged[0] and pert.converged[0]),
            )
        )
    return out
