"""PEtab export of the calibration problem: a representative-patient reduction.

rairlab's calibration likelihood is over *populations*: each target is a share of
simulated patients who differ in every population parameter, carry several
lesions and are selected at enrolment. PEtab (Schmiester et al. 2021) describes
an ODE model observed with noise, so the export reduces each target to one ODE
patient and moves the population spread into the observable:

* **Model.** The network's SBML core export (``docs/network-exports.md``) at the
  *typical patient* of the population spec (every parameter at its median, the
  fitted set; clonal fractions 1), plus the fitted network parameters as SBML
  parameters that act through assignment rules exactly as
  :func:`rairlab.network.conditions` composes them (an alteration's strength and
  memory, the epigenetic memory's median ``1 - 0.5**(1/b)`` of Beta(1, b), every
  drug action's ``emax E^h / (E^h + (potency x factor x drug_potency)^h)``, the
  silencing time constant), and a tracker ``u_pre`` that holds the pre-drug
  uptake (it follows ``iodide_uptake`` while ``track = 1``, the preequilibration,
  and freezes while ``track = 0``, on drug).
* **Conditions.** One per target: the most common genotype of the target's
  simulated subgroup (its share is in ``conditions.tsv``), the arm's TSH state and
  drug exposures; a drug target is preequilibrated without drugs and observed
  after the arm's weeks on drug, as the pipeline does.
* **Observables.** A lesion's uptake is the cell's ``iodide_uptake`` relative to a
  normal thyrocyte (``u_ref``) times the lognormal lesion uptake scale (fitted
  median and sigma); a lesion is visible when that reaches ``r50`` of the scan and
  TSH state (the relative uptake at which a lesion of the cohort's median mass
  meets the scan's detection limit, computed from rairlab's biokinetics). So the
  share visible is ``Phi(log(median u / (u_ref r50)) / sigma)``, written with the
  logistic approximation ``1 / (1 + exp(-1.702 z))`` (within 0.0095 of Phi;
  Bowling et al. 2009) because PEtab formulas have no ``erf``. Non-avid:
  ``1 - S(u)``; new uptake in a refractory patient: ``(S(u) - S(u_pre)) / (1 -
  S(u_pre))``.
* **Noise.** The observed share k/n with a normal error of its binomial standard
  error at the add-one estimate ``(k + 1)/(n + 2)`` (a printed share without a
  denominator counts as the problem's ``printed_n`` patients).

Left out, listed in ``README.md`` of the export: targets on dosimetry, response
or progression (the radiobiology layer is not an ODE of the network) and the
radiosensitivity parameter they alone inform. The reduction does not reproduce
rairlab's population likelihood (one genotype per target, one lesion, no
enrolment selection): it lets PEtab tools (AMICI, pyPESTO, Data2Dynamics, COPASI)
fit and analyse the mechanistic core on the same targets. Research use only.

References
----------
Schmiester L et al. (2021) PEtab - Interoperable specification of parameter
estimation problems in systems biology. PLoS Comput Biol 17:e1008646.
doi:10.1371/journal.pcbi.1008646

Bowling SR et al. (2009) A logistic approximation to the cumulative normal
distribution. J Ind Eng Manag 2:114-127. doi:10.3926/jiem.2009.v2n1.p114-127
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from scipy.optimize import brentq

from rairlab import RESEARCH_USE_NOTICE
from rairlab._io import write_text
from rairlab._parameters import parameter_set
from rairlab.calibration._problem import Problem, load_problem
from rairlab.calibration._simulate import _run_spec, _spec
from rairlab.calibration._targets import Target
from rairlab.errors import InvalidValueError
from rairlab.network import (
    compile_model,
    load_network_data,
    load_population_spec,
    median_sample,
    population_conditions,
)
from rairlab.network._compiled import CompiledModel
from rairlab.network._lesion import normal_thyrocyte
from rairlab.network._perturb import _kb, _resolve_agent
from rairlab.network._population import PopulationSample
from rairlab.network._specs import NetworkData
from rairlab.network.export import SbmlExtension, parameter_layout, sbml_parameter_table, to_sbml
from rairlab.network.export._xml import Element, apply, ci
from rairlab.network.export._xml import cn as _cn

__all__ = ["PETAB_ENDPOINTS", "PetabProblem", "export_petab", "petab_problem"]

#: Endpoints the reduction observes: baseline visibility and new uptake on drug.
PETAB_ENDPOINTS = ("non_avid", "rai_refractory", "uptake_restored")
#: Haley's constant: 1 / (1 + exp(-1.702 z)) is within 0.0095 of Phi(z) (Bowling et al. 2009).
LOGISTIC_SCALE = 1.702
_FILES = ("model.xml", "conditions.tsv", "observables.tsv", "measurements.tsv", "parameters.tsv")


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


@dataclass(frozen=True)
class Representative:
    """The ODE patient of one target."""

    target: str
    genotype: str
    share: float  # of the target's simulated subgroup
    n_subgroup: int
    tsh: str  # cohort TSH preparation: withdrawal | rhtsh
    scan: str
    drugs: Mapping[str, float]  # arm drug -> exposure relative to its reference regimen
    hours: float | None  # on drug before the scan; None: steady state


@dataclass(frozen=True)
class PetabProblem:
    """The tables of a PEtab v1 problem (rows as mappings) and its SBML model."""

    sbml: str
    conditions: list[dict[str, Any]]
    observables: list[dict[str, Any]]
    measurements: list[dict[str, Any]]
    parameters: list[dict[str, Any]]
    representatives: tuple[Representative, ...]
    excluded: tuple[tuple[str, str], ...]  # (target id, reason)
    not_mapped: tuple[tuple[str, str], ...]  # (fitted parameter, reason)
    predicted: Mapping[str, float]  # target id -> the observable at the nominal values

    def write(self, directory: str | os.PathLike[str]) -> Path:
        """Write the problem's files into `directory` (each atomically); the YAML's path."""
        out = Path(directory)
        if out.exists() and not out.is_dir():
            raise InvalidValueError("PEtab directory", str(out), "a directory (or a new path)")
        write_text(out / "model.xml", self.sbml)
        for name, rows in (
            ("conditions.tsv", self.conditions),
            ("observables.tsv", self.observables),
            ("measurements.tsv", self.measurements),
            ("parameters.tsv", self.parameters),
        ):
            write_text(out / name, _tsv(rows))
        write_text(out / "README.md", self._readme())
        yaml_text = (
            "format_version: 1\n"
            "parameter_file: parameters.tsv\n"
            "problems:\n"
            "  - sbml_files: [model.xml]\n"
            "    condition_files: [conditions.tsv]\n"
            "    measurement_files: [measurements.tsv]\n"
            "    observable_files: [observables.tsv]\n"
        )
        return write_text(out / "problem.yaml", yaml_text)

    def _readme(self) -> str:
        lines = [
            "# rairlab calibration problem (PEtab v1): representative-patient reduction",
            "",
            RESEARCH_USE_NOTICE,
            "",
            "Written by `rairlab export petab`. What the reduction is and is not: the module",
            "docstring of `rairlab/calibration/_petab.py` and docs/validation.md.",
            "",
            "Each target's ODE patient, its observed share and the reduction's share at the",
            "nominal (fitted) values. Far-apart shares are where one genotype and one lesion",
            "stand in for a mixed population (compare docs/validation.md, the full model).",
            "",
            "| target | genotype (share of its simulated subgroup) | TSH | scan | drugs | hours "
            "| observed | reduction |",
            "|---|---|---|---|---|---|---|---|",
        ]
        observed = {m["datasetId"]: m["measurement"] for m in self.measurements}
        for r in self.representatives:
            drugs = ", ".join(f"{k} x{v:g}" for k, v in r.drugs.items()) or "none"
            hours = "steady state" if r.hours is None else f"{r.hours:g}"
            lines.append(
                f"| {r.target} | {r.genotype or 'wild type'} ({r.share:.0%} of "
                f"{r.n_subgroup}) | {r.tsh} | {r.scan} | {drugs} | {hours} "
                f"| {observed[_sid(r.target)]:.2f} | {self.predicted[r.target]:.2f} |"
            )
        lines += ["", "Targets not in the reduction:", ""]
        lines += [f"- {t}: {why}" for t, why in self.excluded]
        lines += ["", "Fitted parameters not in the reduction:", ""]
        lines += [f"- {p}: {why}" for p, why in self.not_mapped]
        return "\n".join(lines) + "\n"


def _tsv(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, delimiter="\t", lineterminator="\n", restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "inf" if math.isinf(value) else repr(value)
    return str(value)


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


def _effects(genotype: str, data: NetworkData) -> list[Any]:
    """The modelled node effects of `genotype`'s alterations (by id or parent id)."""
    if not genotype:
        return []
    from rairlab.knowledge import parse_genotype

    found = []
    for alt in parse_genotype(genotype, _kb()):
        effect = data.alterations.get(alt.id) or data.alterations.get(alt.parent or "")
        if effect is not None:
            found.append(effect)
    return found


