"""Virtual patients: histology, genotype, lesions and per-patient parameters, drawn per block.

One concept: :func:`sample_block` draws the candidates of one random block (up to
:data:`BLOCK` patients) of a population from that block's own
:class:`numpy.random.SeedSequence`, so a patient's draws depend only on the run
seed, its stream and its block, never on how blocks are grouped into chunks or
spread over workers.

Genotype with ``genotype: prevalence``: a driver (mutually exclusive BRAF V600E,
RAS, RET or NTRK fusions, or none) from the histology's cited frequencies (or the
setting's, where cited), then a TERT promoter mutation with the probability cited
for that histology and driver class (C228T or C250T by their cited share).
Lesions: a cited number per patient, each with a site and a mass drawn from the
site's distribution, and a lesion-to-lesion uptake factor (intra-patient
heterogeneity, an assumption). Network parameters come from the network's
population spec (:func:`rairlab.network.sample_parameters`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab.cohort._data import DRIVER_CLASSES, LESION_SITES, CohortData, Table
from rairlab.cohort._spec import Population
from rairlab.network import (
    PopulationSample,
    PopulationSpec,
    load_population_spec,
    sample_parameters,
)

__all__ = ["BLOCK", "Patients", "block_seed", "driver_class", "sample_block"]

#: Patients per random block: the unit of reproducibility (chunks are whole blocks).
BLOCK = 1024


def block_seed(seed: int, stream: int, block: int, round_: int = 0) -> np.random.SeedSequence:
    """The SeedSequence of one block: ``SeedSequence(seed).spawn`` along (stream, block, round).

    Examples
    --------
    >>> a = block_seed(7, 0, 3).generate_state(2)
    >>> b = np.random.SeedSequence(7).spawn(1)[0].spawn(4)[3].spawn(1)[0].generate_state(2)
    >>> bool(np.all(a == b))
    True
    """
    return np.random.SeedSequence(seed, spawn_key=(stream, block, round_))


@dataclass(frozen=True)
class Patients:
    """Per-patient draws, shape ``(n,)``, and per-lesion draws, shape ``(n, max_lesions)``.

    Absent lesion slots have ``present`` False and NaN mass.
    """

    histology: NDArray[np.str_]
    genotype: NDArray[np.str_]  # the genotype text, "" for no modelled alteration
    driver_class: NDArray[np.str_]
    present: NDArray[np.bool_]
    site: NDArray[np.int8]  # index into LESION_SITES, -1 when absent
    mass_g: NDArray[np.float64]
    lesion_uptake_scale: NDArray[np.float64]
    body_mass_kg: NDArray[np.float64]
    renal_clearance_scale: NDArray[np.float64]
    alpha_per_gy: NDArray[np.float64]
    doubling_time_days: NDArray[np.float64]
    dead_cell_clearance_half_time_days: NDArray[np.float64]
    response_uniform: NDArray[np.float64]  # (n, max_lesions) U(0,1) for lesion control events
    network: PopulationSample

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.histology.shape[0])

    def take(self, rows: Any) -> Patients:
        """The patients at `rows`, in that order."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.take(rows) if f.name == "network" else v[rows]
        return Patients(**out)

    @staticmethod
    def concat(parts: list[Patients]) -> Patients:
        """Patients of several blocks, in order."""
        out: dict[str, Any] = {}
        for f in fields(Patients):
            vals = [getattr(p, f.name) for p in parts]
            if f.name == "network":
                first = vals[0]
                out[f.name] = PopulationSample(
                    first.spec,
                    {k: np.concatenate([v[k] for v in vals]) for k in first.values},
                    first.seed,
                )
            else:
                out[f.name] = np.concatenate(vals)
        return Patients(**out)


def _choice(rng: np.random.Generator, p: dict[str, float], n: int) -> NDArray[np.str_]:
    keys = list(p)
    return np.asarray(keys)[rng.choice(len(keys), size=n, p=np.asarray(list(p.values())))]


def driver_class(text: str) -> str:
    """The driver class of a genotype text (for TERT co-occurrence): BRAF, RAS, fusion or none.

    Examples
    --------
    >>> [driver_class(g) for g in ("BRAF p.V600E", "NRAS mut", "ETV6::NTRK3", "")]
    ['BRAF', 'RAS', 'fusion', 'none']
    """
    t = text.upper()
    if "BRAF" in t:
        return "BRAF"
    if "RAS" in t:
        return "RAS"
    if "::" in t or "FUSION" in t:
        return "fusion"
    return "none"


