r"""SBML Level 3 Version 2 core export of the continuous (normalized Hill cube) network.

One species per node (activity on 0..1 in a unit compartment ``cell``) and one
reversible reaction per node whose rate is the node's ODE

.. math:: \frac{dx_i}{dt} = \frac{F_i(x, t) - x_i}{\tau_i}, \qquad
          F_i = s_i\,\bigl[1 - (1 - \beta_i)(1 - g_i(t))\bigr],
          \qquad \beta_i = c_i v_i + (1 - c_i)\,\tilde B_i(x)

exactly as :func:`rairlab.network.rhs` computes it. Rules are written *factored*,
as their AST (``And`` -> product, ``Or`` -> ``1 - prod(1 - a)``, ``Not`` -> ``1 - a``),
never expanded to a sum of products, and every leaf is a call of the function
definition ``hill_cube(x, k, n)`` with the edge's own ``k_<src>__<tgt>`` and
``n_<src>__<tgt>`` parameters. Perturbations are parameters (see
:mod:`~rairlab.network.export._sbml_params`), so one file serves every patient.

References
----------
Wittmann DM et al. (2009) Transforming Boolean models to continuous models:
methodology and application to T-cell receptor signaling. BMC Syst Biol 3:98.
doi:10.1186/1752-0509-3-98

Hucka M et al. (2019) The Systems Biology Markup Language (SBML): Language
Specification for Level 3 Version 2 Core Release 2. J Integr Bioinform 16:20190021.
doi:10.1515/jib-2019-0021
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab import RESEARCH_USE_NOTICE
from rairlab.errors import InvalidValueError
from rairlab.network._compiled import FLOOR, CompiledModel, Conditions
from rairlab.network._data import load_network_data
from rairlab.network._perturb import conditions
from rairlab.network._rules import And, Const, Expr, Not, Or, Var, to_text
from rairlab.network._specs import NetworkData
from rairlab.network.export._sbml_params import (
    ParameterLayout,
    parameter_layout,
    sbml_parameter_table,
)
from rairlab.network.export._xml import XHTML_NS, Element, apply, call, ci, el, math, render
from rairlab.network.export._xml import cn as _cn

__all__ = ["SBML_CORE_NS", "SbmlExtension", "to_sbml"]

SBML_CORE_NS = "http://www.sbml.org/sbml/level3/version2/core"
_HILL = "hill_cube"
_HILL_FLOORED = "hill_cube_floored"
# the unit compartment of every species (also of the SBML-qual export)
CELL_COMPARTMENT = {
    "id": "cell",
    "spatialDimensions": 3,
    "size": 1,
    "units": "dimensionless",
    "constant": True,
}


def cn(value: float | int) -> Element:
    """A dimensionless MathML number (declared units keep libsbml's unit checks quiet)."""
    return _cn(value, "dimensionless")


def _one_minus(a: Element) -> Element:
    return apply("minus", cn(1), a)


def _product(terms: list[Element]) -> Element:
    return terms[0] if len(terms) == 1 else apply("times", *terms)


def _rule_math(
    expr: Expr, ids: tuple[list[str], list[str], list[str]], leaf: list[int], negative: bool = False
) -> Element:
    """The factored continuous reading of a rule; leaves consume edges in order.

    `ids` are the edges' (k, n, m) parameter ids; a leaf is the bounded Hill cube
    ``m f~`` (inhibitory: under an odd number of Not) or ``(1 - m) + m f~``.
    """
    if isinstance(expr, Var):
        e = leaf[0]
        leaf[0] += 1
        k_ids, n_ids, m_ids = ids
        f = apply("times", ci(m_ids[e]), call(_HILL, ci(expr.name), ci(k_ids[e]), ci(n_ids[e])))
        return f if negative else apply("plus", _one_minus(ci(m_ids[e])), f)
    if isinstance(expr, Const):
        return cn(int(expr.value))
    if isinstance(expr, Not):
        return _one_minus(_rule_math(expr.arg, ids, leaf, not negative))
    parts = [_rule_math(a, ids, leaf, negative) for a in expr.args]
    if isinstance(expr, And):
        return _product(parts)
    assert isinstance(expr, Or)
    return _one_minus(_product([_one_minus(p) for p in parts]))


def _function_definitions() -> list[Element]:
    def lam(args: list[str], body: Element) -> Element:
        return math(el("lambda", None, [*(el("bvar", None, [ci(a)]) for a in args), body]))

    y, k, n = ci("y"), ci("k"), ci("n")
    # f~(y) = y^n (1 + k^n) / (y^n + k^n): the normalized Hill cube
    norm = apply(
        "divide",
        apply("times", apply("power", y, n), apply("plus", cn(1), apply("power", k, n))),
        apply("plus", apply("power", ci("y"), ci("n")), apply("power", ci("k"), ci("n"))),
    )
    # x is floored at FLOOR first, as in rairlab (pow on tiny values is slow; x^n of a
    # small negative overshoot of the integrator would be undefined for non-integer n)
    floored = el(
        "piecewise",
        None,
        [
            el("piece", None, [ci("x"), apply("gt", ci("x"), cn(FLOOR))]),
            el("otherwise", None, [cn(FLOOR)]),
        ],
    )
    return [
        el(
            "functionDefinition",
            {"id": _HILL_FLOORED, "name": "normalized Hill cube"},
            [lam(["y", "k", "n"], norm)],
        ),
        el(
            "functionDefinition",
            {"id": _HILL, "name": "normalized Hill cube of max(x, floor)"},
            [lam(["x", "k", "n"], call(_HILL_FLOORED, floored, ci("k"), ci("n")))],
        ),
    ]


def _pulse_shape(rise: str, fade: str) -> Element:
    """(exp(-t/fade) - exp(-t/rise)) / peak; peak at t* = ln(fade/rise) rise fade/(fade - rise)."""
    t = el(
        "csymbol",
        {"encoding": "text", "definitionURL": "http://www.sbml.org/sbml/symbols/time"},
        text="time",
    )

    def decay(at: Element, const: str) -> Element:
        return apply("exp", apply("minus", apply("divide", at, ci(const))))

    t_peak = apply(
        "divide",
        apply("times", apply("ln", apply("divide", ci(fade), ci(rise))), ci(rise), ci(fade)),
        apply("minus", ci(fade), ci(rise)),
    )
    peak = apply("minus", decay(t_peak, fade), decay(t_peak, rise))
    return apply("divide", apply("minus", decay(t, fade), decay(t, rise)), peak)


def xhtml_notes(*paragraphs: str) -> Element:
    """SBML ``notes``: an XHTML body of `paragraphs` (also of the SBML-qual export)."""
    body = el("body", {"xmlns": XHTML_NS}, [el("p", text=p) for p in paragraphs])
    return el("notes", None, [body])


def _rate_law(model: CompiledModel, layout: ParameterLayout, i: int) -> Element:
    node = model.node_ids[i]
    sl = model.edges_of(i)
    rule = model.rules[i]
    clamp, clampval = ci(layout.clamp[i]), ci(layout.clampval[i])
    clamped = apply("times", clamp, clampval)
    if rule is None:
        beta = clamped
    else:
        b = _rule_math(rule, (list(layout.k[sl]), list(layout.n[sl]), list(layout.m[sl])), [0])
        beta = apply("plus", clamped, apply("times", _one_minus(ci(layout.clamp[i])), b))
    slots = [s for s, p in enumerate(layout.pulses) if p[0] == i]
    if slots:
        keep = [_one_minus(ci(layout.bias[i]))]
        for s in slots:
            amp, rise, fade = layout.pulse_ids(s)
            keep.append(_one_minus(apply("times", ci(amp), _pulse_shape(rise, fade))))
        g = _one_minus(_product(keep))
    else:
        g = ci(layout.bias[i])
    F = apply(
        "times", ci(layout.scale[i]), _one_minus(apply("times", _one_minus(beta), _one_minus(g)))
    )
    return apply(
        "times", ci("cell"), apply("divide", apply("minus", F, ci(node)), ci(layout.tau[i]))
    )


def _parameter(
    pid: str, value: float, units: str, name: str | None = None, constant: bool = True
) -> Element:
    return el(
        "parameter",
        {
            "id": pid,
            "name": name,
            "value": repr(float(value)),
            "units": units,
            "constant": constant,
        },
    )


@dataclass(frozen=True)
class SbmlExtension:
    """What a client adds to the network's SBML (e.g. the PEtab problem's reduction).

    Attributes
    ----------
    parameters
        Extra constant parameters: id -> (value, units).
    assignments
        Parameter id (the network's or an extra one) -> MathML body of an assignment
        rule; the parameter becomes non-constant.
    rates
        Extra non-constant parameters with a rate rule: id -> (initial value, units,
        MathML body of d(id)/dt).
    notes
        Extra paragraphs for the model's notes.
    """

    parameters: Mapping[str, tuple[float, str]] = field(default_factory=dict)
    assignments: Mapping[str, Element] = field(default_factory=dict)
    rates: Mapping[str, tuple[float, str, Element]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _parameter_defaults(
    model: CompiledModel, cond: Conditions, layout: ParameterLayout, patient: int
) -> dict[str, float]:
    """Parameter id -> its value for row `patient` of `cond`."""
    ids, values = sbml_parameter_table(model, cond, layout)
    if not 0 <= patient < cond.n_patients:
        raise InvalidValueError("patient", patient, f"an index in 0..{cond.n_patients - 1}")
    return dict(zip(ids, values[patient].tolist(), strict=True))


def _initial_activities(model: CompiledModel, x0: ArrayLike | None) -> NDArray[np.float64]:
    init = np.zeros(model.n_nodes) if x0 is None else np.asarray(x0, dtype=float)
    if init.shape != (model.n_nodes,):
        raise InvalidValueError("x0", f"shape {init.shape}", f"shape ({model.n_nodes},)")
    return init


def _check_ids(model: CompiledModel, layout: ParameterLayout, ext: SbmlExtension) -> None:
    """Refuse a node id that is also a generated SBML id."""
    reserved = ["cell", _HILL, _HILL_FLOORED, *layout.tau, *layout.k, *layout.n, *layout.m]
    reserved += layout.perturbation_ids()
    reserved += [*ext.parameters, *ext.rates]
    reserved += [f"v_{i}" for i in model.node_ids]
    counts = Counter([*reserved, *model.node_ids])
    clash = sorted(r for r, c in counts.items() if c > 1)
    if clash:
        raise InvalidValueError(
            "node id", clash[0], "ids that do not collide with SBML parameter ids"
        )


def _species(model: CompiledModel, data: NetworkData, init: NDArray[np.float64]) -> list[Element]:
    """One species per node, its activity in the unit compartment ``cell``."""
    names = {n.id: f"{n.name} ({n.kind})" for n in data.nodes}
    return [
        el(
            "species",
            {
                "id": node,
                "name": names.get(node, node),
                "compartment": "cell",
                "initialConcentration": repr(float(init[i])),
                "substanceUnits": "dimensionless",
                "hasOnlySubstanceUnits": False,
                "boundaryCondition": False,
                "constant": False,
            },
        )
        for i, node in enumerate(model.node_ids)
    ]


def _parameters(
    model: CompiledModel, layout: ParameterLayout, defaults: dict[str, float], ext: SbmlExtension
) -> list[Element]:
    """Time constants, edge kinetics, perturbations, then the extension's parameters;
    those an extension assigns are not constant."""
    fixed = {a: False for a in ext.assignments}
    params: list[Element] = []
    for i, node in enumerate(model.node_ids):
        tau = layout.tau[i]
        value = defaults.get(tau, model.tau[i])
        params.append(_parameter(tau, value, "hour", f"time constant of {node}", tau not in fixed))
    for e in range(model.n_edges):
        for pid, value in (
            (layout.k[e], model.edge_k[e]),
            (layout.n[e], model.edge_n[e]),
            (layout.m[e], model.edge_max[e]),
        ):
            value = defaults.get(pid, value)
            params.append(_parameter(pid, value, "dimensionless", constant=pid not in fixed))
    for pid in layout.perturbation_ids():
        unit = "hour" if "_rise_" in pid or "_fade_" in pid else "dimensionless"
        params.append(_parameter(pid, defaults[pid], unit, constant=pid not in fixed))
    for pid, (value, unit) in ext.parameters.items():
        params.append(_parameter(pid, value, unit, constant=pid not in fixed))
    for pid, (value, unit, _) in ext.rates.items():
        params.append(_parameter(pid, value, unit, constant=False))
    return params


def _rules(ext: SbmlExtension, params: list[Element]) -> list[Element]:
    """The extension's assignment and rate rules (each assigned parameter must exist)."""
    known = {p.attrs["id"] for p in params}
    unknown = sorted(set(ext.assignments) - known)
    if unknown:
        raise InvalidValueError("assigned parameter", unknown[0], "a parameter of the export")
    rules = [
        el("assignmentRule", {"variable": pid}, [math(body)])
        for pid, body in ext.assignments.items()
    ]
    rules += [
        el("rateRule", {"variable": pid}, [math(body)]) for pid, (_, _, body) in ext.rates.items()
    ]
    return rules


def _reaction(model: CompiledModel, layout: ParameterLayout, i: int) -> Element:
    """The reaction whose rate is the ODE of node `i`; its rule's sources are modifiers."""
    node = model.node_ids[i]
    rule = model.rules[i]
    srcs = list(dict.fromkeys(model.node_ids[s] for s in model.edge_src[model.edges_of(i)]))
    children = [
        xhtml_notes(
            f"{node}: " + (f"input (clampval_{node})" if rule is None else to_text(rule)),
            "interactions: " + (", ".join(model.interactions[i]) or "none"),
        ),
        el(
            "listOfProducts",
            None,
            [el("speciesReference", {"species": node, "stoichiometry": 1, "constant": True})],
        ),
    ]
    if srcs:
        children.append(
            el(
                "listOfModifiers",
                None,
                [el("modifierSpeciesReference", {"species": s}) for s in srcs],
            )
        )
    children.append(el("kineticLaw", None, [math(_rate_law(model, layout, i))]))
    return el(
        "reaction",
        {"id": f"v_{node}", "name": f"dx/dt of {node}", "reversible": True},
        children,
    )


def _unit_definitions() -> Element:
    """The unit ``hour`` (3600 s)."""
    hour = el("unit", {"kind": "second", "exponent": 1, "scale": 0, "multiplier": 3600})
    return el(
        "listOfUnitDefinitions",
        None,
        [el("unitDefinition", {"id": "hour"}, [el("listOfUnits", None, [hour])])],
    )


def _document(model: CompiledModel, ext: SbmlExtension, contents: list[Element]) -> Element:
    """The ``sbml`` root: the model with its notes, function and unit definitions,
    compartment and then `contents`."""
    model_el = el(
        "model",
        {
            "id": "rairlab_network",
            "name": f"rairlab thyroid-cell network ({model.variant_name})",
            "timeUnits": "hour",
            "substanceUnits": "dimensionless",
            "extentUnits": "dimensionless",
            "volumeUnits": "dimensionless",
        },
        [
            xhtml_notes(
                "Thyroid-cell regulatory network of rairlab (Liu et al. 2023, "
                "doi:10.1016/j.drup.2023.100939) with normalized Hill cube semantics "
                "(Wittmann et al. 2009, doi:10.1186/1752-0509-3-98).",
                f"Model variant: {model.variant_name}. Time in hours; activities on 0..1.",
                "Per-patient perturbations are the parameters clamp_*, clampval_*, scale_*, "
                "bias_* and pulse*_*; see docs/network-exports.md.",
                *ext.notes,
                RESEARCH_USE_NOTICE,
            ),
            el("listOfFunctionDefinitions", None, _function_definitions()),
            _unit_definitions(),
            el("listOfCompartments", None, [el("compartment", CELL_COMPARTMENT)]),
            *contents,
        ],
    )
    return el(
        "sbml",
        {"xmlns": SBML_CORE_NS, "xmlns:sbml": SBML_CORE_NS, "level": 3, "version": 2},
        [model_el],
    )


def to_sbml(
    model: CompiledModel,
    cond: Conditions | None = None,
    *,
    patient: int = 0,
    x0: ArrayLike | None = None,
    data: NetworkData | None = None,
    extension: SbmlExtension | None = None,
) -> str:
    """The network as an SBML Level 3 Version 2 core ODE model (text).

    Parameters
    ----------
    model
        The compiled model (its variant is what gets exported).
    cond
        Perturbations whose row `patient` gives the parameters' default values;
        default: :func:`rairlab.network.conditions` with no perturbation (the
        default environment).
    patient
        Row of `cond` to use.
    x0
        Initial activities, shape (N,) (default 0 for every node).
    data
        Network data (for the pulse slots); default: the shipped data.
    extension
        Extra parameters and rules (:class:`SbmlExtension`); none by default.

    Returns
    -------
    str
        The SBML document.

    Raises
    ------
    InvalidValueError
        When a generated id collides with a node id, or `x0` has the wrong shape.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> m = compile_model()
    >>> text = to_sbml(m)
    >>> text.count("<reaction ") == m.n_nodes, text.count("<ci> hill_cube </ci>")
    (True, 0)
    >>> text.count("<ci>hill_cube</ci>") == m.n_edges  # one Hill cube per edge: factored
    True
    """
    data = data or load_network_data()
    layout = parameter_layout(model, data)
    cond = cond if cond is not None else conditions(model, 1, data=data)
    defaults = _parameter_defaults(model, cond, layout, patient)
    init = _initial_activities(model, x0)
    ext = extension or SbmlExtension()
    _check_ids(model, layout, ext)
    params = _parameters(model, layout, defaults, ext)
    rules = _rules(ext, params)
    contents = [
        el("listOfSpecies", None, _species(model, data, init)),
        el("listOfParameters", None, params),
        *([el("listOfRules", None, rules)] if rules else []),
        el("listOfReactions", None, [_reaction(model, layout, i) for i in range(model.n_nodes)]),
    ]
    return render(_document(model, ext, contents))
