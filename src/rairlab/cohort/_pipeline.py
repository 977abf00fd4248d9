"""One arm of a virtual trial over a chunk of patients, vectorized: enrolment to RECIST response.

Steps, each batched over the chunk's patients (shapes ``(n,)`` or ``(n, lesions)``):

1. **Enrolment.** Candidates of each random block (:mod:`rairlab.cohort._patients`);
   their untreated network steady state under TSH withdrawal, iodide kinetics
   and the population's baseline scan; with ``refractory: true`` only candidates
   in an ATA 2015 RAI-refractory category (no uptake, or mixed uptake) are kept,
   in draw order, until the block is full.
2. **Drugs.** The network state after ``drug_weeks`` of the arm's drugs from the
   untreated state (or their eventual steady state), under the arm's TSH
   preparation; iodide uptake relative to a normal thyrocyte.
3. **Kinetics.** One iodide model per patient with all its lesions. Lesions share
   retention parameters and draw iodide from the same blood, so the patient's
   lesion compartments are those of one lesion with the summed influx, and each
   lesion holds its share of the influx ``r_i m_i / Σ r_j m_j`` at every time:
   exact for the coupled system.
4. **Scans.** Lesion %IA/g at the scan's imaging time against the scan's
   size-dependent detection limit (:func:`rairlab.observation.scan_visible`),
   before (same scan and preparation, no drug) and after the drugs.
5. **Dose.** I-131 residence time per lesion times its sphere S-value; the arm's
   activity (fixed, or dosimetry-guided); blood dose (EANM) and its 2-Gy limit.
   The diagnostic (I-124) dosimetry is taken as exact (no measurement error).
6. **Radiobiology.** BED of a decaying source (effective half-life from the lesion
   activity at 24 and 72 h), Poisson TCP with the patient's α; each lesion is
   controlled or not by one uniform draw of the patient's block stream.
7. **Response.** Volume after therapy ``V/V0 = SF·2^(t/Td) + (1 − SF)·2^(−t/Tc)``
   (surviving fraction ``SF = exp(−α·BED)``, zero for a controlled lesion; Td the
   tumour doubling time, Tc the clearance half-time of killed cells), diameters
   ``∝ V^(1/3)``, RECIST 1.1 target lesions, sums and categories at the
   assessment weeks of ``cohort/data/recist.yaml``; best overall response by 6 months.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab._cited import CitedTable, load_cited
from rairlab._parameters import ParameterSet
from rairlab.biokinetics import iodide_model
from rairlab.cohort._data import LESION_SITES, CohortData, load_cohort_data
from rairlab.cohort._patients import BLOCK, Patients, block_seed, sample_block
from rairlab.cohort._spec import Arm, TrialSpec
from rairlab.dosimetry import (
    blood_dose_per_gbq,
    get_nuclide,
    lesion_dose_per_gbq_population,
    max_activity_blood_mbq,
    trial_criteria,
)
from rairlab.errors import InvalidValueError
from rairlab.network import (
    CompiledModel,
    LesionState,
    PopulationSpec,
    compile_model,
    load_network_data,
    load_population_spec,
    normal_thyrocyte,
    population_steady_state,
)
from rairlab.observation import (
    rai_refractory_categories,
    scan_protocol,
    scan_visible,
    sphere_radius_mm,
)
from rairlab.radiobiology import bed_decaying, clonogen_number, tcp_poisson
from rairlab.radiobiology import parameters as radiobiology_parameters

__all__ = ["MAX_ROUNDS", "RESPONSES", "simulate_chunk"]

Array = NDArray[np.float64]
#: Enrolment rounds (each BLOCK candidates) before a block that cannot fill is an error.
MAX_ROUNDS = 64
#: RECIST 1.1 categories, best first; NE: no measurable target lesion.
RESPONSES = ("CR", "PR", "SD", "PD", "NE")
_NETWORK_TSH = {"withdrawal": "withdrawal", "rhtsh": "rhTSH", "suppressed": "suppressed"}
_BASELINE_TSH = "withdrawal"
_THERAPY = "I-131"
_BED_TIMES_H = (24.0, 72.0)
_DAYS_PER_WEEK = 7.0


@dataclass(frozen=True)
class _Context:
    model: CompiledModel
    reference_uptake: float
    data: CohortData
    population: PopulationSpec
    parameters: ParameterSet
    recist: CitedTable
    radiobiology: CitedTable


@functools.lru_cache(maxsize=4)
def _compiled(variant: str | None) -> tuple[CompiledModel, float]:
    model = compile_model(variant)
    return model, float(normal_thyrocyte(model)["iodide_uptake"][0])


@functools.lru_cache(maxsize=8)
def _context(variant: str | None, parameters: ParameterSet) -> _Context:
    model, ref = _compiled(variant)
    return _Context(
        model,
        ref,
        load_cohort_data(parameters=parameters),
        load_population_spec(parameters=parameters),
        parameters,
        load_cited("rairlab.cohort", "data/recist.yaml"),
        radiobiology_parameters(),
    )


def _tsh_level(tsh: str) -> float:
    """The network's TSH input level of a preparation (withdrawal and rhTSH may be equal)."""
    return float(load_network_data().environment["tsh"].levels[_NETWORK_TSH[tsh]])


