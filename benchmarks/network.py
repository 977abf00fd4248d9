"""Benchmark: rairlab's batched network solvers vs the SBML export in libRoadRunner, fairly.

Run the full benchmark (the lead runs it; it takes tens of minutes)::

    python benchmarks/network.py --sizes 500,2000,10000,100000,1000000 --budget-s 300

and a smoke run (seconds): ``python benchmarks/network.py --quick``.

Fairness, as measured here:

* **Same patients, same model.** One seeded cohort per size
  (:func:`rairlab.network.random_conditions`); libRoadRunner runs the SBML export of
  the same compiled model with the same per-patient parameters
  (:class:`rairlab.network.export.RoadRunnerSession`). Time courses run 0-720 h
  (daily output) from the unperturbed steady state; steady states start from 0.5.
* **Error beside every rate.** On the first ``--ref-patients`` patients (default 50)
  of every cohort, each tool's result is compared with a tight reference:

  - time course: libRoadRunner CVODE at ``rtol = atol = 1e-12`` on the same exported
    SBML (``--radau-check P`` additionally compares it with SciPy's Radau at 1e-12 on
    :func:`rairlab.network.rhs` for P patients, to show the reference's own error);
  - steady state: SciPy's MINPACK ``hybr`` root finder (``xtol = 1e-15``) on
    :func:`rairlab.network.rhs` with pulses removed, started from 0.5 like both tools;
    its largest residual max|dx/dt| is printed.

  The error of one patient is the max absolute difference over times and nodes
  (activities are on 0..1); the table gives the max and the median over patients. A
  failed patient counts as an infinite error.
* **Equal accuracy.** rairlab runs at its default tolerances. libRoadRunner's
  tolerances are calibrated on the first cohort's reference patients: every setting of
  a small grid (CVODE ``relative_tolerance`` x ``absolute_tolerance``; NLEQ2
  ``relative_tolerance`` for steady states) is run, and the fastest one whose max
  error (``--match median``: median error) is <= rairlab's is used for all sizes. The
  grid with its errors is printed.
* **Equal hardware.** libRoadRunner runs in a pool of as many processes as rairlab
  has Numba threads (``--workers`` overrides); each process loads the SBML once.
  Kernel compilation (rairlab) and SBML loading (libRoadRunner) are done before
  timing and printed.
* **Every size.** Both tools are timed at every size; a case whose predicted time
  (from the tool's last measured per-patient rate) exceeds ``--budget-s`` is not run:
  for libRoadRunner the row shows the extrapolated time, marked ``~``, and the ratio
  uses it; for rairlab the row is marked skipped. Conditions build time (the
  :func:`~rairlab.network.random_conditions` call) is a separate column; peak memory
  is the process's max RSS so far (rairlab; sizes run in increasing order) or the
  largest worker's (libRoadRunner).

Only the public API is used: ``compile_model``, ``random_conditions``,
``steady_state(model, cond)``, ``time_course(model, cond, times, x0)`` and ``rhs``
from :mod:`rairlab.network`; ``to_sbml`` and ``RoadRunnerSession`` (its
``time_course``, ``steady_state`` and ``runner``) from :mod:`rairlab.network.export`.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import multiprocessing
import os
import platform
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab.network import (
    CompiledModel,
    Conditions,
    compile_model,
    conditions,
    random_conditions,
    rhs,
    steady_state,
    time_course,
)
from rairlab.network.export import RoadRunnerSession, to_sbml

Array = NDArray[np.float64]

TIMES = np.linspace(0.0, 720.0, 31)
TASKS = ("steady state", "time course")
REFERENCE_TOL = 1e-12
# libRoadRunner settings searched for equal accuracy: CVODE (rtol, atol) pairs; NLEQ2 rtol
TC_GRID = tuple((r, a) for r in (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8) for a in (1e-8, 1e-10, 1e-12))
SS_GRID = (1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
QUICK_TC_GRID = ((1e-4, 1e-8), (1e-6, 1e-12), (1e-8, 1e-12))
QUICK_SS_GRID = (1e-6, 1e-12)
CVODE_MAX_STEPS = 100_000  # only lifts the step cap (default 20,000) for the 1e-12 reference


def _gib(kib: float) -> float:
    return kib / 2**20


def _peak_rss_gib() -> float:
    return _gib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# ---------------------------------------------------------------- libRoadRunner workers

_SESSION: RoadRunnerSession | None = None


def _init_worker(model: CompiledModel, sbml: str) -> None:
    global _SESSION
    _SESSION = RoadRunnerSession(model, sbml=sbml)
    _SESSION.runner.integrator.maximum_num_steps = CVODE_MAX_STEPS


def _loaded(_: int) -> int:
    time.sleep(0.5)
    return os.getpid()


def _session() -> RoadRunnerSession:
    assert _SESSION is not None, "worker not initialised"
    return _SESSION


def _rr_time_course(job: tuple[Conditions, Array, float, float]) -> tuple[Array, Any, float]:
    cond, x0, rtol, atol = job
    res = _session().time_course(cond, TIMES, x0, rtol=rtol, atol=atol)
    return res.x, res.failed, _peak_rss_gib()


def _rr_steady_state(job: tuple[Conditions, float]) -> tuple[Array, Any, float]:
    cond, rel_tol = job
    session = _session()
    session.runner.steadyStateSolver.relative_tolerance = rel_tol
    # no residual guard: a poor point shows up as error against the reference instead
    res = session.steady_state(cond, x0=0.5, steady_tol=np.inf)
    return res.x, res.failed, _peak_rss_gib()


def _reference_steady_state(job: tuple[Conditions]) -> tuple[Array, Any, float]:
    """MINPACK hybr per patient on rairlab's rhs with pulses removed (t -> infinity)."""
    from scipy.optimize import root

    (cond,) = job
    model = _session().model
    steady = dataclasses.replace(cond, pulses=())
    out = np.full((cond.n_patients, model.n_nodes), np.nan)
    residual = np.full(cond.n_patients, np.inf)
    for p in range(cond.n_patients):
        one = steady.take(np.array([p]))

        def f(x: Array, one: Conditions = one) -> Array:
            return rhs(model, one, x[None], 0.0)[0]

        sol = root(f, np.full(model.n_nodes, 0.5), method="hybr", options={"xtol": 1e-15})
        out[p], residual[p] = sol.x, np.abs(f(sol.x)).max()
    return out, residual, _peak_rss_gib()


