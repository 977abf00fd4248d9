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
from rairlab.network.export._sbml import CELL_COMPARTMENT, xhtml_notes
from rairlab.network.export._xml import Element, apply, ci, cn, el, math, render

__all__ = ["SBML_QUAL_NS", "to_sbml_qual"]

SBML_L3V1_NS = "http://www.sbml.org/sbml/level3/version1/core"
SBML_QUAL_NS = "http://www.sbml.org/sbml/level3/version1/qual/version1"


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


def _inputs(node: str, rule: Expr) -> list[Element]:
    """The transition's inputs: the rule's leaves with their signs (none for a constant)."""
    signs = _signs(rule)
    if not signs:
        return []
    inputs = [
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
    ]
    return [el("qual:listOfInputs", None, inputs)]


def _output(node: str) -> Element:
    """The transition's output: `node`, set to the level of its function terms."""
    output = el(
        "qual:output",
        {
            "qual:id": f"tr_{node}_out",
            "qual:qualitativeSpecies": node,
            "qual:transitionEffect": "assignmentLevel",
        },
    )
    return el("qual:listOfOutputs", None, [output])


def _function_terms(rule: Expr) -> Element:
    """A constant rule's level, else level 1 where the rule holds and 0 otherwise."""
    if isinstance(rule, Const):
        terms = [el("qual:defaultTerm", {"qual:resultLevel": int(rule.value)})]
    else:
        terms = [
            el("qual:defaultTerm", {"qual:resultLevel": 0}),
            el("qual:functionTerm", {"qual:resultLevel": 1}, [math(_bool_math(rule))]),
        ]
    return el("qual:listOfFunctionTerms", None, terms)


def _transition(model: CompiledModel, i: int, rule: Expr) -> Element:
    """The transition of non-input node `i`: notes, inputs, output, function terms."""
    node = model.node_ids[i]
    children = [
        xhtml_notes(
            f"{node} = {to_text(rule)}",
            "interactions: " + (", ".join(model.interactions[i]) or "none"),
        ),
        *_inputs(node, rule),
        _output(node),
        _function_terms(rule),
    ]
    return el("qual:transition", {"qual:id": f"tr_{node}"}, children)


def _species(model: CompiledModel, data: NetworkData) -> list[Element]:
    """One Boolean qualitative species per node."""
    names = {n.id: n.name for n in data.nodes}
    return [
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


def _document(model: CompiledModel, species: list[Element], transitions: list[Element]) -> Element:
    """The ``sbml`` root (qual required): the model with its notes, compartment,
    `species` and `transitions`."""
    model_el = el(
        "model",
        {
            "id": "rairlab_network_qual",
            "name": f"rairlab thyroid-cell network, logical ({model.variant_name})",
        },
        [
            xhtml_notes(
                "Logical model of the rairlab thyroid-cell network (Liu et al. 2023, "
                "doi:10.1016/j.drup.2023.100939). Inputs have no transition.",
                f"Model variant: {model.variant_name}.",
                RESEARCH_USE_NOTICE,
            ),
            el("listOfCompartments", None, [el("compartment", CELL_COMPARTMENT)]),
            el("qual:listOfQualitativeSpecies", None, species),
            el("qual:listOfTransitions", None, transitions),
        ],
    )
    return el(
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
    transitions = [
        _transition(model, i, rule) for i, rule in enumerate(model.rules) if rule is not None
    ]
    return render(_document(model, _species(model, data), transitions))
