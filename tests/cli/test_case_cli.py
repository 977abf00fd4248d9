"""`rairlab case CASE.yaml` and `rairlab report CASE.yaml`: tables or JSON, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rairlab import RESEARCH_USE_NOTICE
from rairlab.cli import main

SMALL = {
    "genotype": "BRAF V600E",
    "drugs": [{"name": "dabrafenib"}, {"name": "trametinib"}],
    "lesions": [{"name": "lung nodule", "mass_g": 1.5}, {"volume_ml": 4, "site": "bone"}],
    "n": 60,
    "network": "steady_state",
}


def _write(tmp_path: Path, data: object, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _reject_constant(name: str) -> float:
    raise AssertionError(f"non-standard JSON constant {name}")


def test_json_output_is_strict_and_carries_the_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["case", str(_write(tmp_path, SMALL)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=_reject_constant)
    assert data["notice"] == RESEARCH_USE_NOTICE
    assert [les["name"] for les in data["lesions"]] == ["lung nodule", "lesion 2"]
    on = data["patients"]["uptake"]["on"]
    assert on["p5"] <= on["median"] <= on["p95"]


def test_tables_show_the_intervals_and_the_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["case", str(_write(tmp_path, SMALL))]) == 0
    out = capsys.readouterr().out
    for words in ("Patients", "Network outputs", "NIS_membrane", "lung nodule", "NCT02152995"):
        assert words in out
    assert "Research use only" in out


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({**SMALL, "lesions": [{"mass_g": 0}]}, "lesions[0].mass_g (0)"),
        ({**SMALL, "drugs": [{"name": "dabrafinib"}]}, "Did you mean 'dabrafenib'?"),
        ({**SMALL, "tsh": "sometimes"}, "tsh ('sometimes')"),
        (["not", "a", "mapping"], "expected a mapping"),
    ],
)
def test_a_bad_field_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: object, words: str
) -> None:
    path = _write(tmp_path, data)
    assert main(["case", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"error: {path}: ")
    assert words in captured.err
    assert captured.out == ""


def test_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["case", str(tmp_path / "none.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot read the tumour case" in err


def test_report_writes_the_case_report_beside_the_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, SMALL, "braf.yml")
    assert main(["report", str(path), "--json"]) == 0
    out = Path(json.loads(capsys.readouterr().out)["path"])
    assert out == tmp_path / "braf.report.html"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text.count(RESEARCH_USE_NOTICE) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["braf.report.html", "braf.yml"]


def test_report_of_a_bad_case_or_output_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path, {**SMALL, "n": 1})
    assert main(["report", str(bad)]) == 2
    assert "n (1)" in capsys.readouterr().err
    good = _write(tmp_path, SMALL, "good.yaml")
    assert main(["report", str(good), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "ending in .html" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml", "good.yaml"]
