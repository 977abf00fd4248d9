"""``rairlab demo``: the main job on the embedded defaults, end to end.

First a virtual trial (``cohort/data/demo_trial.yaml``): RAI-refractory BRAF
V600E patients, I-131 alone or after four weeks of dabrafenib + trametinib,
through the whole cohort pipeline, with its per-arm endpoint table. Then seven
virtual lesions (three genotypes, each without and with dabrafenib +
trametinib, and a wild-type lesion with perchlorate) go through the whole
chain in one batched call per layer: knowledge base → network steady state
(membrane NIS, iodide uptake) → iodide biokinetics (I-131 residence time in a
2 g lesion after TSH withdrawal) → sphere-model dosimetry (Gy per GBq,
activity for the NCT02152995 criterion).

The hand-off to the kinetics is the network's ``iodide_uptake`` (transport,
so blockers such as perchlorate count) relative to a normal thyrocyte: a
wild-type cell under withdrawal TSH without drugs
(:func:`normal_thyrocyte_uptake`). The kinetics maps 1 to the iodide
clearance per gram of normal thyroid (ICRP-78/89); lesion efflux and
retention are uncalibrated assumptions, so the doses show direction and
order of magnitude, not clinical values. The lesions are the typical patient of
the calibrated population (every population parameter at its median, the
tumour's uptake per gram scaled by the fitted median ``lesion_uptake_scale``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import typer
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table

from rairlab._distributions import median
from rairlab._io import check_output_dir
from rairlab.biokinetics import iodide_model
from rairlab.cli._output import JSON_OPTION, emit
from rairlab.cohort import LocalEngine, load_cohort_data, load_trial_spec, run_trial
from rairlab.cohort._case import parameter_set_label
from rairlab.dosimetry import (
    TrialCriterion,
    activity_for_dose,
    get_nuclide,
    lesion_dose_per_gbq,
    trial_criteria,
)
from rairlab.knowledge import KnowledgeBase, evidence, load_knowledge
from rairlab.network import (
    CompiledModel,
    LesionState,
    compile_model,
    median_sample,
    normal_thyrocyte,
    population_steady_state,
)

Array = NDArray[np.float64]

__all__ = ["SCENARIOS", "demo", "normal_thyrocyte_uptake", "run_demo", "run_demo_trial"]

#: (genotype, drugs) of the demo lesions; every name resolves through the knowledge base.
SCENARIOS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *(
        (genotype, drugs)
        for genotype in ("wild type", "BRAF p.V600E", "BRAF p.V600E; TERT c.-124C>T")
        for drugs in ((), ("dabrafenib", "trametinib"))
    ),
    ("wild type", ("perchlorate",)),
)
LESION_MASS_G = 2.0
TSH_STATE = "withdrawal"
THERAPY_NUCLIDE = "I-131"


def normal_thyrocyte_uptake(model: CompiledModel) -> float:
    """The network's ``iodide_uptake`` of a normal thyrocyte, the kinetics' ``r = 1``.

    The reference cell is wild type, under TSH withdrawal, without drugs: the
    stimulated normal thyrocyte whose uptake the biokinetics maps to the
    iodide clearance per gram of normal thyroid.
    """
    return float(normal_thyrocyte(model)["iodide_uptake"][0])


def lesion_uptake_scale() -> float:
    """The typical tumour's iodide uptake per gram relative to a normal thyrocyte's.

    The median of the cohort's ``lesion_uptake_scale`` in the active (fitted) parameter set.
    """
    d = load_cohort_data().patient["lesion_uptake_scale"]
    return median(d.family, d.params)


def run_demo() -> dict[str, Any]:
    """Run the demo pipeline and return its results as a JSON-ready dict."""
    kb = load_knowledge()
    model = compile_model()
    ss = _typical_steady_state(model)
    # relative transport, times the typical tumour's uptake per gram relative to a normal
    # thyrocyte (the cohort's lesion_uptake_scale median); the clip removes round-off
    tumour_scale = lesion_uptake_scale()
    uptake_activity = np.clip(
        ss["iodide_uptake"] / normal_thyrocyte_uptake(model) * tumour_scale, 0.0, None
    )
    criterion = trial_criteria()
    doses = _lesion_doses(uptake_activity, criterion.target_gy)
    return {
        "knowledge_base": _knowledge_base_counts(kb),
        "assumptions": _assumptions(criterion, tumour_scale),
        "variant": model.variant_name,
        "variant_is_default": not model.variant,
        "lesions": _lesion_rows(ss, uptake_activity, doses, criterion.max_activity_mbq),
    }


def _typical_steady_state(model: CompiledModel) -> LesionState:
    """The network's steady state of each scenario for the population's typical patient."""
    names = sorted({d for _, drugs in SCENARIOS for d in drugs})
    exposure = {d: np.array([float(d in drugs) for _, drugs in SCENARIOS]) for d in names}
    # the typical patient of the (calibrated) population: every parameter at its median
    return population_steady_state(
        model,
        median_sample(n=len(SCENARIOS)),
        genotype=[g for g, _ in SCENARIOS],
        drugs=exposure,
        tsh=TSH_STATE,
    )


def _lesion_doses(uptake_activity: Array, target_gy: float) -> dict[str, Array]:
    """I-131 residence time, Gy per GBq and the activity for `target_gy` of each lesion."""
    nuclide = get_nuclide(THERAPY_NUCLIDE)
    kinetics = iodide_model(uptake_activity, mass_g=LESION_MASS_G, tsh_state=TSH_STATE)
    residence_h = kinetics.residence_times(nuclide)["lesion"]
    gy_per_gbq = lesion_dose_per_gbq(residence_h, THERAPY_NUCLIDE, LESION_MASS_G)
    return {
        "residence_time_h": residence_h,
        "dose_gy_per_gbq": gy_per_gbq,
        "activity_for_target_mbq": activity_for_dose(gy_per_gbq, target_gy),
    }


def _lesion_rows(
    ss: LesionState, uptake_activity: Array, doses: dict[str, Array], max_mbq: float
) -> list[dict[str, Any]]:
    """One JSON row per scenario: network state, uptake, dose and the criterion met or not."""
    return [
        {
            "genotype": genotype,
            "drugs": list(drugs),
            "converged": bool(ss.converged[i]),
            "NIS_membrane": float(ss["NIS_membrane"][i]),
            "iodide_uptake": float(ss["iodide_uptake"][i]),
            "uptake_activity": float(uptake_activity[i]),
            **{key: float(values[i]) for key, values in doses.items()},
            "meets_dosimetric_criterion": bool(doses["activity_for_target_mbq"][i] <= max_mbq),
        }
        for i, (genotype, drugs) in enumerate(SCENARIOS)
    ]


def _knowledge_base_counts(kb: KnowledgeBase) -> dict[str, int]:
    """How many interactions, agents, trials and outcomes the knowledge base holds."""
    return {
        "interactions": len(kb.interactions),
        "agents": len(kb.agents),
        "trials": len(kb.trials),
        "outcomes": len(kb.outcomes),
        "braf_v600e_agents": len(evidence(alteration="BRAF p.V600E").agents),
    }


def _assumptions(criterion: TrialCriterion, tumour_scale: float) -> dict[str, Any]:
    """The lesion, TSH state, nuclide, criterion and patient the demo assumes."""
    return {
        "lesion_mass_g": LESION_MASS_G,
        "tsh_state": TSH_STATE,
        "nuclide": THERAPY_NUCLIDE,
        "target_gy": criterion.target_gy,
        "max_activity_mbq": criterion.max_activity_mbq,
        "uptake_reference": "wild type, TSH withdrawal, no drugs",
        "tumour_uptake_scale": tumour_scale,
        "patient": "every population parameter at its median",
        "parameters": parameter_set_label(),
        "note": (
            "lesion uptake is scaled to normal thyroid (ICRP-78/89) and by the typical "
            "tumour's uptake per gram; the population parameters are calibrated on the "
            "review's clinical numbers, lesion iodide retention is an uncalibrated assumption"
        ),
    }


def _activity(mbq: float) -> str:
    if not np.isfinite(mbq):
        return "unreachable"
    return f"{mbq:.0f}" if mbq < 1e6 else f"{mbq:.1e}"


DEMO_TRIAL = "data/demo_trial.yaml"


def run_demo_trial(out: Path | None = None, workers: int = 1) -> dict[str, Any]:
    """Run the embedded demo trial into `out` (default: a temporary directory, then removed).

    One worker by default: the demo is two chunks, less than a process pool costs to start.
    """
    from importlib.resources import as_file, files

    with as_file(files("rairlab.cohort") / DEMO_TRIAL) as path:
        spec = load_trial_spec(path)
    engine = LocalEngine(workers)
    if out is not None:
        return {**run_trial(spec, out, engine=engine), "run_directory": str(out)}
    with tempfile.TemporaryDirectory(prefix="rairlab-demo-") as tmp:
        return {**run_trial(spec, Path(tmp) / "run", engine=engine), "run_directory": None}


def demo(
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Keep the demo trial's run directory here (default: discard)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the main job on the embedded defaults: a virtual trial, then genotype + drugs → dose."""
    if out is not None:
        check_output_dir(out, "--out")
    data = {"trial": run_demo_trial(out), **run_demo()}
    emit(data, as_json, lambda console: _render(data, console))


