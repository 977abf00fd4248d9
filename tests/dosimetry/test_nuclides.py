"""Nuclide decay data: the shipped ICRP-107 file, name lookup and the energy summaries."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import rairlab.dosimetry as dosimetry
from rairlab.dosimetry import MEV_TO_J, get_nuclide, nuclide_names
from rairlab.errors import UnknownNameError

DATA = Path(dosimetry.__file__).parent / "data"
SHIPPED = ("I-123", "I-124", "I-125", "I-131", "At-211", "Po-211")

PHYSICS_API = {
    "MEV_TO_J",
    "AbsorbedFractions",
    "Daughter",
    "DoseStatistics",
    "Image3D",
    "Nuclide",
    "VoxelDose",
    "VoxelKernel",
    "csda_range_cm",
    "dose_statistics",
    "dose_volume_histogram",
    "get_nuclide",
    "kernel_voxel_sizes_mm",
    "load_dicom_series",
    "load_kernel",
    "load_nifti",
    "nuclide_names",
    "photon_absorbed_fraction",
    "save_nifti",
    "sphere_absorbed_fractions",
    "sphere_radius_cm",
    "sphere_s_value",
    "sphere_s_value_interpolated",
    "voxel_dose",
    "voxel_kernel",
}


def test_all_exports_the_physics_api_and_every_name_exists() -> None:
    assert set(dosimetry.__all__) >= PHYSICS_API
    for name in dosimetry.__all__:
        assert hasattr(dosimetry, name), name


def _raw(name: str) -> dict:
    import icrp107_database

    path = Path(icrp107_database.__file__).parent / "icrp107" / f"{name}.json"
    return json.loads(json.loads(path.read_text()))


def _shipped() -> dict:
    return yaml.safe_load((DATA / "icrp107" / "nuclides.yaml").read_text())


def test_shipped_nuclide_names() -> None:
    assert set(nuclide_names()) == set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_emissions_equal_icrp107_database_exactly(name: str) -> None:
    raw = _raw(name)
    entry = _shipped()["nuclides"][name]
    assert entry["half_life"] == raw["half_life"]
    assert entry["half_life_unit"] == raw["time_unit"]
    for kind, lines in raw["emissions"].items():
        # Types not used by rairlab (neutron, fission, betaD) are empty for these nuclides.
        assert entry["emissions"].get(kind, []) == [list(map(float, x)) for x in lines], kind


@pytest.mark.parametrize("name", SHIPPED)
def test_half_life_matches_radioactivedecay(name: str) -> None:
    import radioactivedecay as rd

    # Both come from ICRP-107: rel_tol 1e-9 only absorbs unit-conversion rounding.
    expected = rd.Nuclide(name).half_life("h")
    assert math.isclose(get_nuclide(name).half_life_h, expected, rel_tol=1e-9)


def test_generator_reproduces_the_shipped_file() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", DATA / "icrp107" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.build() == _shipped()


@pytest.mark.parametrize("spelling", ["I-131", "131I", "i131", "I131", "i-131", " 131-I "])
def test_get_nuclide_accepts_common_spellings(spelling: str) -> None:
    assert get_nuclide(spelling).name == "I-131"


def test_get_nuclide_astatine_spellings() -> None:
    assert get_nuclide("211At").name == "At-211"
    assert get_nuclide("at211").name == "At-211"


@pytest.mark.parametrize("bad", ["I-132", "Lu-177", "iodine", "", "131"])
def test_get_nuclide_unknown_raises(bad: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        get_nuclide(bad)
    assert "I-131" in str(info.value)


def test_unknown_nuclide_suggests_close_match() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'I-131'"):
        get_nuclide("I-13l")


def _energy(raw: dict, kinds: tuple[str, ...], lo: float = 0.0, hi: float = np.inf) -> float:
    total = 0.0
    for k in kinds:
        for e, y in raw["emissions"][k]:
            if lo <= e < hi:
                total += e * y
    return total


@pytest.mark.parametrize("name", ["I-123", "I-124", "I-125", "I-131", "Po-211"])
def test_delta_split_follows_the_10_kev_convention(name: str) -> None:
    raw = _raw(name)
    photons = ("gamma", "X", "annihilation")
    np_expected = _energy(
        raw, ("beta-", "beta+", "IE", "auger", "alpha", "alpha recoil")
    ) + _energy(raw, photons, hi=0.01)
    p_expected = _energy(raw, photons, lo=0.01)
    nuc = get_nuclide(name)
    # Closed form: plain sums over the ICRP-107 lines; rel 1e-12 is float round-off.
    assert math.isclose(nuc.delta_np_mev, np_expected, rel_tol=1e-12)
    assert math.isclose(nuc.delta_p_mev, p_expected, rel_tol=1e-12)
    assert math.isclose(nuc.delta_np_gy_kg_per_bq_s, np_expected * MEV_TO_J, rel_tol=1e-12)


def test_i131_mean_nonpenetrating_energy() -> None:
    # 0.192 MeV per decay (Lanconelli kernel README, ICRP-107); 0.5 % covers the rounding.
    assert get_nuclide("I-131").delta_np_mev == pytest.approx(0.192, rel=5e-3)


def test_at211_effective_emission_includes_po211_alpha_branch() -> None:
    at, po = get_nuclide("At-211"), get_nuclide("Po-211")
    (daughter,) = at.daughters
    assert daughter.name == "Po-211"
    assert daughter.branching_fraction == pytest.approx(0.582, abs=1e-12)
    raw = _raw("At-211")
    photons = ("gamma", "X")
    own_np = _energy(raw, ("IE", "auger", "alpha", "alpha recoil")) + _energy(raw, photons, hi=0.01)
    assert at.delta_np_mev == pytest.approx(own_np + 0.582 * po.delta_np_mev, rel=1e-12)
    # Alpha energy per At-211 decay: 41.8 % of ~5.87 MeV plus 58.2 % of ~7.45 MeV.
    alpha = sum(e * y for e, y in at.alpha_lines)
    own_alpha = _energy(raw, ("alpha",))
    po_alpha = _energy(_raw("Po-211"), ("alpha",))
    assert alpha == pytest.approx(own_alpha + 0.582 * po_alpha, rel=1e-12)
    assert 6.7 < alpha < 6.9


def test_positron_yield_i124() -> None:
    raw = _raw("I-124")
    expected = sum(y for _, y in raw["emissions"]["beta+"])
    assert get_nuclide("I-124").positron_yield == pytest.approx(expected, rel=1e-12)
    assert get_nuclide("I-131").positron_yield == 0.0
    # Annihilation photons are penetrating lines at 0.511 MeV, two per positron.
    e, y = get_nuclide("I-124").photon_spectrum
    assert y[np.isclose(e, 0.511, atol=1e-3)].sum() == pytest.approx(2 * expected, rel=1e-3)


def test_decay_constants() -> None:
    nuc = get_nuclide("I-131")
    assert nuc.decay_constant_per_h * nuc.half_life_h == pytest.approx(math.log(2), rel=1e-15)
    assert nuc.decay_constant_per_s == pytest.approx(nuc.decay_constant_per_h / 3600, rel=1e-15)


def test_photon_lines_are_penetrating_only() -> None:
    for name in SHIPPED:
        e, y = get_nuclide(name).photon_spectrum
        assert np.all(e >= 0.01)
        assert np.all(y > 0)
        assert np.all(np.diff(e) >= 0)


def test_nuclide_is_frozen_and_hashable() -> None:
    nuc = get_nuclide("I-131")
    with pytest.raises(AttributeError):
        nuc.half_life_h = 1.0  # type: ignore[misc]
    assert hash(nuc) == hash(get_nuclide("131I"))


def test_get_nuclide_passes_a_nuclide_through() -> None:
    nuc = get_nuclide("I-124")
    assert get_nuclide(nuc) is nuc
