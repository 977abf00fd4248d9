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
from rairlab.calibration._petab_model import (
    Lever,
    drug_inputs,
    exposure_id,
    has_id,
    levers,
    model_sbml,
    potfac_id,
    representative_sample,
    sbml_id,
    touched_parameters,
)
from rairlab.calibration._problem import Problem, load_problem, prior_value
from rairlab.calibration._simulate import _run_spec, _spec
from rairlab.calibration._targets import Target
from rairlab.cohort._pipeline import _NETWORK_TSH
from rairlab.errors import InvalidValueError
from rairlab.network import (
    compile_model,
    load_network_data,
    population_conditions,
)
from rairlab.network._compiled import CompiledModel
from rairlab.network._lesion import normal_thyrocyte
from rairlab.network._perturb import genotype_effects
from rairlab.network._population import PopulationSample
from rairlab.network._specs import NetworkData
from rairlab.network.export import parameter_layout, sbml_parameter_table

__all__ = ["PETAB_ENDPOINTS", "PetabProblem", "export_petab", "petab_problem"]

#: Endpoints the reduction observes: baseline visibility and new uptake on drug.
PETAB_ENDPOINTS = ("non_avid", "rai_refractory", "uptake_restored")
#: Haley's constant: 1 / (1 + exp(-1.702 z)) is within 0.0095 of Phi(z) (Bowling et al. 2009).
LOGISTIC_SCALE = 1.702


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
                f"| {observed[sbml_id(r.target)]:.2f} | {self.predicted[r.target]:.2f} |"
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


def _representatives(
    problem: Problem, values: Mapping[str, float], n: int, min_share: float
) -> tuple[list[Representative], float, list[tuple[str, str]]]:
    """Each usable target's ODE patient, the median lesion mass of the simulations, and
    the targets whose most common genotype covers less than `min_share` of the subgroup."""
    con = duckdb.connect()
    tables: dict[str, Any] = {}
    masses: list[np.ndarray] = []
    for name in sorted({t.spec for t in problem.targets if t.endpoint in PETAB_ENDPOINTS}):
        table = _run_spec(_spec(name), n, values, None)
        if table is None:
            raise InvalidValueError("calibration spec", name, "a spec the fitted set can enrol")
        tables[name] = table
        lesions = np.asarray(table.column("n_lesions").to_numpy(), dtype=float)
        mass = np.asarray(table.column("tumour_mass_g").to_numpy(), dtype=float)
        masses.append(mass[lesions > 0] / lesions[lesions > 0])  # mean lesion mass per patient
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
    return reps, float(np.median(np.concatenate(masses))), mixed


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
    if not 0.0 < min_share <= 1.0:
        raise InvalidValueError("min_share", min_share, "a share in (0, 1]")
    problem = problem or load_problem()
    data = load_network_data()
    model = compile_model()
    fitted = parameter_set("fitted").as_dict()
    levers_, other = levers(problem, data)
    nominal = {lv.pid: fitted.get(lv.name, prior_value(lv.name)) for lv in levers_}
    reps, mass, mixed = _representatives(problem, fitted, n, min_share)
    agents = sorted(
        {a for r in reps for a in drug_inputs(r.drugs, r.genotype, 1.0, data)},
    )
    touched = touched_parameters(levers_, agents, data)
    zero = representative_sample(nominal, levers_, zero=True)

    cond_rows, first_cond = _condition_rows(model, data, reps, levers_, agents, touched, zero)
    u_ref = float(normal_thyrocyte(model)["iodide_uptake"][0])
    obs_rows, meas_rows, r50, estimated_r50 = _observation_rows(problem, reps, mass, other)
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
    sbml = model_sbml(model, data, first_cond, levers_, nominal, agents, touched)
    obs = {row["parameterId"]: row["nominalValue"] for row in par_rows}
    predicted = {
        r.target: _predict(model, representative_sample(nominal, levers_), r, obs, data)
        for r in reps
    }
    return PetabProblem(
        sbml, cond_rows, obs_rows, meas_rows, par_rows, tuple(reps), excluded, not_mapped, predicted
    )


