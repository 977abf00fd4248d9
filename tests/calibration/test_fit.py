"""Calibration machinery: problem transforms, likelihood, intervals, a small fit, resume.

The fits here use a small problem (two parameters, 32 patients per spec, a few
evaluations) so that they test the machinery, not the calibrated values.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.stats import binom, chi2

from rairlab.calibration import (
    assess,
    calibrate,
    confidence_threshold,
    load_problem,
    load_targets,
    prediction_interval,
    prior_value,
    simulate_targets,
)
from rairlab.calibration._targets import DATA_DIR
from rairlab.errors import DataFileError, InputFileError

QUICK = DATA_DIR / "problem-quick.yaml"
SMALL = yaml.safe_load(QUICK.read_text(encoding="utf-8"))


@pytest.fixture
def small_problem(tmp_path: Path):
    load_problem.cache_clear()
    yield load_problem(QUICK)
    load_problem.cache_clear()


def test_shipped_problem_names_numbers_of_the_data_files() -> None:
    p = load_problem()
    assert p.dimension == len(set(p.names)) >= 8
    prior = p.prior()
    assert prior["population.braf_strength.median"] == 0.8
    for fp in p.parameters:
        lo, hi = fp.bounds
        assert lo <= prior[fp.name] <= hi, fp.name


def test_transforms_round_trip_and_clip_to_bounds() -> None:
    p = load_problem()
    prior = p.prior()
    back = p.to_natural(p.to_unbounded(prior))
    for k, v in prior.items():
        assert back[k] == pytest.approx(v, rel=1e-12)
    far = p.to_natural(np.full(p.dimension, 50.0))
    for fp in p.parameters:
        assert far[fp.name] == fp.bounds[1]


def test_bad_problem_file_names_the_field(tmp_path: Path) -> None:
    bad = {**SMALL, "parameters": [{**SMALL["parameters"][0], "name": "patient.height.median"}]}
    path = tmp_path / "problem.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"patient\.height\.median"):
        load_problem(path)
    bad = {**SMALL, "parameters": [{**SMALL["parameters"][1], "bounds": [0.5, 2.0]}]}
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(DataFileError, match="logit"):
        load_problem(path)


def test_likelihood_is_the_binomial_pmf() -> None:
    p = load_problem()
    t = next(t for t in p.targets if t.observed.n is not None)
    ll = p.log_likelihood_one(t, (30, 100))
    assert ll == pytest.approx(binom.logpmf(t.observed.k, t.observed.n, 0.3), rel=1e-10)
    # a simulated 0 of N counts as 1/(2N), never log(0)
    assert np.isfinite(p.log_likelihood_one(t, (0, 100)))
    printed = next(t for t in p.targets if t.observed.n is None)
    k, n = p.observed(printed)
    assert n == p.printed_n
    assert k == pytest.approx(printed.observed.p * n)


def test_prior_value_reads_each_domain() -> None:
    assert prior_value("patient.alpha_per_gy.median") == 0.35
    assert prior_value("scan.i131_wbs_mda_kbq") == 20.0


def test_prediction_interval_is_the_union_of_exact_binomial_intervals() -> None:
    lo, hi = prediction_interval([0.3], 15)
    assert (round(lo * 15), round(hi * 15)) == (1, 8)  # binom.ppf(0.025/0.975, 15, 0.3)
    lo2, hi2 = prediction_interval([0.1, 0.3, 0.6], 15)
    assert lo2 == prediction_interval([0.1], 15)[0]
    assert hi2 == prediction_interval([0.6], 15)[1]
    assert confidence_threshold(1) == pytest.approx(chi2.ppf(0.95, 1) / 2)


def test_prediction_interval_covers_a_true_binomial(small_problem) -> None:
    """With the simulated proportion equal to the truth, >= 95% of observations fall inside."""
    sims = [{x.id: (30, 100) for x in small_problem.targets}]
    out = assess(small_problem, sims, sims[0])
    for t in small_problem.targets:
        if t.observed.n is None:
            continue
        row = next(r for r in out["targets"] if r["id"] == t.id)
        lo, hi = row["simulated"]["prediction95"]
        n = t.observed.n
        k = np.arange(n + 1)
        inside = (k / n >= lo - 1e-12) & (k / n <= hi + 1e-12)
        assert binom.pmf(k[inside], n, 0.3).sum() >= 0.95


def test_simulate_targets_counts_every_target(small_problem) -> None:
    sim = simulate_targets(small_problem, small_problem.prior())
    assert set(sim) == {t.id for t in small_problem.targets}
    assert len(small_problem.targets) == 4 < len(load_targets().targets)
    for t in small_problem.targets:
        k, n = sim[t.id]
        assert 0 <= k <= n
    again = simulate_targets(small_problem, small_problem.prior())
    assert again == sim  # common random numbers: the same patients every time


def test_small_calibration_runs_and_improves_on_the_prior(small_problem, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = calibrate(out, workers=1, draws=4, variants=True, problem=small_problem)
    prior_sim = simulate_targets(small_problem, small_problem.prior())
    prior_ll = sum(small_problem.log_likelihood(prior_sim).values())
    assert result["loglik"] >= prior_ll
    assert {p["name"] for p in result["parameters"]} == set(small_problem.names)
    assert len(result["targets"]) == len(small_problem.targets)
    cv = result["cross_validation"]
    assert {s["study"] for s in cv["studies"]} == {t.spec for t in small_problem.targets}
    assert 0.0 <= cv["inside_fraction"] <= 1.0
    for p in result["parameters"]:
        lo, hi = p["ci95"]
        assert lo <= p["value"] <= hi  # the best point is in its own confidence set
    variants = {v["variant"]: v for v in result["variants"]}
    assert variants["default"]["loglik"] == pytest.approx(result["loglik"], abs=1e-3)
    assert "ra-no-nis-induction" in variants
    assert min(v["delta_aic"] for v in variants.values()) == 0.0
    fitted = yaml.safe_load((out / "fitted.yaml").read_text(encoding="utf-8"))
    assert fitted["provenance"] == "fitted"
    assert [p["name"] for p in fitted["parameters"]] == small_problem.names
    # a second run into the same directory without --resume is refused
    with pytest.raises(InputFileError, match="resume"):
        calibrate(out, workers=1, draws=4, variants=True, problem=small_problem)
    # resuming a finished run recomputes nothing and gives the same result
    n_rows = len((out / "evaluations.jsonl").read_text().splitlines())
    again = calibrate(out, resume=True, workers=1, draws=4, variants=True, problem=small_problem)
    assert len((out / "evaluations.jsonl").read_text().splitlines()) == n_rows
    assert again["parameters"] == result["parameters"]


def test_a_torn_last_log_line_is_dropped_on_resume(small_problem, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = calibrate(out, workers=1, draws=4, variants=False, problem=small_problem)
    log = out / "evaluations.jsonl"
    lines = log.read_text().splitlines()
    # as a kill mid-write leaves it: the last rows lost, a half-written row at the end
    log.write_text("\n".join(lines[:3]) + "\n" + lines[3][: len(lines[3]) // 2])
    for state in out.glob("state-*.pkl"):
        state.unlink()
    again = calibrate(out, resume=True, workers=1, draws=4, variants=False, problem=small_problem)
    assert again["parameters"] == first["parameters"]
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(rows) == len(lines)


@pytest.mark.slow
def test_calibrate_survives_sigkill_and_resumes_to_the_same_result(
    small_problem, tmp_path: Path
) -> None:
    """`rairlab calibrate` killed with SIGKILL mid-fit, then --resume, equals a clean run."""
    script = tmp_path / "cal.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from rairlab.calibration import calibrate, load_problem\n"
        "if __name__ == '__main__':\n"
        "    out, mode, problem = sys.argv[1:]\n"
        "    calibrate(out, resume=mode == 'resume', workers=1, draws=4, variants=False,\n"
        "              problem=load_problem(Path(problem)))\n"
    )
    problem_path = str(small_problem.path)
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(script), str(killed), "new", problem_path])
    log = killed / "evaluations.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if log.exists() and len(log.read_text().splitlines()) >= 4:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "calibration.json").exists()
    subprocess.run([sys.executable, str(script), str(killed), "resume", problem_path], check=True)
    clean = calibrate(tmp_path / "clean", workers=1, draws=4, variants=False, problem=small_problem)
    resumed = json.loads((killed / "calibration.json").read_text())
    assert resumed["parameters"] == json.loads(json.dumps(clean["parameters"]))


def test_validate_assesses_the_fitted_members(small_problem, monkeypatch) -> None:
    import rairlab.calibration._validate as v

    prior = small_problem.prior()
    doc = {
        "version": "test",
        "parameters": [{"name": k, "value": x} for k, x in prior.items()],
        "members": [{"values": prior}],
    }
    monkeypatch.setattr(v, "fitted_document", lambda: doc)
    monkeypatch.setattr(v, "load_problem", lambda: small_problem)
    out = v.validate(workers=1)
    assert out["n_targets"] == len(small_problem.targets) == len(out["targets"])
    assert out["inside"] == sum(r["inside"] for r in out["targets"])
    assert out["parameters"] == "fitted"


def test_a_key_written_twice_in_a_problem_file_is_refused(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys; a calibration file must not lose one silently."""
    path = tmp_path / "problem.yaml"
    text = yaml.safe_dump(SMALL)
    path.write_text(text + "parameters: []\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="'parameters' written twice"):
        load_problem(path)
