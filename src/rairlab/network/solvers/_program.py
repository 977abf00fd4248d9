"""The compiled model and a batch of patients as the named arrays the solvers take.

One concept: the arrays, not the arithmetic. Every rule becomes a short program of
affine-product *operations*

.. math:: v_{E+q} = c_q + d_q \\prod_{r \\in q} (a_r + b_r\\, v_{\\mathrm{slot}(r)})

over a value vector ``v`` whose first E slots are the edges' bounded Hill leaves
(``Not`` folds into the affine factors, ``Or`` is ``1 - prod(1 - .)``), and a node's
rule value is ``root_const + root_coef * v[root_slot]``. A solver evaluates a rule
and, by one reverse sweep over the same operations, its gradient, without walking
an AST. The strongly connected components come in topological order, so the stage
systems of the time-course solver and the Newton systems of the steady state are
block lower-triangular.

The tuples below are :class:`typing.NamedTuple`, which Numba takes apart by field
name at compile time. The NumPy paths evaluate the same rules through the compiled
model's expression trees (:func:`rairlab.network._compiled.rule_value`, vectorized over
patients) and read only :class:`Pulses` and :func:`loops` from here;
``tests/network/test_solvers.py`` checks that the program and the trees agree.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from rairlab.network._compiled import CompiledModel, Conditions, edge_parameters, node_tau
from rairlab.network._rules import And, Const, Expr, Not, Var

__all__ = [
    "Graph",
    "Kinetics",
    "Perturbation",
    "Pulses",
    "RuleProgram",
    "graph",
    "kinetics",
    "loops",
    "perturbation",
    "pulses",
    "rule_program",
]

Array = NDArray[np.float64]
Index = NDArray[np.int64]


class RuleProgram(NamedTuple):
    """Every node's rule as operations on the value vector ``v`` (E edges + Q operations).

    Operation q of node i (``node_ops[i] <= q < node_ops[i + 1]``, children before
    parents) sets ``v[E + q] = op_const[q] + op_coef[q] * prod(fac_const[r] +
    fac_coef[r] * v[fac_slot[r]])`` over its factors ``op_factors[q] <= r <
    op_factors[q + 1]``; the node's rule value is ``root_const[i] + root_coef[i] *
    v[root_slot[i]]``.
    """

    n_edges: int
    op_const: Array
    op_coef: Array
    node_ops: Index
    op_factors: Index
    fac_slot: Index
    fac_const: Array
    fac_coef: Array
    root_slot: Index
    root_const: Array
    root_coef: Array


class Graph(NamedTuple):
    """Edges and strongly connected components (topological order) of the rule graph.

    Edges into node i are ``edge_ptr[i]:edge_ptr[i + 1]`` with sources ``edge_src``;
    component q holds the nodes ``order[comp_ptr[q]:comp_ptr[q + 1]]``; node i sits in
    component ``node_comp[i]`` at position ``node_local[i]``; ``comp_loop[q]`` is True
    for a feedback loop (several nodes, or one node that reads itself).
    """

    edge_src: Index
    edge_ptr: Index
    is_input: NDArray[np.bool_]
    order: Index
    comp_ptr: Index
    node_comp: Index
    node_local: Index
    comp_loop: NDArray[np.bool_]
    max_comp: int


class Kinetics(NamedTuple):
    """Per-patient kinetic rows, each (n_patients or 1, E) or (n_patients or 1, N).

    A leaf is ``lo + span * f~`` with the Hill cube f~ of threshold k and exponent n
    (``kn`` = k^n); ``n_int[e]`` is the exponent as an integer 1..8 when every
    patient shares it (evaluated by multiplication), else 0 (``pow`` per patient).
    """

    kn: Array
    n: Array
    lo: Array
    span: Array
    inv_tau: Array
    n_int: Index


class Perturbation(NamedTuple):
    """Per-patient perturbations (n_patients, N): F = scale (1 - (1 - beta)(1 - bias)),
    beta = clamp_value where ``clamp`` (always for inputs), else the rule value."""

    clamp: NDArray[np.bool_]
    clamp_value: Array
    scale: Array
    bias: Array


class Pulses(NamedTuple):
    """Transient biases: pulse p adds ``amplitude[:, p] * shape_p(t)`` to the bias of
    ``node[p]``, with shape (exp(-t/fade) - exp(-t/rise)) / peak (peak 1)."""

    node: Index
    amplitude: Array
    rise: Array
    fade: Array
    peak: Array


class _Emitter:
    """Collects the operations of :class:`RuleProgram` while walking the rules."""

    def __init__(self, n_edges: int) -> None:
        self.n_edges = n_edges
        self.op_const: list[float] = []
        self.op_coef: list[float] = []
        self.op_factors = [0]
        self.fac_slot: list[int] = []
        self.fac_const: list[float] = []
        self.fac_coef: list[float] = []

    def emit(self, expr: Expr, next_edge: list[int]) -> tuple[int, float, float]:
        """Emit the operations of `expr`; return its value as (slot, a, b): a + b v[slot]."""
        if isinstance(expr, Var):  # the solvers bound the leaf (lo + span f~) per patient
            next_edge[0] += 1
            return next_edge[0] - 1, 0.0, 1.0
        if isinstance(expr, Const):
            return 0, float(expr.value), 0.0
        if isinstance(expr, Not):
            slot, a, b = self.emit(expr.arg, next_edge)
            return slot, 1.0 - a, -b
        refs = [self.emit(arg, next_edge) for arg in expr.args]
        is_and = isinstance(expr, And)
        for slot, a, b in refs:
            self.fac_slot.append(slot)
            self.fac_const.append(a if is_and else 1.0 - a)
            self.fac_coef.append(b if is_and else -b)
        self.op_factors.append(len(self.fac_slot))
        self.op_const.append(0.0 if is_and else 1.0)
        self.op_coef.append(1.0 if is_and else -1.0)
        return self.n_edges + len(self.op_const) - 1, 0.0, 1.0


def _ints(values: list[int] | NDArray[np.intp]) -> Index:
    return np.asarray(values, dtype=np.int64)


def _floats(values: list[float] | Array) -> Array:
    return np.asarray(values, dtype=np.float64)


def rule_program(model: CompiledModel) -> RuleProgram:
    """The rules of `model` as operations (cached on the model object)."""
    cached = model.__dict__.get("_rule_program")
    if cached is not None:
        return cached
    em = _Emitter(model.n_edges)
    node_ops = [0]
    root = np.zeros((model.n_nodes, 3))
    for i, rule in enumerate(model.rules):
        if rule is not None and not model.is_input[i]:
            next_edge = [int(model.edge_ptr[i])]
            root[i] = em.emit(rule, next_edge)
            assert next_edge[0] == int(model.edge_ptr[i + 1])
        node_ops.append(len(em.op_const))
    prog = RuleProgram(
        model.n_edges,
        _floats(em.op_const),
        _floats(em.op_coef),
        _ints(node_ops),
        _ints(em.op_factors),
        _ints(em.fac_slot),
        _floats(em.fac_const),
        _floats(em.fac_coef),
        root[:, 0].astype(np.int64),
        root[:, 1].copy(),
        root[:, 2].copy(),
    )
    object.__setattr__(model, "_rule_program", prog)
    return prog


def loops(model: CompiledModel) -> list[tuple[int, ...]]:
    """The feedback loops of `model`: its components that need Newton iteration."""
    return [c for c, loop in zip(model.components, graph(model).comp_loop, strict=True) if loop]


def graph(model: CompiledModel) -> Graph:
    """Edges and components of `model` (cached on the model object)."""
    cached = model.__dict__.get("_solver_graph")
    if cached is not None:
        return cached
    node_local = np.zeros(model.n_nodes, dtype=np.int64)
    node_comp = np.zeros(model.n_nodes, dtype=np.int64)
    for c, comp in enumerate(model.components):
        for j, i in enumerate(comp):
            node_local[i] = j
            node_comp[i] = c
    loop = [
        len(comp) > 1
        or any(
            int(model.edge_src[e]) == comp[0]
            for e in range(*model.edges_of(comp[0]).indices(model.n_edges))
        )
        for comp in model.components
    ]
    g = Graph(
        _ints(model.edge_src),
        _ints(model.edge_ptr),
        np.asarray(model.is_input, dtype=np.bool_),
        _ints([i for comp in model.components for i in comp]),
        np.cumsum([0] + [len(c) for c in model.components]).astype(np.int64),
        node_comp,
        node_local,
        np.asarray(loop, dtype=np.bool_),
        int(max(len(c) for c in model.components)),
    )
    object.__setattr__(model, "_solver_graph", g)
    return g


def _writable(a: NDArray[np.generic]) -> Array:
    """One array layout for the compiled kernels (C-contiguous, writable, float64)."""
    return np.require(a, dtype=np.float64, requirements=["C", "W"])


def kinetics(model: CompiledModel, cond: Conditions) -> Kinetics:
    """The kinetic rows of `cond` (or the model's, as one shared row)."""
    k, n, lo, span = edge_parameters(model, cond)
    same = np.all(n == n[:1], axis=0) & (n[0] == np.round(n[0])) & (n[0] >= 1) & (n[0] <= 8)
    return Kinetics(
        _writable(np.power(k, n)),
        _writable(n),
        _writable(lo),
        _writable(span),
        _writable(1.0 / node_tau(model, cond)),
        np.where(same, np.round(n[0]), 0).astype(np.int64),
    )


def perturbation(cond: Conditions) -> Perturbation:
    """The clamps, scales and biases of `cond` in the kernels' layout."""
    return Perturbation(
        np.require(cond.clamp_mask, dtype=np.bool_, requirements=["C", "W"]),
        _writable(cond.clamp_value),
        _writable(cond.scale),
        _writable(cond.bias),
    )


def pulses(cond: Conditions) -> Pulses:
    """The pulses of `cond`, with each shape's peak value for the normalization."""
    ps = cond.pulses
    rise = _floats([p.rise_h for p in ps])
    fade = _floats([p.fade_h for p in ps])
    t_peak = np.log(fade / rise) * rise * fade / (fade - rise)
    amplitude = (
        np.stack([np.asarray(p.amplitude, dtype=float) for p in ps], axis=1)
        if ps
        else np.zeros((cond.n_patients, 0))
    )
    return Pulses(
        _ints([p.node for p in ps]),
        _writable(amplitude),
        rise,
        fade,
        np.exp(-t_peak / fade) - np.exp(-t_peak / rise),
    )
