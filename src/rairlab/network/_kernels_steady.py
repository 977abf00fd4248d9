"""Compiled per-patient steady-state kernel (Numba): the algorithm of :mod:`._steady`.

One concept: for each patient independently (``prange``), a topological sweep sets
every node without feedback to F_i(x) exactly, and each feedback component is solved
by the same damped, projected Newton iteration as the NumPy path (analytic Hill-cube
Jacobian, backtracking on max|F - x|, damped fixed-point fallback). It returns the
states, per-patient residuals, Newton iteration counts and the feedback blocks'
``dF/dx`` for the stability check. Defined only when Numba is available.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab.network._compiled import CompiledModel, Conditions
from rairlab.network._flat import flatten, patient_arrays
from rairlab.network._lanes import AVAILABLE

Array = NDArray[np.float64]

_ALPHAS = np.array([1.0, 0.5, 0.25, 0.125, 0.0625])


if AVAILABLE:  # pragma: no branch
    import numba

    from rairlab.network._lanes import _hill, _hill_value

    @numba.njit(cache=True, nogil=True, inline="always")
    def _node(
        i, x, grad, alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx, root_a, root_b,
        src, ptr, n_int, n, kn, lo_, span, is_input, cmask, cval, scale, bias, v, u, adj, dleaf,
        A,
    ):  # fmt: skip
        """F_i(x) at steady state; with grad, A[e] = dF_i/dx_src for the edges of node i.

        Leaves are the bounded Hill cubes lo + span f~ (this patient's rows of the arrays)."""
        E = src.shape[0]
        if cmask[i] or is_input[i]:
            if grad:
                for e in range(ptr[i], ptr[i + 1]):
                    A[e] = 0.0
            return scale[i] * (1.0 - (1.0 - cval[i]) * (1.0 - bias[i]))
        for e in range(ptr[i], ptr[i + 1]):
            if grad:
                f, d = _hill(x[src[e]], kn[e], n_int[e], n[e])
                v[e] = lo_[e] + span[e] * f
                dleaf[e] = span[e] * d
            else:
                v[e] = lo_[e] + span[e] * _hill_value(x[src[e]], kn[e], n_int[e], n[e])
        q0, q1 = op_ptr[i], op_ptr[i + 1]
        for q in range(q0, q1):
            p = 1.0
            for r in range(ch_ptr[q], ch_ptr[q + 1]):
                ur = c_a[r] + c_b[r] * v[c_idx[r]]
                u[r] = ur
                p *= ur
            v[E + q] = alpha[q] + beta_[q] * p
        b = root_a[i] + root_b[i] * v[root_idx[i]]
        if grad:
            w = scale[i] * (1.0 - bias[i])
            if root_b[i] != 0.0:
                adj[root_idx[i]] = root_b[i]
            for q in range(q1 - 1, q0 - 1, -1):
                ad = adj[E + q] * beta_[q]
                lo, hi = ch_ptr[q], ch_ptr[q + 1]
                for r in range(lo, hi):
                    if c_b[r] != 0.0:
                        p = ad * c_b[r]
                        for r2 in range(lo, hi):
                            if r2 != r:
                                p *= u[r2]
                        adj[c_idx[r]] = p
            for e in range(ptr[i], ptr[i + 1]):
                A[e] = w * adj[e] * dleaf[e]
        return scale[i] * (1.0 - (1.0 - b) * (1.0 - bias[i]))

    @numba.njit(cache=True, parallel=True, nogil=True)
    def _solve_all(
        alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx, root_a, root_b,
        src, ptr, n_int, n_all, kn_all, lo_all, span_all, is_input, order, comp_ptr, node_comp,
        node_local, cmask, cval, scale, bias, x, tol, max_iter, alphas, residual, iters, jblocks,
        jmap,
    ):  # fmt: skip
        n_pat, N = x.shape
        E = src.shape[0]
        n_comp = comp_ptr.shape[0] - 1
        max_m = jblocks.shape[2]
        step_n = 1 if n_all.shape[0] > 1 else 0
        step_k = 1 if kn_all.shape[0] > 1 else 0
        step_lo = 1 if lo_all.shape[0] > 1 else 0
        step_span = 1 if span_all.shape[0] > 1 else 0
        for pt in numba.prange(n_pat):
            xp = x[pt]
            cm, cv, sc, bi = cmask[pt], cval[pt], scale[pt], bias[pt]
            # per-patient kinetic rows, or the shared row when the arrays have one
            n = n_all[pt * step_n]
            kn = kn_all[pt * step_k]
            lo_ = lo_all[pt * step_lo]
            span = span_all[pt * step_span]
            v = np.zeros(E + alpha.shape[0])
            u = np.empty(c_idx.shape[0] + 1)
            adj = np.zeros(E + alpha.shape[0])
            dleaf = np.empty(E)
            A = np.zeros(E)
            G = np.empty(max_m)
            G2 = np.empty(max_m)
            M = np.empty((max_m, max_m))
            step = np.empty(max_m)
            y = np.empty(max_m)
            piv = np.empty(max_m, dtype=np.int64)
            it_max = 0
            for q in range(n_comp):
                a, b = comp_ptr[q], comp_ptr[q + 1]
                m = b - a
                if m == 1:
                    i = order[a]
                    xp[i] = _node(
                        i, xp, False, alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx,
                        root_a, root_b, src, ptr, n_int, n, kn, lo_, span, is_input, cm, cv, sc,
                        bi, v, u, adj, dleaf, A,
                    )  # fmt: skip
                    continue
                it = 0
                while it < max_iter:
                    norm = 0.0
                    for r in range(m):
                        i = order[a + r]
                        Fi = _node(
                            i, xp, True, alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx,
                            root_a, root_b, src, ptr, n_int, n, kn, lo_, span, is_input, cm, cv,
                            sc, bi, v, u, adj, dleaf, A,
                        )  # fmt: skip
                        G[r] = xp[i] - Fi
                        norm = max(norm, abs(G[r]))
                        for s in range(m):
                            M[r, s] = 1.0 if s == r else 0.0
                        for e in range(ptr[i], ptr[i + 1]):
                            if node_comp[src[e]] == q:
                                M[r, node_local[src[e]]] -= A[e]
                    if norm < tol:
                        break
                    it += 1
                    # Newton step: (I - A) step = -G, LU with partial pivoting
                    for r in range(m):
                        step[r] = -G[r]
                    singular = False
                    for col in range(m):
                        p = col
                        best = abs(M[col, col])
                        for r in range(col + 1, m):
                            if abs(M[r, col]) > best:
                                best = abs(M[r, col])
                                p = r
                        if best == 0.0:
                            singular = True
                            break
                        piv[col] = p
                        if p != col:
                            for s in range(m):
                                tmp = M[col, s]
                                M[col, s] = M[p, s]
                                M[p, s] = tmp
                            tmp = step[col]
                            step[col] = step[p]
                            step[p] = tmp
                        for r in range(col + 1, m):
                            M[r, col] /= M[col, col]
                            for s in range(col + 1, m):
                                M[r, s] -= M[r, col] * M[col, s]
                            step[r] -= M[r, col] * step[col]
                    if singular:
                        for r in range(m):
                            step[r] = -G[r]
                    else:
                        for r in range(m - 1, -1, -1):
                            for s in range(r + 1, m):
                                step[r] -= M[r, s] * step[s]
                            step[r] /= M[r, r]
                    for r in range(m):
                        y[r] = xp[order[a + r]]
                    accepted = False
                    for al in alphas:
                        for r in range(m):
                            xp[order[a + r]] = min(1.0, max(0.0, y[r] + al * step[r]))
                        n2 = 0.0
                        for r in range(m):
                            i = order[a + r]
                            Fi = _node(
                                i, xp, False, alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b,
                                root_idx, root_a, root_b, src, ptr, n_int, n, kn, lo_, span,
                                is_input, cm, cv, sc, bi, v, u, adj, dleaf, A,
                            )  # fmt: skip
                            G2[r] = xp[i] - Fi
                            n2 = max(n2, abs(G2[r]))
                        if n2 < (1.0 - 1e-4 * al) * norm:
                            accepted = True
                            break
                    if not accepted:  # damped fixed-point step toward F within [0, 1]
                        for r in range(m):
                            xp[order[a + r]] = min(1.0, max(0.0, y[r] - 0.5 * G[r]))
                it_max = max(it_max, it)
            iters[pt] = it_max
            # final residual over all nodes, and dF/dx of the feedback blocks
            res = 0.0
            for i in range(N):
                blk = jmap[node_comp[i]]
                Fi = _node(
                    i, xp, blk >= 0, alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx,
                    root_a, root_b, src, ptr, n_int, n, kn, lo_, span, is_input, cm, cv, sc, bi, v,
                    u, adj, dleaf, A,
                )  # fmt: skip
                res = max(res, abs(Fi - xp[i]))
                if blk >= 0:
                    r = node_local[i]
                    for s in range(max_m):
                        jblocks[pt, blk, r, s] = 0.0
                    for e in range(ptr[i], ptr[i + 1]):
                        if node_comp[src[e]] == node_comp[i]:
                            jblocks[pt, blk, r, node_local[src[e]]] += A[e]
            residual[pt] = res


def solve(
    model: CompiledModel, cond: Conditions, x: Array, tol: float, max_iter: int
) -> tuple[Array, NDArray[np.int64], Array, list[tuple[int, ...]]]:
    """Solve every patient in place in `x`.

    Returns the residual max|F(x) - x| per patient, the Newton iterations per patient,
    the feedback blocks' dF/dx at the solution, shape (n_patients, n_loops, m, m)
    (zero-padded), and the loops' node tuples.
    """
    f: dict[str, Any] = flatten(model)
    pa = patient_arrays(model, cond)
    loops = [c for c in model.components if len(c) > 1]
    comp_index = {c: q for q, c in enumerate(model.components)}
    jmap = np.full(len(model.components), -1, dtype=np.int64)
    for b, c in enumerate(loops):
        jmap[comp_index[c]] = b
    n = x.shape[0]
    max_m = max([len(c) for c in loops], default=1)
    jblocks = np.zeros((n, len(loops), max_m, max_m))
    residual = np.empty(n)
    iters = np.zeros(n, dtype=np.int64)
    _solve_all(
        f["alpha"], f["beta"], f["op_ptr"], f["ch_ptr"], f["c_idx"], f["c_a"], f["c_b"],
        f["root_idx"], f["root_a"], f["root_b"], f["src"], f["ptr"], pa["n_int"], pa["n"],
        pa["kn"], pa["lo"], pa["span"], f["is_input"], f["order"], f["comp_ptr"],
        f["node_comp"], f["node_local"],
        np.ascontiguousarray(cond.clamp_mask, dtype=np.bool_),
        np.ascontiguousarray(cond.clamp_value, dtype=float),
        np.ascontiguousarray(cond.scale, dtype=float),
        np.ascontiguousarray(cond.bias, dtype=float),
        x, float(tol), int(max_iter), _ALPHAS, residual, iters, jblocks, jmap,
    )  # fmt: skip
    return residual, iters, jblocks, loops
