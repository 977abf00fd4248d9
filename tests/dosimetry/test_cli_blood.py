"""`rairlab dose blood`: EANM SOP, single time point, both side by side; one-line errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from _cli import refused
from rairlab.cli import main

BLOOD = Path(__file__).resolve().parents[2] / "examples" / "dosimetry" / "blood_i131.csv"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_single_time_point_json_matches_a_hand_calculation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _json(
        capsys,
        ["dose", "blood", "--retention", "0.1", "--blood-volume-ml", "5000", "--weight-kg",
         "70", "--json"],
    )  # fmt: skip
    # 48 h default; tau_WB = -48 / ln 0.1; D = tau_WB (108 * 0.14 / 5000 + 0.0188 / 70^(2/3))
    tau = -48.0 / math.log(0.1)
    hand = tau * (108 * 0.14 / 5000 + 0.0188 / 70 ** (2 / 3))
    assert out["blood_dose_gy_per_gbq"] == pytest.approx(hand, rel=1e-12)
    assert out["max_activity_blood_mbq"] == pytest.approx(2000 / hand, rel=1e-12)
    assert out["retention_time_h"] == 48.0
    assert out["stated_mean_absolute_deviation"] == 0.14
    assert out["measurement_window_h"] == [18.0, 54.0]
    assert "Research use only" in out["notice"]


def test_nadler_volume_from_height_sex_and_weight(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(
        capsys,
        ["dose", "blood", "--retention", "0.12", "--retention-time-h", "24", "--height-cm",
         "162", "--sex", "female", "--weight-kg", "60", "--json"],
    )  # fmt: skip
    volume = 1000 * (0.3561 * 1.62**3 + 0.03308 * 60 + 0.1833)
    assert out["blood_volume_ml"] == pytest.approx(volume, rel=1e-12)
    assert out["blood_volume_source"] == "Nadler 1962 (female)"
    assert out["retention_time_h"] == 24.0


def test_full_data_show_both_estimates_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dose", "blood", "--measurements", str(BLOOD), "--weight-kg", "70",
            "--blood-volume-ml", "5000"]  # fmt: skip
    out = _json(capsys, [*argv, "--json"])
    sp = out["single_time_point"]
    # the example's whole-body value at 48 h (8.631 %) is used
    assert sp["retained_fraction"] == pytest.approx(0.08631, rel=1e-12)
    assert sp["retention_time_h"] == 48.0
    assert sp["relative_difference_to_eanm"] == pytest.approx(
        sp["blood_dose_gy_per_gbq"] / out["blood_dose_gy_per_gbq"] - 1, rel=1e-12
    )
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "EANM SOP" in text
    assert "single time point" in text
    assert "vs EANM" in text
    assert "Research use only" in text


def test_full_data_without_blood_volume_say_how_to_get_the_comparison(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _json(capsys, ["dose", "blood", "--measurements", str(BLOOD), "--json"])
    assert "single_time_point" not in out
    assert "--blood-volume-ml" in out["single_time_point_note"]
    assert out["blood_dose_gy_per_gbq"] > 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "--measurements"),
        (["--measurements", str(BLOOD), "--retention", "0.1"], "no --retention with"),
        (["--measurements", str(BLOOD), "--retention-time-h", "48"], "--retention-time-h"),
        (["--retention", "0.1", "--blood-volume-ml", "5000", "--model", "mono"], "--model"),
        (["--measurements", str(BLOOD), "--model", "cubic"], "--model"),
        (["--retention", "0.1", "--retention-time-h", "72", "--blood-volume-ml", "5000"],
         "day 1 or 2"),
        (["--retention", "0.1", "--retention-time-h", "6", "--blood-volume-ml", "5000"],
         "[18, 54] h"),
        (["--retention", "0.9", "--blood-volume-ml", "5000"], "not above physical decay"),
        (["--retention", "0", "--blood-volume-ml", "5000"], "--retention"),
        (["--retention", "0.1"], "blood volume"),
        (["--retention", "0.1", "--height-cm", "170", "--weight-kg", "70"], "--sex"),
        (["--retention", "0.1", "--height-cm", "170", "--sex", "male"], "--weight-kg"),
        (["--retention", "0.1", "--height-cm", "170", "--sex", "x", "--weight-kg", "70"],
         "--sex"),
        (["--retention", "0.1", "--blood-volume-ml", "5000", "--height-cm", "170"], "not both"),
        (["--retention", "0.1", "--blood-volume-ml", "nan"], "--blood-volume-ml"),
        (["--retention", "0.1", "--blood-volume-ml", "5000", "--weight-kg", "0"],
         "--weight-kg"),
        (["--measurements", str(BLOOD), "--height-cm", "170", "--weight-kg", "70"], "--sex"),
    ],
)  # fmt: skip
def test_bad_combinations_exit_2_with_one_line(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert words in refused(["dose", "blood", *args, "--json"], capsys)
