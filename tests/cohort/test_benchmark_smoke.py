"""Smoke test: benchmarks/cohort.py runs end to end at a tiny size and prints its table."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest


def test_cohort_benchmark_runs_at_a_tiny_size(
    capsys: pytest.CaptureFixture[str], load_script: Callable[[str], ModuleType]
) -> None:
    module = load_script("benchmarks/cohort.py")
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
