r"""The compiled model: the network as arrays, and its continuous right-hand side.

This module is the contract between the network data and every consumer that
computes with it (solvers here; SBML/SBML-qual/bnet exporters; benchmarks).

Compiled representation (:class:`CompiledModel`)
-------------------------------------------------
``node_ids``      the N node ids; **node order** is ``network.yaml`` file order and is
                  the column order of every state array (``x.shape == (n_patients, N)``).
``kinds``         per node: ``input | gene | protein | complex | process | output``.
``rules``         per node the rule as an AST (:class:`~rairlab.network.Var`,
                  ``Const``, ``Not``, ``And``, ``Or``), ``None`` for inputs; the rules
                  of the selected model variant are already substituted.
``edge_src``,     E edges, one per leaf of a rule (rules are read-once). Edges of node
``edge_tgt``      ``i`` are ``edge_ptr[i]:edge_ptr[i + 1]``, in the left-to-right order
``edge_ptr``      of the rule's leaves (``rules._variables``).
``edge_k``,       per-edge Hill threshold k and exponent n, shape (E,).
``edge_n``
``edge_max``      per-edge maximal effect m in (0, 1], shape (E,); 1 where an activating
                  input sits below an (effective) Or.
``edge_negative`` per edge: the leaf is inhibitory (under an odd number of Not).
``edge_bounded``  per edge: the leaf's maximal effect applies (False: activating input
                  below an Or, where a bound would act as a basal activity).
``tau``           per-node time constant in hours, shape (N,).
``basal``         per-node basal (leak) activity b0 in [0, 1], shape (N,).
``is_input``      inputs have no rule; their value comes from :class:`Conditions`.
``components``    strongly connected components of the rule graph in topological
                  order (used by the steady-state and implicit solvers).

Continuous semantics (normalized Hill cubes)
--------------------------------------------
Each edge e = (j -> i) maps the source activity through the normalized Hill function

.. math:: \tilde f_e(x_j) = \frac{x_j^{n_e}\,(1 + k_e^{n_e})}{x_j^{n_e} + k_e^{n_e}},
          \qquad x_j \leftarrow \max(x_j, 10^{-30})

bounded by the edge's maximal effect m (graded biology: one input changes its
target by at most a fraction m, never to an exact 0 unless m = 1):

.. math:: v_e = \begin{cases} m_e \tilde f_e & \text{inhibitory leaf (under an odd
          number of Not): } !v_e \ge 1 - m_e \\ 1 - m_e + m_e \tilde f_e &
          \text{activating leaf: its absence keeps } 1 - m_e \end{cases}

and the rule is read with ``Var -> v``, ``Not a -> 1 - a``, ``And -> prod a``,
``Or -> 1 - prod(1 - a)``, ``0 -> 0``, ``1 -> 1``. For read-once rules this equals
the multilinear interpolation of the Boolean function (Odefy's Hill cube), B~_i(x).
Perturbations enter per patient through :class:`Conditions`:

.. math:: \beta_i = c_i \text{ if clamped (always for inputs) else } \tilde B_i(x)

.. math:: F_i(x, t) = s_i \,\bigl[1 - (1 - \beta_i)(1 - g_i(t))\bigr]

.. math:: \frac{dx_i}{dt} = \frac{F_i(x, t) - x_i}{\tau_i}

with ``s`` the scale (loss-of-function mutations and inhibiting drugs multiply it:
``s = prod (1 - h_d)``), ``g`` the bias (basal activity, gain-of-function mutations
and activating drugs: ``1 - g = (1 - b0) prod (1 - gain) prod (1 - h_d)``) and
``g_i(t) = 1 - (1 - g_i) prod_p (1 - a_p shape_p(t))`` for transient pulses
(EV-delivered NIS). A drug's effect is ``h_d = emax E^hill / (E^hill + potency^hill)``
at exposure E (multiples of a standard exposure). Steady states solve x = F(x, inf).

References
----------
Wittmann DM et al. (2009) Transforming Boolean models to continuous models:
methodology and application to T-cell receptor signaling. BMC Syst Biol 3:98.
doi:10.1186/1752-0509-3-98
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab.errors import InvalidValueError
from rairlab.network._rules import And, Const, Expr, Not, Var, variables

__all__ = [
    "FLOOR",
    "CompiledModel",
    "Conditions",
    "KineticParameters",
    "Pulse",
    "edge_parameters",
    "hill_cube",
    "hill_cube_derivative",
    "jacobian_edges",
    "node_tau",
    "pulse_shape",
    "rhs",
    "target_activity",
]

FLOOR = 1e-30
Array = NDArray[np.float64]


def hill_cube(x: Array, k: Array | float, n: Array | float) -> Array:
    """Normalized Hill function f~(x) = x^n (1 + k^n) / (x^n + k^n); f~(0) = 0, f~(1) = 1.

    Examples
    --------
    >>> float(hill_cube(np.array(1.0), 0.5, 3.0)), float(hill_cube(np.array(0.5), 0.5, 3.0))
    (1.0, 0.5625)
    """
    xn = np.power(np.maximum(x, FLOOR), n)
    kn = np.power(k, n)
    return xn * (1.0 + kn) / (xn + kn)


def hill_cube_derivative(x: Array, k: Array | float, n: Array | float) -> Array:
    """Derivative d f~ / dx = (1 + k^n) n k^n x^(n-1) / (x^n + k^n)^2."""
    xf = np.maximum(x, FLOOR)
    xn = np.power(xf, n)
    kn = np.power(k, n)
    return (1.0 + kn) * n * kn * (xn / xf) / (xn + kn) ** 2


def pulse_shape(t: Array | float, rise_h: float, fade_h: float) -> Array:
    """Bi-exponential pulse (exp(-t/fade) - exp(-t/rise)) scaled to peak 1; 0 for t <= 0.

    Examples
    --------
    >>> round(float(pulse_shape(np.log(72 / 6) * 6 * 72 / 66, 6.0, 72.0)), 12)
    1.0
    """
    t_peak = np.log(fade_h / rise_h) * rise_h * fade_h / (fade_h - rise_h)
    peak = np.exp(-t_peak / fade_h) - np.exp(-t_peak / rise_h)
    tt = np.maximum(np.asarray(t, dtype=float), 0.0)
    return np.asarray((np.exp(-tt / fade_h) - np.exp(-tt / rise_h)) / peak)


@dataclass(frozen=True)
class Pulse:
    """A transient exogenous activity on one node: amplitude (n_patients,) times `pulse_shape`."""

    node: int
    amplitude: Array
    rise_h: float
    fade_h: float
    label: str = ""


@dataclass(frozen=True)
class KineticParameters:
    """Per-patient values of the model's kinetic parameters; ``None`` keeps the model's.

    Attributes
    ----------
    edge_k, edge_n, edge_max
        Hill threshold, Hill exponent and maximal effect per patient and edge,
        shape (n_patients, E).
    tau
        Time constant (h) per patient and node, shape (n_patients, N).
    """

    edge_k: Array | None = None
    edge_n: Array | None = None
    edge_max: Array | None = None
    tau: Array | None = None

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> KineticParameters:
        """The parameters of a subset of patients (arrays of one row are shared: kept)."""
        return KineticParameters(
            *(
                a if a is None or a.shape[0] == 1 else a[rows]
                for a in (self.edge_k, self.edge_n, self.edge_max, self.tau)
            )
        )


@dataclass(frozen=True)
class Conditions:
    """Per-patient perturbations of a compiled model; every array is (n_patients, N).

    Attributes
    ----------
    clamp_mask, clamp_value
        Clamped nodes take ``clamp_value`` instead of their rule (inputs always are).
    scale
        s in F = s (1 - (1 - beta)(1 - g)); 1 = untouched, 0 = null.
    bias
        g, the basal/constitutive activity; includes the model's basal activities.
    pulses
        Transient biases (time course only; they vanish at steady state).
    labels
        What was applied, one JSON-ready mapping per perturbation (kind, name, ...).
    kinetics
        Per-patient kinetic parameters (:class:`KineticParameters`); ``None``: the model's.
    """

    clamp_mask: NDArray[np.bool_]
    clamp_value: Array
    scale: Array
    bias: Array
    pulses: tuple[Pulse, ...] = ()
    labels: tuple[dict[str, Any], ...] = field(default=())
    kinetics: KineticParameters | None = None

    @property
    def n_patients(self) -> int:
        """Number of patients (rows)."""
        return int(self.scale.shape[0])

    def bias_at(self, t: Array | float | None) -> Array:
        """The bias g(t) including pulses; ``t=None`` means steady state (pulses gone).

        ``t`` is a scalar or an array of shape (n_patients,).
        """
        if t is None or not self.pulses:
            return self.bias
        g = self.bias.copy()
        for p in self.pulses:
            add = p.amplitude * pulse_shape(t, p.rise_h, p.fade_h)
            g[:, p.node] = 1.0 - (1.0 - g[:, p.node]) * (1.0 - add)
        return g

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> Conditions:
        """The conditions of a subset of patients."""
        pulses = tuple(
            Pulse(p.node, p.amplitude[rows], p.rise_h, p.fade_h, p.label) for p in self.pulses
        )
        return Conditions(
            self.clamp_mask[rows],
            self.clamp_value[rows],
            self.scale[rows],
            self.bias[rows],
            pulses,
            self.labels,
            None if self.kinetics is None else self.kinetics.take(rows),
        )


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """The network of one model variant as arrays; see the module docstring for the math."""

    node_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    rules: tuple[Expr | None, ...]
    edge_src: NDArray[np.intp]
    edge_tgt: NDArray[np.intp]
    edge_ptr: NDArray[np.intp]
    edge_k: Array
    edge_n: Array
    edge_max: Array
    edge_negative: NDArray[np.bool_]
    edge_bounded: NDArray[np.bool_]
    tau: Array
    basal: Array
    is_input: NDArray[np.bool_]
    components: tuple[tuple[int, ...], ...]
    variant: tuple[str, ...]
    interactions: tuple[tuple[str, ...], ...]

    @property
    def n_nodes(self) -> int:
        """Number of nodes N."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of edges E."""
        return int(self.edge_src.shape[0])

    @property
    def variant_name(self) -> str:
        """``"default"`` or the selected non-default options joined by ``+``."""
        return "+".join(self.variant) or "default"

    def index(self, node: str) -> int:
        """Column of `node` in state arrays."""
        return self.node_ids.index(node)

    def edges_of(self, i: int) -> slice:
        """The edge range of node `i`."""
        return slice(int(self.edge_ptr[i]), int(self.edge_ptr[i + 1]))