class RoadRunnerPool:
    """libRoadRunner in `workers` processes, the SBML loaded once per process.

    ``workers == 1`` runs in this process (no pool).
    """

    def __init__(self, model: CompiledModel, sbml: str, workers: int) -> None:
        self.workers = workers
        self._pool: Any = None
        if workers == 1:
            _init_worker(model, sbml)
        else:
            ctx = multiprocessing.get_context("spawn")  # no fork of a multithreaded process
            self._pool = ctx.Pool(workers, initializer=_init_worker, initargs=(model, sbml))
            # wait until every worker has loaded the SBML (each one takes a sleeping task)
            self._pool.map(_loaded, range(workers), chunksize=1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def _map(self, fn: Callable[[Any], tuple[Array, Any, float]], jobs: list[Any]) -> Any:
        if self._pool is None:
            return [fn(j) for j in jobs]
        return self._pool.map(fn, jobs, chunksize=1)

    def _chunks(self, n: int) -> list[NDArray[np.intp]]:
        parts = min(n, 4 * self.workers) if self.workers > 1 else 1
        return [c for c in np.array_split(np.arange(n), parts) if c.size]

    def run(
        self, fn: Callable[[Any], tuple[Array, Any, float]], cond: Conditions, *extra: Any
    ) -> tuple[Array, NDArray[Any], float]:
        """Run `fn` on chunks of `cond`; returns (x, per-patient second output, peak GiB)."""
        jobs = [(cond.take(rows), *extra) for rows in self._chunks(cond.n_patients)]
        out = self._map(fn, jobs)
        x = np.concatenate([o[0] for o in out])
        second = np.concatenate([np.asarray(o[1]) for o in out])
        return x, second, max(o[2] for o in out)

    def time_course(
        self, cond: Conditions, x0: Array, rtol: float, atol: float
    ) -> tuple[Array, NDArray[Any], float]:
        return self.run(_rr_time_course, cond, x0, rtol, atol)

    def steady_state(self, cond: Conditions, rel_tol: float) -> tuple[Array, NDArray[Any], float]:
        return self.run(_rr_steady_state, cond, rel_tol)

    def reference_steady_state(self, cond: Conditions) -> tuple[Array, NDArray[Any]]:
        x, residual, _ = self.run(_reference_steady_state, cond)
        return x, residual


# ---------------------------------------------------------------- errors and the table


def patient_errors(x: Array, ref: Array, failed: NDArray[Any] | None = None) -> Array:
    """Max |x - ref| per patient over every axis but the first; inf where failed or NaN."""
    err = np.abs(x - ref).reshape(x.shape[0], -1).max(axis=1)
    bad = ~np.isfinite(err)
    if failed is not None:
        bad |= failed
    return np.where(bad, np.inf, err)


@dataclass
class Row:
    """One timed (or extrapolated, or skipped) case."""

    task: str
    n: int
    engine: str
    setting: str
    workers: int
    build_s: float
    seconds: float | None = None
    estimated: bool = False
    ratio_estimated: bool = False  # the peer's time behind the ratio was extrapolated
    max_err: float | None = None
    median_err: float | None = None
    failed: int | None = None
    peak_gib: float | None = None
    ratio: float | None = None
    note: str = ""

    @property
    def rate(self) -> float | None:
        return None if not self.seconds else self.n / self.seconds


@dataclass
class Calibration:
    """libRoadRunner settings tried on the reference patients: setting -> (max, median, s)."""

    task: str
    target: float
    match: str = "max"
    tried: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    chosen: str = ""

    def statistic(self, err: Array) -> float:
        """The matched error of per-patient errors `err`: their max or median."""
        return float(np.max(err) if self.match == "max" else np.median(err))


@dataclass
class Result:
    header: list[str]
    calibrations: list[Calibration]
    rows: list[Row]

    def table(self) -> str:
        """The result as Markdown: header comments, calibration grids, main table."""
        lines = [f"# {h}" for h in self.header]
        for cal in self.calibrations:
            lines.append(
                f"# libRoadRunner {cal.task} settings on the reference patients "
                f"(target: {cal.match} error <= rairlab's {cal.target:.2e}); "
                f"chosen: {cal.chosen}"
            )
            for name, (mx, md, sec) in cal.tried.items():
                lines.append(
                    f"#   {name:<28} max {mx:.2e}  median {md:.2e}  {sec * 1e3:8.2f} ms/pt"
                )
        cols = (
            "task",
            "patients",
            "engine",
            "setting",
            "thr/proc",
            "cond. build s",
            "solve s",
            "patients/s",
            "max err",
            "median err",
            "failed",
            "peak RSS GiB",
            "vs RR",
            "note",
        )
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "|".join("---" for _ in cols) + "|")
        for r in self.rows:
            tilde = "~" if r.estimated else ""
            cells = (
                r.task,
                f"{r.n:,}",
                r.engine,
                r.setting,
                str(r.workers),
                f"{r.build_s:.3f}",
                "" if r.seconds is None else f"{tilde}{r.seconds:.3f}",
                "" if r.rate is None else f"{tilde}{r.rate:,.0f}",
                "" if r.max_err is None else f"{r.max_err:.2e}",
                "" if r.median_err is None else f"{r.median_err:.2e}",
                "" if r.failed is None else str(r.failed),
                "" if r.peak_gib is None else f"{r.peak_gib:.2f}",
                "" if r.ratio is None else f"{'~' if r.ratio_estimated else tilde}{r.ratio:.1f}x",
                r.note,
            )
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


