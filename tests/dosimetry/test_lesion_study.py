"""The lesion workflow: study CSVs with several lesions, sizes, recovery, Monte Carlo intervals.

The uncertainty checks compare the Monte Carlo with first-order propagation written
here (relative sd of a product = that of each factor alone; of the S-value = the
mass's times |d ln S / d ln m|, by finite differences), and the per-lesion values
with single-lesion calls.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rairlab.cli import main
from rairlab.dosimetry import (
    Image3D,
    Measurements,
    UncertaintyInputs,
    fit_recovery_curve,
    fit_tac,
    get_nuclide,
    lesion_dosimetry,
    lesion_study,
    mask_volumes_ml,
    propagate_lesion_dose,
    read_lesion_table,
    read_recovery_phantom,
    save_nifti,
    sphere_recovery_gaussian,
    sphere_s_value,
    tissue_density_g_cm3,
)
from rairlab.errors import InputFileError, InvalidValueError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "dosimetry"
STUDY = EXAMPLES / "lesions_i124.csv"
PHANTOM = EXAMPLES / "recovery_phantom_i124.csv"
I131 = get_nuclide("I-131")
NONE = UncertaintyInputs(s_value_relative_sd=0.0)  # every source off


def _write(tmp_path: Path, text: str, name: str = "study.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _curve(t: np.ndarray, a: float = 0.01, mu: float = 0.01) -> np.ndarray:
    return a * np.exp(-(math.log(2) / I131.half_life_h + mu) * t)


def _fit(noise: float = 0.02, seed: int = 1) -> object:
    t = np.array([24.0, 48.0, 72.0, 96.0, 144.0, 192.0])
    y = _curve(t) * (1 + noise * np.random.default_rng(seed).normal(size=t.size))
    return fit_tac(t, y, I131.half_life_h, model="mono").best


# --- study files ------------------------------------------------------------------


def test_interleaved_lesions_are_grouped_in_order_of_first_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "# comment\nlesion_id,time_h,percent_ia,mass_g,mass_sd_g,recovery\n"
        "b,24,0.2,3,0.5,0.8\na,24,0.1,1.5,,\nb,48,0.15,,,\na,48,0.08,1.5,,\n"
        "b,96,0.1,3,,\na,96,0.05,,,\n",
    )
    lesions = read_lesion_table(path)
    assert [x.lesion_id for x in lesions] == ["b", "a"]
    assert lesions[0].sizes == {"mass_g": 3.0, "mass_sd_g": 0.5, "recovery": 0.8}
    assert lesions[1].sizes == {"mass_g": 1.5}
    assert lesions[1].line == 4
    np.testing.assert_allclose(lesions[0].measurements.fraction, [0.002, 0.0015, 0.001])
    assert lesions[0].measurements.path.endswith("(lesion 'b')")


def test_a_file_without_lesion_id_is_one_unnamed_lesion() -> None:
    (only,) = read_lesion_table(EXAMPLES / "lesion_i124.csv", 74.0)
    assert only.lesion_id is None
    assert only.sizes == {}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("lesion_id,time_h,percent_ia,volume_ml\na,1,0.1,2\na,2,0.1,3\na,3,0.1,\n",
         "line 3, column 'volume_ml': 3 differs from 2 on line 2"),
        ("lesion_id,time_h,percent_ia,volume_ml,mass_g\na,1,0.1,2,2\na,2,0.1,,\na,3,0.1,,\n",
         "both volume_ml and mass_g"),
        ("lesion_id,time_h,percent_ia\n,1,0.1\n,2,0.1\n,3,0.1\n",
         "line 2, column 'lesion_id': empty"),
        ("lesion_id,time_h,percent_ia\na,1,0.1\na,2,0.1\nb,1,0.1\n",
         r"\(lesion 'a'\): 2 data rows"),
        ("lesion_id,time_h,percent_ia\na,1,0.1\na,2,0.1\na,2,0.1\n", "line 4: time_h 2 repeats"),
        ("lesion_id,time_h,percent_ia,recovery\na,1,0.1,1.5\na,2,0.1,\na,3,0.1,\n",
         r"line 2, column 'recovery': 1.5 is outside \[0.01, 1\]"),
        ("lesion_id,time_h,percent_ia,volume_sd_ml\na,1,0.1,-1\na,2,0.1,\na,3,0.1,\n",
         "column 'volume_sd_ml': -1 is outside"),
    ],
)  # fmt: skip
def test_bad_study_files_name_the_line(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(InputFileError, match=match):
        read_lesion_table(_write(tmp_path, text))


def test_a_lesion_id_with_a_control_character_is_refused(tmp_path: Path) -> None:
    text = 'lesion_id,time_h,percent_ia\n"a\x1b[31m",1,0.1\n'
    with pytest.raises(InputFileError, match="is not a lesion name") as info:
        read_lesion_table(_write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_mask_volumes_by_label_and_refusals() -> None:
    data = np.zeros((5, 5, 5))
    data[:2, :2, :2] = 1
    data[4, 4, 4] = 3
    volumes = mask_volumes_ml(Image3D(data, (2.0, 2.0, 4.0), np.eye(4)))
    assert volumes == {"1": pytest.approx(8 * 0.016), "3": pytest.approx(0.016)}
    with pytest.raises(InvalidValueError, match=r"0\.5"):
        mask_volumes_ml(Image3D(data * 0.5, (1.0, 1.0, 1.0), np.eye(4)))
    with pytest.raises(InvalidValueError, match="at least one lesion voxel"):
        mask_volumes_ml(Image3D(np.zeros((2, 2, 2)), (1.0, 1.0, 1.0), np.eye(4)))


# --- Monte Carlo propagation --------------------------------------------------------


def test_fit_alone_matches_first_order_propagation_of_a_well_determined_fit() -> None:
    fit = _fit()
    u = propagate_lesion_dose(fit, I131, 2.0, 1.0, 1.0, NONE, 20.0, 11100.0)
    assert u.relative_sd["fit"] == pytest.approx(fit.tia_sd_h / fit.tia_h, rel=0.1)
    assert u.relative_sd["total"] == pytest.approx(u.relative_sd["fit"], rel=1e-12)
    nominal = fit.tia_h * 3600 * 1e9 * float(sphere_s_value(I131, 2.0))
    assert u.dose_gy_per_gbq[1] == pytest.approx(nominal, rel=0.01)


def test_each_source_alone_spreads_the_dose_as_first_order_says() -> None:
    fit = _fit(noise=0.0)
    mass, sd_mass = 5.0, 0.25
    step = 1e-3
    s = [float(sphere_s_value(I131, mass * (1 + k * step))) for k in (-1, 1)]
    dlns_dlnm = (math.log(s[1]) - math.log(s[0])) / (2 * step)
    inputs = UncertaintyInputs(
        mass_sd_g=sd_mass,
        recovery_sd=0.02,
        activity_relative_sd=0.04,
        s_value_relative_sd=0.03,
        draws=20_000,
    )
    u = propagate_lesion_dose(fit, I131, mass, 0.8, 1.0, inputs, 20.0, 11100.0)
    assert u.relative_sd["activity_calibration"] == pytest.approx(0.04, rel=0.05)
    assert u.relative_sd["s_value"] == pytest.approx(0.03, rel=0.05)
    assert u.relative_sd["recovery"] == pytest.approx(0.02 / 0.8, rel=0.05)
    assert u.relative_sd["mass"] == pytest.approx(abs(dlns_dlnm) * sd_mass / mass, rel=0.05)
    independent = math.sqrt(sum(u.relative_sd[k] ** 2 for k in u.relative_sd if k != "total"))
    assert u.relative_sd["total"] == pytest.approx(independent, rel=0.08)
    assert u.dose_gy_per_gbq[0] < u.dose_gy_per_gbq[1] < u.dose_gy_per_gbq[2]


def test_activity_interval_is_the_target_over_the_dose_interval() -> None:
    inputs = UncertaintyInputs(activity_relative_sd=0.1, draws=5000)
    u = propagate_lesion_dose(_fit(), I131, 2.0, 1.0, 1.0, inputs, 20.0, 11100.0)
    low, mid, high = u.dose_gy_per_gbq
    a_low, a_mid, a_high = u.activity_for_target_mbq
    assert a_mid == pytest.approx(20.0 / mid * 1000, rel=1e-6)  # medians of x and 1/x
    assert a_low == pytest.approx(20.0 / high * 1000, rel=1e-3)
    assert a_high == pytest.approx(20.0 / low * 1000, rel=1e-3)


def test_meeting_probability_follows_the_maximum_activity() -> None:
    fit = _fit()
    inputs = UncertaintyInputs(activity_relative_sd=0.2, draws=4000)
    u = propagate_lesion_dose(fit, I131, 2.0, 1.0, 1.0, inputs, 20.0, 11100.0)
    median = u.activity_for_target_mbq[1]
    assert u.p_meets_max_activity == 1.0  # a few hundred MBq needed, 11.1 GBq allowed
    at_median = propagate_lesion_dose(fit, I131, 2.0, 1.0, 1.0, inputs, 20.0, median)
    assert at_median.p_meets_max_activity == pytest.approx(0.5, abs=0.03)


def test_same_seed_same_result_other_seed_other_draws() -> None:
    inputs = UncertaintyInputs(mass_sd_g=0.4, seed=7)
    a = propagate_lesion_dose(_fit(), I131, 2.0, 1.0, 1.0, inputs, 20.0, 11100.0)
    b = propagate_lesion_dose(_fit(), I131, 2.0, 1.0, 1.0, inputs, 20.0, 11100.0)
    assert a == b
    c = propagate_lesion_dose(
        _fit(), I131, 2.0, 1.0, 1.0, UncertaintyInputs(mass_sd_g=0.4, seed=8), 20.0, 11100.0
    )
    assert c.dose_gy_per_gbq != a.dose_gy_per_gbq


def test_fit_draws_stay_physical_when_the_clearance_sits_on_its_bound() -> None:
    # slower than physical decay: the fitted biological clearance sits on its bound 0
    t = np.array([24.0, 48.0, 96.0, 144.0])
    y = _curve(t, mu=-0.002)
    fit = fit_tac(t, y, I131.half_life_h, model="mono").best
    assert fit.params["mu1_per_h"] == 0.0
    u = propagate_lesion_dose(fit, I131, 2.0, 1.0, 1.0, NONE, 20.0, 11100.0)
    ceiling = 1.05 / (math.log(2) / I131.half_life_h) * 3600 * 1e9 * float(sphere_s_value(I131, 2))
    assert u.dose_gy_per_gbq[0] > 0
    assert u.dose_gy_per_gbq[2] <= ceiling


def test_a_trapezoid_has_no_fit_spread_and_says_so() -> None:
    t = np.array([24.0, 48.0, 96.0])
    fit = fit_tac(t, _curve(t), I131.half_life_h, model="trapezoid").best
    u = propagate_lesion_dose(fit, I131, 2.0, 1.0, 1.0, NONE, 20.0, 11100.0)
    assert u.included["fit"] == "not drawn (trapezoid)"
    assert u.relative_sd["total"] == 0.0


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        (UncertaintyInputs(draws=10), "--draws"),
        (UncertaintyInputs(activity_relative_sd=1.5), "--activity-sd"),
        (UncertaintyInputs(mass_sd_g=-1.0), "--mass-sd-g"),
        (UncertaintyInputs(recovery_sd=math.nan), "--recovery-sd"),
        (UncertaintyInputs(seed=-1), "--seed"),
    ],
)
def test_bad_uncertainty_inputs_are_refused(inputs: UncertaintyInputs, match: str) -> None:
    with pytest.raises(InvalidValueError, match=match):
        inputs.checked()


# --- sizes, recovery and the study ----------------------------------------------------


def test_volume_is_mass_over_the_stated_density() -> None:
    m = Measurements(np.array([24.0, 48.0, 96.0]), _curve(np.array([24.0, 48.0, 96.0])), None, "x")
    by_volume = lesion_dosimetry(m, "I-131", volume_ml=3.0)
    by_mass = lesion_dosimetry(m, "I-131", 3.0 * tissue_density_g_cm3())
    assert by_volume.dose_gy_per_gbq == pytest.approx(by_mass.dose_gy_per_gbq, rel=1e-12)
    assert by_volume.to_dict()["volume_ml"] == 3.0
    with pytest.raises(InvalidValueError, match="exactly one of --mass-g or --volume-ml"):
        lesion_dosimetry(m, "I-131", 3.0, volume_ml=3.0)
    with pytest.raises(InvalidValueError, match="exactly one"):
        lesion_dosimetry(m, "I-131")


def test_recovery_curve_divides_by_the_coefficient_at_the_lesion_volume() -> None:
    t = np.array([24.0, 48.0, 96.0])
    volumes = np.array([0.5, 1.2, 2.6, 5.6, 11.5, 26.5])
    curve = fit_recovery_curve(volumes, sphere_recovery_gaussian(volumes, 7.0))
    rc = float(sphere_recovery_gaussian(2.0, 7.0))
    measured = Measurements(t, _curve(t) * rc, None, "x")
    with_curve = lesion_dosimetry(measured, "I-131", volume_ml=2.0, recovery=curve, model="mono")
    exact = Measurements(t, _curve(t), None, "x")
    truth = lesion_dosimetry(exact, "I-131", volume_ml=2.0, model="mono")
    assert with_curve.recovery == pytest.approx(rc, rel=1e-6)
    assert with_curve.dose_gy_per_gbq == pytest.approx(truth.dose_gy_per_gbq, rel=1e-5)
    out = with_curve.to_dict()
    assert out["recovery_curve"]["model"] == "gaussian"
    assert out["recovery_extrapolated"] is False


def test_study_equals_its_lesions_one_by_one_and_summarises_the_patient() -> None:
    curve = read_recovery_phantom(PHANTOM)
    lesions = read_lesion_table(STUDY)
    study = lesion_study(lesions, "I-124", predict="I-131", recovery_curve=curve)
    assert [x.lesion_id for x in study.lesions] == ["neck-node", "lung-1", "bone-T12"]
    for lesion, result in zip(lesions, study.lesions, strict=True):
        alone = lesion_dosimetry(
            lesion.measurements,
            "I-124",
            predict="I-131",
            volume_ml=lesion.sizes["volume_ml"],
            recovery=curve,
        )
        assert result.dose_gy_per_gbq == pytest.approx(alone.dose_gy_per_gbq, rel=1e-12)
    patient = study.to_dict()["patient"]
    activities = [x.activity_for_target_mbq for x in study.lesions]
    assert patient["activity_first_lesion_at_target_mbq"] == min(activities)
    assert patient["activity_every_lesion_at_target_mbq"] == max(activities)
    assert patient["n_lesions"] == 3
    assert patient["eligible"] is any(a <= 11100 for a in activities)


def test_study_mass_uncertainty_comes_from_each_lesions_columns() -> None:
    lesions = read_lesion_table(STUDY)
    study = lesion_study(lesions, "I-124", predict="I-131", uncertainty=UncertaintyInputs())
    for lesion, result in zip(lesions, study.lesions, strict=True):
        assert result.uncertainty is not None
        sd = lesion.sizes["volume_sd_ml"] * tissue_density_g_cm3()
        assert result.uncertainty.included["mass"] == f"sd {sd:g} g"
    seeds = [r.uncertainty.seed for r in study.lesions if r.uncertainty is not None]
    assert seeds == [0, 1, 2]


def test_study_size_conflicts_and_mask_labels_are_refused(tmp_path: Path) -> None:
    lesions = read_lesion_table(STUDY)
    with pytest.raises(InvalidValueError, match="volume_ml column, mask"):
        lesion_study(lesions, "I-124", mask_volumes_ml={"lung-1": 0.7})
    with pytest.raises(InvalidValueError, match="mask labels '7'"):
        lesion_study(lesions, "I-124", mask_volumes_ml={"7": 0.7})
    with pytest.raises(InvalidValueError, match="a study of one lesion"):
        lesion_study(lesions, "I-124", mass_g=2.0)
    no_size = _write(tmp_path, "lesion_id,time_h,percent_ia\na,24,0.1\na,48,0.08\na,96,0.05\n")
    with pytest.raises(InvalidValueError, match="size of lesion 'a' 'none given'"):
        lesion_study(read_lesion_table(no_size), "I-131")


def test_an_error_in_one_lesion_names_it(tmp_path: Path) -> None:
    text = (
        "lesion_id,time_h,percent_ia,volume_ml,recovery\na,24,0.1,2,\na,48,0.08,,\n"
        "a,96,0.05,,\nb,24,10,2,0.05\nb,48,8,,\nb,96,5,,\n"
    )  # lesion b: 10 % / 0.05 is twice the administered activity
    with pytest.raises(InvalidValueError, match="--recovery of lesion 'b'"):
        lesion_study(read_lesion_table(_write(tmp_path, text)), "I-131")


# --- CLI ---------------------------------------------------------------------------------


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_multi_lesion_json_has_per_lesion_95_intervals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _json(
        capsys,
        ["dose", "lesion", "--nuclide", "I-124", "--measurements", str(STUDY), "--predict",
         "I-131", "--recovery-curve", str(PHANTOM), "--activity-sd", "0.05", "--json"],
    )  # fmt: skip
    assert [x["lesion_id"] for x in out["lesions"]] == ["neck-node", "lung-1", "bone-T12"]
    for lesion in out["lesions"]:
        band = lesion["uncertainty"]["dose_gy_per_gbq"]
        low, high = band["ci95"]
        assert low < band["median"] < high
        assert low < lesion["dose_gy_per_gbq"] < high
        assert set(lesion["uncertainty"]["sources"]) == {
            "fit", "activity_calibration", "recovery", "mass", "s_value"
        }  # fmt: skip
        assert lesion["recovery_curve"]["model"] == "gaussian"
    assert out["patient"]["n_lesions"] == 3
    assert "notice" in out


def test_cli_single_lesion_keeps_the_contract_keys_and_adds_the_interval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _json(
        capsys,
        ["dose", "lesion", "--nuclide", "I-124", "--measurements",
         str(EXAMPLES / "lesion_i124.csv"), "--volume-ml", "2", "--volume-sd-ml", "0.3",
         "--administered-mbq", "74", "--json"],
    )  # fmt: skip
    assert {"tia_mbq_h", "dose_gy_per_gbq", "activity_for_target_mbq", "eligible", "model"} <= set(
        out
    )
    assert out["volume_ml"] == 2.0
    assert out["uncertainty"]["sources"]["mass"].startswith("sd 0.3")
    assert "lesions" not in out


def test_cli_mask_gives_the_volumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("nibabel")
    labels = np.zeros((20, 20, 20))
    labels[:10, :10, :9] = 1  # 900 voxels of 8 µL: 7.2 mL
    labels[15:, 15:, 15:] = 2  # 125 voxels: 1 mL
    mask = tmp_path / "mask.nii.gz"
    save_nifti(mask, labels, np.diag([2.0, 2.0, 2.0, 1.0]))
    study = _write(
        tmp_path,
        "lesion_id,time_h,percent_ia\n1,24,0.2\n1,48,0.15\n1,96,0.1\n"
        "2,24,0.1\n2,48,0.08\n2,96,0.05\n",
    )
    out = _json(
        capsys,
        ["dose", "lesion", "--nuclide", "I-131", "--measurements", str(study), "--mask",
         str(mask), "--json"],
    )  # fmt: skip
    assert [x["volume_ml"] for x in out["lesions"]] == [pytest.approx(7.2), pytest.approx(1.0)]


def test_cli_human_output_shows_the_table_and_the_patient(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["dose", "lesion", "--nuclide", "I-124", "--measurements", str(STUDY),
            "--predict", "I-131", "--draws", "500"]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Patient: " in text
    assert "NCT02152995" in text
    assert "Research use only" in text


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--mass-g", "2"], "a study of one lesion"),
        (["--draws", "5"], "--draws"),
        (["--activity-sd", "2"], "--activity-sd"),
        (["--recovery-model", "spline"], "--recovery-model"),
        (["--recovery-curve", str(PHANTOM), "--recovery", "0.5"], None),
        (["--mask", "nope.nii.gz"], "no such file"),
    ],
)
def test_cli_bad_options_are_one_line_and_exit_2(
    extra: list[str], match: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["dose", "lesion", "--nuclide", "I-124", "--measurements", str(STUDY), *extra]
    code = main(argv)
    captured = capsys.readouterr()
    if match is None:  # a curve replaces the fixed coefficient: accepted
        assert code == 0
        return
    assert code == 2
    assert captured.err.count("\n") == 1, captured.err
    assert match in captured.err


# --- found in review -------------------------------------------------------------------


NOISY = (
    "time_h,percent_ia\n7,0.0394707\n29,0.0619340\n100,0.0150536\n149,0.0123863\n188,0.000420525\n"
)


def test_a_zero_dose_quantile_gives_an_infinite_activity_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, NOISY)
    out = _json(
        capsys,
        ["dose", "lesion", "--nuclide", "I-131", "--measurements", str(path), "--mass-g", "2",
         "--draws", "500", "--json"],
    )  # fmt: skip
    u = out["uncertainty"]
    assert u["dose_gy_per_gbq"]["ci95"][0] == 0.0  # draws with the amplitude on its bound 0
    assert u["activity_for_target_mbq"]["ci95"][1] is None
    assert "no activity reaches" in u["activity_for_target_mbq"]["ci95_note"]
    assert u["activity_for_target_mbq"]["median"] > 0
    assert capsys.readouterr().err == ""  # no numpy or non-finite warnings


def test_a_trapezoid_interval_is_marked_partial(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dose", "lesion", "--nuclide", "I-124", "--measurements",
            str(EXAMPLES / "lesion_i124.csv"), "--mass-g", "2", "--administered-mbq", "74",
            "--model", "trapezoid", "--json"]  # fmt: skip
    out = _json(capsys, argv)
    assert "fit's uncertainty is not in this interval" in out["uncertainty"]["interval_note"]


def test_seeds_wrap_below_2_to_the_63() -> None:
    inputs = UncertaintyInputs(seed=2**63 - 1)
    study = lesion_study(read_lesion_table(STUDY), "I-124", uncertainty=inputs)
    assert [r.uncertainty.seed for r in study.lesions if r.uncertainty] == [2**63 - 1, 0, 1]


def test_a_curve_with_a_recovery_sd_is_refused(tmp_path: Path) -> None:
    curve = read_recovery_phantom(PHANTOM)
    with pytest.raises(InvalidValueError, match="--recovery-sd"):
        lesion_study(
            read_lesion_table(STUDY),
            "I-124",
            recovery_curve=curve,
            uncertainty=UncertaintyInputs(recovery_sd=0.05),
        )
    text = (
        "lesion_id,time_h,percent_ia,volume_ml,recovery_sd\n"
        "a,24,0.1,2,0.05\na,48,0.08,,\na,96,0.05,,\n"
    )
    with pytest.raises(InvalidValueError, match="recovery_sd column and a recovery curve"):
        lesion_study(read_lesion_table(_write(tmp_path, text)), "I-131", recovery_curve=curve)


def test_two_size_uncertainties_for_one_lesion_are_refused(tmp_path: Path) -> None:
    text = (
        "lesion_id,time_h,percent_ia,volume_ml,volume_sd_ml,mass_sd_g\n"
        "a,24,0.1,2,0.1,0.1\na,48,0.08,,,\na,96,0.05,,,\n"
    )
    with pytest.raises(InputFileError, match="both volume_sd_ml and mass_sd_g"):
        read_lesion_table(_write(tmp_path, text))


def test_cli_names_the_volume_sd_it_was_given(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dose", "lesion", "--nuclide", "I-124", "--measurements",
            str(EXAMPLES / "lesion_i124.csv"), "--volume-ml", "2", "--volume-sd-ml", "-1",
            "--administered-mbq", "74"]  # fmt: skip
    assert main(argv) == 2
    assert "--volume-sd-ml" in capsys.readouterr().err