def _drug_hours(network: str, weeks: float) -> float | None:
    """Hours of drugs before the scan for a time-course network; None: their steady state."""
    return None if network == "steady_state" else weeks * 7 * 24


def exposure(drug: Any, data: CohortData) -> float:
    """The drug's exposure relative to its reference regimen (1 without a dose)."""
    if drug.dose_mg is None and drug.per_day is None:
        return 1.0
    ref = data.regimen(drug.name)
    dose = ref.dose_mg if drug.dose_mg is None else drug.dose_mg
    per_day = ref.per_day if drug.per_day is None else drug.per_day
    return dose * per_day / (ref.dose_mg * ref.per_day)


def _network_state(
    ctx: _Context,
    pat: Patients,
    drugs: dict[str, float],
    tsh: str,
    hours: float | None,
    env: Mapping[str, Any] | None = None,
) -> LesionState:
    """The network state of each patient's lesions (untreated, on drugs, or `hours` into them)."""
    return population_steady_state(
        ctx.model,
        pat.network,
        genotype=pat.genotype,
        drugs=drugs or None,
        tsh=_NETWORK_TSH[tsh],
        env=env,
        hours=hours,
    )


def _relative_uptake(ctx: _Context, state: LesionState) -> Array:
    """Iodide uptake relative to a normal thyrocyte, per patient (the kinetics' input)."""
    return np.clip(state["iodide_uptake"] / ctx.reference_uptake, 0.0, 5.0)


def _uptake(
    ctx: _Context, pat: Patients, drugs: dict[str, float], tsh: str, hours: float | None
) -> tuple[Array, NDArray[np.bool_]]:
    """Iodide uptake relative to a normal thyrocyte, and convergence, per patient."""
    st = _network_state(ctx, pat, drugs, tsh, hours)
    return _relative_uptake(ctx, st), st.converged


@dataclass(frozen=True)
class _Kinetics:
    """Per-lesion scan uptake and I-131 dose rate inputs for one uptake state."""

    pct_ia_per_g: Array  # (n, L) at the scan's imaging time, decay-corrected
    residence_h: Array  # (n, L) I-131 lesion residence time per unit administered activity
    effective_half_life_h: Array  # (n,)
    blood_gy_per_gbq: Array  # (n,)


