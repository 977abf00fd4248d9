"""Batched steady states: x = F(x) solved component by component, Newton on feedback loops.

The rule graph is split into strongly connected components in topological
order. A component without feedback is one node whose inputs are already
final, so x_i = F_i(x) is exact in one evaluation. A feedback component is
solved by damped, projected Newton iteration with the analytic Jacobian of the
Hill cube, vectorized over the patients that have not converged yet. Every
patient's final residual max|F(x) - x| is reported; patients above the
tolerance are flagged as not converged, never dropped.

With Numba installed the same algorithm runs per patient in a compiled kernel
(:mod:`rairlab.network._kernels_steady`), and the stability of the feedback loops
is decided by an M-matrix test with eigenvalues only where it is inconclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rairlab.errors import InvalidValueError
from rairlab.network._compiled import (
    CompiledModel,
    Conditions,
    edge_parameters,
    node_tau,
    rule_value,
    rule_value_grad,
    target_activity,
)

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


def _rows(arrays: tuple[Array, ...], rows: slice | NDArray[np.intp]) -> tuple[Array, ...]:
    """Per-patient arrays (n or 1 rows) restricted to `rows` (1-row arrays are shared)."""
    return tuple(a if a.shape[0] == 1 else a[rows] for a in arrays)


def _node_F(
    model: CompiledModel, cond: Conditions, x: Array, i: int, rows: slice | NDArray[np.intp]
) -> Array:
    params = _rows(edge_parameters(model, cond), rows)
    base = cond.clamp_value[rows, i] if model.is_input[i] else rule_value(model, x, i, params)
    if not model.is_input[i]:
        base = np.where(cond.clamp_mask[rows, i], cond.clamp_value[rows, i], base)
    return cond.scale[rows, i] * (1.0 - (1.0 - base) * (1.0 - cond.bias[rows, i]))


def _newton_block(
    model: CompiledModel,
    cond: Conditions,
    x: Array,
    comp: tuple[int, ...],
    tol: float,
    max_iter: int,
) -> int:
    """Solve the feedback component `comp` in place; return the iterations used."""
    C = np.asarray(comp)
    m = len(comp)
    local = {g: j for j, g in enumerate(comp)}
    active = np.arange(x.shape[0])
    eye = np.eye(m)
    it = 0

    all_params = edge_parameters(model, cond)

    def residual(xa: Array, rows: NDArray[np.intp]) -> tuple[Array, Array]:
        F = np.empty((xa.shape[0], m))
        A = np.zeros((xa.shape[0], m, m))
        params = _rows(all_params, rows)
        for j, i in enumerate(comp):
            base, dB = rule_value_grad(model, xa, i, params)
            clamped = cond.clamp_mask[rows, i]
            base = np.where(clamped, cond.clamp_value[rows, i], base)
            s, g = cond.scale[rows, i], cond.bias[rows, i]
            F[:, j] = s * (1.0 - (1.0 - base) * (1.0 - g))
            w = s * (1.0 - g) * ~clamped
            for e, src in enumerate(model.edge_src[model.edges_of(i)]):
                if int(src) in local:
                    A[:, j, local[int(src)]] += dB[:, e] * w
        return xa[:, C] - F, A

    while active.size and it < max_iter:
        xa = x[active]
        G, A = residual(xa, active)
        norm = np.abs(G).max(axis=1)
        done = norm < tol
        if done.all():
            break
        keep = ~done
        active, xa, G, A, norm = active[keep], xa[keep], G[keep], A[keep], norm[keep]
        it += 1
        try:
            step = np.linalg.solve(eye - A, -G[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = -G
        y = xa[:, C]
        best = xa.copy()
        accepted = np.zeros(active.size, dtype=bool)
        for alpha in (1.0, 0.5, 0.25, 0.125, 0.0625):
            trial = xa.copy()
            trial[:, C] = np.clip(y + alpha * step, 0.0, 1.0)
            G2, _ = residual(trial, active)
            ok = ~accepted & (np.abs(G2).max(axis=1) < (1.0 - 1e-4 * alpha) * norm)
            best[ok] = trial[ok]
            accepted |= ok
            if accepted.all():
                break
        fallback = ~accepted
        if fallback.any():
            # damped fixed-point step: always moves toward F within [0, 1]
            tmp = xa[fallback]
            tmp[:, C] = np.clip(tmp[:, C] - 0.5 * G[fallback], 0.0, 1.0)
            best[fallback] = tmp
        x[active] = best
    return it


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
    n = cond.n_patients
    if tol <= 0:
        raise InvalidValueError("tol", tol, "a positive number")
    x = np.full((n, model.n_nodes), 0.5)
    if x0 is not None:
        x[:] = np.clip(np.broadcast_to(np.asarray(x0, dtype=float), x.shape), 0.0, 1.0)
    if engine not in ("auto", "compiled", "numpy"):
        raise InvalidValueError("engine", engine, "auto, compiled or numpy")
    if engine != "numpy" and n > 0:
        from rairlab.network import _kernels  # imports Numba, when installed

        if _kernels.AVAILABLE:
            return _steady_compiled(model, cond, x, tol, max_iter)
        if engine == "compiled":
            raise InvalidValueError("engine", engine, "numpy or auto (Numba is not available)")
    all_rows = slice(None)
    iterations = 0
    for comp in model.components:
        if len(comp) == 1:
            i = comp[0]
            x[:, i] = _node_F(model, cond, x, i, all_rows)
        else:
            iterations = max(iterations, _newton_block(model, cond, x, comp, tol * 0.1, max_iter))
    residual = np.abs(target_activity(model, cond, x) - x).max(axis=1)
    return SteadyState(
        x, residual < tol, residual, model.node_ids, iterations, _stable(model, cond, x)
    )


def _steady_compiled(
    model: CompiledModel, cond: Conditions, x: Array, tol: float, max_iter: int
) -> SteadyState:
    """The same algorithm per patient in the compiled kernel (:mod:`._kernels_steady`)."""
    from rairlab.network import _kernels_steady

    residual, iters, blocks, loops = _kernels_steady.solve(model, cond, x, tol * 0.1, max_iter)
    stable = np.ones(x.shape[0], dtype=bool)
    for b, comp in enumerate(loops):
        m = len(comp)
        inv_tau = 1.0 / node_tau(model, cond)[:, list(comp)]
        A = blocks[:, b, :m, :m]
        stable &= _loop_stable(A, inv_tau)
    return SteadyState(
        x, residual < tol, residual, model.node_ids, int(iters.max(initial=0)), stable
    )


def _loop_stable(A: Array, inv_tau: Array) -> NDArray[np.bool_]:
    """Eigenvalues of diag(1/tau)(A - I) all in the open left half-plane, per patient.

    `inv_tau` is (n_patients or 1, m).

    A sufficient test decides most patients without eigenvalues: if every 1 - A_rr > 0
    and the comparison matrix C (C_rr = 1 - A_rr, C_rs = -|A_rs|) has C z = 1 with
    z > 0, then C is a nonsingular M-matrix, so I - A and diag(1/tau)(I - A) are
    H-matrices with positive diagonal, whose eigenvalues have positive real parts.
    Eigenvalues decide the remaining patients.
    """
    m = A.shape[1]
    eye = np.eye(m)
    diag = np.einsum("pii->pi", A)
    C = eye - np.abs(A) * (1.0 - eye) - diag[:, :, None] * eye
    sure = (diag < 1.0).all(axis=1)
    try:
        z = np.linalg.solve(C, np.ones((A.shape[0], m, 1)))[..., 0]
        sure &= (z > 0.0).all(axis=1)
    except np.linalg.LinAlgError:
        sure[:] = False
    out = sure.copy()
    rest = np.flatnonzero(~sure)
    if rest.size:
        it = inv_tau if inv_tau.shape[0] == 1 else inv_tau[rest]
        J = it[:, :, None] * (A[rest] - eye)
        out[rest] = np.linalg.eigvals(J).real.max(axis=1) < 0.0
    return out


def _stable(model: CompiledModel, cond: Conditions, x: Array) -> NDArray[np.bool_]:
    """Linear stability of every feedback component at `x` (acyclic parts are always stable)."""
    stable = np.ones(x.shape[0], dtype=bool)
    params = edge_parameters(model, cond)
    tau = node_tau(model, cond)
    for comp in model.components:
        if len(comp) == 1:
            continue
        local = {g: j for j, g in enumerate(comp)}
        m = len(comp)
        J = np.zeros((x.shape[0], m, m))
        for j, i in enumerate(comp):
            _, dB = rule_value_grad(model, x, i, params)
            w = cond.scale[:, i] * (1.0 - cond.bias[:, i]) * ~cond.clamp_mask[:, i]
            for e, src in enumerate(model.edge_src[model.edges_of(i)]):
                if int(src) in local:
                    J[:, j, local[int(src)]] += dB[:, e] * w / tau[:, i]
            J[:, j, j] -= 1.0 / tau[:, i]
        stable &= np.linalg.eigvals(J).real.max(axis=1) < 0.0
    return stable
