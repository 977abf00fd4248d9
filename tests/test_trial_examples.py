"""Every example trial spec in examples/trials/ loads, names its trial and runs (small n);
docs/trials.md names every spec field and its SQL examples run.

The list of examples is a glob, so a new example file is tested without editing this module.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from rairlab.cli import main
from rairlab.cohort import ENDPOINTS, LocalEngine, load_trial_spec, parse_trial_spec, run_trial
from rairlab.cohort._spec import Arm, DrugDose, Population, Simulation, Therapy, TrialSpec
from rairlab.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
TRIALS = ROOT / "examples" / "trials"
DOC = (ROOT / "docs" / "trials.md").read_text(encoding="utf-8")
EXAMPLES = sorted(TRIALS.glob("*.yaml"))
#: Patients per arm in the smoke runs (the files hold the real trial sizes).
N_SMALL = 16
_NCT = re.compile(r"\bNCT\d{8}\b")


def _header(path: Path) -> str:
    """The comment block at the top of a spec file."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# "))
    return "\n".join(lines)


def _small(path: Path) -> Any:
    spec = load_trial_spec(path)
    data = spec.model_dump(mode="json")
    return parse_trial_spec({**data, "population": {**data["population"], "n": N_SMALL}})


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_header_names_the_trial(path: Path) -> None:
    header = _header(path)
    assert header.startswith("Emulates:"), "the header starts with what trial it emulates"
    assert _NCT.search(header) or "No NCT id:" in header, "an NCT id, or why there is none"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_reference_points_into_the_knowledge_base(path: Path) -> None:
    ref = load_trial_spec(path).reference
    assert {"trial", "citation", "outcome_ids"} <= set(ref)
    assert str(ref["citation"]).strip()
    kb = load_knowledge()
    known = {o.id for o in kb.outcomes}
    assert set(ref["outcome_ids"]) <= known, set(ref["outcome_ids"]) - known
    trial = ref["trial"]
    assert trial is None or _NCT.fullmatch(trial) or kb.find_trial(trial) is not None
    if trial is not None and trial.startswith("NCT"):
        assert trial in _header(path)
    if "kb_trial" in ref:
        assert kb.find_trial(ref["kb_trial"]) is not None, ref["kb_trial"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_with_a_consistent_summary(path: Path, tmp_path: Path) -> None:
    spec = _small(path)
    summary = run_trial(spec, tmp_path / "run", engine=LocalEngine(1))
    assert set(summary["arms"]) == {a.name for a in spec.arms}
    for arm, rows in summary["arms"].items():
        assert set(rows) == set(spec.endpoints), arm
        for endpoint, r in rows.items():
            where = f"{arm} / {endpoint}"
            assert r["n"] == N_SMALL, where
            assert 0 <= r["k"] <= r["n"], where
            assert r["p"] == pytest.approx(r["k"] / r["n"], abs=1e-12), where
            lo, hi = r["ci95"]
            assert 0.0 <= lo <= r["p"] <= hi <= 1.0, where
    assert len(summary["differences"]) == len(spec.arms) - 1


def test_docs_name_every_spec_field_and_endpoint() -> None:
    for model in (TrialSpec, Population, Arm, DrugDose, Therapy, Simulation):
        for field in model.model_fields:
            assert f"`{field}`" in DOC, f"{model.__name__}.{field} is not in docs/trials.md"
    for endpoint in ENDPOINTS:
        assert f"| `{endpoint}` |" in DOC, f"endpoint {endpoint} has no row in docs/trials.md"


def test_docs_sql_examples_run(tmp_path: Path) -> None:
    """Each `rairlab results query DIR "SQL"` of docs/trials.md runs on the example they use."""
    queries = re.findall(r'^rairlab results query runs/ho2013 "(.+)"$', DOC, flags=re.M)
    assert len(queries) >= 5
    out = tmp_path / "ho2013"
    run_trial(_small(TRIALS / "ho2013_selumetinib.yaml"), out, engine=LocalEngine(1))
    for sql in queries:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
            code = main(["results", "query", str(out), sql, "--json"])
        assert code == 0, sql
        assert json.loads(buf.getvalue())["columns"], sql
