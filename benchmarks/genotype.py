"""Benchmark: the genotype parser on long and adversarial texts.

Run: ``python benchmarks/genotype.py [--sizes 250,500,1000,10000,100000] [--repeats 5]``.
Each text repeats one unit (a word, a fusion separator, a protein change, ...) up
to the size. Texts up to ``MAX_GENOTYPE_CHARS`` (1,000) are parsed; they either
resolve or raise a ``RairlabError``, in time that should grow linearly with the
size. Longer texts are refused at once. The table gives the median wall time of
``--repeats`` calls after one untimed call, and the length of the error message
(errors quote at most 60 characters of the text).
"""

from __future__ import annotations

import argparse
import statistics
import time

from rairlab.errors import RairlabError
from rairlab.knowledge import load_knowledge, parse_genotype

UNITS = {
    "letters": "A",
    "words": "ab ",
    "hyphens": "a-",
    "fusions": "RET::",
    "variants": "BRAF V600E ",
    "list": "V600E; ",
    "plus": "V600E+",
    "p.": "p.",
    "digits": "BRAF p.V1",
    "unknown": "XYZ1 V600E ",
}


def _time(text: str, repeats: int) -> tuple[float, int]:
    """Median seconds of `repeats` parses of `text`, and the error message's length (0: none)."""
    kb = load_knowledge()
    times, length = [], 0
    for k in range(repeats + 1):
        start = time.perf_counter()
        try:
            parse_genotype(text, kb)
        except RairlabError as exc:
            length = len(str(exc))
        if k:
            times.append(time.perf_counter() - start)
    return statistics.median(times), length


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'text':<10}" + "".join(f"{n:>16,}" for n in sizes))
    print(f"{'':<10}" + "".join(f"{'ms (msg chars)':>16}" for _ in sizes))
    for name, unit in UNITS.items():
        cells = []
        for n in sizes:
            text = (unit * (n // len(unit) + 1))[:n]
            seconds, length = _time(text, args.repeats)
            cells.append(f"{1e3 * seconds:9.3f} ({length:>3})")
        print(f"{name:<10}" + "".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    main()
