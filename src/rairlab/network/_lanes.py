"""Lane kernels (Numba) of the network's compiled solvers: Hill terms, the rule
right-hand side with its edge Jacobian, and the lane-wise LU factorization and
solves of ``(I - c (A - I))`` over the strongly connected components.

The lane (one patient of a group of ``_L``) is the innermost axis of every work
array so that LLVM vectorizes the lane loops. :mod:`._kernels` (time course) and
:mod:`._kernels_steady` (steady state) build on these. Numba is optional:
:data:`AVAILABLE` (from :mod:`rairlab._numba`) is False without it or with
``RAIRLAB_NO_NUMBA=1``.
"""

from __future__ import annotations

import numpy as np

from rairlab._numba import AVAILABLE

if AVAILABLE:  # pragma: no branch
    import numba

    # fast-math without the no-NaN/no-Inf assumptions (non-finite error norms are tested)
    _FM = {"nsz", "arcp", "contract", "afn", "reassoc"}
    _jit = numba.njit(cache=True, nogil=True, inline="always", fastmath=_FM, error_model="numpy")
    # the lane kernels are called, not inlined (much less compile time)
    _jitc = numba.njit(cache=True, nogil=True, fastmath=_FM, error_model="numpy")

    @_jit
    def _hill(x: float, kn: float, n_int: int, n: float) -> tuple[float, float]:
        """Normalized Hill cube value and derivative at x (floored at 1e-30)."""
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
        f = xn * (1.0 + kn) / den
        d = (1.0 + kn) * n * kn * xn1 / (den * den)
        return f, d

    @_jit
    def _hill_value(x: float, kn: float, n_int: int, n: float) -> float:
        """Normalized Hill cube value at x (floored at 1e-30)."""
        xf = max(x, 1e-30)
        if 0 < n_int <= 4:  # branch-free selects: exponents vary from edge to edge
            x2 = xf * xf
            xn = x2 if n_int == 2 else xf
            xn = x2 * xf if n_int == 3 else xn
            xn = x2 * x2 if n_int == 4 else xn
        elif n_int > 0:
            xn = xf
            for _ in range(n_int - 1):
                xn *= xf
        else:
            xn = xf**n
        return xn * (1.0 + kn) / (xn + kn)

    # ----- lane kernels: L patients in lock-step (own step sizes), lanes innermost (SIMD)

    # 64 lanes: loops this long vectorize (AVX-512 / AVX2) despite the runtime alias checks
    # LLVM needs; with 8 lanes they stayed scalar (2.5x slower, measured)
    _L = 64

    @_jitc
    def _Fl(K, x, t, P, g, dg, v, dleaf, u, adj, tmp, out, want_jac, A, beta):
        """F(x, t) of L lanes into `out` (N, L); with want_jac also A (E, L).

        The lanes' own kinetic parameters (k^n, n, bounded-leaf lo and span: (E, L)) travel
        in P; a leaf is lo + span f~."""
        (R, src, ptr, n_int, is_input) = K
        (alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx, root_a, root_b, E) = R
        (cm, cv, sc, g0, pnode, pamp, prise, pfade, ppeak, knl, nl, lol, spl) = P
        L = _L
        xf = tmp[0]
        pr = tmp[2]
        w = tmp[3]
        for i in range(x.shape[0]):
            for ln in range(L):
                g[i, ln] = g0[i, ln]
                dg[i, ln] = 0.0
        for p in range(pnode.shape[0]):
            i = pnode[p]
            for ln in range(L):
                tt = max(t[ln], 0.0)
                ef = np.exp(-tt / pfade[p])
                er = np.exp(-tt / prise[p])
                add = pamp[p, ln] * (ef - er) / ppeak[p]
                dadd = pamp[p, ln] * (er / prise[p] - ef / pfade[p]) / ppeak[p]
                dadd = dadd if t[ln] > 0.0 else 0.0
                om = 1.0 - g[i, ln]
                dg[i, ln] = dg[i, ln] * (1.0 - add) + om * dadd
                g[i, ln] = 1.0 - om * (1.0 - add)
        for e in range(src.shape[0]):
            s = src[e]
            ni = n_int[e]
            if 0 < ni <= 4:  # selects on a per-edge constant: one vectorizable loop
                for ln in range(L):
                    ke = knl[e, ln]
                    k1 = 1.0 + ke
                    sp = spl[e, ln]
                    xf = max(x[s, ln], 1e-30)
                    x2 = xf * xf
                    q1 = xf if ni == 2 else 1.0
                    q1 = x2 if ni == 3 else q1
                    q1 = x2 * xf if ni == 4 else q1
                    xn = q1 * xf
                    inv = 1.0 / (xn + ke)
                    v[e, ln] = lol[e, ln] + sp * xn * k1 * inv
                    dleaf[e, ln] = sp * k1 * nl[e, ln] * ke * q1 * inv * inv
            else:
                for ln in range(L):
                    ke = knl[e, ln]
                    k1 = 1.0 + ke
                    sp = spl[e, ln]
                    xf = max(x[s, ln], 1e-30)
                    xn = xf ** nl[e, ln] if ni == 0 else xf ** float(ni)
                    inv = 1.0 / (xn + ke)
                    v[e, ln] = lol[e, ln] + sp * xn * k1 * inv
                    dleaf[e, ln] = sp * k1 * nl[e, ln] * ke * (xn / xf) * inv * inv
        for i in range(x.shape[0]):
            if is_input[i]:
                for ln in range(L):
                    beta[i, ln] = cv[i, ln]
                    out[i, ln] = sc[i, ln] * (1.0 - (1.0 - cv[i, ln]) * (1.0 - g[i, ln]))
                if want_jac:
                    for e in range(ptr[i], ptr[i + 1]):
                        for ln in range(L):
                            A[e, ln] = 0.0
                continue
            q0, q1 = op_ptr[i], op_ptr[i + 1]
            for q in range(q0, q1):
                for ln in range(L):
                    pr[ln] = 1.0
                for r in range(ch_ptr[q], ch_ptr[q + 1]):
                    ca, cb, ci = c_a[r], c_b[r], c_idx[r]
                    for ln in range(L):
                        ur = ca + cb * v[ci, ln]
                        u[r, ln] = ur
                        pr[ln] *= ur
                for ln in range(L):
                    v[E + q, ln] = alpha[q] + beta_[q] * pr[ln]
            ri, ra, rb = root_idx[i], root_a[i], root_b[i]
            for ln in range(L):
                b = ra + rb * v[ri, ln]
                b = cv[i, ln] if cm[i, ln] != 0.0 else b
                beta[i, ln] = b
                out[i, ln] = sc[i, ln] * (1.0 - (1.0 - b) * (1.0 - g[i, ln]))
            if want_jac:
                for ln in range(L):
                    w[ln] = sc[i, ln] * (1.0 - g[i, ln]) * (1.0 - cm[i, ln])
                if rb != 0.0:
                    for ln in range(L):
                        adj[ri, ln] = rb
                for q in range(q1 - 1, q0 - 1, -1):
                    bq = beta_[q]
                    lo, hi = ch_ptr[q], ch_ptr[q + 1]
                    for r in range(lo, hi):
                        cb = c_b[r]
                        if cb != 0.0:
                            for ln in range(L):
                                pr[ln] = adj[E + q, ln] * bq * cb
                            for r2 in range(lo, hi):
                                if r2 != r:
                                    for ln in range(L):
                                        pr[ln] *= u[r2, ln]
                            ci = c_idx[r]
                            for ln in range(L):
                                adj[ci, ln] = pr[ln]
                for e in range(ptr[i], ptr[i + 1]):
                    for ln in range(L):
                        A[e, ln] = w[ln] * adj[e, ln] * dleaf[e, ln]

    @_jitc
    def _factorl(S, A, c, LU, piv, diag, cA, best):
        """LU-factor (I - c (A - I)) per component and lane (c per node); cA[e] = c A[e] for
        edges from earlier components (0 inside one); diag = 1 / pivot of 1-node ones.
        Lanes are the last axis (LU: (component, m, m, L)); best: (L,) scratch."""
        (src, ptr, order, comp_ptr, node_comp, node_local) = S
        L = _L
        for q in range(comp_ptr.shape[0] - 1):
            a, b = comp_ptr[q], comp_ptr[q + 1]
            m = b - a
            for r in range(m):
                i = order[a + r]
                for e in range(ptr[i], ptr[i + 1]):
                    if node_comp[src[e]] == q:
                        for ln in range(L):
                            cA[e, ln] = 0.0
                    else:
                        for ln in range(L):
                            cA[e, ln] = c[i, ln] * A[e, ln]
            if m == 1:
                i = order[a]
                for ln in range(L):
                    diag[i, ln] = 1.0 + c[i, ln]
                for e in range(ptr[i], ptr[i + 1]):
                    if src[e] == i:
                        for ln in range(L):
                            diag[i, ln] -= c[i, ln] * A[e, ln]
                for ln in range(L):
                    diag[i, ln] = 1.0 / diag[i, ln]
                continue
            for r in range(m):
                for s in range(m):
                    for ln in range(L):
                        LU[q, r, s, ln] = 0.0
            for r in range(m):
                i = order[a + r]
                for ln in range(L):
                    LU[q, r, r, ln] = 1.0 + c[i, ln]
                for e in range(ptr[i], ptr[i + 1]):
                    s_ = src[e]
                    if node_comp[s_] == q:
                        sl = node_local[s_]
                        for ln in range(L):
                            LU[q, r, sl, ln] -= c[i, ln] * A[e, ln]
            M = LU[q]
            for col in range(m):  # partial pivoting, per lane; lanes innermost
                for ln in range(L):
                    piv[q, col, ln] = col
                    best[ln] = abs(M[col, col, ln])
                for r in range(col + 1, m):
                    for ln in range(L):
                        a_ = abs(M[r, col, ln])
                        up = a_ > best[ln]
                        best[ln] = a_ if up else best[ln]
                        piv[q, col, ln] = r if up else piv[q, col, ln]
                for s in range(m):
                    for ln in range(L):
                        p = piv[q, col, ln]
                        tmp = M[col, s, ln]
                        M[col, s, ln] = M[p, s, ln]
                        M[p, s, ln] = tmp
                for r in range(col + 1, m):
                    for ln in range(L):
                        M[r, col, ln] /= M[col, col, ln]
                    for s in range(col + 1, m):
                        for ln in range(L):
                            M[r, s, ln] -= M[r, col, ln] * M[col, s, ln]

    @_jitc
    def _solvel(S, cA, LU, piv, diag, r, k, rhs):
        """k = (I - c (A - I))^-1 r per lane by forward substitution over the components
        (r, k: (N, L); k finite on entry: entries inside a component are read with weight 0)."""
        (src, ptr, order, comp_ptr, _node_comp, _node_local) = S
        L = _L
        for q in range(comp_ptr.shape[0] - 1):
            a, b = comp_ptr[q], comp_ptr[q + 1]
            m = b - a
            for rr in range(m):
                i = order[a + rr]
                for ln in range(L):
                    rhs[rr, ln] = r[i, ln]
                for e in range(ptr[i], ptr[i + 1]):
                    s = src[e]
                    for ln in range(L):
                        rhs[rr, ln] += cA[e, ln] * k[s, ln]
            if m == 1:
                i = order[a]
                for ln in range(L):
                    k[i, ln] = rhs[0, ln] * diag[i, ln]
                continue
            for col in range(m):  # lanes innermost
                for ln in range(L):
                    p = piv[q, col, ln]
                    tmp = rhs[col, ln]
                    rhs[col, ln] = rhs[p, ln]
                    rhs[p, ln] = tmp
            for rr in range(m):
                for s in range(rr):
                    for ln in range(L):
                        rhs[rr, ln] -= LU[q, rr, s, ln] * rhs[s, ln]
            for rr in range(m - 1, -1, -1):
                for s in range(rr + 1, m):
                    for ln in range(L):
                        rhs[rr, ln] -= LU[q, rr, s, ln] * rhs[s, ln]
                for ln in range(L):
                    rhs[rr, ln] /= LU[q, rr, rr, ln]
            for rr in range(m):
                i = order[a + rr]
                for ln in range(L):
                    k[i, ln] = rhs[rr, ln]
