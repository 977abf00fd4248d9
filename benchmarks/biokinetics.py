"""Benchmark: the iodide model's compiled kernels vs its NumPy path.

Run: ``python benchmarks/biokinetics.py [--sizes 10000,100000,300000] [--repeats 3]
[--times 24,48,72]``. For each cohort size, a seeded cohort of random lesions
(uptake 0..5, mass 0.01..100 g log-uniform, organification 0..0.999, remnant
0..1, random TSH state) is solved with :meth:`IodideModel.fractions` at the
given times and :meth:`IodideModel.residence_times` (I-131), once with the
Numba kernels and once with the NumPy path (eigen-decomposition and batched
``numpy.linalg.solve``, as with ``RAIRLAB_NO_NUMBA=1``). The table gives the
median wall time of ``--repeats`` runs after one untimed call, the two paths
alternating (compilation, or loading the cached kernels, is timed separately),
and the largest absolute difference of the fractions between the two paths.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable, Iterator

import numpy as np

import rairlab.biokinetics as bk
from rairlab.biokinetics import _kernels

I131_HALF_LIFE_H = 192.4968


@contextlib.contextmanager
def numpy_path() -> Iterator[None]:
    """Select the NumPy path for the duration (the switch ``RAIRLAB_NO_NUMBA`` sets)."""
    saved = _kernels.AVAILABLE
    _kernels.AVAILABLE = False
    try:
        yield
    finally:
        _kernels.AVAILABLE = saved


def cohort(n: int, seed: int = 2024) -> bk.IodideModel:
    """A seeded cohort of `n` random lesions."""
    rng = np.random.default_rng(seed)
    return bk.iodide_model(
        rng.uniform(0.0, 5.0, n),
        10.0 ** rng.uniform(-2.0, 2.0, n),
        [str(s) for s in rng.choice(bk.TSH_STATES, n)],
        rng.uniform(0.0, 0.999, n),
        rng.uniform(0.0, 1.0, n),
    )


def compare(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall times of `fn` with the kernels and with the NumPy path.

    One untimed call of each first; then the two paths alternate, so that a
    machine busy with something else slows both alike.
    """
    kernel, numpy = [], []
    for r in range(repeats + 1):
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        with numpy_path():
            fn()
        t2 = time.perf_counter()
        if r:
            kernel.append(t1 - t0)
            numpy.append(t2 - t1)
    return statistics.median(kernel), statistics.median(numpy)


def main() -> None:
    """Time both paths and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--times", default="24,48,72", help="sampling times (h)")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    t = np.array([float(s) for s in args.times.split(",")])
    if not _kernels.AVAILABLE:
        raise SystemExit("Numba kernels unavailable (not installed or RAIRLAB_NO_NUMBA=1)")
    small = cohort(4)
    t0 = time.perf_counter()
    small.fractions(t)
    small.residence_times(I131_HALF_LIFE_H)
    print(f"first call (compile or load cached kernels): {time.perf_counter() - t0:.2f} s")
    print(f"fractions at t = {', '.join(f'{x:g}' for x in t)} h; median of {args.repeats} runs")
    header = f"{'n':>8} {'case':<16} {'kernel s':>10} {'numpy s':>10} {'speed-up':>9}"
    print(header + f" {'max |diff|':>11}")
    for n in sizes:
        m = cohort(n)
        fast = m.fractions(t)
        with numpy_path():
            ref = m.fractions(t)
        cases: list[tuple[str, Callable[[], object]]] = [
            ("fractions", lambda m=m: m.fractions(t)),
            ("residence_times", lambda m=m: m.residence_times(I131_HALF_LIFE_H)),
        ]
        for name, fn in cases:
            kernel_s, numpy_s = compare(fn, args.repeats)
            diff = f"{np.abs(fast - ref).max():11.1e}" if name == "fractions" else ""
            print(f"{n:>8} {name:<16} {kernel_s:>10.4f} {numpy_s:>10.4f} "
                  f"{numpy_s / kernel_s:>8.1f}x {diff}")  # fmt: skip


if __name__ == "__main__":
    main()
