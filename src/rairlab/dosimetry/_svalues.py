"""Sphere S-values: mean absorbed dose per decay in a uniformly loaded unit-density sphere.

``S(m) = (Δnp·φnp(m) + Δp·φp(m)) / m`` in Gy/(Bq·s). The non-penetrating fraction
comes from point kernels folded with the sphere's chord geometry (Berger 1971): for a
point kernel whose energy is deposited with radial density ``k(r)`` (``∫k = 1``),
the fraction absorbed in a sphere of radius ``R`` filled uniformly is

    φ(R) = ∫₀^{2R} k(r) · (1 − 3r/(4R) + r³/(16R³)) dr,

the bracket being the probability that a point at distance ``r`` from a random
point of the sphere is inside it.

* Electrons, positrons and alpha particles: continuous-slowing-down approximation
  along a straight track. A particle of energy ``E₀`` deposits ``dE`` at distance
  ``R(E₀) − R(E)`` with ``R`` the CSDA range in water (NIST ESTAR/ASTAR). Straight
  tracks ignore multiple scattering, so the electron escape (a few per cent for
  I-131 in 1 g) is overestimated somewhat; this is exact enough for alphas.
  Beta particles use the ICRP-107 beta spectrum; electrons under 10 keV and recoil
  nuclei are absorbed locally.
* Photons ≥ 10 keV: a photon Monte Carlo of water spheres, shipped as a table
  (``data/photon_af/``: 0.01-1000 g, per nuclide and for 25 energies of
  10 keV-10 MeV, kerma approximation, standard errors < 0.5 %), read by PCHIP in
  ln m (and a cubic spline in ln E for single energies). The linear build-up
  point kernel ``k(r) = μen·B(μr)·e^{−μr}``, ``B = 1 + (μ/μen − 1)·μr`` (μ, μen of
  liquid water from Hubbell & Seltzer, NIST), which over-estimates φp by 5-30 %
  from 1 g to 1 kg, now only carries the table below 0.01 g and above 1000 g.

References
----------
Berger MJ. Distribution of absorbed dose around point sources of electrons and beta
particles in water and other media. MIRD Pamphlet No. 7. J Nucl Med 1971;12(Suppl 5):5-23.
Stabin MG, Konijnenberg MW. Re-evaluation of absorbed fractions for photons and electrons
in spheres of various sizes. J Nucl Med 2000;41(1):149-160.
Elam WT, Ravel BD, Sieber JR. A new atomic database for X-ray spectroscopic calculations.
Radiat Phys Chem 2002;63:121-128. doi:10.1016/S0969-806X(01)00227-4 (cross sections of the
photon Monte Carlo).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicSpline, PchipInterpolator

from rairlab.dosimetry._data import curve, data_file, shipped, sphere_model
from rairlab.dosimetry._nuclides import Nuclide, get_nuclide
from rairlab.errors import DataFileError, InvalidValueError

__all__ = [
    "AbsorbedFractions",
    "csda_range_cm",
    "photon_absorbed_fraction",
    "sphere_absorbed_fractions",
    "sphere_radius_cm",
    "sphere_s_value",
]

_PHOTON_FILE = "nist_xraymasscoef/water.yaml"
_PHOTON_AF_FILE = "photon_af/sphere_photon_af.yaml"
_RANGE_FILE = "nist_estar_astar/water.yaml"
_N_NODES = 64


class AbsorbedFractions(NamedTuple):
    """Absorbed fractions of a uniformly loaded sphere (arrays shaped like the masses).

    Attributes
    ----------
    electron
        Fraction of the non-penetrating energy (electrons, betas, alphas, photons
        < 10 keV) absorbed in the sphere.
    photon
        Fraction of the penetrating photon energy absorbed in the sphere.
    """

    electron: NDArray[np.float64]
    photon: NDArray[np.float64]


def tissue_density_g_cm3() -> float:
    """The one tissue density of rairlab's sphere, voxel and lesion routes (g/cm³ = g/mL).

    ``unit_density_g_cm3`` of ``data/assumptions/sphere_model.yaml``, with the note saying why.
    A lesion given by volume has mass volume × this density, and gets the S-value
    of the sphere it fills; the voxel kernels are scaled to it.

    Examples
    --------
    >>> tissue_density_g_cm3()
    1.0
    """
    return sphere_model().value("unit_density_g_cm3")


def _gauss(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w


def _geometry(r: NDArray[np.float64], radius: NDArray[np.float64]) -> NDArray[np.float64]:
    """Probability that a point at distance r from a uniform point of the sphere lies inside."""
    x = np.clip(r / radius, 0.0, 2.0)
    return 1.0 - 0.75 * x + x**3 / 16.0


def _masses(mass_g: ArrayLike) -> NDArray[np.float64]:
    m = np.asarray(mass_g, dtype=float)
    if m.size == 0 or not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise InvalidValueError("mass_g", mass_g, "positive finite sphere masses in grams")
    return m


def sphere_radius_cm(mass_g: ArrayLike, density_g_cm3: float | None = None) -> NDArray[np.float64]:
    """Radius of a sphere of the given mass (unit density unless told otherwise).

    Examples
    --------
    >>> float(np.round(sphere_radius_cm(4.18879), 4))
    1.0
    """
    rho = tissue_density_g_cm3() if density_g_cm3 is None else density_g_cm3
    return np.cbrt(3.0 * _masses(mass_g) / (4.0 * np.pi * rho))


def csda_range_cm(
    energy_mev: ArrayLike, particle: str = "electron", density_g_cm3: float = 1.0
) -> NDArray[np.float64]:
    """CSDA range in water (NIST ESTAR/ASTAR), log-log interpolated; power law below the table.

    Parameters
    ----------
    energy_mev
        Kinetic energies in MeV (>= 0).
    particle
        ``"electron"`` (positrons are treated alike) or ``"alpha"``.
    density_g_cm3
        Density of the water-like medium.

    Examples
    --------
    >>> float(csda_range_cm(1.0))
    0.4367
    """
    e_tab, r_tab = curve(_RANGE_FILE, f"csda_range_{particle}")
    e = np.asarray(energy_mev, dtype=float)
    le, lr = np.log(e_tab), np.log(r_tab)
    slope_lo = (lr[1] - lr[0]) / (le[1] - le[0])
    slope_hi = (lr[-1] - lr[-2]) / (le[-1] - le[-2])
    with np.errstate(divide="ignore"):
        x = np.log(np.maximum(e, 1e-300))
    y = np.interp(x, le, lr)
    y = np.where(x < le[0], lr[0] + slope_lo * (x - le[0]), y)
    y = np.where(x > le[-1], lr[-1] + slope_hi * (x - le[-1]), y)
    return np.where(e > 0, np.exp(y), 0.0) / density_g_cm3


def _csda_fractions(
    energy: NDArray[np.float64], radius: NDArray[np.float64], particle: str
) -> NDArray[np.float64]:
    """Absorbed fraction for particles of each energy (rows) in spheres of each radius (cols)."""
    u, w = _gauss(_N_NODES)
    r0 = csda_range_cm(energy, particle)  # (n,)
    # Energy E = u·E0 is lost at distance R(E0) − R(u·E0) from the source point.
    dist = r0[:, None] - csda_range_cm(energy[:, None] * u[None, :], particle)  # (n, q)
    geo = _geometry(dist[:, :, None], radius.reshape(1, 1, -1))  # (n, q, m)
    return np.einsum("q,nqm->nm", w, geo)


def _interp_loglog(e: NDArray[np.float64], symbol: str) -> NDArray[np.float64]:
    e_tab, v_tab = curve(_PHOTON_FILE, symbol)
    return np.exp(np.interp(np.log(e), np.log(e_tab), np.log(v_tab)))


def _buildup_kernel_fraction(
    e: NDArray[np.float64], m: NDArray[np.float64], rho: float
) -> NDArray[np.float64]:
    """Linear build-up point-kernel absorbed fraction, shape ``(n, M)`` for 1-D `e` and `m`.

    ``k(r) = μen·B(μr)·e^{−μr}``, ``B = 1 + (μ/μen − 1)·μr``, folded with the sphere's
    chord geometry. It over-estimates φp against the Monte Carlo (I-131: 5 % at 1 g,
    18 % at 100 g, 29 % at 1 kg), so it serves only to carry the Monte Carlo table
    beyond its masses (see `photon_absorbed_fraction`). Voxel dosimetry never used it:
    it convolves the Lanconelli Monte Carlo voxel kernels.
    """
    radius = sphere_radius_cm(m, rho).reshape(1, -1)  # (1, M)
    mu = (_interp_loglog(e, "mu_over_rho") * rho)[:, None]  # (n, 1) 1/cm
    mu_en = (_interp_loglog(e, "mu_en_over_rho") * rho)[:, None]
    # Integrate up to 2R or 40 mean free paths, whichever is shorter (e^-40 is nothing).
    r_max = np.minimum(2.0 * radius, 40.0 / mu)  # (n, M)
    t, w = _gauss(_N_NODES)
    r = r_max[:, :, None] * t  # (n, M, q)
    mu3, mu_en3 = mu[:, :, None], mu_en[:, :, None]
    kernel = mu_en3 * np.exp(-mu3 * r) * (1.0 + (mu3 / mu_en3 - 1.0) * mu3 * r)
    return r_max * np.einsum("q,nmq->nm", w, kernel * _geometry(r, radius[:, :, None]))


@functools.cache
def _photon_af_record(source: str) -> dict[str, Any]:
    """The Monte Carlo record of `source` (a nuclide name or ``"monoenergetic"``)."""
    path = data_file(_PHOTON_AF_FILE)
    records = shipped(_PHOTON_AF_FILE)
    hits = [r for r in records if isinstance(r, dict) and r.get("source") == source]
    if len(hits) != 1 or not hits[0].get("citation"):
        raise DataFileError(path, f"expected one cited record with source {source!r}")
    rec = hits[0]
    shape = (len(rec.get("energy_mev", ())), len(rec["mass_g"]))[2 - np.ndim(rec["phi"]) :]
    if np.shape(rec["phi"]) != shape or np.any(np.diff(rec["mass_g"]) <= 0):
        raise DataFileError(path, f"{source}: phi must be shaped like (energy_mev, mass_g)")
    return rec


def _table_sources() -> set[str]:
    """Nuclides with their own Monte Carlo record."""
    return {str(r.get("source")) for r in shipped(_PHOTON_AF_FILE) if isinstance(r, dict)}


class _MassTable(NamedTuple):
    """Monte Carlo φp of one or more sources on the table's masses (PCHIP of ln φ on ln m)."""

    ln_mass: NDArray[np.float64]  # (K,)
    ln_phi: NDArray[np.float64]  # (n, K)

    def __call__(self, ln_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """φp at masses inside the table, shape ``(n, M)``."""
        return np.exp(PchipInterpolator(self.ln_mass, self.ln_phi, axis=1)(ln_m))


@functools.cache
def _nuclide_table(name: str) -> _MassTable:
    rec = _photon_af_record(name)
    return _MassTable(np.log(rec["mass_g"]), np.log(np.atleast_2d(rec["phi"])))


@functools.cache
def _monoenergetic_spline() -> tuple[CubicSpline, NDArray[np.float64], NDArray[np.float64]]:
    """Not-a-knot spline of ln φ against ln E (one curve per table mass); energy range."""
    rec = _photon_af_record("monoenergetic")
    e = np.asarray(rec["energy_mev"], dtype=float)
    spline = CubicSpline(np.log(e), np.log(np.asarray(rec["phi"], dtype=float)), axis=0)
    return spline, np.log(np.asarray(rec["mass_g"], dtype=float)), e[[0, -1]]


def _extrapolate(
    table: _MassTable,
    m: NDArray[np.float64],
    kernel: Callable[[NDArray[np.float64]], NDArray[np.float64]],
) -> NDArray[np.float64]:
    """Monte Carlo φp at 1-D unit-density masses `m`, carried beyond the table by `kernel`.

    Inside the table: PCHIP in ln m (monotone, like the data). Below its smallest
    mass m₀: ``φ = φ_k(m)·[1 + (q − 1)·(m/m₀)^{1/3}]`` with ``q = φ_MC/φ_k`` at m₀,
    since both tend to ¾·μen·R and differ at first order in R. Above its largest
    mass m₁: the escaping fraction is ``(1 − φ_k(m))·(1 − φ_MC)/(1 − φ_k)`` at m₁,
    so φ keeps rising towards 1 (``photon_af/assumptions.yaml``).
    """
    ln_m = np.log(m)
    lo, hi = table.ln_mass[0], table.ln_mass[-1]
    phi = table(np.clip(ln_m, lo, hi))
    below, above = ln_m < lo, ln_m > hi
    if below.any() or above.any():
        edges = np.exp([lo, hi])
        k_edge = kernel(edges)  # (n, 2)
        phi_edge = np.exp(table.ln_phi[:, [0, -1]])
        if below.any():
            q = phi_edge[:, :1] / k_edge[:, :1]
            scale = 1.0 + (q - 1.0) * np.cbrt(m[below] / edges[0])
            phi[:, below] = kernel(m[below]) * scale
        if above.any():
            ratio = (1.0 - phi_edge[:, 1:]) / (1.0 - k_edge[:, 1:])
            phi[:, above] = 1.0 - (1.0 - kernel(m[above])) * ratio
    return phi


def photon_absorbed_fraction(
    energy_mev: ArrayLike, mass_g: ArrayLike, density_g_cm3: float | None = None
) -> NDArray[np.float64]:
    """Absorbed fraction of monoenergetic photons emitted uniformly in a water sphere.

    Read from the photon Monte Carlo table ``data/photon_af/sphere_photon_af.yaml``
    (25 energies 10 keV-10 MeV × 25 masses 0.01-1000 g, kerma approximation,
    standard error < 0.5 %): a not-a-knot cubic spline of ln φ in ln E (within
    0.7 % of Monte Carlo runs between the nodes), then PCHIP in ln m. Beyond the
    table's masses the linear build-up point kernel carries it (the kernel's only
    remaining use): below 0.01 g scaled by the table's ratio at 0.01 g, fading
    linearly in radius to the common small-sphere limit ¾·μen·R; above 1000 g its
    escaping fraction scaled to the table's at 1000 g, so φ → 1 for large spheres.
    A density ρ acts through ρR only, so a sphere of mass m and density ρ has the
    φ of a unit-density sphere of mass ``m·ρ²``.

    Parameters
    ----------
    energy_mev
        Photon energies, shape ``(n,)`` (10 keV to 10 MeV).
    mass_g
        Sphere masses, any shape ``S``.
    density_g_cm3
        Sphere density; unit density by default.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, *S)``.

    Raises
    ------
    InvalidValueError
        An energy outside 10 keV-10 MeV, or a mass that is not positive and finite.

    Examples
    --------
    >>> np.round(photon_absorbed_fraction([0.364], [1.0, 100.0]), 4).tolist()
    [[0.015, 0.0684]]
    """
    rho0 = tissue_density_g_cm3()
    rho = rho0 if density_g_cm3 is None else density_g_cm3
    e = np.atleast_1d(np.asarray(energy_mev, dtype=float))
    spline, ln_mass, (e_lo, e_hi) = _monoenergetic_spline()
    if e.ndim != 1 or np.any(~(e >= e_lo) | ~(e <= e_hi)):
        raise InvalidValueError(
            "energy_mev", energy_mev, f"photon energies in [{e_lo}, {e_hi}] MeV"
        )
    m = _masses(mass_g)
    # Same ρR, same absorbed fraction: the unit-density sphere of mass m·(ρ/ρ0)².
    m_unit = m.ravel() * (rho / rho0) ** 2
    table = _MassTable(ln_mass, spline(np.log(e)))
    phi = _extrapolate(table, m_unit, lambda mm: _buildup_kernel_fraction(e, mm, rho0))
    return phi.reshape(e.shape + m.shape)


def _nuclide_photon_fraction(nuc: Nuclide, m: NDArray[np.float64]) -> NDArray[np.float64]:
    """Energy-weighted photon absorbed fraction of `nuc` at 1-D unit-density masses `m`."""
    e, y = nuc.photon_spectrum
    weight = e * y / np.sum(e * y)
    if nuc.name in _table_sources() and get_nuclide(nuc.name) == nuc:
        rho0 = tissue_density_g_cm3()
        return _extrapolate(
            _nuclide_table(nuc.name),
            m,
            lambda mm: (weight @ _buildup_kernel_fraction(e, mm, rho0))[None, :],
        )[0]
    # A nuclide without its own run (Po-211 alone, or one built elsewhere): its lines
    # through the monoenergetic table.
    return weight @ photon_absorbed_fraction(e, m)


@functools.cache
def _fraction_terms(nuc: Nuclide) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Energies and energy weights (MeV per decay) of each transport class."""
    terms: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
    if nuc.electron_lines:
        el = np.array(nuc.electron_lines)
        terms["electron_lines"] = (el[:, 0], el[:, 0] * el[:, 1])
    if nuc.beta_spectrum and nuc.beta_mean_energy_mev > 0:
        bs = np.array(nuc.beta_spectrum)
        e, dens = bs[:, 0], bs[:, 1]
        # Trapezoid weights on the tabulated grid, renormalised to the mean beta energy
        # of the discrete ICRP-107 beta lines (the spectrum integrates to it within 0.2 %).
        dw = np.zeros_like(e)
        de = np.diff(e)
        dw[:-1] += 0.5 * de
        dw[1:] += 0.5 * de
        energy_w = e * dens * dw
        keep = e > 0
        energy_w = energy_w[keep] * nuc.beta_mean_energy_mev / energy_w.sum()
        terms["beta"] = (e[keep], energy_w)
    if nuc.alpha_lines:
        al = np.array(nuc.alpha_lines)
        terms["alpha"] = (al[:, 0], al[:, 0] * al[:, 1])
    return terms


def sphere_absorbed_fractions(nuclide: str | Nuclide, mass_g: ArrayLike) -> AbsorbedFractions:
    """Absorbed fractions (non-penetrating, photon) for a nuclide spread uniformly in a sphere.

    The photon fraction of I-123, I-124, I-125, I-131 and At-211 is the nuclide's own
    Monte Carlo table (its ICRP-107 spectrum run as a whole, ``data/photon_af/``),
    read by PCHIP in ln m and carried beyond 0.01-1000 g as
    `photon_absorbed_fraction` describes. A nuclide without its own run (Po-211
    alone, or a `Nuclide` built elsewhere) gets its lines read from the
    monoenergetic table.

    Parameters
    ----------
    nuclide
        Name (``"I-131"``, ``"131I"``, ...) or `Nuclide`.
    mass_g
        Sphere masses in grams, unit density; any shape (scalars give 0-d arrays).

    Returns
    -------
    AbsorbedFractions
        ``(electron, photon)`` arrays shaped like `mass_g`; ``electron`` covers all
        non-penetrating energy (alpha particles and photons < 10 keV included).

    Raises
    ------
    UnknownNameError
        Unknown nuclide.
    InvalidValueError
        A mass that is not positive and finite.

    Examples
    --------
    >>> phi = sphere_absorbed_fractions("I-131", [0.1, 10.0])
    >>> np.round(phi.electron, 2).tolist(), np.round(phi.photon, 3).tolist()
    ([0.88, 0.97], [0.007, 0.033])
    """
    nuc = get_nuclide(nuclide)
    m = _masses(mass_g)
    radius = sphere_radius_cm(m).ravel()
    absorbed = np.full(radius.shape, nuc.local_energy_mev)
    for key, (energy, weight) in _fraction_terms(nuc).items():
        particle = "alpha" if key == "alpha" else "electron"
        absorbed = absorbed + weight @ _csda_fractions(energy, radius, particle)
    phi_np = absorbed / nuc.delta_np_mev if nuc.delta_np_mev > 0 else np.ones_like(radius)
    if nuc.photon_energies_mev:
        phi_ph = _nuclide_photon_fraction(nuc, m.ravel())
    else:
        phi_ph = np.zeros_like(radius)
    return AbsorbedFractions(phi_np.reshape(m.shape), phi_ph.reshape(m.shape))


def sphere_s_value(nuclide: str | Nuclide, mass_g: ArrayLike) -> NDArray[np.float64]:
    """Self-dose S-value of a uniformly loaded unit-density sphere, in Gy/(Bq·s).

    Parameters
    ----------
    nuclide
        Name or `Nuclide`; daughters in equilibrium are included (At-211 → Po-211).
    mass_g
        Sphere masses in grams; any shape.

    Returns
    -------
    numpy.ndarray
        ``(Δnp·φnp + Δp·φp) / m`` shaped like `mass_g`. Multiply by the time-integrated
        activity in Bq·s (MBq·h × 3.6e9) to get the mean absorbed dose in Gy.

    Raises
    ------
    UnknownNameError, InvalidValueError
        As `sphere_absorbed_fractions`.

    Examples
    --------
    >>> s = sphere_s_value("I-131", 1.0)  # Gy/(Bq·s)
    >>> 2.5e-11 < float(s) < 3.5e-11
    True
    """
    nuc = get_nuclide(nuclide)
    phi = sphere_absorbed_fractions(nuc, mass_g)
    m_kg = _masses(mass_g) * 1e-3
    return (
        nuc.delta_np_gy_kg_per_bq_s * phi.electron + nuc.delta_p_gy_kg_per_bq_s * phi.photon
    ) / (m_kg)