def drug_inputs(
    drugs: Mapping[str, float], genotype: str, exposure_scale: float, data: NetworkData
) -> dict[str, tuple[float, float]]:
    """Per agent id: (exposure after exposure actions, resistance potency factor).

    As :func:`rairlab.network.conditions` computes them for one patient: the arm's
    exposure times the patient's exposure multiplier, times the ``exposure`` factor
    of every other agent given; the product of the genotype's resistance factors.
    """
    resolved = [(*_resolve_agent(name, data), e * exposure_scale) for name, e in drugs.items()]
    exposure = {rec.id: e for rec, _, e in resolved}
    for _, actions, e in resolved:
        for act in actions.actions:
            if act.mode == "exposure" and e > 0:
                for target in act.applies_to:
                    if target in exposure:
                        exposure[target] *= act.factor
    factor = dict.fromkeys(exposure, 1.0)
    for effect in _effects(genotype, data):
        for agent, f in effect.resistance.items():
            if agent in factor:
                factor[agent] *= f
    return {a: (exposure[a], factor[a]) for a in exposure}


def _representatives(
    problem: Problem, values: Mapping[str, float], n: int, min_share: float
) -> tuple[list[Representative], float, list[tuple[str, str]]]:
    """Each usable target's ODE patient, the median lesion mass of the simulations, and
    the targets whose most common genotype covers less than `min_share` of the subgroup."""
    con = duckdb.connect()
    tables: dict[str, Any] = {}
    masses: list[float] = []
    for name in sorted({t.spec for t in problem.targets if t.endpoint in PETAB_ENDPOINTS}):
        table = _run_spec(_spec(name), n, values, None)
        if table is None:
            raise InvalidValueError("calibration spec", name, "a spec the fitted set can enrol")
        tables[name] = table
        con.register("patients", table)
        masses.extend(
            float(m)
            for (m,) in con.execute(
                "SELECT tumour_mass_g / n_lesions FROM patients WHERE n_lesions > 0"
            ).fetchall()
        )
        con.unregister("patients")
    reps: list[Representative] = []
    mixed: list[tuple[str, str]] = []
    for t in problem.targets:
        if t.endpoint not in PETAB_ENDPOINTS:
            continue
        spec = _spec(t.spec)
        con.register("patients", tables[t.spec])
        where = f" AND ({t.where})" if t.where else ""
        rows = con.execute(
            f"SELECT genotype, count(*) AS k FROM patients WHERE arm = ?{where} "
            "GROUP BY genotype ORDER BY k DESC, genotype",
            [t.arm],
        ).fetchall()
        con.unregister("patients")
        if not rows:
            raise InvalidValueError(f"{t.id} subgroup", t.where, "a subgroup with patients")
        total = sum(int(k) for _, k in rows)
        share = int(rows[0][1]) / total
        if share < min_share:
            mixed.append(
                (
                    t.id,
                    f"a genotype mixture: the most common genotype ({rows[0][0] or 'wild type'}) "
                    f"is {share:.0%} of the simulated subgroup, below {min_share:.0%}",
                )
            )
            continue
        arm = next(a for a in spec.arms if a.name == t.arm)
        baseline = t.endpoint == "rai_refractory"
        drugs = {} if baseline else {d.name: _arm_exposure(d) for d in arm.drugs}
        hours = None
        if drugs and spec.simulation.network == "time_course":
            hours = float(arm.drug_weeks) * 7 * 24
        reps.append(
            Representative(
                target=t.id,
                genotype=str(rows[0][0]),
                share=share,
                n_subgroup=total,
                tsh="withdrawal" if baseline else arm.tsh,
                scan=spec.population.baseline_scan if baseline else arm.scan,
                drugs=drugs,
                hours=hours,
            )
        )
    con.close()
    return reps, float(np.median(masses)), mixed


