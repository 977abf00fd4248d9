"""Photon absorbed fractions of uniformly loaded water spheres by Monte Carlo.

Run from the repository root (5 CPU-minutes: 3 minutes on 2 idle cores)::

    python src/rairlab/dosimetry/data/photon_af/generate.py

It writes ``sphere_photon_af.yaml`` beside this script: the fraction φp of the
emitted photon energy absorbed in unit-density water spheres of 0.01-1000 g
(25 masses, log-spaced), for the penetrating photon spectra (≥ 10 keV) of the
shipped nuclides and for monoenergetic photons of 10 keV-10 MeV (25 energies),
with the standard error of each value. It reads ``water_cross_sections.yaml``
(written by ``tabulate_cross_sections.py`` from ``xraydb``), ``assumptions.yaml``
and the data the ``rairlab`` package ships; rairlab reads only the YAML output
at run time.

Physics (each choice is a record of ``assumptions.yaml``)
---------------------------------------------------------
* **Source**: photons start at points uniform in the sphere, isotropically.
  A nuclide's lines are those of `rairlab.dosimetry.get_nuclide` (ICRP-107
  photons ≥ 10 keV, annihilation photons included, Po-211 folded into At-211
  with its 0.582 EC branch). A history picks line ``i`` with probability
  ``E_i·y_i / Σ E·y`` and scores its absorbed energy divided by ``E_i``, so the
  mean score is the energy-weighted absorbed fraction.
* **Cross sections** of liquid water (``water_cross_sections.yaml``):
  photoelectric, coherent and incoherent from the Elam, Ravel & Sieber (2002)
  tables in ``xraydb`` (1 keV-800 keV, the top of those tables); above
  800 keV incoherent = Klein-Nishina x electron density, coherent and
  photoelectric extrapolated log-log, and the rest of the NIST XCOM total
  (Hubbell & Seltzer, NIST SRD 126) counted as pair production (above
  1.022 MeV) or photoelectric absorption (below).
* **Interactions**: Compton scattering from the Klein-Nishina cross section
  for free electrons at rest (binding and Doppler broadening ignored; sampled
  as in Butcher & Messel 1960 / Geant4 ``G4KleinNishinaCompton``), the
  electron taking ``E - E'`` along ``E·u - E'·u'``; coherent scattering
  changes neither energy nor direction (its form factor confines it to
  < 20° at 30 keV and less above; each nuclide is rerun with Thomson angles
  at three masses as a bound, ``phi_thomson_coherent``); photoelectric absorption deposits
  the photon energy (O K fluorescence, 0.5 keV, is absorbed where it is
  made); pair production deposits ``E - 2mc²`` and emits two 511 keV
  photons back to back in a random direction from the same point.
* **Kerma approximation**: electron energy is deposited at the interaction
  point. A second score follows each electron along a straight line with its
  CSDA range (NIST ESTAR, as the package's electron model does), an upper
  bound on electron escape; the difference between the two scores bounds the
  kerma error (largest for the 0.01 g sphere of radius 1.34 mm: 20 % for
  I-131, 48 % for I-124, 3 % or less for I-123, I-125 and At-211).
* Photons are followed until they leave the sphere or drop below 1 keV, then
  absorbed where they are.
* **Variance reduction**: forced first collision (Cashwell & Everett 1959):
  the first interaction is sampled inside the sphere and the history carries
  the weight ``1 - exp(-μd)``, ``d`` the distance to the surface; the
  uncollided escape ``exp(-μd)`` is scored exactly. Later flights are analog.
  The first-collision energy is scored too, for comparison with the exact
  formula ``(1 - P_esc(μR))·μtr/μ``.
* **Statistics**: each (source, mass) runs at least `HISTORIES` histories, and
  more in chunks until its relative standard error is below
  `TARGET_RELATIVE_SE`, with its own seed (`SEED`, the source's index and the
  mass's index), so the results do not depend on the number of processes.
  Lines are drawn by systematic sampling; the standard error is that of the
  stratified mean, from the per-history scores of each line.

References
----------
Elam WT, Ravel BD, Sieber JR. A new atomic database for X-ray spectroscopic
calculations. Radiat Phys Chem 2002;63:121-128. doi:10.1016/S0969-806X(01)00227-4
Hubbell JH, Seltzer SM. NIST Standard Reference Database 126, 2004. doi:10.18434/T4D01F
Klein O, Nishina Y. Z Phys 1929;52:853-868. doi:10.1007/BF01366453
Butcher JC, Messel H. Electron number distribution in electron-photon showers in air
and aluminium absorbers. Nucl Phys 1960;20:15-128. doi:10.1016/0029-5582(60)90162-0
Cashwell ED, Everett CJ. A Practical Manual on the Monte Carlo Method for Random Walk
Problems. Pergamon, 1959.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import yaml
from numpy.typing import NDArray

from rairlab.dosimetry import csda_range_cm, get_nuclide
from rairlab.dosimetry._data import shipped, sphere_model

Array = NDArray[np.float64]

HERE = Path(__file__).parent
CROSS_SECTION_FILE = "photon_af/water_cross_sections.yaml"
ASSUMPTION_FILE = "photon_af/assumptions.yaml"
OUTPUT = HERE / "sphere_photon_af.yaml"

# Run settings (choices of this calculation, recorded in the output).
SEED = 20250107
NUCLIDES = ("I-123", "I-124", "I-125", "I-131", "At-211")
MASSES_G = np.geomspace(0.01, 1000.0, 25)
ENERGIES_MEV = np.geomspace(0.01, 10.0, 25)
HISTORIES = 400_000
CHUNK = 50_000
# A case goes on, a chunk at a time (at most 4 x HISTORIES), until its relative standard
# error is below this.
TARGET_RELATIVE_SE = 0.004
# Masses (indices into MASSES_G: 0.01, 3.16 and 1000 g) of the Thomson coherent bound.
BOUND_MASS_INDEX = (0, 12, 24)
# Fine uniform ln(E) grid on which the cross sections are pre-interpolated.
XS_POINTS_PER_E_FOLD = 1000
KIND_PHOTO, KIND_INCOH, KIND_COH, KIND_PAIR = range(4)


def _record(symbol: str) -> dict[str, Any]:
    (rec,) = [r for r in shipped(CROSS_SECTION_FILE) if r["symbol"] == symbol]
    return rec


def _model(name: str) -> Any:
    (rec,) = [r for r in shipped(ASSUMPTION_FILE) if r["name"] == name]
    return rec["value"]


@dataclass(frozen=True)
class Water:
    """Cross sections (1/cm) on a fine uniform ln E grid, and the rest energy of the electron."""

    ln_e0: float
    step: float
    partial: Array  # (grid, 4): photoelectric, incoherent, coherent, pair in 1/cm
    mec2: float

    @classmethod
    def load(cls, density: float) -> Water:
        e_lo = float(_record("photoelectric")["energy_mev"][0])
        e_hi = float(_record("photoelectric")["energy_mev"][-1])
        n = int(np.log(e_hi / e_lo) * XS_POINTS_PER_E_FOLD) + 1
        ln_e = np.linspace(np.log(e_lo), np.log(e_hi), n)
        cols = []
        for sym in ("photoelectric", "incoherent", "coherent", "pair"):
            rec = _record(sym)
            e, v = np.asarray(rec["energy_mev"]), np.asarray(rec["values"])
            if rec["interpolation"] == "log-log":
                cols.append(np.exp(np.interp(ln_e, np.log(e), np.log(v))))
            else:
                cols.append(np.interp(np.exp(ln_e), e, v, left=0.0))
        mec2 = float(_record("electron_rest_energy")["value"])
        return cls(float(ln_e[0]), float(ln_e[1] - ln_e[0]), np.stack(cols, 1) * density, mec2)

    def coefficients(self, energy: Array) -> Array:
        """Partial linear attenuation coefficients at `energy`, shape (n, 4)."""
        x = (np.log(energy) - self.ln_e0) / self.step
        i = np.clip(x.astype(np.intp), 0, self.partial.shape[0] - 2)
        f = (x - i)[:, None]
        return self.partial[i] * (1.0 - f) + self.partial[i + 1] * f


class CsdaRange(NamedTuple):
    """Electron CSDA range in water (package data, NIST ESTAR) and its inverse, log-log."""

    ln_e: Array
    ln_r: Array

    @classmethod
    def load(cls, density: float) -> CsdaRange:
        e = np.geomspace(1e-5, 20.0, 2000)
        return cls(np.log(e), np.log(csda_range_cm(e, "electron", density)))

    def range_cm(self, energy: Array) -> Array:
        return np.exp(np.interp(np.log(np.maximum(energy, 1e-300)), self.ln_e, self.ln_r))

    def energy_mev(self, range_cm: Array) -> Array:
        return np.exp(np.interp(np.log(np.maximum(range_cm, 1e-300)), self.ln_r, self.ln_e))


def isotropic(n: int, rng: np.random.Generator) -> Array:
    """Unit vectors uniform on the sphere, shape (n, 3)."""
    cos_t = 2.0 * rng.random(n) - 1.0
    phi = 2.0 * np.pi * rng.random(n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], 1)


def uniform_in_sphere(n: int, radius: float, rng: np.random.Generator) -> Array:
    return isotropic(n, rng) * (radius * np.cbrt(rng.random(n)))[:, None]


def distance_to_surface(pos: Array, u: Array, radius: float) -> Array:
    """Distance along unit `u` from `pos` (inside) to the sphere's surface."""
    b = np.einsum("ij,ij->i", pos, u)
    c = np.minimum(np.einsum("ij,ij->i", pos, pos) - radius**2, 0.0)
    return -b + np.sqrt(b * b - c)


