import json

import pytest

from rairlab.cli import main


def _run(capsys, *args):
    assert main(["simulate", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_issue_checks(capsys):
    wt = _run(capsys)
    braf = _run(capsys, "--genotype", "BRAF p.V600E")
    treated = _run(
        capsys, "--genotype", "BRAF p.V600E", "--drug", "dabrafenib", "--drug", "trametinib"
    )
    perc = _run(capsys, "--drug", "perchlorate")
    for key in ("NIS_membrane", "iodide_uptake"):
        assert braf["outputs"][key] < wt["outputs"][key] - 1e-3
        assert treated["outputs"][key] > braf["outputs"][key] + 1e-3
    assert perc["outputs"]["iodide_uptake"] < wt["outputs"]["iodide_uptake"] - 1e-3
    assert perc["outputs"]["SLC5A5_mRNA"] == pytest.approx(wt["outputs"]["SLC5A5_mRNA"], abs=1e-9)
    assert set(wt) >= {"outputs", "converged", "variant", "perturbations", "notice"}
    assert wt["converged"] is True
    assert wt["variant"] == "default"


def test_options_variant_env_and_time_course(capsys):
    out = _run(
        capsys,
        "--genotype",
        "BRAF p.V600E; TERT c.-124C>T",
        "--drug",
        "dabrafenib:2",
        "--tsh",
        "rhTSH",
        "--env",
        "tgfb=high",
        "--variant",
        "autophagy-supports-nis",
        "--time-course",
        "2",
    )
    assert out["variant"] == "autophagy-supports-nis"
    assert [p["kind"] for p in out["perturbations"]] == [
        "environment",
        "environment",
        "alteration",
        "alteration",
        "drug",
    ]
    assert out["time_course"]["completed"]
    assert len(out["time_course"]["days"]) == 9


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--drug", "dabrafinib"], "dabrafenib"),
        (["--env", "tgfb"], "KEY=VALUE"),
        (["--variant", "nope"], "model variant"),
        (["--tsh", "high"], "--env tsh"),
    ],
)
def test_errors_are_one_line_exit_2(capsys, args, text):
    assert main(["simulate", *args]) == 2
    err = capsys.readouterr().err
    assert text in err
    assert len(err.strip().splitlines()) == 1