def _arm_exposure(drug: Any) -> float:
    from rairlab.cohort import load_cohort_data
    from rairlab.cohort._pipeline import exposure

    return exposure(drug, load_cohort_data())


def half_visible_uptake(scan: str, tsh: str, mass_g: float) -> float:
    """Relative uptake r at which one lesion of `mass_g` meets `scan`'s detection limit.

    The lesion's %IA/g at the scan's imaging time from rairlab's iodide biokinetics
    (one lesion, typical renal clearance) against the scan's size-dependent limit
    (fitted parameter set); 5 (the model's ceiling) when even that is not visible.
    """
    from rairlab.biokinetics import iodide_model
    from rairlab.observation import detection_limit_pct_ia_per_g, scan_protocol

    t_scan = scan_protocol(scan).imaging_time_h
    limit = float(detection_limit_pct_ia_per_g(np.array([mass_g]), scan)[0])

    def gap(log_r: float) -> float:
        model = iodide_model(np.array([math.exp(log_r)]), np.array([mass_g]), tsh_state=tsh)
        frac = model.fractions(np.array([t_scan]))
        pct = 100.0 * float(frac[0, 0, 1] + frac[0, 0, 2]) / mass_g
        return math.log(pct) - math.log(limit)

    lo, hi = math.log(1e-6), math.log(5.0)
    if gap(hi) < 0:
        return 5.0
    if gap(lo) > 0:
        return 1e-6
    return math.exp(brentq(gap, lo, hi, xtol=1e-10))


