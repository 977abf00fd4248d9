"""`rairlab trial run | plot` and `rairlab results query` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rairlab.cli import main


class _Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.exit_code, self.stdout, self.output = code, out, out + err


class _Runner:
    """`main(argv)` with captured output (the CLI's own error boundary, as users get it)."""

    def invoke(self, _app: object, argv: list[str]) -> _Result:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        return _Result(code, out.getvalue(), err.getvalue())


runner = _Runner()
app = None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli")
    spec = {
        "name": "cli trial",
        "seed": 3,
        "population": {"setting": "distant_metastatic", "n": 30, "refractory": False},
        "arms": [
            {"name": "A", "therapy": {"activity_mbq": 3700}},
            {
                "name": "B",
                "drugs": [{"name": "selumetinib", "dose_mg": 75, "per_day": 2}],
                "drug_weeks": 4,
            },
        ],
        "simulation": {"network": "steady_state"},
    }
    (base / "spec.yaml").write_text(yaml.safe_dump(spec))
    out = base / "run"
    res = runner.invoke(
        app,
        ["trial", "run", str(base / "spec.yaml"), "--out", str(out), "--workers", "1", "--json"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["arms"]["A"]["response"]["n"] == 30
    assert "Research use only" in data["notice"]
    return out


def test_results_query_runs_sql_over_the_tables(run_dir: Path) -> None:
    res = runner.invoke(
        app,
        [
            "results",
            "query",
            str(run_dir),
            "SELECT arm, count(*) AS n FROM patients GROUP BY arm ORDER BY arm",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["columns"] == ["arm", "n"]
    assert data["rows"] == [["A", 30], ["B", 30]]
    res = runner.invoke(
        app,
        [
            "results",
            "query",
            str(run_dir),
            "SELECT count(*) FROM lesions l JOIN patients p USING (arm, patient)",
        ],
    )
    assert res.exit_code == 0, res.output


def test_bad_sql_is_one_line_and_exit_2(run_dir: Path) -> None:
    res = runner.invoke(app, ["results", "query", str(run_dir), "SELEC nothing"])
    assert res.exit_code == 2
    assert "Traceback" not in res.output


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_writes_the_figure(run_dir: Path, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"fig.{suffix}"
    res = runner.invoke(app, ["trial", "plot", str(run_dir), "-o", str(target)])
    assert res.exit_code == 0, res.output
    head = target.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<?xml" in head


def _spec_file(tmp_path: Path, **change: Any) -> Path:
    spec: dict[str, Any] = {
        "name": "x",
        "seed": 1,
        "population": {"n": 10},
        "arms": [{"name": "a"}],
    }
    spec.update(change)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"population": {"n": -5}}, "population.n"),
        (
            {"arms": [{"name": "a", "drugs": [{"name": "dabrafinib"}], "drug_weeks": 2}]},
            "Did you mean 'dabrafenib'",
        ),
        ({"population": {"n": 5, "genotype": {"BRAF V600E": 0.7}}}, "sum to 0.7"),
    ],
)
def test_bad_spec_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, change: dict[str, Any], words: str
) -> None:
    out = tmp_path / "run"
    res = runner.invoke(
        app, ["trial", "run", str(_spec_file(tmp_path, **change)), "--out", str(out)]
    )
    assert res.exit_code == 2
    assert words in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_engine_and_bad_chunk_size_exit_2(tmp_path: Path) -> None:
    spec = _spec_file(tmp_path)
    res = runner.invoke(
        app, ["trial", "run", str(spec), "--out", str(tmp_path / "r"), "--engine", "spark"]
    )
    assert res.exit_code == 2
    assert "engine" in res.output
    res = runner.invoke(
        app, ["trial", "run", str(spec), "--out", str(tmp_path / "r"), "--chunk-size", "1000"]
    )
    assert res.exit_code == 2
    assert "multiple of 1024" in res.output
    assert not (tmp_path / "r").exists()


def test_dose_of_a_drug_without_reference_regimen_fails_before_writing(tmp_path: Path) -> None:
    arm = {"name": "a", "drugs": [{"name": "forskolin", "dose_mg": 10}], "drug_weeks": 1}
    out = tmp_path / "run"
    res = runner.invoke(
        app, ["trial", "run", str(_spec_file(tmp_path, arms=[arm])), "--out", str(out)]
    )
    assert res.exit_code == 2
    assert "reference regimen" in res.output
    assert not out.exists()
