"""Benchmark: the whole in-silico trial pipeline (``run_trial``) in patients/s and peak memory.

Run the full benchmark (tens of minutes on 2 cores)::

    python benchmarks/cohort.py --sizes 1e4,1e5,1e6

and a smoke run (a minute or two): ``python benchmarks/cohort.py --quick``.

What is timed: :func:`rairlab.cohort.run_trial` end to end (enrolment, network
steady states or time courses under the drugs, iodide kinetics, scans, dose,
radiobiology, RECIST; the Parquet writes and ``summary.json``) of one arm,
dabrafenib + trametinib for 4 weeks then dosimetry-guided I-131, in a
``distant_metastatic`` population (cited genotype prevalences, BRAF V600E-rich;
``refractory: false``). Each run writes into a fresh temporary directory that is
removed afterwards. The issue's goals, checked on the last lines:

* 10^6 patients through the ``steady_state`` pipeline in <= 60 s on 2 cores;
* Dask with 2 workers >= 1.6x faster than one local worker at the largest size.

Fairness and method:

* **Same trial everywhere.** One spec per (mode, n); results depend only on the spec
  (not the engine, workers or chunking), and the note column says whether each
  run's summary equals the first engine's.
* **Engines.** ``local-1``: :class:`~rairlab.cohort.LocalEngine` with one worker runs
  the chunks in this process; Numba is pinned to 1 thread for it, as in every worker
  process of the other engines (``local-1-mt``: the same with Numba's default thread
  count, i.e. what ``LocalEngine(1)`` does out of the box). ``local-2``: a spawn
  process pool of 2. ``dask-1`` / ``dask-2``: :class:`~rairlab.cohort.DaskEngine`,
  which starts (and closes) a ``LocalCluster`` of that many single-threaded worker
  processes inside every run: cluster start-up, worker imports and kernel cache loads
  are in the wall time, as a user would see them (likewise the pool start of
  ``local-2``). The Numba thread count inside a DaskEngine worker is probed (a task
  run on the engine), printed and shown in the threads column.
* **Warm-up excluded.** Before timing, each mode runs once on one block in this process
  (Numba compilation or cache load, data files) and each engine runs once on a tiny
  trial (imports, cluster start); their times are printed, not tabulated.
* **Medians of repeats.** Each case runs ``--repeats`` times while its first run took
  less than ``--repeat-max-s``; the table gives the median and the number of runs.
* **Default chunking.** ``run_trial``'s default chunk size (a few chunks per worker,
  at most 16 blocks of 1024 patients) unless ``--chunk-size``; the chunk column shows
  it, so memory can be read against it: peak memory should follow the chunk size, not n.
* **Memory.** A psutil thread samples the process tree every ``--sample-s`` seconds
  during each run (RSS): the parent's peak, the largest single child process's peak
  (a pool or Dask worker) and the peak of the tree's sum (parent, workers, Dask
  nannies). Without psutil only ``resource.getrusage`` is available: the parent's
  lifetime peak (``RUSAGE_SELF``) and the largest reaped child's (``RUSAGE_CHILDREN``);
  both are monotone over the process lifetime, so they are printed once at the end
  as a cross-check.
* **Noise.** The machine may be shared: the load average is printed before and after;
  read ratios, not single timings.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rairlab.cohort import BLOCK, DaskEngine, Engine, LocalEngine, parse_trial_spec, run_trial

MODES = ("steady_state", "time_course")
ENGINE_NAMES = ("local-1", "local-1-mt", "local-2", "dask-1", "dask-2")
DEFAULT_ENGINES = "local-1,local-2,dask-1,dask-2"
GOAL_N = 1_000_000
GOAL_SECONDS = 60.0
GOAL_SPEEDUP = 1.6
MB = 2**20

try:  # the tree sampler needs psutil; without it only getrusage's lifetime peaks remain
    import psutil
except ImportError:  # pragma: no cover - psutil is installed with the dev extras
    psutil = None


def trial_spec(n: int, mode: str, seed: int) -> dict[str, Any]:
    """The benchmark's one-arm trial of `n` patients with network mode `mode`."""
    return {
        "name": "cohort benchmark",
        "seed": seed,
        "population": {"setting": "distant_metastatic", "n": n, "refractory": False},
        "arms": [
            {
                "name": "dabrafenib + trametinib",
                "drugs": [{"name": "dabrafenib"}, {"name": "trametinib"}],
                "drug_weeks": 4,
                "therapy": {"dosimetry_guided": True, "require_threshold": True},
            }
        ],
        "simulation": {"network": mode},
    }


