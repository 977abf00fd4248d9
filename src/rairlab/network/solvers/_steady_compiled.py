"""Steady states, compiled (Numba): the method of :mod:`._newton`, one patient per task.

One concept: the implementation of :mod:`._newton` for one patient at a time
(``prange`` over patients). :func:`_patient` takes the named arrays apart once and
runs the steps as inner functions: ``node_value`` evaluates one node's F_i (and, with
``gradient``, its edges' dF_i/dx) by the rule program of :mod:`._program`;
``solve_loop`` runs the damped Newton iteration on one feedback loop
(``loop_residual``, ``newton_step``, ``line_search``); the sweep over the components
ends with the residual and the loops' dF/dx blocks. Defined only when Numba is available.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from rairlab._numba import AVAILABLE
from rairlab.network._compiled import CompiledModel, Conditions
from rairlab.network.solvers import _newton, _program

__all__ = ["AVAILABLE", "solve"]

Array = NDArray[np.float64]


class Result(NamedTuple):
    """Per patient: residual, Newton iterations, and the loops' dF/dx blocks
    (n, loops, m, m); ``loop_of_comp`` maps a component to its loop index or -1."""

    residual: Array
    iterations: NDArray[np.int64]
    blocks: Array
    loop_of_comp: NDArray[np.int64]


if AVAILABLE:  # pragma: no branch
    import numba

    @numba.njit(cache=True, nogil=True, inline="always")
    def _leaf(x, kn, n_int, n):
        """Normalized Hill cube f~(x) and its derivative (x floored at 1e-30)."""
        xf = max(x, 1e-30)
        if 0 < n_int <= 4:  # branch-free selects: exponents vary from edge to edge
            x2 = xf * xf
            xn1 = xf if n_int == 2 else 1.0
            xn1 = x2 if n_int == 3 else xn1
            xn1 = x2 * xf if n_int == 4 else xn1
            xn = xn1 * xf
        elif n_int > 0:
            xn1 = 1.0
            for _ in range(n_int - 1):
                xn1 *= xf
            xn = xn1 * xf
        else:
            xn = xf**n
            xn1 = xn / xf
        den = xn + kn
        return xn * (1.0 + kn) / den, (1.0 + kn) * n * kn * xn1 / (den * den)

    @numba.njit(cache=True, nogil=True)
    def _patient(prog, graph, kin, pert, p, x, tol, max_iter, out):
        """Solve patient p in place in x[p]; record its residual, iterations and blocks.

        The named tuples are taken apart once, here; the steps are inner functions on
        those names (Numba inlines them), because a call that passes the tuples would
        count references to each array at every node (5x slower, measured)."""
        # the rule program, the graph and this patient's parameters, by name
        E = prog.n_edges
        node_ops, op_factors = prog.node_ops, prog.op_factors
        fac_slot, fac_const, fac_coef = prog.fac_slot, prog.fac_const, prog.fac_coef
        op_const, op_coef = prog.op_const, prog.op_coef
        root_slot, root_const, root_coef = prog.root_slot, prog.root_const, prog.root_coef
        edge_src, edge_ptr, is_input = graph.edge_src, graph.edge_ptr, graph.is_input
        order, comp_ptr = graph.order, graph.comp_ptr
        node_comp, node_local = graph.node_comp, graph.node_local
        n_int = kin.n_int
        kn = kin.kn[min(p, kin.kn.shape[0] - 1)]  # one shared row, or the patient's own
        hill_n = kin.n[min(p, kin.n.shape[0] - 1)]
        lo = kin.lo[min(p, kin.lo.shape[0] - 1)]
        span = kin.span[min(p, kin.span.shape[0] - 1)]
        clamp, clamp_value = pert.clamp[p], pert.clamp_value[p]
        scale, bias = pert.scale[p], pert.bias[p]
        xp = x[p]
        # work arrays: slot values and adjoints, factors, leaf slopes, dF_i/dx per edge,
        # and the loop's Newton system
        max_m = out.blocks.shape[2]
        v = np.zeros(E + op_const.shape[0])
        adj = np.zeros(E + op_const.shape[0])
        factor = np.empty(fac_slot.shape[0] + 1)
        dleaf = np.empty(E)
        A = np.zeros(E)
        G = np.empty(max_m)
        G_trial = np.empty(max_m)
        M = np.empty((max_m, max_m))
        d = np.empty(max_m)
        y = np.empty(max_m)

        def gradient(i):
            """A[e] = dF_i/dx_src(e): reverse sweep over node i's operations."""
            if root_coef[i] != 0.0:
                adj[root_slot[i]] = root_coef[i]
            for q in range(node_ops[i + 1] - 1, node_ops[i] - 1, -1):
                ad = adj[E + q] * op_coef[q]
                first, end = op_factors[q], op_factors[q + 1]
                for r in range(first, end):
                    if fac_coef[r] != 0.0:
                        prod = ad * fac_coef[r]
                        for r2 in range(first, end):
                            if r2 != r:
                                prod *= factor[r2]
                        adj[fac_slot[r]] = prod
            w = scale[i] * (1.0 - bias[i])
            for e in range(edge_ptr[i], edge_ptr[i + 1]):
                A[e] = w * adj[e] * dleaf[e]

        def node_value(i, grad):
            """F_i(xp); with `grad` also A[e] = dF_i/dx_src(e) for node i's edges."""
            if clamp[i] or is_input[i]:
                if grad:
                    for e in range(edge_ptr[i], edge_ptr[i + 1]):
                        A[e] = 0.0
                return scale[i] * (1.0 - (1.0 - clamp_value[i]) * (1.0 - bias[i]))
            for e in range(edge_ptr[i], edge_ptr[i + 1]):
                f, slope = _leaf(xp[edge_src[e]], kn[e], n_int[e], hill_n[e])
                v[e] = lo[e] + span[e] * f
                dleaf[e] = span[e] * slope
            for q in range(node_ops[i], node_ops[i + 1]):
                prod = 1.0
                for r in range(op_factors[q], op_factors[q + 1]):
                    u = fac_const[r] + fac_coef[r] * v[fac_slot[r]]
                    factor[r] = u
                    prod *= u
                v[E + q] = op_const[q] + op_coef[q] * prod
            value = root_const[i] + root_coef[i] * v[root_slot[i]]
            if grad:
                gradient(i)
            return scale[i] * (1.0 - (1.0 - value) * (1.0 - bias[i]))

        def loop_residual(q, out_G, with_matrix):
            """out_G = y - F(y) on loop q's nodes; with_matrix: M = I - dF/dy.
            Returns max|G|."""
            first, m = comp_ptr[q], comp_ptr[q + 1] - comp_ptr[q]
            norm = 0.0
            for r in range(m):
                i = order[first + r]
                out_G[r] = xp[i] - node_value(i, with_matrix)
                norm = max(norm, abs(out_G[r]))
                if with_matrix:
                    for c in range(m):
                        M[r, c] = 1.0 if c == r else 0.0
                    for e in range(edge_ptr[i], edge_ptr[i + 1]):
                        if node_comp[edge_src[e]] == q:
                            M[r, node_local[edge_src[e]]] -= A[e]
            return norm

        def newton_step(m):
            """d with (I - A) d = -G (M, G), LU with partial pivoting; -G if singular."""
            for r in range(m):
                d[r] = -G[r]
            for col in range(m):
                piv = col
                best = abs(M[col, col])
                for r in range(col + 1, m):
                    if abs(M[r, col]) > best:
                        best = abs(M[r, col])
                        piv = r
                if best == 0.0:
                    for r in range(m):
                        d[r] = -G[r]
                    return
                if piv != col:
                    for c in range(m):
                        M[col, c], M[piv, c] = M[piv, c], M[col, c]
                    d[col], d[piv] = d[piv], d[col]
                for r in range(col + 1, m):
                    M[r, col] /= M[col, col]
                    for c in range(col + 1, m):
                        M[r, c] -= M[r, col] * M[col, c]
                    d[r] -= M[r, col] * d[col]
            for r in range(m - 1, -1, -1):
                for c in range(r + 1, m):
                    d[r] -= M[r, c] * d[c]
                d[r] /= M[r, r]

        def line_search(q, norm):
            """Move loop q's nodes to the first damped Newton point that passes the
            Armijo test, else by the damped fixed-point step."""
            first, m = comp_ptr[q], comp_ptr[q + 1] - comp_ptr[q]
            for r in range(m):
                y[r] = xp[order[first + r]]
            for a in _newton.DAMPING:
                for r in range(m):
                    xp[order[first + r]] = min(1.0, max(0.0, y[r] + a * d[r]))
                if loop_residual(q, G_trial, False) < (1.0 - _newton.ARMIJO * a) * norm:
                    return
            for r in range(m):
                step = _newton.FIXED_POINT_STEP * G[r]
                xp[order[first + r]] = min(1.0, max(0.0, y[r] - step))

        def solve_loop(q):
            """Damped Newton on loop q in place; returns the iterations used."""
            it = 0
            while it < max_iter:
                norm = loop_residual(q, G, True)
                if norm < tol:
                    break
                it += 1
                newton_step(comp_ptr[q + 1] - comp_ptr[q])
                line_search(q, norm)
            return it

        it_max = 0
        for q in range(comp_ptr.shape[0] - 1):
            if graph.comp_loop[q]:
                it_max = max(it_max, solve_loop(q))
            else:
                i = order[comp_ptr[q]]
                xp[i] = node_value(i, False)
        out.iterations[p] = it_max
        residual = 0.0  # over all nodes; and dF/dx of the loops at the solution
        for i in range(xp.shape[0]):
            loop = out.loop_of_comp[node_comp[i]]
            residual = max(residual, abs(node_value(i, loop >= 0) - xp[i]))
            if loop >= 0:
                r = node_local[i]
                for c in range(out.blocks.shape[3]):
                    out.blocks[p, loop, r, c] = 0.0
                for e in range(edge_ptr[i], edge_ptr[i + 1]):
                    if node_comp[edge_src[e]] == node_comp[i]:
                        out.blocks[p, loop, r, node_local[edge_src[e]]] += A[e]
        out.residual[p] = residual

    @numba.njit(cache=True, parallel=True, nogil=True)
    def _solve_all(prog, graph, kin, pert, x, tol, max_iter, out):
        for task in numba.prange(x.shape[0]):
            p = np.int64(task)  # a parfor index may be unsigned; min() with it gives a float
            _patient(prog, graph, kin, pert, p, x, tol, max_iter, out)


