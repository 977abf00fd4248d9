"""Smoke test: benchmarks/calibration.py runs end to end on its quick problem."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest


def test_calibration_benchmark_runs_quick(
    capsys: pytest.CaptureFixture[str], load_script: Callable[[str], ModuleType]
) -> None:
    module = load_script("benchmarks/calibration.py")
    result = module.main(["--quick", "--workers", "1"])
    out = capsys.readouterr().out
    assert "| fit |" in out
    assert "| total |" in out
    assert "goal: full calibration <= 600 s" in out
    assert result.evaluations >= 8
    assert result.wall > 0