def _condition_rows(
    model: CompiledModel,
    data: NetworkData,
    reps: list[Representative],
    levers_: list[Lever],
    agents: list[str],
    touched: Mapping[str, str],
    zero: PopulationSample,
) -> tuple[list[dict[str, Any]], Any]:
    """The condition table (a preequilibration row without drugs before each drug target),
    and the first target's base conditions (the SBML file's defaults).

    Each row sets what differs between targets: the genotype indicators, every agent's
    exposure and resistance factor, the base of every lever-composed parameter, the
    perturbations that vary (TSH state, genotype effects) and the uptake tracker.
    """
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
                entry[has_id(lv.key)] = float(
                    any(e and e.alteration == lv.key for _, e in genotype_effects(r.genotype, data))
                )
        for agent in agents:
            e, f = inputs.get(agent, (0.0, 1.0))
            entry[exposure_id(agent)] = e
            entry[potfac_id(agent)] = f
        for pid in touched:
            entry[f"base_{pid}"] = row.pop(pid)
        entry.update({k: v for k, v in row.items() if not k.startswith(("tau_", "k_", "n_", "m_"))})
        table.append(entry)
    varying = [
        c
        for c in table[0]
        if c.startswith(("has_", "exposure_", "potfac_", "base_"))
        or any(t[c] != table[0][c] for t in table)
    ]
    for r, entry in zip(reps, table, strict=True):
        sim = {c: entry[c] for c in varying}
        if r.drugs:
            pre = {**sim, **{exposure_id(a): 0.0 for a in agents}, "track": 1.0}
            cond_rows.append(
                {"conditionId": f"pre_{sbml_id(r.target)}", "conditionName": "", **pre}
            )
            sim["track"] = 0.0
        else:
            sim["track"] = 1.0
        name = f"{r.target}: {r.genotype or 'wild type'}, {r.tsh}, " + (
            " + ".join(r.drugs) or "no drug"
        )
        cond_rows.append({"conditionId": f"c_{sbml_id(r.target)}", "conditionName": name, **sim})

    return cond_rows, first_cond


def _observation_rows(
    problem: Problem, reps: list[Representative], mass: float, other: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, float], set[str]]:
    """Observables, measurements, the half-visibility uptake of each scan and TSH state, and
    those of them that are estimated (their scan's detection limit is fitted)."""
    obs_rows: list[dict[str, Any]] = []
    meas_rows: list[dict[str, Any]] = []
    r50: dict[str, float] = {}
    fitted_scans = {name.split(".", 1)[1] for name in other if name.startswith("scan.")}
    estimated_r50: set[str] = set()
    targets = {t.id: t for t in problem.targets}
    for r in reps:
        t = targets[r.target]
        key = f"r50_{sbml_id(r.scan)}_{r.tsh}"
        if key not in r50:
            r50[key] = half_visible_uptake(r.scan, r.tsh, mass)
            if any(s.startswith(r.scan + "_mda") for s in fitted_scans):
                estimated_r50.add(key)
        restored = t.endpoint == "uptake_restored"
        oid = f"{'new_uptake' if restored else 'non_avid'}_{sbml_id(r.scan)}_{r.tsh}"
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
                "preequilibrationConditionId": f"pre_{sbml_id(r.target)}" if r.drugs else "",
                "simulationConditionId": f"c_{sbml_id(r.target)}",
                "measurement": p,
                "time": math.inf if r.hours is None else r.hours,
                "noiseParameters": se,
                "datasetId": sbml_id(r.target),
            }
        )

    return obs_rows, meas_rows, r50, estimated_r50


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

    r50 = values[f"r50_{sbml_id(r.scan)}_{r.tsh}"]
    before = _share_visible(uptake(None, None), r50, values)
    if not r.drugs:
        return 1.0 - before
    after = _share_visible(uptake(r.drugs, r.hours), r50, values)
    return (after - before) / (1.0 - before)


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
            v = prior_value(name)
            add(f"lesion_uptake_scale_{field}", name, v, (v, v), True, False)
    for pid, value in sorted(r50.items()):
        est = pid in estimated_r50
        add(pid, "relative uptake at half visibility (derived)", value, (1e-6, 5.0), True, est)
    add("u_ref", "iodide_uptake of a normal thyrocyte", u_ref, (u_ref, u_ref), False, False)
    return rows


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
    return petab_problem(None, n, min_share).write(directory)