def _kinetics(ctx: _Context, pat: Patients, r: Array, tsh: str, scan: str) -> _Kinetics:
    r_les = np.where(pat.present, np.clip(r[:, None] * pat.lesion_uptake_scale, 0.0, 5.0), 0.0)
    mass = np.where(pat.present, pat.mass_g, 0.0)
    w = r_les * mass
    total_w, total_m = w.sum(axis=1), mass.sum(axis=1)
    share = np.divide(w, total_w[:, None], out=np.zeros_like(w), where=total_w[:, None] > 0)
    model = iodide_model(
        # a mass-weighted mean of values <= 5 can round to just above 5
        np.minimum(total_w / total_m, 5.0),
        total_m,
        tsh_state=tsh,
        renal_clearance_scale=pat.renal_clearance_scale,
    )
    t_scan = scan_protocol(scan, ctx.parameters).imaging_time_h
    times = np.array(sorted({t_scan, *_BED_TIMES_H}))
    frac = model.fractions(times)
    lesion = frac[..., 1] + frac[..., 2]  # (n, T)
    nuclide = get_nuclide(_THERAPY)
    tau = model.residence_times(nuclide)
    lam = np.log(2.0) / nuclide.half_life_h
    a24, a72 = (lesion[:, list(times).index(t)] * np.exp(-lam * t) for t in _BED_TIMES_H)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_eff = (_BED_TIMES_H[1] - _BED_TIMES_H[0]) * np.log(2.0) / np.log(a24 / a72)
    t_eff = np.where(np.isfinite(t_eff) & (t_eff > 0), t_eff, nuclide.half_life_h)
    pct = 100.0 * lesion[:, list(times).index(t_scan), None] * share
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(pat.present, pct / pat.mass_g, np.nan)
    return _Kinetics(
        pct_ia_per_g=pct,
        residence_h=tau["lesion"][:, None] * share,
        effective_half_life_h=np.minimum(t_eff, nuclide.half_life_h),
        blood_gy_per_gbq=blood_dose_per_gbq(
            tau["blood_per_ml"], tau["whole_body"], pat.body_mass_kg
        ),
    )


def _visible(ctx: _Context, pat: Patients, kin: _Kinetics, scan: str) -> NDArray[np.bool_]:
    vis = scan_visible(kin.pct_ia_per_g, pat.mass_g, scan, parameters=ctx.parameters)
    return np.asarray(vis & pat.present)


def _gy_per_gbq(pat: Patients, kin: _Kinetics) -> Array:
    """I-131 absorbed dose per administered GBq of each lesion (sphere model), 0 where absent."""
    mass = np.where(pat.present, pat.mass_g, 1.0)
    return np.where(
        pat.present, lesion_dose_per_gbq_population(kin.residence_h, _THERAPY, mass), 0.0
    )


def _needed_activity(gy_per_gbq: Array, measured: NDArray[np.bool_], target_gy: float) -> Array:
    """Activity (MBq) bringing each `measured` lesion to `target_gy`; inf for the others.

    Only a lesion the diagnostic scan shows has a dosimetric estimate, and a lesion
    without dose cannot reach any target.
    """
    with np.errstate(divide="ignore"):
        return np.where(measured & (gy_per_gbq > 0), target_gy / gy_per_gbq * 1000.0, np.inf)


def _uptake_restored(
    visible_before: NDArray[np.bool_], visible_on: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Per patient: some lesion invisible before the drugs is visible on them."""
    return np.asarray((visible_on & ~visible_before).any(axis=1))


@dataclass(frozen=True)
class _Baseline:
    """Patients with their untreated state (TSH withdrawal) and the population's baseline scan."""

    patients: Patients
    uptake: Array  # relative to a normal thyrocyte, (n,)
    converged: NDArray[np.bool_]
    visible: NDArray[np.bool_]  # (n, lesions)
    refractory: NDArray[np.bool_]  # ATA 2015: no uptake or mixed uptake

    def take(self, rows: NDArray[np.intp]) -> _Baseline:
        return _Baseline(
            self.patients.take(rows),
            self.uptake[rows],
            self.converged[rows],
            self.visible[rows],
            self.refractory[rows],
        )

    @staticmethod
    def concat(parts: list[_Baseline]) -> _Baseline:
        return _Baseline(
            Patients.concat([p.patients for p in parts]),
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("uptake", "converged", "visible", "refractory")
            ),
        )


