"""Voxel dosimetry: absorbed-dose maps from time-integrated activity images, and their DVHs.

Two methods turn a time-integrated activity (TIA) image in MBq·h per voxel into
absorbed dose in Gy:

* ``"kernel"``: convolution of the TIA with a voxel S-value kernel (``D = Ã ⊛ S``,
  Bolch et al. 1999, MIRD Pamphlet No. 17) that covers the whole image: the
  Lanconelli et al. (2012) Monte Carlo cube within ±5 voxels, converted to the
  tissue density by the density-scaling theorem, and the nuclide's photon point
  kernel (rairlab's photon Monte Carlo in water) averaged over each voxel pair
  beyond (`rairlab.dosimetry._kernels`). The convolution is linear (no wrap-around):
  the image is zero-padded to an even FFT length ``N ≥ 2n − 1`` per axis, and the
  even kernel's spectrum is the type-I discrete cosine transform of its octant.
  The medium is unbounded tissue of one density (no body outline, no lungs or bone);
* ``"local"``: local energy deposition, the non-penetrating energy of each decay
  absorbed in its own voxel (``D = Ã·Δnp / m_voxel``); penetrating photons ignored.

Both use rairlab's one tissue density (``unit_density_g_cm3`` in
``data/assumptions/sphere_model.yaml``, 1.00 g/cm³) unless told otherwise, the
density of the sphere S-values, so that a voxel's mass is its volume times it.
Images may carry leading batch axes (``(..., nx, ny, nz)``, e.g. one TIA map per
virtual patient of equal grid); the convolution runs over the last three axes.

References
----------
Bolch WE, Bouchet LG, Robertson JS, et al. MIRD Pamphlet No. 17: the dosimetry of
nonuniform activity distributions — radionuclide S values at the voxel level.
J Nucl Med 1999;40(1):11S-36S.
Lanconelli N, et al. A free database of radionuclide voxel S values for the dosimetry
of nonuniform activity distributions. Phys Med Biol 2012;57:517-533.
doi:10.1088/0031-9155/57/2/517
Berger MJ. Energy deposition in water by photons from point isotropic sources. MIRD
Pamphlet No. 2. J Nucl Med 1968;9(Suppl 1):15-25 (the photon point kernel).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import fft as sp_fft

from rairlab.dosimetry._kernels import VoxelKernel, tissue_density_g_cm3, voxel_kernel
from rairlab.dosimetry._limits import LIMITS, max_tia_mbq_h
from rairlab.dosimetry._nuclides import Nuclide, get_nuclide
from rairlab.dosimetry._units import BQ_S_PER_MBQ_H
from rairlab.errors import InputFileError, InvalidValueError

__all__ = [
    "DoseStatistics",
    "VoxelDose",
    "dose_statistics",
    "dose_volume_histogram",
    "voxel_dose",
]

Method = Literal["kernel", "local"]


@dataclass(frozen=True, eq=False)
class VoxelDose:
    """An absorbed-dose map and how it was computed.

    Attributes
    ----------
    dose_gy
        Absorbed dose per voxel, same shape as the TIA image.
    method
        ``"kernel"`` or ``"local"``.
    nuclide
        The nuclide's name.
    voxel_size_mm
        The image's voxel edges.
    kernel
        The kernel used (``None`` for local deposition).
    notes
        Caveats to report with the result (e.g. inexact kernel voxel size).
    """

    dose_gy: NDArray[np.float64] = field(repr=False)
    method: str
    nuclide: str
    voxel_size_mm: tuple[float, float, float]
    kernel: VoxelKernel | None = None
    notes: tuple[str, ...] = ()


def _check_tia(tia: ArrayLike, nuc: Nuclide) -> NDArray[np.float64]:
    """The TIA image as floats, refused unless each image's total is physically possible.

    An image (over its last three axes) cannot hold more than the largest accepted
    activity decaying in place, ``A_max · T½ / ln 2`` (:func:`max_tia_mbq_h`).
    """
    arr = np.asarray(tia, dtype=float)
    if arr.ndim < 3:
        raise InvalidValueError("tia", f"array of shape {arr.shape}", "a 3-D image (..., x, y, z)")
    if not np.all(np.isfinite(arr)):
        raise InvalidValueError("tia", "non-finite values", "finite MBq·h per voxel")
    if np.any(arr < 0):
        raise InvalidValueError("tia", f"minimum {arr.min():g}", "non-negative MBq·h per voxel")
    limit = max_tia_mbq_h(nuc.half_life_h)
    # The largest voxel first, so that the sum cannot overflow.
    largest = float(arr.max()) if arr.size else 0.0
    total = float(arr.sum(axis=(-3, -2, -1)).max()) if largest <= limit and arr.size else largest
    if total > limit:
        raise InvalidValueError(
            "tia",
            f"total {total:.3g} MBq·h",
            f"at most {limit:.3g} MBq·h per image: {LIMITS.activity_mbq.high:g} MBq of "
            f"{nuc.name} decaying in place (the largest accepted activity)",
        )
    return arr


def _even_fft_length(n: int) -> int:
    """The smallest fast FFT length that is even and at least ``2n − 1``."""
    length = sp_fft.next_fast_len(2 * n - 1, real=True)
    while length % 2:
        length = sp_fft.next_fast_len(length + 1, real=True)
    return int(length)


def _convolve_octant(
    image: NDArray[np.float64], octant: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Linear convolution over the last three axes with an even kernel, cropped to the image.

    `octant` holds the kernel at offsets ``0..n−1`` per axis (``K[±i, ±j, ±k]``). On a
    circular grid of even length ``N ≥ 2n − 1`` per axis every offset the image needs
    has its own place, so the circular convolution equals the linear one there. The
    kernel's spectrum is real: the type-I DCT of its octant zero-padded to ``N/2 + 1``.
    """
    axes = (-3, -2, -1)
    shape_img = image.shape[-3:]
    fshape = [_even_fft_length(n) for n in shape_img]
    half = tuple(n // 2 + 1 for n in fshape)
    padded = np.zeros(half)
    padded[: octant.shape[0], : octant.shape[1], : octant.shape[2]] = octant
    spectrum = sp_fft.dctn(padded, type=1, workers=-1)
    # Full-length axes: frequency q holds the value of min(q, N - q).
    ix, iy = (np.minimum(np.arange(n), n - np.arange(n)) for n in fshape[:2])
    spectrum = spectrum[np.ix_(ix, iy, np.arange(half[2]))]
    f_img = sp_fft.rfftn(image, fshape, axes=axes, workers=-1)
    f_img *= spectrum
    out = sp_fft.irfftn(f_img, fshape, axes=axes, workers=-1)
    return np.asarray(out[..., : shape_img[0], : shape_img[1], : shape_img[2]])


def voxel_dose(
    tia_mbq_h: ArrayLike,
    voxel_size_mm: float | Sequence[float],
    nuclide: str | Nuclide = "I-131",
    method: Method = "kernel",
    density_g_cm3: float | None = None,
) -> VoxelDose:
    """Absorbed-dose map (Gy) from a time-integrated activity image (MBq·h per voxel).

    Parameters
    ----------
    tia_mbq_h
        Time-integrated activity per voxel, shape ``(..., nx, ny, nz)``: finite,
        ≥ 0, and each image's total at most :func:`max_tia_mbq_h` of the nuclide
        (10⁵ MBq decaying in place; 2.8·10⁷ MBq·h for I-131).
    voxel_size_mm
        Voxel edge(s) in mm (one number or three), each in
        ``LIMITS.voxel_size_mm`` (0.1 to 20 mm).
    nuclide
        The nuclide; the ``"kernel"`` method needs a shipped kernel (I-131).
    method
        ``"kernel"`` (convolution with the kernel of the nearest shipped voxel size and
        the photon tail over the whole image) or ``"local"``.
    density_g_cm3
        Tissue density for both methods (voxel mass; the kernel's density scaling);
        rairlab's one tissue density, 1.00 g/cm³ (``unit_density_g_cm3``, the density of
        the sphere S-values), if omitted.

    Returns
    -------
    VoxelDose
        The dose map and notes (e.g. when the kernel voxel size is not exact).

    Raises
    ------
    InvalidValueError
        Bad image (not 3-D, not finite, negative, more than the nuclide allows), voxel
        size out of range, method or density.
    UnknownNameError
        Unknown nuclide, or no kernel for it.

    Examples
    --------
    >>> tia = np.zeros((9, 9, 9)); tia[4, 4, 4] = 1.0  # MBq·h
    >>> res = voxel_dose(tia, 4.16)
    >>> octant = res.kernel.dose_octant((9, 9, 9))
    >>> bool(np.isclose(res.dose_gy[4, 4, 4], 3.6e9 * octant[0, 0, 0]))
    True
    >>> bool(np.isclose(res.dose_gy[0, 0, 0], 3.6e9 * octant[4, 4, 4]))  # 4 voxels out each way
    True
    """
    nuc = get_nuclide(nuclide)
    tia = _check_tia(tia_mbq_h, nuc)
    try:
        size = np.broadcast_to(np.asarray(voxel_size_mm, dtype=float), (3,))
    except ValueError:
        raise InvalidValueError(
            "voxel_size_mm", voxel_size_mm, "one voxel edge or three, in mm"
        ) from None
    if not LIMITS.voxel_size_mm.contains(size):
        raise InvalidValueError(
            "voxel_size_mm",
            " x ".join(f"{v:.4g}" for v in size) + " mm",
            f"voxel edges in {LIMITS.voxel_size_mm.interval} ({LIMITS.voxel_size_mm.why})",
        )
    size_t = (float(size[0]), float(size[1]), float(size[2]))
    if density_g_cm3 is None:
        density_g_cm3 = tissue_density_g_cm3()
    if not np.isfinite(density_g_cm3) or density_g_cm3 <= 0:
        raise InvalidValueError("density_g_cm3", density_g_cm3, "a positive density")
    if method == "kernel":
        kern = voxel_kernel(size, nuc.name, density_g_cm3)
        octant = kern.dose_octant((tia.shape[-3], tia.shape[-2], tia.shape[-1]))
        dose = BQ_S_PER_MBQ_H * _convolve_octant(tia, octant)
        # FFT round-off can leave tiny negatives where the dose is ~0.
        np.maximum(dose, 0.0, out=dose)
        notes = () if kern.exact else (kern.note,)
        return VoxelDose(dose, "kernel", nuc.name, size_t, kern, notes)
    if method == "local":
        mass_kg = float(np.prod(size)) * 1e-3 * density_g_cm3 * 1e-3  # mm³ → cm³ → g → kg
        dose = tia * (BQ_S_PER_MBQ_H * nuc.delta_np_gy_kg_per_bq_s / mass_kg)
        note = "Local deposition: non-penetrating energy absorbed in its voxel, photons ignored."
        return VoxelDose(dose, "local", nuc.name, size_t, None, (note,))
    raise InvalidValueError("method", method, "'kernel' or 'local'")


@dataclass(frozen=True)
class DoseStatistics:
    """Dose statistics over a region (all doses in Gy).

    Attributes
    ----------
    n_voxels
        Voxels in the region.
    mean, minimum, maximum
        Mean, min and max dose.
    d50, d90
        Minimum dose received by the hottest 50 % / 90 % of the volume.
    v_gy
        ``{threshold_gy: fraction of the volume receiving at least that dose}``.
    """

    n_voxels: int
    mean: float
    minimum: float
    maximum: float
    d50: float
    d90: float
    v_gy: dict[float, float]


def _region(dose: ArrayLike, mask: ArrayLike | None) -> NDArray[np.float64]:
    d = np.asarray(dose, dtype=float)
    if mask is None:
        return d.ravel()
    m = np.asarray(mask)
    if m.shape != d.shape:
        raise InvalidValueError("mask", f"shape {m.shape}", f"the dose map's shape {d.shape}")
    values = d[m.astype(bool)]
    if values.size == 0:
        raise InvalidValueError("mask", "an empty region", "a mask with at least one voxel")
    return values


def dose_volume_histogram(
    dose_gy: ArrayLike, mask: ArrayLike | None = None, levels_gy: ArrayLike | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative dose-volume histogram: fraction of the region receiving at least each dose.

    Parameters
    ----------
    dose_gy
        Dose map.
    mask
        Region (boolean, same shape); the whole map if omitted.
    levels_gy
        Dose levels; 200 levels from 0 to the maximum if omitted.

    Returns
    -------
    (levels_gy, volume_fraction)
        ``volume_fraction[i]`` is the fraction of voxels with dose ``>= levels_gy[i]``.

    Examples
    --------
    >>> dose_volume_histogram([1.0, 2.0, 3.0, 4.0], levels_gy=[0, 2.5, 5])[1].tolist()
    [1.0, 0.5, 0.0]
    """
    values = np.sort(_region(dose_gy, mask))
    if levels_gy is None:
        levels = np.linspace(0.0, float(values[-1]), 200)
    else:
        levels = np.asarray(levels_gy, dtype=float)
    below = np.searchsorted(values, levels, side="left")
    return levels, (values.size - below) / values.size


def _stable_mean(values: NDArray[np.float64]) -> float:
    """The mean of finite values; scaled by their largest where their sum would overflow."""
    with np.errstate(over="ignore"):
        mean = float(values.mean())
    if np.isfinite(mean):
        return mean
    top = float(np.max(np.abs(values)))
    return top * float(np.mean(values / top))


def dose_statistics(
    dose_gy: ArrayLike, mask: ArrayLike | None = None, v_thresholds_gy: Sequence[float] = ()
) -> DoseStatistics:
    """Mean, D50, D90 and V_x of a dose map over a region.

    ``D_x`` is the minimum dose received by the hottest x % of the volume, i.e. the
    (100 − x)-th percentile (linear interpolation between voxels). A mean whose
    sum would overflow is taken of the doses scaled by their maximum.

    Parameters
    ----------
    dose_gy
        Dose map (Gy), finite.
    mask
        Region (boolean, same shape); the whole map if omitted.
    v_thresholds_gy
        Doses for ``V_x``, each a finite number in ``LIMITS.threshold_dose_gy``
        (0 to 10⁵ Gy).

    Raises
    ------
    InvalidValueError
        A threshold out of range or not finite (named ``--v-gy``), a dose that is
        not finite, or a bad mask.

    Examples
    --------
    >>> s = dose_statistics(np.arange(1.0, 11.0), v_thresholds_gy=[5.0])
    >>> s.mean, round(s.d90, 2), s.v_gy[5.0]
    (5.5, 1.9, 0.6)
    """
    for x in v_thresholds_gy:
        LIMITS.threshold_dose_gy.check(x, "--v-gy")
    values = _region(dose_gy, mask)
    if not np.all(np.isfinite(values)):
        raise InvalidValueError("dose_gy", "non-finite values", "finite doses in Gy")
    levels, frac = dose_volume_histogram(values, None, list(v_thresholds_gy))
    return DoseStatistics(
        n_voxels=int(values.size),
        mean=_stable_mean(values),
        minimum=float(values.min()),
        maximum=float(values.max()),
        d50=float(np.percentile(values, 50.0)),
        d90=float(np.percentile(values, 10.0)),
        v_gy={float(x): float(f) for x, f in zip(levels, frac, strict=True)},
    )


#: voxel_dose's parameters that come from the image file, as an error names them.
_IMAGE_VALUES = {"tia": "TIA", "voxel_size_mm": "voxel size"}


def image_dose(
    image: Any, mask: Any | None, nuclide: str, method: str
) -> tuple[VoxelDose, NDArray[np.bool_] | None]:
    """The dose map of a TIA image (`Image3D`) and the region of its mask, checked.

    The mask must have the image's shape and at least one non-zero voxel; a bad
    number read from the image (a TIA or voxel size) is an error naming the file.
    An image whose file did not state its spatial unit (read as mm) gets a note.

    Raises
    ------
    InputFileError
        A mask that does not fit, or a TIA image whose values or voxel size are refused.
    """
    region = None
    if mask is not None:
        if mask.data.shape != image.data.shape:
            raise InputFileError(
                mask.path, f"mask shape {mask.data.shape} differs from the TIA's {image.data.shape}"
            )
        region = mask.data != 0
        if not region.any():
            raise InputFileError(mask.path, "the mask has no non-zero voxel")
    try:
        result = voxel_dose(image.data, image.voxel_size_mm, nuclide=nuclide, method=method)  # type: ignore[arg-type]
    except InvalidValueError as exc:  # the image's own numbers: name the file
        if exc.parameter not in _IMAGE_VALUES:
            raise
        raise InputFileError(
            image.path, f"{_IMAGE_VALUES[exc.parameter]} {exc.value}: expected {exc.accepted}"
        ) from None
    unit_note = getattr(image, "unit_note", None)
    if unit_note:
        result = replace(result, notes=(*result.notes, unit_note))
    return result, region