# ---------------------------------------------------------------- the benchmark


def _threads() -> tuple[int, str]:
    try:
        import numba
    except ImportError:
        return os.cpu_count() or 1, "NumPy (no Numba)"
    return int(numba.get_num_threads()), f"Numba {numba.__version__}"


def _roadrunner_version() -> str:
    import roadrunner

    return str(roadrunner.__version__)


def _calibrate(
    task: str,
    target: float,
    match: str,
    grid: Sequence[Any],
    pool: RoadRunnerPool,
    sub: Conditions,
    x0: Array,
    ref: Array,
) -> tuple[Calibration, Any]:
    """Try each libRoadRunner setting on `sub`; pick the fastest with error <= target."""
    cal = Calibration(task, target, match)
    best: tuple[float, Any] | None = None
    for setting in grid:
        t0 = time.perf_counter()
        err = _rr_errors(pool, sub, x0, task, setting, ref)
        sec = (time.perf_counter() - t0) / sub.n_patients
        name = _setting_name(task, setting)
        cal.tried[name] = (float(err.max()), float(np.median(err)), sec)
        if cal.statistic(err) <= target and (best is None or sec < best[0]):
            best = (sec, setting)
    if best is None:  # nothing reaches rairlab's error: use the tightest, and say so
        tightest = min(grid, key=lambda s: s[0] if isinstance(s, tuple) else s)
        cal.chosen = _setting_name(task, tightest) + " (tightest; none reaches the target)"
        return cal, tightest
    cal.chosen = _setting_name(task, best[1])
    return cal, best[1]


