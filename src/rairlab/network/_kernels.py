r"""Compiled per-patient time-course kernel (Numba) for the network.

One concept: a Numba kernel, on the model's flat arrays (:mod:`._flat`), that
integrates every patient independently (``prange`` over
patients) with the stiffly accurate, L-stable Rosenbrock method RODAS4 of order
4(3). The linear systems ``(I - h gamma J) k = r`` are solved by forward
substitution over the strongly connected components (the Jacobian is block
lower-triangular in topological order); the LU factors of the feedback loops'
small dense blocks are computed once per step and reused by all six stages.
Integer Hill exponents are evaluated by repeated multiplication.

Numba is optional: :data:`AVAILABLE` is False without it (or with
``RAIRLAB_NO_NUMBA=1``) and the callers fall back to their NumPy paths.

References
----------
Hairer E, Wanner G (1996) Solving Ordinary Differential Equations II. Stiff and
Differential-Algebraic Problems, 2nd ed., section IV.7 (RODAS4 coefficients).
Springer. doi:10.1007/978-3-642-05221-7
"""

from __future__ import annotations

import os

import numpy as np
from numpy.typing import NDArray

from rairlab.network._compiled import CompiledModel, Conditions
from rairlab.network._flat import flatten

Array = NDArray[np.float64]

try:  # pragma: no cover - exercised through AVAILABLE
    if os.environ.get("RAIRLAB_NO_NUMBA", "") not in ("", "0"):
        raise ImportError("disabled by RAIRLAB_NO_NUMBA")
    import numba

    AVAILABLE = True
except ImportError:  # pragma: no cover
    AVAILABLE = False


# RODAS4 (Hairer & Wanner 1996), in the form G K_i = f(t + alpha_i h, y + sum a_ij K_j)
# + sum c_ij K_j / h + gamma_i h df/dt with G = 1/(h gamma) - J; y1 = y + sum m_i K_i,
# error estimate K_6 (stiffly accurate).
_GAMMA = 0.25
_ALPHA = np.array([0.0, 0.386, 0.210, 0.630, 1.0, 1.0])
_GAMMAS = np.array([0.25, -0.1043, 0.1035, -0.3620000000000023e-01, 0.0, 0.0])
# fmt: off
_A = np.array([
    1.544, 0.9466785280815826, 0.2557011698983284, 3.314825187068521, 2.896124015972201,
    0.9986419139977817, 1.221224509226641, 6.019134481288629, 12.53708332932087,
    -0.6878860361058950, 1.221224509226641, 6.019134481288629, 12.53708332932087,
    -0.6878860361058950, 1.0,
])
# fmt: on
_M = np.array(
    [1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950, 1.0, 1.0]
)
# fmt: off
_C = np.array([
    -5.6688, -2.430093356833875, -0.2063599157091915, -0.1073529058151375,
    -9.594562251023355, -20.47028614809616, 7.496443313967647, -10.24680431464352,
    -33.99990352819905, 11.70890893206160, 8.083246795921522, -7.981132988064893,
    -31.52159432874371, 16.31930543123136, -6.058818238834054,
])
# fmt: on


