"""The model side of the PEtab export: the fitted network parameters as levers on the
typical patient, and the SBML that composes them (see :mod:`rairlab.calibration._petab`).

A lever is one fitted population parameter that acts on one SBML parameter the way
:func:`rairlab.network.conditions` composes it: an alteration's strength or memory
(``1 - (1 - base)(1 - has x value)``), the epigenetic memory's median level
``1 - 0.5**(1/b)``, every drug action's effect with the potency multiplier, or a time
constant's multiplier. The libRoadRunner parity tests (tests/calibration/test_petab.py)
hold the two compositions equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rairlab.calibration._problem import Problem
from rairlab.errors import InvalidValueError
from rairlab.network import load_network_data, load_population_spec, median_sample
from rairlab.network._compiled import CompiledModel
from rairlab.network._perturb import _resolve_agent, boosted_exposures, genotype_effects
from rairlab.network._population import PopulationSample
from rairlab.network._specs import NetworkData
from rairlab.network.export import SbmlExtension, parameter_layout, sbml_parameter_table, to_sbml
from rairlab.network.export._xml import Element, apply, ci
from rairlab.network.export._xml import cn as _cn

__all__ = [
    "Lever",
    "drug_inputs",
    "exposure_id",
    "has_id",
    "levers",
    "model_sbml",
    "potfac_id",
    "representative_sample",
    "sbml_id",
    "touched_parameters",
]


def cn(value: float | int) -> Element:
    return _cn(value, "dimensionless")


@dataclass(frozen=True)
class Lever:
    """One fitted network parameter of the reduction.

    ``kind``: ``strength`` or ``memory`` (of alteration ``key``), ``epigenetic``
    (environment key ``key``, Beta(1, b) level), ``potency`` (every drug) or
    ``tau`` (time constant of node ``key``).
    """

    pid: str
    name: str  # parameter-set name, e.g. population.braf_strength.median
    record: str  # population spec record
    kind: str
    key: str


def levers(problem: Problem, data: NetworkData | None = None) -> tuple[list[Lever], list[str]]:
    """The problem's network parameters as levers, and the problem names that are not."""
    data = data or load_network_data()
    spec = load_population_spec(parameters="prior")
    records = {p.name: p for p in spec.parameters}
    out: list[Lever] = []
    rest: list[str] = []
    for fp in problem.parameters:
        domain, _, tail = fp.name.partition(".")
        rec_name, _, field = tail.rpartition(".")
        if domain != "population":
            rest.append(fp.name)
            continue
        rec = records[rec_name]
        pid = rec_name if field == "median" else f"{rec_name}_{field}"
        if rec.target in ("strength", "memory") and field == "median":
            alt = data.alterations.get(rec.key)
            if alt is None:
                raise InvalidValueError(fp.name, rec.key, "an alteration with a node effect")
            out.append(Lever(pid, fp.name, rec_name, rec.target, rec.key))
        elif rec.target == "env" and rec.family == "beta" and field == "b":
            if rec.params.get("a") != 1.0 or data.environment[rec.key].mode != "bias":
                raise InvalidValueError(fp.name, rec.key, "a Beta(1, b) bias environment level")
            out.append(Lever(pid, fp.name, rec_name, "epigenetic", rec.key))
        elif rec.target == "potency" and field == "median":
            out.append(Lever(pid, fp.name, rec_name, "potency", "*"))
        elif rec.target == "tau_scale" and field == "median" and rec.key != "*":
            out.append(Lever(pid, fp.name, rec_name, "tau", rec.key))
        else:
            raise InvalidValueError(
                fp.name,
                f"{rec.target} {rec.family}.{field}",
                "a strength/memory/potency/tau_scale median or a Beta(1, b) environment b",
            )
    return out, rest


