"""`rairlab demo`: the main job runs end to end and its numbers hang together."""

import json

import pytest

from rairlab.cli import main
from rairlab.cli._demo import SCENARIOS, lesion_uptake_scale, normal_thyrocyte_uptake, run_demo
from rairlab.network import compile_model


@pytest.fixture(scope="module")
def result() -> dict:
    return run_demo()


def test_one_row_per_scenario_all_converged(result: dict) -> None:
    rows = result["lesions"]
    assert [(r["genotype"], tuple(r["drugs"])) for r in rows] == list(SCENARIOS)
    assert all(r["converged"] for r in rows)


def _rows(result: dict) -> dict:
    return {(r["genotype"], tuple(r["drugs"])): r for r in result["lesions"]}


def test_braf_silences_and_braf_mek_inhibition_restores(result: dict) -> None:
    # directions only: the network's numbers are not fixed here
    rows = _rows(result)
    wt = rows[("wild type", ())]
    braf = rows[("BRAF p.V600E", ())]
    treated = rows[("BRAF p.V600E", ("dabrafenib", "trametinib"))]
    assert braf["NIS_membrane"] < 0.1 * wt["NIS_membrane"]
    assert braf["dose_gy_per_gbq"] < wt["dose_gy_per_gbq"]
    assert braf["dose_gy_per_gbq"] < treated["dose_gy_per_gbq"]


def test_kinetics_gets_iodide_uptake_relative_to_a_normal_thyrocyte(result: dict) -> None:
    # the hand-off is transport (iodide_uptake), not membrane NIS, relative to the
    # reference cell (wild type, withdrawal, no drugs), times the typical tumour's
    # uptake per gram (the fitted lesion_uptake_scale median)
    reference = normal_thyrocyte_uptake(compile_model())
    scale = lesion_uptake_scale()
    assert scale == result["assumptions"]["tumour_uptake_scale"]
    assert 0.0 < scale <= 3.0
    for r in result["lesions"]:
        expected = r["iodide_uptake"] / reference * scale
        assert r["uptake_activity"] == pytest.approx(expected, rel=1e-9)


def test_lesions_are_the_typical_patient_of_the_fitted_set(result: dict) -> None:
    assert result["assumptions"]["parameters"].startswith("fitted ")
    assert result["assumptions"]["patient"] == "every population parameter at its median"


def test_perchlorate_lowers_the_dose_without_touching_membrane_nis(result: dict) -> None:
    # perchlorate blocks transport: it must reach the dose through iodide_uptake
    rows = _rows(result)
    wt, blocked = rows[("wild type", ())], rows[("wild type", ("perchlorate",))]
    assert blocked["NIS_membrane"] == pytest.approx(wt["NIS_membrane"], rel=1e-3)
    assert blocked["dose_gy_per_gbq"] < 0.9 * wt["dose_gy_per_gbq"]


def test_activity_for_target_is_target_over_dose_per_gbq(result: dict) -> None:
    target = result["assumptions"]["target_gy"]
    for r in result["lesions"]:
        if r["dose_gy_per_gbq"] > 0:
            expected = 1000.0 * target / r["dose_gy_per_gbq"]
            assert r["activity_for_target_mbq"] == pytest.approx(expected, rel=1e-12)
        meets = r["activity_for_target_mbq"] <= result["assumptions"]["max_activity_mbq"]
        assert r["meets_dosimetric_criterion"] == meets


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert "Research use only" in payload["notice"]
    assert len(payload["lesions"]) == len(SCENARIOS)


def test_demo_trial_runs_the_embedded_spec_and_keeps_nothing_by_default() -> None:
    from rairlab.cli._demo import run_demo_trial

    trial = run_demo_trial(workers=1)
    assert trial["run_directory"] is None
    assert list(trial["arms"]) == ["I-131 alone", "dabrafenib + trametinib"]
    for arm in trial["arms"].values():
        for r in arm.values():
            assert r["n"] == 200
            assert 0 <= r["ci95"][0] <= r["p"] <= r["ci95"][1] <= 1