def _check_rows(a: Array | None, name: str, n: int, width: int) -> None:
    if a is not None and (np.ndim(a) != 2 or a.shape[0] not in (1, n) or a.shape[1] != width):
        raise InvalidValueError(
            f"kinetics.{name}", f"an array of shape {np.shape(a)}", f"shape ({n} or 1, {width})"
        )


def edge_parameters(
    model: CompiledModel, cond: Conditions | None = None
) -> tuple[Array, Array, Array, Array]:
    """Hill k, n and the bounded leaf's lo and span per edge, shape (n_patients or 1, E).

    Per-patient values come from ``cond.kinetics``; the rest are the model's. A leaf is
    ``lo + span f~`` with span = m and lo = 0 (inhibitory) or 1 - m (activating); m is 1
    where an activating edge is not bounded (below an Or).
    """
    kin = None if cond is None else cond.kinetics
    if kin is not None:
        assert cond is not None
        for name in ("edge_k", "edge_n", "edge_max"):
            _check_rows(getattr(kin, name), name, cond.n_patients, model.n_edges)
    k = model.edge_k if kin is None or kin.edge_k is None else kin.edge_k
    n = model.edge_n if kin is None or kin.edge_n is None else kin.edge_n
    m = model.edge_max if kin is None or kin.edge_max is None else kin.edge_max
    span = np.where(model.edge_bounded, m, 1.0)
    lo = np.where(model.edge_negative, 0.0, 1.0 - span)
    return tuple(np.atleast_2d(np.asarray(a, dtype=float)) for a in (k, n, lo, span))  # type: ignore[return-value]