def _enrol(
    spec: TrialSpec, ctx: _Context, stream: int, blocks: range
) -> tuple[_Baseline, NDArray[np.int64]]:
    """Enrolled patients of `blocks` at baseline, and their patient numbers in the arm."""
    pop = spec.population
    select = pop.select_refractory
    need = {b: min(BLOCK, pop.n - b * BLOCK) for b in blocks}
    kept: dict[int, list[_Baseline]] = {b: [] for b in blocks}
    have = dict.fromkeys(blocks, 0)
    for round_ in range(MAX_ROUNDS):
        todo = [b for b in blocks if have[b] < need[b]]
        if not todo:
            break
        size = {b: BLOCK if select else need[b] for b in todo}
        cand = Patients.concat(
            [
                sample_block(
                    pop,
                    ctx.data,
                    block_seed(spec.seed, stream, b, round_),
                    size[b],
                    ctx.population,
                )
                for b in todo
            ]
        )
        r, ok = _uptake(ctx, cand, {}, _BASELINE_TSH, None)
        kin = _kinetics(ctx, cand, r, _BASELINE_TSH, pop.baseline_scan)
        vis = _visible(ctx, cand, kin, pop.baseline_scan)
        cats = rai_refractory_categories(vis, cand.present)
        refr = (cats.category("no_uptake") == 1) | (cats.category("mixed_uptake") == 1)
        base = _Baseline(cand, r, ok, vis, refr)
        start = 0
        for b in todo:
            rows = np.arange(start, start + size[b])
            start += size[b]
            if select:
                rows = rows[refr[rows]][: need[b] - have[b]]
            if rows.size:
                kept[b].append(base.take(rows))
                have[b] += rows.size
    short = [b for b in blocks if have[b] < need[b]]
    if short:
        b = short[0]
        raise InvalidValueError(
            "population",
            f"{pop.setting} with refractory: true",
            f"a population in which RAI-refractory patients can be found: block {b} enrolled "
            f"{have[b]} of {need[b]} after {MAX_ROUNDS * BLOCK} candidates",
        )
    index = np.concatenate([b * BLOCK + np.arange(need[b]) for b in blocks])
    return _Baseline.concat([p for b in blocks for p in kept[b]]), index


def _targets(pat: Patients, d0: Array, recist: CitedTable) -> NDArray[np.bool_]:
    """RECIST 1.1 target lesions: measurable, largest first, ≤ 2 per organ, ≤ 5 in all."""
    node = pat.site == LESION_SITES.index("lymph_node")
    limit = np.where(
        node, recist.value("node_measurable_short_axis_mm"), recist.value("measurable_min_mm")
    )
    measurable = pat.present & (d0 >= limit)
    order = np.argsort(np.where(measurable, -d0, np.inf), axis=1, kind="stable")
    n, width = d0.shape
    target = np.zeros((n, width), dtype=bool)
    per_site = np.zeros((n, len(LESION_SITES)), dtype=int)
    total = np.zeros(n, dtype=int)
    rows = np.arange(n)
    max_site, max_total = (
        recist.value("max_target_lesions_per_organ"),
        recist.value("max_target_lesions"),
    )
    for j in range(width):
        col = order[:, j]
        site = np.maximum(pat.site[rows, col], 0)
        ok = measurable[rows, col] & (per_site[rows, site] < max_site) & (total < max_total)
        target[rows[ok], col[ok]] = True
        per_site[rows[ok], site[ok]] += 1
        total += ok
    return target