def rotate(u: Array, cos_t: Array, phi: Array) -> Array:
    """Directions at polar angle acos(cos_t) and azimuth phi about each unit vector `u`."""
    sin_t = np.sqrt(np.maximum(1.0 - cos_t**2, 0.0))
    cp, sp = np.cos(phi), np.sin(phi)
    ux, uy, uz = u[:, 0], u[:, 1], u[:, 2]
    rho = np.sqrt(np.maximum(1.0 - uz**2, 0.0))
    polar = rho < 1e-8
    rho_safe = np.where(polar, 1.0, rho)
    out = np.stack(
        [
            sin_t * (ux * uz * cp - uy * sp) / rho_safe + ux * cos_t,
            sin_t * (uy * uz * cp + ux * sp) / rho_safe + uy * cos_t,
            -sin_t * cp * rho + uz * cos_t,
        ],
        1,
    )
    if polar.any():
        out[polar] = np.stack([sin_t * cp, sin_t * sp, np.sign(uz) * cos_t], 1)[polar]
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def sample_klein_nishina(k: Array, rng: np.random.Generator) -> Array:
    """Ratio ε = E'/E of Compton-scattered photons, k = E/mc² (Butcher & Messel 1960)."""
    eps = np.empty_like(k)
    eps0 = 1.0 / (1.0 + 2.0 * k)
    eps0sq = eps0**2
    alpha1 = -np.log(eps0)
    alpha2 = alpha1 + 0.5 * (1.0 - eps0sq)
    todo = np.arange(k.size)
    while todo.size:
        r = rng.random((3, todo.size))
        a1, a2, e0sq, kk = alpha1[todo], alpha2[todo], eps0sq[todo], k[todo]
        e = np.where(a1 > a2 * r[0], np.exp(-a1 * r[1]), np.sqrt(e0sq + (1.0 - e0sq) * r[1]))
        one_minus_cos = (1.0 - e) / (e * kk)
        sin2 = one_minus_cos * (2.0 - one_minus_cos)
        accept = 1.0 - e * sin2 / (1.0 + e * e) >= r[2]
        eps[todo[accept]] = e[accept]
        todo = todo[~accept]
    return eps