if AVAILABLE:  # pragma: no branch
    _jit = numba.njit(cache=True, nogil=True, inline="always")

    @_jit
    def _hill(x: float, kn: float, n_int: int, n: float) -> tuple[float, float]:
        """Normalized Hill cube value and derivative at x (floored at 1e-30)."""
        xf = max(x, 1e-30)
        if n_int > 0:
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
        if n_int > 0:
            xn = xf
            for _ in range(n_int - 1):
                xn *= xf
        else:
            xn = xf**n
        return xn * (1.0 + kn) / (xn + kn)

    @_jit
    def _bias_t(t, g0, pnode, pamp, prise, pfade, ppeak, gout, dgout):
        """g(t) and dg/dt of every node for one patient (pulses multiply 1 - g)."""
        for i in range(g0.shape[0]):
            gout[i] = g0[i]
            dgout[i] = 0.0
        tt = max(t, 0.0)
        for p in range(pnode.shape[0]):
            i = pnode[p]
            ef = np.exp(-tt / pfade[p])
            er = np.exp(-tt / prise[p])
            add = pamp[p] * (ef - er) / ppeak[p]
            dadd = pamp[p] * (er / prise[p] - ef / pfade[p]) / ppeak[p] if t > 0.0 else 0.0
            one_minus = 1.0 - gout[i]
            # d/dt [1 - (1-g)(1-add)] = dg (1-add) + (1-g) dadd
            dgout[i] = dgout[i] * (1.0 - add) + one_minus * dadd
            gout[i] = 1.0 - one_minus * (1.0 - add)

    @_jit
    def _F(K, x, t, P, g, dg, v, dleaf, work, out, want_jac, A, beta):
        """F(x, t) into `out`; with want_jac also the edge Jacobian A (dF_tgt/dx_src)."""
        (R, src, ptr, n_int, n, kn, is_input) = K
        (alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx, root_a, root_b, E) = R
        (cmask, cval, scale, g0, pnode, pamp, prise, pfade, ppeak) = P
        _bias_t(t, g0, pnode, pamp, prise, pfade, ppeak, g, dg)
        n_ch = R[4].shape[0]
        u = work[:n_ch]
        adj = work[n_ch:]
        if want_jac:
            for e in range(src.shape[0]):
                f, d = _hill(x[src[e]], kn[e], n_int[e], n[e])
                v[e] = f
                dleaf[e] = d
        else:
            for e in range(src.shape[0]):
                v[e] = _hill_value(x[src[e]], kn[e], n_int[e], n[e])
        for i in range(x.shape[0]):
            if cmask[i] or is_input[i]:
                b = cval[i]
                if want_jac:
                    for e in range(ptr[i], ptr[i + 1]):
                        A[e] = 0.0
            else:
                q0, q1 = op_ptr[i], op_ptr[i + 1]
                for q in range(q0, q1):
                    p = 1.0
                    for r in range(ch_ptr[q], ch_ptr[q + 1]):
                        ur = c_a[r] + c_b[r] * v[c_idx[r]]
                        u[r] = ur
                        p *= ur
                    v[E + q] = alpha[q] + beta_[q] * p
                b = root_a[i] + root_b[i] * v[root_idx[i]]
                if want_jac:
                    w = scale[i] * (1.0 - g[i])
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
            beta[i] = b
            out[i] = scale[i] * (1.0 - (1.0 - b) * (1.0 - g[i]))

    @_jit
    def _factor(S, A, c, LU, piv, diag, cA):
        """LU-factor (I - c (A - I)) per component (c per node); cA[e] = c A[e] for edges
        from earlier components (0 inside a component); diag = 1 / pivot of 1-node ones."""
        (src, ptr, order, comp_ptr, node_comp, node_local) = S
        for q in range(comp_ptr.shape[0] - 1):
            a, b = comp_ptr[q], comp_ptr[q + 1]
            m = b - a
            for r in range(m):
                i = order[a + r]
                for e in range(ptr[i], ptr[i + 1]):
                    cA[e] = 0.0 if node_comp[src[e]] == q else c[i] * A[e]
            if m == 1:
                i = order[a]
                d = 1.0 + c[i]
                for e in range(ptr[i], ptr[i + 1]):
                    if src[e] == i:
                        d -= c[i] * A[e]
                diag[i] = 1.0 / d
                continue
            M = LU[q, :m, :m]
            for r in range(m):
                for s in range(m):
                    M[r, s] = 0.0
            for r in range(m):
                i = order[a + r]
                M[r, r] = 1.0 + c[i]
                for e in range(ptr[i], ptr[i + 1]):
                    s_ = src[e]
                    if node_comp[s_] == q:
                        M[r, node_local[s_]] -= c[i] * A[e]
            for col in range(m):  # partial pivoting
                p = col
                best = abs(M[col, col])
                for r in range(col + 1, m):
                    if abs(M[r, col]) > best:
                        best = abs(M[r, col])
                        p = r
                piv[q, col] = p
                if p != col:
                    for s in range(m):
                        tmp = M[col, s]
                        M[col, s] = M[p, s]
                        M[p, s] = tmp
                for r in range(col + 1, m):
                    M[r, col] /= M[col, col]
                    for s in range(col + 1, m):
                        M[r, s] -= M[r, col] * M[col, s]

    @_jit
    def _solve(S, cA, LU, piv, diag, r, k, rhs_buf):
        """k = (I - c (A - I))^-1 r by forward substitution over the components (k finite
        on entry: entries inside a component are read with weight 0)."""
        (src, ptr, order, comp_ptr, _node_comp, _node_local) = S
        for q in range(comp_ptr.shape[0] - 1):
            a, b = comp_ptr[q], comp_ptr[q + 1]
            m = b - a
            if m == 1:
                i = order[a]
                acc = r[i]
                for e in range(ptr[i], ptr[i + 1]):
                    acc += cA[e] * k[src[e]]
                k[i] = acc * diag[i]
                continue
            for rr in range(m):
                i = order[a + rr]
                acc = r[i]
                for e in range(ptr[i], ptr[i + 1]):
                    acc += cA[e] * k[src[e]]
                rhs_buf[rr] = acc
            M = LU[q]
            for col in range(m):
                p = piv[q, col]
                if p != col:
                    tmp = rhs_buf[col]
                    rhs_buf[col] = rhs_buf[p]
                    rhs_buf[p] = tmp
            for rr in range(m):
                for s in range(rr):
                    rhs_buf[rr] -= M[rr, s] * rhs_buf[s]
            for rr in range(m - 1, -1, -1):
                for s in range(rr + 1, m):
                    rhs_buf[rr] -= M[rr, s] * rhs_buf[s]
                rhs_buf[rr] /= M[rr, rr]
            for rr in range(m):
                k[order[a + rr]] = rhs_buf[rr]

    @numba.njit(cache=True, nogil=True)
    def _one(
        K,
        S,
        P,
        inv_tau,
        n_comp,
        max_comp,
        t_out,
        x0row,
        rtol,
        atol,
        max_steps,
        h0,
        A_,
        C_,
        M_,
        ALPHA,
        GAMMAS,
        outp,
    ):
        """Integrate one patient; write its outputs into outp; return (steps, outputs)."""
        N = x0row.shape[0]
        E = K[1].shape[0]
        n_slots = E + K[0][0].shape[0]
        c_idx = K[0][4]
        x = x0row.copy()
        xs = np.empty(N)
        xn = np.empty(N)
        Fv = np.empty(N)
        r = np.empty(N)
        kk = np.zeros((6, N))
        cA = np.empty(E)
        beta = np.empty(N)
        g = np.empty(N)
        dg = np.empty(N)
        dFdt = np.empty(N)
        c = np.empty(N)
        diag = np.empty(N)
        leaf = np.zeros(n_slots)
        dleaf = np.empty(E)
        A = np.empty(E)
        stack = np.zeros(c_idx.shape[0] + n_slots)
        LU = np.empty((n_comp, max_comp, max_comp))
        piv = np.zeros((n_comp, max_comp), dtype=np.int64)
        rbuf = np.empty(max_comp)
        t = 0.0
        nxt = 0
        if t_out[0] <= 0.0:
            outp[0, :] = x
            nxt = 1
        h = h0
        nstep = 0
        reject = False
        tries = 0
        have = False  # Jacobian, f0 and dF/dt at (t, x) are current
        f0 = np.empty(N)
        f1 = np.empty(N)
        n_out = t_out.shape[0]
        t_end = t_out[n_out - 1]
        while nxt < n_out and nstep < max_steps and tries < 4 * max_steps:
            tries += 1
            if not have:
                _F(K, x, t, P, g, dg, leaf, dleaf, stack, Fv, True, A, beta)
                for i in range(N):
                    dFdt[i] = P[2][i] * (1.0 - beta[i]) * dg[i] * inv_tau[i]
                    f0[i] = (Fv[i] - x[i]) * inv_tau[i]
                have = True
            hs = min(h, t_end - t)
            last = hs >= t_end - t
            for i in range(N):
                c[i] = hs * _GAMMA * inv_tau[i]
            _factor(S, A, c, LU, piv, diag, cA)
            for st in range(6):
                if st == 0:
                    for i in range(N):
                        r[i] = hs * _GAMMA * (f0[i] + GAMMAS[0] * hs * dFdt[i])
                else:
                    base = st * (st - 1) // 2
                    for i in range(N):
                        acc = x[i]
                        for j in range(st):
                            acc += A_[base + j] * kk[j, i]
                        xs[i] = acc
                    _F(K, xs, t + ALPHA[st] * hs, P, g, dg, leaf, dleaf, stack, Fv, False, A, beta)
                    ih = 1.0 / hs
                    for i in range(N):
                        fi = (Fv[i] - xs[i]) * inv_tau[i]
                        acc = fi + GAMMAS[st] * hs * dFdt[i]
                        for j in range(st):
                            acc += C_[base + j] * ih * kk[j, i]
                        r[i] = hs * _GAMMA * acc
                _solve(S, cA, LU, piv, diag, r, kk[st], rbuf)
            err = 0.0
            for i in range(N):
                acc = x[i]
                for j in range(6):
                    acc += M_[j] * kk[j, i]
                xn[i] = acc
                sc = atol + rtol * max(abs(x[i]), abs(acc))
                e_i = kk[5, i] / sc
                err += e_i * e_i
            err = np.sqrt(err / N)
            if not np.isfinite(err):
                err = 1e10
            fac = min(6.0, max(0.2, 0.9 * max(err, 1e-10) ** -0.25))
            if err <= 1.0:
                t_new = t_end if last else t + hs
                # derivative (and the next step's Jacobian) at the new point
                _F(K, xn, t_new, P, g, dg, leaf, dleaf, stack, Fv, True, A, beta)
                for i in range(N):
                    dFdt[i] = P[2][i] * (1.0 - beta[i]) * dg[i] * inv_tau[i]
                    f1[i] = (Fv[i] - xn[i]) * inv_tau[i]
                # outputs inside the step: cubic Hermite interpolation (x, f at both ends)
                dt = t_new - t
                while nxt < n_out and t_out[nxt] <= t_new:
                    if t_out[nxt] >= t_new:
                        outp[nxt, :] = xn
                    else:
                        th = (t_out[nxt] - t) / dt
                        h00 = (1.0 + 2.0 * th) * (1.0 - th) * (1.0 - th)
                        h10 = th * (1.0 - th) * (1.0 - th) * dt
                        h01 = th * th * (3.0 - 2.0 * th)
                        h11 = th * th * (th - 1.0) * dt
                        for i in range(N):
                            outp[nxt, i] = h00 * x[i] + h10 * f0[i] + h01 * xn[i] + h11 * f1[i]
                    nxt += 1
                for i in range(N):
                    x[i] = xn[i]
                    f0[i] = f1[i]
                t = t_new
                nstep += 1
                hn = hs * fac
                if reject:
                    hn = min(hn, hs)
                h = hn
                reject = False
            else:
                h = hs * fac
                reject = True
                if h < 1e-12 * (1.0 + t):  # step size underflow: report as incomplete
                    break
        return nstep, nxt

    @numba.njit(cache=True, parallel=True, nogil=True)
    def _integrate(
        alpha,
        beta_,
        op_ptr,
        ch_ptr,
        c_idx,
        c_a,
        c_b,
        root_idx,
        root_a,
        root_b,
        src,
        ptr,
        n_int,
        n,
        kn,
        is_input,
        order,
        comp_ptr,
        node_comp,
        node_local,
        inv_tau,
        max_comp,
        cmask,
        cval,
        scale,
        g0,
        pnode,
        pamp,
        prise,
        pfade,
        t_out,
        x0,
        rtol,
        atol,
        max_steps,
        h0,
        A_,
        C_,
        M_,
        ALPHA,
        GAMMAS,
        out,
        steps,
        nxt_out,
    ):
        n_pat = x0.shape[0]
        E = src.shape[0]
        n_comp = comp_ptr.shape[0] - 1
        ppeak = np.empty(pnode.shape[0])
        for p in range(pnode.shape[0]):
            tp = np.log(pfade[p] / prise[p]) * prise[p] * pfade[p] / (pfade[p] - prise[p])
            ppeak[p] = np.exp(-tp / pfade[p]) - np.exp(-tp / prise[p])
        for pt in numba.prange(n_pat):
            R = (alpha, beta_, op_ptr, ch_ptr, c_idx, c_a, c_b, root_idx, root_a, root_b, E)
            K = (R, src, ptr, n_int, n, kn, is_input)
            S = (src, ptr, order, comp_ptr, node_comp, node_local)
            P = (cmask[pt], cval[pt], scale[pt], g0[pt], pnode, pamp[pt], prise, pfade, ppeak)
            ns, nx = _one(
                K, S, P, inv_tau, n_comp, max_comp, t_out, x0[pt], rtol, atol, max_steps, h0,
                A_, C_, M_, ALPHA, GAMMAS, out[pt],
            )  # fmt: skip
            steps[pt] = ns
            nxt_out[pt] = nx


