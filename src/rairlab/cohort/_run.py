"""Run a trial spec on an engine into a run directory, resumably.

:func:`run_trial` splits each arm's patients into chunks of whole random blocks,
runs the chunks on the engine, writes each chunk's Parquet tables as it
finishes, and writes ``summary.json`` at the end. Results depend only on the
spec (its seed included): never on the engine, the number of workers or the
chunk size.
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rairlab._io import write_json
from rairlab._version import __version__
from rairlab.cohort._data import load_cohort_data
from rairlab.cohort._engines import Engine, LocalEngine
from rairlab.cohort._patients import BLOCK
from rairlab.cohort._pipeline import exposure, simulate_chunk
from rairlab.cohort._spec import TrialSpec, parse_trial_spec
from rairlab.cohort._store import RunDir
from rairlab.errors import InvalidValueError
from rairlab.network._options import MAX_EXPOSURE

__all__ = ["TrialResult", "chunk_blocks", "run_trial"]

#: Largest default chunk, in blocks (memory per worker stays near 100 MB).
MAX_CHUNK_BLOCKS = 16


class TrialResult(dict[str, Any]):
    """The summary dict of a finished run, with the run directory as ``.path``."""

    path: Path


def _task(
    spec_json: dict[str, Any], arm: int, first: int, stop: int, out: str | None, chunk: int
) -> dict[str, Any]:
    """One chunk on a worker (module-level so engines can ship it).

    With `out` (a worker that shares the run directory's file system) the worker
    writes the chunk's tables itself and returns only its timing; otherwise it
    returns the tables for the caller to write.
    """
    spec = parse_trial_spec(spec_json)
    t0 = time.perf_counter()
    tables = simulate_chunk(spec, arm, range(first, stop))
    seconds = time.perf_counter() - t0
    if out is not None:
        RunDir(out).write_chunk(arm, chunk, tables)
        return {"seconds": seconds}
    return {"tables": tables, "seconds": seconds}


def _parameters_manifest(spec: TrialSpec) -> dict[str, Any]:
    """Which parameter set the run used, with its values (they can change between versions)."""
    p = spec.simulation.parameter_set()
    return {"set": p.label, "values": p.as_dict()}


def check_against_data(spec: TrialSpec) -> None:
    """Checks that need the cohort data, run before anything is written.

    Raises
    ------
    UnknownNameError
        A drug given with a dose but without a reference regimen.
    InvalidValueError
        A histology list the setting gives no patients of.
    """
    data = load_cohort_data()
    setting = data.setting(spec.population.setting)
    if spec.population.histology and not setting.histology.restricted(spec.population.histology):
        raise InvalidValueError(
            "population.histology",
            spec.population.histology,
            f"histologies the {spec.population.setting} setting has: "
            + ", ".join(k for k, v in setting.histology.p.items() if v > 0),
        )
    for i, arm in enumerate(spec.arms):
        check_exposures(arm.drugs, data, f"arms[{i}]")


def check_exposures(drugs: Any, data: Any, where: str) -> None:
    """Every dosed drug has a reference regimen and an exposure up to `MAX_EXPOSURE`.

    Raises
    ------
    UnknownNameError
        A drug given with a dose but without a reference regimen.
    InvalidValueError
        A dose whose exposure (relative to the reference daily dose) exceeds
        `MAX_EXPOSURE`: past it every modelled effect is saturated, so it is a typo.
    """
    for j, drug in enumerate(drugs):
        if drug.dose_mg is None and drug.per_day is None:
            continue
        ref = data.regimen(drug.name)
        if exposure(drug, data) > MAX_EXPOSURE:
            raise InvalidValueError(
                f"{where}.drugs[{j}].dose_mg",
                drug.dose_mg,
                f"a dose up to {MAX_EXPOSURE:g} times the reference daily dose of "
                f"{drug.name} ({ref.dose_mg:g} mg x {ref.per_day})",
            )


def chunk_blocks(n: int, workers: int, chunk_size: int | None) -> int:
    """Blocks per chunk: `chunk_size` patients (a multiple of BLOCK), or a default."""
    blocks = math.ceil(n / BLOCK)
    if chunk_size is not None:
        if chunk_size < BLOCK or chunk_size % BLOCK:
            raise InvalidValueError("--chunk-size", chunk_size, f"a multiple of {BLOCK} patients")
        return chunk_size // BLOCK
    return max(1, min(MAX_CHUNK_BLOCKS, math.ceil(blocks / (4 * workers))))


#: One chunk's arguments of :func:`_task`: spec, arm, first and stop block, out, chunk.
_Task = tuple[dict[str, Any], int, int, int, str | None, int]


def _new_manifest(spec: TrialSpec, engine: Engine, per_chunk: int) -> dict[str, Any]:
    """The manifest of a run that starts now (a resumed run keeps parts of its own)."""
    return {
        "trial": spec.name,
        "rairlab_version": __version__,
        "spec_sha256": spec.fingerprint(),
        "seed": spec.seed,
        "parameters": _parameters_manifest(spec),
        "block_size": BLOCK,
        "chunk_blocks": per_chunk,
        "engine": engine.name,
        "workers": engine.workers,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "status": "running",
    }


def _pending_tasks(
    spec: TrialSpec, run: RunDir, engine: Engine, per_chunk: int
) -> tuple[list[_Task], int]:
    """The tasks of the chunks not written yet, and the number of chunks in all."""
    blocks = math.ceil(spec.population.n / BLOCK)
    chunks = [(b, min(b + per_chunk, blocks)) for b in range(0, blocks, per_chunk)]
    # workers on this machine write their chunks themselves (no tables shipped back)
    shared = str(run.path.resolve()) if engine.shares_files else None
    tasks = [
        (spec.model_dump(mode="json"), a, first, stop, shared, first // per_chunk)
        for a in range(len(spec.arms))
        for first, stop in chunks
        if not run.has_chunk(a, first // per_chunk)
    ]
    return tasks, len(spec.arms) * len(chunks)


def _run_tasks(
    engine: Engine,
    run: RunDir,
    tasks: list[_Task],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> float:
    """Run `tasks` on `engine`, writing the tables workers return; the chunks' seconds."""
    done = total - len(tasks)
    compute = 0.0
    if progress:
        progress(done, total)
    for (_, arm, _, _, _, chunk), result in engine.run(_task, tasks):
        if "tables" in result:
            run.write_chunk(arm, chunk, result["tables"])
        compute += result["seconds"]
        done += 1
        if progress:
            progress(done, total)
    return compute


def _finish_manifest(
    run: RunDir, manifest: dict[str, Any], engine: Engine, chunks: int, t0: float, compute: float
) -> None:
    """Mark the run complete, adding this session's timings to those of earlier ones."""
    timings = dict(manifest.get("timings") or {})
    timings.setdefault("runs", []).append(
        {
            "engine": engine.name,
            "workers": engine.workers,
            "chunks": chunks,
            "wall_seconds": round(time.perf_counter() - t0, 3),
            "chunk_seconds": round(compute, 3),
        }
    )
    run.update_manifest(
        status="complete",
        timings=timings,
        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        engine=engine.name,
        workers=engine.workers,
    )


def run_trial(
    spec: TrialSpec,
    out: str | Path,
    *,
    engine: Engine | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TrialResult:
    """Run `spec` into directory `out` and return its summary.

    Parameters
    ----------
    spec
        A validated trial spec.
    out
        Run directory: created, or (with `resume`) one holding the same spec.
    engine
        Where chunks run (default: :class:`LocalEngine` on all cores).
    chunk_size
        Patients per chunk, a multiple of :data:`BLOCK` (default: a few chunks per worker).
    resume
        Finish a run that was stopped: chunks already written are kept.
    progress
        Called with (chunks done, chunks in all) after each chunk.

    Raises
    ------
    InputFileError
        `out` holds another trial, or this one without `resume`.
    """
    engine = engine or LocalEngine()
    check_against_data(spec)
    run = RunDir(out)
    per_chunk = chunk_blocks(spec.population.n, engine.workers, chunk_size)
    manifest = run.prepare(spec, _new_manifest(spec, engine, per_chunk), resume)
    per_chunk = int(manifest["chunk_blocks"])  # a resumed run keeps its chunks
    tasks, total = _pending_tasks(spec, run, engine, per_chunk)
    t0 = time.perf_counter()
    compute = _run_tasks(engine, run, tasks, total, progress)
    summary = run.summarize(spec)
    write_json(run.path / "summary.json", summary)
    _finish_manifest(run, manifest, engine, len(tasks), t0, compute)
    result = TrialResult(summary)
    result.path = run.path
    return result
