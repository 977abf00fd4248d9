"""The shipped calibration: fitted set, its run's result, the limits and docs/validation.md agree.

A change to the calibration problem or targets without a new calibration, a miss without a
named structural limit, or a hand edit of docs/validation.md fails here.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rairlab._parameters import FITTED_PATH, fitted_document, parameter_set
from rairlab.calibration import load_problem
from rairlab.calibration._docs import SHIPPED_RUN, load_limits, render
from rairlab.calibration._rundir import problem_fingerprint
from rairlab.cohort import load_cohort_data
from rairlab.network import load_population_spec

ROOT = Path(__file__).resolve().parents[2]
RESULT = json.loads(SHIPPED_RUN.read_text(encoding="utf-8"))
FITTED = fitted_document()


def test_the_fitted_set_belongs_to_the_current_problem() -> None:
    problem = load_problem()
    assert FITTED["provenance"] == "fitted"
    assert [p["name"] for p in FITTED["parameters"]] == problem.names
    assert FITTED["manifest"]["problem_sha256"] == problem_fingerprint(problem)
    assert RESULT["manifest"]["problem_sha256"] == problem_fingerprint(problem)
    assert FITTED["version"] == RESULT["manifest"]["finished"]


def test_fitted_values_lie_in_their_bounds_and_intervals() -> None:
    for fp, rec in zip(load_problem().parameters, FITTED["parameters"], strict=True):
        lo, hi = fp.bounds
        assert lo <= rec["value"] <= hi, fp.name
        assert rec["ci95"][0] <= rec["value"] <= rec["ci95"][1], fp.name


def test_loaders_use_the_fitted_set_by_default() -> None:
    values = {p["name"]: p["value"] for p in FITTED["parameters"]}
    assert parameter_set().as_dict() == values
    spec = {p.name: p for p in load_population_spec().parameters}
    data = load_cohort_data()
    for name, value in values.items():
        domain, rest = name.split(".", 1)
        if domain == "population":
            record, field = rest.split(".")
            assert spec[record].params[field] == pytest.approx(value)
            assert spec[record].provenance == "fitted"
        elif domain == "patient":
            record, field = rest.split(".")
            assert data.patient[record].params[field] == pytest.approx(value)


def test_every_target_is_reported_and_every_miss_has_a_named_limit() -> None:
    problem = load_problem()
    assert [r["id"] for r in RESULT["targets"]] == [t.id for t in problem.targets]
    limits = load_limits()
    named = {t for rec in limits.values() for t in rec["targets"]}
    assert named <= {t.id for t in problem.targets}
    misses = {r["id"] for r in RESULT["targets"] if not r["inside"]}
    assert misses <= named, f"misses without a structural limit: {sorted(misses - named)}"


def test_members_are_in_the_fitted_file_for_validate() -> None:
    members = FITTED["members"]
    assert members
    names = set(load_problem().names)
    assert all(set(m["values"]) == names for m in members)


def test_validation_page_is_generated_from_the_shipped_run() -> None:
    page = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert page == render(RESULT), "regenerate: python -m rairlab.calibration._docs"
    assert (ROOT / "docs" / "validation.png").stat().st_size > 10_000


def test_fitted_file_is_plain_yaml_next_to_its_run() -> None:
    assert FITTED_PATH.with_name("calibration.json") == SHIPPED_RUN
    doc = yaml.safe_load(FITTED_PATH.read_text(encoding="utf-8"))
    assert doc["loglik"] == RESULT["loglik"]


def test_fingerprint_follows_numbers_not_prose() -> None:
    problem = load_problem()
    base = problem_fingerprint(problem)
    first, rest = problem.targets[0], problem.targets[1:]

    def with_first(target: Any) -> str:
        return problem_fingerprint(dataclasses.replace(problem, targets=(target, *rest)))

    assert (
        with_first(first.model_copy(update={"statement": "Said otherwise.", "note": "x"})) == base
    )
    assert with_first(first.model_copy(update={"section": first.section + ".9"})) != base
