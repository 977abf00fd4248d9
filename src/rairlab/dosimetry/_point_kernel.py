"""Photon point kernels: absorbed dose at distance r per decay from a point source in water.

A nuclide's penetrating photons (ICRP-107 lines ≥ 10 keV) emitted at a point of an
unbounded water medium deposit the fraction ``dF`` of their energy between ``r`` and
``r + dr``; the dose per decay at ``r`` is ``Δp·(dF/dr)/(4π r² ρ)`` (the specific
absorbed fraction of MIRD Pamphlet No. 2 times Δp). ``F`` is tabulated by the
photon Monte Carlo ``data/photon_point_kernel/generate.py`` (the transport of the
sphere Monte Carlo ``data/photon_af/``, kerma approximation) in 160 shells out to
300 g/cm², for I-123, I-124, I-125, I-131 and At-211; rairlab interpolates ``F`` by
PCHIP in r, so that the radial density ``dF/dr`` keeps every shell's energy and
never goes negative. A medium of density ρ has, by the density-scaling theorem,
``F_ρ(r) = F_1(ρr)`` and a dose ``ρ²`` times the unit-density dose at ``ρr``.

`voxel_average_dose` averages the point kernel over pairs of voxels (source
spread uniformly in one voxel, dose averaged over the other) by Gauss-Jacobi
quadrature of the triangular distribution of their separation, or takes the
centre value where the voxels are far enough apart for the difference to be
under 0.1 %: the photon tail that the voxel S-value kernels leave out.

References
----------
Berger MJ. Energy deposition in water by photons from point isotropic sources. MIRD
Pamphlet No. 2. J Nucl Med 1968;9(Suppl 1):15-25.
Bolch WE, Bouchet LG, Robertson JS, et al. MIRD Pamphlet No. 17: the dosimetry of
nonuniform activity distributions — radionuclide S values at the voxel level.
J Nucl Med 1999;40(1):11S-36S.
O'Connor JE. The variation of scattered x-rays with density in an irradiated body.
Phys Med Biol 1957;1(4):352-369. doi:10.1088/0031-9155/1/4/305 (density scaling).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import PchipInterpolator
from scipy.special import roots_jacobi

from rairlab.dosimetry._data import data_file, shipped
from rairlab.dosimetry._nuclides import get_nuclide
from rairlab.errors import DataFileError, InvalidValueError, UnknownNameError

__all__ = ["PhotonPointKernel", "photon_point_kernel", "voxel_average_dose"]

_FILE = "photon_point_kernel/water_photon_point_kernel.yaml"
_CM_PER_MM = 0.1  # unit conversion, not data
_KG_PER_G = 1e-3  # unit conversion, not data
#: Quadrature nodes per half-axis (216 points per voxel pair) and the separation, in
#: voxels, beyond which the centre value is used: its relative error there is about
#: h²/(6r²) < 0.1 % (checked in tests/dosimetry/test_point_kernel.py).
_NODES = 3
_CENTRE_BEYOND_VOXELS = 16


@dataclass(frozen=True, eq=False)
class PhotonPointKernel:
    """The radial photon energy deposition around a point source in water.

    Attributes
    ----------
    nuclide
        The nuclide.
    radius_edges_cm
        Shell edges at the table's density (unit density), shape ``(n + 1,)``.
    absorbed_fraction
        Fraction of the emitted photon energy absorbed in each shell, shape ``(n,)``.
    standard_error
        Its 1-sigma statistical error.
    absorbed_beyond
        Fraction absorbed beyond the last edge (taken as lost by rairlab).
    density_g_cm3
        Density of the tabulated medium.
    delta_p_gy_kg_per_bq_s
        The nuclide's penetrating photon energy per decay, Gy·kg/(Bq·s).
    histories
        Monte Carlo histories.
    source
        Citation.
    """

    nuclide: str
    radius_edges_cm: NDArray[np.float64] = field(repr=False)
    absorbed_fraction: NDArray[np.float64] = field(repr=False)
    standard_error: NDArray[np.float64] = field(repr=False)
    absorbed_beyond: float
    density_g_cm3: float
    delta_p_gy_kg_per_bq_s: float
    histories: int
    source: str = field(repr=False)

    @functools.cached_property
    def _cumulative(self) -> PchipInterpolator:
        f = np.concatenate([[0.0], np.cumsum(self.absorbed_fraction)])
        return PchipInterpolator(self.radius_edges_cm, f, extrapolate=False)

    @functools.cached_property
    def _density(self) -> Any:
        return self._cumulative.derivative()

    def _unit_radius(self, r_cm: ArrayLike, density_g_cm3: float) -> NDArray[np.float64]:
        if not (np.isfinite(density_g_cm3) and density_g_cm3 > 0):
            raise InvalidValueError("density_g_cm3", density_g_cm3, "a positive density")
        r = np.asarray(r_cm, dtype=float)
        if np.any(~(r >= 0)):
            raise InvalidValueError("r_cm", r_cm, "distances >= 0 cm")
        return r * (density_g_cm3 / self.density_g_cm3)

    def cumulative_fraction(
        self, r_cm: ArrayLike, density_g_cm3: float = 1.0
    ) -> NDArray[np.float64]:
        """Fraction of the photon energy absorbed within `r_cm` of the source.

        Examples
        --------
        >>> k = photon_point_kernel("I-131")
        >>> float(k.cumulative_fraction(0.0)), round(float(k.cumulative_fraction(1e3)), 6)
        (0.0, 1.0)
        """
        x = self._unit_radius(r_cm, density_g_cm3)
        top = float(self.radius_edges_cm[-1])
        f = self._cumulative(np.minimum(x, top))
        return np.asarray(np.where(x > top, 1.0 - self.absorbed_beyond, f), dtype=float)

    def box_fraction(self, half_width_cm: float, density_g_cm3: float = 1.0) -> float:
        """Fraction of the photon energy absorbed in a cube of half-width `half_width_cm`
        centred on the source.

        ``F(a) + ∫_a^{a√3} P(a/r)·dF``, with ``P(t)`` the fraction of directions whose
        largest cosine with an axis is at most ``t`` (`_cube_direction_fraction`).

        Examples
        --------
        >>> k = photon_point_kernel("I-131")
        >>> inscribed, circumscribed = k.cumulative_fraction([2.0, 2.0 * 3**0.5])
        >>> bool(inscribed < k.box_fraction(2.0) < circumscribed)
        True
        """
        a = float(half_width_cm)
        inner = float(self.cumulative_fraction(a, density_g_cm3))
        x, w = np.polynomial.legendre.leggauss(64)
        total = inner
        for lo, hi in ((a, a * np.sqrt(2.0)), (a * np.sqrt(2.0), a * np.sqrt(3.0))):
            r = lo + (hi - lo) * 0.5 * (x + 1.0)
            df_dr = self._radial_density(r, density_g_cm3)
            total += 0.5 * (hi - lo) * float(np.sum(w * df_dr * _cube_direction_fraction(a / r)))
        return total

    def _radial_density(self, r_cm: ArrayLike, density_g_cm3: float) -> NDArray[np.float64]:
        """``dF/dr`` in 1/cm at density `density_g_cm3` (zero beyond the table)."""
        x = self._unit_radius(r_cm, density_g_cm3)
        top = float(self.radius_edges_cm[-1])
        dfdr = np.where(x < top, self._density(np.minimum(x, top)), 0.0)
        return np.asarray(np.maximum(dfdr, 0.0) * (density_g_cm3 / self.density_g_cm3))

    def dose_per_decay(self, r_cm: ArrayLike, density_g_cm3: float = 1.0) -> NDArray[np.float64]:
        """Absorbed dose at distance `r_cm` (> 0) per photon-emitting decay, Gy/(Bq·s).

        ``Δp·(dF/dr)/(4π r² ρ)`` in a medium of density `density_g_cm3`; zero beyond
        the table's last shell.

        Examples
        --------
        >>> k = photon_point_kernel("I-131")
        >>> d1, d2 = k.dose_per_decay([5.0, 10.0])
        >>> 4.0 < float(d1 / d2) < 8.0  # inverse square, attenuation and build-up
        True
        """
        r = np.asarray(r_cm, dtype=float)
        if np.any(~(r > 0)):
            raise InvalidValueError("r_cm", r_cm, "distances > 0 cm")
        dfdr = self._radial_density(r, density_g_cm3)
        rho_kg_cm3 = density_g_cm3 * _KG_PER_G
        return np.asarray(self.delta_p_gy_kg_per_bq_s * dfdr / (4.0 * np.pi * r**2 * rho_kg_cm3))


def _cube_direction_fraction(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fraction of isotropic directions ``u`` with ``max |u_i| <= t`` (t = a/r in [1/√3, 1]).

    Six caps ``|u_i| > t`` of area fraction ``(1 − t)/2`` each, overlapping in pairs
    below ``t = 1/√2``: twelve lunes ``u_i > t, u_j > t`` of area fraction
    ``(1/4π) ∫ max(0, arccos(t/ρ) − arcsin(t/ρ)) du_k``, ``ρ = √(1 − u_k²)``
    (Archimedes: area is uniform in ``u_k``). 32-point Gauss-Legendre in ``u_k``.
    """
    t = np.clip(np.asarray(t, dtype=float), 1.0 / np.sqrt(3.0), 1.0)
    caps = 3.0 * (1.0 - t)
    z_max = np.sqrt(np.maximum(1.0 - 2.0 * t**2, 0.0))  # (m,)
    x, w = np.polynomial.legendre.leggauss(32)
    z = z_max[:, None] * x[None, :]  # (m, q), symmetric in z
    ratio = np.clip(t[:, None] / np.sqrt(1.0 - z**2), 0.0, 1.0)
    arc = np.maximum(np.arccos(ratio) - np.arcsin(ratio), 0.0)
    lune = z_max * (arc @ w) / (4.0 * np.pi)
    return np.asarray(1.0 - caps + 12.0 * lune)


