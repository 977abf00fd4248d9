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
        (["--tsh", "high"], "Invalid --tsh 'high': expected one of suppressed, normal,"),
        (["--genotype", "BRAFX"], "Unknown alteration"),
        (["--env", "acidity=1"], "environment key"),
        (["--env", "tgfb=2"], "[0, 1]"),
        (["--drug", "dabrafenib:-1"], "EXPOSURE >= 0"),
        (["--time-course", "abc"], "--time-course"),
        (["--time-course", "0"], "--time-course"),
        (["--time-course", "1e9"], "--time-course"),
        (["--variant", "braf-restore"], "braf-restores-uptake"),
    ],
)
def test_errors_are_one_line_exit_2(capsys, args, text):
    assert main(["simulate", *args]) == 2
    err = capsys.readouterr().err
    assert text in err
    assert len(err.strip().splitlines()) == 1


def test_delivery_modifiers(capsys):
    # EV-loaded TKI multiplies the exposure of the TKI given with it
    low = _run(capsys, "--genotype", "BRAF p.V600E", "--drug", "dabrafenib:0.05")
    ev = _run(capsys, "--genotype", "BRAF p.V600E", "--drug", "dabrafenib:0.05", "--drug", "ev-tki")
    assert ev["outputs"]["iodide_uptake"] > low["outputs"]["iodide_uptake"] + 1e-3
    assert ev["perturbations"][1]["exposure"] == pytest.approx(0.15, rel=1e-12)
    # MnO2 nanoparticles relieve hypoxia: HIF1A falls, membrane NIS recovers
    hyp = _run(capsys, "--env", "hypoxia=hypoxia")
    mno2 = _run(capsys, "--env", "hypoxia=hypoxia", "--drug", "mno2")
    assert mno2["nodes"]["HIF1A"] < hyp["nodes"]["HIF1A"] - 0.1
    assert mno2["outputs"]["NIS_membrane"] > hyp["outputs"]["NIS_membrane"] + 1e-3


def test_ev_nis_pulse_peaks_and_fades(capsys):
    wt = _run(capsys)
    out = _run(capsys, "--drug", "ev-nis", "--time-course", "10")
    uptake = out["time_course"]["outputs"]["iodide_uptake"]
    peak = max(uptake)
    i = uptake.index(peak)
    assert out["time_course"]["completed"]
    # starts at the untreated steady state, peaks within days, fades back towards it
    assert uptake[0] == pytest.approx(wt["outputs"]["iodide_uptake"], abs=1e-9)
    assert peak > uptake[0] + 0.05
    assert 0 < out["time_course"]["days"][i] <= 3
    assert uptake[-1] < peak - 0.05
    assert abs(uptake[-1] - uptake[0]) < 0.5 * (peak - uptake[0])
    # at steady state the pulse has faded
    assert out["outputs"]["iodide_uptake"] == pytest.approx(
        wt["outputs"]["iodide_uptake"], abs=1e-9
    )


def test_population_option_summarizes_a_seeded_draw(capsys):
    a = _run(capsys, "--genotype", "BRAF p.V600E", "--population", "300", "--seed", "4")
    b = _run(capsys, "--genotype", "BRAF p.V600E", "--population", "300", "--seed", "4")
    pop = a["population"]
    assert pop == b["population"]  # same seed, same numbers
    assert pop["n"] == 300
    assert pop["converged"] == 300
    u = pop["outputs"]["iodide_uptake"]
    assert 0 < u["p10"] < u["median"] < u["p90"] < 1  # graded, not a switch
    assert a["outputs"]["iodide_uptake"] > 0  # the typical single patient is still reported


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--population", "0"], "whole number in 1..100,000"),
        (["--population", "many"], "whole number in 1..100,000"),
        (["--population", "5", "--knockout", "PIGU"], "no --knockout or --overexpress"),
    ],
)
def test_bad_population_options_are_one_line(capsys, args, text):
    assert main(["simulate", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert text in err
    assert "\n" not in err


def test_negative_population_seed_is_one_line(capsys):
    """Regression: --seed -1 ended in a NumPy traceback."""
    assert main(["simulate", "--population", "5", "--seed", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "Invalid --seed -1" in err
    assert "\n" not in err
