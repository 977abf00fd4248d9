"""Engines that run a trial's chunks: ``local`` (processes on this machine) and ``dask``.

One small interface, :class:`Engine`: ``run(fn, tasks)`` yields ``(task, result)``
as chunks finish, with at most a few chunks in flight so memory is bounded by
the chunk size, not by the trial size. The local engine with one worker runs in
this process (no pool); the Dask engine connects to a scheduler address or
starts a ``LocalCluster``. Optional backends are imported when used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from rairlab.errors import InvalidValueError, UnknownNameError

__all__ = [
    "ENGINES",
    "DaskEngine",
    "Engine",
    "LocalEngine",
    "cpu_count",
    "make_engine",
    "single_threaded",
]

ENGINES = ("local", "dask")


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def single_threaded() -> None:
    """Worker start-up: one compiled-kernel thread per worker process (no oversubscription)."""
    os.environ["NUMBA_NUM_THREADS"] = "1"


class Engine(Protocol):
    """Runs ``fn(*task)`` for every task; yields ``(task, result)`` in completion order.

    ``shares_files``: the workers see this machine's file system (they can write
    results where the caller would).
    """

    name: str
    workers: int
    shares_files: bool

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[tuple[Any, ...], Any]]: ...


def _bounded(
    submit: Callable[[tuple[Any, ...]], Any],
    first_done: Callable[[list[Any]], Any],
    tasks: Sequence[tuple[Any, ...]],
    limit: int,
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Keep at most `limit` tasks in flight; yield each (task, result) as it finishes."""
    pending = list(tasks)[::-1]
    running: dict[Any, tuple[Any, ...]] = {}
    while pending or running:
        while pending and len(running) < limit:
            task = pending.pop()
            running[submit(task)] = task
        for fut in first_done(list(running)):
            yield running.pop(fut), fut.result()


class _Engine:
    name = ""
    shares_files = True

    def __init__(self, workers: int | None = None) -> None:
        self.workers = cpu_count() if workers is None else int(workers)
        if self.workers < 1:
            raise InvalidValueError("--workers", workers, "an integer >= 1")


class LocalEngine(_Engine):
    """Vectorized chunks on this machine's cores (one process per worker)."""

    name = "local"

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[tuple[Any, ...], Any]]:
        if self.workers == 1 or len(tasks) <= 1:
            for task in tasks:
                yield task, fn(*task)
            return
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        # spawn, not fork: the compiled kernels' OpenMP threads make fork unsafe. As with
        # any multiprocessing code, a script calling this needs ``if __name__ == "__main__"``.
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=single_threaded
        ) as pool:
            yield from _bounded(
                lambda task: pool.submit(fn, *task),
                lambda futures: wait(futures, return_when=FIRST_COMPLETED).done,
                tasks,
                2 * self.workers,
            )


class DaskEngine(_Engine):
    """The same chunks on a Dask cluster: `scheduler` address, or a LocalCluster of `workers`."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        super().__init__(workers)
        self.scheduler = scheduler
        # a LocalCluster runs here; a remote cluster's workers return their tables
        self.shares_files = scheduler is None

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[tuple[Any, ...], Any]]:
        import distributed

        cluster = None
        if self.scheduler is None:
            cluster = distributed.LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",  # any free port: never clashes with another cluster
                silence_logs=40,
                env={"NUMBA_NUM_THREADS": "1"},
            )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(self.scheduler)
        try:
            n_workers = len(client.scheduler_info().get("workers", {})) or self.workers
            yield from _bounded(
                lambda task: client.submit(fn, *task, pure=False),
                lambda futures: distributed.wait(futures, return_when="FIRST_COMPLETED").done,
                tasks,
                2 * n_workers,
            )
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_engine(name: str, workers: int | None = None, scheduler: str | None = None) -> Engine:
    """The engine called `name` (``local`` or ``dask``)."""
    if name == "local":
        if scheduler is not None:
            raise InvalidValueError("--scheduler", scheduler, "no scheduler with --engine local")
        return LocalEngine(workers)
    if name == "dask":
        return DaskEngine(scheduler, workers)

    raise UnknownNameError("engine", name, ENGINES)
