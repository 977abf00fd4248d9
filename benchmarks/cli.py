"""Benchmark: warm wall time of the ``rairlab`` command line, one new process per run.

Run: ``python benchmarks/cli.py [--repeats N]``. Each command runs once to warm the
caches (byte code, numba's on-disk cache, the knowledge-base cache), then `N` more
times; the table shows the median, the fastest and the slowest wall time of a whole
process (interpreter start, imports, data loading, the command itself).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--version",),
    ("evidence", "--alteration", "BRAF V600E", "--json"),
    ("simulate", "--genotype", "BRAF p.V600E", "--json"),
    ("kb", "lint"),
)


def _rairlab() -> list[str]:
    """The installed `rairlab` script beside this interpreter, else ``python -m rairlab``."""
    script = shutil.which("rairlab", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "rairlab"]


def _seconds(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    """Time each command and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    base = _rairlab()
    print(f"{'command':<54} {'median s':>9} {'min s':>7} {'max s':>7}")
    for command in COMMANDS:
        argv = [*base, *command]
        _seconds(argv)  # warm-up
        times = [_seconds(argv) for _ in range(args.repeats)]
        label = "rairlab " + " ".join(f'"{c}"' if " " in c else c for c in command)
        print(f"{label:<54} {statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f}")


if __name__ == "__main__":
    main()