def _response(
    pat: Patients, bed: Array, controlled: NDArray[np.bool_], recist: CitedTable
) -> tuple[NDArray[np.int8], NDArray[np.bool_], Array]:
    """Best overall response index into RESPONSES, progression flag, last SLD change."""
    d0 = np.where(pat.present, 2.0 * sphere_radius_mm(pat.mass_g), 0.0)
    target = _targets(pat, d0, recist)
    node = pat.site == LESION_SITES.index("lymph_node")
    sf = np.where(controlled, 0.0, np.exp(-pat.alpha_per_gy[:, None] * bed))
    sld0 = np.where(target, d0, 0.0).sum(axis=1)
    nadir = sld0.copy()
    # NE until assessed; then the best category before progression (a first PD is PD)
    best = np.full(pat.n, RESPONSES.index("NE"), dtype=np.int8)
    evaluable = sld0 > 0
    progressed = np.zeros(pat.n, dtype=bool)
    change = np.zeros(pat.n)
    small, node_ok = (
        recist.value("too_small_to_measure_mm"),
        recist.value("node_normal_short_axis_mm"),
    )
    for week in np.asarray(recist["assessment_weeks"].value, dtype=float):
        t = float(week) * _DAYS_PER_WEEK
        v = sf * 2.0 ** (t / pat.doubling_time_days[:, None]) + (1.0 - sf) * 2.0 ** (
            -t / pat.dead_cell_clearance_half_time_days[:, None]
        )
        d = d0 * np.cbrt(v)
        gone = controlled & (d < small)
        d = np.where(gone & ~node, 0.0, np.where(d < small, small, d))
        sld = np.where(target, d, 0.0).sum(axis=1)
        complete = np.all(~target | np.where(node, d < node_ok, gone), axis=1) & np.all(
            ~pat.present | controlled, axis=1
        )
        pd = (sld >= (1 + recist.value("progression_increase")) * nadir) & (
            sld - nadir >= recist.value("progression_absolute_mm")
        )
        pr = sld <= (1 - recist.value("partial_response_decrease")) * sld0
        now = np.where(complete, 0, np.where(pd, 3, np.where(pr, 1, 2))).astype(np.int8)
        live = evaluable & ~progressed
        best = np.where(live, np.minimum(best, now), best)
        progressed |= evaluable & pd
        nadir = np.minimum(nadir, sld)
        change = np.divide(sld - sld0, sld0, out=np.zeros(pat.n), where=sld0 > 0)
    return best, progressed, change


def _arm_activity(
    arm: Arm, gy_per_gbq: Array, blood_gy_per_gbq: Array, measured: NDArray[np.bool_]
) -> tuple[Array, NDArray[np.bool_]]:
    """Administered I-131 (MBq) per patient and whether the dosimetric threshold is met.

    Only lesions the diagnostic scan shows (`measured`) have a dosimetric estimate:
    an invisible lesion can neither meet the threshold nor set the activity.
    """
    therapy = arm.therapy
    criterion = trial_criteria()  # unset: NCT02152995's, from its knowledge-base record
    target = therapy.target_gy if therapy and therapy.target_gy else criterion.target_gy
    cap = (
        therapy.max_activity_mbq
        if therapy and therapy.max_activity_mbq
        else criterion.max_activity_mbq
    )
    needed = _needed_activity(gy_per_gbq, measured, target)
    reach = needed <= cap
    threshold = np.asarray(reach.any(axis=1))
    if therapy is None:
        return np.zeros(measured.shape[0]), threshold
    if therapy.activity_mbq is not None:
        activity = np.full(measured.shape[0], therapy.activity_mbq)
    else:
        blood_cap = max_activity_blood_mbq(blood_gy_per_gbq)
        aim = np.where(reach, needed, 0.0).max(axis=1)
        aim = np.where(threshold, aim, cap)
        activity = np.minimum(np.minimum(aim, cap), blood_cap)
    if therapy.require_threshold:
        activity = np.where(threshold, activity, 0.0)
    return np.asarray(activity, dtype=float), threshold


@dataclass(frozen=True)
class _Uptake:
    """Per-patient uptake relative to a normal thyrocyte in the arm's three states."""

    baseline: Array  # untreated, TSH withdrawal (the enrolment scan's)
    before: Array  # untreated, the arm's TSH preparation
    on: Array  # on the arm's drugs (the `before` array itself without drugs)
    converged: NDArray[np.bool_]  # every network state of the patient converged


@dataclass(frozen=True)
class _Scans:
    """The arm's diagnostic scan: kinetics on the drugs and lesion visibility."""

    kinetics: _Kinetics  # on the drugs
    before: NDArray[np.bool_]  # (n, lesions) visible before the drugs
    on: NDArray[np.bool_]  # (n, lesions) visible on the drugs


@dataclass(frozen=True)
class _Dose:
    """The arm's I-131 therapy: administered activity and lesion absorbed doses."""

    gy_per_gbq: Array  # (n, lesions)
    activity: Array  # (n,) MBq
    threshold: NDArray[np.bool_]  # (n,) the dosimetric threshold is met
    dose: Array  # (n, lesions) Gy


