"""RODAS4 time courses in NumPy: the method of :mod:`._rodas4`, batched over patients.

One concept: the same steps as the compiled kernel (:mod:`._time_course_compiled`),
vectorized over the patients still running instead of run on SIMD lanes. Every
patient keeps its own step size, acceptance and outputs; a patient that is done
leaves the batch, so a few slow patients do not make everyone take small steps.
The stage systems are solved by forward substitution over the rule graph's
components (:func:`solve_stage`), with a dense solve only inside feedback loops.
Used without Numba (or with ``RAIRLAB_NO_NUMBA=1``); it agrees with the compiled
kernel to rounding (``tests/network/test_solvers.py``).
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from rairlab.network._compiled import (
    CompiledModel,
    Conditions,
    edge_parameters,
    node_tau,
    rule_value,
    rule_value_grad,
)
from rairlab.network.solvers import _program, _rodas4

__all__ = ["Derivatives", "derivatives", "integrate", "solve_stage"]

Array = NDArray[np.float64]


class Derivatives(NamedTuple):
    """At (x, t), per patient: f = dx/dt (n, N), d f / dt (n, N) and, when asked
    for, the edge Jacobian A = dF/dx (n, E)."""

    f: Array
    dfdt: Array
    A: Array | None


def _bias_and_rate(cond: Conditions, pulses: _program.Pulses, t: Array) -> tuple[Array, Array]:
    """The bias g(t) with the pulses, and dg/dt, per patient (n, N); `t` is (n,)."""
    g = cond.bias.copy()
    dg = np.zeros_like(g)
    tt = np.maximum(t, 0.0)
    for p in range(pulses.node.size):
        i = int(pulses.node[p])
        rise, fade, peak = pulses.rise[p], pulses.fade[p], pulses.peak[p]
        ef, er = np.exp(-tt / fade), np.exp(-tt / rise)
        amp = pulses.amplitude[:, p]
        add = amp * (ef - er) / peak
        dadd = np.where(t >= 0.0, amp * (er / rise - ef / fade) / peak, 0.0)  # right slope at 0
        off = 1.0 - g[:, i]
        dg[:, i] = dg[:, i] * (1.0 - add) + off * dadd
        g[:, i] = 1.0 - off * (1.0 - add)
    return g, dg


def derivatives(
    model: CompiledModel, cond: Conditions, x: Array, t: Array, jacobian: bool
) -> Derivatives:
    """f, d f / dt and (with `jacobian`) A at (x, t) for every patient of `cond`."""
    g, dg = _bias_and_rate(cond, _program.pulses(cond), t)
    params = edge_parameters(model, cond)
    beta = np.empty_like(x)
    A = np.zeros((x.shape[0], model.n_edges)) if jacobian else None
    for i in range(model.n_nodes):
        if model.is_input[i]:
            beta[:, i] = cond.clamp_value[:, i]
            continue
        clamped = cond.clamp_mask[:, i]
        if A is None:
            value = rule_value(model, x, i, params)
        else:
            value, dB = rule_value_grad(model, x, i, params)
            weight = cond.scale[:, i] * (1.0 - g[:, i]) * ~clamped
            A[:, model.edges_of(i)] = dB * weight[:, None]
        beta[:, i] = np.where(clamped, cond.clamp_value[:, i], value)
    F = cond.scale * (1.0 - (1.0 - beta) * (1.0 - g))
    inv_tau = 1.0 / node_tau(model, cond)
    return Derivatives((F - x) * inv_tau, cond.scale * (1.0 - beta) * dg * inv_tau, A)


def solve_stage(model: CompiledModel, A: Array, c: Array, r: Array) -> Array:
    """k with (I - c (A - I)) k = r per patient: c (n, N) per node, A per edge (n, E).

    Forward substitution over the components in topological order; a feedback loop's
    m x m block is solved densely (LU with partial pivoting)."""
    k = np.empty_like(r)
    for comp in model.components:
        if len(comp) == 1:
            i = comp[0]
            sl = model.edges_of(i)
            src = model.edge_src[sl]
            own = src == i
            Ai = A[:, sl]
            acc = r[:, i] + c[:, i] * np.einsum("pe,pe->p", Ai[:, ~own], k[:, src[~own]])
            diag = 1.0 + c[:, i] - c[:, i] * Ai[:, own].sum(axis=1)
            k[:, i] = acc / diag
            continue
        local = {g: j for j, g in enumerate(comp)}
        m = len(comp)
        M = np.zeros((r.shape[0], m, m))
        b = r[:, list(comp)].copy()
        for j, i in enumerate(comp):
            M[:, j, j] = 1.0 + c[:, i]
            sl = model.edges_of(i)
            for e in range(sl.start, sl.stop):
                s = int(model.edge_src[e])
                if s in local:
                    M[:, j, local[s]] -= c[:, i] * A[:, e]
                else:
                    b[:, j] += c[:, i] * A[:, e] * k[:, s]
        k[:, list(comp)] = _solve_or_nan(M, b)
    return k


def _solve_or_nan(M: Array, b: Array) -> Array:
    """x with M x = b per patient; NaN for a patient whose M is singular (its step is
    then rejected, as in the compiled kernel)."""
    try:
        return np.asarray(np.linalg.solve(M, b[..., None])[..., 0])
    except np.linalg.LinAlgError:  # numpy solves all or none: one patient at a time
        out = np.full(b.shape, np.nan)
        for p in range(b.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[p] = np.linalg.solve(M[p], b[p])
        return out


def _stages(
    model: CompiledModel, cond: Conditions, x: Array, t: Array, h: Array, d: Derivatives
) -> Array:
    """The six stages K (6, n, N) of one step of size h from (t, x)."""
    tab = _rodas4.RODAS4
    assert d.A is not None
    c = h[:, None] * tab.gamma / node_tau(model, cond)
    c = np.broadcast_to(c, x.shape)
    K = np.empty((_rodas4.N_STAGES, *x.shape))
    for s in range(_rodas4.N_STAGES):
        base = s * (s - 1) // 2
        if s == 0:
            r = d.f + tab.gammas[0] * h[:, None] * d.dfdt
        else:
            xs = x + np.tensordot(tab.a[base : base + s], K[:s], axes=1)
            f = derivatives(model, cond, xs, t + tab.alpha[s] * h, jacobian=False).f
            r = f + tab.gammas[s] * h[:, None] * d.dfdt
            r = r + np.tensordot(tab.c[base : base + s], K[:s], axes=1) / h[:, None]
        K[s] = solve_stage(model, d.A, c, r * (h[:, None] * tab.gamma))
    return K


def _error_norm(K: Array, x: Array, x_new: Array, rtol: float, atol: float) -> Array:
    """RMS over nodes of K_5 / (atol + rtol max(|x|, |x_new|)); non-finite: 1e10."""
    scale = atol + rtol * np.maximum(np.abs(x), np.abs(x_new))
    err = np.sqrt(np.mean((K[-1] / scale) ** 2, axis=1))
    return np.where(np.isfinite(err), err, _rodas4.FAILED_NORM)


class _State(NamedTuple):
    """Every patient's state between steps (rows: all patients)."""

    x: Array
    t: Array
    h: Array
    f: Array
    dfdt: Array
    A: Array
    rejected: NDArray[np.bool_]
    steps: NDArray[np.int64]
    tries: NDArray[np.int64]
    next_out: NDArray[np.int64]


