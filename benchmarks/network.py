"""Benchmark: batched network simulation in rairlab vs the SBML export in libRoadRunner.

Run: ``python benchmarks/network.py [--sizes 1000,10000,100000,1000000] [--rr-patients 200]``.

One run measures, on the same random patients (seeded; genotypes, drugs with
random exposures, environments, extra loss-of-function scales and clamps):

* rairlab's batched steady state (:func:`rairlab.network.steady_state`) and
  30-day time course (0-720 h, daily output, from the unperturbed steady state;
  tolerances ``--rtol``/``--atol``) at each cohort size, with non-converged /
  incomplete patients counted (nothing is hidden); compiled kernels (Numba, when
  installed) are compiled or loaded from cache before timing, and that time is
  printed in the header;
* libRoadRunner on the exported SBML, patient by patient (CVODE time course with
  its default tolerances, ``steadyState()`` with ``conservedMoietyAnalysis``):
  ``--rr-patients`` patients are timed and the per-patient rate is extrapolated;
  failures are counted;
* the agreement (max absolute difference) of the two on the timed patients.

Sizes whose predicted time exceeds ``--budget-s`` or predicted memory exceeds
``--mem-gib`` are skipped and marked so in the table. Goals (issue "The
mechanistic network"): steady state >= 300x libRoadRunner, time course >= 50x.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from dataclasses import dataclass

import numpy as np

from rairlab.network import (
    Conditions,
    _kernels,
    compile_model,
    conditions,
    random_conditions,
    steady_state,
    time_course,
)
from rairlab.network.export import RoadRunnerSession

TIMES = np.linspace(0.0, 720.0, 31)
GOALS = {"steady state": 300.0, "time course": 50.0}


@dataclass
class Row:
    engine: str
    task: str
    n: int
    seconds: float | None
    bad: int | None
    note: str = ""

    @property
    def rate(self) -> float | None:
        return None if self.seconds is None else self.n / self.seconds


def _numba_version() -> str:
    import numba

    return str(numba.__version__)


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    """Time every case in one run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--rr-patients", type=int, default=200)
    parser.add_argument("--budget-s", type=float, default=120.0)
    parser.add_argument("--mem-gib", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=20230939)
    parser.add_argument("--rtol", type=float, default=5e-5, help="time-course rtol")
    parser.add_argument("--atol", type=float, default=1e-7, help="time-course atol")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    model = compile_model()
    x0 = steady_state(model, conditions(model, 1)).x[0]
    rows: list[Row] = []
    t0 = time.perf_counter()  # JIT warm-up (compile or load the kernels' cache)
    warm = conditions(model, 2)
    steady_state(model, warm)
    time_course(model, warm, TIMES, x0, rtol=args.rtol, atol=args.atol)
    jit_s = time.perf_counter() - t0

    # libRoadRunner, patient by patient, on the first rr-patients of the smallest cohort
    cohort = random_conditions(
        model, max(sizes[0], args.rr_patients), np.random.default_rng(args.seed)
    )
    k = args.rr_patients
    sub = cohort.take(np.arange(k))
    t0 = time.perf_counter()
    session = RoadRunnerSession(model)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rr_tc = session.time_course(sub, TIMES, x0)
    rows.append(
        Row(
            "libRoadRunner",
            "time course",
            k,
            time.perf_counter() - t0,
            int(rr_tc.failed.sum()),
            "CVODE default tolerances",
        )
    )
    t0 = time.perf_counter()
    rr_ss = session.steady_state(sub)
    rows.append(
        Row(
            "libRoadRunner",
            "steady state",
            k,
            time.perf_counter() - t0,
            int(rr_ss.failed.sum()),
            "steadyState(), moiety analysis on",
        )
    )
    rr_rate = {r.task: r.rate or 0.0 for r in rows}
    diffs: dict[str, float] = {}

    measured: dict[str, tuple[int, float]] = {}
    memory: dict[str, tuple[int, float]] = {}  # peak RSS after the last size, scaled linearly
    for n in sizes:
        cond: Conditions | None = None
        for task in ("steady state", "time course"):
            last = measured.get(task)
            guess = None if last is None else last[1] * n / last[0]
            mem = 0.0 if task not in memory else memory[task][1] * n / memory[task][0]
            if guess is not None and guess > args.budget_s:
                rows.append(
                    Row("rairlab", task, n, None, None, f"skipped: ~{guess:.0f} s predicted")
                )
                continue
            if mem > args.mem_gib:
                rows.append(
                    Row("rairlab", task, n, None, None, f"skipped: ~{mem:.0f} GiB predicted")
                )
                continue
            if cond is None:
                cond = (
                    cohort
                    if n == cohort.n_patients
                    else random_conditions(model, n, np.random.default_rng(args.seed))
                )
            t0 = time.perf_counter()
            if task == "steady state":
                ss = steady_state(model, cond)
                sec, bad = time.perf_counter() - t0, int((~ss.converged).sum())
                note = f"Newton iterations {ss.iterations}"
                if n >= k and "steady state" not in diffs:
                    diffs[task] = float(np.nanmax(np.abs(ss.x[:k] - rr_ss.x)))
            else:
                tc = time_course(model, cond, TIMES, x0, rtol=args.rtol, atol=args.atol)
                sec, bad = time.perf_counter() - t0, int((~tc.completed).sum())
                note = (
                    f"rtol {args.rtol:g}; steps median {np.median(tc.steps):.0f}, "
                    f"max {tc.steps.max()}"
                )
                if n >= k and "time course" not in diffs:
                    diffs[task] = float(np.nanmax(np.abs(tc.x[:k] - rr_tc.x)))
                del tc
            measured[task] = (n, sec)
            memory[task] = (n, _peak_gib())
            rows.append(
                Row("rairlab", task, n, sec, bad, f"{note}; peak RSS {_peak_gib():.1f} GiB")
            )
        del cond

    print(
        f"# machine: {platform.processor() or platform.machine()}, numpy {np.__version__}; "
        f"model {model.n_nodes} nodes, {model.n_edges} edges; libRoadRunner load {load_s:.1f} s; "
        f"rairlab kernels {'Numba ' + _numba_version() if _kernels.AVAILABLE else 'NumPy'}, "
        f"warm-up {jit_s:.1f} s; {os.cpu_count()} CPUs"
    )
    head = (
        f"| {'engine':<13} | {'task':<12} | {'patients':>9} | {'seconds':>8} | {'patients/s':>10} "
    )
    print(head + f"| {'vs RR':>7} | {'goal':>5} | {'not conv.':>9} | note |")
    print("|" + "|".join("-" * w for w in (15, 14, 11, 10, 12, 9, 7, 11, 6)) + "|")
    for r in rows:
        rate = "" if r.rate is None else f"{r.rate:,.0f}"
        seconds = "" if r.seconds is None else f"{r.seconds:.3f}"
        ratio = "" if r.rate is None else f"{r.rate / rr_rate[r.task]:.1f}x"
        goal = f"{GOALS[r.task]:.0f}x" if r.engine == "rairlab" else ""
        failed = "" if r.bad is None else str(r.bad)
        print(
            f"| {r.engine:<13} | {r.task:<12} | {r.n:>9,} | {seconds:>8} | {rate:>10} | {ratio:>7} "
            f"| {goal:>5} | {failed:>9} | {r.note} |"
        )
    for task, d in diffs.items():
        print(f"# max |rairlab - libRoadRunner| over {k} patients, {task}: {d:.2e}")


if __name__ == "__main__":
    main()
