"""A calibration run directory: its manifest, the evaluation log and the optimizer states.

Everything :func:`rairlab.calibration.calibrate` needs to continue after a kill:
``manifest.json`` (the problem's fingerprint, so that a run of another problem is not
continued by mistake), ``evaluations.jsonl`` (every evaluation, appended and fsynced; a
torn last line from a kill is dropped) and ``state-*.pkl`` (pickled optimizer states).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from rairlab._io import atomic_open, write_json
from rairlab._version import __version__
from rairlab.calibration._problem import Problem
from rairlab.errors import InputFileError

if TYPE_CHECKING:
    from rairlab.calibration._fit import _Evaluator

__all__ = ["EvaluationLog", "Run", "problem_fingerprint"]

Array = NDArray[np.float64]


class EvaluationLog:
    """Append-only JSON-lines record of evaluations; a torn last line (a kill) is dropped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    self.rows.append(json.loads(line))
                except json.JSONDecodeError:
                    break
            with atomic_open(path) as fh:  # rewrite without a torn tail
                fh.writelines(json.dumps(r) + "\n" for r in self.rows)
        self._cache = {self._key(r["phase"], r["variant"], r["x"]): r for r in self.rows}

    @staticmethod
    def _key(phase: str, variant: str | None, x: Sequence[float]) -> str:
        return f"{phase}|{variant}|" + ",".join(f"{v:.12g}" for v in x)

    def get(self, phase: str, variant: str | None, x: Sequence[float]) -> dict[str, Any] | None:
        return self._cache.get(self._key(phase, variant, x))

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        for r in rows:
            self.rows.append(r)
            self._cache[self._key(r["phase"], r["variant"], r["x"])] = r


class Run:
    """One calibration run directory: manifest, evaluation log, optimizer states."""

    def __init__(self, out: Path, problem: Problem, workers: int, resume: bool) -> None:
        self.path = out
        self.problem = problem
        manifest = {
            "rairlab_version": __version__,
            "problem": problem.names,
            "problem_sha256": problem_fingerprint(problem),
            "seed": problem.fit.seed,
            "fit": problem.fit.model_dump(),
        }
        mpath = out / "manifest.json"
        if mpath.exists():
            old = json.loads(mpath.read_text(encoding="utf-8"))
            same = old.get("problem_sha256") == manifest["problem_sha256"]
            if not resume or not same:
                why = "holds a calibration" + ("" if same else " of another problem")
                raise InputFileError(
                    str(out), f"{why}; use --resume to continue it, or another --out"
                )
            manifest = old
        else:
            out.mkdir(parents=True, exist_ok=True)
            manifest["started"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            manifest["status"] = "running"
            write_json(mpath, manifest)
        self.manifest: dict[str, Any] = manifest
        self.log = EvaluationLog(out / "evaluations.jsonl")
        self.workers = workers

    def evaluate(
        self,
        ev: _Evaluator,
        phase: str,
        variant: str | None,
        X: Sequence[Array],
        extra: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        """Log-likelihood rows for points `X` (cached rows are reused)."""
        todo = [x for x in X if self.log.get(phase, variant, list(map(float, x))) is None]
        if todo:
            sims = ev.map([self.problem.to_natural(x) for x in todo], variant)
            rows = []
            for x, sim in zip(todo, sims, strict=True):
                ll = self.problem.log_likelihood(sim)
                rows.append(
                    {
                        "phase": phase,
                        "variant": variant,
                        "x": [float(v) for v in x],
                        "loglik": sum(ll.values()),
                        "target_loglik": ll,
                        "simulated": {k: list(v) for k, v in sim.items()},
                        **extra,
                    }
                )
            self.log.add(rows)
        return [self.log.get(phase, variant, list(map(float, x))) for x in X]  # type: ignore[misc]

    def state_path(self, name: str) -> Path:
        return self.path / f"state-{name}.pkl"


#: Free-text fields of targets and parameters: they say what a number is, not what is
#: computed, so rewording one neither invalidates a fitted set nor restarts a run.
_PROSE = frozenset({"statement", "note"})


def _numbers_only(value: Any) -> Any:
    """`value` (plain JSON) without its prose fields, at any depth."""
    if isinstance(value, dict):
        return {k: _numbers_only(v) for k, v in value.items() if k not in _PROSE}
    if isinstance(value, list):
        return [_numbers_only(v) for v in value]
    return value


def problem_fingerprint(problem: Problem) -> str:
    """SHA-256 of what the problem computes (parameters, objective, sizes, fit, targets).

    Prose fields (``statement``, ``note``) are left out: the fingerprint changes when
    a number, a bound, a spec or an endpoint does, not when a sentence is reworded.
    """
    import hashlib

    doc = {
        "parameters": [p.model_dump(mode="json") for p in problem.parameters],
        "printed_n": problem.printed_n,
        "default_n": problem.default_n,
        "spec_n": dict(sorted(problem.spec_n.items())),
        "fit": problem.fit.model_dump(mode="json"),
        "targets": [t.model_dump(mode="json") for t in problem.targets],
    }
    return hashlib.sha256(json.dumps(_numbers_only(doc), sort_keys=True).encode()).hexdigest()
