"""Batched steady states x = F(x): the public entry point and its result.

The method is :mod:`._newton`; it runs compiled (:mod:`._steady_compiled`, one
patient per task) when Numba is available, else in NumPy (:mod:`._steady_numpy`,
batched over patients); ``engine`` chooses explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rairlab.errors import InvalidValueError
from rairlab.network._compiled import CompiledModel, Conditions, node_tau
from rairlab.network.solvers import _newton, _steady_numpy
from rairlab.network.solvers._engine import use_compiled

__all__ = ["SteadyState", "steady_state"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SteadyState:
    """Steady states of a batch of patients.

    Attributes
    ----------
    x
        Activities, shape (n_patients, N), columns in ``node_ids`` order.
    converged
        Per patient: the residual is below the tolerance.
    residual
        Per patient: max over nodes of |F(x) - x|.
    node_ids
        Column names.
    iterations
        Largest number of Newton iterations any feedback component needed.
    stable
        Per patient: every feedback loop's Jacobian (of dx/dt) has eigenvalues with
        negative real part at this steady state. An unstable steady state is a true
        solution of x = F(x), but the time course oscillates around it instead.
    """

    x: Array
    converged: NDArray[np.bool_]
    residual: Array
    node_ids: tuple[str, ...]
    iterations: int
    stable: NDArray[np.bool_]

    def __getitem__(self, node: str) -> Array:
        """Activity of one node for every patient, shape (n_patients,)."""
        return self.x[:, self.node_ids.index(node)]

    @property
    def all_converged(self) -> bool:
        """True when every patient converged."""
        return bool(self.converged.all())


def steady_state(
    model: CompiledModel,
    cond: Conditions,
    *,
    x0: Array | None = None,
    tol: float = 1e-10,
    max_iter: int = 60,
    engine: str = "auto",
) -> SteadyState:
    """Steady state x = F(x) of every patient (pulses have faded; t -> infinity).

    Parameters
    ----------
    model
        The compiled model.
    cond
        Per-patient perturbations (:func:`rairlab.network.conditions`).
    x0
        Starting point for the feedback loops, (n_patients, N) or (N,); default 0.5
        everywhere. With several steady states (positive loops) it selects one.
    tol
        Convergence tolerance on max|F(x) - x| per patient.
    max_iter
        Newton iterations per feedback component.
    engine
        ``"auto"`` (the compiled kernel when Numba is available), ``"compiled"`` or
        ``"numpy"``: the same algorithm, equal to about 1e-12; the NumPy path never
        imports Numba, which a one-patient command-line call does not need.

    Returns
    -------
    SteadyState
        With ``converged`` and ``residual`` per patient; non-converged patients are
        reported, not removed.

    Examples
    --------
    >>> from rairlab.network import compile_model, conditions
    >>> m = compile_model()
    >>> ss = steady_state(m, conditions(m, 3))
    >>> ss.all_converged, ss.x.shape == (3, m.n_nodes)
    (True, True)
    """
    if tol <= 0:
        raise InvalidValueError("tol", tol, "a positive number")
    n = cond.n_patients
    x = np.full((n, model.n_nodes), 0.5)
    if x0 is not None:
        x[:] = np.clip(np.broadcast_to(np.asarray(x0, dtype=float), x.shape), 0.0, 1.0)
    node_tau(model, cond)  # one clear error for kinetic arrays of the wrong size
    loop_tol = tol * _newton.LOOP_TOL_FACTOR
    if use_compiled(engine, n):
        from rairlab.network.solvers import _steady_compiled  # imports Numba

        solved = _steady_compiled.solve(model, cond, x, loop_tol, max_iter)
    else:
        solved = _steady_numpy.solve(model, cond, x, loop_tol, max_iter)
    residual, iterations, blocks, loops = solved
    stable = np.ones(n, dtype=bool)
    inv_tau = 1.0 / node_tau(model, cond)
    for A, comp in zip(blocks, loops, strict=True):
        stable &= _newton.loop_stable(A, inv_tau[:, list(comp)])
    return SteadyState(x, residual < tol, residual, model.node_ids, iterations, stable)