@functools.cache
def photon_point_kernel(nuclide: str = "I-131") -> PhotonPointKernel:
    """The tabulated photon point kernel of a nuclide in unit-density water.

    Raises
    ------
    UnknownNameError
        Unknown nuclide, or none tabulated for it.
    DataFileError
        A malformed record.

    Examples
    --------
    >>> k = photon_point_kernel("131I")
    >>> k.nuclide, k.density_g_cm3, k.histories >= 10**6
    ('I-131', 1.0, True)
    """
    nuc = get_nuclide(nuclide)
    path = data_file(_FILE)
    records = [r for r in shipped(_FILE) if isinstance(r, dict)]
    hits = [r for r in records if r.get("source") == nuc.name]
    if not hits:
        known = [str(r.get("source")) for r in records]
        raise UnknownNameError("photon point-kernel nuclide", nuc.name, known)
    rec = hits[0]
    if len(hits) != 1 or not rec.get("citation"):
        raise DataFileError(path, f"expected one cited record for {nuc.name}")
    edges = np.asarray(rec["radius_edges_cm"], dtype=float)
    frac = np.asarray(rec["absorbed_fraction"], dtype=float)
    se = np.asarray(rec["standard_error"], dtype=float)
    if (
        edges.ndim != 1
        or edges[0] != 0.0
        or np.any(np.diff(edges) <= 0)
        or frac.shape != (edges.size - 1,)
        or se.shape != frac.shape
        or np.any(frac < 0)
    ):
        raise DataFileError(path, f"{nuc.name}: shells must increase from 0 and match the values")
    total = float(frac.sum() + rec["absorbed_beyond"])
    if abs(total - 1.0) > 1e-3:
        raise DataFileError(path, f"{nuc.name}: the shells hold {total:.6f} of the energy, not 1")
    for arr in (edges, frac, se):
        arr.flags.writeable = False
    return PhotonPointKernel(
        nuclide=nuc.name,
        radius_edges_cm=edges,
        absorbed_fraction=frac,
        standard_error=se,
        absorbed_beyond=float(rec["absorbed_beyond"]),
        density_g_cm3=float(rec["density_g_cm3"]),
        delta_p_gy_kg_per_bq_s=nuc.delta_p_gy_kg_per_bq_s,
        histories=int(rec["histories"]),
        source=str(rec["citation"]),
    )


