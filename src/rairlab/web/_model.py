"""The Model page: the network diagram, one node's rule and evidence, and perturbations.

``/model`` draws the network of a model variant (:func:`rairlab.network.network_svg`)
coloured by steady-state activity: the reference cell (wild type, TSH withdrawal, no
drugs; the state of :func:`rairlab.network.normal_thyrocyte`) or, when the query perturbs
it, the perturbed cell with each node's change from the reference. ``node=ID`` opens the
node's panel: its rule, the knowledge-base interactions behind it with their citations,
the variant switches that replace its rule, and links that knock it out or overexpress
it. The query mirrors ``rairlab simulate``: ``variant``, ``genotype``, ``drug``
(``NAME[:EXPOSURE]``), ``tsh``, ``env`` (``KEY=VALUE``), ``knockout`` and ``overexpress``
(``NODE[:STRENGTH]``); list fields repeat or take comma-separated items. The same data
as JSON: ``/api/model`` (nodes, signed edges, rules, variants), ``/api/model/node/{id}``
and ``/api/model/perturb`` (reference vs perturbed activities). Every number is the
model's, on its 0..1 activity scale.
"""

from __future__ import annotations

import functools
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.knowledge import load_knowledge
from rairlab.network import (
    compile_model,
    conditions,
    load_network_data,
    network_svg,
    steady_state,
    to_text,
    variant_settings,
)
from rairlab.network._options import parse_drug_item, parse_env_items, parse_tsh
from rairlab.web._common import Params, json_response, page, web_state
from rairlab.web._evidence import _interaction_row

__all__ = [
    "ROUTES",
    "Perturbation",
    "model_summary",
    "node_detail",
    "perturb",
    "perturbation",
]

#: Nodes always shown first in the effect table (then every output node of the model).
KEY_NODES = ("NIS_membrane", "iodide_uptake")
#: Nodes in the effect chart: the most changed ones.
TOP_CHANGED = 15
#: Smallest change that counts as a change in the effect chart (activity units).
MIN_CHANGE = 1e-3
#: Width of the diagram (SVG units): six nodes a row beside the node panel.
DIAGRAM_WIDTH = 820.0
#: What the reference state is, in words (one line).
REFERENCE = "wild type, TSH withdrawal, default environment, no drugs"


def _items(params: Params, name: str, max_items: int = 20) -> list[str]:
    """A list field: repeated (``?knockout=A&knockout=B``) and/or comma-separated."""
    out = [p.strip() for raw in params.texts(name, max_items) for p in raw.split(",")]
    out = [p for p in out if p]
    if len(out) > max_items:
        raise InvalidValueError(name, f"{len(out)} items", f"at most {max_items}")
    return out


def _model(params: Params) -> Any:
    """The compiled model the query's ``variant`` fields select (default model without)."""
    variants = _items(params, "variant", max_items=len(load_network_data().switches) + 1)
    return compile_model(variants or None)


@dataclass(frozen=True)
class Perturbation:
    """The perturbations of a query, in the terms of :func:`rairlab.network.conditions`.

    Attributes
    ----------
    genotype
        Genotype text (``"BRAF p.V600E"``), empty for wild type.
    drugs
        ``(agent name, exposure)`` pairs; exposure in multiples of the standard one.
    tsh
        TSH state or level; ``None`` keeps the environment's default (withdrawal).
    env
        Environment key -> named level or number, as ``rairlab simulate --env``.
    knockout, overexpress
        ``NODE`` or ``NODE:STRENGTH`` items.
    """

    genotype: str = ""
    drugs: tuple[tuple[str, float], ...] = ()
    tsh: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    knockout: tuple[str, ...] = ()
    overexpress: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        """Whether anything perturbs the reference cell."""
        return bool(
            self.genotype
            or self.drugs
            or self.tsh is not None
            or self.env
            or self.knockout
            or self.overexpress
        )

    def conditions(self, model: Any) -> Any:
        """One patient's :class:`~rairlab.network.Conditions` under these perturbations."""
        return conditions(
            model,
            1,
            genotype=self.genotype or None,
            drugs=list(self.drugs),
            env=self.env,
            tsh=self.tsh,
            knockout=self.knockout,
            overexpress=self.overexpress,
        )


