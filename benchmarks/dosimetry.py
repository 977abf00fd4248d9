"""Benchmark: voxel dose maps (FFT kernel convolution and local deposition) and sphere S-values.

Run: ``python benchmarks/dosimetry.py [--repeats N]``. Prints the median wall time
of several runs per case as a table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from rairlab.dosimetry import sphere_s_value, voxel_dose


def _median_seconds(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up (kernel loading, FFT plans)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Time the cases and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(12345)
    rows = []
    for n in (128, 256):
        tia = rng.random((n, n, n))
        for method in ("kernel", "local"):
            sec = _median_seconds(
                lambda tia=tia, method=method: voxel_dose(tia, 4.0, method=method), args.repeats
            )
            rows.append((f"voxel_dose {method} {n}^3", sec, n**3 / sec))
    masses = np.geomspace(0.01, 1000.0, 1000)
    sec = _median_seconds(lambda: sphere_s_value("I-131", masses), args.repeats)
    rows.append(("sphere_s_value I-131, 1000 masses", sec, 1000 / sec))
    print(f"{'case':<36} {'median s':>10} {'items/s':>10}")
    for name, sec, rate in rows:
        print(f"{name:<36} {sec:>10.4f} {rate:>10.3g}")


if __name__ == "__main__":
    main()
