"""SBML-qual export of the logical (Boolean) reading of the network.

One Boolean ``qualitativeSpecies`` per node (``maxLevel`` 1) and one
``transition`` per non-input node: its inputs are the rule's leaves (with the
sign given by the number of negations above the leaf; rules are read-once, so
each leaf has one sign), its output is the node (``assignmentLevel``), and its
function term holds the rule as MathML (``x = 1`` for a leaf, ``and``, ``or``,
``not``), factored as in the rule file. Inputs have no transition: they keep
the level a tool gives them.

References
----------
Chaouiya C et al. (2013) SBML qualitative models: a model representation format
and infrastructure to foster interactions between qualitative modelling formalisms
and tools. BMC Syst Biol 7:135. doi:10.1186/1752-0509-7-135
"""

from __future__ import annotations

from rairlab import RESEARCH_USE_NOTICE
from rairlab.network._compiled import CompiledModel
from rairlab.network._data import load_network_data
from rairlab.network._rules import And, Const, Expr, Not, Or, Var, to_text
from rairlab.network._specs import NetworkData
from rairlab.network.export._xml import XHTML_NS, Element, apply, ci, cn, el, math, render

__all__ = ["SBML_QUAL_NS", "to_sbml_qual"]

SBML_L3V1_NS = "http://www.sbml.org/sbml/level3/version1/core"
SBML_QUAL_NS = "http://www.sbml.org/sbml/level3/version1/qual/version1"
_COMPARTMENT = {
    "id": "cell",
    "spatialDimensions": 3,
    "size": 1,
    "units": "dimensionless",
    "constant": True,
}


def _bool_math(expr: Expr) -> Element:
    if isinstance(expr, Var):
        return apply("eq", ci(expr.name), cn(1))
    if isinstance(expr, Const):
        return el("true" if expr.value else "false")
    if isinstance(expr, Not):
        return apply("not", _bool_math(expr.arg))
    op = "and" if isinstance(expr, And) else "or"
    assert isinstance(expr, And | Or)
    return apply(op, *(_bool_math(a) for a in expr.args))


def _signs(expr: Expr, negated: bool = False) -> list[tuple[str, bool]]:
    """(leaf, is_negative) in leaf order."""
    if isinstance(expr, Var):
        return [(expr.name, negated)]
    if isinstance(expr, Const):
        return []
    if isinstance(expr, Not):
        return _signs(expr.arg, not negated)
    return [s for a in expr.args for s in _signs(a, negated)]


def to_sbml_qual(model: CompiledModel, data: NetworkData | None = None) -> str:
    """The network's logical model as SBML Level 3 Version 1 with the qual package (text).

    Parameters
    ----------
    model
        The compiled model (its variant's rules are exported).
    data
        Network data, for the nodes' descriptive names; default: the shipped data.

    Returns
    -------
    str
        The SBML-qual document.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> m = compile_model()
    >>> text = to_sbml_qual(m)
    >>> text.count("<qual:transition ") == int((~m.is_input).sum())
    True
    """
    data = data or load_network_data()
    names = {n.id: n.name for n in data.nodes}
    species = [
        el(
            "qual:qualitativeSpecies",
            {
                "qual:id": node,
                "qual:name": names.get(node, node),
                "qual:compartment": "cell",
                "qual:constant": False,
                "qual:maxLevel": 1,
            },
        )
        for node in model.node_ids
    ]
    transitions = []
    for i, node in enumerate(model.node_ids):
        rule = model.rules[i]
        if rule is None:
            continue
        children = [
            el(
                "notes",
                None,
                [
                    el(
                        "body",
                        {"xmlns": XHTML_NS},
                        [
                            el("p", text=f"{node} = {to_text(rule)}"),
                            el(
                                "p",
                                text="interactions: "
                                + (", ".join(model.interactions[i]) or "none"),
                            ),
                        ],
                    )
                ],
            ),
        ]
        signs = _signs(rule)
        if signs:
            children.append(
                el(
                    "qual:listOfInputs",
                    None,
                    [
                        el(
                            "qual:input",
                            {
                                "qual:id": f"tr_{node}_in_{src}",
                                "qual:qualitativeSpecies": src,
                                "qual:transitionEffect": "none",
                                "qual:sign": "negative" if neg else "positive",
                            },
                        )
                        for src, neg in signs
                    ],
                )
            )
        children.append(
            el(
                "qual:listOfOutputs",
                None,
                [
                    el(
                        "qual:output",
                        {
                            "qual:id": f"tr_{node}_out",
                            "qual:qualitativeSpecies": node,
                            "qual:transitionEffect": "assignmentLevel",
                        },
                    )
                ],
            )
        )
        if isinstance(rule, Const):
            terms = [el("qual:defaultTerm", {"qual:resultLevel": int(rule.value)})]
        else:
            terms = [
                el("qual:defaultTerm", {"qual:resultLevel": 0}),
                el("qual:functionTerm", {"qual:resultLevel": 1}, [math(_bool_math(rule))]),
            ]
        children.append(el("qual:listOfFunctionTerms", None, terms))
        transitions.append(el("qual:transition", {"qual:id": f"tr_{node}"}, children))

    model_el = el(
        "model",
        {
            "id": "rairlab_network_qual",
            "name": f"rairlab thyroid-cell network, logical ({model.variant_name})",
        },
        [
            el(
                "notes",
                None,
                [
                    el(
                        "body",
                        {"xmlns": XHTML_NS},
                        [
                            el(
                                "p",
                                text="Logical model of the rairlab thyroid-cell network "
                                "(Liu et al. 2023, "
                                "doi:10.1016/j.drup.2023.100939). Inputs have no transition.",
                            ),
                            el("p", text=f"Model variant: {model.variant_name}."),
                            el("p", text=RESEARCH_USE_NOTICE),
                        ],
                    )
                ],
            ),
            el("listOfCompartments", None, [el("compartment", _COMPARTMENT)]),
            el("qual:listOfQualitativeSpecies", None, species),
            el("qual:listOfTransitions", None, transitions),
        ],
    )
    root = el(
        "sbml",
        {
            "xmlns": SBML_L3V1_NS,
            "xmlns:qual": SBML_QUAL_NS,
            "level": 3,
            "version": 1,
            "qual:required": True,
        },
        [model_el],
    )
    return render(root)