def solve(
    model: CompiledModel, cond: Conditions, x: Array, tol: float, max_iter: int
) -> tuple[Array, int, list[Array], list[tuple[int, ...]]]:
    """Solve every patient in place in `x` (tol: the loops' tolerance).

    Returns the residual max|F(x) - x| per patient, the most Newton iterations any
    loop needed, each loop's block of dF/dx at the solution (n, m, m) and the loops.
    """
    loops = _program.loops(model)
    loop_of_comp = np.full(len(model.components), -1, dtype=np.int64)
    for b, c in enumerate(loops):
        loop_of_comp[model.components.index(c)] = b
    n = x.shape[0]
    max_m = max([len(c) for c in loops], default=1)
    out = Result(
        np.empty(n), np.zeros(n, dtype=np.int64), np.zeros((n, len(loops), max_m, max_m)),
        loop_of_comp,
    )  # fmt: skip
    _solve_all(
        _program.rule_program(model),
        _program.graph(model),
        _program.kinetics(model, cond),
        _program.perturbation(cond),
        x,
        float(tol),
        int(max_iter),
        out,
    )
    blocks = [out.blocks[:, b, : len(c), : len(c)] for b, c in enumerate(loops)]
    return out.residual, int(out.iterations.max(initial=0)), blocks, loops