def representative_sample(
    values: Mapping[str, float], levers_: list[Lever], zero: bool = False
) -> PopulationSample:
    """The typical patient of the fitted population spec with `values` of the levers.

    Clonal fractions are 1. With `zero`, every lever is at its neutral value (strength,
    memory and epigenetic level 0, potency and time-constant multipliers 1): the
    base the SBML assignment rules compose the levers onto.
    """
    spec = load_population_spec()
    sample = median_sample(spec, 1)
    out = {k: np.array(v, dtype=float) for k, v in sample.values.items()}
    for p in spec.parameters:
        if p.target == "clonal":
            out[p.name] = np.ones(1)
    for lv in levers_:
        if lv.kind == "epigenetic":
            b = float(values[lv.pid])
            level = 0.0 if zero else 1.0 - 0.5 ** (1.0 / b)
            out[lv.record] = np.array([level])
        elif zero:
            out[lv.record] = np.array([0.0 if lv.kind in ("strength", "memory") else 1.0])
        else:
            out[lv.record] = np.array([float(values[lv.pid])])
    return PopulationSample(spec, out, None)


def drug_inputs(
    drugs: Mapping[str, float], genotype: str, exposure_scale: float, data: NetworkData
) -> dict[str, tuple[float, float]]:
    """Per agent id: (exposure after exposure actions, resistance potency factor).

    As :func:`rairlab.network.conditions` computes them for one patient: the arm's
    exposure times the patient's exposure multiplier, times the ``exposure`` factor
    of every other agent given; the product of the genotype's resistance factors.
    """
    resolved = [
        (*_resolve_agent(name, data), np.array(e * exposure_scale)) for name, e in drugs.items()
    ]
    exposure = {a: float(e) for a, e in boosted_exposures(resolved).items()}
    factor = dict.fromkeys(exposure, 1.0)
    for _, effect in genotype_effects(genotype, data):
        for agent, f in (effect.resistance if effect else {}).items():
            if agent in factor:
                factor[agent] *= f
    return {a: (exposure[a], factor[a]) for a in exposure}


