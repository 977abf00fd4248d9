"""The compiled model as flat arrays for the compiled kernels.

One concept: every rule becomes a short program of affine-product operations
``v_q = alpha_q + beta_q prod_r (a_r + b_r v[idx_r])`` over the edge values (``Not``
folds into the affine factors, ``Or`` is ``1 - prod(1 - .)``), so a kernel evaluates
a rule and, by one reverse sweep, its gradient without interpreting an AST;
components come in topological order. The per-patient kinetic arrays (``k^n``,
exponents, bounded leaves, ``1/tau``) come from :func:`patient_arrays`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rairlab.network._compiled import CompiledModel, Conditions, edge_parameters, node_tau
from rairlab.network._rules import And, Const, Expr, Not, Var

__all__ = ["flatten", "patient_arrays"]


class _Program:
    """Rules as affine-product operations: v_q = alpha_q + beta_q prod_r (a_r + b_r v[idx_r])."""

    def __init__(self, n_edges: int) -> None:
        self.n_edges = n_edges
        self.alpha: list[float] = []
        self.beta: list[float] = []
        self.ch_ptr = [0]
        self.c_idx: list[int] = []
        self.c_a: list[float] = []
        self.c_b: list[float] = []

    def build(self, expr: Expr, edge: list[int]) -> tuple[int, float, float]:
        """Emit ops for `expr`; return its value as (slot, a, b): a + b v[slot]."""
        if isinstance(expr, Var):  # the kernels bound the leaf (lo + span f~) per patient
            edge[0] += 1
            return edge[0] - 1, 0.0, 1.0
        if isinstance(expr, Const):
            return 0, float(expr.value), 0.0
        if isinstance(expr, Not):
            slot, a, b = self.build(expr.arg, edge)
            return slot, 1.0 - a, -b
        refs = [self.build(arg, edge) for arg in expr.args]
        is_and = isinstance(expr, And)
        for slot, a, b in refs:
            self.c_idx.append(slot)
            self.c_a.append(a if is_and else 1.0 - a)
            self.c_b.append(b if is_and else -b)
        self.ch_ptr.append(len(self.c_idx))
        self.alpha.append(0.0 if is_and else 1.0)
        self.beta.append(1.0 if is_and else -1.0)
        return self.n_edges + len(self.alpha) - 1, 0.0, 1.0


def flatten(model: CompiledModel) -> dict[str, Any]:
    """The model as the plain arrays the kernels take (cached on the model object)."""
    cached = model.__dict__.get("_kernel_arrays")
    if cached is not None:
        return dict(cached)
    prog = _Program(model.n_edges)
    op_ptr = [0]
    root = np.zeros((model.n_nodes, 3))
    for i, rule in enumerate(model.rules):
        if rule is not None and not model.is_input[i]:
            edge = [int(model.edge_ptr[i])]
            root[i] = prog.build(rule, edge)
            assert edge[0] == int(model.edge_ptr[i + 1])
        op_ptr.append(len(prog.alpha))
    order = np.array([i for comp in model.components for i in comp], dtype=np.int64)
    comp_ptr = np.cumsum([0] + [len(c) for c in model.components]).astype(np.int64)
    node_local = np.zeros(model.n_nodes, dtype=np.int64)
    node_comp = np.zeros(model.n_nodes, dtype=np.int64)
    for c, comp in enumerate(model.components):
        for j, i in enumerate(comp):
            node_local[i] = j
            node_comp[i] = c
    out = {
        "alpha": np.asarray(prog.alpha, dtype=np.float64),
        "beta": np.asarray(prog.beta, dtype=np.float64),
        "op_ptr": np.asarray(op_ptr, dtype=np.int64),
        "ch_ptr": np.asarray(prog.ch_ptr, dtype=np.int64),
        "c_idx": np.asarray(prog.c_idx, dtype=np.int64),
        "c_a": np.asarray(prog.c_a, dtype=np.float64),
        "c_b": np.asarray(prog.c_b, dtype=np.float64),
        "root_idx": root[:, 0].astype(np.int64),
        "root_a": root[:, 1].copy(),
        "root_b": root[:, 2].copy(),
        "src": np.asarray(model.edge_src, dtype=np.int64),
        "ptr": np.asarray(model.edge_ptr, dtype=np.int64),
        "is_input": np.asarray(model.is_input, dtype=np.bool_),
        "order": order,
        "comp_ptr": comp_ptr,
        "node_comp": node_comp,
        "node_local": node_local,
        "max_comp": int(max(len(c) for c in model.components)),
    }
    object.__setattr__(model, "_kernel_arrays", out)
    return dict(out)


def patient_arrays(model: CompiledModel, cond: Conditions) -> dict[str, np.ndarray]:
    """Per-patient kinetic arrays for the kernels, each (n_patients or 1, E or N).

    ``kn`` = k^n, ``n``, the bounded leaf's ``lo`` and ``span``, ``inv_tau``; and
    ``n_int`` (E,): an edge's exponent as an integer 1..8 when every patient shares it
    (evaluated by multiplication), else 0 (``pow`` per patient).
    """
    k, n, lo, span = edge_parameters(model, cond)
    same = np.all(n == n[:1], axis=0) & (n[0] == np.round(n[0])) & (n[0] >= 1) & (n[0] <= 8)

    def c(a: np.ndarray) -> np.ndarray:  # one array type (C, writable) for the kernels
        return np.require(a, dtype=np.float64, requirements=["C", "W"])

    return {
        "kn": c(np.power(k, n)),
        "n": c(n),
        "lo": c(lo),
        "span": c(span),
        "n_int": np.where(same, np.round(n[0]), 0).astype(np.int64),
        "inv_tau": c(1.0 / node_tau(model, cond)),
    }
