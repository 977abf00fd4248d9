"""RODAS4 time courses, compiled (Numba): every patient with its own step size.

One concept: the implementation of :mod:`._rodas4` on SIMD params. Patients are split
into blocks (``prange``, one per thread); inside a block ``LANES`` patients run in
lock-step, one per lane, each with its own step size, acceptance and outputs, and a
lane whose patient finishes takes the next one from the block's queue. One step of
all lanes is :func:`_step`: factor the stage matrix once (:func:`factor_lanes`),
six stages (:func:`_stages`), the new point and its error (:func:`_new_point`), f
and A at the new point (:func:`_derivatives`), dense output (:func:`_dense_output`),
accepted lanes moving on (:func:`_accept`) and step-size control (:func:`_control`).
The NumPy implementation (:mod:`._time_course_numpy`) follows the same steps, so the
two agree to rounding. Defined only when Numba is available.
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
    def _load_lane(ln, p, kin, pert, pulses, params, x0, work):
        """Copy patient p's parameters and initial state into lane ln."""
        for i in range(x0.shape[1]):
            work.x[i, ln] = x0[p, i]
            params.clamp[i, ln] = 1.0 if pert.clamp[p, i] else 0.0
            params.clamp_value[i, ln] = pert.clamp_value[p, i]
            params.scale[i, ln] = pert.scale[p, i]
            params.bias[i, ln] = pert.bias[p, i]
            params.inv_tau[i, ln] = kin.inv_tau[min(p, kin.inv_tau.shape[0] - 1), i]
        for q in range(pulses.node.shape[0]):
            params.amplitude[q, ln] = pulses.amplitude[p, q]
        for e in range(kin.kn.shape[1]):  # one shared row, or the patient's own
            params.kn[e, ln] = kin.kn[min(p, kin.kn.shape[0] - 1), e]
            params.n[e, ln] = kin.n[min(p, kin.n.shape[0] - 1), e]
            params.lo[e, ln] = kin.lo[min(p, kin.lo.shape[0] - 1), e]
            params.span[e, ln] = kin.span[min(p, kin.span.shape[0] - 1), e]

    @lane_jit
    def _fill_lanes(queue, end, kin, pert, pulses, settings, params, state, work, x0, out):
        """Give idle lanes the next patients of the queue; return the new queue head.

        A patient whose outputs are all at t <= 0, or with no step budget, is done
        at once (its first output is x0)."""
        n_out = settings.t_out.shape[0]
        for ln in range(LANES):
            while queue < end and state.patient[ln] < 0:
                p = queue
                queue += 1
                state.next_out[ln] = 1 if settings.t_out[0] <= 0.0 else 0
                if state.next_out[ln] == 1:
                    out.x[p, 0, :] = x0[p]
                if state.next_out[ln] >= n_out or settings.max_steps <= 0:
                    out.steps[p] = 0
                    out.reached[p] = state.next_out[ln]
                    continue
                state.patient[ln] = p
                _load_lane(ln, p, kin, pert, pulses, params, x0, work)
                state.t[ln] = 0.0
                state.h[ln] = settings.h0
                state.n_steps[ln] = 0
                state.n_tries[ln] = 0
                state.rejected[ln] = False
                state.has_f[ln] = False
        return queue

    @lane_jit
    def _derivatives(prog, graph, n_int, pulses, params, scratch, x, t, work, f, dfdt, A):
        """f = (F - x)/tau, d f / dt = scale (1 - beta) dg/dt / tau and A at (x, t)."""
        F, beta, dg, scale, inv_tau = work.F, work.beta, scratch.dg, params.scale, params.inv_tau
        rhs_lanes(prog, graph, n_int, pulses, params, x, t, True, scratch, F, beta, A)
        for i in range(x.shape[0]):
            for ln in range(LANES):
                dfdt[i, ln] = scale[i, ln] * (1.0 - beta[i, ln]) * dg[i, ln] * inv_tau[i, ln]
                f[i, ln] = (F[i, ln] - x[i, ln]) * inv_tau[i, ln]

    @lane_jit
    def _start_lanes(prog, graph, n_int, pulses, params, scratch, state, work):
        """f, d f / dt and A at the initial state of lanes that just got a patient."""
        need = False
        for ln in range(LANES):
            need = need or not state.has_f[ln]
        if not need:
            return
        _derivatives(
            prog,
            graph,
            n_int,
            pulses,
            params,
            scratch,
            work.x,
            state.t,
            work,
            work.f_new,
            work.dfdt_new,
            work.A_new,
        )
        for ln in range(LANES):
            if state.has_f[ln]:
                continue
            for e in range(work.A.shape[0]):
                work.A[e, ln] = work.A_new[e, ln]
            for i in range(work.x.shape[0]):
                work.f[i, ln] = work.f_new[i, ln]
                work.dfdt[i, ln] = work.dfdt_new[i, ln]
            state.has_f[ln] = True

    @lane_jit
    def _stages(prog, graph, n_int, pulses, tab, params, scratch, state, work, lu):
        """The six stages K_s of one step (h = state.h_step), lanes innermost."""
        x, x_stage, f, dfdt, F, r, K, c = (
            work.x,
            work.x_stage,
            work.f,
            work.dfdt,
            work.F,
            work.r,
            work.K,
            work.c,
        )
        # t_new serves as the stages' time until _new_point sets the step's end
        h, inv_h, h_gamma, t_stage = state.h_step, state.inv_h, state.h_gamma, state.t_new
        inv_tau = params.inv_tau
        N = x.shape[0]
        for ln in range(LANES):
            inv_h[ln] = 1.0 / h[ln]
            h_gamma[ln] = h[ln] * tab.gamma
        for i in range(N):
            for ln in range(LANES):
                c[i, ln] = h_gamma[ln] * inv_tau[i, ln]
        factor_lanes(graph, work.A, c, lu)
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
                    t_stage[ln] = state.t[ln] + tab.alpha[stage] * h[ln]
                rhs_lanes(
                    prog, graph, n_int, pulses, params, x_stage, t_stage, False, scratch, F,
                    work.beta, work.A_new,
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
            solve_lanes(graph, lu, r, K[stage], work.buf)

    @lane_jit
    def _new_point(tab, settings, state, work, t_end):
        """x_new = x + sum m_s K_s, the RMS error norm of K_5, and t_new."""
        x, x_new, K, err = work.x, work.x_new, work.K, state.err
        rtol, atol = settings.rtol, settings.atol
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
            state.accepted[ln] = state.patient[ln] >= 0 and err[ln] <= 1.0
            last = state.h_step[ln] >= t_end - state.t[ln]
            state.t_new[ln] = t_end if last else state.t[ln] + state.h_step[ln]

    @lane_jit
    def _dense_output(settings, state, work, out):
        """x at the output times inside accepted steps: cubic Hermite interpolation."""
        t_out = settings.t_out
        n_out = t_out.shape[0]
        for ln in range(LANES):
            if not state.accepted[ln]:
                continue
            p = state.patient[ln]
            t0, t1 = state.t[ln], state.t_new[ln]
            dt = t1 - t0
            while state.next_out[ln] < n_out and t_out[state.next_out[ln]] <= t1:
                k = state.next_out[ln]
                if t_out[k] >= t1:
                    for i in range(work.x.shape[0]):
                        out.x[p, k, i] = work.x_new[i, ln]
                else:
                    th = (t_out[k] - t0) / dt
                    h00 = (1.0 + 2.0 * th) * (1.0 - th) * (1.0 - th)
                    h10 = th * (1.0 - th) * (1.0 - th) * dt
                    h01 = th * th * (3.0 - 2.0 * th)
                    h11 = th * th * (th - 1.0) * dt
                    for i in range(work.x.shape[0]):
                        out.x[p, k, i] = (
                            h00 * work.x[i, ln]
                            + h10 * work.f[i, ln]
                            + h01 * work.x_new[i, ln]
                            + h11 * work.f_new[i, ln]
                        )
                state.next_out[ln] += 1

    @lane_jit
    def _accept(state, work):
        """Accepted lanes move to the new point, with its f, d f / dt and A."""
        x, f, dfdt, A, ok = work.x, work.f, work.dfdt, work.A, state.accepted
        x_new, f_new, dfdt_new, A_new = work.x_new, work.f_new, work.dfdt_new, work.A_new
        for i in range(x.shape[0]):
            for ln in range(LANES):
                x[i, ln] = x_new[i, ln] if ok[ln] else x[i, ln]
                f[i, ln] = f_new[i, ln] if ok[ln] else f[i, ln]
                dfdt[i, ln] = dfdt_new[i, ln] if ok[ln] else dfdt[i, ln]
        for e in range(A.shape[0]):
            for ln in range(LANES):
                A[e, ln] = A_new[e, ln] if ok[ln] else A[e, ln]

    @lane_jit
    def _control(settings, state, out):
        """Next step sizes; lanes whose patient is done are freed. Returns lanes freed."""
        n_out = settings.t_out.shape[0]
        freed = 0
        for ln in range(LANES):
            if state.patient[ln] < 0:
                continue
            err = max(state.err[ln], 1e-10)
            fac = min(_rodas4.FACTOR_MAX, max(_rodas4.FACTOR_MIN, _rodas4.SAFETY * err**-0.25))
            done = False
            if state.accepted[ln]:
                state.t[ln] = state.t_new[ln]
                state.n_steps[ln] += 1
                h = state.h_step[ln] * fac
                state.h[ln] = min(h, state.h_step[ln]) if state.rejected[ln] else h
                state.rejected[ln] = False
            else:
                state.h[ln] = state.h_step[ln] * fac
                state.rejected[ln] = True
                done = state.h[ln] < _rodas4.UNDERFLOW * (1.0 + state.t[ln])
            done = (
                done
                or state.next_out[ln] >= n_out
                or state.n_steps[ln] >= settings.max_steps
                or state.n_tries[ln] >= 4 * settings.max_steps
            )
            if done:
                p = state.patient[ln]
                out.steps[p] = state.n_steps[ln]
                out.reached[p] = state.next_out[ln]
                state.patient[ln] = -1
                state.t[ln] = 0.0
                freed += 1
        return freed

    @lane_jit
    def _step(prog, graph, kin, pulses, tab, settings, params, scratch, lu, state, work, out):
        """One RODAS4 step of every busy lane; returns the number of lanes freed."""
        t_end = settings.t_out[settings.t_out.shape[0] - 1]
        for ln in range(LANES):
            busy = state.patient[ln] >= 0
            state.h_step[ln] = min(state.h[ln], t_end - state.t[ln]) if busy else settings.h0
            state.n_tries[ln] += 1
        _stages(prog, graph, kin.n_int, pulses, tab, params, scratch, state, work, lu)
        _new_point(tab, settings, state, work, t_end)
        _derivatives(
            prog, graph, kin.n_int, pulses, params, scratch, work.x_new, state.t_new, work,
            work.f_new, work.dfdt_new, work.A_new,
        )  # fmt: skip
        _dense_output(settings, state, work, out)
        _accept(state, work)
        return _control(settings, state, out)

    @numba.njit(cache=True, nogil=True)
    def _block(prog, graph, kin, pert, pulses, tab, settings, x0, first, end, out):
        """Integrate patients first..end-1, ``LANES`` at a time in lock-step."""
        N, E = x0.shape[1], graph.edge_src.shape[0]
        params = lane_params(N, E, pulses.node.shape[0])
        scratch = rhs_scratch(N, E + prog.op_const.shape[0], E, prog.fac_slot.shape[0])
        lu = stage_lu(N, E, graph.comp_ptr.shape[0] - 1, graph.max_comp)
        state = _lane_state(settings.h0)
        work = _step_arrays(N, E, graph.max_comp)
        queue = first
        busy = 0
        while True:
            head = queue
            queue = _fill_lanes(
                queue, end, kin, pert, pulses, settings, params, state, work, x0, out
            )
            if head != queue:
                busy = 0
                for ln in range(LANES):
                    busy += 1 if state.patient[ln] >= 0 else 0
                _start_lanes(prog, graph, kin.n_int, pulses, params, scratch, state, work)
            if busy == 0:
                return
            busy -= _step(
                prog, graph, kin, pulses, tab, settings, params, scratch, lu, state, work, out
            )

    @numba.njit(cache=True, parallel=True, nogil=True)
    def _integrate(prog, graph, kin, pert, pulses, tab, settings, x0, out, n_blocks):
        n = x0.shape[0]
        for task in numba.prange(n_blocks):
            b = np.int64(task)  # a parfor index may be unsigned
            first = b * n // n_blocks
            end = (b + 1) * n // n_blocks
            _block(prog, graph, kin, pert, pulses, tab, settings, x0, first, end, out)


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
