"""`rairlab calibrate` and `rairlab validate` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rairlab.calibration import load_problem
from rairlab.calibration._targets import DATA_DIR
from rairlab.cli import main

QUICK = DATA_DIR / "problem-quick.yaml"


def test_calibrate_json_on_the_quick_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = ["calibrate", "--problem", str(QUICK), "--out", str(out), "--draws", "4"]
    assert main([*args, "--workers", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert "Research use only" in payload["notice"]
    assert [t["id"] for t in payload["targets"]] == [t.id for t in load_problem(QUICK).targets]
    assert (out / "fitted.yaml").is_file()
    assert (out / "calibration.json").is_file()
    # the same directory again without --resume: one line, exit 2
    assert main([*args, "--workers", "1"]) == 2
    assert "--resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["calibrate", "--draws", "1"], "--draws"),
        (["calibrate", "--workers", "0"], "--workers"),
        (["calibrate", "--problem", "no-such-problem.yaml"], "no such problem file"),
        (["validate", "--workers", "0"], "--workers"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ["--out", str(tmp_path / "run")] if args[0] == "calibrate" else []
    assert main([*args, *out]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err
    assert len(err.splitlines()) == 1


def test_validate_prints_every_target(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rairlab.calibration._validate as v

    problem = load_problem(QUICK)
    prior = problem.prior()
    doc = {"version": "t", "parameters": [], "members": [{"values": prior}]}
    monkeypatch.setattr(v, "fitted_document", lambda: doc)
    monkeypatch.setattr(v, "load_problem", lambda: problem)
    assert main(["validate", "--workers", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["n_targets"] == len(problem.targets)
    assert {"observed", "simulated", "inside"} <= set(payload["targets"][0])
    assert main(["validate", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "prediction interval" in text
    assert "TGT-015" in text