def node_tau(model: CompiledModel, cond: Conditions | None = None) -> Array:
    """Time constants (h), shape (n_patients or 1, N): ``cond.kinetics.tau`` or the model's."""
    kin = None if cond is None else cond.kinetics
    if kin is not None:
        assert cond is not None
        _check_rows(kin.tau, "tau", cond.n_patients, model.n_nodes)
    tau = model.tau if kin is None or kin.tau is None else kin.tau
    return np.atleast_2d(np.asarray(tau, dtype=float))


def _eval(expr: Expr, leaves: list[Array], pos: list[int]) -> Array | float:
    if isinstance(expr, Var):
        value = leaves[pos[0]]
        pos[0] += 1
        return value
    if isinstance(expr, Const):
        return float(expr.value)
    if isinstance(expr, Not):
        return 1.0 - _eval(expr.arg, leaves, pos)
    vals = [_eval(a, leaves, pos) for a in expr.args]
    if isinstance(expr, And):
        out = vals[0]
        for v in vals[1:]:
            out = out * v
        return out
    rest = 1.0 - vals[0]
    for v in vals[1:]:
        rest = rest * (1.0 - v)
    return 1.0 - rest


def _eval_grad(
    expr: Expr, leaves: list[Array], pos: list[int]
) -> tuple[Array | float, list[tuple[int, Array | float]]]:
    """Value and d value / d leaf for every leaf below `expr` (read-once: one path each)."""
    if isinstance(expr, Var):
        i = pos[0]
        pos[0] += 1
        return leaves[i], [(i, 1.0)]
    if isinstance(expr, Const):
        return float(expr.value), []
    if isinstance(expr, Not):
        v, g = _eval_grad(expr.arg, leaves, pos)
        return 1.0 - v, [(i, -d) for i, d in g]
    parts = [_eval_grad(a, leaves, pos) for a in expr.args]
    terms = [v if isinstance(expr, And) else 1.0 - v for v, _ in parts]
    grads: list[tuple[int, Array | float]] = []
    for j, (_, g) in enumerate(parts):
        others: Array | float = 1.0
        for m, t in enumerate(terms):
            if m != j:
                others = others * t
        grads.extend((i, d * others) for i, d in g)
    prod: Array | float = 1.0
    for t in terms:
        prod = prod * t
    return (prod if isinstance(expr, And) else 1.0 - prod), grads