def _setting_name(task: str, setting: Any) -> str:
    if task == "time course":
        return f"CVODE rtol {setting[0]:g} atol {setting[1]:g}"
    return f"NLEQ2 rtol {setting:g}"


def run_benchmark(
    sizes: Sequence[int],
    *,
    ref_patients: int = 50,
    budget_s: float = 300.0,
    mem_gib: float = 8.0,
    workers: int | None = None,
    seed: int = 20230939,
    match: str = "max",
    quick: bool = False,
    radau_check: int = 0,
) -> Result:
    """Time both tools on every size and measure their errors; see the module docstring.

    Parameters
    ----------
    sizes
        Cohort sizes, increasing.
    ref_patients
        Patients per cohort compared with the tight reference (the first ones).
    budget_s
        Longest predicted time of one case that is still run.
    mem_gib
        Largest predicted output size (GiB) of a rairlab time course that is still run.
    workers
        libRoadRunner processes; default: rairlab's thread count.
    match
        ``"max"`` or ``"median"``: which error libRoadRunner's tolerances must match.
    quick
        Small tolerance grids (smoke test).
    radau_check
        Patients on which the time-course reference is compared with SciPy's Radau.
    """
    sizes = sorted(sizes)
    threads, kernels = _threads()
    workers = workers or threads
    model = compile_model()
    x0 = steady_state(model, conditions(model, 1)).x[0]
    defaults = inspect.signature(time_course).parameters
    rl_tc = f"rtol {defaults['rtol'].default:g} atol {defaults['atol'].default:g} (defaults)"
    rl_ss = f"tol {inspect.signature(steady_state).parameters['tol'].default:g} (default)"

    t0 = time.perf_counter()  # compile (or load from cache) the kernels, load the data files
    warm = random_conditions(model, 2, np.random.default_rng(seed))
    steady_state(model, warm)
    time_course(model, warm, TIMES, x0)
    jit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sbml = to_sbml(model)
    export_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pool = RoadRunnerPool(model, sbml, workers)
    load_s = time.perf_counter() - t0
    rss0 = _peak_rss_gib()
    header = [
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; numpy {np.__version__}",
        f"model: {model.n_nodes} nodes, {model.n_edges} edges; time course 0-720 h, "
        f"{TIMES.size} outputs, from the unperturbed steady state",
        f"rairlab: {kernels}, {threads} threads, warm-up {jit_s:.1f} s; "
        f"libRoadRunner {_roadrunner_version()}: {workers} processes; SBML export "
        f"{export_s:.1f} s, process start + SBML load {load_s:.1f} s",
        f"reference on the first {ref_patients} patients of each cohort: time course "
        f"libRoadRunner CVODE rtol=atol={REFERENCE_TOL:g}; steady state SciPy hybr "
        f"(xtol 1e-15) on rairlab.network.rhs from 0.5",
        "errors are measured inside each timed batch (its first patients); ratios are "
        "rairlab's rate over libRoadRunner's at the calibrated (equal-accuracy) setting",
        f"peak RSS before the first size: {rss0:.2f} GiB (rairlab rows include it)",
    ]
    rows: list[Row] = []
    calibrations: list[Calibration] = []
    chosen: dict[str, Any] = {}
    rates: dict[tuple[str, str], tuple[int, float]] = {}  # (engine, task) -> (n, seconds)
    try:
        for n in sizes:
            t0 = time.perf_counter()
            cond = random_conditions(model, n, np.random.default_rng(seed))
            build_s = time.perf_counter() - t0
            k = min(ref_patients, n)
            sub = cond.take(np.arange(k))
            ref_tc, _, _ = pool.time_course(sub, x0, REFERENCE_TOL, REFERENCE_TOL)
            ref_ss, residual = pool.reference_steady_state(sub)
            if n == sizes[0]:
                header.append(
                    f"steady-state reference residual max|dx/dt| <= {residual.max():.1e} per h"
                )
                if radau_check:
                    header.append(_radau_check(model, sub, x0, ref_tc, radau_check))
            refs = {"steady state": ref_ss, "time course": ref_tc}
            for task in TASKS:
                rl, rl_err = _run_rairlab(
                    model, cond, x0, task, k, refs[task], rates, budget_s, mem_gib
                )
                rl.build_s, rl.workers = build_s, threads
                rl.setting = rl_ss if task == "steady state" else rl_tc
                if task not in chosen:
                    if rl_err is None:  # skipped: measure rairlab's error on the subsample
                        rl_err = _rairlab_errors(model, sub, x0, task, refs[task])
                    target = Calibration(task, 0.0, match).statistic(rl_err)
                    cal, chosen[task] = _calibrate(
                        task, target, match, _grid(task, quick), pool, sub, x0, refs[task]
                    )
                    calibrations.append(cal)
                rr = _run_roadrunner(
                    pool, cond, x0, task, chosen[task], k, refs[task], rates, budget_s
                )
                rr.build_s, rr.workers = build_s, workers
                if rl.rate and rr.rate:
                    rl.ratio = rl.rate / rr.rate
                    rl.ratio_estimated = rr.estimated
                rows += [rl, rr]
            del cond
    finally:
        pool.close()
    return Result(header, calibrations, rows)


