"""Fit the calibration problem: multi-start CMA-ES, a confidence set, variant scores.

Steps, each checkpointed in the run directory so that ``calibrate(resume=True)``
continues after a kill (every evaluation is deterministic: common random numbers):

1. **Fit.** ``fit.starts`` CMA-ES runs (Hansen 2016, the ``cma`` package) on the
   optimizer coordinates of :class:`~rairlab.calibration.Problem` (log or logit of each
   parameter, bounded), minimizing the negative binomial log-likelihood of the targets.
   Start 0 begins at the prior (the data files' values); later starts at a point drawn
   uniformly inside the bounds. Every evaluation is appended to ``evaluations.jsonl``; the
   optimizer state is pickled after each generation.
2. **Exploration.** The curvature at the best point (two evaluations per parameter)
   and multivariate-t draws around it map the likelihood's high region; with the
   optimizer's evaluations they give the likelihood-ratio confidence set from which
   :mod:`rairlab.calibration._result` takes parameter intervals and prediction intervals.
3. **Variants.** Every non-default network variant option is evaluated at the best
   point; one that changes the likelihood is refitted by a short CMA-ES from there.
   Scores: AIC and BIC (Burnham & Anderson 2002), with the number of targets as BIC's n.
"""

from __future__ import annotations

import math
import os
import pickle
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab._io import write_bytes, write_json
from rairlab.calibration._problem import Problem, load_problem
from rairlab.calibration._result import calibration_result, write_fitted
from rairlab.calibration._rundir import Run
from rairlab.calibration._simulate import simulate_targets
from rairlab.cohort._engines import single_threaded
from rairlab.network import load_network_data

__all__ = ["MIN_PROPOSAL_SD", "calibrate", "evaluate_many"]

Array = NDArray[np.float64]
#: Smallest proposal standard deviation per optimizer coordinate (log/logit units).
MIN_PROPOSAL_SD = 0.05
_PHASES = ("fit", "explore", "variants")


def _evaluate(
    values: dict[str, float], variant: str | None, problem_path: str
) -> dict[str, tuple[int, int]]:
    return simulate_targets(load_problem(Path(problem_path)), values, variant)


class _Evaluator:
    """Evaluates parameter sets in worker processes (or here, with one worker)."""

    def __init__(self, workers: int, problem: Problem) -> None:
        self.workers = workers
        self.problem_path = str(problem.path)
        self._pool: Executor | None = None

    def __enter__(self) -> _Evaluator:
        if self.workers > 1:
            import multiprocessing

            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=single_threaded,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def map(
        self, values: Sequence[dict[str, float]], variant: str | None
    ) -> list[dict[str, tuple[int, int]]]:
        if self._pool is None:
            return [_evaluate(v, variant, self.problem_path) for v in values]
        n = len(values)
        return list(self._pool.map(_evaluate, values, [variant] * n, [self.problem_path] * n))


def evaluate_many(
    values: Sequence[dict[str, float]],
    variant: str | None = None,
    workers: int = 1,
    problem: Problem | None = None,
) -> list[dict[str, tuple[int, int]]]:
    """Simulated (k, n) per target for each parameter set (in `workers` processes)."""
    with _Evaluator(workers, problem or load_problem()) as ev:
        return ev.map(values, variant)


def _cma(x0: Array, sigma0: float, seed: int, popsize: int, problem: Problem) -> Any:
    import cma

    lo = [p.to_unbounded(p.bounds[0]) for p in problem.parameters]
    hi = [p.to_unbounded(p.bounds[1]) for p in problem.parameters]
    return cma.CMAEvolutionStrategy(
        list(x0),
        sigma0,
        {"seed": seed, "popsize": popsize, "bounds": [lo, hi], "verbose": -9},
    )


def _optimize(
    run: Run,
    ev: _Evaluator,
    name: str,
    x0: Array,
    sigma0: float,
    seed: int,
    budget: int,
    variant: str | None,
    tick: Callable[[int], None],
) -> Any:
    """CMA-ES from `x0` for at most `budget` evaluations, resumable from its pickled state."""
    path = run.state_path(name)
    problem = run.problem
    if path.exists():
        es = pickle.loads(path.read_bytes())
    else:
        es = _cma(x0, sigma0, seed, problem.fit.popsize, problem)
    tick(es.countevals)
    while not es.stop() and es.countevals + es.popsize <= budget:
        X = [np.asarray(x, dtype=float) for x in es.ask()]
        rows = run.evaluate(ev, name, variant, X, {"generation": int(es.countiter)})
        es.tell(X, [-r["loglik"] for r in rows])
        write_bytes(path, pickle.dumps(es))
        tick(len(X))
    return es


