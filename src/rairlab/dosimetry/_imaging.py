"""Reading and writing 3-D images (NIfTI via nibabel; DICOM series via pydicom, optional).

Geometry is always in millimetres. A NIfTI header states its spatial unit in
``xyzt_units`` (the low three bits: 0 unknown, 1 metre, 2 mm, 3 micron; NIfTI-1
standard, ``nifti1.h``); `load_nifti` converts the voxel size and the affine to mm,
reads "unknown" as mm and records that it
did in `Image3D.spatial_unit`, and refuses any other code. `save_nifti` writes mm.

Both backends are optional: nibabel comes with the ``imaging`` extra, pydicom with
the ``dicom`` extra; a missing one raises `MissingExtraError` naming the extra.

References
----------
Cox RW, Ashburner J, Breman H, et al. A (sort of) new image data format standard:
NIfTI-1. NeuroImaging Informatics Technology Initiative, 2004
(https://nifti.nimh.nih.gov/nifti-1, header nifti1.h: NIFTI_UNITS_*).
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rairlab._io import optional_import, write_bytes
from rairlab.errors import InputFileError

__all__ = ["Image3D", "load_dicom_series", "load_nifti", "save_nifti"]


@dataclass(frozen=True, eq=False)
class Image3D:
    """A 3-D image with its geometry.

    Attributes
    ----------
    data
        Voxel values, shape ``(nx, ny, nz)``.
    voxel_size_mm
        Voxel edges in mm.
    affine
        4×4 voxel-to-world matrix (mm).
    path
        Where it was read from.
    spatial_unit
        The unit the file declared: ``"mm"`` (also for DICOM), ``"meter"``,
        ``"micron"`` (both converted to mm), or ``"unknown"`` (read as mm).
    """

    data: NDArray[np.float64] = field(repr=False)
    voxel_size_mm: tuple[float, float, float]
    affine: NDArray[np.float64] = field(repr=False)
    path: str = ""
    spatial_unit: str = "mm"

    @property
    def unit_note(self) -> str | None:
        """A sentence to report when the file did not say its unit, else ``None``."""
        if self.spatial_unit != "unknown":
            return None
        return (
            f"{Path(self.path).name or 'The image'} does not state its spatial unit "
            "(NIfTI xyzt_units 0); its voxel size was read as mm."
        )


#: NIfTI-1 spatial unit codes (nifti1.h NIFTI_UNITS_*) and their length in mm.
_NIFTI_SPATIAL_UNITS: dict[int, tuple[str, float]] = {
    0: ("unknown", 1.0),
    1: ("meter", 1000.0),
    2: ("mm", 1.0),
    3: ("micron", 1e-3),
}


def _spatial_unit(header: object, path: Path) -> tuple[str, float]:
    """The header's spatial unit and its length in mm; a code outside 0-3 is refused."""
    try:
        code = int(header["xyzt_units"]) & 0x07  # type: ignore[index]
    except (KeyError, TypeError, ValueError):  # a header without the field: no unit given
        code = 0
    if code not in _NIFTI_SPATIAL_UNITS:
        accepted = ", ".join(f"{c} ({u})" for c, (u, _) in _NIFTI_SPATIAL_UNITS.items())
        raise InputFileError(
            path, f"spatial unit code {code} in the header's xyzt_units: expected {accepted}"
        )
    return _NIFTI_SPATIAL_UNITS[code]


