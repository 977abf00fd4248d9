"""One tumour case over a virtual population: network, uptake, scan, dose and their spread.

A :class:`TumourCase` names one tumour profile (genotype, drugs and how long,
TSH preparation, micro-environment, diagnostic scan, lesions by mass or
volume). :func:`evaluate_case` draws `n` virtual patients of the
distant-metastatic population with that genotype, gives each of them the case's
lesions (each with its own lesion-to-lesion uptake factor, so intra-patient
heterogeneity stays), and runs them through the trial pipeline's steps
(:mod:`rairlab.cohort._pipeline`) before the drugs (same TSH, no drugs) and on
them: the network state, iodide uptake relative to a normal thyrocyte, %IA/g at
the scan's imaging time and visibility, I-131 Gy/GBq, the activity for the cited
NCT02152995 target dose and whether it meets that trial's criterion, blood dose
and its limit. Each quantity is a distribution over patients (median and
5th–95th percentiles) beside the typical patient's value (every population
parameter at its median). The :class:`CaseResult` also carries evidence cards
from the knowledge base for each alteration and drug. Research use only: the
numbers are model results for a population of virtual patients, not a
prediction or a treatment decision for a person.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab import RESEARCH_USE_NOTICE, __version__
from rairlab._distributions import median
from rairlab._parameters import fitted_document, parameter_set
from rairlab.cohort import _pipeline as pl
from rairlab.cohort._case_evidence import EvidenceCard, evidence_cards
from rairlab.cohort._case_spec import (
    MAX_LESION_MASS_G,
    CaseLesion,
    TumourCase,
    load_case,
    parse_case,
)
from rairlab.cohort._data import LESION_SITES, CohortData
from rairlab.cohort._patients import BLOCK, Patients, block_seed, driver_class, sample_block
from rairlab.cohort._run import check_exposures
from rairlab.cohort._spec import Population
from rairlab.dosimetry import max_activity_blood_mbq, trial_criteria
from rairlab.network import LesionState, median_sample

__all__ = [
    "MAX_LESION_MASS_G",
    "CaseLesion",
    "CaseResult",
    "EvidenceCard",
    "Interval",
    "LesionOutcome",
    "LesionResult",
    "TumourCase",
    "evaluate_case",
    "evidence_cards",
    "load_case",
    "parameter_set_label",
    "parse_case",
]

Array = NDArray[np.float64]
#: The states a case is evaluated in: no drugs (same TSH), and on the drugs.
STATES = ("before", "on")
_SETTING = "distant_metastatic"
#: Lesion-to-lesion uptake factors come from their own stream, after the patients' (0).
_LESION_STREAM = 1


def parameter_set_label() -> str:
    """Which parameter set the defaults come from: the fitted set's version, or the prior."""
    doc = fitted_document()
    return f"fitted {doc['version']} (docs/validation.md)" if doc else "prior (uncalibrated)"


# ----------------------------------------------------------------------------- results


def _number(x: float, note: str, key: str, out: dict[str, Any]) -> None:
    """``out[key]`` = `x`, or None with ``out[key + "_note"]`` when `x` is not finite."""
    if math.isfinite(x):
        out[key] = float(x)
    else:
        out[key] = None
        out[f"{key}_note"] = note


@dataclass(frozen=True)
class Interval:
    """A quantity over the virtual patients: median and 5th–95th percentiles, and the
    typical patient's value (NaN when not given). ``inf`` means unreachable."""

    median: float
    p5: float
    p95: float
    typical: float = math.nan

    @classmethod
    def of(cls, values: Array, typical: float = math.nan) -> Interval:
        """The interval of `values` (finite or +inf); a quantile in the inf tail is inf.

        Examples
        --------
        >>> Interval.of(np.array([1.0, 2.0, 3.0, np.inf]), 2.0).p95
        inf
        """
        with np.errstate(invalid="ignore"):
            p5, p50, p95 = np.percentile(np.asarray(values, dtype=float), [5, 50, 95])
        p5, p50, p95 = (math.inf if math.isnan(q) else float(q) for q in (p5, p50, p95))
        return cls(p50, p5, p95, float(typical))

    def to_dict(self, note: str = "not finite") -> dict[str, Any]:
        """``{median, p5, p95, typical}``; a non-finite value is None with a ``*_note``."""
        out: dict[str, Any] = {}
        for key in ("median", "p5", "p95", "typical"):
            value = getattr(self, key)
            if key == "typical" and math.isnan(value):
                continue
            _number(value, note, key, out)
        return out


