"""What fraction of which virtual patients show a lesion on a diagnostic I-131 scan?

Draws a population from the network's population spec (calibrated on the review's
clinical numbers, docs/validation.md), simulates each genotype with and without
dabrafenib + trametinib at steady state (lesion level: subclonal alterations mixed by
their clonal fraction), scales the iodide uptake (relative to a normal thyrocyte) by
each lesion's tumour uptake factor (the cohort's fitted ``lesion_uptake_scale``),
hands it to the iodide biokinetics, and asks the observation model whether a 1 g
lesion is visible 72 h after a diagnostic I-131 activity. Run it with::

    python examples/population_uptake.py [N_PATIENTS] [SEED]

Research use only: the numbers are model results, not predictions for a patient and
never a treatment recommendation.
"""

from __future__ import annotations

import sys

import numpy as np

from rairlab.biokinetics import iodide_model
from rairlab.cohort import load_cohort_data
from rairlab.network import (
    compile_model,
    normal_thyrocyte,
    population_steady_state,
    sample_parameters,
)
from rairlab.observation import scan_visible

GENOTYPES = (
    None,
    "NRAS p.Q61R",
    "BRAF p.V600E",
    "BRAF p.V600E; TERT c.-124C>T",
)
REGIMENS = ({}, {"dabrafenib": 1.0, "trametinib": 1.0})
LESION_MASS_G = 1.0
SCAN_TIME_H = 72.0


def run(n_patients: int = 2000, seed: int = 1) -> list[dict[str, object]]:
    """One row per genotype and regimen: median relative uptake and fraction visible."""
    model = compile_model()
    reference = float(normal_thyrocyte(model)["iodide_uptake"][0])
    sample = sample_parameters(None, n_patients, seed)
    tumour = load_cohort_data().patient["lesion_uptake_scale"]
    scale = tumour.draw(np.random.default_rng(seed), n_patients)
    rows = []
    for genotype in GENOTYPES:
        for drugs in REGIMENS:
            # lesion level: a subclonal TERT mutation mixes the two clones' uptake
            state = population_steady_state(model, sample, genotype=genotype, drugs=drugs)
            uptake = state["iodide_uptake"] / reference
            kinetics = iodide_model(np.clip(uptake * scale, 0.0, 5.0), mass_g=LESION_MASS_G)
            lesion = kinetics.fractions([SCAN_TIME_H])[:, 0, 1:3].sum(axis=1)
            pct_per_g = 100.0 * lesion / LESION_MASS_G
            visible = scan_visible(pct_per_g, LESION_MASS_G, scan="i131_wbs")
            rows.append(
                {
                    "genotype": genotype or "no driver",
                    "drugs": " + ".join(drugs) or "none",
                    "median_uptake": float(np.median(uptake)),
                    "p10_p90_uptake": [float(v) for v in np.percentile(uptake, [10, 90])],
                    "visible_fraction": float(visible.mean()),
                }
            )
    return rows


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 2000
    seed = int(argv[2]) if len(argv) > 2 else 1
    print(f"{n} virtual patients per row (seed {seed}); 1 g lesion, I-131 WBS at 72 h")
    print(f"{'genotype':30s} {'drugs':22s} {'uptake':>7s} {'p10-p90':>13s} {'visible':>8s}")
    for r in run(n, seed):
        lo, hi = r["p10_p90_uptake"]
        print(
            f"{r['genotype']!s:30s} {r['drugs']!s:22s} {r['median_uptake']:7.3f} "
            f"{lo:6.3f}-{hi:<6.3f} {r['visible_fraction']:8.0%}"
        )
    print("Uptake relative to a normal thyrocyte (network state, before the tumour uptake")
    print("factor). Calibrated model (docs/validation.md); research use only.")


if __name__ == "__main__":
    main(sys.argv)
