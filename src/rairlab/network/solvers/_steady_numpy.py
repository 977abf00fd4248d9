"""Steady states in NumPy: the method of :mod:`._newton`, batched over patients.

One concept: the same algorithm as the compiled kernel (:mod:`._steady_compiled`),
vectorized over the patients whose loop has not converged yet instead of run per
patient; the two agree to about 1e-12 (``tests/network/test_solvers.py``).
"""

from __future__ import annotations

import contextlib

import numpy as np
from numpy.typing import NDArray

from rairlab.network._compiled import (
    CompiledModel,
    Conditions,
    edge_parameters,
    rule_value,
    rule_value_grad,
)
from rairlab.network.solvers import _newton, _program

__all__ = ["solve"]

Array = NDArray[np.float64]
Rows = slice | NDArray[np.intp]


def _rows(arrays: tuple[Array, ...], rows: Rows) -> tuple[Array, ...]:
    """Per-patient arrays (n or 1 rows) restricted to `rows` (1-row arrays are shared)."""
    return tuple(a if a.shape[0] == 1 else a[rows] for a in arrays)


def _node_value(
    model: CompiledModel, cond: Conditions, params: tuple[Array, ...], x: Array, i: int
) -> Array:
    """F_i(x) of one node, every patient (`params`: :func:`edge_parameters`)."""
    if model.is_input[i]:
        base = cond.clamp_value[:, i]
    else:
        value = rule_value(model, x, i, params)
        base = np.where(cond.clamp_mask[:, i], cond.clamp_value[:, i], value)
    return cond.scale[:, i] * (1.0 - (1.0 - base) * (1.0 - cond.bias[:, i]))


def _loop_residual(
    model: CompiledModel, cond: Conditions, params: tuple[Array, ...], x: Array,
    comp: tuple[int, ...], rows: Rows,
) -> tuple[Array, Array]:  # fmt: skip
    """G = y - F(y) on the loop's nodes (n, m) and the loop's block of dF/dx (n, m, m)."""
    local = {g: j for j, g in enumerate(comp)}
    m = len(comp)
    F = np.empty((x.shape[0], m))
    A = np.zeros((x.shape[0], m, m))
    p = _rows(params, rows)
    for j, i in enumerate(comp):
        value, dB = rule_value_grad(model, x, i, p)
        clamped = cond.clamp_mask[rows, i]
        value = np.where(clamped, cond.clamp_value[rows, i], value)
        s, g = cond.scale[rows, i], cond.bias[rows, i]
        F[:, j] = s * (1.0 - (1.0 - value) * (1.0 - g))
        w = s * (1.0 - g) * ~clamped
        for e, src in enumerate(model.edge_src[model.edges_of(i)]):
            if int(src) in local:
                A[:, j, local[int(src)]] += dB[:, e] * w
    return x[:, list(comp)] - F, A


def _newton_step(G: Array, A: Array) -> Array:
    """d with (I - A) d = -G per patient; -G where I - A is singular."""
    M = np.eye(G.shape[1]) - A
    try:
        return np.asarray(np.linalg.solve(M, -G[..., None])[..., 0])
    except np.linalg.LinAlgError:  # numpy solves all or none: one patient at a time
        d = -G
        for p in range(G.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                d[p] = np.linalg.solve(M[p], -G[p])
        return d


def _line_search(
    model: CompiledModel, cond: Conditions, params: tuple[Array, ...], comp: tuple[int, ...],
    rows: NDArray[np.intp], x: Array, G: Array, d: Array, norm: Array,
) -> Array:  # fmt: skip
    """The next iterate of each patient: the first damped step that passes the Armijo
    test, else the damped fixed-point step."""
    C = list(comp)
    y = x[:, C]
    best = x.copy()
    accepted = np.zeros(rows.size, dtype=bool)
    for a in _newton.DAMPING:
        trial = x.copy()
        trial[:, C] = np.clip(y + a * d, 0.0, 1.0)
        G2, _ = _loop_residual(model, cond, params, trial, comp, rows)
        ok = ~accepted & (np.abs(G2).max(axis=1) < (1.0 - _newton.ARMIJO * a) * norm)
        best[ok] = trial[ok]
        accepted |= ok
        if accepted.all():
            return best
    rest = ~accepted
    step = _newton.FIXED_POINT_STEP * G[rest]
    best[np.ix_(rest, np.asarray(C))] = np.clip(y[rest] - step, 0.0, 1.0)
    return best


def _solve_loop(
    model: CompiledModel, cond: Conditions, params: tuple[Array, ...], x: Array,
    comp: tuple[int, ...], tol: float, max_iter: int,
) -> int:  # fmt: skip
    """Solve the feedback loop `comp` in place in x; return the iterations used."""
    active = np.arange(x.shape[0])
    it = 0
    while active.size and it < max_iter:
        xa = x[active]
        G, A = _loop_residual(model, cond, params, xa, comp, active)
        norm = np.abs(G).max(axis=1)
        keep = norm >= tol
        if not keep.any():
            break
        active, xa, G, A, norm = active[keep], xa[keep], G[keep], A[keep], norm[keep]
        it += 1
        x[active] = _line_search(model, cond, params, comp, active, xa, G, _newton_step(G, A), norm)
    return it


def solve(
    model: CompiledModel, cond: Conditions, x: Array, tol: float, max_iter: int
) -> tuple[Array, int, list[Array], list[tuple[int, ...]]]:
    """Solve every patient in place in `x` (tol: the loops' tolerance).

    Returns the residual max|F(x) - x| per patient, the most Newton iterations any
    loop needed, each loop's block of dF/dx at the solution (n, m, m) and the loops.
    """
    iterations = 0
    params = edge_parameters(model, cond)
    is_loop = _program.graph(model).comp_loop
    for comp, loop in zip(model.components, is_loop, strict=True):
        if loop:
            iterations = max(iterations, _solve_loop(model, cond, params, x, comp, tol, max_iter))
        else:
            x[:, comp[0]] = _node_value(model, cond, params, x, comp[0])
    residual = np.zeros(x.shape[0])
    for i in range(model.n_nodes):
        residual = np.maximum(residual, np.abs(_node_value(model, cond, params, x, i) - x[:, i]))
    loops = _program.loops(model)
    blocks = [_loop_residual(model, cond, params, x, c, slice(None))[1] for c in loops]
    return residual, iterations, blocks, loops