# ---------------------------------------------------------------- engines and threads


def _numba_threads() -> int | None:
    try:
        import numba
    except ImportError:
        return None
    return int(numba.get_num_threads())


@contextmanager
def numba_threads(n: int | None) -> Iterator[None]:
    """Numba's thread count in this process set to `n` inside the block (None: unchanged)."""
    try:
        import numba
    except ImportError:
        yield
        return
    old = numba.get_num_threads()
    if n is not None:
        numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(old)


def make(name: str) -> tuple[Engine, int | None]:
    """The engine called `name` and the Numba threads to pin in this process (None: default)."""
    kind, _, rest = name.partition("-")
    workers = int(rest.removesuffix("-mt"))
    if kind == "local":
        return LocalEngine(workers), (None if rest.endswith("-mt") or workers > 1 else 1)
    return DaskEngine(workers=workers), None


def _threads_label(name: str, dask_threads: int | None) -> str:
    if name == "local-1-mt":
        return f"{_numba_threads()} (default)"
    if name.startswith("dask"):  # as probed inside a DaskEngine worker
        return "?" if dask_threads is None else str(dask_threads)
    return "1"


def _worker_probe() -> dict[str, Any]:
    import os as _os

    out: dict[str, Any] = {"NUMBA_NUM_THREADS": _os.environ.get("NUMBA_NUM_THREADS")}
    try:
        import numba

        out["numba threads"] = numba.get_num_threads()
    except ImportError:
        out["numba threads"] = None
    return out


def probe_dask_workers() -> tuple[str, int | None]:
    """Numba threads inside a worker of DaskEngine(workers=1) (a task run on the engine)."""
    try:
        import distributed
    except ImportError:
        return "Dask: not installed", None
    ((_, info),) = list(DaskEngine(workers=1).run(_worker_probe, [()]))
    return f"Dask {distributed.__version__} worker probe: {info}", info["numba threads"]


# ---------------------------------------------------------------- memory sampling


@dataclass
class Peaks:
    parent: float = 0.0
    child: float = 0.0
    tree: float = 0.0


