"""Trial runs started from the web app: one background thread per run, state in memory and on disk.

A run lives in ``RUNS_DIR/RUN_ID/`` as an ordinary trial run directory (``rairlab
report`` and ``rairlab results query`` work on it). Its state while this server
runs it comes from the library's progress callback; otherwise from the
directory alone, so a page reload or a server restart loses nothing: a manifest
still marked ``running`` that no thread of this server is running is an
*interrupted* run, which :meth:`Jobs.resume` finishes through the library's
resume path. A run whose thread failed keeps its one-line error in
``RUN_DIR/web-error.txt``.

One server per runs folder: another server's live run would show here as
interrupted (resuming it is harmless, as every chunk is deterministic and
written atomically, but wasted work).
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rairlab._io import write_text
from rairlab.cohort import BLOCK, LocalEngine, RunDir, TrialSpec, run_trial
from rairlab.errors import InvalidValueError, RairlabError

__all__ = [
    "ERROR_FILE",
    "RUN_ID",
    "STATUSES",
    "JobLimitError",
    "Jobs",
    "check_run_id",
    "jobs_lifespan",
    "new_run_id",
]

log = logging.getLogger("rairlab.web")

#: A run id: the UTC start time to the microsecond and 6 random hex digits, e.g.
#: ``20250301-141502.123456-9f3a1c``; ids sort in the order the runs were started.
RUN_ID = re.compile(r"\d{8}-\d{6}\.\d{6}-[0-9a-f]{6}")
#: A run's status: starting/running (a thread of this server), complete, failed, interrupted.
STATUSES = ("starting", "running", "complete", "failed", "interrupted")
#: The file of a run directory holding the one-line error of a failed run.
ERROR_FILE = "web-error.txt"
#: Most runs listed (the newest).
MAX_LISTED = 200


class JobLimitError(RairlabError, RuntimeError):
    """As many trials are running as the server allows (answered with status 429)."""


class _StopRequestedError(Exception):
    """Raised in the progress callback to stop a run between chunks (server shutdown)."""


def new_run_id() -> str:
    """A fresh run id: UTC time and random hex (never derived from user input).

    Examples
    --------
    >>> RUN_ID.fullmatch(new_run_id()) is not None
    True
    """
    now = time.time_ns()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now // 1_000_000_000))
    return f"{stamp}.{now // 1000 % 1_000_000:06d}-{secrets.token_hex(3)}"


def check_run_id(value: str, parameter: str = "run id") -> str:
    """`value` if it has the form of a run id, else InvalidValueError (never a path).

    Examples
    --------
    >>> check_run_id("20250301-141502.123456-9f3a1c")
    '20250301-141502.123456-9f3a1c'
    >>> check_run_id("../../etc")
    Traceback (most recent call last):
    ...
    rairlab.errors.InvalidValueError: Invalid run id '../../etc': expected a run id such as \