class Scores(NamedTuple):
    """Per-history energies (MeV): kerma deposit, first-collision deposit, straight-CSDA
    electron deposit, escaped photon energy."""

    deposit: Array
    first: Array
    deposit_csda: Array
    escape: Array


def _electron_deposit(pos: Array, v: Array, energy: Array, radius: float, csda: CsdaRange) -> Array:
    """Energy an electron leaves inside the sphere along a straight CSDA track."""
    r0 = csda.range_cm(energy)
    s = distance_to_surface(pos, v, radius)
    left = np.where(r0 > s, csda.energy_mev(r0 - s), 0.0)
    return energy - np.minimum(left, energy)


def transport(
    e0: Array,
    radius: float,
    rng: np.random.Generator,
    water: Water,
    csda: CsdaRange,
    cutoff: float,
    thomson_coherent: bool = False,
) -> Scores:
    """Follow `e0.size` photon histories started uniformly in a sphere of `radius` cm."""
    n = e0.size
    deposit, first, deposit_csda, escape = (np.zeros(n) for _ in range(4))

    def score(target: Array, hist: NDArray[np.intp], values: Array) -> None:
        target += np.bincount(hist, weights=values, minlength=n)

    hist = np.arange(n)
    pos = uniform_in_sphere(n, radius, rng)
    u = isotropic(n, rng)
    energy = e0.copy()
    # Forced first collision: sample the first interaction inside the sphere.
    mu_part = water.coefficients(energy)
    mu = mu_part.sum(1)
    d = distance_to_surface(pos, u, radius)
    p_interact = -np.expm1(-mu * d)
    weight = p_interact
    escape += (1.0 - p_interact) * e0
    s = -np.log1p(-rng.random(n) * p_interact) / mu
    is_first = True
    while hist.size:
        if not is_first:
            mu_part = water.coefficients(energy)
            mu = mu_part.sum(1)
            d = distance_to_surface(pos, u, radius)
            s = -np.log(1.0 - rng.random(hist.size)) / mu
            out = s >= d
            score(escape, hist[out], weight[out] * energy[out])
            keep = ~out
            hist, pos, u, energy, weight = (
                hist[keep],
                pos[keep],
                u[keep],
                energy[keep],
                weight[keep],
            )
            mu_part, mu, s = mu_part[keep], mu[keep], s[keep]
        pos = pos + s[:, None] * u
        # Interaction type from the partial coefficients.
        cum = np.cumsum(mu_part, 1)
        kind = (rng.random(hist.size) * mu)[:, None] >= cum[:, :-1]
        kind = kind.sum(1)
        transferred = np.zeros(hist.size)
        csda_dep = np.zeros(hist.size)
        alive = np.ones(hist.size, dtype=bool)
        new_energy = energy.copy()
        new_u = u.copy()

        ph = kind == KIND_PHOTO
        transferred[ph] = energy[ph]
        csda_dep[ph] = _electron_deposit(
            pos[ph], isotropic(int(ph.sum()), rng), energy[ph], radius, csda
        )
        alive[ph] = False

        co = kind == KIND_INCOH
        if co.any():
            e_in, u_in = energy[co], u[co]
            eps = sample_klein_nishina(e_in / water.mec2, rng)
            cos_t = 1.0 - (1.0 - eps) / (eps * e_in / water.mec2)
            u_out = rotate(u_in, cos_t, 2.0 * np.pi * rng.random(e_in.size))
            e_out = eps * e_in
            t = e_in - e_out
            p_e = e_in[:, None] * u_in - e_out[:, None] * u_out
            v_e = p_e / np.linalg.norm(p_e, axis=1, keepdims=True)
            transferred[co] = t
            csda_dep[co] = _electron_deposit(pos[co], v_e, t, radius, csda)
            new_energy[co] = e_out
            new_u[co] = u_out

        if thomson_coherent:
            ch = kind == KIND_COH
            if ch.any():
                new_u[ch] = rotate(
                    u[ch],
                    _sample_thomson(int(ch.sum()), rng),
                    2 * np.pi * rng.random(int(ch.sum())),
                )

        pp = kind == KIND_PAIR
        n_pair = int(pp.sum())
        if n_pair:
            t = energy[pp] - 2.0 * water.mec2
            transferred[pp] = t
            # Electron and positron share t, both along the photon's direction.
            csda_dep[pp] = 2.0 * _electron_deposit(pos[pp], u[pp], 0.5 * t, radius, csda)
            new_energy[pp] = water.mec2
            new_u[pp] = isotropic(n_pair, rng)

        if is_first:
            score(first, hist, weight * transferred)
            is_first = False
        score(deposit, hist, weight * transferred)
        score(deposit_csda, hist, weight * csda_dep)

        low = alive & (new_energy < cutoff)
        score(deposit, hist[low], weight[low] * new_energy[low])
        score(deposit_csda, hist[low], weight[low] * new_energy[low])
        alive &= ~low

        # The second annihilation photon travels opposite to the first.
        extra = pp & alive
        hist = np.concatenate([hist[alive], hist[extra]])
        pos = np.concatenate([pos[alive], pos[extra]])
        u = np.concatenate([new_u[alive], -new_u[extra]])
        energy = np.concatenate([new_energy[alive], new_energy[extra]])
        weight = np.concatenate([weight[alive], weight[extra]])
    return Scores(deposit, first, deposit_csda, escape)