def _classes(texts: NDArray[Any]) -> NDArray[np.str_]:
    values, inverse = np.unique(texts.astype(str), return_inverse=True)
    return np.asarray([driver_class(str(v)) for v in values], dtype=str)[inverse.reshape(-1)]


def _genotypes(
    pop: Population, data: CohortData, histology: NDArray[np.str_], rng: np.random.Generator
) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    n = histology.shape[0]
    if isinstance(pop.genotype, dict):
        texts = _choice(rng, pop.genotype, n)
        genotype = np.where(texts == "none", "", texts)
        return genotype, _classes(genotype)
    setting = data.setting(pop.setting)
    drivers = np.empty(n, dtype=object)
    u_tert = np.asarray(rng.random(n))
    u_variant = np.asarray(rng.random(n))
    for h in np.unique(histology):
        rows = np.flatnonzero(histology == h)
        table: Table = setting.drivers or data.drivers[str(h)]
        drivers[rows] = _choice(rng, dict(table.p), rows.size)
    drivers = np.where(drivers == "none", "", drivers).astype(str)
    classes = _classes(drivers)
    tert = np.full(n, "", dtype=object)
    for h in np.unique(histology):
        table = setting.tert or data.tert[str(h)]
        share = setting.c228t_share if setting.tert is not None else data.c228t_share[str(h)]
        rows = np.flatnonzero(histology == h)
        p = np.zeros(rows.size)
        for c in DRIVER_CLASSES:
            p[classes[rows] == c] = table.p[c]
        has = u_tert[rows] < p
        variant = np.where(u_variant[rows] < share, "TERT c.-124C>T", "TERT c.-146C>T")
        tert[rows] = np.where(has, variant, "")
    tert = tert.astype(str)
    sep = np.where((drivers != "") & (tert != ""), "; ", "")
    return np.char.add(np.char.add(drivers, sep), tert), classes


def sample_block(
    pop: Population,
    data: CohortData,
    seed: np.random.SeedSequence,
    n: int,
    network: PopulationSpec | None = None,
) -> Patients:
    """Draw `n` candidate patients of population `pop` from one block's `seed`.

    `network` is the network's population spec (default: the fitted one).

    Examples
    --------
    >>> from rairlab.cohort._data import load_cohort_data
    >>> from rairlab.cohort._spec import Population
    >>> p = sample_block(Population(n=5), load_cohort_data(), block_seed(1, 0, 0), 5)
    >>> p.n, p.mass_g.shape[0]
    (5, 5)
    """
    setting = data.setting(pop.setting)
    s_hist, s_geno, s_les, s_pat, s_net, s_resp = seed.spawn(6)
    rng = np.random.default_rng(s_hist)
    hist_p = setting.histology.restricted(list(pop.histology) if pop.histology else None)
    histology = _choice(rng, hist_p, n)
    genotype, classes = _genotypes(pop, data, histology, np.random.default_rng(s_geno))

    rng = np.random.default_rng(s_les)
    count = setting.lesion_count.draw(rng, n).astype(int)
    width = int(max(setting.lesion_count.params["values"]))
    present = np.arange(width)[None, :] < count[:, None]
    site_p = setting.lesion_sites.p
    site = rng.choice(
        len(LESION_SITES), size=(n, width), p=[site_p.get(s, 0.0) for s in LESION_SITES]
    ).astype(np.int8)
    mass = np.full((n, width), np.nan)
    for k, s in enumerate(LESION_SITES):
        m = data.lesion_mass[s].draw(rng, n * width).reshape(n, width)
        mass = np.where(site == k, m, mass)
    scale = data.patient["lesion_uptake_scale"].draw(rng, n * width).reshape(n, width)
    mass = np.where(present, mass, np.nan)
    site = np.where(present, site, -1).astype(np.int8)

    rng = np.random.default_rng(s_pat)
    pat = {k: d.draw(rng, n) for k, d in data.patient.items() if k != "lesion_uptake_scale"}
    return Patients(
        histology=histology,
        genotype=genotype,
        driver_class=classes,
        present=present,
        site=site,
        mass_g=mass,
        lesion_uptake_scale=np.where(present, scale, np.nan),
        response_uniform=np.random.default_rng(s_resp).random((n, width)),
        network=sample_parameters(network or load_population_spec(), n, s_net),
        **pat,
    )
