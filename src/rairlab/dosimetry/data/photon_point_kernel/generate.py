"""Photon point kernels in water by Monte Carlo: energy absorbed in spherical shells.

Run from the repository root (about 5 CPU-minutes)::

    python src/rairlab/dosimetry/data/photon_point_kernel/generate.py

It writes ``water_photon_point_kernel.yaml`` beside this script: for a point
source of each shipped nuclide's penetrating photons (ICRP-107 lines ≥ 10 keV) in
an unbounded medium of unit-density liquid water, the fraction of the emitted
photon energy absorbed in each of 160 spherical shells around the source, from
0 to 300 g/cm², and beyond, with its standard error. rairlab reads only the YAML
at run time (`rairlab.dosimetry._point_kernel`), to add the photon dose that the
11×11×11 voxel S-value kernels of Lanconelli et al. (2012) leave out.

Physics: the transport of the sphere Monte Carlo ``../photon_af/generate.py``,
imported from it, not copied: the same cross sections
(``../photon_af/water_cross_sections.yaml``), Klein-Nishina Compton sampling,
coherent scattering without deflection, local photoelectric absorption, pair
production with two back-to-back 511 keV photons, the kerma approximation
(electron energy absorbed at the interaction) and the 1 keV photon cut-off
(``../photon_af/assumptions.yaml``). What differs is the geometry and the score:

* **Source and medium**: photons start at the origin, isotropically, in water
  that fills all space (no escape); every history ends by photoelectric
  absorption or below the cut-off, so the shells plus the last bin (absorbed
  beyond 300 g/cm²) hold all the emitted energy. The generator refuses to write if
  any batch loses more than 1e-9 of it.
* **Score**: the energy transferred at each interaction, divided by the history's
  initial photon energy (so a nuclide's score is the energy-weighted fraction, as
  in the sphere run), is added to the shell holding the interaction point. The
  first interaction is also scored on its own (``first_collision``), for the exact
  check ``μtr/μ·(e^{−μ r_a} − e^{−μ r_b})`` per line in the tests.
* **Analog** transport (no variance reduction). Lines are drawn by systematic
  sampling within each batch.
* **Statistics**: `BATCHES` independent batches of `BATCH` histories, each with its
  own seed (`SEED`, the source's index, the batch's index), so the result does not
  depend on the number of processes; the standard error of each shell is the
  spread of the batch means over √`BATCHES`.

Shells: 20 of 0.05 cm up to 1 cm, then 140 growing geometrically to 300 cm, all
at unit density; by the density-scaling theorem a medium of density ρ has the
same fractions at radii divided by ρ.

References
----------
Berger MJ. Energy deposition in water by photons from point isotropic sources. MIRD
Pamphlet No. 2. J Nucl Med 1968;9(Suppl 1):15-25 (the quantity tabulated here).
Elam WT, Ravel BD, Sieber JR. Radiat Phys Chem 2002;63:121-128.
doi:10.1016/S0969-806X(01)00227-4 (cross sections, through ../photon_af/).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np
import yaml
from numpy.typing import NDArray

from rairlab.dosimetry._data import sphere_model

Array = NDArray[np.float64]

HERE = Path(__file__).parent
OUTPUT = HERE / "water_photon_point_kernel.yaml"
SPHERE_MC = HERE.parent / "photon_af" / "generate.py"

# Run settings (choices of this calculation, recorded in the output).
SEED = 20250311
NUCLIDES = ("I-123", "I-124", "I-125", "I-131", "At-211")
BATCHES = 40
BATCH = 250_000
INNER_SHELLS = 20  # of 0.05 cm, 0-1 cm
OUTER_SHELLS = 140  # geometric, 1-300 cm
R_MAX_CM = 300.0


def _sphere_mc() -> ModuleType:
    """The sphere Monte Carlo script, imported as a module (its transport helpers)."""
    spec = importlib.util.spec_from_file_location("rairlab_photon_af_generate", SPHERE_MC)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {SPHERE_MC}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


MC = _sphere_mc()


def shell_edges_cm() -> Array:
    """Shell radii at unit density: 0-1 cm in 0.05 cm steps, then geometric to 300 cm."""
    inner = np.linspace(0.0, 1.0, INNER_SHELLS + 1)
    outer = np.geomspace(1.0, R_MAX_CM, OUTER_SHELLS + 1)
    return np.concatenate([inner, outer[1:]])


class BatchScore(NamedTuple):
    """Mean fraction of the emitted energy absorbed per shell (last bin: beyond), one batch."""

    absorbed: Array  # (n_shells + 1,)
    first: Array  # (n_shells + 1,)
    histories: int


def transport_point(e0: Array, rng: np.random.Generator, water: Any, cutoff: float) -> BatchScore:
    """Follow photons of energies `e0` from the origin in unbounded water; shell scores."""
    edges = shell_edges_cm()
    n_bins = edges.size  # n_shells + the bin beyond the last edge
    n = e0.size
    absorbed = np.zeros(n_bins)
    first = np.zeros(n_bins)
    emitted = 1.0 / e0  # each history's energy counts as 1

    def score(target: Array, pos: Array, hist: NDArray[np.intp], values: Array) -> None:
        r = np.sqrt(np.einsum("ij,ij->i", pos, pos))
        shell = np.searchsorted(edges, r, side="right") - 1
        target += np.bincount(shell, weights=values * emitted[hist], minlength=n_bins)

    hist = np.arange(n)
    pos = np.zeros((n, 3))
    u = MC.isotropic(n, rng)
    energy = e0.copy()
    is_first = True
    while hist.size:
        mu_part = water.coefficients(energy)
        mu = mu_part.sum(1)
        s = -np.log1p(-rng.random(hist.size)) / mu
        pos = pos + s[:, None] * u
        cum = np.cumsum(mu_part, 1)
        kind = ((rng.random(hist.size) * mu)[:, None] >= cum[:, :-1]).sum(1)
        transferred = np.zeros(hist.size)
        alive = np.ones(hist.size, dtype=bool)
        new_energy = energy.copy()
        new_u = u.copy()

        ph = kind == MC.KIND_PHOTO
        transferred[ph] = energy[ph]
        alive[ph] = False

        co = kind == MC.KIND_INCOH
        if co.any():
            e_in = energy[co]
            eps = MC.sample_klein_nishina(e_in / water.mec2, rng)
            cos_t = 1.0 - (1.0 - eps) / (eps * e_in / water.mec2)
            new_u[co] = MC.rotate(u[co], cos_t, 2.0 * np.pi * rng.random(e_in.size))
            new_energy[co] = eps * e_in
            transferred[co] = e_in - new_energy[co]

        pp = kind == MC.KIND_PAIR
        n_pair = int(pp.sum())
        if n_pair:
            transferred[pp] = energy[pp] - 2.0 * water.mec2
            new_energy[pp] = water.mec2
            new_u[pp] = MC.isotropic(n_pair, rng)

        if is_first:
            score(first, pos, hist, transferred)
            is_first = False
        score(absorbed, pos, hist, transferred)
        low = alive & (new_energy < cutoff)
        score(absorbed, pos[low], hist[low], new_energy[low])
        alive &= ~low

        extra = pp & alive  # the second annihilation photon, opposite to the first
        hist = np.concatenate([hist[alive], hist[extra]])
        pos = np.concatenate([pos[alive], pos[extra]])
        u = np.concatenate([new_u[alive], -new_u[extra]])
        energy = np.concatenate([new_energy[alive], new_energy[extra]])
    return BatchScore(absorbed / n, first / n, n)


def run_batch(job: tuple[int, int]) -> BatchScore:
    """One batch of `BATCH` histories of nuclide `NUCLIDES[source_index]`."""
    source_index, batch_index = job
    density = sphere_model().value("unit_density_g_cm3")
    water = MC.Water.load(density)
    cutoff = float(MC._model("photon_cutoff_mev"))
    rng = np.random.default_rng([SEED, source_index, batch_index])
    e_lines, p_lines = MC._source_lines(NUCLIDES[source_index])
    cdf = np.cumsum(p_lines)
    cdf /= cdf[-1]
    line = np.minimum(
        np.searchsorted(cdf, (np.arange(BATCH) + rng.random()) / BATCH), e_lines.size - 1
    )
    result = transport_point(e_lines[line], rng, water, cutoff)
    lost = abs(result.absorbed.sum() - 1.0)
    if lost > 1e-9:
        raise RuntimeError(f"energy not conserved in batch {job}: {lost:.3g}")
    return result


def _round(values: Any, digits: int = 5) -> list[float]:
    return [float(f"{x:.{digits}g}") for x in np.asarray(values, dtype=float)]


def run_all(processes: int) -> list[dict[str, Any]]:
    """Every batch of every nuclide; returns the YAML records."""
    jobs = [(i, b) for i in range(len(NUCLIDES)) for b in range(BATCHES)]
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(run_batch, jobs, chunksize=1))
    edges = shell_edges_cm()
    records = []
    for i, name in enumerate(NUCLIDES):
        batches = results[i * BATCHES : (i + 1) * BATCHES]
        absorbed = np.array([b.absorbed for b in batches])
        first = np.array([b.first for b in batches])
        records.append(_record(name, edges, absorbed, first))
    return records


def _record(name: str, edges: Array, absorbed: Array, first: Array) -> dict[str, Any]:
    mean = absorbed.mean(0)
    se = absorbed.std(0, ddof=1) / np.sqrt(BATCHES)
    f_mean = first.mean(0)
    f_se = first.std(0, ddof=1) / np.sqrt(BATCHES)
    return {
        "source": name,
        "provenance": "computed",
        "citation": (
            "rairlab photon point-kernel Monte Carlo in unbounded water "
            "(src/rairlab/dosimetry/data/photon_point_kernel/generate.py), transport of "
            "src/rairlab/dosimetry/data/photon_af/generate.py; cross sections "
            "photon_af/water_cross_sections.yaml (Elam, Ravel & Sieber 2002, "
            "doi:10.1016/S0969-806X(01)00227-4, via xraydb; Klein-Nishina and NIST SRD 126 "
            "above 800 keV); photon spectra ICRP Publication 107, doi:10.1016/j.icrp.2008.10.004"
        ),
        "method": {
            "geometry": "isotropic point source at the centre of unbounded unit-density water",
            "photons": "ICRP-107 lines >= 10 keV (annihilation included), energy-weighted",
            "interactions": (
                "as photon_af/generate.py: photoelectric (local), incoherent (Klein-Nishina, "
                "free electrons at rest), coherent (no change of direction or energy), pair "
                "(E - 2mc2 local, two 511 keV photons back to back)"
            ),
            "energy_deposition": "kerma approximation: electron energy absorbed at the interaction",
            "photon_cutoff_mev": float(MC._model("photon_cutoff_mev")),
            "variance_reduction": "none (analog); lines drawn by systematic sampling per batch",
            "histories": f"{BATCHES} batches of {BATCH}",
            "seed": SEED,
            "seed_rule": "numpy default_rng([seed, source index, batch index])",
            "standard_error": "1 sigma, spread of the batch means / sqrt(batches)",
        },
        "density_g_cm3": sphere_model().value("unit_density_g_cm3"),
        "histories": BATCHES * BATCH,
        "radius_edges_cm": _round(edges),
        "absorbed_fraction": _round(mean[:-1]),
        "standard_error": _round(se[:-1], 3),
        "absorbed_beyond": float(f"{mean[-1]:.4g}"),
        "absorbed_beyond_standard_error": float(f"{se[-1]:.3g}"),
        "first_collision": _round(f_mean[:-1]),
        "first_collision_standard_error": _round(f_se[:-1], 3),
    }


HEADER = """\
# Photon point kernels of unbounded unit-density liquid water, by Monte Carlo.
# Written by generate.py (do not edit by hand); see README.md for the physics and sources.
# absorbed_fraction[i]: fraction of the emitted photon energy (lines >= 10 keV,
# energy-weighted) absorbed between radius_edges_cm[i] and radius_edges_cm[i+1] around an
# isotropic point source, kerma approximation; absorbed_beyond: beyond the last edge;
# standard_error: 1 sigma statistical error. first_collision: the same for the first
# interaction only (for the exact check in the tests).
"""


def main(argv: list[str] | None = None) -> None:
    """Run every batch and write ``water_photon_point_kernel.yaml`` beside this script."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    records = run_all(args.processes)
    text = HEADER + yaml.safe_dump(records, sort_keys=False, default_flow_style=None, width=100)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
