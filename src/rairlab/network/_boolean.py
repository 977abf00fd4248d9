"""The logical reading of the network: Boolean states, updates and attractors.

The same rule ASTs are evaluated on 0/1 states. Inputs and perturbed nodes are
fixed; constants then percolate (a node whose rule is decided by fixed nodes is
fixed too). The remaining free nodes span the state space, which is searched
exhaustively when it is small: synchronous attractors are the cycles of the
update map, asynchronous attractors the terminal strongly connected components
of the state transition graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network._compiled import CompiledModel
from rairlab.network._rules import And, Const, Expr, Not, Var

__all__ = ["Attractor", "attractors", "percolate"]


@dataclass(frozen=True)
class Attractor:
    """One attractor: its states (rows of 0/1 over all nodes, in ``node_ids`` order)."""

    states: NDArray[np.bool_]
    node_ids: tuple[str, ...]

    @property
    def is_fixed_point(self) -> bool:
        """True for a single steady state."""
        return self.states.shape[0] == 1

    def value(self, node: str) -> float:
        """Mean activity of `node` over the attractor's states."""
        return float(self.states[:, self.node_ids.index(node)].mean())


def _eval(expr: Expr, X: NDArray[np.bool_], pos: Mapping[str, int]) -> NDArray[np.bool_]:
    if isinstance(expr, Var):
        return X[:, pos[expr.name]]
    if isinstance(expr, Const):
        return np.full(X.shape[0], bool(expr.value))
    if isinstance(expr, Not):
        return ~_eval(expr.arg, X, pos)
    parts = [_eval(a, X, pos) for a in expr.args]
    return np.logical_and.reduce(parts) if isinstance(expr, And) else np.logical_or.reduce(parts)


def _partial(expr: Expr, fixed: Mapping[str, bool]) -> bool | None:
    """Value of `expr` if the fixed nodes decide it, else None (three-valued logic)."""
    if isinstance(expr, Var):
        return fixed.get(expr.name)
    if isinstance(expr, Const):
        return bool(expr.value)
    if isinstance(expr, Not):
        v = _partial(expr.arg, fixed)
        return None if v is None else not v
    vals = [_partial(a, fixed) for a in expr.args]
    dominant = isinstance(expr, And) is False
    if any(v is dominant for v in vals):
        return dominant
    return None if any(v is None for v in vals) else not dominant


def percolate(model: CompiledModel, fixed: Mapping[str, bool]) -> dict[str, bool]:
    """Propagate fixed node values through the rules until nothing changes.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> m = compile_model()
    >>> percolate(m, {"TSH": False})["GNAS"]
    False
    """
    out = dict(fixed)
    changed = True
    while changed:
        changed = False
        for node, rule in zip(model.node_ids, model.rules, strict=True):
            if node in out or rule is None:
                continue
            v = _partial(rule, out)
            if v is not None:
                out[node] = v
                changed = True
    return out


def _step(model: CompiledModel, X: NDArray[np.bool_], free: list[int]) -> NDArray[np.bool_]:
    pos = {n: i for i, n in enumerate(model.node_ids)}
    Y = X.copy()
    for i in free:
        rule = model.rules[i]
        assert rule is not None
        Y[:, i] = _eval(rule, X, pos)
    return Y


