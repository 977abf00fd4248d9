"""Voxel S-value kernels: absorbed dose in each voxel per decay in a central source voxel.

The shipped kernels are the I-131 soft-tissue voxel S-values of Lanconelli et al.
(2012), 11×11×11 voxels (offsets −5..5), rebuilt from the tabulated octant by
symmetry. A kernel exists for a list of voxel sizes; `voxel_kernel` picks the
nearest one and says whether it matches the image's voxel size.

References
----------
Lanconelli N, et al. A free database of radionuclide voxel S values for the dosimetry
of nonuniform activity distributions. Phys Med Biol 2012;57:517-533.
doi:10.1088/0031-9155/57/2/517
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.dosimetry._data import DATA_DIR, load_yaml
from rairlab.dosimetry._nuclides import get_nuclide
from rairlab.errors import DataFileError, InvalidValueError, UnknownNameError

__all__ = ["VoxelKernel", "kernel_voxel_sizes_mm", "load_kernel", "voxel_kernel"]

_FOLDER = "lanconelli2012"
_MGY_PER_MBQ_S_TO_GY_PER_BQ_S = 1e-9  # unit conversion, not data
_EXACT_REL_TOL = 0.01


@dataclass(frozen=True, eq=False)
class VoxelKernel:
    """A cubic voxel S-value kernel.

    Attributes
    ----------
    nuclide
        The nuclide, e.g. ``"I-131"``.
    voxel_size_mm
        Edge of the kernel's cubic voxels.
    values
        Shape ``(11, 11, 11)``: dose per decay in Gy/(Bq·s), source at the centre.
    density_g_cm3
        Density of the medium the kernel was computed in.
    requested_voxel_size_mm
        The image voxel size the kernel was chosen for (``None`` if loaded by size).
    exact
        Whether the kernel's voxel size equals the requested one within 1 %.
    source
        Citation.
    """

    nuclide: str
    voxel_size_mm: float
    values: NDArray[np.float64] = field(repr=False)
    density_g_cm3: float
    source: str
    requested_voxel_size_mm: tuple[float, float, float] | None = None
    exact: bool = True

    @property
    def total(self) -> float:
        """Sum of the kernel in Gy/(Bq·s): centre dose for uniform activity everywhere."""
        return float(self.values.sum())

    @property
    def note(self) -> str:
        """One sentence on how the kernel matches the requested voxel size."""
        if self.requested_voxel_size_mm is None or self.exact:
            return f"{self.nuclide} kernel at {self.voxel_size_mm:g} mm (exact voxel size)."
        req = " x ".join(f"{v:g}" for v in self.requested_voxel_size_mm)
        return (
            f"No {self.nuclide} kernel for {req} mm voxels; used the nearest available "
            f"({self.voxel_size_mm:g} mm) scaled by the voxel-mass ratio "
            f"{self.mass_ratio:.4g} (energy per decay conserved, spatial spread of the "
            f"{self.voxel_size_mm:g} mm kernel), so doses are approximate."
        )

    @property
    def mass_ratio(self) -> float:
        """Kernel voxel volume / requested voxel volume (1 when loaded by size).

        Multiplying the kernel by it keeps the energy absorbed per decay,
        ``Σ S·m``, equal to the kernel's own when applied to the requested voxels.
        """
        if self.requested_voxel_size_mm is None:
            return 1.0
        return float(self.voxel_size_mm**3 / np.prod(self.requested_voxel_size_mm))


def _metadata() -> dict[str, object]:
    meta = load_yaml(f"{_FOLDER}/metadata.yaml")
    if not isinstance(meta, list) or len(meta) != 1 or not meta[0].get("citation"):
        raise DataFileError(DATA_DIR / _FOLDER / "metadata.yaml", "expected one cited record")
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


def voxel_kernel(voxel_size_mm: ArrayLike, nuclide: str = "I-131") -> VoxelKernel:
    """Kernel for an image's voxel size: the shipped size nearest to it.

    Parameters
    ----------
    voxel_size_mm
        One edge (cubic voxels) or the three edges of the image voxels. Non-cubic
        voxels use the size nearest to their geometric mean and are flagged inexact.
    nuclide
        Only I-131 kernels are shipped.

    Returns
    -------
    VoxelKernel
        With ``exact`` false (and a ``note``) if the sizes differ by more than 1 %.

    Examples
    --------
    >>> k = voxel_kernel(4.0)
    >>> k.voxel_size_mm, k.exact
    (4.0, True)
    >>> voxel_kernel([3.1, 3.1, 3.1]).exact
    False
    """
    size = np.broadcast_to(np.asarray(voxel_size_mm, dtype=float), (3,))
    if not np.all(np.isfinite(size)) or np.any(size <= 0):
        raise InvalidValueError("voxel_size_mm", voxel_size_mm, "positive voxel edges in mm")
    sizes = np.array(kernel_voxel_sizes_mm(nuclide))
    mean = float(np.cbrt(np.prod(size)))
    best = float(sizes[np.argmin(np.abs(np.log(sizes / mean)))])
    cubic = bool(np.ptp(size) <= _EXACT_REL_TOL * mean)
    exact = cubic and abs(best / mean - 1.0) <= _EXACT_REL_TOL
    base = load_kernel(best, nuclide)
    return VoxelKernel(
        nuclide=base.nuclide,
        voxel_size_mm=base.voxel_size_mm,
        values=base.values,
        density_g_cm3=base.density_g_cm3,
        source=base.source,
        requested_voxel_size_mm=(float(size[0]), float(size[1]), float(size[2])),
        exact=exact,
    )