def perturbation(params: Params) -> Perturbation:
    """The query's perturbations, each field checked as ``rairlab simulate`` checks it.

    Node names are checked against the model when the conditions are built
    (:class:`~rairlab.errors.UnknownNameError` with close matches).

    Examples
    --------
    >>> p = perturbation(Params({"knockout": "PIGU, SMAD7:0.8", "drug": "dabrafenib:2"}))
    >>> p.knockout, p.drugs, p.given
    (('PIGU', 'SMAD7:0.8'), (('dabrafenib', 2.0),), True)
    >>> perturbation(Params({})).given
    False
    """
    tsh = params.text("tsh") or None
    return Perturbation(
        genotype=params.text("genotype"),
        drugs=tuple(parse_drug_item(d, "drug") for d in _items(params, "drug", 10)),
        tsh=None if tsh is None else parse_tsh(tsh, "tsh"),
        env=parse_env_items(_items(params, "env", 10), "env"),
        knockout=tuple(_items(params, "knockout")),
        overexpress=tuple(_items(params, "overexpress")),
    )


def check_node(model: Any, name: str, kind: str = "node") -> str:
    """`name` when it is a node of `model`; else :class:`~rairlab.errors.UnknownNameError`
    suggesting the nodes that contain it, then close spellings.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> check_node(compile_model(), "TSHR")
    'TSHR'
    >>> try:
    ...     check_node(compile_model(), "SLC5A5")
    ... except LookupError as e:
    ...     print(e.suggestions)
    ['SLC5A5_mRNA']
    """
    if name not in model.node_ids:
        part = name.casefold()
        also = [n for n in model.node_ids if len(part) >= 3 and part in n.casefold()]
        raise UnknownNameError(kind, name, model.node_ids, hint="/api/model lists them", also=also)
    return name


def _check_items(model: Any, items: Sequence[str], what: str) -> None:
    """Each ``NODE[:STRENGTH]`` item of the `what` field names a node, STRENGTH in [0, 1]."""
    for item in items:
        name, sep, strength = item.partition(":")
        check_node(model, name.strip(), f"{what} node")
        try:
            ok = not sep or 0.0 <= float(strength) <= 1.0
        except ValueError:
            ok = False
        if not ok:
            raise InvalidValueError(what, item, "NODE or NODE:STRENGTH with STRENGTH in [0, 1]")


@functools.lru_cache(maxsize=32)
def _reference(variant: tuple[str, ...]) -> tuple[tuple[float, ...], bool]:
    """The reference cell's activities (node order) and whether its solve converged."""
    model = compile_model(list(variant) or None)
    # one patient: the NumPy path of the same algorithm spares loading the Numba kernels
    ss = steady_state(model, conditions(model, 1, tsh="withdrawal"), engine="numpy")
    return tuple(float(v) for v in ss.x[0]), bool(ss.converged[0])


def reference_state(model: Any) -> dict[str, float]:
    """Node -> activity of the reference cell (:data:`REFERENCE`) of `model`'s variant.

    Examples
    --------
    >>> from rairlab.network import compile_model, normal_thyrocyte
    >>> m = compile_model()
    >>> ref = reference_state(m)["iodide_uptake"]
    >>> abs(ref - float(normal_thyrocyte(m)["iodide_uptake"][0])) < 1e-12
    True
    """
    x, _ = _reference(tuple(model.variant))
    return dict(zip(model.node_ids, x, strict=True))


def _key_nodes(model: Any) -> list[str]:
    outputs = [n for n, k in zip(model.node_ids, model.kinds, strict=True) if k == "output"]
    return list(dict.fromkeys([*(n for n in KEY_NODES if n in model.node_ids), *outputs]))


def perturb(model: Any, pert: Perturbation) -> dict[str, Any]:
    """Reference vs perturbed steady-state activities of every node of `model`.

    Returns
    -------
    dict
        ``reference``, ``perturbed``, ``difference`` (node -> activity, perturbed minus
        reference), ``outputs`` (rows of the key nodes), ``top_changed`` (the nodes
        that changed most, largest first), ``perturbations`` (what was applied, from
        the conditions' labels), ``converged``, ``variant`` and ``reference_is``.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> r = perturb(compile_model(), Perturbation(knockout=("SLC5A5_mRNA",)))
    >>> r["perturbed"]["iodide_uptake"] < r["reference"]["iodide_uptake"]
    True
    >>> r["top_changed"][0] in ("SLC5A5_mRNA", "NIS_protein")
    True
    """
    _check_items(model, pert.knockout, "knockout")
    _check_items(model, pert.overexpress, "overexpress")
    cond = pert.conditions(model)
    ss = steady_state(model, cond, engine="numpy")
    ref = reference_state(model)
    _, ref_ok = _reference(tuple(model.variant))
    now = {n: float(v) for n, v in zip(model.node_ids, ss.x[0], strict=True)}
    diff = {n: now[n] - ref[n] for n in model.node_ids}
    order = sorted(model.node_ids, key=lambda n: -abs(diff[n]))
    return {
        "variant": model.variant_name,
        "reference_is": REFERENCE,
        "perturbations": list(cond.labels),
        "converged": bool(ss.converged[0]) and ref_ok,
        "outputs": [
            {"node": n, "reference": ref[n], "perturbed": now[n], "difference": diff[n]}
            for n in _key_nodes(model)
        ],
        "top_changed": [n for n in order[:TOP_CHANGED] if abs(diff[n]) >= MIN_CHANGE],
        "reference": ref,
        "perturbed": now,
        "difference": diff,
    }