class TreeSampler:
    """Samples RSS of this process and its descendants in a thread (psutil)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.peaks = Peaks()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        me = psutil.Process()
        p = self.peaks
        while True:
            try:
                parent = me.memory_info().rss
                kids = []
                for c in me.children(recursive=True):
                    with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        kids.append(c.memory_info().rss)
            except psutil.Error:  # pragma: no cover
                kids, parent = [], 0
            p.parent = max(p.parent, parent / MB)
            p.child = max(p.child, max(kids, default=0) / MB)
            p.tree = max(p.tree, (parent + sum(kids)) / MB)
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> TreeSampler:
        if psutil is not None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def rusage_mb() -> tuple[float, float]:
    """Lifetime peak RSS (MB) of this process and of its largest reaped child (Linux: KiB)."""
    scale = 1.0 if sys.platform == "darwin" else 1024.0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MB
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / MB
    return own, kids


# ---------------------------------------------------------------- one run


@dataclass
class Run:
    seconds: float
    peaks: Peaks
    chunk_blocks: int
    summary: dict[str, Any]


def run_once(
    spec: dict[str, Any], engine_name: str, chunk_size: int | None, sample_s: float
) -> Run:
    """One `run_trial` into a fresh temporary directory (removed after), timed and sampled."""
    parsed = parse_trial_spec(spec)
    engine, threads = make(engine_name)
    tmp = Path(tempfile.mkdtemp(prefix="rairlab-cohort-bench-"))
    try:
        with numba_threads(threads), TreeSampler(sample_s) as sampler:
            t0 = time.perf_counter()
            result = run_trial(parsed, tmp / "run", engine=engine, chunk_size=chunk_size)
            seconds = time.perf_counter() - t0
        manifest = json.loads((tmp / "run" / "manifest.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Run(seconds, sampler.peaks, int(manifest["chunk_blocks"]), dict(result))


# ---------------------------------------------------------------- the table


@dataclass
class Row:
    mode: str
    engine: str
    workers: int
    threads: str
    n: int
    chunk: int
    seconds: list[float] = field(default_factory=list)
    peaks: Peaks = field(default_factory=Peaks)
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.n / self.wall


@dataclass
class Result:
    header: list[str]
    rows: list[Row]
    footer: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The result as Markdown: header comments, the table, goal checks."""
        lines = [f"# {h}" for h in self.header]
        cols = (
            "mode",
            "engine",
            "workers",
            "numba thr/worker",
            "n",
            "chunk (patients)",
            "runs",
            "wall s (median)",
            "patients/s",
            "peak MB parent",
            "peak MB largest child",
            "peak MB tree",
            "note",
        )
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "|".join("---" for _ in cols) + "|")
        sampled = psutil is not None
        for r in self.rows:
            mb = (r.peaks.parent, r.peaks.child, r.peaks.tree) if sampled else (None,) * 3
            cells = (
                r.mode,
                r.engine,
                str(r.workers),
                r.threads,
                f"{r.n:,}",
                f"{r.chunk * BLOCK:,}",
                str(len(r.seconds)),
                f"{r.wall:.2f}",
                f"{r.rate:,.0f}",
                *("n/a" if v is None else ("-" if v == 0 else f"{v:,.0f}") for v in mb),
                r.note,
            )
            lines.append("| " + " | ".join(cells) + " |")
        lines += self.footer
        return "\n".join(lines)


# ---------------------------------------------------------------- the benchmark


def _machine() -> list[str]:
    try:
        import numba

        kernels = f"Numba {numba.__version__}, {numba.get_num_threads()} threads by default"
    except ImportError:
        kernels = "no Numba (NumPy kernels)"
    try:
        import distributed

        dask = f"distributed {distributed.__version__}"
    except ImportError:
        dask = "no Dask"
    mem = f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM" if psutil else "RAM ?"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    return [
        f"machine: {platform.processor() or platform.machine()}, os.cpu_count() = "
        f"{os.cpu_count()}, usable cores {affinity}, {mem}; load average "
        f"{os.getloadavg()[0]:.2f} at start",
        "this machine is shared and noisy: timings move by tens of percent from run to "
        "run; compare ratios within one invocation",
        f"python {platform.python_version()}, numpy {np.__version__}, {kernels}, {dask}",
        "memory: "
        + (
            f"psutil {psutil.__version__} samples the process tree (RSS) in a thread"
            if psutil
            else "psutil not installed: no per-run sampling (see the getrusage line below)"
        ),
    ]


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a["arms"], sort_keys=True) == json.dumps(b["arms"], sort_keys=True)


