"""The behavioural specification: cited qualitative statements the default model must reproduce.

Rows live in ``data/behaviour*.yaml`` (``behaviour.yaml``: the first set;
``behaviour_review.yaml``: a wider, independent pass over the whole review);
:func:`check_behaviour` simulates each row's baseline and perturbed conditions at
steady state and says whether the output moved in the stated direction, or, for
graded rows (``expect: ratio``), whether perturbed / baseline lies in the row's
``band``. A row may name the model ``variant`` it belongs to (default: the default
model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rairlab._cited import line_of, read_yaml
from rairlab.errors import DataFileError
from rairlab.network._compile import compile_model
from rairlab.network._compiled import CompiledModel
from rairlab.network._data import DATA_DIR
from rairlab.network._perturb import conditions
from rairlab.network.solvers import SteadyState, steady_state

__all__ = ["THRESHOLD", "Behaviour", "BehaviourResult", "check_behaviour", "load_behaviour"]

THRESHOLD = {"up": 1e-3, "down": 1e-3, "same": 1e-6, "ratio": 0.0}
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
    band: tuple[float, float] | None = None
    variant: str | None = None
    file: str = "behaviour.yaml"


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
        if e == "ratio":
            lo, hi = self.behaviour.band or (0.0, 0.0)
            if not self.baseline_value > 0:  # a ratio to nothing proves nothing
                return False
            r = self.perturbed_value / self.baseline_value
            return bool(lo <= r <= hi and self.converged)
        ok = (
            d > THRESHOLD[e]
            if e == "up"
            else d < -THRESHOLD[e]
            if e == "down"
            else abs(d) <= THRESHOLD[e]
        )
        return bool(ok and self.converged)


def load_behaviour(path: str | Path | None = None) -> tuple[Behaviour, ...]:
    """Read the behavioural specification (default: every shipped ``behaviour*.yaml``).

    Raises
    ------
    DataFileError
        A row with a missing field, an unknown expectation or an unknown condition key.

    Examples
    --------
    >>> len(load_behaviour()) >= 100
    True
    """
    if path is None:
        return tuple(b for p in sorted(DATA_DIR.glob("behaviour*.yaml")) for b in _read(p))
    return _read(Path(path))


def _read(p: Path) -> tuple[Behaviour, ...]:
    rows = []
    for rec in read_yaml(p):
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
                band=tuple(float(v) for v in rec["band"]) if "band" in rec else None,  # type: ignore[arg-type]
                variant=rec.get("variant"),
                file=p.name,
            )
        except (KeyError, TypeError) as exc:
            raise DataFileError(p, f"behaviour row lacks or mistypes {exc}", line_of(rec)) from exc
        if b.expect not in THRESHOLD:
            raise DataFileError(p, f"expect {b.expect!r} must be up, down, same or ratio", b.line)
        if (b.expect == "ratio") != (b.band is not None) or (
            b.band is not None and (len(b.band) != 2 or not 0 <= b.band[0] <= b.band[1])
        ):
            raise DataFileError(p, "expect: ratio goes with band: [lo, hi], 0 <= lo <= hi", b.line)
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
    default = model or compile_model()
    rows = rows if rows is not None else load_behaviour()
    cache: dict[str, SteadyState] = {}
    models: dict[str, CompiledModel] = {}

    def run(spec: Mapping[str, Any], variant: str | None) -> SteadyState:
        if variant is not None and variant not in models:
            models[variant] = compile_model(variant)
        model = default if variant is None else models[variant]
        key = repr((variant, sorted((k, repr(v)) for k, v in spec.items())))
        if key not in cache:
            kw = {k: v for k, v in spec.items()}
            for name in ("knockout", "overexpress"):
                kw[name] = tuple(kw.get(name, ()))
            ss = steady_state(model, conditions(model, 1, **kw))
            cache[key] = ss
        return cache[key]

    out = []
    for b in rows:
        base, pert = run(b.baseline, b.variant), run(b.perturbed, b.variant)
        out.append(
            BehaviourResult(
                b,
                float(base[b.output][0]),
                float(pert[b.output][0]),
                bool(base.converged[0] and pert.converged[0]),
            )
        )
    return out