@dataclass(frozen=True)
class _Radiobiology:
    """Per lesion: BED, tumour control probability and whether it is controlled."""

    bed: Array
    tcp: Array
    controlled: NDArray[np.bool_]


@dataclass(frozen=True)
class _Response:
    """Per patient: best overall response (index into RESPONSES), progression, SLD change."""

    best: NDArray[np.int8]
    progressed: NDArray[np.bool_]
    change: Array


@dataclass(frozen=True)
class _Chunk:
    """Every step's result for the patients of one chunk of one arm."""

    arm: str
    index: NDArray[np.int64]
    baseline: _Baseline
    uptake: _Uptake
    scans: _Scans
    dose: _Dose
    radiobiology: _Radiobiology
    response: _Response


def _arm_uptake(ctx: _Context, arm: Arm, base: _Baseline, network: str) -> _Uptake:
    """Uptake under the arm's TSH before the drugs and after them (reusing equal states)."""
    pat = base.patients
    drugs = {d.name: exposure(d, ctx.data) for d in arm.drugs}
    if _tsh_level(arm.tsh) == _tsh_level(_BASELINE_TSH):  # the cell sees the same TSH
        r_pre, ok_pre = base.uptake, base.converged
    else:
        r_pre, ok_pre = _uptake(ctx, pat, {}, arm.tsh, None)
    if drugs:
        hours = _drug_hours(network, arm.drug_weeks)
        r_tx, ok_tx = _uptake(ctx, pat, drugs, arm.tsh, hours)
    else:
        r_tx, ok_tx = r_pre, ok_pre
    return _Uptake(base.uptake, r_pre, r_tx, base.converged & ok_pre & ok_tx)


def _arm_scans(ctx: _Context, pat: Patients, arm: Arm, up: _Uptake) -> _Scans:
    """The arm's scan before and on the drugs (one kinetics model when uptake is unchanged)."""
    kin_pre = _kinetics(ctx, pat, up.before, arm.tsh, arm.scan)
    kin = kin_pre if up.on is up.before else _kinetics(ctx, pat, up.on, arm.tsh, arm.scan)
    return _Scans(kin, _visible(ctx, pat, kin_pre, arm.scan), _visible(ctx, pat, kin, arm.scan))


def _arm_dose(pat: Patients, arm: Arm, scans: _Scans) -> _Dose:
    """The arm's activity from the scan on the drugs, and each lesion's absorbed dose."""
    gy_per_gbq = _gy_per_gbq(pat, scans.kinetics)
    activity, threshold = _arm_activity(arm, gy_per_gbq, scans.kinetics.blood_gy_per_gbq, scans.on)
    return _Dose(gy_per_gbq, activity, threshold, gy_per_gbq * activity[:, None] / 1000.0)


def _radiobiology(ctx: _Context, pat: Patients, kin: _Kinetics, dose: Array) -> _Radiobiology:
    """BED of the decaying source, Poisson TCP and one uniform draw per lesion for control."""
    rb = ctx.radiobiology
    bed = bed_decaying(
        dose,
        rb.value("alpha_beta_tumour"),
        kin.effective_half_life_h[:, None],
        rb.value("repair_half_time"),
    )
    mass = np.where(pat.present, pat.mass_g, 1.0)
    tcp = np.where(
        pat.present, tcp_poisson(bed, pat.alpha_per_gy[:, None], clonogen_number(mass)), 0.0
    )
    return _Radiobiology(bed, tcp, pat.present & (pat.response_uniform < tcp))