def run_benchmark(
    sizes: Sequence[int],
    *,
    time_course_sizes: Sequence[int] = (),
    engines: Sequence[str] = tuple(DEFAULT_ENGINES.split(",")),
    repeats: int = 3,
    repeat_max_s: float = 30.0,
    chunk_size: int | None = None,
    seed: int = 20240601,
    sample_s: float = 0.05,
    probe: bool = True,
    log: Callable[[str], None] | None = None,
) -> Result:
    """Time every (mode, n, engine) case; see the module docstring.

    Parameters
    ----------
    sizes
        Patients per steady-state trial.
    time_course_sizes
        Patients per time-course trial (the default network mode; slower).
    engines
        Names from :data:`ENGINE_NAMES`.
    repeats, repeat_max_s
        Runs per case; a case is repeated only while its first run took < `repeat_max_s`.
    chunk_size
        Patients per chunk (default: ``run_trial``'s).
    log
        Called with a progress line after every run (stderr by default in :func:`main`).
    """
    say = log or (lambda _: None)
    header = _machine()
    modes = [("steady_state", sorted(sizes)), ("time_course", sorted(time_course_sizes))]
    modes = [(m, ns) for m, ns in modes if ns]
    t0 = time.perf_counter()
    for mode, _ in modes:  # kernels: compile or load from the on-disk cache
        for name in ("local-1", "local-1-mt") if "local-1-mt" in engines else ("local-1",):
            run_once(trial_spec(BLOCK, mode, seed), name, None, sample_s)
    header.append(
        f"warm-up (kernels, data; one block per mode, in this process): "
        f"{time.perf_counter() - t0:.1f} s, excluded"
    )
    starts = []
    for name in engines:  # imports, pool / cluster start, once per engine
        r = run_once(trial_spec(2 * BLOCK, modes[0][0], seed), name, None, sample_s)
        starts.append(f"{name} {r.seconds:.1f} s")
    header.append(
        f"warm-up per engine ({2 * BLOCK:,} patients, {modes[0][0]}; includes pool/cluster "
        f"start, which every timed run pays again): {', '.join(starts)}; excluded"
    )
    dask_threads = None
    if probe and any(e.startswith("dask") for e in engines):
        text, dask_threads = probe_dask_workers()
        header.append(text)
    header.append(
        "trial: 1 arm, dabrafenib + trametinib 4 weeks (rhTSH), dosimetry-guided I-131 with "
        "threshold; distant_metastatic, genotype: prevalence, refractory: false; seed "
        f"{seed}; {repeats} runs per case while the first takes < {repeat_max_s:g} s"
    )
    rows: list[Row] = []
    for mode, ns in modes:
        for n in ns:
            spec = trial_spec(n, mode, seed)
            first: dict[str, Any] | None = None
            for name in engines:
                engine, _ = make(name)
                threads = _threads_label(name, dask_threads)
                row = Row(mode, engine.name, engine.workers, threads, n, 0)
                runs = []
                while len(runs) < repeats:
                    r = run_once(spec, name, chunk_size, sample_s)
                    runs.append(r)
                    say(f"{mode} n={n:,} {name}: {r.seconds:.2f} s")
                    if r.seconds >= repeat_max_s:
                        break
                row.seconds = [r.seconds for r in runs]
                row.chunk = runs[0].chunk_blocks
                row.peaks = Peaks(*(max(getattr(r.peaks, k) for r in runs)
                                    for k in ("parent", "child", "tree")))  # fmt: skip
                if first is None:
                    first = runs[0].summary
                    row.note = "reference summary"
                else:
                    same = _same(first, runs[0].summary)
                    row.note = "same summary" if same else "SUMMARY DIFFERS"
                rows.append(row)
    result = Result(header, rows)
    result.footer = _footer(rows)
    return result


def _find(rows: Sequence[Row], mode: str, engine: str, workers: int, n: int) -> Row | None:
    """The row of a case; for the local engine, the one with Numba pinned to 1 thread."""
    for r in rows:
        if (r.mode, r.engine, r.workers, r.n) == (mode, engine, workers, n):
            if engine == "local" and r.threads != "1":
                continue
            return r
    return None


