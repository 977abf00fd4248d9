"""Voxel dosimetry: kernels, dose maps against closed forms, DVH statistics, images and CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from rairlab.cli._dose_voxel import voxel
from rairlab.dosimetry import (
    MEV_TO_J,
    dose_statistics,
    dose_volume_histogram,
    get_nuclide,
    kernel_voxel_sizes_mm,
    load_dicom_series,
    load_kernel,
    load_nifti,
    save_nifti,
    voxel_dose,
    voxel_kernel,
)
from rairlab.errors import (
    InputFileError,
    InvalidValueError,
    MissingExtraError,
    RairlabError,
    UnknownNameError,
)

MBQ_H = 3.6e9  # Bq·s per MBq·h


def test_kernel_sizes_and_symmetry() -> None:
    sizes = kernel_voxel_sizes_mm()
    assert len(sizes) == 13
    assert sizes[0] == 2.21
    assert sizes[-1] == 9.28
    k = load_kernel(3.0).values
    assert k.shape == (11, 11, 11)
    np.testing.assert_array_equal(k, k[::-1, :, :])
    np.testing.assert_array_equal(k, np.transpose(k, (2, 0, 1)))
    # Table value S(0,0,1) = 3.02E-02 mGy/(MBq·s) of the 3 mm file, in Gy/(Bq·s).
    assert k[5, 5, 6] == pytest.approx(3.02e-11, rel=1e-12)


@pytest.mark.parametrize(
    ("size", "energy_mev", "self_ratio"), [(2.21, 0.208, 0.767), (4.8, 0.231, 0.887)]
)
def test_kernel_energy_balance_matches_the_reference_readme(
    size: float, energy_mev: float, self_ratio: float
) -> None:
    # Reference README: sum(S) x voxel mass ~ 0.21 MeV for 2.21 mm; self-dose 0.77-0.89 of
    # local deposition. Tolerance 1 % (the README rounds to two or three digits).
    k = load_kernel(size)
    m_kg = (size / 10) ** 3 * k.density_g_cm3 * 1e-3
    assert k.total * m_kg / MEV_TO_J == pytest.approx(energy_mev, rel=1e-2)
    local = get_nuclide("I-131").delta_np_gy_kg_per_bq_s / m_kg
    assert k.values[5, 5, 5] / local == pytest.approx(self_ratio, rel=1e-2)


def test_nearest_kernel_and_notes() -> None:
    # Unit density (rairlab's one tissue density): the 1.04 g/cm³ kernel of edge L serves
    # voxels of edge 1.04·L (same mass thickness), so 4.16 mm is exact and 4 mm is not.
    k = voxel_kernel(4.16)
    assert (k.voxel_size_mm, k.exact, k.requested_density_g_cm3) == (4.0, True, 1.0)
    assert k.mass_ratio == pytest.approx(1.0 / 1.04**2, rel=1e-9)  # (ρ/ρk)², scaling theorem
    four = voxel_kernel(4.0)
    assert (four.voxel_size_mm, four.exact) == (3.9, False)
    assert voxel_kernel(4.0, density_g_cm3=1.04).exact  # the kernel's own medium
    k = voxel_kernel(3.25)
    assert k.voxel_size_mm == 3.0
    assert not k.exact
    assert "nearest" in k.note
    assert "mass-equivalent to 3.12 mm" in k.note
    aniso = voxel_kernel([4.0, 4.0, 5.0])
    assert not aniso.exact
    assert aniso.voxel_size_mm == 4.0
    assert voxel_kernel(100.0).voxel_size_mm == 9.28


def test_kernel_errors() -> None:
    with pytest.raises(InvalidValueError):
        load_kernel(3.3)
    with pytest.raises(InvalidValueError):
        voxel_kernel(-1.0)
    with pytest.raises(InvalidValueError, match="density"):
        voxel_kernel(4.0, density_g_cm3=0.0)
    with pytest.raises(UnknownNameError, match="voxel-kernel nuclide"):
        voxel_kernel(4.0, "I-124")


def _full_kernel(octant: np.ndarray) -> np.ndarray:
    """The symmetric kernel over offsets −(n−1)..(n−1) from its octant."""
    idx = [np.abs(np.arange(-(n - 1), n)) for n in octant.shape]
    return octant[np.ix_(*idx)]


def test_single_voxel_source_gives_the_kernel_over_the_whole_image() -> None:
    tia = np.zeros((15, 15, 15))
    tia[7, 7, 7] = 2.0  # MBq·h
    res = voxel_dose(tia, 4.16)
    assert res.kernel is not None
    assert res.kernel.exact
    assert res.notes == ()
    octant = res.kernel.dose_octant((15, 15, 15))
    expected = 2.0 * MBQ_H * _full_kernel(octant)[7:22, 7:22, 7:22]
    np.testing.assert_allclose(res.dose_gy, expected, rtol=1e-9, atol=1e-15)
    # Inside ±5 voxels: the shipped cube at unit density, (1/1.04)² of its values, its
    # electron share raised by the 2 % ICRP-107 correction (photons, 3+ voxels out, kept).
    cube = 2.0 * MBQ_H * load_kernel(4.0).values / 1.04**2
    inside = res.dose_gy[2:13, 2:13, 2:13]
    np.testing.assert_allclose(inside, cube, rtol=0.03)
    assert inside[5, 5, 5] > cube[5, 5, 5]  # the source voxel holds most electron energy
    assert inside[10, 10, 10] == pytest.approx(cube[10, 10, 10], rel=1e-9)  # photons only
    # Beyond the cube the photon tail: the corner 7 voxels away on each axis gets dose.
    assert res.dose_gy[0, 0, 0] > 0.0
    assert res.dose_gy[0, 0, 0] < res.dose_gy[2, 2, 2]


def test_uniform_activity_centre_dose_is_tia_times_the_kernel_over_the_image() -> None:
    tia = np.full((21, 21, 21), 0.5)
    res = voxel_dose(tia, 3.12)
    assert res.kernel is not None
    full = _full_kernel(res.kernel.dose_octant((21, 21, 21)))  # offsets −20..20
    # tolerance 1e-9: the same sum, computed through the FFT
    assert res.dose_gy[10, 10, 10] == pytest.approx(
        0.5 * MBQ_H * full[10:31, 10:31, 10:31].sum(), rel=1e-9
    )
    # At a face centre only the sources inside the box count.
    assert res.dose_gy[0, 10, 10] == pytest.approx(
        0.5 * MBQ_H * full[20:41, 10:31, 10:31].sum(), rel=1e-9
    )


def test_local_deposition_closed_form() -> None:
    tia = np.zeros((4, 4, 4))
    tia[1, 2, 3] = 10.0
    res = voxel_dose(tia, [2.0, 3.0, 4.0], method="local", density_g_cm3=1.0)
    m_kg = 2.0 * 3.0 * 4.0 * 1e-6  # mm³ of unit density → kg
    expected = 10.0 * MBQ_H * get_nuclide("I-131").delta_np_gy_kg_per_bq_s / m_kg
    assert res.dose_gy[1, 2, 3] == pytest.approx(expected, rel=1e-12)
    assert res.dose_gy.sum() == pytest.approx(expected, rel=1e-12)
    # The default density is rairlab's one tissue density, 1.00 g/cm³.
    np.testing.assert_array_equal(
        voxel_dose(tia, [2.0, 3.0, 4.0], method="local").dose_gy, res.dose_gy
    )
    # Local deposition works for any nuclide with decay data.
    at = voxel_dose(tia, 2.0, nuclide="211At", method="local")
    assert at.nuclide == "At-211"
    assert at.dose_gy.max() > res.dose_gy.max()


def test_batch_axis_matches_single_images() -> None:
    rng = np.random.default_rng(20240601)
    batch = rng.random((2, 12, 10, 8))
    out = voxel_dose(batch, 4.0).dose_gy
    for i in range(2):
        np.testing.assert_allclose(out[i], voxel_dose(batch[i], 4.0).dose_gy, rtol=1e-12)


def test_inexact_kernel_is_reported() -> None:
    res = voxel_dose(np.ones((6, 6, 6)), 3.25)
    assert len(res.notes) == 1
    assert "3.25" in res.notes[0]
    assert "mass ratio" in res.notes[0].replace("-", " ")


@pytest.mark.parametrize(
    "tia_kwargs",
    [
        {"method": "monte-carlo"},
        {"voxel_size_mm": 0.0},
        {"method": "local", "density_g_cm3": -1.0},
        {"density_g_cm3": float("nan")},
    ],
)
def test_voxel_dose_rejects_bad_settings(tia_kwargs: dict) -> None:
    args = {"voxel_size_mm": 4.0, **tia_kwargs}
    with pytest.raises(InvalidValueError):
        voxel_dose(np.ones((4, 4, 4)), **args)


@pytest.mark.parametrize("tia", [np.ones((4, 4)), -np.ones((4, 4, 4)), np.full((4, 4, 4), np.nan)])
def test_voxel_dose_rejects_bad_images(tia: np.ndarray) -> None:
    with pytest.raises(InvalidValueError):
        voxel_dose(tia, 4.0)


def test_dvh_and_statistics_closed_form() -> None:
    dose = np.arange(1.0, 101.0).reshape(4, 5, 5)
    mask = dose > 50  # doses 51..100
    stats = dose_statistics(dose, mask, v_thresholds_gy=[60.0, 101.0])
    assert stats.n_voxels == 50
    assert stats.mean == pytest.approx(75.5, rel=1e-15)
    assert (stats.minimum, stats.maximum) == (51.0, 100.0)
    assert stats.d50 == pytest.approx(75.5, rel=1e-15)
    assert stats.d90 == pytest.approx(51.0 + 0.1 * 49.0, rel=1e-12)
    assert stats.v_gy == {60.0: 41 / 50, 101.0: 0.0}
    levels, frac = dose_volume_histogram(dose, mask)
    assert levels[0] == 0.0
    assert frac[0] == 1.0
    assert levels[-1] == 100.0
    assert frac[-1] == 1 / 50
    assert np.all(np.diff(frac) <= 0)


def test_statistics_mask_errors() -> None:
    with pytest.raises(InvalidValueError, match="mask"):
        dose_statistics(np.ones((3, 3, 3)), np.ones((2, 2, 2), bool))
    with pytest.raises(InvalidValueError, match="empty"):
        dose_statistics(np.ones((3, 3, 3)), np.zeros((3, 3, 3), bool))


def test_nifti_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    data = rng.random((5, 6, 7)).astype(np.float32)
    affine = np.diag([2.0, 3.0, 4.0, 1.0])
    path = save_nifti(tmp_path / "img.nii.gz", data, affine)
    img = load_nifti(path)
    np.testing.assert_array_equal(img.data, data.astype(float))
    assert img.voxel_size_mm == (2.0, 3.0, 4.0)
    np.testing.assert_array_equal(img.affine, affine)
    assert img.spatial_unit == "mm"  # save_nifti writes the unit
    assert img.unit_note is None


def _nifti_with_units(path: Path, zoom: float, code: int) -> Path:
    """A 3x3x3 NIfTI of voxel edge `zoom` (in the file's unit) and xyzt_units `code`."""
    import nibabel as nib

    affine = np.diag([zoom, zoom, zoom, 1.0])
    affine[:3, 3] = [-zoom, 2.0 * zoom, 0.5 * zoom]
    img = nib.Nifti1Image(np.ones((3, 3, 3), np.float32), affine)
    img.header["xyzt_units"] = code
    nib.save(img, str(path))
    return path


@pytest.mark.parametrize(
    ("code", "zoom", "unit"),
    [
        (2, 4.0, "mm"),
        (1, 0.004, "meter"),
        (3, 4000.0, "micron"),
        (2 | 8, 4.0, "mm"),  # 8 = seconds in the time bits: ignored
        (0, 4.0, "unknown"),
    ],
)
def test_nifti_spatial_units_are_read_as_mm(
    tmp_path: Path, code: int, zoom: float, unit: str
) -> None:
    img = load_nifti(_nifti_with_units(tmp_path / "u.nii", zoom, code))
    assert img.spatial_unit == unit
    np.testing.assert_allclose(img.voxel_size_mm, 4.0, rtol=1e-6)
    expected = np.diag([4.0, 4.0, 4.0, 1.0])
    expected[:3, 3] = [-4.0, 8.0, 2.0]
    np.testing.assert_allclose(img.affine, expected, rtol=1e-6)
    if unit == "unknown":
        assert img.unit_note is not None
        assert "read as mm" in img.unit_note
    else:
        assert img.unit_note is None


def test_unknown_nifti_unit_is_a_note_of_the_dose(tmp_path: Path) -> None:
    from rairlab.dosimetry._voxel import image_dose

    img = load_nifti(_nifti_with_units(tmp_path / "unknown.nii", 4.0, 0))
    result, _ = image_dose(img, None, "I-131", "local")
    assert any("does not state its spatial unit" in n for n in result.notes)


@pytest.mark.parametrize("code", [4, 5, 6, 7])
def test_nifti_spatial_unit_codes_outside_the_standard_are_refused(
    tmp_path: Path, code: int
) -> None:
    path = _nifti_with_units(tmp_path / "bad.nii", 4.0, code)
    with pytest.raises(InputFileError, match=rf"spatial unit code {code}.*0 \(unknown\)") as info:
        load_nifti(path)
    assert "3 (micron)" in str(info.value)


def test_nifti_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        load_nifti(tmp_path / "missing.nii.gz")
    bad = tmp_path / "bad.nii.gz"
    bad.write_bytes(b"not a nifti")
    with pytest.raises(InputFileError, match="cannot read"):
        load_nifti(bad)
    save_nifti(tmp_path / "flat.nii", np.ones((3, 3, 3, 2)), np.eye(4))
    with pytest.raises(InputFileError, match="3-D"):
        load_nifti(tmp_path / "flat.nii")


def test_dicom_without_pydicom_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pydicom", None)  # import pydicom now fails
    with pytest.raises(MissingExtraError, match=r"rairlab\[dicom\]"):
        load_dicom_series(tmp_path)


# --- CLI: rairlab dose voxel (the function D2 registers) ----------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("voxel")(voxel)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


@pytest.fixture
def images(tmp_path: Path) -> tuple[Path, Path]:
    tia = np.zeros((16, 16, 16))
    tia[6:10, 6:10, 6:10] = 1.0
    affine = np.diag([4.16, 4.16, 4.16, 1.0])  # the 4 mm kernel's voxels at 1.00 g/cm³
    t = save_nifti(tmp_path / "tia.nii.gz", tia, affine)
    m = save_nifti(tmp_path / "mask.nii.gz", (tia > 0).astype(float), affine)
    return t, m


def test_cli_voxel_json_and_dose_file(images: tuple[Path, Path], tmp_path: Path) -> None:
    import json

    tia, mask = images
    out = tmp_path / "dose.nii.gz"
    args = ["voxel", str(tia), "--mask", str(mask), "--out", str(out), "--v-gy", "1", "--json"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    image = load_nifti(tia)
    expected = voxel_dose(image.data, image.voxel_size_mm)
    inside = load_nifti(mask).data > 0
    assert data["statistics_gy"]["n_voxels"] == 64
    assert data["statistics_gy"]["mean"] == pytest.approx(
        float(expected.dose_gy[inside].mean()), rel=1e-6
    )
    assert data["kernel_exact"] is True
    assert data["notes"] == []  # save_nifti states mm, so no unit note
    assert "notice" in data
    np.testing.assert_allclose(load_nifti(out).data, expected.dose_gy, rtol=1e-6)


def test_cli_voxel_table_output(images: tuple[Path, Path]) -> None:
    tia, _ = images
    result = CliRunner().invoke(_app(), ["voxel", str(tia), "--method", "local"])
    assert result.exit_code == 0, result.output
    assert "mean dose" in result.output
    assert "Research use only" in result.output


@pytest.mark.parametrize("case", ["missing", "method", "mask-shape", "empty-mask", "negative"])
def test_cli_voxel_bad_input_raises_rairlab_error(
    case: str, images: tuple[Path, Path], tmp_path: Path
) -> None:
    tia, _mask = images
    args = ["voxel", str(tia)]
    if case == "missing":
        args = ["voxel", str(tmp_path / "nope.nii.gz")]
    elif case == "method":
        args += ["--method", "mc"]
    elif case == "mask-shape":
        small = save_nifti(tmp_path / "small.nii.gz", np.ones((2, 2, 2)), np.eye(4))
        args += ["--mask", str(small)]
    elif case == "empty-mask":
        empty = save_nifti(tmp_path / "empty.nii.gz", np.zeros((16, 16, 16)), np.eye(4))
        args += ["--mask", str(empty)]
    elif case == "negative":
        neg = save_nifti(tmp_path / "neg.nii.gz", -np.ones((4, 4, 4)), np.eye(4))
        args = ["voxel", str(neg)]
    result = CliRunner().invoke(_app(), args)
    assert isinstance(result.exception, RairlabError), result.output
