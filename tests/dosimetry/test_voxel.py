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
    assert voxel_kernel(4.0).exact
    k = voxel_kernel(3.1)
    assert k.voxel_size_mm == 3.0
    assert not k.exact
    assert "nearest" in k.note
    aniso = voxel_kernel([4.0, 4.0, 5.0])
    assert not aniso.exact
    assert aniso.voxel_size_mm == 4.42
    assert voxel_kernel(100.0).voxel_size_mm == 9.28


def test_kernel_errors() -> None:
    with pytest.raises(InvalidValueError):
        load_kernel(3.3)
    with pytest.raises(InvalidValueError):
        voxel_kernel(-1.0)
    with pytest.raises(UnknownNameError, match="voxel-kernel nuclide"):
        voxel_kernel(4.0, "I-124")


def test_single_voxel_source_gives_the_kernel() -> None:
    tia = np.zeros((15, 15, 15))
    tia[7, 7, 7] = 2.0  # MBq·h
    res = voxel_dose(tia, 4.0)
    expected = 2.0 * MBQ_H * load_kernel(4.0).values
    np.testing.assert_allclose(res.dose_gy[2:13, 2:13, 2:13], expected, rtol=1e-9, atol=1e-15)
    outside = res.dose_gy.copy()
    outside[2:13, 2:13, 2:13] = 0.0
    assert np.abs(outside).max() < 1e-12
    assert res.notes == ()
    assert res.kernel is not None
    assert res.kernel.exact


def test_uniform_activity_centre_dose_is_tia_times_kernel_sum() -> None:
    tia = np.full((21, 21, 21), 0.5)
    res = voxel_dose(tia, 3.0)
    assert res.dose_gy[10, 10, 10] == pytest.approx(0.5 * MBQ_H * load_kernel(3.0).total, rel=1e-9)
    # At a face centre only the half of the kernel with sources inside the box counts.
    half = load_kernel(3.0).values[5:, :, :].sum()
    assert res.dose_gy[0, 10, 10] == pytest.approx(0.5 * MBQ_H * half, rel=1e-9)


def test_local_deposition_closed_form() -> None:
    tia = np.zeros((4, 4, 4))
    tia[1, 2, 3] = 10.0
    res = voxel_dose(tia, [2.0, 3.0, 4.0], method="local", density_g_cm3=1.0)
    m_kg = 2.0 * 3.0 * 4.0 * 1e-6  # mm³ of unit density → kg
    expected = 10.0 * MBQ_H * get_nuclide("I-131").delta_np_gy_kg_per_bq_s / m_kg
    assert res.dose_gy[1, 2, 3] == pytest.approx(expected, rel=1e-12)
    assert res.dose_gy.sum() == pytest.approx(expected, rel=1e-12)
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
    res = voxel_dose(np.ones((6, 6, 6)), 3.1)
    assert len(res.notes) == 1
    assert "3.1" in res.notes[0]
    assert "mass ratio" in res.notes[0].replace("-", " ")


@pytest.mark.parametrize("image_mm", [3.1, 2.9, 1.0, (3.0, 3.0, 3.3)])
def test_inexact_kernel_keeps_the_dose_of_a_uniform_concentration(image_mm: object) -> None:
    # A uniform activity concentration gives the same dose whatever the voxel size:
    # the centre dose of a large uniform image is c · h_k³ · ΣS on the kernel's own grid.
    # Without the voxel-mass rescaling it was off by (h_image / h_kernel)³ (10 % at 3.1 mm).
    conc = 0.02  # MBq·h per mm³
    size = np.broadcast_to(np.asarray(image_mm, dtype=float), (3,))
    tia = np.full((21, 21, 21), conc * float(np.prod(size)))
    res = voxel_dose(tia, image_mm)
    k = res.kernel
    assert k is not None
    own = conc * k.voxel_size_mm**3 * MBQ_H * k.total
    # tolerance 1e-9: the same sum, computed through the FFT
    assert res.dose_gy[10, 10, 10] == pytest.approx(own, rel=1e-9)


@pytest.mark.parametrize(
    ("tia", "kwargs"),
    [
        (np.ones((4, 4)), {}),
        (-np.ones((4, 4, 4)), {}),
        (np.full((4, 4, 4), np.nan), {}),
        (np.ones((4, 4, 4)), {"method": "monte-carlo"}),
        (np.ones((4, 4, 4)), {"voxel_size_mm": 0.0}),
        (np.ones((4, 4, 4)), {"method": "local", "density_g_cm3": -1.0}),
    ],
)
def test_voxel_dose_rejects_bad_input(tia: np.ndarray, kwargs: dict) -> None:
    args = {"voxel_size_mm": 4.0, **kwargs}
    with pytest.raises(InvalidValueError):
        voxel_dose(tia, **args)


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
    affine = np.diag([4.0, 4.0, 4.0, 1.0])
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
    expected = voxel_dose(load_nifti(tia).data, 4.0)
    inside = load_nifti(mask).data > 0
    assert data["statistics_gy"]["n_voxels"] == 64
    assert data["statistics_gy"]["mean"] == pytest.approx(
        float(expected.dose_gy[inside].mean()), rel=1e-6
    )
    assert data["kernel_exact"] is True
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