def _patients_table(c: _Chunk) -> dict[str, np.ndarray]:
    """The chunk's patients table: one value per patient and column."""
    pat, up, scans, dose, resp = c.baseline.patients, c.uptake, c.scans, c.dose, c.response
    blood_gy_per_gbq = scans.kinetics.blood_gy_per_gbq
    dose_present = np.where(pat.present, dose.dose, np.nan)
    return {
        "arm": np.full(pat.n, c.arm),
        "patient": c.index,
        "histology": pat.histology,
        "genotype": pat.genotype,
        "driver": pat.driver_class,
        "n_lesions": pat.present.sum(axis=1),
        "tumour_mass_g": np.where(pat.present, pat.mass_g, 0.0).sum(axis=1),
        "uptake_baseline": up.baseline,
        "uptake_before_drug": up.before,
        "uptake_on_drug": up.on,
        "converged": up.converged,
        "visible_baseline": c.baseline.visible.sum(axis=1),
        "visible_before_drug": scans.before.sum(axis=1),
        "visible_on_drug": scans.on.sum(axis=1),
        "activity_mbq": dose.activity,
        "blood_gy": blood_gy_per_gbq * dose.activity / 1000.0,
        "min_lesion_gy": np.nanmin(dose_present, axis=1),
        "max_lesion_gy": np.nanmax(dose_present, axis=1),
        "best_response": np.asarray(RESPONSES)[resp.best],
        "sld_change_6mo": resp.change,
        "rai_refractory": c.baseline.refractory,
        "non_avid": ~scans.on.any(axis=1),
        "uptake_restored": _uptake_restored(scans.before, scans.on),
        "dosimetric_threshold": dose.threshold,
        "treated": dose.activity > 0,
        "blood_dose_ok": dose.activity <= max_activity_blood_mbq(blood_gy_per_gbq),
        "response": resp.best <= RESPONSES.index("PR"),
        "complete_response": resp.best == RESPONSES.index("CR"),
        "progression": resp.progressed,
    }


def _lesions_table(c: _Chunk) -> dict[str, np.ndarray]:
    """The chunk's lesions table: one value per present lesion and column."""
    pat, scans, dose, rb = c.baseline.patients, c.scans, c.dose, c.radiobiology
    p_idx, l_idx = np.nonzero(pat.present)
    return {
        "arm": np.full(p_idx.size, c.arm),
        "patient": c.index[p_idx],
        "lesion": l_idx.astype(np.int16),
        "site": np.asarray(LESION_SITES)[pat.site[p_idx, l_idx]],
        "mass_g": pat.mass_g[p_idx, l_idx],
        "uptake_pct_ia_per_g_on_drug": scans.kinetics.pct_ia_per_g[p_idx, l_idx],
        "visible_before_drug": scans.before[p_idx, l_idx],
        "visible_on_drug": scans.on[p_idx, l_idx],
        "gy_per_gbq": dose.gy_per_gbq[p_idx, l_idx],
        "dose_gy": dose.dose[p_idx, l_idx],
        "bed_gy": rb.bed[p_idx, l_idx],
        "tcp": rb.tcp[p_idx, l_idx],
        "controlled": rb.controlled[p_idx, l_idx],
    }


def simulate_chunk(
    spec: TrialSpec, arm_index: int, blocks: range
) -> dict[str, dict[str, np.ndarray]]:
    """Simulate arm `arm_index` for the patients of `blocks`: column arrays of two tables.

    Returns ``{"patients": {column: (n,) array}, "lesions": {column: (k,) array}}``;
    every value depends only on the spec, the arm and the patient's block (not on
    which blocks share the chunk). The steps are those of the module docstring.
    """
    ctx = _context(spec.simulation.variant, spec.simulation.parameter_set())
    arm = spec.arms[arm_index]
    stream = arm_index if spec.design == "parallel" else 0
    base, index = _enrol(spec, ctx, stream, blocks)
    pat = base.patients
    uptake = _arm_uptake(ctx, arm, base, spec.simulation.network)
    scans = _arm_scans(ctx, pat, arm, uptake)
    dose = _arm_dose(pat, arm, scans)
    rb = _radiobiology(ctx, pat, scans.kinetics, dose.dose)
    response = _Response(*_response(pat, rb.bed, rb.controlled, ctx.recist))
    chunk = _Chunk(arm.name, index, base, uptake, scans, dose, rb, response)
    return {"patients": _patients_table(chunk), "lesions": _lesions_table(chunk)}
