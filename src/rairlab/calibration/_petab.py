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
from rairlab.calibration._petab_targets import (
    PETAB_ENDPOINTS,
    Representative,
    observation_rows,
    predict,
    representatives,
)
from rairlab.calibration._problem import Problem, load_problem, prior_value
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
    reps, mass, mixed = representatives(problem, fitted, n, min_share)
    agents = sorted(
        {a for r in reps for a in drug_inputs(r.drugs, r.genotype, 1.0, data)},
    )
    touched = touched_parameters(levers_, agents, data)
    zero = representative_sample(nominal, levers_, zero=True)

    cond_rows, first_cond = _condition_rows(model, data, reps, levers_, agents, touched, zero)
    u_ref = float(normal_thyrocyte(model)["iodide_uptake"][0])
    obs_rows, meas_rows, r50, estimated_r50 = observation_rows(problem, reps, mass, other)
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
        r.target: predict(model, representative_sample(nominal, levers_), r, obs, data)
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