@dataclass(frozen=True)
class LesionOutcome:
    """One lesion in one state (before or on the drugs), over the patients."""

    pct_ia_per_g: Interval  # at the scan's imaging time
    p_visible: float
    typical_visible: bool
    gy_per_gbq: Interval  # I-131
    activity_for_target_mbq: Interval  # inf: no activity reaches the target
    p_meets_criterion: float  # visible and the activity within the cited maximum
    typical_meets_criterion: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "pct_ia_per_g": self.pct_ia_per_g.to_dict(),
            "p_visible": self.p_visible,
            "typical_visible": self.typical_visible,
            "gy_per_gbq": self.gy_per_gbq.to_dict(),
            "activity_for_target_mbq": self.activity_for_target_mbq.to_dict(
                "no activity reaches the target dose: the lesion holds no I-131"
            ),
            "p_meets_criterion": self.p_meets_criterion,
            "typical_meets_criterion": self.typical_meets_criterion,
        }


@dataclass(frozen=True)
class LesionResult:
    """One lesion of the case: its inputs and its state before and on the drugs."""

    name: str
    site: str
    mass_g: float
    states: Mapping[str, LesionOutcome]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "site": self.site,
            "mass_g": self.mass_g,
            **{s: v.to_dict() for s, v in self.states.items()},
        }


@dataclass(frozen=True)
class CaseResult:
    """Everything :func:`evaluate_case` computes; ``to_dict()`` is strict JSON.

    Mappings keyed by state hold ``"before"`` (same TSH, no drugs) and ``"on"``
    (after `drug_weeks` of the drugs, or their steady state); without drugs the two
    are equal.
    """

    case: TumourCase
    typical_activity: Mapping[str, Mapping[str, float]]  # state -> node id -> activity
    outputs: Mapping[str, Mapping[str, Interval]]  # output node -> state -> interval
    uptake: Mapping[str, Interval]  # relative to a normal thyrocyte
    converged: Mapping[str, float]  # fraction of patients whose network state converged
    lesions: tuple[LesionResult, ...]
    p_uptake_restored: float
    p_any_meets_criterion: Mapping[str, float]
    blood_gy_per_gbq: Mapping[str, Interval]
    max_activity_blood_mbq: Mapping[str, Interval]
    criterion: Mapping[str, Any]
    evidence: tuple[EvidenceCard, ...]
    provenance: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON values (None, with a ``*_note``, where not finite)."""
        per_state = {
            "uptake": self.uptake,
            "blood_gy_per_gbq": self.blood_gy_per_gbq,
            "max_activity_blood_mbq": self.max_activity_blood_mbq,
        }
        return {
            "case": {
                **self.case.model_dump(mode="json"),
                "lesion_masses_g": [les.mass for les in self.case.lesions],
            },
            "network": {
                "typical": {s: dict(v) for s, v in self.typical_activity.items()},
                "outputs": {
                    o: {s: i.to_dict() for s, i in v.items()} for o, v in self.outputs.items()
                },
                "converged": dict(self.converged),
            },
            "patients": {
                **{
                    k: {s: i.to_dict("no blood dose: no limit") for s, i in v.items()}
                    for k, v in per_state.items()
                },
                "p_uptake_restored": self.p_uptake_restored,
                "p_any_meets_criterion": dict(self.p_any_meets_criterion),
            },
            "lesions": [les.to_dict() for les in self.lesions],
            "criterion": dict(self.criterion),
            "evidence": [c.to_dict() for c in self.evidence],
            "provenance": dict(self.provenance),
        }


# ----------------------------------------------------------------------------- patients


def _lesion_arrays(lesions: Sequence[CaseLesion], n: int) -> tuple[Any, Any, Array]:
    """`present`, `site` and `mass_g` of `n` patients who all have the case's lesions."""
    width = len(lesions)
    site = np.array([LESION_SITES.index(les.site) for les in lesions], dtype=np.int8)
    mass = np.array([les.mass for les in lesions], dtype=float)
    return np.ones((n, width), dtype=bool), np.tile(site, (n, 1)), np.tile(mass, (n, 1))