def sbml_id(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def has_id(alteration: str) -> str:
    return f"has_{sbml_id(alteration)}"


def exposure_id(agent: str) -> str:
    return f"exposure_{sbml_id(agent)}"


def potfac_id(agent: str) -> str:
    return f"potfac_{sbml_id(agent)}"


def _one_minus(a: Element) -> Element:
    return apply("minus", cn(1), a)


def _times(*terms: Element) -> Element:
    return terms[0] if len(terms) == 1 else apply("times", *terms)


def _drug_effect(act: Any, agent: str, lever: str | None) -> Element:
    """emax E^h / (E^h + (potency x potfac x lever)^h) in MathML."""
    e = apply("power", ci(exposure_id(agent)), cn(float(act.hill)))
    pot = _times(cn(float(act.potency)), ci(potfac_id(agent)), *([ci(lever)] if lever else []))
    half = apply("power", pot, cn(float(act.hill)))
    return apply("divide", apply("times", cn(float(act.emax)), e), apply("plus", e, half))


def model_sbml(
    model: CompiledModel,
    data: NetworkData,
    base_cond: Any,
    levers_: list[Lever],
    nominal: Mapping[str, float],
    agents: list[str],
    touched: dict[str, str],
) -> str:
    """The model: the network at the typical patient plus the levers' assignment rules."""
    factors: dict[str, list[Element]] = {pid: [] for pid in touched}
    potency = next((lv.pid for lv in levers_ if lv.kind == "potency"), None)
    for lv in levers_:
        target = _lever_target(lv, data)
        if lv.kind in ("strength", "memory") and target is not None:
            factors[target[0]].append(_one_minus(apply("times", ci(has_id(lv.key)), ci(lv.pid))))
        elif lv.kind == "epigenetic" and target is not None:
            level = apply("power", cn(0.5), apply("divide", cn(1), ci(lv.pid)))
            factors[target[0]].append(level)  # 1 - median of Beta(1, b)
    for agent in agents:
        for act in _agent_actions(agent, data):
            pid = f"scale_{act.node}" if act.mode == "inhibit" else f"bias_{act.node}"
            factors[pid].append(_one_minus(_drug_effect(act, agent, potency)))
    assignments: dict[str, Element] = {}
    for pid, kind in touched.items():
        base = ci(f"base_{pid}")
        if kind == "bias":
            body = _one_minus(_times(_one_minus(base), *factors[pid]))
        elif kind == "scale":
            body = _times(base, *factors[pid])
        else:  # tau
            lever = next(lv.pid for lv in levers_ if _lever_target(lv, data) == (pid, "tau"))
            body = apply("times", base, ci(lever))
        assignments[pid] = body
    ids, values = sbml_parameter_table(model, base_cond, parameter_layout(model, data))
    base_row = dict(zip(ids, values[0].tolist(), strict=True))
    params: dict[str, tuple[float, str]] = {}
    for lv in levers_:
        params[lv.pid] = (float(nominal[lv.pid]), "dimensionless")
    for lv in levers_:
        if lv.kind in ("strength", "memory"):
            params.setdefault(has_id(lv.key), (0.0, "dimensionless"))
    for agent in agents:
        params[exposure_id(agent)] = (0.0, "dimensionless")
        params[potfac_id(agent)] = (1.0, "dimensionless")
    for pid, kind in touched.items():
        params[f"base_{pid}"] = (base_row[pid], "hour" if kind == "tau" else "dimensionless")
    params["track"] = (1.0, "dimensionless")
    params["tau_track"] = (1.0, "hour")
    rate = apply(
        "divide",
        apply("times", ci("track"), apply("minus", ci("iodide_uptake"), ci("u_pre"))),
        ci("tau_track"),
    )
    ext = SbmlExtension(
        parameters=params,
        assignments=assignments,
        rates={"u_pre": (0.0, "dimensionless", rate)},
        notes=(
            "PEtab reduction of the rairlab calibration problem (rairlab export petab): the "
            "typical patient of the fitted population spec; fitted network parameters act "
            "through assignment rules; u_pre holds the uptake before drugs (track = 1 in "
            "preequilibration, 0 on drug).",
        ),
    )
    return to_sbml(model, base_cond, data=data, extension=ext)


def _agent_actions(agent: str, data: NetworkData) -> list[Any]:
    acts = next(a for a in data.agents if a.agent == agent).actions
    pulses = [a for a in acts if a.mode == "pulse"]
    if pulses:
        raise InvalidValueError("drug", agent, "agents without pulse actions in the PEtab export")
    return [a for a in acts if a.mode in ("inhibit", "activate")]


def _lever_target(lv: Lever, data: NetworkData) -> tuple[str, str] | None:
    """The SBML parameter a lever acts on and how (bias | scale | tau); None for potency."""
    if lv.kind in ("strength", "memory"):
        alt = data.alterations[lv.key]
        if lv.kind == "strength" and alt.effect == "loss":
            return f"scale_{alt.node}", "scale"
        return f"bias_{alt.node if lv.kind == 'strength' else data.memory_node}", "bias"
    if lv.kind == "epigenetic":
        return f"bias_{data.environment[lv.key].node}", "bias"
    if lv.kind == "tau":
        return f"tau_{lv.key}", "tau"
    return None


def touched_parameters(
    levers_: list[Lever], agents: list[str], data: NetworkData
) -> dict[str, str]:
    """SBML parameter id -> bias | scale | tau, for every parameter a lever acts on."""
    out: dict[str, str] = {}
    for lv in levers_:
        target = _lever_target(lv, data)
        if target is not None:
            out[target[0]] = target[1]
    for agent in agents:
        for act in _agent_actions(agent, data):
            kind = "scale" if act.mode == "inhibit" else "bias"
            out[f"{kind}_{act.node}"] = kind
    return out