def _dense_output(
    out: Array, s: _State, rows: NDArray[np.intp], t_out: Array, t_new: Array,
    x_new: Array, f_new: Array,
) -> None:  # fmt: skip
    """Outputs inside the accepted steps of `rows`: cubic Hermite interpolation."""
    t0, x0, f0 = s.t[rows], s.x[rows], s.f[rows]
    dt = t_new - t0
    while True:
        k = s.next_out[rows]
        due = (k < t_out.size) & (t_out[np.minimum(k, t_out.size - 1)] <= t_new)
        if not due.any():
            return
        j = np.flatnonzero(due)
        th = (t_out[k[j]] - t0[j]) / dt[j]
        end = t_out[k[j]] >= t_new[j]
        w00 = (1.0 + 2.0 * th) * (1.0 - th) ** 2
        w10 = th * (1.0 - th) ** 2 * dt[j]
        w01 = th * th * (3.0 - 2.0 * th)
        w11 = th * th * (th - 1.0) * dt[j]
        value = (
            w00[:, None] * x0[j] + w10[:, None] * f0[j] + w01[:, None] * x_new[j]
            + w11[:, None] * f_new[j]
        )  # fmt: skip
        out[rows[j], k[j]] = np.where(end[:, None], x_new[j], value)
        s.next_out[rows[j]] += 1


def integrate(
    model: CompiledModel,
    cond: Conditions,
    t_out: Array,
    x0: Array,
    rtol: float,
    atol: float,
    max_steps: int,
) -> tuple[Array, NDArray[np.int64], NDArray[np.int64]]:
    """Integrate every patient: x at t_out, accepted steps, output times reached."""
    n, N = x0.shape
    t_end = float(t_out[-1])
    out = np.full((n, t_out.size, N), np.nan)
    d0 = derivatives(model, cond, x0, np.zeros(n), jacobian=True)
    assert d0.A is not None
    s = _State(
        x0.copy(), np.zeros(n), np.full(n, _rodas4.first_step(t_end)), d0.f, d0.dfdt, d0.A,
        np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )  # fmt: skip
    if t_out[0] <= 0.0:
        out[:, 0] = x0
        s.next_out[:] = 1
    active = np.flatnonzero((s.next_out < t_out.size) & (max_steps > 0))
    while active.size:
        ca = cond.take(active)
        t, x = s.t[active], s.x[active]
        h = np.minimum(s.h[active], t_end - t)
        s.tries[active] += 1
        K = _stages(model, ca, x, t, h, Derivatives(s.f[active], s.dfdt[active], s.A[active]))
        x_new = x + np.tensordot(_rodas4.RODAS4.m, K, axes=1)
        err = _error_norm(K, x, x_new, rtol, atol)
        ok = err <= 1.0
        t_new = np.where(h >= t_end - t, t_end, t + h)
        d = derivatives(model, ca, x_new, t_new, jacobian=True)
        _dense_output(out, s, active[ok], t_out, t_new[ok], x_new[ok], d.f[ok])
        moved = active[ok]
        s.x[moved], s.f[moved], s.dfdt[moved], s.A[moved] = x_new[ok], d.f[ok], d.dfdt[ok], d.A[ok]  # type: ignore[index]
        s.t[moved] = t_new[ok]
        s.steps[moved] += 1
        fac = _rodas4.step_factor(err)
        s.h[active] = np.where(ok & s.rejected[active], np.minimum(h * fac, h), h * fac)
        s.rejected[active] = ~ok
        underflow = ~ok & (s.h[active] < _rodas4.UNDERFLOW * (1.0 + t))
        done = (
            underflow
            | (s.next_out[active] >= t_out.size)
            | (s.steps[active] >= max_steps)
            | (s.tries[active] >= 4 * max_steps)
        )
        active = active[~done]
    return out, s.steps, s.next_out
