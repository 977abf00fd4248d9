"""Numbers (issue 12, item 3): every numeric option and measurement is checked against a
physically meaningful range (``rairlab.dosimetry.LIMITS``); a bad one is one line on
stderr and exit status 2, naming the option and the value. The accepted extremes give
exit 0 with finite JSON, and no output carries a non-finite number without a note.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rairlab.cli import main
from rairlab.cli._output import (
    UNEXPLAINED_NOTE,
    NonFiniteOutputWarning,
    emit,
    non_finite_without_note,
)
from rairlab.dosimetry import (
    LIMITS,
    dose_statistics,
    fit_tac,
    lesion_dosimetry,
    read_measurements,
    redecay,
    voxel_dose,
)
from rairlab.errors import InputFileError, InvalidValueError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "dosimetry"
LESION = str(EXAMPLES / "lesion_i124.csv")
BLOOD = str(EXAMPLES / "blood_i131.csv")
LESION_ARGS = ["dose", "lesion", "--nuclide", "I-124", "--measurements", LESION,
               "--administered-mbq", "74", "--mass-g", "2"]  # fmt: skip
T_HALF_I131_H = 192.4968


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"non-finite number {name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _nulls_have_notes(obj: Any, note: bool = False) -> None:
    """Every ``null`` number of a command's JSON sits under a ``<key>_note``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            noted = note or isinstance(obj.get(f"{k}_note"), str)
            if v is None and not noted and k not in _NULL_BY_DESIGN:
                raise AssertionError(f"{k} is null without a note")
            _nulls_have_notes(v, noted)
    elif isinstance(obj, list):
        for v in obj:
            _nulls_have_notes(v, note)


# Keys that are null when an input is absent (not a number that failed to exist).
_NULL_BY_DESIGN = {"mask", "out", "kernel_voxel_size_mm", "kernel_exact", "doi"}


def _error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    return lines[0]


def _ok_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0
    out = _strict_json(capsys.readouterr().out)
    _nulls_have_notes(out)
    return out


def _csv(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _nifti(tmp_path: Path, name: str, data: np.ndarray, voxel_mm: float) -> str:
    nib = pytest.importorskip("nibabel")
    p = tmp_path / name
    # float64 on disk: save_nifti writes float32, which cannot hold 1e307
    nib.save(nib.Nifti1Image(data.astype(np.float64), np.diag([voxel_mm] * 3 + [1.0])), p)
    return str(p)


# ------------------------------------------------------------ refused: dose lesion


@pytest.mark.parametrize(
    ("option", "value", "accepted"),
    [
        ("--recovery", "5e-324", "[0.01, 1]"),
        ("--recovery", "nan", "[0.01, 1]"),
        ("--recovery", "1.5", "[0.01, 1]"),
        ("--mass-g", "5e-324", "[0.001, 100000] g"),
        ("--mass-g", "inf", "[0.001, 100000] g"),
        ("--mass-g", "1e6", "[0.001, 100000] g"),
        ("--administered-mbq", "nan", "[0.001, 100000] MBq"),
        ("--administered-mbq", "1e-9", "[0.001, 100000] MBq"),
        ("--target-gy", "nan", "[0.01, 10000] Gy"),
        ("--target-gy", "1e300", "[0.01, 10000] Gy"),
        ("--max-activity-mbq", "inf", "[0.001, 100000] MBq"),
        ("--max-activity-mbq", "5e-324", "[0.001, 100000] MBq"),
    ],
)
def test_lesion_option_out_of_range_is_one_line(
    option: str, value: str, accepted: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _error_line(capsys, [*LESION_ARGS, f"{option}={value}", "--json"])
    assert f"Invalid {option} {value}" in line or f"Invalid {option} {float(value)!r}" in line
    assert accepted in line


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("1e-300,1\n2e-300,0.9\n3e-300,0.8\n", "less than 0.001 h after the previous row"),
        ("4,0.1\n24,0.08\n1e6,0.05\n", "time_h 1e+06 is outside the accepted [0, 100000] h"),
        ("4,0\n24,0\n48,0\n", "no uptake was measured"),
        ("4,0.1\n24,0.08\n2000,0.5\n", "remains undecayed"),
    ],
)
def test_lesion_measurements_out_of_range_are_one_line(
    rows: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, "m.csv", "time_h,percent_ia\n" + rows)
    argv = ["dose", "lesion", "--nuclide", "I-131", "--measurements", path, "--mass-g", "2"]
    line = _error_line(capsys, [*argv, "--json"])
    assert path in line
    assert words in line


