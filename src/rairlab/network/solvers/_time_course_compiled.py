"""RODAS4 time courses, compiled (Numba): every patient with its own step size.

One concept: the implementation of :mod:`._rodas4` on SIMD lanes. Patients are split
into blocks (``prange``, one per thread); inside a block ``LANES`` patients run in
lock-step, one per lane, each with its own step size, acceptance and outputs, and a
lane whose patient finishes takes the next one from the block's queue. One step of
all lanes is :func:`_step`: factor the stage matrix once (:func:`factor_lanes`),
six stages (:func:`_stages`), the new point and its error (:func:`_new_point`), f
and A at the new point (:func:`_derivatives`), dense output (:func:`_dense_output`),
and step-size control (:func:`_control`). The NumPy implementation
(:mod:`._time_course_numpy`) follows the same steps, so the two agree to rounding.
Defined only when Numba is available.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from rairlab.network._compiled import CompiledModel, Conditions
from rairlab.network.solvers import _program, _rodas4
from rairlab.network.solvers._lanes import AVAILABLE, LANES

__all__ = ["AVAILABLE", "integrate"]

Array = NDArray[np.float64]


class LaneState(NamedTuple):
    """Per-lane scalars (LANES,): the patient (-1: idle), time, step sizes, error norm,
    counters, the next output index and flags."""

    patient: NDArray[np.int64]
    t: Array
    t_new: Array
    h: Array
    h_step: Array
    inv_h: Array
    h_gamma: Array
    err: Array
    accepted: NDArray[np.bool_]
    rejected: NDArray[np.bool_]
    has_f: NDArray[np.bool_]
    n_steps: NDArray[np.int64]
    n_tries: NDArray[np.int64]
    next_out: NDArray[np.int64]


class StepArrays(NamedTuple):
    """Per-lane states of one step, (N, LANES) unless noted: x and x_new, the stage
    point, f = dx/dt and d f / dt at both ends, the edge Jacobian A (E, LANES) at both
    ends, F and the rule values of the last evaluation, the stage right-hand side, the
    stages K (6, N, LANES), c = h gamma / tau and a (max_comp, LANES) buffer."""

    x: Array
    x_new: Array
    x_stage: Array
    f: Array
    f_new: Array
    dfdt: Array
    dfdt_new: Array
    A: Array
    A_new: Array
    F: Array
    beta: Array
    r: Array
    K: Array
    c: Array
    buf: Array


class Output(NamedTuple):
    """The results: x at the output times (n, n_times, N; NaN where not reached),
    accepted steps and output times reached per patient."""

    x: Array
    steps: NDArray[np.int64]
    reached: NDArray[np.int64]


class Settings(NamedTuple):
    """Tolerances, the step budget, the first step and the output times."""

    rtol: float
    atol: float
    max_steps: int
    h0: float
    t_out: Array


if AVAILABLE:  # pragma: no branch
    import numba

    from rairlab.network.solvers._lanes import (
        factor_lanes,
        lane_jit,
        lane_params,
        rhs_lanes,
        rhs_scratch,
        solve_lanes,
        stage_lu,
    )

    @lane_jit
    def _lane_state(h0):
        L = LANES
        return LaneState(
            np.full(L, -1, dtype=np.int64),
            np.zeros(L),
            np.zeros(L),
            np.full(L, h0),
            np.full(L, h0),
            np.zeros(L),
            np.zeros(L),
            np.zeros(L),
            np.zeros(L, dtype=np.bool_),
            np.zeros(L, dtype=np.bool_),
            np.ones(L, dtype=np.bool_),
            np.zeros(L, dtype=np.int64),
            np.zeros(L, dtype=np.int64),
            np.zeros(L, dtype=np.int64),
        )

    @lane_jit
    def _step_arrays(N, E, max_comp):
        L = LANES
        return StepArrays(
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((E, L)),
            np.zeros((E, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((N, L)),
            np.zeros((_rodas4.N_STAGES, N, L)),
            np.zeros((N, L)),
            np.zeros((max_comp, L)),
        )

    @lane_jit
    def _load_lane(ln, p, kin, pert, pulses, lanes, x0, w):
        """Copy patient p's parameters and initial state into lane ln."""
        for i in range(x0.shape[1]):
            w.x[i, ln] = x0[p, i]
            lanes.clamp[i, ln] = 1.0 if pert.clamp[p, i] else 0.0
            lanes.clamp_value[i, ln] = pert.clamp_value[p, i]
            lanes.scale[i, ln] = pert.scale[p, i]
            lanes.bias[i, ln] = pert.bias[p, i]
            lanes.inv_tau[i, ln] = kin.inv_tau[min(p, kin.inv_tau.shape[0] - 1), i]
        for q in range(pulses.node.shape[0]):
            lanes.amplitude[q, ln] = pulses.amplitude[p, q]
        for e in range(kin.kn.shape[1]):  # one shared row, or the patient's own
            lanes.kn[e, ln] = kin.kn[min(p, kin.kn.shape[0] - 1), e]
            lanes.n[e, ln] = kin.n[min(p, kin.n.shape[0] - 1), e]
            lanes.lo[e, ln] = kin.lo[min(p, kin.lo.shape[0] - 1), e]
            lanes.span[e, ln] = kin.span[min(p, kin.span.shape[0] - 1), e]

    @lane_jit
    def _fill_lanes(queue, end, kin, pert, pulses, set_, lanes, st, w, x0, out):
        """Give idle lanes the next patients of the queue; return the new queue head.

        A patient whose outputs are all at t <= 0, or with no step budget, is done
        at once (its first output is x0)."""
        n_out = set_.t_out.shape[0]
        for ln in range(LANES):
            while queue < end and st.patient[ln] < 0:
                p = queue
                queue += 1
                st.next_out[ln] = 1 if set_.t_out[0] <= 0.0 else 0
                if st.next_out[ln] == 1:
                    out.x[p, 0, :] = x0[p]
                if st.next_out[ln] >= n_out or set_.max_steps <= 0:
                    out.steps[p] = 0
                    out.reached[p] = st.next_out[ln]
                    continue
                st.patient[ln] = p
                _load_lane(ln, p, kin, pert, pulses, lanes, x0, w)
                st.t[ln] = 0.0
                st.h[ln] = set_.h0
                st.n_steps[ln] = 0
                st.n_tries[ln] = 0
                st.rejected[ln] = False
                st.has_f[ln] = False
        return queue

    @lane_jit
    def _derivatives(prog, graph, n_int, pulses, lanes, s, x, t, w, f, dfdt, A):
        """f = (F - x)/tau, d f / dt = scale (1 - beta) dg/dt / tau and A at (x, t)."""
        F, beta, dg, scale, inv_tau = w.F, w.beta, s.dg, lanes.scale, lanes.inv_tau
        rhs_lanes(prog, graph, n_int, pulses, lanes, x, t, True, s, F, beta, A)
        for i in range(x.shape[0]):
            for ln in range(LANES):
                dfdt[i, ln] = scale[i, ln] * (1.0 - beta[i, ln]) * dg[i, ln] * inv_tau[i, ln]
                f[i, ln] = (F[i, ln] - x[i, ln]) * inv_tau[i, ln]

    @lane_jit
    def _start_lanes(prog, graph, n_int, pulses, lanes, s, st, w):
        """f, d f / dt and A at the initial state of lanes that just got a patient."""
        need = False
        for ln in range(LANES):
            need = need or not st.has_f[ln]
        if not need:
            return
        _derivatives(
            prog, graph, n_int, pulses, lanes, s, w.x, st.t, w, w.f_new, w.dfdt_new, w.A_new
        )
        for ln in range(LANES):
            if st.has_f[ln]:
                continue
            for e in range(w.A.shape[0]):
                w.A[e, ln] = w.A_new[e, ln]
            for i in range(w.x.shape[0]):
                w.f[i, ln] = w.f_new[i, ln]
                w.dfdt[i, ln] = w.dfdt_new[i, ln]
            st.has_f[ln] = True

    @lane_jit
    def _stages(prog, graph, n_int, pulses, tab, lanes, s, st, w, lu):
        """The six stages K_s of one step (h = st.h_step), lanes innermost."""
        x, x_stage, f, dfdt, F, r, K, c = w.x, w.x_stage, w.f, w.dfdt, w.F, w.r, w.K, w.c
        h, inv_h, h_gamma, t_stage = st.h_step, st.inv_h, st.h_gamma, st.t_new
        inv_tau = lanes.inv_tau
        N = x.shape[0]
        for ln in range(LANES):
            inv_h[ln] = 1.0 / h[ln]
            h_gamma[ln] = h[ln] * tab.gamma
        for i in range(N):
            for ln in range(LANES):
                c[i, ln] = h_gamma[ln] * inv_tau[i, ln]
        factor_lanes(graph, w.A, c, lu)
        for stage in range(_rodas4.N_STAGES):
            gs = tab.gammas[stage]
            if stage == 0:  # f at (t, x) is known
                for i in range(N):
                    for ln in range(LANES):
                        r[i, ln] = f[i, ln] + gs * h[ln] * dfdt[i, ln]
            else:
                base = stage * (stage - 1) // 2
                for i in range(N):
                    for ln in range(LANES):
                        x_stage[i, ln] = x[i, ln]
                for j in range(stage):
                    a = tab.a[base + j]
                    for i in range(N):
                        for ln in range(LANES):
                            x_stage[i, ln] += a * K[j, i, ln]
                for ln in range(LANES):
                    t_stage[ln] = st.t[ln] + tab.alpha[stage] * h[ln]
                rhs_lanes(
                    prog, graph, n_int, pulses, lanes, x_stage, t_stage, False, s, F, w.beta,
                    w.A_new,
                )  # fmt: skip
                for i in range(N):
                    for ln in range(LANES):
                        r[i, ln] = (F[i, ln] - x_stage[i, ln]) * inv_tau[i, ln] + (
                            gs * h[ln] * dfdt[i, ln]
                        )
                for j in range(stage):
                    cj = tab.c[base + j]
                    for i in range(N):
                        for ln in range(LANES):
                            r[i, ln] += cj * inv_h[ln] * K[j, i, ln]
            for i in range(N):
                for ln in range(LANES):
                    r[i, ln] *= h_gamma[ln]
            solve_lanes(graph, lu, r, K[stage], w.buf)

    @lane_jit
    def _new_point(tab, set_, st, w, t_end):
        """x_new = x + sum m_s K_s, the RMS error norm of K_5, and t_new."""
        x, x_new, K, err = w.x, w.x_new, w.K, st.err
        rtol, atol = set_.rtol, set_.atol
        N = x.shape[0]
        for i in range(N):
            for ln in range(LANES):
                x_new[i, ln] = x[i, ln]
        for j in range(_rodas4.N_STAGES):
            mj = tab.m[j]
            for i in range(N):
                for ln in range(LANES):
                    x_new[i, ln] += mj * K[j, i, ln]
        for ln in range(LANES):
            err[ln] = 0.0
        for i in range(N):
            for ln in range(LANES):
                scale = atol + rtol * max(abs(x[i, ln]), abs(x_new[i, ln]))
                e = K[_rodas4.N_STAGES - 1, i, ln] / scale
                err[ln] += e * e
        for ln in range(LANES):
            norm = np.sqrt(err[ln] / N)
            err[ln] = norm if np.isfinite(norm) else _rodas4.FAILED_NORM
            st.accepted[ln] = st.patient[ln] >= 0 and err[ln] <= 1.0
            last = st.h_step[ln] >= t_end - st.t[ln]
            st.t_new[ln] = t_end if last else st.t[ln] + st.h_step[ln]

    @lane_jit
    def _dense_output(set_, st, w, out):
        """x at the output times inside accepted steps: cubic Hermite interpolation."""
        t_out = set_.t_out
        n_out = t_out.shape[0]
        for ln in range(LANES):
            if not st.accepted[ln]:
                continue
            p = st.patient[ln]
            t0, t1 = st.t[ln], st.t_new[ln]
            dt = t1 - t0
            while st.next_out[ln] < n_out and t_out[st.next_out[ln]] <= t1:
                k = st.next_out[ln]
                if t_out[k] >= t1:
                    for i in range(w.x.shape[0]):
                        out.x[p, k, i] = w.x_new[i, ln]
                else:
                    th = (t_out[k] - t0) / dt
                    h00 = (1.0 + 2.0 * th) * (1.0 - th) * (1.0 - th)
                    h10 = th * (1.0 - th) * (1.0 - th) * dt
                    h01 = th * th * (3.0 - 2.0 * th)
                    h11 = th * th * (th - 1.0) * dt
                    for i in range(w.x.shape[0]):
                        out.x[p, k, i] = (
                            h00 * w.x[i, ln]
                            + h10 * w.f[i, ln]
                            + h01 * w.x_new[i, ln]
                            + h11 * w.f_new[i, ln]
                        )
                st.next_out[ln] += 1

    @lane_jit
    def _accept(st, w):
        """Accepted lanes move to the new point, with its f, d f / dt and A."""
        x, f, dfdt, A, ok = w.x, w.f, w.dfdt, w.A, st.accepted
        x_new, f_new, dfdt_new, A_new = w.x_new, w.f_new, w.dfdt_new, w.A_new
        for i in range(x.shape[0]):
            for ln in range(LANES):
                x[i, ln] = x_new[i, ln] if ok[ln] else x[i, ln]
                f[i, ln] = f_new[i, ln] if ok[ln] else f[i, ln]
                dfdt[i, ln] = dfdt_new[i, ln] if ok[ln] else dfdt[i, ln]
        for e in range(A.shape[0]):
            for ln in range(LANES):
                A[e, ln] = A_new[e, ln] if ok[ln] else A[e, ln]

    @lane_jit
    def _control(set_, st, out):
        """Next step sizes; lanes whose patient is done are freed. Returns lanes freed."""
        n_out = set_.t_out.shape[0]
        freed = 0
        for ln in range(LANES):
            if st.patient[ln] < 0:
                continue
            err = max(st.err[ln], 1e-10)
            fac = min(_rodas4.FACTOR_MAX, max(_rodas4.FACTOR_MIN, _rodas4.SAFETY * err**-0.25))
            done = False
            if st.accepted[ln]:
                st.t[ln] = st.t_new[ln]
                st.n_steps[ln] += 1
                h = st.h_step[ln] * fac
                st.h[ln] = min(h, st.h_step[ln]) if st.rejected[ln] else h
                st.rejected[ln] = False
            else:
                st.h[ln] = st.h_step[ln] * fac
                st.rejected[ln] = True
                done = st.h[ln] < _rodas4.UNDERFLOW * (1.0 + st.t[ln])
            done = (
                done
                or st.next_out[ln] >= n_out
                or st.n_steps[ln] >= set_.max_steps
                or st.n_tries[ln] >= 4 * set_.max_steps
            )
            if done:
                p = st.patient[ln]
                out.steps[p] = st.n_steps[ln]
                out.reached[p] = st.next_out[ln]
                st.patient[ln] = -1
                st.t[ln] = 0.0
                freed += 1
        return freed

    @lane_jit
    def _step(prog, graph, kin, pulses, tab, set_, lanes, s, lu, st, w, out):
        """One RODAS4 step of every busy lane; returns the number of lanes freed."""
        t_end = set_.t_out[set_.t_out.shape[0] - 1]
        for ln in range(LANES):
            busy = st.patient[ln] >= 0
            st.h_step[ln] = min(st.h[ln], t_end - st.t[ln]) if busy else set_.h0
            st.n_tries[ln] += 1
        _stages(prog, graph, kin.n_int, pulses, tab, lanes, s, st, w, lu)
        _new_point(tab, set_, st, w, t_end)
        _derivatives(
            prog, graph, kin.n_int, pulses, lanes, s, w.x_new, st.t_new, w, w.f_new,
            w.dfdt_new, w.A_new,
        )  # fmt: skip
        _dense_output(set_, st, w, out)
        _accept(st, w)
        return _control(set_, st, out)

    @numba.njit(cache=True, nogil=True)
    def _block(prog, graph, kin, pert, pulses, tab, set_, x0, first, end, out):
        """Integrate patients first..end-1, ``LANES`` at a time in lock-step."""
        N, E = x0.shape[1], graph.edge_src.shape[0]
        lanes = lane_params(N, E, pulses.node.shape[0])
        s = rhs_scratch(N, E + prog.op_const.shape[0], E, prog.fac_slot.shape[0])
        lu = stage_lu(N, E, graph.comp_ptr.shape[0] - 1, graph.max_comp)
        st = _lane_state(set_.h0)
        w = _step_arrays(N, E, graph.max_comp)
        queue = first
        busy = 0
        while True:
            head = queue
            queue = _fill_lanes(queue, end, kin, pert, pulses, set_, lanes, st, w, x0, out)
            if head != queue:
                busy = 0
                for ln in range(LANES):
                    busy += 1 if st.patient[ln] >= 0 else 0
                _start_lanes(prog, graph, kin.n_int, pulses, lanes, s, st, w)
            if busy == 0:
                return
            busy -= _step(prog, graph, kin, pulses, tab, set_, lanes, s, lu, st, w, out)

    @numba.njit(cache=True, parallel=True, nogil=True)
    def _integrate(prog, graph, kin, pert, pulses, tab, set_, x0, out, n_blocks):
        n = x0.shape[0]
        for task in numba.prange(n_blocks):
            b = np.int64(task)  # a parfor index may be unsigned
            first = b * n // n_blocks
            end = (b + 1) * n // n_blocks
            _block(prog, graph, kin, pert, pulses, tab, set_, x0, first, end, out)


def _n_blocks(n: int) -> int:
    """Blocks of patients (each run ``LANES`` at a time): one per thread, since every
    block ends with a tail of idle lanes (4 per thread measured 25% slower at 1,000
    patients)."""
    return min(max(1, -(-n // LANES)), numba.get_num_threads())


def integrate(
    model: CompiledModel,
    cond: Conditions,
    t_out: Array,
    x0: Array,
    rtol: float,
    atol: float,
    max_steps: int,
) -> Output:
    """Integrate every patient: x at t_out, accepted steps, output times reached."""
    n, N = x0.shape
    out = Output(
        np.full((n, t_out.size, N), np.nan),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    settings = Settings(
        float(rtol), float(atol), int(max_steps), _rodas4.first_step(float(t_out[-1])), t_out
    )
    _integrate(
        _program.rule_program(model),
        _program.graph(model),
        _program.kinetics(model, cond),
        _program.perturbation(cond),
        _program.pulses(cond),
        _rodas4.RODAS4,
        settings,
        np.ascontiguousarray(x0, dtype=float),
        out,
        _n_blocks(n),
    )
    return out