def attractors(
    model: CompiledModel,
    fixed: Mapping[str, bool | int],
    *,
    update: str = "synchronous",
    max_free: int = 18,
) -> list[Attractor]:
    """All attractors of the logical model with `fixed` nodes (inputs must all be fixed).

    Parameters
    ----------
    model
        Compiled model (its rules are read as Boolean functions).
    fixed
        Node -> 0/1 for every input and for perturbed nodes (e.g. ``{"BRAF_V600E": 1}``).
    update
        ``"synchronous"`` or ``"asynchronous"``.
    max_free
        Largest number of free (non-percolated) nodes searched exhaustively.

    Returns
    -------
    list of Attractor

    Raises
    ------
    InvalidValueError
        Unknown update scheme, unfixed input, or a state space above ``2**max_free``.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> m = compile_model()
    >>> env = {"TSH": 1, "growth_factors": 0, "TGFb_TME": 0, "hypoxia": 0, "glucose_high": 0,
    ...        "cell_contact": 1, "TLR4_ligand": 0, "oxidative_stress": 0}
    >>> [a.value("ERK") for a in attractors(m, {**env, "BRAF_V600E": 1})]
    [1.0]
    """
    if update not in ("synchronous", "asynchronous"):
        raise InvalidValueError("update", update, "'synchronous' or 'asynchronous'")
    for node in fixed:
        if node not in model.node_ids:
            raise UnknownNameError("node", node, model.node_ids)
    missing = [
        n for n, inp in zip(model.node_ids, model.is_input, strict=True) if inp and n not in fixed
    ]
    if missing:
        raise InvalidValueError(
            "fixed", sorted(fixed), f"values for every input node, missing {missing}"
        )
    known = percolate(model, {k: bool(v) for k, v in fixed.items()})
    free = [i for i, n in enumerate(model.node_ids) if n not in known]
    if update == "synchronous":
        return _synchronous(model, known, free, max_free)
    if len(free) > max_free:
        raise InvalidValueError(
            "fixed",
            sorted(fixed),
            f"at most {max_free} free nodes after percolation, not {len(free)}",
        )
    codes = np.arange(2 ** len(free), dtype=np.int64)
    X = np.zeros((codes.size, model.n_nodes), dtype=bool)
    for name, v in known.items():
        X[:, model.node_ids.index(name)] = v
    for b, i in enumerate(free):
        X[:, i] = (codes >> b) & 1
    Y = _step(model, X, free)
    rows_l, cols_l = [codes], [codes]
    for b, i in enumerate(free):
        flip = Y[:, i] != X[:, i]
        rows_l.append(codes[flip])
        cols_l.append(codes[flip] ^ (1 << b))
    rows, cols = np.concatenate(rows_l), np.concatenate(cols_l)
    from scipy.sparse import csr_matrix  # imported here: SciPy's graph module is slow to load
    from scipy.sparse.csgraph import connected_components

    graph = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(codes.size, codes.size))
    _, labels = connected_components(graph, directed=True, connection="strong")
    leaves = np.ones(labels.max() + 1, dtype=bool)
    leaving = labels[rows] != labels[cols]
    leaves[labels[rows[leaving]]] = False
    out = []
    for lab in np.flatnonzero(leaves):
        members = codes[labels == lab]
        out.append(Attractor(X[members], model.node_ids))
    return out


def _synchronous(
    model: CompiledModel, known: Mapping[str, bool], free: list[int], max_free: int
) -> list[Attractor]:
    """Synchronous attractors: enumerate the free nodes on feedback loops, run the map.

    Nodes outside feedback loops forget their start after at most N steps, so
    starting every loop state (others 0) and running N + 2**k steps lands on
    every attractor; each trajectory then walks its cycle once.
    """
    cyclic = {i for comp in model.components if len(comp) > 1 for i in comp}
    core = [i for i in free if i in cyclic]
    if len(core) > max_free:
        raise InvalidValueError(
            "fixed", sorted(known), f"at most {max_free} free loop nodes, not {len(core)}"
        )
    codes = np.arange(2 ** len(core), dtype=np.int64)
    X = np.zeros((codes.size, model.n_nodes), dtype=bool)
    for name, v in known.items():
        X[:, model.node_ids.index(name)] = v
    for b, i in enumerate(core):
        X[:, i] = (codes >> b) & 1
    for _ in range(model.n_nodes + codes.size):
        X = _step(model, X, free)
    seen: dict[bytes, Attractor] = {}
    for row in np.unique(X, axis=0):
        cycle = [row]
        nxt = _step(model, row[None, :], free)[0]
        while not np.array_equal(nxt, row):
            cycle.append(nxt)
            nxt = _step(model, nxt[None, :], free)[0]
        states = np.unique(np.asarray(cycle), axis=0)
        seen.setdefault(states.tobytes(), Attractor(states, model.node_ids))
    return list(seen.values())