def integrate(
    model: CompiledModel,
    cond: Conditions,
    t_out: Array,
    x0: Array,
    rtol: float,
    atol: float,
    max_steps: int,
) -> tuple[Array, NDArray[np.int64], NDArray[np.int64]]:
    """Integrate all patients with the RODAS4 kernel: (x out, accepted steps, outputs reached)."""
    f = flatten(model)
    n, N = x0.shape
    pulses = cond.pulses
    pnode = np.array([p.node for p in pulses], dtype=np.int64)
    pamp = (
        np.stack([np.asarray(p.amplitude, dtype=float) for p in pulses], axis=1)
        if pulses
        else np.zeros((n, 0))
    )
    prise = np.array([p.rise_h for p in pulses], dtype=float)
    pfade = np.array([p.fade_h for p in pulses], dtype=float)
    out = np.full((n, t_out.size, N), np.nan)
    steps = np.zeros(n, dtype=np.int64)
    nxt = np.zeros(n, dtype=np.int64)
    h0 = min(0.05, t_out[-1] / 10.0 if t_out[-1] > 0 else 0.05)
    _integrate(
        f["alpha"], f["beta"], f["op_ptr"], f["ch_ptr"], f["c_idx"], f["c_a"], f["c_b"],
        f["root_idx"], f["root_a"], f["root_b"], f["src"], f["ptr"], f["n_int"], f["n"],
        f["kn"], f["is_input"], f["order"], f["comp_ptr"], f["node_comp"], f["node_local"],
        f["inv_tau"], f["max_comp"],
        np.ascontiguousarray(cond.clamp_mask, dtype=np.bool_),
        np.ascontiguousarray(cond.clamp_value, dtype=float),
        np.ascontiguousarray(cond.scale, dtype=float),
        np.ascontiguousarray(cond.bias, dtype=float),
        pnode, np.ascontiguousarray(pamp), prise, pfade,
        t_out, np.ascontiguousarray(x0, dtype=float), float(rtol), float(atol), int(max_steps),
        float(h0), _A, _C, _M, _ALPHA, _GAMMAS, out, steps, nxt,
    )  # fmt: skip
    return out, steps, nxt