def _signs(model: Any) -> list[str]:
    return ["-" if neg else "+" for neg in model.edge_negative]


def model_summary(model: Any) -> dict[str, Any]:
    """The network of `model` as data: nodes with rules, signed edges, variant switches.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> s = model_summary(compile_model())
    >>> len(s["nodes"]) == len(compile_model().node_ids), s["variant"]
    (True, 'default')
    >>> {e["sign"] for e in s["edges"]} == {"+", "-"}
    True
    """
    data = load_network_data()
    meaning = {n.id: n.name for n in data.nodes}
    ids = model.node_ids
    return {
        "variant": model.variant_name,
        "variant_settings": variant_settings(model),
        "nodes": [
            {
                "id": n,
                "kind": model.kinds[i],
                "name": meaning[n],
                "rule": None if model.rules[i] is None else to_text(model.rules[i]),
                "interactions": list(model.interactions[i]),
            }
            for i, n in enumerate(ids)
        ],
        "edges": [
            {"source": ids[int(s)], "target": ids[int(t)], "sign": sign}
            for s, t, sign in zip(model.edge_src, model.edge_tgt, _signs(model), strict=True)
        ],
        "switches": _switches(model, None),
        "variants": [
            {"name": "default", "switch": None, "summary": "Every switch at its default option."}
        ]
        + [
            {"name": o.name, "switch": sw.name, "summary": o.summary}
            for sw in data.switches
            for o in sw.options.values()
        ],
    }


def _switches(model: Any, node: str | None) -> list[dict[str, Any]]:
    """The variant switches (those that replace `node`'s rule, when given), options in effect."""
    data = load_network_data()
    base = {n.id: n.rule_text for n in data.nodes}
    settings = variant_settings(model)
    out = []
    for sw in data.switches:
        if node is not None and not any(node in o.rule_texts for o in sw.options.values()):
            continue
        options = []
        for o in sw.options.values():
            row: dict[str, Any] = {
                "name": o.name,
                "summary": o.summary,
                "default": o.name == sw.default,
                "in_effect": o.name == settings[sw.name]["option"],
                "interactions": list(o.interactions),
            }
            if node is not None:
                row["rule"] = o.rule_texts.get(node, base[node])
            options.append(row)
        out.append(
            {
                "switch": sw.name,
                "question": sw.question,
                "in_effect": settings[sw.name]["option"],
                "options": options,
            }
        )
    return out


def node_detail(model: Any, node: str) -> dict[str, Any]:
    """One node of `model`: its rule, the evidence behind it, its switches and regulators.

    Raises
    ------
    UnknownNameError
        If `node` is no node of `model` (with close matches).

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> d = node_detail(compile_model(), "TSHR")
    >>> d["rule"], d["interactions"][0]["citations"] != []
    ('PAX8 & (NKX2_1 | FOXE1) & PPARG_RXR & !PC', True)
    """
    check_node(model, node)
    data = load_network_data()
    kb = load_knowledge()
    spec = next(n for n in data.nodes if n.id == node)
    i = model.index(node)
    ids, signs = model.node_ids, _signs(model)
    edges = list(zip(model.edge_src, model.edge_tgt, signs, strict=True))
    rule = model.rules[i]
    return {
        "id": node,
        "kind": model.kinds[i],
        "name": spec.name,
        "variant": model.variant_name,
        "rule": None if rule is None else to_text(rule),
        "assumption": spec.assumption,
        "regulators": [{"node": ids[int(s)], "sign": g} for s, t, g in edges if int(t) == i],
        "targets": [{"node": ids[int(t)], "sign": g} for s, t, g in edges if int(s) == i],
        "interactions": [_interaction_row(kb, kb.record(x)) for x in model.interactions[i]],
        "switches": _switches(model, node),
        "environment": [k for k, e in data.environment.items() if e.node == node],
        "drugs": sorted({a.name for a in data.agents for act in a.actions if act.node == node}),
        "alterations": [a.notation for a in data.alterations.values() if a.node == node],
        "tau_h": float(model.tau[i]),
        "basal": float(model.basal[i]),
        "reference_activity": reference_state(model)[node],
    }


