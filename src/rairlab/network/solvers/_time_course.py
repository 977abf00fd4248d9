"""Batched time courses: the public entry point and its result.

The method is RODAS4 (:mod:`._rodas4`) with a step size of its own for every
patient; it runs compiled on SIMD lanes (:mod:`._time_course_compiled`) when Numba is
available, else in NumPy (:mod:`._time_course_numpy`); ``engine`` chooses explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError
from rairlab.network._compiled import CompiledModel, Conditions, edge_parameters, node_tau
from rairlab.network.solvers import _time_course_numpy
from rairlab.network.solvers._engine import use_compiled

__all__ = ["TimeCourse", "time_course"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class TimeCourse:
    """Trajectories of a batch of patients.

    Attributes
    ----------
    times
        Output times in hours, shape (n_times,).
    x
        Activities, shape (n_patients, n_times, N); NaN at times a patient did not reach.
    completed
        Per patient: reached the last time within ``max_steps``.
    steps
        Accepted steps per patient.
    node_ids
        Column names of the last axis.
    """

    times: Array
    x: Array
    completed: NDArray[np.bool_]
    steps: NDArray[np.int64]
    node_ids: tuple[str, ...]

    def __getitem__(self, node: str) -> Array:
        """Trajectory of one node, shape (n_patients, n_times)."""
        return self.x[:, :, self.node_ids.index(node)]


def time_course(
    model: CompiledModel,
    cond: Conditions,
    times: ArrayLike,
    x0: ArrayLike,
    *,
    rtol: float = 1e-4,
    atol: float = 1e-7,
    max_steps: int = 5000,
    engine: str = "auto",
) -> TimeCourse:
    """Integrate dx/dt = (F(x, t) - x)/tau for every patient from `x0` at t = 0.

    Parameters
    ----------
    model, cond
        Compiled model and per-patient perturbations (drugs act from t = 0).
    times
        Increasing output times in hours, all >= 0.
    x0
        Initial activities, (n_patients, N) or (N,), e.g. an untreated steady state.
    rtol, atol
        Local error tolerances per node (root-mean-square norm over nodes).
    max_steps
        Per patient; a patient that needs more is reported in ``completed``.
    engine
        ``"auto"`` (compiled when Numba is available), ``"compiled"`` or ``"numpy"``:
        the same method and step-size control, equal to rounding.

    Returns
    -------
    TimeCourse

    Examples
    --------
    >>> from rairlab.network import compile_model, conditions, steady_state
    >>> m = compile_model()
    >>> c = conditions(m, 2)
    >>> ss = steady_state(m, c)
    >>> tc = time_course(m, c, [0.0, 24.0], ss.x)
    >>> bool(np.abs(tc.x[:, -1] - ss.x).max() < 1e-6)
    True
    """
    t_out = np.asarray(times, dtype=float)
    if t_out.ndim != 1 or t_out.size == 0 or t_out[0] < 0 or np.any(np.diff(t_out) <= 0):
        raise InvalidValueError("times", times, "increasing times in hours, all >= 0")
    n, N = cond.n_patients, model.n_nodes
    edge_parameters(model, cond)  # one clear error for kinetic arrays of the wrong size
    node_tau(model, cond)
    x = np.array(np.broadcast_to(np.asarray(x0, dtype=float), (n, N)))
    if use_compiled(engine, n):
        from rairlab.network.solvers import _time_course_compiled  # imports Numba

        out, steps, reached = _time_course_compiled.integrate(
            model, cond, t_out, x, rtol, atol, max_steps
        )
    else:
        out, steps, reached = _time_course_numpy.integrate(
            model, cond, t_out, x, rtol, atol, max_steps
        )
    return TimeCourse(t_out, out, reached >= t_out.size, steps, model.node_ids)
