"""Photon absorbed fractions of water spheres: the Monte Carlo table against independent checks.

The table ``data/photon_af/sphere_photon_af.yaml`` comes from
``data/photon_af/generate.py``. Nothing here imports that script: the checks use
their own code on the same cited inputs (``water_cross_sections.yaml``, the NIST
coefficients and the ICRP-107 lines).

* Cross sections: their sum equals the NIST total μ/ρ of liquid water, and the
  kerma coefficient they imply (photoelectric + Klein-Nishina energy transfer +
  pair) agrees with the NIST μen/ρ.
* First collision, exact: the energy given to electrons at the first interaction,
  from points uniform in a sphere of radius R, is ``(1 − P_esc(μR))·μtr/μ`` with
  the escape probability of an isotropic uniform source,
  ``P_esc(x) = 3/(8x³)·[2x² − 1 + (1 + 2x)e^{−2x}]`` (Case, de Hoffmann & Placzek,
  Introduction to the Theory of Neutron Diffusion, Los Alamos 1953, vol. I §7). The
  table's first-collision scores must equal it within their statistics.
* Full transport: an analog Monte Carlo written here (no forced collision,
  Compton angles by rejection from the Klein-Nishina cross section rather than the
  generator's Butcher-Messel sampling, its own rotation) reproduces the table
  within 3 % (the issue's criterion) and 4 standard errors, and its own first
  collisions reproduce the exact formula.
* Conservation: each analog history's absorbed plus escaped energy equals the
  emitted energy; φ rises with mass; φ → 1 for very large spheres.

No published table of photon absorbed fractions for water spheres (Stabin &
Konijnenberg 2000) could be found in a citable stored source, so none is compared.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import numpy as np
import pytest
import yaml

from rairlab.dosimetry import (
    get_nuclide,
    photon_absorbed_fraction,
    sphere_absorbed_fractions,
    sphere_radius_cm,
)
from rairlab.dosimetry._svalues import _buildup_kernel_fraction

DATA = files("rairlab.dosimetry").joinpath("data")
NUCLIDES = ("I-123", "I-124", "I-125", "I-131", "At-211")


def _yaml(relative: str) -> Any:
    return yaml.safe_load(DATA.joinpath(relative).read_text(encoding="utf-8"))


TABLE = {r["source"]: r for r in _yaml("photon_af/sphere_photon_af.yaml")}
XS = {r["symbol"]: r for r in _yaml("photon_af/water_cross_sections.yaml")}
NIST = {r["name"]: r for r in _yaml("nist_xraymasscoef/water.yaml")["records"]}
MEC2 = float(XS["electron_rest_energy"]["value"])
MONO = TABLE["monoenergetic"]
MONO_E = np.asarray(MONO["energy_mev"])
MONO_M = np.asarray(MONO["mass_g"])


def _cross_section(symbol: str, energy: np.ndarray) -> np.ndarray:
    """Mass attenuation coefficient (cm²/g) of one process, interpolated as its record says."""
    rec = XS[symbol]
    e, v = np.asarray(rec["energy_mev"]), np.asarray(rec["values"])
    if rec["interpolation"] == "linear":
        return np.interp(energy, e, v, left=0.0)
    return np.exp(np.interp(np.log(energy), np.log(e), np.log(v)))


def _partials(energy: np.ndarray) -> np.ndarray:
    """(n, 4): photoelectric, incoherent, coherent, pair, in 1/cm at unit density."""
    return np.stack(
        [_cross_section(s, energy) for s in ("photoelectric", "incoherent", "coherent", "pair")], 1
    )


def _klein_nishina_transfer_fraction(energy: np.ndarray) -> np.ndarray:
    """Mean fraction of the photon energy given to the electron, Klein-Nishina (quadrature)."""
    cos_t, w = np.polynomial.legendre.leggauss(400)
    k = np.atleast_1d(energy)[:, None] / MEC2
    ratio = 1.0 / (1.0 + k * (1.0 - cos_t))  # E'/E
    dsigma = ratio**2 * (ratio + 1.0 / ratio - (1.0 - cos_t**2))
    return (dsigma * (1.0 - ratio)) @ w / (dsigma @ w)


def _kerma_coefficient(energy: np.ndarray) -> np.ndarray:
    part = _partials(energy)
    pair_fraction = np.clip(1.0 - 2.0 * MEC2 / energy, 0.0, None)
    return (
        part[:, 0]
        + part[:, 1] * _klein_nishina_transfer_fraction(energy)
        + part[:, 3] * pair_fraction
    )


def _escape_probability(x: np.ndarray) -> np.ndarray:
    """Uncollided escape from a uniform isotropic source in a sphere of μR = x."""
    return 3.0 / (8.0 * x**3) * (2.0 * x**2 - 1.0 + (1.0 + 2.0 * x) * np.exp(-2.0 * x))


def _exact_first_collision(energy: np.ndarray, mass_g: np.ndarray) -> np.ndarray:
    """(n, M) exact first-collision absorbed fraction (kerma) for unit-density spheres."""
    mu = _partials(energy).sum(1)[:, None]
    radius = sphere_radius_cm(mass_g)[None, :]
    return (1.0 - _escape_probability(mu * radius)) * (_kerma_coefficient(energy) / mu[:, 0])[
        :, None
    ]


# --- cross sections -------------------------------------------------------------------


def test_cross_section_records_are_cited_and_tabulated_from_1_kev_to_10_mev() -> None:
    for rec in XS.values():
        assert rec["citation"]
        assert rec["provenance"] == "literature"
    for sym in ("photoelectric", "incoherent", "coherent"):
        e = XS[sym]["energy_mev"]
        assert e[0] == pytest.approx(1e-3)
        assert e[-1] == pytest.approx(10.0)
        assert np.all(np.diff(e) > 0)
        assert np.all(np.asarray(XS[sym]["values"]) > 0)
    assert XS["pair"]["values"][0] == 0.0
    assert XS["pair"]["energy_mev"][0] == pytest.approx(2.0 * MEC2, rel=1e-3)


def test_total_cross_section_equals_the_nist_attenuation_coefficient() -> None:
    # Elam (to 800 keV) against NIST XCOM: within 0.1 %; above 800 keV the table is built
    # on the NIST total, so it must return it (up to the 5 significant figures stored).
    e = np.asarray(NIST["mu_over_rho"]["energy_mev"])
    total = _partials(e).sum(1)
    np.testing.assert_allclose(total, NIST["mu_over_rho"]["value"], rtol=1e-3)


def test_kerma_coefficient_agrees_with_the_nist_energy_absorption_coefficient() -> None:
    # μtr from the partial cross sections vs NIST μen: within 1.5 % to 3 MeV (free-electron
    # Klein-Nishina energy transfer vs bound electrons near 60-100 keV); above, μtr exceeds
    # μen by the bremsstrahlung yield g (3.9 % at 10 MeV for water).
    e = np.asarray(NIST["mu_en_over_rho"]["energy_mev"])
    ratio = _kerma_coefficient(e) / np.asarray(NIST["mu_en_over_rho"]["value"])
    assert np.all(np.abs(ratio[e <= 3.0] - 1.0) < 0.015)
    assert np.all((ratio[e > 3.0] > 1.0) & (ratio[e > 3.0] < 1.05))


# --- the table ------------------------------------------------------------------------


@pytest.mark.parametrize("source", [*NUCLIDES, "monoenergetic"])
def test_table_records_are_cited_and_precise(source: str) -> None:
    rec = TABLE[source]
    assert rec["citation"]
    assert rec["provenance"] == "computed"
    phi, se = np.asarray(rec["phi"]), np.asarray(rec["standard_error"])
    assert np.all(se < 0.005 * phi)  # the issue's requirement: < 0.5 % relative
    assert np.all(np.diff(phi, axis=-1) > 0)  # more mass, more absorbed
    assert np.all((phi > 0) & (phi < 1))
    assert np.all(np.asarray(rec["histories"]) >= 400_000)


def test_first_collision_scores_equal_the_exact_formula() -> None:
    phi = np.asarray(MONO["phi_first_collision"])
    se = np.asarray(MONO["standard_error_first_collision"])
    exact = _exact_first_collision(MONO_E, MONO_M)
    z = (phi - exact) / se
    assert np.all(np.abs(phi / exact - 1.0) < 0.03)
    # 625 values: |z| < 4.5 for all (a normal sample would exceed it once in ~200 tables),
    # and the mean z near 0 (a bias of 0.5 sigma would show as a mean of 0.5).
    assert np.abs(z).max() < 4.5
    assert abs(z.mean()) < 0.2


def test_first_collision_is_the_whole_story_for_tiny_spheres_and_part_of_it_for_large() -> None:
    phi, first = np.asarray(MONO["phi"]), np.asarray(MONO["phi_first_collision"])
    assert np.all(first <= phi * (1.0 + 0.01))
    # At 0.01 g scattered photons nearly all escape; at 1 kg they matter (50 % more at 100 keV).
    np.testing.assert_allclose(first[:, 0], phi[:, 0], rtol=0.03)
    i100 = int(np.argmin(np.abs(MONO_E - 0.1)))
    assert phi[i100, -1] > 1.5 * first[i100, -1]


def test_low_energy_photons_are_absorbed_in_a_large_sphere() -> None:
    # 10 keV in 1 kg: μR = 33, so only photons from the outer ~0.3 mm escape.
    assert MONO["phi"][0][-1] > 0.97


# --- an analog Monte Carlo of its own -------------------------------------------------


def _orthonormal_frame(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors perpendicular to each row of `u` and to each other."""
    helper = np.where(np.abs(u[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    a = np.cross(u, helper)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    return a, np.cross(u, a)


def _deflect(u: np.ndarray, cos_t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    a, b = _orthonormal_frame(u)
    phi = rng.uniform(0.0, 2.0 * np.pi, cos_t.size)
    sin_t = np.sqrt(1.0 - cos_t**2)
    return (
        cos_t[:, None] * u + (sin_t * np.cos(phi))[:, None] * a + (sin_t * np.sin(phi))[:, None] * b
    )


def _random_directions(n: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _compton_cosines(energy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """cos θ by rejection: uniform cos θ accepted with dσ/dΩ ÷ its forward maximum."""
    out = np.empty_like(energy)
    todo = np.arange(energy.size)
    while todo.size:
        c = rng.uniform(-1.0, 1.0, todo.size)
        ratio = 1.0 / (1.0 + energy[todo] / MEC2 * (1.0 - c))
        accept = rng.random(todo.size) * 2.0 <= ratio**2 * (ratio + 1.0 / ratio - (1.0 - c * c))
        out[todo[accept]] = c[accept]
        todo = todo[~accept]
    return out


def _distance_out(pos: np.ndarray, u: np.ndarray, radius: float) -> np.ndarray:
    b = np.sum(pos * u, 1)
    return np.sqrt(np.maximum(b * b + radius**2 - np.sum(pos * pos, 1), 0.0)) - b


def _analog_sphere(
    energy: float, mass_g: float, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-history absorbed, first-collision and escaped energies / E, analog transport.

    Coherent events are sampled and leave the photon unchanged, as in the generator's
    model; photoelectric and 1 keV-cutoff energy is absorbed on the spot; pair production
    absorbs E − 2mc² and emits two opposite 511 keV photons.
    """
    rng = np.random.default_rng(seed)
    radius = float(sphere_radius_cm(mass_g))
    cutoff = 1e-3
    absorbed, first, escaped = np.zeros(n), np.zeros(n), np.zeros(n)
    owner = np.arange(n)
    pos = _random_directions(n, rng) * radius * rng.random(n)[:, None] ** (1.0 / 3.0)
    u = _random_directions(n, rng)
    e = np.full(n, energy)
    primary = np.ones(n, dtype=bool)  # not yet interacted
    while owner.size:
        part = _partials(e)
        mu = part.sum(1)
        step = rng.exponential(1.0 / mu)
        out = step >= _distance_out(pos, u, radius)
        np.add.at(escaped, owner[out], e[out])
        keep = ~out
        owner, pos, u, e, part, mu, step, primary = (
            x[keep] for x in (owner, pos, u, e, part, mu, step, primary)
        )
        pos = pos + step[:, None] * u
        pick = rng.random(e.size) * mu
        photo = pick < part[:, 0]
        compton = ~photo & (pick < part[:, :2].sum(1))
        pair = pick >= part[:, :3].sum(1)
        given = np.where(photo, e, 0.0)
        if compton.any():
            cos_t = _compton_cosines(e[compton], rng)
            e_out = e[compton] / (1.0 + e[compton] / MEC2 * (1.0 - cos_t))
            given[compton] = e[compton] - e_out
            u[compton] = _deflect(u[compton], cos_t, rng)
            e[compton] = e_out
        given[pair] = e[pair] - 2.0 * MEC2
        e[pair] = MEC2
        u[pair] = _random_directions(int(pair.sum()), rng)
        np.add.at(first, owner[primary], given[primary])
        primary[:] = False
        np.add.at(absorbed, owner, given)
        low = ~photo & (e < cutoff)
        np.add.at(absorbed, owner[low], e[low])
        alive = ~photo & ~low
        twin = pair & alive
        owner = np.concatenate([owner[alive], owner[twin]])
        pos = np.concatenate([pos[alive], pos[twin]])
        u = np.concatenate([u[alive], -u[twin]])
        e = np.concatenate([e[alive], e[twin]])
        primary = np.zeros(owner.size, dtype=bool)
    return absorbed / energy, first / energy, escaped / energy


# (energy index, mass index) into the table: 32 keV at 3.2 g, 100 keV at 1 kg, 316 keV at
# 56 g, 1 MeV at 1 kg, 3.2 MeV at 1 kg (pair production). Spheres where analog sampling
# is efficient, so 150 000 histories give 0.3-0.9 % standard errors.
ANALOG_CASES = [(4, 12), (8, 24), (12, 18), (16, 24), (20, 24)]


@pytest.mark.parametrize(("i_e", "i_m"), ANALOG_CASES)
def test_analog_monte_carlo_reproduces_the_table(i_e: int, i_m: int) -> None:
    energy, mass = float(MONO_E[i_e]), float(MONO_M[i_m])
    n = 150_000
    absorbed, first, escaped = _analog_sphere(energy, mass, n, seed=1000 * i_e + i_m)
    np.testing.assert_allclose(absorbed + escaped, 1.0, rtol=0, atol=1e-12)
    phi, se = absorbed.mean(), absorbed.std(ddof=1) / np.sqrt(n)
    first_mean, first_se = first.mean(), first.std(ddof=1) / np.sqrt(n)
    exact = float(_exact_first_collision(np.array([energy]), np.array([mass]))[0, 0])
    assert abs(first_mean - exact) < 4.0 * first_se
    table_phi, table_se = MONO["phi"][i_e][i_m], MONO["standard_error"][i_e][i_m]
    assert phi == pytest.approx(table_phi, rel=0.03)
    assert abs(phi - table_phi) < 4.0 * np.hypot(se, table_se)


# --- what the package serves ----------------------------------------------------------


@pytest.mark.parametrize("name", NUCLIDES)
def test_sphere_fractions_return_the_table_at_its_masses(name: str) -> None:
    rec = TABLE[name]
    got = sphere_absorbed_fractions(name, rec["mass_g"]).photon
    np.testing.assert_allclose(got, rec["phi"], rtol=1e-12)


@pytest.mark.parametrize("name", NUCLIDES)
def test_sphere_fractions_are_continuous_and_rising_beyond_the_table(name: str) -> None:
    m = np.geomspace(1e-5, 1e6, 221)
    phi = sphere_absorbed_fractions(name, m).photon
    assert np.all(np.diff(phi) > 0)
    assert np.all(phi < 1)
    for edge in (TABLE[name]["mass_g"][0], TABLE[name]["mass_g"][-1]):
        inside_outside = sphere_absorbed_fractions(name, [edge * (1 - 1e-9), edge * (1 + 1e-9)])
        assert inside_outside.photon[0] == pytest.approx(inside_outside.photon[1], rel=1e-6)


@pytest.mark.parametrize("name", NUCLIDES)
def test_nuclide_table_agrees_with_its_lines_through_the_monoenergetic_table(name: str) -> None:
    # Two Monte Carlo routes: the nuclide's own spectrum run, and its lines read from the
    # monoenergetic table (spline in ln E). Statistics (< 0.4 % each) and the energy
    # interpolation (< 0.7 % against runs between the nodes) allow 1.5 %.
    e, y = get_nuclide(name).photon_spectrum
    m = np.geomspace(0.01, 1000.0, 13)
    folded = (e * y) @ photon_absorbed_fraction(e, m) / np.sum(e * y)
    np.testing.assert_allclose(folded, sphere_absorbed_fractions(name, m).photon, rtol=0.015)


def test_density_acts_through_rho_r() -> None:
    e = np.array([0.03, 0.364, 2.0])
    np.testing.assert_allclose(
        photon_absorbed_fraction(e, 5.0, density_g_cm3=1.2),
        photon_absorbed_fraction(e, 5.0 * 1.2**2),
        rtol=1e-12,
    )


def test_i131_linear_buildup_overestimate_found_in_issue_11() -> None:
    # The independent check of issue 11 found the linear build-up kernel 5/11/20 % above
    # a Monte Carlo for I-131 at 1/10/100 g; the package now serves the Monte Carlo.
    nuc = get_nuclide("I-131")
    e, y = nuc.photon_spectrum
    m = np.array([1.0, 10.0, 100.0])
    kernel = (e * y) @ _buildup_kernel_fraction(e, m, 1.0) / np.sum(e * y)
    served = sphere_absorbed_fractions(nuc, m).photon
    np.testing.assert_allclose(kernel / served - 1.0, [0.05, 0.11, 0.20], atol=0.02)