def _params(request: Request) -> Params:
    return Params(request.query_params, web_state(request).limits.max_text)


def _link(request: Request, drop: Container[str], extra: Sequence[tuple[str, str]] = ()) -> str:
    """``/model`` with the request's fields but those in `drop`, then the `extra` pairs:
    every link keeps the URL as the page's state."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in drop]
    query = urlencode([*pairs, *extra])
    return "/model" + (f"?{query}" if query else "")


def _node_actions(request: Request, pert: Perturbation, node: str) -> dict[str, str]:
    """Links that knock `node` out, overexpress it, or undo either, other perturbations kept."""
    ko = [k for k in pert.knockout if k.partition(":")[0] != node]
    oe = [k for k in pert.overexpress if k.partition(":")[0] != node]

    def link(knockout: list[str], overexpress: list[str]) -> str:
        extra = [("knockout", k) for k in knockout] + [("overexpress", k) for k in overexpress]
        return _link(request, ("knockout", "overexpress"), extra)

    state = "knocked out" if len(ko) < len(pert.knockout) else ""
    state = "overexpressed" if len(oe) < len(pert.overexpress) else state
    out = {"state": state, "knockout": link([*ko, node], oe), "overexpress": link(ko, [*oe, node])}
    if state:
        out["undo"] = link(ko, oe)
    return out


def _effect_chart(result: dict[str, Any]) -> dict[str, Any]:
    nodes = result["top_changed"]
    return {
        "id": "model-effect",
        "kind": "bar",
        "title": "Most changed nodes: reference vs perturbed (model activity)",
        "x_label": "node",
        "y_label": "activity (0..1)",
        "y_max": 1.0,
        "categories": nodes,
        "series": [
            {"name": "reference", "values": [result["reference"][n] for n in nodes]},
            {"name": "perturbed", "values": [result["perturbed"][n] for n in nodes]},
        ],
    }


async def model_page(request: Request) -> Response:
    """``GET /model``: the diagram, the variant and perturbation form, a node's panel."""
    params = _params(request)
    model = _model(params)
    pert = perturbation(params)
    node = params.text("node") or None
    if node is not None:
        check_node(model, node)
    ref = reference_state(model)
    result = perturb(model, pert) if pert.given else None
    if result is None:
        svg = network_svg(model, ref, width=DIAGRAM_WIDTH)
    else:
        svg = network_svg(
            model, result["perturbed"], changed=result["difference"], width=DIAGRAM_WIDTH
        )
    detail = node_detail(model, node) if node is not None else None
    query = urlencode(list(request.query_params.multi_items()))
    return page(
        request,
        "model.html",
        model=model,
        svg=Markup(svg),
        pert=pert,
        result=result,
        effect_chart=_effect_chart(result) if result and result["top_changed"] else None,
        detail=detail,
        actions=_node_actions(request, pert, node) if node is not None else None,
        clear_url=_link(request, {k for k in request.query_params if k not in ("variant", "node")}),
        api_query=query,
        node_href=lambda n: _link(request, ("node",), [("node", n)]),
        variants=_switches(model, None),
        combined_variant=model.variant_name if len(model.variant) > 1 else None,
        tsh_levels=list(load_network_data().environment["tsh"].levels),
        node_ids=sorted(model.node_ids, key=str.casefold),
        reference_is=REFERENCE,
    )


async def model_api(request: Request) -> Response:
    """``GET /api/model``: nodes, signed edges, rules and variants of the selected variant."""
    return json_response(model_summary(_model(_params(request))))


async def node_api(request: Request) -> Response:
    """``GET /api/model/node/{id}``: one node's rule, evidence, switches and regulators."""
    model = _model(_params(request))
    return json_response(node_detail(model, request.path_params["node"]))


async def perturb_api(request: Request) -> Response:
    """``GET /api/model/perturb``: reference vs perturbed activities of every node."""
    params = _params(request)
    return json_response(perturb(_model(params), perturbation(params)))


ROUTES = [
    Route("/model", model_page),
    Route("/api/model", model_api),
    Route("/api/model/node/{node}", node_api),
    Route("/api/model/perturb", perturb_api),
]
