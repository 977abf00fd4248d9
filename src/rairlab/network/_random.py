"""Random perturbation cohorts: every kind of perturbation the model and its SBML export carry.

Used to cross-check rairlab's solvers against libRoadRunner and to benchmark
them on the same patients; also a starting point for sensitivity studies.
"""

from __future__ import annotations

import numpy as np

from rairlab.network._compiled import CompiledModel, Conditions, KineticParameters
from rairlab.network._perturb import conditions

__all__ = ["RANDOM_DRUGS", "RANDOM_ENVIRONMENT", "RANDOM_GENOTYPES", "random_conditions"]

RANDOM_GENOTYPES = (
    "",
    "BRAF p.V600E",
    "BRAF p.V600E; TERT c.-124C>T",
    "CCDC6::RET",
    "ETV6::NTRK3",
    "NRAS p.Q61R",
    "TERT c.-146C>T",
)
RANDOM_DRUGS = (
    "dabrafenib",
    "trametinib",
    "lapatinib",
    "selpercatinib",
    "saha",
    "ev-nis",
    "potassium perchlorate",
    "tazemetostat",
    "larotrectinib",
)
RANDOM_ENVIRONMENT = (
    "tsh",
    "growth_factors",
    "tgfb",
    "hypoxia",
    "glucose",
    "adhesion",
    "tlr4",
    "oxidative_stress",
)


def random_conditions(
    model: CompiledModel,
    n: int,
    rng: np.random.Generator,
    pulse_fraction: float = 0.0,
    kinetics: bool = False,
) -> Conditions:
    """Conditions for `n` random patients: genotypes, drugs, environments, scales and clamps.

    Each patient gets one genotype of :data:`RANDOM_GENOTYPES`, each drug of
    :data:`RANDOM_DRUGS` with probability 0.3 (exposure uniform in 0.1..3),
    every environment key uniform in 0..1, 5% of nodes an extra loss-of-function
    scale (0.2..1) and 2% of non-input nodes a clamp at a random value.

    Parameters
    ----------
    model
        The compiled model.
    n
        Number of patients.
    rng
        The random generator (seeded by the caller).
    pulse_fraction
        Fraction of patients (the first ones) given an EV-NIS pulse for sure.
    kinetics
        Also draw per-patient kinetic parameters: every edge's k (x 0.7..1.4) and
        maximal effect (x 0.8..1, at most 1), a non-integer Hill exponent (n + -0.4..0.4,
        at least 1) on 10% of the edges, and every node's tau (x 0.5..2).

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> c = random_conditions(compile_model(), 4, np.random.default_rng(1))
    >>> c.n_patients
    4
    """
    genotypes = [RANDOM_GENOTYPES[i] for i in rng.integers(0, len(RANDOM_GENOTYPES), n)]
    drugs = {d: np.where(rng.random(n) < 0.3, rng.uniform(0.1, 3.0, n), 0.0) for d in RANDOM_DRUGS}
    k = int(n * pulse_fraction)
    if k:
        drugs["ev-nis"][:k] = rng.uniform(0.5, 2.0, k)
    env = {key: rng.random(n) for key in RANDOM_ENVIRONMENT}
    c = conditions(model, n, genotype=genotypes, drugs=drugs, env=env)
    shape = (n, model.n_nodes)
    scale = np.where(rng.random(shape) < 0.05, c.scale * rng.uniform(0.2, 1.0, shape), c.scale)
    clamp = c.clamp_mask | ((rng.random(shape) < 0.02) & ~model.is_input)
    value = np.where(clamp & ~c.clamp_mask, rng.random(shape), c.clamp_value)
    kin = None
    if kinetics:
        E = model.n_edges
        hill_n = np.where(
            rng.random((n, E)) < 0.1,
            np.maximum(1.0, model.edge_n + rng.uniform(-0.4, 0.4, (n, E))),
            model.edge_n,
        )
        kin = KineticParameters(
            edge_k=model.edge_k * rng.uniform(0.7, 1.4, (n, E)),
            edge_n=hill_n,
            edge_max=np.minimum(1.0, model.edge_max * rng.uniform(0.8, 1.0, (n, E))),
            tau=model.tau * rng.uniform(0.5, 2.0, shape),
        )
    return Conditions(clamp, value, scale, c.bias, c.pulses, c.labels, kin)
