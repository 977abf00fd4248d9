"""Compiling the network data of one model variant into a :class:`CompiledModel`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network._compiled import CompiledModel
from rairlab.network._data import load_network_data
from rairlab.network._rules import And, Expr, Not, Or, Var, variables
from rairlab.network._specs import NetworkData, VariantOption

__all__ = ["compile_model", "list_variants", "resolve_variant", "variant_settings"]


def list_variants(data: NetworkData | None = None) -> list[str]:
    """Every selectable variant option name, ``"default"`` first.

    Examples
    --------
    >>> "autophagy-supports-nis" in list_variants()
    True
    """
    data = data or load_network_data()
    return ["default"] + [o for s in data.switches for o in s.options]


def resolve_variant(
    variant: str | Sequence[str] | None, data: NetworkData | None = None
) -> tuple[VariantOption, ...]:
    """The non-default options named by `variant` (names, or one text joined by ``,`` or ``+``).

    Raises
    ------
    UnknownNameError
        For a name that is no variant option.
    InvalidValueError
        When two options of the same switch are selected.
    """
    data = data or load_network_data()
    names: list[str] = []
    for item in [variant] if isinstance(variant, str) else list(variant or []):
        names.extend(p.strip() for p in item.replace("+", ",").split(",") if p.strip())
    options = {o.name: (s, o) for s in data.switches for o in s.options.values()}
    chosen: dict[str, VariantOption] = {}
    for name in names:
        if name == "default":
            continue
        if name not in options:
            known = list_variants(data)
            raise UnknownNameError("model variant", name, known, hint=", ".join(known) + ".")
        switch, option = options[name]
        if switch.name in chosen and chosen[switch.name].name != name:
            raise InvalidValueError(
                "--variant",
                name,
                f"one option per switch {switch.name!r}, not also {chosen[switch.name].name!r}",
            )
        if name != switch.default:
            chosen[switch.name] = option
    return tuple(chosen.values())


def variant_settings(model: CompiledModel, data: NetworkData | None = None) -> dict[str, Any]:
    """Every switch's option in effect in `model`, and whether it is the switch's default.

    Examples
    --------
    >>> variant_settings(compile_model())["autophagy_nis"]
    {'option': 'autophagy-degrades-nis', 'default': True}
    """
    data = data or load_network_data()
    chosen = set(model.variant)
    out: dict[str, Any] = {}
    for sw in data.switches:
        option = next((o for o in sw.options if o in chosen), sw.default)
        out[sw.name] = {"option": option, "default": option == sw.default}
    return out


def _components(n: int, src: Iterable[int], tgt: Iterable[int]) -> tuple[tuple[int, ...], ...]:
    """Strongly connected components of the graph src -> tgt in topological order (Tarjan)."""
    succ: list[list[int]] = [[] for _ in range(n)]
    for s, t in zip(src, tgt, strict=True):
        succ[s].append(t)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    out: list[tuple[int, ...]] = []
    counter = [0]

    def visit(v: int) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(tuple(sorted(comp)))

    for v in range(n):
        if v not in index:
            visit(v)
    return tuple(reversed(out))


def _leaf_roles(expr: Expr) -> list[tuple[bool, bool]]:
    """Per leaf, in edge order: (negative polarity, below an effective ``Or``).

    An ``Or`` under an even number of Not, or an ``And`` under an odd number (De Morgan:
    ``!(a & !b)`` is ``!a | b``), joins sufficient inputs.
    """
    out: list[tuple[bool, bool]] = []

    def walk(e: Expr, negative: bool, under_or: bool) -> None:
        if isinstance(e, Var):
            out.append((negative, under_or))
        elif isinstance(e, Not):
            walk(e.arg, not negative, under_or)
        elif isinstance(e, And | Or):
            effective_or = isinstance(e, Or) != negative
            for a in e.args:
                walk(a, negative, under_or or effective_or)

    walk(expr, False, False)
    return out


def _bounds(
    expr: Expr, node_id: str, data: NetworkData
) -> tuple[list[float], list[bool], list[bool]]:
    """Per leaf: maximal effect m, inhibitory or not, bounded or not (see CompiledModel).

    An inhibitory leaf (under an odd number of Not) takes the edge's ``max_effect``
    (default ``edge_defaults.max_effect``); an activating one its ``max_effect`` only
    where it is required (not below an Or), else 1.
    """
    ms, negs, bounded = [], [], []
    for leaf, (negative, under_or) in zip(variables(expr), _leaf_roles(expr), strict=True):
        negs.append(negative)
        bounded.append(negative or not under_or)
        default = data.max_effect_default if negative else 1.0
        m = data.edge_max_effect.get((leaf, node_id), default)
        if not negative and under_or:
            # a bounded sufficient input would act as a basal activity: an activating
            # input below an Or (e.g. in a variant's rule) keeps its full effect
            m = 1.0
        ms.append(m)
    return ms, negs, bounded


def compile_model(
    variant: str | Sequence[str] | None = None, data: NetworkData | None = None
) -> CompiledModel:
    """Compile the network (default model or a variant) into arrays.

    Parameters
    ----------
    variant
        Variant option name(s); ``None`` or ``"default"`` is the default model.
    data
        Network data; default: the shipped data files.

    Returns
    -------
    CompiledModel

    Examples
    --------
    >>> m = compile_model()
    >>> m.variant_name, m.n_nodes > 40
    ('default', True)
    >>> compile_model("autophagy-supports-nis").variant_name
    'autophagy-supports-nis'
    """
    data = data or load_network_data()
    options = resolve_variant(variant, data)
    rules: dict[str, Expr | None] = {n.id: n.rule for n in data.nodes}
    interactions = {n.id: n.interactions for n in data.nodes}
    for opt in options:
        for node_id, new_rule in opt.rules.items():
            rules[node_id] = new_rule
            interactions[node_id] = tuple(dict.fromkeys(interactions[node_id] + opt.interactions))
    ids = data.node_ids
    pos = {n: i for i, n in enumerate(ids)}
    src: list[int] = []
    tgt: list[int] = []
    ks: list[float] = []
    ns: list[float] = []
    ms: list[float] = []
    negs: list[bool] = []
    bounded: list[bool] = []
    ptr = [0]
    for node_id in ids:
        expr = rules[node_id]
        relay = isinstance(expr, Var)
        default = (data.k_relay, data.n_relay) if relay else (data.k_default, data.n_default)
        for leaf in [] if expr is None else variables(expr):
            k, n = data.edge_params.get((leaf, node_id), default)
            src.append(pos[leaf])
            tgt.append(pos[node_id])
            ks.append(k)
            ns.append(n)
        if expr is not None:
            m, neg, bnd = _bounds(expr, node_id, data)
            ms.extend(m)
            negs.extend(neg)
            bounded.extend(bnd)
        ptr.append(len(src))
    return CompiledModel(
        node_ids=ids,
        kinds=tuple(n.kind for n in data.nodes),
        rules=tuple(rules[i] for i in ids),
        edge_src=np.asarray(src, dtype=np.intp),
        edge_tgt=np.asarray(tgt, dtype=np.intp),
        edge_ptr=np.asarray(ptr, dtype=np.intp),
        edge_k=np.asarray(ks, dtype=float),
        edge_n=np.asarray(ns, dtype=float),
        edge_max=np.asarray(ms, dtype=float),
        edge_negative=np.asarray(negs, dtype=bool),
        edge_bounded=np.asarray(bounded, dtype=bool),
        tau=np.asarray([data.tau[i] for i in ids], dtype=float),
        basal=np.asarray([data.basal[i] for i in ids], dtype=float),
        is_input=np.asarray([n.kind == "input" for n in data.nodes], dtype=bool),
        components=_components(len(ids), src, tgt),
        variant=tuple(o.name for o in options),
        interactions=tuple(interactions[i] for i in ids),
    )