def rule_value(
    model: CompiledModel, x: Array, i: int, params: tuple[Array, ...] | None = None
) -> Array:
    """B~_i(x) for node `i` (not an input), shape (n_patients,); `params` as
    :func:`edge_parameters` returns them (default: the model's)."""
    sl = model.edges_of(i)
    rule = model.rules[i]
    assert rule is not None
    src = model.edge_src[sl]
    k, n, lo, span = (a[:, sl] for a in (params or edge_parameters(model)))
    f = lo + span * hill_cube(x[:, src], k, n)
    value = _eval(rule, [f[:, j] for j in range(f.shape[1])], [0])
    return np.broadcast_to(np.asarray(value, dtype=float), (x.shape[0],))


def rule_value_grad(
    model: CompiledModel, x: Array, i: int, params: tuple[Array, ...] | None = None
) -> tuple[Array, Array]:
    """B~_i(x) and dB~_i/dx_src for each edge of node `i`: shapes (n_p,), (n_p, d_i)."""
    sl = model.edges_of(i)
    rule = model.rules[i]
    assert rule is not None
    src = model.edge_src[sl]
    xs = x[:, src]
    k, n, lo, span = (a[:, sl] for a in (params or edge_parameters(model)))
    f = lo + span * hill_cube(xs, k, n)
    df = span * hill_cube_derivative(xs, k, n)
    value, grads = _eval_grad(rule, [f[:, j] for j in range(f.shape[1])], [0])
    dB = np.zeros_like(f)
    for j, d in grads:
        dB[:, j] = d * df[:, j]
    return np.broadcast_to(np.asarray(value, dtype=float), (x.shape[0],)), dB


def target_activity(
    model: CompiledModel, cond: Conditions, x: Array, t: Array | float | None = None
) -> Array:
    """F(x, t) for all nodes, shape (n_patients, N); ``t=None`` is the steady-state limit."""
    beta = np.empty_like(x)
    params = edge_parameters(model, cond)
    for i in range(model.n_nodes):
        if model.is_input[i]:
            beta[:, i] = 0.0
        else:
            beta[:, i] = rule_value(model, x, i, params)
    beta = np.where(cond.clamp_mask, cond.clamp_value, beta)
    g = cond.bias_at(t)
    return cond.scale * (1.0 - (1.0 - beta) * (1.0 - g))


def rhs(model: CompiledModel, cond: Conditions, x: Array, t: Array | float = 0.0) -> Array:
    """dx/dt = (F(x, t) - x) / tau, shape (n_patients, N).

    Examples
    --------
    >>> from rairlab.network import compile_model, conditions
    >>> m = compile_model()
    >>> c = conditions(m, n_patients=2)
    >>> rhs(m, c, np.zeros((2, m.n_nodes))).shape == (2, m.n_nodes)
    True
    """
    return (target_activity(model, cond, x, t) - x) / node_tau(model, cond)


def jacobian_edges(
    model: CompiledModel, cond: Conditions, x: Array, t: Array | float | None = None
) -> Array:
    """dF_tgt/dx_src for every edge, shape (n_patients, E); zero for clamped targets."""
    out = np.zeros((x.shape[0], model.n_edges))
    bias = cond.bias_at(t)
    params = edge_parameters(model, cond)
    for i in range(model.n_nodes):
        if model.is_input[i] or model.edge_ptr[i] == model.edge_ptr[i + 1]:
            continue
        _, dB = rule_value_grad(model, x, i, params)
        w = cond.scale[:, i] * (1.0 - bias[:, i]) * ~cond.clamp_mask[:, i]
        out[:, model.edges_of(i)] = dB * w[:, None]
    return out


def leaf_names(expr: Expr | None) -> list[str]:
    """The rule's leaf node ids in edge order (empty for inputs)."""
    return [] if expr is None else variables(expr)