def _grid(task: str, quick: bool) -> Sequence[Any]:
    if task == "time course":
        return QUICK_TC_GRID if quick else TC_GRID
    return QUICK_SS_GRID if quick else SS_GRID


def _rairlab_errors(
    model: CompiledModel, sub: Conditions, x0: Array, task: str, ref: Array
) -> Array:
    """rairlab's per-patient errors on the reference patients alone."""
    if task == "steady state":
        ss = steady_state(model, sub)
        return patient_errors(ss.x, ref, ~ss.converged)
    tc = time_course(model, sub, TIMES, x0)
    return patient_errors(tc.x, ref, ~tc.completed)


def _rr_errors(
    pool: RoadRunnerPool, sub: Conditions, x0: Array, task: str, setting: Any, ref: Array
) -> Array:
    if task == "time course":
        x, failed, _ = pool.time_course(sub, x0, *setting)
    else:
        x, failed, _ = pool.steady_state(sub, setting)
    return patient_errors(x, ref, failed)


def _predicted(
    rates: dict[tuple[str, str], tuple[int, float]], key: tuple[str, str], n: int
) -> float | None:
    last = rates.get(key)
    return None if last is None else last[1] * n / last[0]


def _run_rairlab(
    model: CompiledModel,
    cond: Conditions,
    x0: Array,
    task: str,
    k: int,
    ref: Array,
    rates: dict[tuple[str, str], tuple[int, float]],
    budget_s: float,
    mem_gib: float,
) -> tuple[Row, Array | None]:
    """Time rairlab on the whole cohort; errors on its first `k` patients (None if skipped)."""
    n = cond.n_patients
    row = Row(task, n, "rairlab", "", 0, 0.0)
    guess = _predicted(rates, ("rairlab", task), n)
    out_gib = n * TIMES.size * model.n_nodes * 8 * 2 / 2**30 if task == "time course" else 0.0
    if guess is not None and guess > budget_s:
        row.note = f"skipped: ~{guess:.0f} s predicted > budget"
        return row, None
    if out_gib > mem_gib:
        row.note = f"skipped: ~{out_gib:.0f} GiB predicted > --mem-gib"
        return row, None
    t0 = time.perf_counter()
    if task == "steady state":
        ss = steady_state(model, cond)
        row.seconds = time.perf_counter() - t0
        row.failed = int((~ss.converged).sum())
        err = patient_errors(ss.x[:k], ref, ~ss.converged[:k])
        row.note = f"not converged = failed; unstable {int((~ss.stable).sum())}"
        del ss
    else:
        tc = time_course(model, cond, TIMES, x0)
        row.seconds = time.perf_counter() - t0
        row.failed = int((~tc.completed).sum())
        err = patient_errors(tc.x[:k], ref, ~tc.completed[:k])
        row.note = f"steps median {np.median(tc.steps):.0f}, max {tc.steps.max()}"
        del tc
    rates[("rairlab", task)] = (n, row.seconds)
    row.max_err, row.median_err = float(err.max()), float(np.median(err))
    row.peak_gib = _peak_rss_gib()
    return row, err