def _sample_thomson(n: int, rng: np.random.Generator) -> Array:
    """cos θ from the Thomson distribution (1 + cos²θ)/2 (rejection)."""
    out = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        c = 2.0 * rng.random(todo.size) - 1.0
        ok = 2.0 * rng.random(todo.size) <= 1.0 + c * c
        out[todo[ok]] = c[ok]
        todo = todo[~ok]
    return out


class CaseResult(NamedTuple):
    phi: float
    se: float
    phi_first: float
    se_first: float
    phi_csda: float
    se_csda: float
    histories: int


@dataclass(frozen=True)
class Case:
    """One Monte Carlo run: a source (nuclide or energy) in one sphere."""

    source: str | float
    source_index: int
    mass_index: int
    histories: int
    thomson_coherent: bool = False


def _source_lines(source: str | float) -> tuple[Array, Array]:
    """Photon energies (MeV) and the probability of starting a history with each."""
    if isinstance(source, str):
        e_lines, y_lines = get_nuclide(source).photon_spectrum
        return e_lines, e_lines * y_lines / np.sum(e_lines * y_lines)
    return np.array([float(source)]), np.array([1.0])


def run_case(case: Case) -> CaseResult:
    """Absorbed fractions (kerma, first collision, straight CSDA electrons) of one case.

    Lines are drawn by systematic sampling (one random offset per chunk on the cumulative
    probabilities), so each line gets its expected share of histories up to one, and the
    standard error is that of a stratified mean, ``sqrt(Σ_i n_i s_i²) / N``, with ``s_i``
    the standard deviation of the scores of line ``i``.
    """
    density = sphere_model().value("unit_density_g_cm3")
    water = Water.load(density)
    csda = CsdaRange.load(density)
    cutoff = float(_model("photon_cutoff_mev"))
    radius = float(np.cbrt(3.0 * MASSES_G[case.mass_index] / (4.0 * np.pi * density)))
    rng = np.random.default_rng([SEED, case.source_index, case.mass_index])
    e_lines, p_lines = _source_lines(case.source)
    cdf = np.cumsum(p_lines)
    cdf /= cdf[-1]
    # Per line: histories, and sum and sum of squares of the three scores.
    count = np.zeros(e_lines.size)
    sums = np.zeros((3, 2, e_lines.size))
    while True:
        line = np.minimum(
            np.searchsorted(cdf, (np.arange(CHUNK) + rng.random()) / CHUNK), e_lines.size - 1
        )
        e0 = e_lines[line]
        sc = transport(e0, radius, rng, water, csda, cutoff, case.thomson_coherent)
        balance = (sc.deposit + sc.escape) / e0 - 1.0
        if np.abs(balance).max() > 1e-9:
            raise RuntimeError(f"energy not conserved in {case}: {np.abs(balance).max()}")
        count += np.bincount(line, minlength=e_lines.size)
        for i, x in enumerate((sc.deposit / e0, sc.first / e0, sc.deposit_csda / e0)):
            sums[i, 0] += np.bincount(line, weights=x, minlength=e_lines.size)
            sums[i, 1] += np.bincount(line, weights=x * x, minlength=e_lines.size)
        mean, se = _stratified_mean(count, sums)
        done = int(count.sum())
        if done >= case.histories and (
            se[0] < TARGET_RELATIVE_SE * mean[0] or done >= 4 * case.histories
        ):
            break
    return CaseResult(
        phi=float(mean[0]),
        se=float(se[0]),
        phi_first=float(mean[1]),
        se_first=float(se[1]),
        phi_csda=float(mean[2]),
        se_csda=float(se[2]),
        histories=done,
    )