def _render(data: dict[str, Any], console: Console) -> None:
    """The trial's summary, the knowledge base's size, then the lesion table and its notes."""
    from rairlab.cli._trial import render_summary

    trial = data["trial"]
    render_summary(trial, console)
    where = trial["run_directory"]
    console.print(
        f"[dim]Per-patient results kept in {where}.[/dim]"
        if where
        else "[dim]Add --out DIR to keep the per-patient results "
        '(rairlab results query DIR "SQL").[/dim]'
    )
    kb = data["knowledge_base"]
    console.print(
        f"Knowledge base: {kb['interactions']} interactions, {kb['agents']} agents, "
        f"{kb['trials']} trials, {kb['outcomes']} outcome records; "
        f"{kb['braf_v600e_agents']} agents with evidence for BRAF p.V600E "
        "(rairlab evidence --alteration 'BRAF V600E')."
    )
    a = data["assumptions"]
    console.print(_lesion_table(a, data["lesions"]))
    console.print(
        "[dim]NIS: membrane NIS activity; uptake: iodide uptake relative to a "
        f"normal thyrocyte ({a['uptake_reference']}). Note: {a['note']}.[/dim]"
    )
    default = " (the default model)" if data["variant_is_default"] else ""
    console.print(
        f"[dim]Network variant: {data['variant']}{default}; typical patient "
        f"({a['patient']}); parameters: {a['parameters']}.[/dim]"
    )


def _lesion_table(a: dict[str, Any], lesions: list[dict[str, Any]]) -> Table:
    """Per demo lesion: membrane NIS, uptake, Gy/GBq, the activity for the target, criterion."""
    table = Table(
        title=(
            f"{a['nuclide']} in a {a['lesion_mass_g']:g} g lesion after TSH {a['tsh_state']}: "
            f"activity for {a['target_gy']:g} Gy (criterion: ≤ {a['max_activity_mbq']:.0f} MBq)"
        )
    )
    table.add_column("genotype", no_wrap=True)
    table.add_column("drugs", no_wrap=True)
    for col in ("NIS", "uptake", "Gy/GBq", "MBq for target"):
        table.add_column(col, justify="right")
    table.add_column("meets")
    for r in lesions:
        table.add_row(
            r["genotype"].replace("; ", "\n"),
            "\n".join(r["drugs"]) or "none",
            f"{r['NIS_membrane']:.3f}",
            f"{r['uptake_activity']:.3f}",
            f"{r['dose_gy_per_gbq']:.1f}",
            _activity(r["activity_for_target_mbq"]),
            "yes" if r["meets_dosimetric_criterion"] else "no",
        )
    return table
