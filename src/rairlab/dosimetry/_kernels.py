"""Voxel S-value kernels: absorbed dose in each voxel per decay in a central source voxel.

A kernel has two parts (Bolch et al. 1999, MIRD Pamphlet No. 17, for the method):

* **the cube**, offsets −5..5 voxels: the I-131 soft-tissue (1.04 g/cm³) Monte
  Carlo voxel S-values of Lanconelli et al. (2012), rebuilt from the tabulated
  octant by symmetry. They hold all radiations (electrons and photons) within it.
  Their electron energy per decay (the cube's energy less the photon energy the
  point kernel puts inside it) is 2 % under ICRP-107's Δnp; the missing energy is
  added to the cube's electron share so that every route uses one set of decay data
  (``data/photon_point_kernel/assumptions.yaml``). A cube exists for a list of
  voxel sizes; `voxel_kernel` converts it to the requested tissue density by the
  density-scaling theorem (O'Connor 1957): a kernel of voxel edge L at density ρ
  equals ``(ρ/ρk)²`` times the kernel of edge ``ρL/ρk`` at the kernel's density ρk,
  i.e. the shipped kernel times the voxel-mass ratio ``ρk·Lk³ / (ρ·hx·hy·hz)``. It
  picks the shipped size nearest to that mass-equivalent edge and says whether it
  matches within 1 % (otherwise the same ratio keeps the energy per decay).
* **the photon tail**, every offset outside the cube up to the image's extent
  (``n − 1`` voxels each way, so every pair of image voxels): the nuclide's photon
  point kernel in water (`rairlab.dosimetry._point_kernel`, rairlab's photon Monte
  Carlo) averaged over each pair of voxels. Electrons do not get that far (the
  longest I-131 electron range, 3.3 mm, is under the 12 mm from the source to the
  tail for the smallest kernel), and the cube holds the photon energy inside it —
  the point kernel matches the cube within 1 % where the cube holds only photons —
  so nothing is counted twice or left out. Summed over all space the kernel holds
  the whole energy per decay, ``Δnp + Δp`` (unbounded medium).

One tissue density serves the voxel and the sphere routes
(``data/assumptions/sphere_model.yaml``: ``unit_density_g_cm3``, 1.00 g/cm³).

References
----------
Bolch WE, Bouchet LG, Robertson JS, et al. MIRD Pamphlet No. 17: the dosimetry of
nonuniform activity distributions — radionuclide S values at the voxel level.
J Nucl Med 1999;40(1):11S-36S.
Lanconelli N, et al. A free database of radionuclide voxel S values for the dosimetry
of nonuniform activity distributions. Phys Med Biol 2012;57:517-533.
doi:10.1088/0031-9155/57/2/517
O'Connor JE. The variation of scattered x-rays with density in an irradiated body.
Phys Med Biol 1957;1(4):352-369. doi:10.1088/0031-9155/1/4/305
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.dosimetry._data import DATA_DIR, data_file, shipped
from rairlab.dosimetry._nuclides import get_nuclide
from rairlab.dosimetry._point_kernel import photon_point_kernel, voxel_average_dose
from rairlab.dosimetry._svalues import csda_range_cm, tissue_density_g_cm3
from rairlab.errors import DataFileError, InvalidValueError, UnknownNameError

__all__ = [
    "VoxelKernel",
    "kernel_voxel_sizes_mm",
    "load_kernel",
    "tissue_density_g_cm3",
    "voxel_kernel",
]

_FOLDER = "lanconelli2012"
_MGY_PER_MBQ_S_TO_GY_PER_BQ_S = 1e-9  # unit conversion, not data
_EXACT_REL_TOL = 0.01
_HALF = 5  # the cube's half-width in voxels (offsets −5..5)
_CM_PER_MM = 0.1  # unit conversion, not data
_KG_PER_G = 1e-3  # unit conversion, not data


@dataclass(frozen=True, eq=False)
class VoxelKernel:
    """A cubic voxel S-value kernel (the shipped cube) and the voxels it is applied to.

    Attributes
    ----------
    nuclide
        The nuclide, e.g. ``"I-131"``.
    voxel_size_mm
        Edge of the shipped kernel's cubic voxels.
    values
        Shape ``(11, 11, 11)``: dose per decay in Gy/(Bq·s), source at the centre, as
        shipped (voxel edge `voxel_size_mm`, density `density_g_cm3`).
    density_g_cm3
        Density of the medium the shipped kernel was computed in.
    source
        Citation.
    requested_voxel_size_mm
        The image voxel edges the kernel was chosen for (``None`` if loaded by size).
    exact
        Whether the requested voxels have the mass thickness of the kernel's within
        1 % (cubic, and ``ρ·h / ρk`` within 1 % of the kernel's edge).
    requested_density_g_cm3
        The tissue density of the image (``None`` if loaded by size: the kernel's own).
    """

    nuclide: str
    voxel_size_mm: float
    values: NDArray[np.float64] = field(repr=False)
    density_g_cm3: float
    source: str
    requested_voxel_size_mm: tuple[float, float, float] | None = None
    exact: bool = True
    requested_density_g_cm3: float | None = None

    @property
    def total(self) -> float:
        """Sum of the shipped cube in Gy/(Bq·s): the cube's share of a uniform activity."""
        return float(self.values.sum())

    @property
    def image_voxel_size_mm(self) -> tuple[float, float, float]:
        """The voxel edges the kernel is applied to (the kernel's own if none requested)."""
        if self.requested_voxel_size_mm is None:
            return (self.voxel_size_mm,) * 3
        return self.requested_voxel_size_mm

    @property
    def image_density_g_cm3(self) -> float:
        """The tissue density the kernel is applied to (the kernel's own if none requested)."""
        if self.requested_density_g_cm3 is None:
            return self.density_g_cm3
        return self.requested_density_g_cm3

    @property
    def equivalent_voxel_size_mm(self) -> float:
        """Edge, at the kernel's density, of a cube with the requested voxels' mass.

        ``ρ·(hx·hy·hz)^⅓ / ρk``: the shipped voxel size the density-scaling theorem asks for.
        """
        h = float(np.cbrt(np.prod(self.image_voxel_size_mm)))
        return h * self.image_density_g_cm3 / self.density_g_cm3

    @property
    def note(self) -> str:
        """One sentence on how the kernel matches the requested voxels and density."""
        rho, rho_k = self.image_density_g_cm3, self.density_g_cm3
        density = "" if rho == rho_k else f" at {rho:g} g/cm³"
        req = " x ".join(f"{v:g}" for v in self.image_voxel_size_mm)
        if self.exact:
            same = "" if rho == rho_k else f" ({self.voxel_size_mm:g} mm at {rho_k:g} g/cm³)"
            return f"{self.nuclide} kernel for {req} mm voxels{density}{same}, exact voxel size."
        return (
            f"No {self.nuclide} kernel for {req} mm voxels{density} (mass-equivalent to "
            f"{self.equivalent_voxel_size_mm:.3g} mm at the kernels' {rho_k:g} g/cm³); used "
            f"the nearest available ({self.voxel_size_mm:g} mm) scaled by the voxel-mass "
            f"ratio {self.mass_ratio:.4g} (energy per decay conserved, electron spread of the "
            f"{self.voxel_size_mm:g} mm kernel; photons 2 voxels out and beyond from the "
            "point kernel at the image's voxels), so doses are approximate."
        )

    @property
    def mass_ratio(self) -> float:
        """Shipped kernel voxel mass / requested voxel mass (1 when loaded by size).

        Multiplying the cube by it gives the cube for the requested voxels and density:
        the density-scaling theorem where the mass thickness matches, and otherwise the
        energy absorbed per decay, ``Σ S·m``, kept equal to the kernel's own.
        """
        kernel_mass = self.density_g_cm3 * self.voxel_size_mm**3
        image_mass = self.image_density_g_cm3 * float(np.prod(self.image_voxel_size_mm))
        return float(kernel_mass / image_mass)

    def dose_octant(self, shape: tuple[int, int, int]) -> NDArray[np.float64]:
        """The kernel for the requested voxels over offsets ``0..n−1`` per axis, Gy/(Bq·s).

        One octant of the symmetric kernel that covers an image of `shape` (every
        source-target pair of it): the cube times `mass_ratio` at offsets ≤ 5 and the
        photon point kernel averaged over each voxel pair beyond.

        Parameters
        ----------
        shape
            The image's ``(nx, ny, nz)``.

        Returns
        -------
        numpy.ndarray
            Shape `shape`; entry ``[i, j, k]`` is the dose per decay at offset ±i, ±j, ±k.

        Examples
        --------
        >>> k = voxel_kernel(4.16)
        >>> octant = k.dose_octant((20, 20, 20))
        >>> round(float(octant[0, 0, 0] / (k.values[5, 5, 5] * k.mass_ratio)), 3)  # ICRP-107 Δnp
        1.02
        >>> bool(octant[19, 0, 0] > 0)  # the photon tail, 19 voxels out
        True
        """
        shape3 = tuple(int(n) for n in shape)
        if len(shape3) != 3 or min(shape3) < 1:
            raise InvalidValueError("shape", shape, "three positive image dimensions")
        octant = _octant(
            self.nuclide,
            self.voxel_size_mm,
            self.image_voxel_size_mm,
            self.image_density_g_cm3,
            (shape3[0], shape3[1], shape3[2]),
        )
        return octant


class _CubeBalance(NamedTuple):
    """How a shipped cube's energy splits, per decay (Gy·kg/(Bq·s)), and its correction."""

    total: float  # Σ S·m of the shipped cube
    photon: float  # Δp times the point kernel's fraction inside the cube
    electron: float  # total − photon: the cube's non-penetrating energy
    target: float  # the nuclide's Δnp (ICRP-107)
    values: NDArray[np.float64]  # the cube with its electron share scaled to `target`


@functools.cache
def _cube_balance(nuclide: str, kernel_mm: float) -> _CubeBalance:
    """The shipped cube with its electron energy set to the nuclide's ICRP-107 Δnp.

    The cube's electron energy per decay is its total minus the photon energy the
    point kernel puts inside it (source at the centre). Lanconelli's I-131 cubes hold
    0.188 MeV, 2 % under ICRP-107's Δnp of 0.1919 MeV that the sphere route and local
    deposition use (``data/photon_point_kernel/assumptions.yaml``). The difference is added
    to the electron share of the cube (the cube minus the point-kernel photon dose, in
    the voxels a straight CSDA track can reach), in proportion to it; the photon share
    is left alone, so nothing is counted twice.
    """
    base = load_kernel(kernel_mm, nuclide)
    nuc = get_nuclide(nuclide)
    point = photon_point_kernel(nuclide)
    rho = base.density_g_cm3
    h_cm = kernel_mm * _CM_PER_MM
    mass_kg = rho * h_cm**3 * _KG_PER_G
    total = base.total * mass_kg
    photon = nuc.delta_p_gy_kg_per_bq_s * point.box_fraction((_HALF + 0.5) * h_cm, rho)
    electron = total - photon
    offsets = np.indices((_HALF + 1,) * 3).reshape(3, -1).T
    photon_dose = voxel_average_dose(point, offsets, kernel_mm, rho)
    octant = base.values[_HALF:, _HALF:, _HALF:]
    shell = octant[offsets[:, 0], offsets[:, 1], offsets[:, 2]] - photon_dose
    # Nearest distance between the source voxel and each target voxel.
    gap_cm = h_cm * np.sqrt((np.maximum(offsets - 1, 0) ** 2).sum(axis=1))
    reach = float(csda_range_cm(_max_electron_mev(nuclide), "electron", rho))
    share = np.where(gap_cm < reach, np.maximum(shell, 0.0), 0.0)
    multiplicity = np.prod(np.where(offsets > 0, 2, 1), axis=1)
    share_energy = float((share * multiplicity).sum()) * mass_kg
    extra = np.zeros((_HALF + 1,) * 3)
    if share_energy > 0:
        extra[offsets[:, 0], offsets[:, 1], offsets[:, 2]] = share * (
            (nuc.delta_np_gy_kg_per_bq_s - electron) / share_energy
        )
    idx = np.abs(np.arange(-_HALF, _HALF + 1))
    values = base.values + extra[np.ix_(idx, idx, idx)]
    values.flags.writeable = False
    return _CubeBalance(total, photon, electron, nuc.delta_np_gy_kg_per_bq_s, values)


def _max_electron_mev(nuclide: str) -> float:
    """The largest electron (beta end-point or line) energy of the nuclide, MeV."""
    nuc = get_nuclide(nuclide)
    energies = [0.0]
    if nuc.beta_spectrum:
        energies.append(float(np.max(np.asarray(nuc.beta_spectrum)[:, 0])))
    if nuc.electron_lines:
        energies.append(float(np.max(np.asarray(nuc.electron_lines)[:, 0])))
    return max(energies)


@functools.lru_cache(maxsize=4)
def _octant(
    nuclide: str,
    kernel_mm: float,
    voxel_mm: tuple[float, float, float],
    density: float,
    shape: tuple[int, int, int],
) -> NDArray[np.float64]:
    """`VoxelKernel.dose_octant`, cached (a web page or a batch reuses it).

    The cube is scaled by the voxel-mass ratio. Where the requested voxels do not have
    the kernel's mass thickness exactly, its photon dose 2-5 voxels out (the scaled
    point kernel of the kernel's geometry) is swapped for the point kernel of the
    requested geometry, so that the cube's photons end where the tail's begin.
    """
    base = load_kernel(kernel_mm, nuclide)
    point = photon_point_kernel(nuclide)
    mass_ratio = base.density_g_cm3 * kernel_mm**3 / (density * float(np.prod(voxel_mm)))
    cube = _cube_balance(nuclide, kernel_mm).values[_HALF:, _HALF:, _HALF:] * mass_ratio
    offsets = np.indices(cube.shape).reshape(3, -1).T
    photons = offsets[offsets.max(axis=1) >= 2]
    own = voxel_average_dose(point, photons, kernel_mm, base.density_g_cm3)
    here = voxel_average_dose(point, photons, voxel_mm, density)
    at = (photons[:, 0], photons[:, 1], photons[:, 2])
    cube[at] = np.maximum(cube[at] + here - mass_ratio * own, 0.0)
    octant = np.zeros(shape)
    c = tuple(min(n, _HALF + 1) for n in shape)
    octant[: c[0], : c[1], : c[2]] = cube[: c[0], : c[1], : c[2]]
    idx = np.indices(shape).reshape(3, -1).T
    tail = idx[idx.max(axis=1) > _HALF]
    if tail.size:
        octant[tail[:, 0], tail[:, 1], tail[:, 2]] = voxel_average_dose(
            point, tail, voxel_mm, density
        )
    octant.flags.writeable = False
    return octant


def _metadata() -> dict[str, object]:
    meta = shipped(f"{_FOLDER}/metadata.yaml")
    if not isinstance(meta, list) or len(meta) != 1 or not meta[0].get("citation"):
        raise DataFileError(data_file(f"{_FOLDER}/metadata.yaml"), "expected one cited record")
    return dict(meta[0])


@functools.cache
def kernel_voxel_sizes_mm(nuclide: str = "I-131") -> tuple[float, ...]:
    """Voxel sizes (mm) for which a kernel of `nuclide` is shipped, ascending.

    Examples
    --------
    >>> kernel_voxel_sizes_mm()[:3]
    (2.21, 2.33, 2.4)
    """
    name = get_nuclide(nuclide).name
    meta = _metadata()
    if name != meta["nuclide"]:
        raise UnknownNameError(
            "voxel-kernel nuclide", name, [str(meta["nuclide"])], hint="I-131 only"
        )
    pattern = re.escape(str(meta["file_pattern"])).replace(r"\{voxel_mm\}", r"([0-9.]+)")
    sizes = []
    for path in (DATA_DIR / _FOLDER).iterdir():
        m = re.fullmatch(pattern, path.name)
        if m:
            sizes.append(float(m.group(1)))
    return tuple(sorted(sizes))


@functools.cache
def load_kernel(voxel_size_mm: float, nuclide: str = "I-131") -> VoxelKernel:
    """Load the shipped kernel of exactly this voxel size.

    Raises
    ------
    InvalidValueError
        If no kernel of that size is shipped.
    DataFileError
        If the kernel file is malformed.
    """
    sizes = kernel_voxel_sizes_mm(nuclide)
    if voxel_size_mm not in sizes:
        raise InvalidValueError("voxel_size_mm", voxel_size_mm, f"one of {sizes}")
    meta = _metadata()
    size_text = f"{voxel_size_mm:g}"
    path = DATA_DIR / _FOLDER / str(meta["file_pattern"]).format(voxel_mm=size_text)
    octant = np.full((6, 6, 6), np.nan)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror}") from exc
    for lineno, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if not parts:
            continue
        try:
            i, j, k = (int(p) for p in parts[:3])
            octant[i, j, k] = float(parts[3])
        except (ValueError, IndexError) as exc:
            raise DataFileError(path, f"expected 'i j k S', got {line!r}", lineno) from exc
    if np.isnan(octant).any():
        raise DataFileError(path, "the octant i, j, k = 0..5 is incomplete")
    idx = np.abs(np.arange(-5, 6))
    full = octant[np.ix_(idx, idx, idx)] * _MGY_PER_MBQ_S_TO_GY_PER_BQ_S
    full.flags.writeable = False
    return VoxelKernel(
        nuclide=get_nuclide(nuclide).name,
        voxel_size_mm=voxel_size_mm,
        values=full,
        density_g_cm3=float(meta["density_g_cm3"]),  # type: ignore[arg-type]
        source=str(meta["citation"]),
    )


def voxel_kernel(
    voxel_size_mm: ArrayLike, nuclide: str = "I-131", density_g_cm3: float | None = None
) -> VoxelKernel:
    """Kernel for an image's voxels: the shipped size nearest to their mass-equivalent edge.

    Parameters
    ----------
    voxel_size_mm
        One edge (cubic voxels) or the three edges of the image voxels. Non-cubic
        voxels use the size nearest to their geometric mean and are flagged inexact.
    nuclide
        Only I-131 kernels are shipped.
    density_g_cm3
        Tissue density of the image; rairlab's one tissue density
        (:func:`tissue_density_g_cm3`, 1.00 g/cm³) if omitted. The shipped kernels
        (1.04 g/cm³) are converted by the density-scaling theorem: the one chosen
        has the edge nearest to ``ρ·h / 1.04``.

    Returns
    -------
    VoxelKernel
        With ``exact`` false (and a ``note``) if the mass-equivalent edge differs from
        the kernel's by more than 1 %.

    Raises
    ------
    InvalidValueError
        A voxel edge or density that is not positive and finite.
    UnknownNameError
        A nuclide without shipped kernels.

    Examples
    --------
    >>> k = voxel_kernel(4.16)  # 4.16 mm at 1.00 g/cm³ = 4 mm at 1.04 g/cm³
    >>> k.voxel_size_mm, k.exact
    (4.0, True)
    >>> voxel_kernel(4.0).exact
    False
    >>> voxel_kernel(4.0, density_g_cm3=1.04).exact
    True
    """
    size = np.broadcast_to(np.asarray(voxel_size_mm, dtype=float), (3,))
    if not np.all(np.isfinite(size)) or np.any(size <= 0):
        raise InvalidValueError("voxel_size_mm", voxel_size_mm, "positive voxel edges in mm")
    rho = tissue_density_g_cm3() if density_g_cm3 is None else float(density_g_cm3)
    if not (np.isfinite(rho) and rho > 0):
        raise InvalidValueError("density_g_cm3", density_g_cm3, "a positive density in g/cm³")
    sizes = np.array(kernel_voxel_sizes_mm(nuclide))
    base = load_kernel(float(sizes[0]), nuclide)
    mean = float(np.cbrt(np.prod(size)))
    equivalent = mean * rho / base.density_g_cm3
    best = float(sizes[np.argmin(np.abs(np.log(sizes / equivalent)))])
    cubic = bool(np.ptp(size) <= _EXACT_REL_TOL * mean)
    exact = cubic and abs(best / equivalent - 1.0) <= _EXACT_REL_TOL
    base = load_kernel(best, nuclide)
    return VoxelKernel(
        nuclide=base.nuclide,
        voxel_size_mm=base.voxel_size_mm,
        values=base.values,
        density_g_cm3=base.density_g_cm3,
        source=base.source,
        requested_voxel_size_mm=(float(size[0]), float(size[1]), float(size[2])),
        exact=exact,
        requested_density_g_cm3=rho,
    )