def _stratified_mean(count: Array, sums: Array) -> tuple[Array, Array]:
    """Means of the three scores and their standard errors ``sqrt(Σ_i n_i s_i²) / N``."""
    n_total = count.sum()
    mean = sums[:, 0].sum(1) / n_total
    many = count > 1
    within = np.zeros_like(sums[:, 0])
    within[:, many] = (sums[:, 1, many] - sums[:, 0, many] ** 2 / count[many]) / (count[many] - 1)
    return mean, np.sqrt(np.maximum(within, 0.0) @ count) / n_total


def _round(values: Any, digits: int = 5) -> list[Any]:
    arr = np.asarray(values, dtype=float)
    if arr.ndim > 1:
        return [_round(row, digits) for row in arr]
    return [float(f"{x:.{digits}g}") for x in arr]


def run_all(histories: int, processes: int) -> dict[str, Any]:
    """Every (source, mass) case; returns the YAML document."""
    sources: list[str | float] = [*NUCLIDES, *(float(e) for e in ENERGIES_MEV)]
    cases = [
        Case(src, i, j, histories) for i, src in enumerate(sources) for j in range(MASSES_G.size)
    ]
    # Coherent-scattering bound: Thomson angles instead of none, nuclides only.
    bound_cases = [
        Case(src, i, j, histories, True) for i, src in enumerate(NUCLIDES) for j in BOUND_MASS_INDEX
    ]
    with ProcessPoolExecutor(processes) as pool:
        res = list(pool.map(run_case, cases + bound_cases, chunksize=1))
    main_res, bound_res = res[: len(cases)], res[len(cases) :]
    grid = np.array(main_res).reshape(len(sources), MASSES_G.size, 7)
    bound = np.array(bound_res).reshape(len(NUCLIDES), 3, 7)
    return _document(grid, bound, histories)