@functools.cache
def _triangle_rule(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes and weights on [−1, 1] for the density 1 − |t| (separation of two uniforms).

    Gauss-Jacobi (α = 1, β = 0) on each half: exact for polynomials of degree 2n − 1.
    """
    x, w = roots_jacobi(n, 1.0, 0.0)
    t = 0.5 * (x + 1.0)  # on [0, 1], weight (1 − t)
    w = w / 4.0  # ∫₀¹ g(t)(1 − t) dt = ¼ ∫ g (1 − x) dx
    return np.concatenate([-t[::-1], t]), np.concatenate([w[::-1], w])


def voxel_average_dose(
    kernel: PhotonPointKernel,
    offsets: ArrayLike,
    voxel_size_mm: ArrayLike,
    density_g_cm3: float,
) -> NDArray[np.float64]:
    """Mean photon dose in a voxel per decay in another, at integer voxel offsets.

    The source is spread uniformly over its voxel and the dose averaged over the
    target voxel, so their separation along each axis is triangular on
    ``[(i − 1)h, (i + 1)h]``. Offsets within `_CENTRE_BEYOND_VOXELS` voxels use a
    6×6×6 product Gauss-Jacobi rule; farther ones the centre value.

    Parameters
    ----------
    kernel
        The photon point kernel.
    offsets
        Integer voxel offsets, shape ``(n, 3)``. The kernel is singular (integrably,
        as 1/r²) at zero distance, so the rule is rough for the source voxel and its
        neighbours (offsets < 2); rairlab uses it there only to tell the photon share
        of the shipped cube from its electron share.
    voxel_size_mm
        Voxel edges (three, or one for cubes), mm.
    density_g_cm3
        Density of the medium.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``, Gy/(Bq·s).

    Examples
    --------
    >>> k = photon_point_kernel("I-131")
    >>> near, far = voxel_average_dose(k, [[6, 0, 0], [40, 0, 0]], 4.0, 1.0)
    >>> bool(near > far > 0)
    True
    """
    off = np.asarray(offsets, dtype=float).reshape(-1, 3)
    h_cm = np.broadcast_to(np.asarray(voxel_size_mm, dtype=float), (3,)) * _CM_PER_MM
    out = np.empty(off.shape[0])
    near = np.abs(off).max(axis=1) <= _CENTRE_BEYOND_VOXELS
    centre = off[~near] * h_cm
    out[~near] = kernel.dose_per_decay(np.sqrt((centre**2).sum(axis=1)), density_g_cm3)
    if near.any():
        t, w = _triangle_rule(_NODES)
        tx, ty, tz = np.meshgrid(t, t, t, indexing="ij")
        weight = (w[:, None, None] * w[None, :, None] * w[None, None, :]).ravel()
        shift = np.stack([tx.ravel(), ty.ravel(), tz.ravel()], axis=1)  # (q, 3) in voxels
        pts = (off[near][:, None, :] + shift[None, :, :]) * h_cm  # (m, q, 3)
        r = np.sqrt((pts**2).sum(axis=2))
        out[near] = kernel.dose_per_decay(r, density_g_cm3) @ weight
    return out