def _run_roadrunner(
    pool: RoadRunnerPool,
    cond: Conditions,
    x0: Array,
    task: str,
    setting: Any,
    k: int,
    ref: Array,
    rates: dict[tuple[str, str], tuple[int, float]],
    budget_s: float,
) -> Row:
    """Time libRoadRunner on the whole cohort, or extrapolate its last measured rate."""
    n = cond.n_patients
    row = Row(task, n, "libRoadRunner", _setting_name(task, setting), 0, 0.0)
    guess = _predicted(rates, ("libRoadRunner", task), n)
    if guess is not None and guess > budget_s:
        m = rates[("libRoadRunner", task)][0]
        row.seconds, row.estimated = guess, True
        row.note = f"not run: extrapolated from the measured rate at {m:,} patients"
        return row
    t0 = time.perf_counter()
    if task == "time course":
        x, failed, peak = pool.time_course(cond, x0, *setting)
    else:
        x, failed, peak = pool.steady_state(cond, setting)
    row.seconds = time.perf_counter() - t0
    rates[("libRoadRunner", task)] = (n, row.seconds)
    err = patient_errors(x[:k], ref, failed[:k])
    row.failed = int(failed.sum())
    row.max_err, row.median_err = float(err.max()), float(np.median(err))
    row.peak_gib = peak
    return row


def _radau_check(model: CompiledModel, sub: Conditions, x0: Array, ref: Array, p: int) -> str:
    """Max |CVODE 1e-12 - Radau 1e-12| over the first `p` reference patients."""
    from scipy.integrate import solve_ivp

    worst = 0.0
    for i in range(min(p, sub.n_patients)):
        one = sub.take(np.array([i]))
        sol = solve_ivp(
            lambda t, x, one=one: rhs(model, one, x[None], t)[0],
            (0.0, float(TIMES[-1])),
            x0,
            method="Radau",
            t_eval=TIMES,
            rtol=REFERENCE_TOL,
            atol=REFERENCE_TOL,
        )
        worst = max(worst, float(np.abs(sol.y.T - ref[i]).max()))
    return f"time-course reference vs SciPy Radau (1e-12) on {p} patients: max diff {worst:.1e}"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run every case and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="500,2000,10000,100000,1000000")
    parser.add_argument("--ref-patients", type=int, default=50)
    parser.add_argument("--budget-s", type=float, default=300.0, help="per timed case")
    parser.add_argument("--mem-gib", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20230939)
    parser.add_argument("--match", choices=("max", "median"), default="max")
    parser.add_argument("--radau-check", type=int, default=0, metavar="P")
    parser.add_argument("--quick", action="store_true", help="sizes 50,200; small grids")
    args = parser.parse_args(argv)
    sizes = [50, 200] if args.quick else [int(s) for s in args.sizes.split(",")]
    result = run_benchmark(
        sizes,
        ref_patients=min(args.ref_patients, 10) if args.quick else args.ref_patients,
        budget_s=args.budget_s,
        mem_gib=args.mem_gib,
        workers=args.workers,
        seed=args.seed,
        match=args.match,
        quick=args.quick,
        radau_check=args.radau_check,
    )
    print(result.table())


if __name__ == "__main__":
    main()