def _document(grid: Array, bound: Array, histories: int) -> dict[str, Any]:
    """The output records: one per nuclide, one for monoenergetic photons."""
    citation = (
        "rairlab photon Monte Carlo for uniformly loaded water spheres "
        "(src/rairlab/dosimetry/data/photon_af/generate.py); cross sections "
        "photon_af/water_cross_sections.yaml (Elam, Ravel & Sieber 2002, "
        "doi:10.1016/S0969-806X(01)00227-4, via xraydb; Klein-Nishina and NIST SRD 126 "
        "above 800 keV); photon spectra ICRP Publication 107, doi:10.1016/j.icrp.2008.10.004"
    )
    method = {
        "geometry": "unit-density liquid-water sphere, source uniform in volume, isotropic",
        "photons": "ICRP-107 lines >= 10 keV (annihilation included), energy-weighted",
        "interactions": (
            "photoelectric (local), incoherent (Klein-Nishina, free electrons at rest), "
            "coherent (no change of direction or energy), pair (E - 2mc2 local, two 511 keV "
            "photons back to back)"
        ),
        "energy_deposition": "kerma approximation: electron energy deposited at the interaction",
        "photon_cutoff_mev": float(_model("photon_cutoff_mev")),
        "variance_reduction": (
            "forced first collision (weight 1 - exp(-mu d)), analog afterwards; lines drawn "
            "by systematic sampling"
        ),
        "cross_sections": CROSS_SECTION_FILE,
        "histories": (
            f"at least {histories} per value, more (chunks of {CHUNK}, at most "
            f"{4 * histories}) until the relative standard error is below {TARGET_RELATIVE_SE}"
        ),
        "seed": SEED,
        "seed_rule": "numpy default_rng([seed, source index, mass index])",
        "standard_error": "1 sigma; stratified over lines: sqrt(sum_i n_i s_i^2) / N",
    }
    records: list[dict[str, Any]] = []
    for i, name in enumerate(NUCLIDES):
        g = grid[i]
        records.append(
            {
                "source": name,
                "provenance": "computed",
                "citation": citation,
                "method": dict(method),
                "mass_g": _round(MASSES_G),
                "phi": _round(g[:, 0]),
                "standard_error": _round(g[:, 1], 3),
                "histories": [int(h) for h in g[:, 6]],
                "phi_csda_electrons": _round(g[:, 4]),
                "phi_thomson_coherent": {
                    "mass_g": _round(MASSES_G[list(BOUND_MASS_INDEX)]),
                    "phi": _round(bound[i, :, 0]),
                    "standard_error": _round(bound[i, :, 1], 3),
                },
            }
        )
    mono = grid[len(NUCLIDES) :]
    records.append(
        {
            "source": "monoenergetic",
            "provenance": "computed",
            "citation": citation,
            "method": dict(method),
            "mass_g": _round(MASSES_G),
            "energy_mev": _round(ENERGIES_MEV),
            "phi": _round(mono[:, :, 0]),
            "standard_error": _round(mono[:, :, 1], 3),
            "histories": [[int(h) for h in row] for row in mono[:, :, 6]],
            "phi_first_collision": _round(mono[:, :, 2]),
            "standard_error_first_collision": _round(mono[:, :, 3], 3),
            "phi_csda_electrons": _round(mono[:, :, 4]),
        }
    )
    return {"records": records}


HEADER = """\
# Photon absorbed fractions of uniformly loaded unit-density water spheres, by Monte Carlo.
# Written by generate.py (do not edit by hand); see README.md for the physics and sources.
# phi: fraction of the emitted photon energy (>= 10 keV lines, energy-weighted for a
# nuclide) absorbed in the sphere, kerma approximation; standard_error: its 1-sigma
# statistical error. phi_csda_electrons: the same with electrons followed along straight
# CSDA tracks (an upper bound on electron escape). phi_thomson_coherent: coherent
# scattering with Thomson angles instead of none (a bound on that approximation).
# Monoenergetic arrays are [energy][mass].
"""


def main(argv: list[str] | None = None) -> None:
    """Run every case and write ``sphere_photon_af.yaml`` beside this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=HISTORIES)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    doc = run_all(args.histories, args.processes)
    text = HEADER + yaml.safe_dump(
        doc["records"], sort_keys=False, default_flow_style=None, width=100
    )
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
