"""Benchmark: a full calibration (``rairlab calibrate``) in wall time, per phase, and memory.

Run the full benchmark (about 7-10 minutes on 2 cores)::

    python benchmarks/calibration.py

and a smoke run (under a minute): ``python benchmarks/calibration.py --quick`` (the
shipped smoke problem ``calibration/data/problem-quick.yaml``, 4 exploration draws, no
variant scores).

What is timed: :func:`rairlab.calibration.calibrate` end to end into a fresh temporary
directory, with the shipped problem (``calibration/data/problem.yaml``: every start's
CMA-ES budget, the curvature and exploration evaluations, the variant scores) on
``--workers`` processes. The issue's goal, checked on the last line: a full calibration in
<= 10 minutes on 2 cores.

Method:

* **One run.** A calibration is deterministic and long, so it runs once; the table gives
  each phase's evaluations, wall seconds and evaluations per second (from the progress
  callback's clock), so a noisy phase can be read against the others.
* **Scaling** (``--scaling``): the first ``--scaling-evaluations`` evaluations of the fit
  on 1 and on 2 worker processes (fresh directories, same seed, same points): the
  ratio of their rates is the parallel speed-up of the evaluator on this machine.
* **Warm-up excluded.** One evaluation runs in this process before timing (Numba cache
  load, data files); worker start-up (spawn, imports, kernel cache loads) is inside the
  timed run, as a user sees it.
* **Memory.** ``resource.getrusage``: this process's peak RSS and the largest reaped
  worker's.
* **Noise.** The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rairlab.calibration import calibrate, load_problem, simulate_targets
from rairlab.calibration._targets import DATA_DIR

GOAL_SECONDS = 600.0
#: The smoke problem shipped with the package (two parameters, four targets).
QUICK_PROBLEM = Path(DATA_DIR) / "problem-quick.yaml"


@dataclass
class Clock:
    """First and last progress time and evaluation count per phase."""

    t0: float = field(default_factory=time.perf_counter)
    phases: dict[str, list[float]] = field(default_factory=dict)

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter() - self.t0
        rec = self.phases.setdefault(phase, [now, now, 0.0])
        rec[1], rec[2] = now, float(done)


@dataclass
class Result:
    wall: float
    loglik: float
    evaluations: int
    clock: Clock


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_once(out: Path, workers: int, problem_path: Path | None, **kw: object) -> Result:
    problem = load_problem(problem_path) if problem_path else load_problem()
    clock = Clock()
    t0 = time.perf_counter()
    result = calibrate(out, workers=workers, progress=clock, problem=problem, **kw)  # type: ignore[arg-type]
    return Result(time.perf_counter() - t0, result["loglik"], result["n_evaluations"], clock)


def main(argv: Sequence[str] | None = None) -> Result:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="a tiny problem (smoke run)")
    ap.add_argument("--scaling", action="store_true", help="also time 1 vs 2 workers")
    ap.add_argument("--scaling-evaluations", type=int, default=40)
    args = ap.parse_args(argv)

    print(f"python {platform.python_version()}, os.cpu_count() = {os.cpu_count()}")
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        problem_path = QUICK_PROBLEM if args.quick else None
        problem = load_problem(problem_path) if problem_path else load_problem()
        t0 = time.perf_counter()
        simulate_targets(problem, problem.prior())
        print(f"warm-up (one evaluation in this process): {time.perf_counter() - t0:.1f} s")
        quick = {"draws": 4, "variants": False} if args.quick else {}
        res = run_once(Path(tmp) / "run", args.workers, problem_path, **quick)
        print()
        print(f"## Calibration on {args.workers} worker process(es)")
        print()
        print("| phase | evaluations | wall s (from start) | phase s | evaluations/s |")
        print("|---|---:|---:|---:|---:|")
        last = 0.0
        for phase, (_, end, done) in res.clock.phases.items():
            span = end - last
            rate = done / span if span > 0 else float("nan")
            print(f"| {phase} | {int(done)} | {end:.1f} | {span:.1f} | {rate:.2f} |")
            last = end
        print(
            f"| total | {res.evaluations} | {res.wall:.1f} | | {res.evaluations / res.wall:.2f} |"
        )
        print(f"\nbest log-likelihood {res.loglik:.2f}")
        if args.scaling:
            budget = args.scaling_evaluations
            rates = {}
            for w in (1, 2):
                r = run_once(
                    Path(tmp) / f"scale-{w}",
                    w,
                    problem_path,
                    max_evaluations=budget,
                    variants=False,
                    draws=4,
                )
                fit_end = r.clock.phases["fit"][1]
                rates[w] = r.clock.phases["fit"][2] / fit_end
                print(f"scaling: {w} worker(s): {rates[w]:.2f} evaluations/s in the fit phase")
            print(f"scaling: 2 workers / 1 worker = {rates[2] / rates[1]:.2f}x")
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {self_mb:.0f} MB, largest worker {child_mb:.0f} MB")
    print(f"load average after: {_load()}")
    verdict = "met" if res.wall <= GOAL_SECONDS else "NOT met"
    print(
        f"goal: full calibration <= {GOAL_SECONDS:.0f} s on 2 cores: {res.wall:.0f} s "
        f"on {args.workers} workers{' (quick problem)' if args.quick else ''}: {verdict}"
    )
    return res


if __name__ == "__main__":
    main(sys.argv[1:])
