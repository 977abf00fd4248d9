"""Smoke test: benchmarks/cohort.py runs end to end at a tiny size and prints its table."""

from __future__ import annotations

import sys
from importlib import util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "cohort.py"


def test_cohort_benchmark_runs_at_a_tiny_size(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = util.spec_from_file_location("_cohort_benchmark", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look the module up
    spec.loader.exec_module(module)
    argv = ["--sizes", "1024", "--time-course-sizes", "", "--engines", "local-1"]
    result = module.main([*argv, "--repeats", "1", "--no-probe"])
    out = capsys.readouterr().out
    assert "| steady_state | local | 1 | 1 | 1,024 |" in out
    assert "os.cpu_count()" in out
    assert "goal checks (steady_state):" in out
    (row,) = result.rows
    assert row.n == 1024
    assert row.wall > 0
    assert row.note == "reference summary"
