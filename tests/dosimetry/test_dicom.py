"""DICOM series reading on small synthetic series (pydicom writes them, in the dev extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rairlab.dosimetry import load_dicom_series
from rairlab.errors import InputFileError

# an oblique orientation: rows along (cos t, sin t, 0), columns along (-sin t, cos t, 0)
T = np.deg2rad(30.0)
ROW_DIR = np.array([np.cos(T), np.sin(T), 0.0])
COL_DIR = np.array([-np.sin(T), np.cos(T), 0.0])
NORMAL = np.cross(ROW_DIR, COL_DIR)
ORIGIN = np.array([-100.0, 20.0, 55.0])
ROW_MM, COL_MM, SLICE_MM = 2.5, 1.5, 3.0  # PixelSpacing = (row spacing, column spacing)


def _write_series(
    folder: Path,
    volume: np.ndarray,  # (rows, cols, slices) stored values
    slope: float = 0.5,
    intercept: float = -3.0,
    series: str = "1.2.826.0.1.3680043.8.498.1",
    slice_positions: list[float] | None = None,
) -> None:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    rows, cols, n = volume.shape
    positions = slice_positions or [k * SLICE_MM for k in range(n)]
    for k in range(n):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.128"  # PET image storage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID = series
        ds.Modality = "PT"
        ds.Rows, ds.Columns = rows, cols
        ds.PixelSpacing = [ROW_MM, COL_MM]
        ds.SliceThickness = SLICE_MM
        ds.ImageOrientationPatient = [*ROW_DIR.tolist(), *COL_DIR.tolist()]
        ds.ImagePositionPatient = (ORIGIN + positions[k] * NORMAL).tolist()
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.PixelRepresentation = 0
        ds.PixelData = np.ascontiguousarray(volume[:, :, k], dtype=np.uint16).tobytes()
        # files named so that their sorted order is not the slice order
        ds.save_as(folder / f"slice_{(7 * k) % n:03d}.dcm", enforce_file_format=True)


def test_values_geometry_and_slice_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    stored = rng.integers(0, 4000, size=(4, 5, 6)).astype(np.uint16)  # rows, cols, slices
    _write_series(tmp_path / "s", stored)
    img = load_dicom_series(tmp_path / "s")
    # data is (columns, rows, slices), rescaled
    np.testing.assert_allclose(img.data, np.swapaxes(stored * 0.5 - 3.0, 0, 1))
    assert img.voxel_size_mm == pytest.approx((COL_MM, ROW_MM, SLICE_MM))
    assert img.spatial_unit == "mm"  # DICOM geometry is in mm by definition
    assert img.unit_note is None
    # voxel (i = column, j = row, k = slice) -> world, as DICOM defines it
    for i, j, k in [(0, 0, 0), (4, 3, 5), (2, 1, 3)]:
        world = ORIGIN + i * COL_MM * ROW_DIR + j * ROW_MM * COL_DIR + k * SLICE_MM * NORMAL
        np.testing.assert_allclose(img.affine @ [i, j, k, 1.0], [*world, 1.0], atol=1e-9)


def test_two_series_in_one_folder_are_refused(tmp_path: Path) -> None:
    vol = np.ones((2, 2, 2), dtype=np.uint16)
    _write_series(tmp_path / "s", vol)
    _write_series(tmp_path / "t", vol, series="1.2.826.0.1.3680043.8.498.2")
    for f in (tmp_path / "t").iterdir():
        f.rename(tmp_path / "s" / f"other_{f.name}")
    with pytest.raises(InputFileError, match="more than one series"):
        load_dicom_series(tmp_path / "s")


def test_uneven_slices_are_refused(tmp_path: Path) -> None:
    _write_series(
        tmp_path / "s", np.ones((2, 2, 3), dtype=np.uint16), slice_positions=[0.0, 3.0, 7.0]
    )
    with pytest.raises(InputFileError, match="evenly spaced"):
        load_dicom_series(tmp_path / "s")


def test_a_file_that_is_not_dicom_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "notes.txt").write_text("not a DICOM file")
    with pytest.raises(InputFileError, match="cannot read DICOM"):
        load_dicom_series(tmp_path / "s")
