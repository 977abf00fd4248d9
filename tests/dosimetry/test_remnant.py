"""Thyroid-remnant ablation dosimetry: hand calculations, the 300-Gy activity, bounds, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from _cli import refused
from rairlab.cli import main
from rairlab.dosimetry import (
    LIMITS,
    Measurements,
    get_nuclide,
    remnant_dosimetry,
    sphere_s_value,
)
from rairlab.errors import InputFileError, InvalidValueError
from rairlab.radiobiology import response_thresholds

LAM131 = get_nuclide("I-131").decay_constant_per_h
GBQ_H_S = 3.6e12  # decays in 1 GBq·h
BLOOD = Path(__file__).resolve().parents[2] / "examples" / "dosimetry" / "blood_i131.csv"


def _mono_series(a: float, t_eff_h: float, nuclide: str = "I-131") -> Measurements:
    t = np.array([6.0, 24.0, 48.0, 72.0, 120.0])
    return Measurements(t, a * np.exp(-math.log(2) / t_eff_h * t), None, "synthetic")


def test_mono_exponential_remnant_dose_by_hand() -> None:
    # 1.5 g remnant, 3 % of the activity at t = 0 leaving with T_eff = 4 d (96 h):
    # tau = 0.03 * 96 / ln 2 = 4.155 h; D/A = tau * 3.6e12 * S(1.5 g)
    a, teff, mass = 0.03, 96.0, 1.5
    tau = a * teff / math.log(2)
    s = float(sphere_s_value("I-131", mass))
    hand = tau * GBQ_H_S * s
    series = remnant_dosimetry(mass_g=mass, measurements=_mono_series(a, teff))
    assert series.analysis is not None
    assert series.analysis.chosen == "mono"
    assert series.residence_time_h == pytest.approx(tau, rel=1e-9)
    assert series.dose_gy_per_gbq == pytest.approx(hand, rel=1e-9)
    assert series.effective_half_life_i131_h == pytest.approx(teff, rel=1e-9)
    # the same remnant from its 24-h uptake and T_eff: the closed form U e^{λ t} / λ
    u24 = a * math.exp(-math.log(2) / teff * 24.0)
    single = remnant_dosimetry(mass_g=mass, uptake=u24, effective_half_life_h=teff)
    assert single.residence_time_h == pytest.approx(tau, rel=1e-12)
    assert single.dose_gy_per_gbq == pytest.approx(hand, rel=1e-12)
    assert single.uptake_time_h == 24.0  # the cited default


def test_activity_for_the_maxon_300_gy() -> None:
    r = remnant_dosimetry(mass_g=2.0, uptake=0.02, effective_half_life_h=96.0)
    assert r.target_gy == response_thresholds().value("remnant_ablation_gy") == 300.0
    assert r.activity_for_target_mbq == pytest.approx(300.0 / r.dose_gy_per_gbq * 1e3, rel=1e-12)
    # dose is linear in activity: the activity found gives 300 Gy
    assert r.dose_gy_per_gbq * r.activity_for_target_mbq / 1e3 == pytest.approx(300.0)
    other = remnant_dosimetry(mass_g=2.0, uptake=0.02, effective_half_life_h=96.0, target_gy=100)
    assert other.activity_for_target_mbq == pytest.approx(r.activity_for_target_mbq / 3)


def test_volume_uses_the_unit_density_of_the_sphere_model() -> None:
    by_volume = remnant_dosimetry(volume_ml=2.0, uptake=0.02, effective_half_life_h=96.0)
    by_mass = remnant_dosimetry(mass_g=2.0, uptake=0.02, effective_half_life_h=96.0)
    assert by_volume.mass_g == 2.0
    assert by_volume.density_g_per_ml == 1.0
    assert by_volume.dose_gy_per_gbq == by_mass.dose_gy_per_gbq


def test_uptake_of_another_nuclide_and_decay_correction() -> None:
    # I-123 uptake 3 % (not decay-corrected) at 24 h, T_eff 12 h: biological rate
    # ln2/12 - ln2/13.2235; I-131 tau = U_dc e^{λ_bio t} / (λ_bio + λ_131)
    i123 = get_nuclide("I-123")
    lam_bio = math.log(2) / 12.0 - i123.decay_constant_per_h
    u_dc = 0.03 * math.exp(i123.decay_constant_per_h * 24.0)
    tau = u_dc * math.exp(lam_bio * 24.0) / (lam_bio + LAM131)
    r = remnant_dosimetry(mass_g=1.0, uptake=0.03, effective_half_life_h=12.0, nuclide="I-123")
    assert r.residence_time_h == pytest.approx(tau, rel=1e-12)
    assert r.effective_half_life_i131_h == pytest.approx(math.log(2) / (lam_bio + LAM131))
    same = remnant_dosimetry(
        mass_g=1.0, uptake=u_dc, effective_half_life_h=12.0, nuclide="I-123", decay_corrected=True
    )
    assert same.residence_time_h == pytest.approx(tau, rel=1e-12)


def test_blood_limit_constrains_or_not() -> None:
    r = remnant_dosimetry(mass_g=2.0, uptake=0.02, effective_half_life_h=96.0)
    need = r.activity_for_target_mbq  # ~1.66 GBq
    low = remnant_dosimetry(
        mass_g=2.0, uptake=0.02, effective_half_life_h=96.0, blood_dose_gy_per_gbq=0.1
    )
    assert low.max_activity_blood_mbq == pytest.approx(20_000.0)
    assert low.blood_limits is False
    high = 2.0 / (need / 1e3) * 1.01  # Gy/GBq reaching 2 Gy just below `need`
    hot = remnant_dosimetry(
        mass_g=2.0, uptake=0.02, effective_half_life_h=96.0, blood_dose_gy_per_gbq=high
    )
    assert hot.blood_limits is True
    out = hot.to_dict()
    assert out["blood_dose_at_target_activity_gy"] == pytest.approx(2.02, rel=1e-9)
    assert r.blood_limits is None
    assert "blood_limits_activity" not in r.to_dict()


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"mass_g": LIMITS.mass_g.low / 2}, "--mass-g"),
        ({"mass_g": LIMITS.mass_g.high * 2}, "--mass-g"),
        ({"mass_g": math.nan}, "--mass-g"),
        ({"mass_g": None, "volume_ml": -1.0}, "--volume-ml"),
        ({"mass_g": None}, "--mass-g/--volume-ml"),
        ({"volume_ml": 2.0}, "--mass-g/--volume-ml"),
        ({"target_gy": LIMITS.target_dose_gy.high * 2}, "--target-gy"),
        ({"target_gy": 0.0}, "--target-gy"),
        ({"uptake": 0.0}, "--uptake"),
        ({"uptake": 0.97}, "--uptake"),  # > 0.917 undecayed at 24 h, + 5 % tolerance
        ({"uptake_time_h": 0.0}, "--uptake-time-h"),
        ({"uptake_time_h": LIMITS.time_h.high * 2}, "--uptake-time-h"),
        ({"effective_half_life_h": 200.0}, "--effective-half-life-h"),  # > 192.5 h
        ({"effective_half_life_h": None}, "--effective-half-life-h"),
        ({"effective_half_life_h": -5.0}, "--effective-half-life-h"),
        ({"nuclide": "Tc-99m"}, "--nuclide"),
        ({"blood_dose_gy_per_gbq": -0.1}, "--blood-gy-per-gbq"),
        ({"measurements": Measurements(np.array([1.0, 2, 3]), np.full(3, 0.1), None, "m")},
         "--measurements/--uptake"),
    ],
)  # fmt: skip
def test_inputs_out_of_bounds_are_refused(kwargs: dict, parameter: str) -> None:
    args = {"mass_g": 2.0, "uptake": 0.02, "effective_half_life_h": 96.0} | kwargs
    with pytest.raises(InvalidValueError, match=parameter) as info:
        remnant_dosimetry(**args)
    assert "\n" not in str(info.value)


def test_series_above_the_undecayed_activity_is_an_input_error() -> None:
    m = Measurements(np.array([4.0, 24.0, 48.0]), np.array([0.1, 0.99, 0.05]), None, "r.csv")
    with pytest.raises(InputFileError, match="time_h 24"):
        remnant_dosimetry(mass_g=2.0, measurements=m)


# --- CLI -------------------------------------------------------------------------------


def _write(tmp_path: Path) -> Path:
    t = np.array([6.0, 24.0, 48.0, 72.0, 120.0])
    y = 3.0 * np.exp(-math.log(2) / 96.0 * t)  # percent of the administered activity
    p = tmp_path / "remnant.csv"
    rows = "".join(f"{a:g},{float(b)!r}\n" for a, b in zip(t, y, strict=True))
    p.write_text("time_h,percent_ia\n" + rows, encoding="utf-8")
    return p


def test_cli_json_uptake_route(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dose", "remnant", "--mass-g", "2", "--uptake", "0.02",
            "--effective-half-life-h", "96", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    r = remnant_dosimetry(mass_g=2.0, uptake=0.02, effective_half_life_h=96.0)
    assert out["dose_gy_per_gbq"] == pytest.approx(r.dose_gy_per_gbq, rel=1e-12)
    assert out["activity_for_target_mbq"] == pytest.approx(r.activity_for_target_mbq, rel=1e-12)
    assert out["target_gy"] == 300.0
    assert "Maxon" in out["target_citation"]
    assert out["residence_time_sd_h"] is None
    assert out["residence_time_sd_h_note"]
    assert "Research use only" in out["notice"]


def test_cli_json_series_route_with_blood(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["dose", "remnant", "--volume-ml", "1.5", "--measurements", str(_write(tmp_path)),
            "--blood-measurements", str(BLOOD), "--weight-kg", "70", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    tau = 0.03 * 96.0 / math.log(2)
    assert out["residence_time_h"] == pytest.approx(tau, rel=1e-8)
    assert out["model"] == "mono"
    assert out["blood_method"] == "EANM SOP"
    assert out["blood_limits_activity"] is False
    assert out["max_activity_blood_mbq"] == pytest.approx(2000 / out["blood_dose_gy_per_gbq"])


def test_cli_human_output_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dose", "remnant", "--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h",
            "96", "--blood-gy-per-gbq", "0.1"]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "activity for 300 Gy" in text
    assert "blood limit reached first" in text
    assert "Research use only" in text
    assert main(["dose", "remnant", "--help"]) == 0
    assert "Research use only" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--mass-g", "2"], "--measurements/--uptake"),
        (["--uptake", "0.02", "--effective-half-life-h", "96"], "--mass-g/--volume-ml"),
        (["--mass-g", "2", "--volume-ml", "2", "--uptake", "0.02", "--effective-half-life-h",
          "96"], "exactly one"),
        (["--mass-g", "2", "--uptake", "0.02"], "--effective-half-life-h"),
        (["--mass-g", "-1", "--uptake", "0.02", "--effective-half-life-h", "96"], "--mass-g"),
        (["--mass-g", "2", "--uptake", "2", "--effective-half-life-h", "96"], "--uptake"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "300"],
         "physical half-life"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "96",
          "--target-gy", "inf"], "--target-gy"),
        (["--mass-g", "2", "--measurements", "x.csv", "--effective-half-life-h", "96"],
         "an option of --uptake only"),
        (["--mass-g", "2", "--measurements", "x.csv", "--decay-corrected"], "--decay-corrected"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "96",
          "--administered-mbq", "74"], "--administered-mbq"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "96",
          "--model", "mono"], "--model"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "96",
          "--model", "cubic"], "--model"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "96",
          "--weight-kg", "70"], "--weight-kg"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "96",
          "--blood-gy-per-gbq", "0.1", "--blood-measurements", str(BLOOD)], "not both"),
        (["--mass-g", "2", "--uptake", "0.02", "--effective-half-life-h", "96",
          "--nuclide", "I-125"], "--nuclide"),
        (["--mass-g", "2", "--measurements", "/nonexistent/r.csv"], "cannot read"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line_with_exit_2(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert words in refused(["dose", "remnant", *args, "--json"], capsys)