'20250301-141502.123456-9f3a1c'.
    """
    if not isinstance(value, str) or RUN_ID.fullmatch(value) is None:
        example = "20250301-141502.123456-9f3a1c"
        raise InvalidValueError(parameter, value, f"a run id such as {example!r}")
    return value


@dataclass
class _Job:
    """A run a thread of this server is running (or ran)."""

    run_id: str
    trial: str
    status: str = "starting"
    done: int = 0
    total: int = 0
    error: str | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _disk_progress(path: Path, manifest: dict[str, Any]) -> tuple[int, int]:
    """(chunks written, chunks in all) of a run directory, from its spec and manifest."""
    try:
        spec = yaml.safe_load((path / "spec.yaml").read_text(encoding="utf-8"))
        n, arms = int(spec["population"]["n"]), len(spec["arms"])
        per_chunk = int(manifest["chunk_blocks"])
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return 0, 0
    chunks = math.ceil(math.ceil(n / BLOCK) / max(per_chunk, 1))
    run = RunDir(path)
    done = sum(run.has_chunk(a, c) for a in range(arms) for c in range(chunks))
    return done, arms * chunks


class Jobs:
    """The trial runs of a runs folder: start, resume, status; at most `max_running_jobs` at once.

    Parameters
    ----------
    runs_dir
        Folder holding one run directory per run id.
    limits
        The app's :class:`~rairlab.web._common.WebLimits` (``max_running_jobs``).
    """

    def __init__(self, runs_dir: str | Path, limits: Any) -> None:
        self.runs_dir = Path(runs_dir)
        self.limits = limits
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def path(self, run_id: str) -> Path:
        """The run directory of `run_id` (checked to be a run id first)."""
        return self.runs_dir / check_run_id(run_id)

    def running(self) -> int:
        """How many runs this server is running now."""
        with self._lock:
            return sum(j.alive for j in self._jobs.values())

    def start(self, spec: TrialSpec) -> str:
        """Start `spec` as a new run in the background; return its run id.

        Raises
        ------
        JobLimitError
            As many runs are running as the limits allow.
        """
        run_id = new_run_id()
        while (self.runs_dir / run_id).exists():  # pragma: no cover - 1 in 16 million
            run_id = new_run_id()
        self._launch(run_id, spec, resume=False)
        return run_id

    def resume(self, run_id: str) -> None:
        """Finish an interrupted or failed run through the library's resume path.

        Raises
        ------
        InvalidValueError
            The run is running or complete, or has no spec to resume from.
        LookupError
            No such run (:class:`~rairlab.errors.InvalidValueError` is raised for a bad id).
        JobLimitError
            As many runs are running as the limits allow.
        """
        state = self.status(run_id)
        if state["status"] not in ("interrupted", "failed") or not state["resumable"]:
            raise InvalidValueError(
                "run", run_id, f"an interrupted or failed run (this one is {state['status']})"
            )
        spec = RunDir(self.path(run_id)).spec()
        self._launch(run_id, spec, resume=True)

    def _launch(self, run_id: str, spec: TrialSpec, resume: bool) -> None:
        with self._lock:
            if self._stop.is_set():
                raise JobLimitError("The server is shutting down: no new trial can start.")
            running = sum(j.alive for j in self._jobs.values())
            limit = self.limits.max_running_jobs
            if running >= limit:
                raise JobLimitError(
                    f"{running} trial(s) running, the most this server runs at once ({limit}); "
                    "try again when one has finished."
                )
            job = _Job(run_id=run_id, trial=spec.name)
            job.thread = threading.Thread(
                target=self._work,
                args=(job, spec, resume),
                name=f"rairlab-trial-{run_id}",
                daemon=True,
            )
            self._jobs[run_id] = job
            (self.runs_dir / run_id / ERROR_FILE).unlink(missing_ok=True)
            job.thread.start()

    def _work(self, job: _Job, spec: TrialSpec, resume: bool) -> None:
        """The thread of one run: every outcome is recorded, nothing is raised."""
        path = self.runs_dir / job.run_id

        def progress(done: int, total: int) -> None:
            job.done, job.total, job.status = done, total, "running"
            if done < total and self._stop.is_set():
                raise _StopRequestedError

        try:
            # one worker, in this thread; chunks of one block: fine progress, quick stop
            run_trial(
                spec,
                path,
                engine=LocalEngine(1),
                chunk_size=BLOCK,
                resume=resume,
                progress=progress,
            )
            job.status = "complete"
        except _StopRequestedError:
            job.status = "interrupted"
        except RairlabError as exc:
            self._fail(job, path, str(exc))
        except Exception as exc:
            log.error("trial run %s failed", job.run_id, exc_info=exc)
            self._fail(job, path, f"Internal error in the run ({type(exc).__name__}; logged).")

    def _fail(self, job: _Job, path: Path, message: str) -> None:
        job.error = " ".join(message.split())
        job.status = "failed"
        try:
            write_text(path / ERROR_FILE, job.error + "\n")
        except (OSError, RairlabError):  # pragma: no cover - disk full; kept in memory
            log.error("could not record the error of trial run %s", job.run_id)

    def status(self, run_id: str) -> dict[str, Any]:
        """The state of a run: status, progress, trial name, times, error.

        Keys: ``run_id``, ``trial``, ``status`` (one of :data:`STATUSES`), ``done`` and
        ``total`` (chunks), ``error`` (one line or None), ``started``, ``finished``,
        ``resumable``.

        Raises
        ------
        InvalidValueError
            `run_id` is not a run id.
        LookupError
            No run of that id in the runs folder.
        """
        path = self.path(run_id)
        with self._lock:
            job = self._jobs.get(run_id)
        manifest = _read_json(path / "manifest.json")
        if job is None and manifest is None and not (path / ERROR_FILE).is_file():
            raise LookupError(f"Unknown trial run {run_id!r}: no such run in this server's runs.")
        manifest = manifest or {}
        out: dict[str, Any] = {
            "run_id": run_id,
            "trial": manifest.get("trial") or (job.trial if job else "?"),
            "started": manifest.get("started"),
            "finished": manifest.get("finished"),
            "error": job.error if job is not None else None,
            "resumable": bool(manifest) and (path / "spec.yaml").is_file(),
        }
        if job is not None and job.alive:
            out.update(status=job.status, done=job.done, total=job.total)
            return out
        if manifest.get("status") == "complete" and (path / "summary.json").is_file():
            status = "complete"
        elif (path / ERROR_FILE).is_file():
            status = "failed"
            try:
                out["error"] = (path / ERROR_FILE).read_text(encoding="utf-8").strip()
            except OSError:  # pragma: no cover
                out["error"] = "The run failed."
        elif job is not None and job.status == "failed":
            status = "failed"
        else:
            status = "interrupted"
        done, total = _disk_progress(path, manifest) if manifest else (0, 0)
        out.update(status=status, done=done, total=total)
        if status == "complete":
            out["resumable"] = False
        return out

    def runs(self) -> list[dict[str, Any]]:
        """The state of every run in the runs folder, newest first (at most MAX_LISTED)."""
        try:
            names = [p.name for p in self.runs_dir.iterdir() if p.is_dir()]
        except OSError:
            names = []
        with self._lock:
            names += list(self._jobs)
        ids = sorted({n for n in names if RUN_ID.fullmatch(n)}, reverse=True)  # newest first
        out = []
        for run_id in ids[:MAX_LISTED]:
            try:
                out.append(self.status(run_id))
            except LookupError:  # an empty folder (a run that never started)
                continue
        return out

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every run after its current chunk and wait up to `timeout` s for the threads.

        A stopped run stays on disk, marked running: the next server lists it as
        interrupted, with its finished chunks kept for the resume.
        """
        self._stop.set()
        with self._lock:
            threads = [j.thread for j in self._jobs.values() if j.thread is not None]
        deadline = time.monotonic() + timeout
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():  # pragma: no cover - a chunk longer than the timeout
                log.warning("trial thread %s still running at shutdown", t.name)


@asynccontextmanager
async def jobs_lifespan(app: Any) -> AsyncIterator[None]:
    """Starlette lifespan: on shutdown, stop the app's trial runs and join their threads."""
    import anyio.to_thread

    yield
    jobs = getattr(app.state.web, "jobs", None) if hasattr(app.state, "web") else None
    if jobs is not None:
        await anyio.to_thread.run_sync(jobs.shutdown)
