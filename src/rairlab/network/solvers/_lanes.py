"""Lane kernels (Numba): the right-hand side with its edge Jacobian, and the stage
systems' LU factorization and solve, for ``LANES`` patients at once.

One concept: arithmetic on params. A *lane* is one patient of a group of ``LANES``
that the compiled time-course solver advances in lock-step (each lane with its own
step size); the lane is the innermost axis of every work array so that LLVM
vectorizes the lane loops. :mod:`._time_course_compiled` builds on these.

* :func:`rhs_lanes` evaluates F(x, t) by the rule program of :mod:`._program` and,
  on request, the edge Jacobian A = dF/dx by one reverse (adjoint) sweep over each
  node's operations, and the bias's time derivative for d f / dt.
* :func:`factor_lanes` LU-factors ``I - c (A - I)`` component by component (partial
  pivoting per lane inside feedback loops; one reciprocal for one-node components).
* :func:`solve_lanes` solves with those factors by forward substitution over the
  components in topological order (the matrix is block lower-triangular).

Numba is optional: :data:`AVAILABLE` (from :mod:`rairlab._numba`) is False without it
or with ``RAIRLAB_NO_NUMBA=1``, and then only the named tuples are defined.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from rairlab._numba import AVAILABLE

__all__ = ["AVAILABLE", "LANES", "LaneParams", "RhsScratch", "StageLU"]

Array = NDArray[np.float64]

# 64 lanes: loops this long vectorize (AVX-512 / AVX2) despite the runtime alias checks
# LLVM needs; with 8 lanes they stayed scalar (2.5x slower, measured)
LANES = 64


class LaneParams(NamedTuple):
    """The patients' parameters copied into their lanes (rows, LANES).

    Perturbations (N rows): ``clamp`` (1.0 where clamped), ``clamp_value``, ``scale``,
    ``bias``; pulses (P rows): ``amplitude``; kinetics (E rows): ``kn``, ``n``, ``lo``,
    ``span``; (N rows): ``inv_tau``.
    """

    clamp: Array
    clamp_value: Array
    scale: Array
    bias: Array
    amplitude: Array
    kn: Array
    n: Array
    lo: Array
    span: Array
    inv_tau: Array


class RhsScratch(NamedTuple):
    """Work arrays of :func:`rhs_lanes`: the bias g(t) and dg/dt (N, LANES), the slot
    values v and their adjoints (E + Q, LANES), the leaves' derivatives (E, LANES),
    the factor values (n_factors + 1, LANES), and two lane rows."""

    g: Array
    dg: Array
    v: Array
    adj: Array
    dleaf: Array
    factor: Array
    prod: Array
    weight: Array


class StageLU(NamedTuple):
    """LU factors of ``I - c (A - I)`` per component and lane.

    ``lu`` (components, m, m, LANES) and ``piv`` (components, m, LANES) for feedback
    loops; ``inv_diag`` (N, LANES), 1 / pivot of one-node components; ``coupling`` (E,
    LANES) = c A for edges from earlier components (0 inside a component), the
    coupling of the forward substitution; ``best`` (LANES,) scratch for pivoting.
    """

    lu: Array
    piv: NDArray[np.int64]
    inv_diag: Array
    coupling: Array
    best: Array


if AVAILABLE:  # pragma: no branch
    import numba

    # fast-math without the no-NaN/no-Inf assumptions (non-finite error norms are tested)
    FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
    # the lane kernels are called, not inlined (much less compile time)
    lane_jit = numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")

    @lane_jit
    def lane_params(n_nodes: int, n_edges: int, n_pulses: int) -> LaneParams:
        """Empty lane parameters for a block of ``LANES`` patients."""

        L = LANES
        N, E = n_nodes, n_edges
        return LaneParams(
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((n_pulses, L)),
            np.zeros((E, L)),
            np.zeros((E, L)),
            np.zeros((E, L)),
            np.zeros((E, L)),
            np.zeros((N, L)),
        )

    @lane_jit
    def rhs_scratch(n_nodes: int, n_slots: int, n_edges: int, n_factors: int) -> RhsScratch:
        """Work arrays for :func:`rhs_lanes`."""
        L = LANES
        return RhsScratch(
            np.zeros((n_nodes, L)),
            np.zeros((n_nodes, L)),
            np.zeros((n_slots, L)),
            np.zeros((n_slots, L)),
            np.zeros((n_edges, L)),
            np.zeros((n_factors + 1, L)),
            np.zeros(L),
            np.zeros(L),
        )

    @lane_jit
    def stage_lu(n_nodes: int, n_edges: int, n_comp: int, max_comp: int) -> StageLU:
        """Storage for :func:`factor_lanes`."""
        L = LANES
        return StageLU(
            np.zeros((n_comp, max_comp, max_comp, L)),
            np.zeros((n_comp, max_comp, L), dtype=np.int64),
            np.zeros((n_nodes, L)),
            np.zeros((n_edges, L)),
            np.zeros(L),
        )

    @lane_jit
    def rhs_lanes(prog, graph, n_int, pulses, params, x, t, want_jac, scratch, F, beta, A):
        """F(x, t) (N, LANES) into `F` and the rule values into `beta`; with `want_jac`
        also the edge Jacobian A (E, LANES). Afterwards scratch.dg holds dg/dt, so
        that d F / dt = scale (1 - beta) scratch.dg.

        The named tuples are taken apart once, here; the steps are inner functions on
        those names (Numba inlines them), because a call that passes the tuples would
        count references to each array at every node."""
        E = prog.n_edges
        node_ops, op_factors = prog.node_ops, prog.op_factors
        fac_slot, fac_const, fac_coef = prog.fac_slot, prog.fac_const, prog.fac_coef
        op_const, op_coef = prog.op_const, prog.op_coef
        root_slot, root_const, root_coef = prog.root_slot, prog.root_const, prog.root_coef
        edge_src, edge_ptr, is_input = graph.edge_src, graph.edge_ptr, graph.is_input
        clamp, clamp_value, scale = params.clamp, params.clamp_value, params.scale
        kn, hill_n, lo, span = params.kn, params.n, params.lo, params.span
        g, dg, v, adj, dleaf, factor = (
            scratch.g,
            scratch.dg,
            scratch.v,
            scratch.adj,
            scratch.dleaf,
            scratch.factor,
        )
        prod, weight = scratch.prod, scratch.weight

        def bias():
            """g = bias with the pulses at time t, dg = its time derivative."""
            for i in range(g.shape[0]):
                for ln in range(LANES):
                    g[i, ln] = params.bias[i, ln]
                    dg[i, ln] = 0.0
            for p in range(pulses.node.shape[0]):
                i = pulses.node[p]
                rise, fade, peak = pulses.rise[p], pulses.fade[p], pulses.peak[p]
                for ln in range(LANES):
                    tt = max(t[ln], 0.0)
                    ef = np.exp(-tt / fade)
                    er = np.exp(-tt / rise)
                    add = params.amplitude[p, ln] * (ef - er) / peak
                    dadd = params.amplitude[p, ln] * (er / rise - ef / fade) / peak
                    dadd = dadd if t[ln] >= 0.0 else 0.0  # right-hand slope at 0
                    off = 1.0 - g[i, ln]
                    dg[i, ln] = dg[i, ln] * (1.0 - add) + off * dadd
                    g[i, ln] = 1.0 - off * (1.0 - add)

        def leaves():
            """v[e] = lo + span f~(x_src) and dleaf[e] = its derivative, every edge."""
            for e in range(edge_src.shape[0]):
                src = edge_src[e]
                ni = n_int[e]
                if 0 < ni <= 4:  # selects on a per-edge constant: one vectorizable loop
                    for ln in range(LANES):
                        k = kn[e, ln]
                        xf = max(x[src, ln], 1e-30)
                        x2 = xf * xf
                        xn1 = xf if ni == 2 else 1.0  # x^(n-1)
                        xn1 = x2 if ni == 3 else xn1
                        xn1 = x2 * xf if ni == 4 else xn1
                        xn = xn1 * xf
                        inv = 1.0 / (xn + k)
                        v[e, ln] = lo[e, ln] + span[e, ln] * xn * (1.0 + k) * inv
                        dleaf[e, ln] = span[e, ln] * (1.0 + k) * hill_n[e, ln] * k * xn1 * inv * inv
                else:
                    for ln in range(LANES):
                        k = kn[e, ln]
                        xf = max(x[src, ln], 1e-30)
                        xn = xf ** hill_n[e, ln] if ni == 0 else xf ** float(ni)
                        inv = 1.0 / (xn + k)
                        v[e, ln] = lo[e, ln] + span[e, ln] * xn * (1.0 + k) * inv
                        dleaf[e, ln] = (
                            span[e, ln] * (1.0 + k) * hill_n[e, ln] * k * (xn / xf) * inv * inv
                        )

        def rule(i):
            """Run node i's operations on v (children before parents)."""
            for q in range(node_ops[i], node_ops[i + 1]):
                for ln in range(LANES):
                    prod[ln] = 1.0
                for r in range(op_factors[q], op_factors[q + 1]):
                    a, b, slot = fac_const[r], fac_coef[r], fac_slot[r]
                    for ln in range(LANES):
                        u = a + b * v[slot, ln]
                        factor[r, ln] = u
                        prod[ln] *= u
                for ln in range(LANES):
                    v[E + q, ln] = op_const[q] + op_coef[q] * prod[ln]

        def rule_gradient(i):
            """A[e] = dF_i/dx_src(e) for node i's edges: reverse sweep over its operations."""
            for ln in range(LANES):
                weight[ln] = scale[i, ln] * (1.0 - g[i, ln]) * (1.0 - clamp[i, ln])
            if root_coef[i] != 0.0:
                for ln in range(LANES):
                    adj[root_slot[i], ln] = root_coef[i]
            for q in range(node_ops[i + 1] - 1, node_ops[i] - 1, -1):
                coef = op_coef[q]
                first, end = op_factors[q], op_factors[q + 1]
                for r in range(first, end):  # d v[E+q] / d v[slot r]: coef * the others
                    b = fac_coef[r]
                    if b == 0.0:
                        continue
                    for ln in range(LANES):
                        prod[ln] = adj[E + q, ln] * coef * b
                    for r2 in range(first, end):
                        if r2 != r:
                            for ln in range(LANES):
                                prod[ln] *= factor[r2, ln]
                    slot = fac_slot[r]
                    for ln in range(LANES):
                        adj[slot, ln] = prod[ln]
            for e in range(edge_ptr[i], edge_ptr[i + 1]):
                for ln in range(LANES):
                    A[e, ln] = weight[ln] * adj[e, ln] * dleaf[e, ln]

        bias()
        leaves()
        for i in range(x.shape[0]):
            if is_input[i]:
                for ln in range(LANES):
                    beta[i, ln] = clamp_value[i, ln]
                    F[i, ln] = scale[i, ln] * (1.0 - (1.0 - clamp_value[i, ln]) * (1.0 - g[i, ln]))
                if want_jac:
                    for e in range(edge_ptr[i], edge_ptr[i + 1]):
                        for ln in range(LANES):
                            A[e, ln] = 0.0
                continue
            rule(i)
            slot, a, b = root_slot[i], root_const[i], root_coef[i]
            for ln in range(LANES):
                value = a + b * v[slot, ln]
                value = clamp_value[i, ln] if clamp[i, ln] != 0.0 else value
                beta[i, ln] = value
                F[i, ln] = scale[i, ln] * (1.0 - (1.0 - value) * (1.0 - g[i, ln]))
            if want_jac:
                rule_gradient(i)

    @lane_jit
    def factor_lanes(graph, A, c, lu):
        """LU-factor I - c (A - I) (c per node and lane) component by component into lu."""
        src, ptr, order = graph.edge_src, graph.edge_ptr, graph.order
        comp_ptr, node_comp, node_local = graph.comp_ptr, graph.node_comp, graph.node_local
        coupling, inv_diag = lu.coupling, lu.inv_diag
        for q in range(comp_ptr.shape[0] - 1):
            first, end = comp_ptr[q], comp_ptr[q + 1]
            m = end - first
            for r in range(m):  # couplings to earlier components
                i = order[first + r]
                for e in range(ptr[i], ptr[i + 1]):
                    inside = node_comp[src[e]] == q
                    for ln in range(LANES):
                        coupling[e, ln] = 0.0 if inside else c[i, ln] * A[e, ln]
            if m == 1:
                i = order[first]
                for ln in range(LANES):
                    inv_diag[i, ln] = 1.0 + c[i, ln]
                for e in range(ptr[i], ptr[i + 1]):
                    if src[e] == i:
                        for ln in range(LANES):
                            inv_diag[i, ln] -= c[i, ln] * A[e, ln]
                for ln in range(LANES):
                    inv_diag[i, ln] = 1.0 / inv_diag[i, ln]
                continue
            M = lu.lu[q]
            for r in range(m):
                for col in range(m):
                    for ln in range(LANES):
                        M[r, col, ln] = 0.0
            for r in range(m):
                i = order[first + r]
                for ln in range(LANES):
                    M[r, r, ln] = 1.0 + c[i, ln]
                for e in range(ptr[i], ptr[i + 1]):
                    if node_comp[src[e]] == q:
                        col = node_local[src[e]]
                        for ln in range(LANES):
                            M[r, col, ln] -= c[i, ln] * A[e, ln]
            _lu_lanes(M, lu.piv[q], m, lu.best)

    @lane_jit
    def _lu_lanes(M, piv, m, best):
        """In-place LU with partial pivoting of the m x m leading block of M, per lane."""
        for col in range(m):
            for ln in range(LANES):
                piv[col, ln] = col
                best[ln] = abs(M[col, col, ln])
            for r in range(col + 1, m):
                for ln in range(LANES):
                    a = abs(M[r, col, ln])
                    larger = a > best[ln]
                    best[ln] = a if larger else best[ln]
                    piv[col, ln] = r if larger else piv[col, ln]
            for s in range(m):
                for ln in range(LANES):
                    p = piv[col, ln]
                    tmp = M[col, s, ln]
                    M[col, s, ln] = M[p, s, ln]
                    M[p, s, ln] = tmp
            for r in range(col + 1, m):
                for ln in range(LANES):
                    M[r, col, ln] /= M[col, col, ln]
                for s in range(col + 1, m):
                    for ln in range(LANES):
                        M[r, s, ln] -= M[r, col, ln] * M[col, s, ln]

    @lane_jit
    def solve_lanes(graph, lu, r, k, buf):
        """k = (I - c (A - I))^-1 r (N, LANES) with the factors lu, by forward
        substitution over the components; buf: (max_comp, LANES) scratch."""
        src, ptr, order, comp_ptr = graph.edge_src, graph.edge_ptr, graph.order, graph.comp_ptr
        coupling, inv_diag = lu.coupling, lu.inv_diag
        for q in range(comp_ptr.shape[0] - 1):
            first, end = comp_ptr[q], comp_ptr[q + 1]
            m = end - first
            for rr in range(m):  # the component's own entries are read with weight 0:
                for ln in range(LANES):  # clear what an earlier (maybe NaN) solve left
                    k[order[first + rr], ln] = 0.0
            for rr in range(m):
                i = order[first + rr]
                for ln in range(LANES):
                    buf[rr, ln] = r[i, ln]
                for e in range(ptr[i], ptr[i + 1]):
                    s = src[e]
                    for ln in range(LANES):
                        buf[rr, ln] += coupling[e, ln] * k[s, ln]
            if m == 1:
                i = order[first]
                for ln in range(LANES):
                    k[i, ln] = buf[0, ln] * inv_diag[i, ln]
                continue
            _lu_solve_lanes(lu.lu[q], lu.piv[q], m, buf)
            for rr in range(m):
                i = order[first + rr]
                for ln in range(LANES):
                    k[i, ln] = buf[rr, ln]

    @lane_jit
    def _lu_solve_lanes(LU, piv, m, b):
        """Solve LU y = P b in place in b (m, LANES) with the factors of :func:`_lu_lanes`."""
        for col in range(m):
            for ln in range(LANES):
                p = piv[col, ln]
                tmp = b[col, ln]
                b[col, ln] = b[p, ln]
                b[p, ln] = tmp
        for rr in range(m):
            for s in range(rr):
                for ln in range(LANES):
                    b[rr, ln] -= LU[rr, s, ln] * b[s, ln]
        for rr in range(m - 1, -1, -1):
            for s in range(rr + 1, m):
                for ln in range(LANES):
                    b[rr, ln] -= LU[rr, s, ln] * b[s, ln]
            for ln in range(LANES):
                b[rr, ln] /= LU[rr, rr, ln]