def _with_case_lesions(
    pat: Patients, lesions: Sequence[CaseLesion], data: CohortData, seed: np.random.SeedSequence
) -> Patients:
    """`pat` with their drawn lesions replaced by the case's (same sites and masses for all).

    Each lesion of each patient gets its own ``lesion_uptake_scale`` from the cohort's
    distribution (from `seed`), so lesions keep their intra-patient heterogeneity.
    """
    present, site, mass = _lesion_arrays(lesions, pat.n)
    rng = np.random.default_rng(seed)
    scale = data.patient["lesion_uptake_scale"].draw(rng, mass.size).reshape(mass.shape)
    return replace(
        pat,
        present=present,
        site=site,
        mass_g=mass,
        lesion_uptake_scale=scale,
        response_uniform=rng.random(mass.shape),
    )


def _typical_patient(case: TumourCase, ctx: Any) -> Patients:
    """One patient with every population parameter at its median and the case's lesions."""
    data: CohortData = ctx.data
    present, site, mass = _lesion_arrays(case.lesions, 1)
    med = {k: np.array([median(d.family, d.params)]) for k, d in data.patient.items()}
    scale = med.pop("lesion_uptake_scale")
    histology = data.setting(_SETTING).histology.p
    return Patients(
        histology=np.array([max(histology, key=histology.__getitem__)]),
        genotype=np.array([case.genotype]),
        driver_class=np.array([driver_class(case.genotype)]),
        present=present,
        site=site,
        mass_g=mass,
        lesion_uptake_scale=np.full(mass.shape, scale[0]),
        response_uniform=np.full(mass.shape, 0.5),
        network=median_sample(ctx.population, 1),
        **med,
    )