def _footer(rows: Sequence[Row]) -> list[str]:
    out = ["", f"load average at end {os.getloadavg()[0]:.2f}"]
    own, kids = rusage_mb()
    out.append(
        f"getrusage cross-check (lifetime, all runs incl. warm-up): RUSAGE_SELF max RSS "
        f"{own:,.0f} MB, RUSAGE_CHILDREN (largest reaped child) {kids:,.0f} MB"
    )
    out.append("")
    out.append("peak memory by n (default chunking; MB: parent / largest child):")
    keys = sorted({(r.mode, r.engine, r.workers, r.threads) for r in rows})
    for mode, engine, workers, threads in keys:
        sel = [r for r in rows if (r.mode, r.engine, r.workers, r.threads) ==
               (mode, engine, workers, threads)]  # fmt: skip
        cells = ", ".join(
            f"n={r.n:,} (chunk {r.chunk * BLOCK:,}): {r.peaks.parent:,.0f} / {r.peaks.child:,.0f}"
            for r in sel
        )
        out.append(f"  {mode} {engine}-{workers} ({threads} thr): {cells}")
    out.append("")
    ss = [r for r in rows if r.mode == "steady_state"]
    if not ss:
        return out
    top = max(r.n for r in ss)
    out.append("goal checks (steady_state):")
    for engine in ("local", "dask"):
        row = _find(ss, "steady_state", engine, 2, GOAL_N)
        label = f"  10^6 patients in <= {GOAL_SECONDS:g} s on 2 cores, {engine}-2:"
        if row is not None:
            verdict = "PASS" if row.wall <= GOAL_SECONDS else "FAIL"
            out.append(f"{label} {verdict} ({row.wall:.1f} s, {row.rate:,.0f} patients/s)")
            continue
        biggest = max((r for r in ss if r.engine == engine and r.workers == 2),
                      key=lambda r: r.n, default=None)  # fmt: skip
        if biggest is None:
            out.append(f"{label} NOT RUN")
        else:
            guess = GOAL_N / biggest.rate
            verdict = "would PASS" if guess <= GOAL_SECONDS else "would FAIL"
            out.append(
                f"{label} NOT RUN; extrapolated from n={biggest.n:,} "
                f"({biggest.rate:,.0f} patients/s): ~{guess:.0f} s, {verdict}"
            )
    base = _find(ss, "steady_state", "local", 1, top)
    d2 = _find(ss, "steady_state", "dask", 2, top)
    if base is not None and d2 is not None:
        s = d2.rate / base.rate
        verdict = "PASS" if s >= GOAL_SPEEDUP else "FAIL"
        out.append(
            f"  Dask 2 workers vs 1 local worker at n={top:,}: {s:.2f}x "
            f"(goal >= {GOAL_SPEEDUP:g}x) {verdict} ({d2.wall:.1f} s vs {base.wall:.1f} s)"
        )
    else:
        out.append(f"  Dask 2 workers vs 1 local worker at n={top:,}: NOT RUN")
    for engine in ("dask", "local"):
        one, two = (_find(ss, "steady_state", engine, w, top) for w in (1, 2))
        if one is not None and two is not None:
            out.append(
                f"  (info) {engine}-2 vs {engine}-1 at n={top:,}: {two.rate / one.rate:.2f}x "
                f"({two.wall:.1f} s vs {one.wall:.1f} s)"
            )
    return out


def _sizes(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",") if s.strip()]


def main(argv: Sequence[str] | None = None) -> Result:
    """Parse the options, run every case, print the table (and return it)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1e4,1e5,1e6", help="steady_state trial sizes")
    parser.add_argument(
        "--time-course-sizes",
        default="1e4,1e5",
        help="time_course trial sizes (only those <= the largest --sizes; '' for none)",
    )
    parser.add_argument(
        "--engines", default=DEFAULT_ENGINES, help=f"comma list from {', '.join(ENGINE_NAMES)}"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repeat-max-s", type=float, default=30.0)
    parser.add_argument("--chunk-size", type=int, default=None, help="patients per chunk")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--sample-s", type=float, default=0.05, help="memory sampling period")
    parser.add_argument("--no-probe", action="store_true", help="skip the Dask worker probe")
    parser.add_argument("--quick", action="store_true", help="sizes 1e4 only")
    args = parser.parse_args(argv)
    sizes = [10_000] if args.quick else _sizes(args.sizes)
    tc = [n for n in _sizes(args.time_course_sizes) if n <= max(sizes)]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINE_NAMES:
            parser.error(f"unknown engine {e!r}; known: {', '.join(ENGINE_NAMES)}")
    if args.chunk_size is not None and (args.chunk_size < BLOCK or args.chunk_size % BLOCK):
        parser.error(f"--chunk-size must be a multiple of {BLOCK}")
    result = run_benchmark(
        sizes,
        time_course_sizes=tc,
        engines=engines,
        repeats=max(1, args.repeats),
        repeat_max_s=args.repeat_max_s,
        chunk_size=args.chunk_size,
        seed=args.seed,
        sample_s=args.sample_s,
        probe=not args.no_probe,
        log=lambda s: print(s, file=sys.stderr, flush=True),
    )
    print(result.table())
    return result


if __name__ == "__main__":
    main()