def _starts(problem: Problem) -> list[Array]:
    rng = np.random.default_rng(problem.fit.seed)
    lo = np.array([p.to_unbounded(p.bounds[0]) for p in problem.parameters])
    hi = np.array([p.to_unbounded(p.bounds[1]) for p in problem.parameters])
    x0 = problem.to_unbounded(problem.prior())
    # later starts: uniform inside the central half of each coordinate's range
    return [x0] + [
        lo + (hi - lo) * (0.25 + 0.5 * rng.random(problem.dimension))
        for _ in range(problem.fit.starts - 1)
    ]


def _best(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return max(rows, key=lambda r: r["loglik"])


#: Step (optimizer units) of the finite-difference curvature at the best point.
CURVATURE_STEP = 0.2
#: Degrees of freedom of the multivariate-t exploration draws (heavier tails than a normal).
PROPOSAL_DF = 5


def _bounds_unbounded(problem: Problem) -> tuple[Array, Array]:
    lo = np.array([p.to_unbounded(p.bounds[0]) for p in problem.parameters])
    hi = np.array([p.to_unbounded(p.bounds[1]) for p in problem.parameters])
    return lo, hi


def _curvature_sd(run: Run, ev: _Evaluator, best: Array, best_ll: float) -> Array:
    """Per-coordinate SD from the likelihood's second difference at the best point.

    A flat or non-concave direction gets a quarter of its bounds' range.
    """
    problem = run.problem
    lo, hi = _bounds_unbounded(problem)
    h = CURVATURE_STEP
    pts = []
    for j in range(problem.dimension):
        for sign in (1.0, -1.0):
            x = best.copy()
            x[j] = np.clip(x[j] + sign * h, lo[j], hi[j])
            pts.append(x)
    rows = run.evaluate(ev, "curvature", None, pts, {})
    ll = np.array([r["loglik"] for r in rows]).reshape(problem.dimension, 2)
    d2 = -(ll[:, 0] + ll[:, 1] - 2.0 * best_ll) / h**2
    wide = (hi - lo) / 4.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(d2 > 0, 1.0 / np.sqrt(d2), wide)
    return np.asarray(np.clip(sd, MIN_PROPOSAL_SD, wide))


def _explore(
    run: Run,
    ev: _Evaluator,
    best: Array,
    best_ll: float,
    draws: int,
    tick: Callable[[int], None],
) -> dict[str, Any]:
    """Evaluations around the best point that map the likelihood's high region.

    The curvature at the best point (2 evaluations per parameter) gives a diagonal
    scale; `draws` points are then drawn from a multivariate t around the best point
    with that scale (inside the bounds). Together with the optimizer's evaluations
    they are the candidates of the likelihood-ratio confidence set
    (:mod:`rairlab.calibration._result`).
    """
    from scipy.stats import multivariate_t

    problem = run.problem
    lo, hi = _bounds_unbounded(problem)
    sd = _curvature_sd(run, ev, best, best_ll)
    tick(2 * problem.dimension)
    rng = np.random.default_rng(problem.fit.seed + 1)
    dist = multivariate_t(best, np.diag(sd**2), df=PROPOSAL_DF)
    X = np.clip(np.atleast_2d(dist.rvs(size=draws, random_state=rng)), lo, hi)
    for i in range(0, len(X), 2 * run.workers):
        part = run.evaluate(ev, "explore", None, list(X[i : i + 2 * run.workers]), {})
        tick(len(part))
    return {"curvature_sd": sd.tolist(), "draws": len(X)}


def _variants(
    run: Run, ev: _Evaluator, best: Array, best_ll: float, tick: Callable[[int], None]
) -> list[dict[str, Any]]:
    problem = run.problem
    k = problem.dimension
    n_targets = len(problem.targets)
    out: list[dict[str, Any]] = [
        {
            "variant": "default",
            "loglik": best_ll,
            "refit": False,
            "aic": 2 * k - 2 * best_ll,
            "bic": k * math.log(n_targets) - 2 * best_ll,
        }
    ]
    for switch in load_network_data().switches:
        for option in switch.options:
            if option == switch.default:
                continue
            (row,) = run.evaluate(ev, "variant-start", option, [best], {})
            tick(1)
            ll, refit = row["loglik"], False
            if abs(ll - best_ll) > 1e-9:
                budget = problem.fit.variant_generations * problem.fit.popsize
                es = _optimize(
                    run,
                    ev,
                    f"variant-{option}",
                    best,
                    0.2,
                    problem.fit.seed,
                    budget,
                    option,
                    tick,
                )
                ll = max(ll, -float(es.result.fbest))
                refit = True
            out.append(
                {
                    "variant": option,
                    "switch": switch.name,
                    "loglik": ll,
                    "refit": refit,
                    "aic": 2 * k - 2 * ll,
                    "bic": k * math.log(n_targets) - 2 * ll,
                }
            )
    best_aic = min(v["aic"] for v in out)
    for v in out:
        v["delta_aic"] = v["aic"] - best_aic
        # Burnham & Anderson 2002: delta AIC <= 2 substantial support, > 10 essentially none
        v["verdict"] = (
            "supported"
            if v["delta_aic"] <= 2
            else "less support"
            if v["delta_aic"] <= 10
            else "rejected"
        )
    return out


def calibrate(
    out: str | Path,
    *,
    resume: bool = False,
    workers: int | None = None,
    max_evaluations: int | None = None,
    draws: int = 64,
    variants: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
    problem: Problem | None = None,
) -> dict[str, Any]:
    """Calibrate the model on the review's targets into run directory `out`.

    Parameters
    ----------
    out
        Run directory (created; with `resume`, one holding this problem's calibration).
    resume
        Continue a stopped run: finished evaluations and optimizer states are reused.
    workers
        Processes evaluating parameter sets (default: all cores).
    max_evaluations
        Evaluation budget per start (default: the problem's ``fit.max_evaluations``).
    draws
        Exploration draws around the best point (for the confidence set).
    variants
        Score the network model variants.
    progress
        Called with (phase, evaluations done, evaluations planned).
    problem
        The calibration problem (default: :func:`load_problem`).

    Returns
    -------
    dict
        The result written to ``calibration.json`` (see :func:`calibration_result`).
    """
    problem = problem or load_problem()
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    run = Run(Path(out), problem, workers, resume)
    budget = int(max_evaluations or problem.fit.max_evaluations)
    report = _Progress(_planned(problem, budget, draws, variants), progress)
    t0 = time.perf_counter()
    with _Evaluator(workers, problem) as ev:
        states = _fit_starts(run, ev, budget, report.tick("fit"))
        fit = _best([r for r in run.log.rows if r["phase"].startswith("start-")])
        x, ll = np.asarray(fit["x"]), fit["loglik"]
        explored = _explore(run, ev, x, ll, draws, report.tick("explore"))
        # exploration may find a better point than the optimizer: variants are scored there
        best = _best([r for r in run.log.rows if r["variant"] is None])
        x, ll = np.asarray(best["x"]), best["loglik"]
        var = _variants(run, ev, x, ll, report.tick("variants")) if variants else []
    seconds = time.perf_counter() - t0
    result = calibration_result(problem, run.manifest, run.log.rows, states, explored, var, workers)
    result["manifest"] = _finished_manifest(run.manifest, workers, seconds)
    _write_run(run.path, result)
    return result


def _planned(problem: Problem, budget: int, draws: int, variants: bool) -> dict[str, int]:
    """Evaluations planned per phase: every start's budget, the exploration, the variants."""
    n_variant_options = _count_variant_options()
    return {
        "fit": budget * problem.fit.starts,
        "explore": 2 * problem.dimension + draws,
        "variants": n_variant_options * (1 + problem.fit.variant_generations * problem.fit.popsize)
        if variants
        else 0,
    }


class _Progress:
    """Evaluations done per phase, reported to `progress` with the number planned."""

    def __init__(
        self, planned: Mapping[str, int], progress: Callable[[str, int, int], None] | None
    ) -> None:
        self.planned = planned
        self.progress = progress
        self.done = dict.fromkeys(planned, 0)

    def tick(self, phase: str) -> Callable[[int], None]:
        """The callback that counts `k` more evaluations of `phase`."""

        def tick(k: int) -> None:
            self.done[phase] += k
            if self.progress:
                planned = self.planned[phase]
                self.progress(phase, min(self.done[phase], planned), planned)

        return tick


def _fit_starts(run: Run, ev: _Evaluator, budget: int, tick: Callable[[int], None]) -> list[Any]:
    """One CMA-ES run per start (the prior, then points drawn inside the bounds)."""
    fit = run.problem.fit
    return [
        _optimize(run, ev, f"start-{s}", x0, fit.sigma0, fit.seed + s, budget, None, tick)
        for s, x0 in enumerate(_starts(run.problem))
    ]


def _finished_manifest(manifest: Mapping[str, Any], workers: int, seconds: float) -> dict[str, Any]:
    """The run's manifest marked complete, this run's workers and wall time added to its timings."""
    timings: dict[str, Any] = dict(manifest.get("timings") or {})
    timings.setdefault("runs", []).append({"workers": workers, "wall_seconds": round(seconds, 1)})
    return {
        **manifest,
        "status": "complete",
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "timings": timings,
    }


def _write_run(path: Path, result: Mapping[str, Any]) -> None:
    """Write the result's manifest.json, calibration.json and fitted.yaml into the run directory."""
    write_json(path / "manifest.json", result["manifest"])
    write_json(path / "calibration.json", result)
    write_fitted(path / "fitted.yaml", result)


def _count_variant_options() -> int:
    return sum(len(s.options) - 1 for s in load_network_data().switches)


def iter_phases() -> Iterator[str]:
    """The phases a calibration reports progress for."""
    yield from _PHASES
