"""`rairlab demo`: the main job runs end to end and its numbers hang together."""

import json

import pytest

from rairlab.cli import main
from rairlab.cli._demo import SCENARIOS, run_demo


@pytest.fixture(scope="module")
def result() -> dict:
    return run_demo()


def test_one_row_per_scenario_all_converged(result: dict) -> None:
    rows = result["lesions"]
    assert [(r["genotype"], tuple(r["drugs"])) for r in rows] == list(SCENARIOS)
    assert all(r["converged"] for r in rows)


def test_braf_silences_and_braf_mek_inhibition_restores(result: dict) -> None:
    rows = {(r["genotype"], tuple(r["drugs"])): r for r in result["lesions"]}
    wt = rows[("wild type", ())]
    braf = rows[("BRAF p.V600E", ())]
    treated = rows[("BRAF p.V600E", ("dabrafenib", "trametinib"))]
    assert braf["NIS_membrane"] < 0.1 * wt["NIS_membrane"]
    assert treated["NIS_membrane"] > wt["NIS_membrane"]
    assert braf["meets_dosimetric_criterion"] is False
    assert treated["meets_dosimetric_criterion"] is True


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
