"""Smoke test of ``benchmarks/network.py``: its quick mode runs and reports both tools' errors.

Speed is not asserted (see ``benchmarks/``); this checks that the harness still runs
on the public API and that every row carries its error against the reference. It
runs libRoadRunner in this process (``workers=1``); loading the SBML alone takes a
few seconds, hence the ``slow`` marker.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

pytest.importorskip("roadrunner", reason="libroadrunner is part of the sbml extra")
pytest.importorskip("scipy", reason="the steady-state reference uses scipy.optimize.root")

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "network.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rairlab_network_benchmark", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quick_benchmark_reports_errors_of_both_tools() -> None:
    bench = _load()
    result = bench.run_benchmark([6], ref_patients=3, workers=1, quick=True)
    table = result.table()
    header = next(line for line in table.splitlines() if line.startswith("| task"))
    for column in ("max err", "median err", "thr/proc", "cond. build s", "peak RSS GiB"):
        assert column in header
    cases = {(r.task, r.engine) for r in result.rows}
    assert cases == {
        (task, engine)
        for task in ("steady state", "time course")
        for engine in ("rairlab", "libRoadRunner")
    }
    for row in result.rows:
        assert row.seconds is not None
        assert not row.estimated
        assert row.max_err is not None
        assert np.isfinite(row.max_err)
        assert row.median_err is not None
        assert row.median_err <= row.max_err
    for cal in result.calibrations:
        # equal accuracy: the chosen libRoadRunner setting reached rairlab's error
        if "none reaches" not in cal.chosen:
            assert cal.tried[cal.chosen][0] <= cal.target