def test_recovery_that_exceeds_the_undecayed_activity_names_recovery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, "m.csv", "time_h,percent_ia\n4,20\n24,15\n48,10\n")
    argv = ["dose", "lesion", "--nuclide", "I-131", "--measurements", path, "--mass-g", "2"]
    line = _error_line(capsys, [*argv, "--recovery", "0.1"])
    assert "Invalid --recovery 0.1" in line
    assert "undecayed" in line


# ------------------------------------------------------------- refused: dose blood


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("1e-300,0.01,80\n2e-300,0.005,60\n3e-300,0.001,20\n", "less than 0.001 h"),
        ("2,0,0\n6,0,0\n24,0,0\n", "no uptake was measured"),
        ("2,0.01,0\n6,0.005,0\n24,0.001,0\n", "'whole_body_percent_ia': every value is 0"),
    ],
)
def test_blood_measurements_out_of_range_are_one_line(
    rows: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, "b.csv", "time_h,blood_percent_ia_per_ml,whole_body_percent_ia\n" + rows)
    line = _error_line(capsys, ["dose", "blood", "--measurements", path, "--json"])
    assert path in line
    assert words in line


@pytest.mark.parametrize("value", ["nan", "0", "5e-324", "1e4"])
def test_blood_weight_out_of_range_is_one_line(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _error_line(capsys, ["dose", "blood", "--measurements", BLOOD, f"--weight-kg={value}"])
    assert "Invalid --weight-kg" in line
    assert "[1, 500] kg" in line


# ------------------------------------------------------------- refused: dose voxel


def test_voxel_tia_too_large_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tia = np.zeros((9, 9, 9))
    tia[4, 4, 4] = 1e307
    path = _nifti(tmp_path, "huge.nii.gz", tia, 4.0)
    line = _error_line(capsys, ["dose", "voxel", path, "--json"])
    assert path in line
    assert "TIA total 1e+307 MBq·h" in line
    assert "at most 2.78e+07 MBq·h" in line  # 1e5 MBq of I-131 decaying in place


@pytest.mark.parametrize("method", ["kernel", "local"])
def test_voxel_size_out_of_range_is_one_line(
    method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tia = np.zeros((9, 9, 9))
    tia[4, 4, 4] = 1.0
    path = _nifti(tmp_path, "tiny.nii.gz", tia, 1e-6)
    line = _error_line(capsys, ["dose", "voxel", path, "--method", method])
    assert path in line
    assert "voxel size 1e-06 x 1e-06 x 1e-06 mm" in line
    assert "[0.1, 20] mm" in line


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e6"])
def test_voxel_v_gy_out_of_range_is_one_line(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _nifti(tmp_path, "tia.nii.gz", np.ones((5, 5, 5)), 4.0)
    line = _error_line(capsys, ["dose", "voxel", path, f"--v-gy={value}"])
    assert "Invalid --v-gy" in line
    assert "[0, 100000] Gy" in line


# ----------------------------------------------------------------- refused: simulate


def test_tsh_names_tsh_and_its_states(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error_line(capsys, ["simulate", "--tsh", "x"])
    assert line.startswith(
        "error: Invalid --tsh 'x': expected one of suppressed, normal, withdrawal, rhTSH"
    )


@pytest.mark.parametrize("value", ["nan", "inf", "-0.5", "2"])
def test_env_level_says_finite_number_in_0_1(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _error_line(capsys, ["simulate", "--env", f"tgfb={value}"])
    assert "Invalid --env tgfb" in line
    assert "a finite number in [0, 1] or one of" in line
    assert "shape" not in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--drug", "dabrafenib:1e300"], "EXPOSURE >= 0 and <= 100"),
        (["--drug", "dabrafenib:nan"], "EXPOSURE >= 0 and <= 100"),
        (["--seed=-1"], "Invalid --seed -1"),
        (["--knockout", "BRAF:nan"], "STRENGTH in [0, 1]"),
    ],
)
def test_simulate_numbers_out_of_range_are_one_line(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert words in _error_line(capsys, ["simulate", *args])


# ------------------------------------------------------------ accepted: the extremes


@pytest.mark.parametrize(
    "extra",
    [
        ["--mass-g=0.001"],
        ["--mass-g=100000"],
        ["--recovery=0.01"],
        ["--recovery=1"],
        ["--target-gy=0.01"],
        ["--target-gy=10000"],
        ["--max-activity-mbq=0.001"],
        ["--max-activity-mbq=100000"],
        ["--predict", "I-131", "--model", "trapezoid"],
    ],
)
def test_lesion_range_edges_give_finite_json(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = _ok_json(capsys, [*LESION_ARGS, *extra])
    assert math.isfinite(out["dose_gy_per_gbq"])
    assert out["dose_gy_per_gbq"] > 0


@pytest.mark.parametrize("administered", [1e-3, 1e5])
def test_administered_activity_edges_and_time_edges(
    administered: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # times at 0 h, the 1e-3-h resolution, and 1e5 h (where I-131 has decayed to e^-360)
    times = [0.0, 0.001, 0.002, 24.0, 96.0, 1e5]
    lam = math.log(2) / T_HALF_I131_H
    fraction = [0.0, 1e-4, 2e-4, 1e-3 * math.exp(-lam * 24), 6e-4 * math.exp(-lam * 96), 0.0]
    rows = "".join(f"{t!r},{f * administered!r}\n" for t, f in zip(times, fraction, strict=True))
    path = _csv(tmp_path, "m.csv", "time_h,activity_mbq\n" + rows)
    argv = ["dose", "lesion", "--nuclide", "I-131", "--measurements", path, "--mass-g", "1",
            "--administered-mbq", repr(administered)]  # fmt: skip
    out = _ok_json(capsys, argv)
    assert out["residence_time_h"] > 0
    assert out["tia_basis_mbq"] == administered


@pytest.mark.parametrize("weight", ["1", "500"])
def test_blood_weight_edges_give_finite_json(
    weight: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _ok_json(capsys, ["dose", "blood", "--measurements", BLOOD, "--weight-kg", weight])
    assert out["blood_dose_gy_per_gbq"] > 0


@pytest.mark.parametrize(("voxel_mm", "method"), [(0.1, "local"), (20.0, "local"), (4.0, "kernel")])
def test_voxel_edges_give_finite_statistics(
    voxel_mm: float, method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tia = np.zeros((5, 5, 5))
    tia[2, 2, 2] = 0.999 * LIMITS.activity_mbq.high * T_HALF_I131_H / math.log(2)
    path = _nifti(tmp_path, "tia.nii.gz", tia, voxel_mm)
    argv = ["dose", "voxel", path, "--method", method, "--v-gy=0", "--v-gy=100000"]
    out = _ok_json(capsys, argv)
    stats = out["statistics_gy"]
    assert all(math.isfinite(stats[k]) for k in ("mean", "min", "max", "d50", "d90"))
    assert stats["v"]["V0Gy"] == 1.0


@pytest.mark.parametrize(
    "args",
    [
        ["--drug", "dabrafenib:100"],
        ["--drug", "dabrafenib:0"],
        ["--tsh", "0"],
        ["--tsh", "1"],
        ["--tsh", "RHtsh"],
        ["--env", "tgfb=0", "--env", "hypoxia=1"],
    ],
)
def test_simulate_range_edges_give_finite_json(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = _ok_json(capsys, ["simulate", *args])
    assert all(0.0 <= v <= 1.0 for v in out["outputs"].values())


# ------------------------------------------------------- help documents the ranges


@pytest.mark.parametrize(
    ("command", "texts"),
    [
        (["dose", "lesion"], ["[0.001, 100000] g", "[0.01, 1]", "[0.01, 10000] Gy"]),
        (["dose", "blood"], ["[1, 500] kg", "[0, 100000] h"]),
        (["dose", "voxel"], ["[0.1, 20] mm", "[0, 100000] Gy"]),
        (["simulate"], ["EXPOSURE <= 100", "level in [0, 1]"]),
    ],
)
def test_help_states_the_accepted_ranges(
    command: list[str],
    texts: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    assert main([*command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in texts:
        assert text in out


# ------------------------------------------------------------- emit and notes


def test_emit_refuses_a_non_finite_number_without_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.warns(NonFiniteOutputWarning, match=r"b\.c\[1\]"):
        emit({"a": 1.0, "b": {"c": [1.0, float("nan")]}}, True, lambda console: None)
    payload = json.loads(capsys.readouterr().out)
    assert payload["b"] == {"c": [1.0, None], "c_note": UNEXPLAINED_NOTE}


def test_emit_under_the_test_suite_filters_raises() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NonFiniteOutputWarning):
            emit({"x": float("inf")}, False, lambda console: None)


def test_a_note_explains_the_value_and_everything_under_its_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = {"limit": math.inf, "limit_note": "no limit", "fit": {"sd": [math.nan]}}
    data["fit_note"] = "not determined"
    assert non_finite_without_note(data) == []
    emit(data, True, lambda console: None)  # no warning: filterwarnings = error
    payload = json.loads(capsys.readouterr().out)
    assert payload["limit"] is None
    assert payload["fit"] == {"sd": [None]}


def test_trapezoid_fit_notes_its_missing_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    out = _ok_json(capsys, [*LESION_ARGS, "--model", "trapezoid"])
    assert out["tia_sd_mbq_h"] is None
    assert "trapezoid" in out["tia_sd_mbq_h_note"]
    assert out["fit"]["chosen"]["aicc_note"]


# ------------------------------------------------ the Python API is protected too


def test_library_refuses_what_the_cli_refuses(tmp_path: Path) -> None:
    data = read_measurements(LESION, 74.0)
    with pytest.raises(InvalidValueError, match="--mass-g"):
        lesion_dosimetry(data, "I-124", 5e-324)
    with pytest.raises(InvalidValueError, match="--recovery"):
        lesion_dosimetry(data, "I-124", 2.0, recovery=5e-324)
    with pytest.raises(InvalidValueError, match="times_h"):
        fit_tac([1e-300, 2e-300, 3e-300], [0.01, 0.009, 0.008], T_HALF_I131_H)
    with pytest.raises(InvalidValueError, match="no uptake"):
        fit_tac([4.0, 24.0, 48.0], [0.0, 0.0, 0.0], T_HALF_I131_H)
    with pytest.raises(InvalidValueError, match="tia"):
        voxel_dose(np.full((3, 3, 3), 1e307), 4.0)
    with pytest.raises(InvalidValueError, match="voxel_size_mm"):
        voxel_dose(np.ones((3, 3, 3)), 1e-6, method="local")
    with pytest.raises(InvalidValueError, match="--v-gy"):
        dose_statistics(np.ones(4), v_thresholds_gy=[math.nan])
    path = _csv(tmp_path, "m.csv", "time_h,percent_ia\n4,0\n24,0\n48,0\n")
    with pytest.raises(InputFileError, match="no uptake"):
        read_measurements(path)


def test_huge_doses_give_finite_statistics_without_warnings() -> None:
    # filterwarnings = error: an overflowing sum in the mean used to warn and give inf
    dose = np.full(1000, 1e306)
    stats = dose_statistics(dose, v_thresholds_gy=[1.0])
    assert stats.mean == pytest.approx(1e306, rel=1e-12)
    assert stats.v_gy == {1.0: 1.0}


def test_redecay_of_a_zero_at_a_huge_correction_stays_zero() -> None:
    # Po-211 (T½ 0.52 s) to I-131 at 1 h: e^{4836} overflows; 0 · inf used to be nan
    out = redecay([1.0, 2.0], [0.0, 0.0], 0.000143, T_HALF_I131_H)
    assert out.tolist() == [0.0, 0.0]


def test_steep_late_points_give_no_overflow_and_no_absurd_fit() -> None:
    # the mono-exponential's start value e^{slope·t0} raised OverflowError here, and the
    # fit extrapolated to 1e224 times the administered activity
    t = [5e4, 5e4 + 1, 5e4 + 2]
    res = fit_tac(t, [1e-80, 1e-200, 1e-300], T_HALF_I131_H, candidates=("mono",))
    assert res.chosen == "trapezoid"
    assert "decaying in place" in res.skipped["mono"]


def test_biexp_on_data_that_once_gave_a_negative_integral_is_non_negative() -> None:
    # found by a random search: unconstrained, b < 0 outweighed a, a residence time of
    # -3.8e-25 h; fitted with a, a + b >= 0 the curve cannot go below 0
    t = [0.00129, 0.00368, 119.4, 28904.2, 53934.3, 54177.0, 79582.6]
    y = [0.0, 4.768e-160, 2.845e-57, 0.0, 1.288e-90, 0.0, 2.607e-237]
    fit = fit_tac(t, y, T_HALF_I131_H, model="biexp", trapezoid_from_zero=False).fits["biexp"]
    assert fit.tia_h >= 0.0
    assert fit.params["a"] + fit.params["b"] >= 0.0