def _sid(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def _has(alteration: str) -> str:
    return f"has_{_sid(alteration)}"


def _exposure_id(agent: str) -> str:
    return f"exposure_{_sid(agent)}"


def _potfac_id(agent: str) -> str:
    return f"potfac_{_sid(agent)}"


def _one_minus(a: Element) -> Element:
    return apply("minus", cn(1), a)


def _times(*terms: Element) -> Element:
    return terms[0] if len(terms) == 1 else apply("times", *terms)


def _drug_effect(act: Any, agent: str, lever: str | None) -> Element:
    """emax E^h / (E^h + (potency x potfac x lever)^h) in MathML."""
    e = apply("power", ci(_exposure_id(agent)), cn(float(act.hill)))
    pot = _times(cn(float(act.potency)), ci(_potfac_id(agent)), *([ci(lever)] if lever else []))
    half = apply("power", pot, cn(float(act.hill)))
    return apply("divide", apply("times", cn(float(act.emax)), e), apply("plus", e, half))


def _sbml(
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
            factors[target[0]].append(_one_minus(apply("times", ci(_has(lv.key)), ci(lv.pid))))
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
            params.setdefault(_has(lv.key), (0.0, "dimensionless"))
    for agent in agents:
        params[_exposure_id(agent)] = (0.0, "dimensionless")
        params[_potfac_id(agent)] = (1.0, "dimensionless")
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


def _touched(levers_: list[Lever], agents: list[str], data: NetworkData) -> dict[str, str]:
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


_NETWORK_TSH = {"withdrawal": "withdrawal", "rhtsh": "rhTSH", "suppressed": "suppressed"}


def _observed(problem: Problem, target: Target) -> tuple[float, float]:
    k, n = problem.observed(target)
    p_add1 = (k + 1.0) / (n + 2.0)
    return k / n, math.sqrt(p_add1 * (1.0 - p_add1) / n)


def petab_problem(
    problem: Problem | None = None, n: int = 512, min_share: float = 0.5
) -> PetabProblem:
    """The PEtab reduction of the calibration `problem` at the shipped fitted set.

    Parameters
    ----------
    problem
        The calibration problem (default: the shipped ``problem.yaml``).
    n
        Patients per arm of the simulations that pick each target's representative
        genotype and the cohort's median lesion mass.
    min_share
        A target enters only when its most common genotype is at least this share of
        its simulated subgroup (one ODE patient cannot stand for a genotype mixture).

    Raises
    ------
    InvalidValueError
        When a fitted parameter cannot act in the reduction, or a subgroup is empty.
    """
    problem = problem or load_problem()
    data = load_network_data()
    model = compile_model()
    fitted = parameter_set("fitted").as_dict()
    levers_, other = levers(problem, data)
    nominal = {lv.pid: fitted.get(lv.name, _prior(lv.name)) for lv in levers_}
    if not 0.0 < min_share <= 1.0:
        raise InvalidValueError("min_share", min_share, "a share in (0, 1]")
    reps, mass, mixed = _representatives(problem, fitted, n, min_share)
    agents = sorted(
        {a for r in reps for a in drug_inputs(r.drugs, r.genotype, 1.0, data)},
    )
    touched = _touched(levers_, agents, data)
    zero = representative_sample(nominal, levers_, zero=True)
    exposure_scale = float(
        next(zero[p.name][0] for p in zero.spec.parameters if p.target == "exposure")
    )

    cond_rows: list[dict[str, Any]] = []
    table: list[dict[str, float]] = []
    first_cond = None
    for r in reps:
        cond, _ = population_conditions(
            model, zero, genotype=r.genotype or None, tsh=_NETWORK_TSH[r.tsh], data=data
        )
        first_cond = first_cond if first_cond is not None else cond
        ids, values = sbml_parameter_table(model, cond, parameter_layout(model, data))
        row = dict(zip(ids, values[0].tolist(), strict=True))
        inputs = drug_inputs(r.drugs, r.genotype, exposure_scale, data)
        entry: dict[str, float] = {}
        for lv in levers_:
            if lv.kind in ("strength", "memory"):
                entry[_has(lv.key)] = float(
                    any(e.alteration == lv.key for e in _effects(r.genotype, data))
                )
        for agent in agents:
            e, f = inputs.get(agent, (0.0, 1.0))
            entry[_exposure_id(agent)] = e
            entry[_potfac_id(agent)] = f
        for pid in touched:
            entry[f"base_{pid}"] = row.pop(pid)
        entry.update({k: v for k, v in row.items() if not k.startswith(("tau_", "k_", "n_", "m_"))})
        table.append(entry)
    assert first_cond is not None
    varying = [
        c
        for c in table[0]
        if c.startswith(("has_", "exposure_", "potfac_", "base_"))
        or any(t[c] != table[0][c] for t in table)
    ]
    for r, entry in zip(reps, table, strict=True):
        sim = {c: entry[c] for c in varying}
        if r.drugs:
            pre = {**sim, **{_exposure_id(a): 0.0 for a in agents}, "track": 1.0}
            cond_rows.append({"conditionId": f"pre_{_sid(r.target)}", "conditionName": "", **pre})
            sim["track"] = 0.0
        else:
            sim["track"] = 1.0
        name = f"{r.target}: {r.genotype or 'wild type'}, {r.tsh}, " + (
            " + ".join(r.drugs) or "no drug"
        )
        cond_rows.append({"conditionId": f"c_{_sid(r.target)}", "conditionName": name, **sim})

    u_ref = float(normal_thyrocyte(model)["iodide_uptake"][0])
    obs_rows: list[dict[str, Any]] = []
    meas_rows: list[dict[str, Any]] = []
    r50: dict[str, float] = {}
    fitted_scans = {name.split(".", 1)[1] for name in other if name.startswith("scan.")}
    estimated_r50: set[str] = set()
    targets = {t.id: t for t in problem.targets}
    for r in reps:
        t = targets[r.target]
        key = f"r50_{_sid(r.scan)}_{r.tsh}"
        if key not in r50:
            r50[key] = half_visible_uptake(r.scan, r.tsh, mass)
            if any(s.startswith(r.scan + "_mda") for s in fitted_scans):
                estimated_r50.add(key)
        restored = t.endpoint == "uptake_restored"
        oid = f"{'new_uptake' if restored else 'non_avid'}_{_sid(r.scan)}_{r.tsh}"
        if oid not in {o["observableId"] for o in obs_rows}:
            obs_rows.append(
                {
                    "observableId": oid,
                    "observableName": (
                        "share with new uptake among refractory patients"
                        if restored
                        else "share with no visible lesion"
                    )
                    + f" ({r.scan}, {r.tsh})",
                    "observableFormula": _formula(key, restored),
                    "observableTransformation": "lin",
                    "noiseFormula": f"noiseParameter1_{oid}",
                    "noiseDistribution": "normal",
                }
            )
        p, se = _observed(problem, t)
        meas_rows.append(
            {
                "observableId": oid,
                "preequilibrationConditionId": f"pre_{_sid(r.target)}" if r.drugs else "",
                "simulationConditionId": f"c_{_sid(r.target)}",
                "measurement": p,
                "time": math.inf if r.hours is None else r.hours,
                "noiseParameters": se,
                "datasetId": _sid(r.target),
            }
        )

    par_rows = _parameter_rows(problem, levers_, nominal, fitted, r50, estimated_r50, u_ref)
    excluded = tuple(
        sorted(
            [
                *mixed,
                *(
                    (t.id, f"endpoint {t.endpoint}: the dose-response layer is not an ODE")
                    for t in problem.targets
                    if t.endpoint not in PETAB_ENDPOINTS
                ),
            ]
        )
    )
    not_mapped = tuple(
        (name, "informs only dose-response targets")
        for name in other
        if name.startswith("patient.") and "lesion_uptake_scale" not in name
    )
    sbml = _sbml(model, data, first_cond, levers_, nominal, agents, touched)
    obs = {"lesion_uptake_scale_median": 0.0, "lesion_uptake_scale_sigma": 0.0, **r50}
    obs.update({row["parameterId"]: row["nominalValue"] for row in par_rows})
    predicted = {
        r.target: _predict(model, representative_sample(nominal, levers_), r, obs, data)
        for r in reps
    }
    return PetabProblem(
        sbml, cond_rows, obs_rows, meas_rows, par_rows, tuple(reps), excluded, not_mapped, predicted
    )


def _share_visible(u: float, r50: float, values: Mapping[str, float]) -> float:
    """The observables' visible share (logistic link) at cell uptake `u`."""
    ratio = values["lesion_uptake_scale_median"] * (u + 1e-12) / (values["u_ref"] * r50)
    z = math.log(ratio) / values["lesion_uptake_scale_sigma"]
    return 1.0 / (1.0 + math.exp(-LOGISTIC_SCALE * z))


def _predict(
    model: CompiledModel,
    sample: PopulationSample,
    r: Representative,
    values: Mapping[str, float],
    data: NetworkData,
) -> float:
    """The target's observable for ODE patient `sample`, solved by rairlab."""
    from rairlab.network import population_steady_state

    def uptake(drugs: Mapping[str, float] | None, hours: float | None) -> float:
        st = population_steady_state(
            model,
            sample,
            genotype=r.genotype or None,
            drugs=drugs,
            tsh=_NETWORK_TSH[r.tsh],
            hours=hours,
            data=data,
        )
        return float(st["iodide_uptake"][0])

    r50 = values[f"r50_{_sid(r.scan)}_{r.tsh}"]
    before = _share_visible(uptake(None, None), r50, values)
    if not r.drugs:
        return 1.0 - before
    after = _share_visible(uptake(r.drugs, r.hours), r50, values)
    return (after - before) / (1.0 - before)


def _prior(name: str) -> float:
    from rairlab.calibration._problem import prior_value

    return prior_value(name)


def _formula(r50: str, restored: bool) -> str:
    def share(u: str) -> str:
        z = (
            f"log(lesion_uptake_scale_median * ({u} + 1e-12) / (u_ref * {r50})) "
            "/ lesion_uptake_scale_sigma"
        )
        return f"(1 / (1 + exp(-{LOGISTIC_SCALE} * {z})))"

    if restored:
        return f"({share('iodide_uptake')} - {share('u_pre')}) / (1 - {share('u_pre')})"
    return f"1 - {share('iodide_uptake')}"


def _parameter_rows(
    problem: Problem,
    levers_: list[Lever],
    nominal: Mapping[str, float],
    fitted: Mapping[str, float],
    r50: Mapping[str, float],
    estimated_r50: set[str],
    u_ref: float,
) -> list[dict[str, Any]]:
    by_name = {p.name: p for p in problem.parameters}
    rows: list[dict[str, Any]] = []

    def add(pid: str, name: str, value: float, bounds: tuple[float, float], log: bool, est: bool):
        rows.append(
            {
                "parameterId": pid,
                "parameterName": name,
                "parameterScale": "log10" if log else "lin",
                "lowerBound": float(bounds[0]),
                "upperBound": float(bounds[1]),
                "nominalValue": float(value),
                "estimate": int(est),
            }
        )

    for lv in levers_:
        fp = by_name[lv.name]
        add(lv.pid, lv.name, nominal[lv.pid], fp.bounds, fp.scale == "log", True)
    for field in ("median", "sigma"):
        name = f"patient.lesion_uptake_scale.{field}"
        if name in by_name:
            fp = by_name[name]
            add(f"lesion_uptake_scale_{field}", name, fitted[name], fp.bounds, True, True)
        else:
            v = _prior(name)
            add(f"lesion_uptake_scale_{field}", name, v, (v, v), True, False)
    for pid, value in sorted(r50.items()):
        est = pid in estimated_r50
        add(pid, "relative uptake at half visibility (derived)", value, (1e-6, 5.0), True, est)
    add("u_ref", "iodide_uptake of a normal thyrocyte", u_ref, (u_ref, u_ref), False, False)
    return rows


@functools.lru_cache(maxsize=1)
def _cached(n: int, min_share: float) -> PetabProblem:
    return petab_problem(None, n, min_share)


def export_petab(directory: str | os.PathLike[str], n: int = 512, min_share: float = 0.5) -> Path:
    """Write the PEtab reduction of the shipped calibration problem; the YAML's path.

    `n` and `min_share` as in :func:`petab_problem`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     export_petab(folder).name
    'problem.yaml'
    """
    return _cached(n, min_share).write(directory)