def load_nifti(path: str | os.PathLike[str]) -> Image3D:
    """Read a 3-D NIfTI image (``.nii`` or ``.nii.gz``), its geometry in mm.

    The voxel size and the affine are converted from the header's spatial unit
    (``xyzt_units``: metre, mm or micron); a header that gives none is read as mm
    and says so in ``spatial_unit`` (``"unknown"``) and `Image3D.unit_note`.

    Raises
    ------
    InputFileError
        Missing or unreadable file, not a 3-D image (a trailing axis of length 1 is
        dropped), a spatial unit code other than 0-3, or a voxel size that is not positive.
    MissingExtraError
        If nibabel is not installed (``pip install 'rairlab[imaging]'``).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> p = save_nifti(folder / "t.nii", np.ones((2, 2, 2)), np.diag([4.0, 4.0, 4.0, 1.0]))
    >>> img = load_nifti(p)
    >>> img.voxel_size_mm, img.spatial_unit
    ((4.0, 4.0, 4.0), 'mm')
    """
    nib = optional_import("nibabel", "imaging")
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "no such file (expected a NIfTI image, .nii or .nii.gz)")
    try:
        img = nib.load(str(p))
        data = np.asarray(img.get_fdata(dtype=np.float64))
        zooms = img.header.get_zooms()
    except Exception as exc:  # nibabel raises many types for bad files
        raise InputFileError(p, f"cannot read as NIfTI: {exc}") from exc
    while data.ndim > 3 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise InputFileError(p, f"expected a 3-D image, got shape {data.shape}")
    unit, mm = _spatial_unit(img.header, p)
    size = tuple(float(z) * mm for z in zooms[:3])
    if any(not np.isfinite(s) or s <= 0 for s in size):
        raise InputFileError(p, f"voxel size {size} mm is not positive")
    affine = np.asarray(img.affine, float).copy()
    affine[:3, :] *= mm  # rotation-zoom columns and translation, to mm
    return Image3D(data, (size[0], size[1], size[2]), affine, str(p), unit)


def save_nifti(
    path: str | os.PathLike[str], data: NDArray[np.floating], affine: NDArray[np.floating]
) -> Path:
    """Write `data` as a float32 NIfTI image atomically (gzip-compressed for ``.gz``).

    The affine is in mm, and the header says so (``xyzt_units``: mm).
    """
    nib = optional_import("nibabel", "imaging")
    img = nib.Nifti1Image(np.asarray(data, dtype=np.float32), np.asarray(affine, float))
    img.header.set_xyzt_units("mm")
    raw = img.to_bytes()
    p = Path(path)
    if p.suffix == ".gz":
        raw = gzip.compress(raw, mtime=0)
    return write_bytes(p, raw)


def load_dicom_series(folder: str | os.PathLike[str]) -> Image3D:
    """Read a single-series DICOM folder (one slice per file) into an `Image3D`.

    Slices are ordered by their position along the slice normal; the rescale
    slope/intercept are applied. Multi-frame files and mixed series are refused.

    Raises
    ------
    MissingExtraError
        If pydicom is not installed (``pip install 'rairlab[dicom]'``).
    InputFileError
        Empty folder, unreadable files or inconsistent slices.
    """
    pydicom = optional_import("pydicom", "dicom")
    root = Path(folder)
    files = sorted(p for p in root.iterdir() if p.is_file()) if root.is_dir() else []
    if not files:
        raise InputFileError(root, "expected a folder of DICOM slice files")
    try:
        slices = [pydicom.dcmread(str(f)) for f in files]
    except Exception as exc:
        raise InputFileError(root, f"cannot read DICOM: {exc}") from exc
    if len({str(s.SeriesInstanceUID) for s in slices}) != 1:
        raise InputFileError(root, "the folder holds more than one series")
    orient = np.asarray(slices[0].ImageOrientationPatient, float)
    normal = np.cross(orient[:3], orient[3:])
    pos = np.array([np.dot(normal, np.asarray(s.ImagePositionPatient, float)) for s in slices])
    order = np.argsort(pos)
    stack = np.stack(
        [
            s.pixel_array.astype(float) * float(getattr(s, "RescaleSlope", 1.0))
            + float(getattr(s, "RescaleIntercept", 0.0))
            for s in (slices[i] for i in order)
        ],
        axis=-1,
    )
    spacing = np.diff(pos[order])
    if stack.ndim != 3 or (spacing.size and np.ptp(spacing) > 1e-3 * abs(spacing.mean())):
        raise InputFileError(root, "slices are not evenly spaced 2-D images")
    row, col = (float(v) for v in slices[0].PixelSpacing)
    dz = float(spacing.mean()) if spacing.size else float(slices[0].SliceThickness)
    # pixel_array is (rows, cols): axis 0 steps along the column direction.
    data = np.swapaxes(stack, 0, 1)
    affine = np.eye(4)
    affine[:3, 0] = orient[:3] * col
    affine[:3, 1] = orient[3:] * row
    affine[:3, 2] = normal * dz
    affine[:3, 3] = np.asarray(slices[order[0]].ImagePositionPatient, float)
    return Image3D(data, (col, row, dz), affine, str(root))
