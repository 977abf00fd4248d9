"""The observed side of the PEtab export: each target's ODE patient, the visibility
observables and the measurements (see :mod:`rairlab.calibration._petab`).

A lesion is visible when the cell's ``iodide_uptake`` relative to a normal thyrocyte,
times the lognormal lesion uptake scale, reaches ``r50`` of the scan and TSH state, so
the share visible is ``Phi(log(median u / (u_ref r50)) / sigma)``, written with the
logistic approximation ``1 / (1 + exp(-1.702 z))`` because PEtab formulas have no erf.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
from scipy.optimize import brentq

from rairlab.biokinetics import iodide_model
from rairlab.calibration._petab_model import sbml_id
from rairlab.calibration._problem import Problem
from rairlab.calibration._simulate import _run_spec, _spec
from rairlab.calibration._targets import Target
from rairlab.cohort import load_cohort_data
from rairlab.cohort._pipeline import _NETWORK_TSH, exposure
from rairlab.errors import InvalidValueError
from rairlab.network import population_steady_state
from rairlab.network._compiled import CompiledModel
from rairlab.network._population import PopulationSample
from rairlab.network._specs import NetworkData
from rairlab.observation import detection_limit_pct_ia_per_g, scan_protocol

__all__ = [
    "LOGISTIC_SCALE",
    "PETAB_ENDPOINTS",
    "Representative",
    "half_visible_uptake",
    "observation_rows",
    "predict",
    "representatives",
]


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


def representatives(
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
    return exposure(drug, load_cohort_data())


def half_visible_uptake(scan: str, tsh: str, mass_g: float) -> float:
    """Relative uptake r at which one lesion of `mass_g` meets `scan`'s detection limit.

    The lesion's %IA/g at the scan's imaging time from rairlab's iodide biokinetics
    (one lesion, typical renal clearance) against the scan's size-dependent limit
    (fitted parameter set); 5 (the model's ceiling) when even that is not visible.
    """
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


def observation_rows(
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


def predict(
    model: CompiledModel,
    sample: PopulationSample,
    r: Representative,
    values: Mapping[str, float],
    data: NetworkData,
) -> float:
    """The target's observable for ODE patient `sample`, solved by rairlab."""

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