def _virtual_patients(case: TumourCase, ctx: Any) -> Patients:
    """`case.n` patients of the distant-metastatic setting with the case's genotype and lesions."""
    pop = Population(n=case.n, setting=_SETTING, genotype={case.genotype or "none": 1.0})
    blocks = [
        sample_block(
            pop,
            ctx.data,
            block_seed(case.seed, 0, b),
            min(BLOCK, case.n - b * BLOCK),
            ctx.population,
        )
        for b in range(-(-case.n // BLOCK))
    ]
    return _with_case_lesions(
        Patients.concat(blocks),
        case.lesions,
        ctx.data,
        block_seed(case.seed, _LESION_STREAM, 0),
    )


# ----------------------------------------------------------------------------- evaluation


def _state(
    ctx: Any, pat: Patients, net: Any, case: TumourCase, target: float, cap: float
) -> dict[str, Any]:
    """Uptake, kinetics, scan and dose of every patient (row 0: the typical one) in one state."""
    r = pl._relative_uptake(ctx, net)
    kin = pl._kinetics(ctx, pat, r, case.tsh, case.scan)
    visible = pl._visible(ctx, pat, kin, case.scan)
    gy = pl._gy_per_gbq(pat, kin)
    needed = pl._needed_activity(gy, visible, target)
    return {
        "uptake": r,
        "converged": net.converged,
        "pct": kin.pct_ia_per_g,
        "visible": visible,
        "gy": gy,
        "activity": pl._needed_activity(gy, pat.present, target),
        "meets": needed <= cap,
        "blood": kin.blood_gy_per_gbq,
        "blood_max": max_activity_blood_mbq(kin.blood_gy_per_gbq),
    }


def _lesion_state(s: Mapping[str, Any], j: int) -> LesionOutcome:
    """Lesion `j` in state `s` (row 0 typical, the rest the population)."""

    def interval(key: str) -> Interval:
        return Interval.of(s[key][1:, j], float(s[key][0, j]))

    return LesionOutcome(
        pct_ia_per_g=interval("pct"),
        p_visible=float(np.mean(s["visible"][1:, j])),
        typical_visible=bool(s["visible"][0, j]),
        gy_per_gbq=interval("gy"),
        activity_for_target_mbq=interval("activity"),
        p_meets_criterion=float(np.mean(s["meets"][1:, j])),
        typical_meets_criterion=bool(s["meets"][0, j]),
    )


def _network_states(ctx: Any, pat: Patients, case: TumourCase) -> dict[str, LesionState]:
    """The network state of every patient before the drugs (same TSH) and on them."""
    drugs = {d.name: pl.exposure(d, ctx.data) for d in case.drugs}
    env = dict(case.env) or None
    before = pl._network_state(ctx, pat, {}, case.tsh, None, env)
    hours = pl._drug_hours(case.network, case.drug_weeks)
    on = pl._network_state(ctx, pat, drugs, case.tsh, hours, env) if drugs else before
    return dict(zip(STATES, (before, on), strict=True))


def _typical_activity(model: Any, nets: Mapping[str, LesionState]) -> dict[str, dict[str, float]]:
    """The typical patient's activity of every network node, per state."""
    return {
        k: {node: float(v.x[0, i]) for i, node in enumerate(model.node_ids)}
        for k, v in nets.items()
    }


def _output_intervals(
    model: Any, nets: Mapping[str, LesionState]
) -> dict[str, dict[str, Interval]]:
    """Each output node's activity over the patients, per state."""
    outputs = [i for i, kind in enumerate(model.kinds) if kind == "output"]
    return {
        model.node_ids[i]: {k: Interval.of(v.x[1:, i], float(v.x[0, i])) for k, v in nets.items()}
        for i in outputs
    }


def _intervals(st: Mapping[str, Mapping[str, Any]], key: str) -> dict[str, Interval]:
    """Per state, the interval of per-patient `key` (row 0 typical, the rest the population)."""
    return {k: Interval.of(s[key][1:], float(s[key][0])) for k, s in st.items()}


def _lesion_results(
    case: TumourCase, st: Mapping[str, Mapping[str, Any]]
) -> tuple[LesionResult, ...]:
    """Each lesion of the case in every state."""
    return tuple(
        LesionResult(les.name, les.site, les.mass, {k: _lesion_state(s, j) for k, s in st.items()})
        for j, les in enumerate(case.lesions)
    )


def _criterion_record(criterion: Any) -> dict[str, Any]:
    """The cited dosimetric criterion the lesions are judged by."""
    return {
        "trial": criterion.trial,
        "target_gy": criterion.target_gy,
        "max_activity_mbq": criterion.max_activity_mbq,
        "citation": criterion.citation,
        "doi": criterion.doi,
    }


def _case_provenance(case: TumourCase, model: Any) -> dict[str, Any]:
    """Which version, model variant, parameter set and draws produced the result."""
    return {
        "rairlab_version": __version__,
        "variant": model.variant_name,
        "variant_is_default": not model.variant,
        "parameters": parameter_set_label(),
        "seed": case.seed,
        "n": case.n,
        "network": case.network,
        "patients": f"{_SETTING} setting of cohort/data/cohort.yaml, with the case's lesions",
        "typical_patient": "every population parameter at its median",
        "notice": RESEARCH_USE_NOTICE,
    }


def evaluate_case(case: TumourCase | Mapping[str, Any]) -> CaseResult:
    """Evaluate a tumour case over its virtual patients and its typical patient.

    Parameters
    ----------
    case
        A `TumourCase`, or a mapping validated as one (:func:`parse_case`).

    Returns
    -------
    CaseResult

    Raises
    ------
    InputFileError
        A mapping that is not a valid case.

    Examples
    --------
    >>> r = evaluate_case({"genotype": "BRAF V600E", "n": 50, "network": "steady_state"})
    >>> u = r.uptake["before"]
    >>> bool(u.p5 <= u.median <= u.p95), r.p_uptake_restored
    (True, 0.0)
    """
    case = parse_case(case)
    ctx = pl._context(case.variant, parameter_set("fitted"))
    check_exposures(case.drugs, ctx.data, "case")
    pat = Patients.concat([_typical_patient(case, ctx), _virtual_patients(case, ctx)])
    nets = _network_states(ctx, pat, case)
    criterion = trial_criteria()
    target, cap = criterion.target_gy, criterion.max_activity_mbq
    st = {k: _state(ctx, pat, v, case, target, cap) for k, v in nets.items()}
    restored = pl._uptake_restored(st["before"]["visible"], st["on"]["visible"])
    return CaseResult(
        case=case,
        typical_activity=_typical_activity(ctx.model, nets),
        outputs=_output_intervals(ctx.model, nets),
        uptake=_intervals(st, "uptake"),
        converged={k: float(np.mean(s["converged"][1:])) for k, s in st.items()},
        lesions=_lesion_results(case, st),
        p_uptake_restored=float(np.mean(restored[1:])),
        p_any_meets_criterion={
            k: float(np.mean(s["meets"][1:].any(axis=1))) for k, s in st.items()
        },
        blood_gy_per_gbq=_intervals(st, "blood"),
        max_activity_blood_mbq=_intervals(st, "blood_max"),
        criterion=_criterion_record(criterion),
        evidence=evidence_cards(case),
        provenance=_case_provenance(case, ctx.model),
    )
