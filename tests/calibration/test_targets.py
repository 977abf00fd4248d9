"""The calibration targets (src/rairlab/calibration/data/targets.yaml) are complete and valid.

Every knowledge-base outcome is either mapped to at least one target or excluded once with a
reason; every target names existing outcomes and trials, a loadable calibration spec, one of
its arms, an endpoint and an SQL `where` clause that runs on a real (small) run of the spec.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from rairlab.cohort import ENDPOINTS, LocalEngine, load_trial_spec, parse_trial_spec, run_trial

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "rairlab" / "calibration" / "data"
TRIALS = DATA / "trials"
KB = ROOT / "src" / "rairlab" / "knowledge" / "data" / "liu2023"
#: Patients per arm in the smoke runs of the specs (the calibration overrides n anyway).
N_SMALL = 16

TARGET_KEYS = {
    "id",
    "outcome_ids",
    "trial_ids",
    "statement",
    "spec",
    "arm",
    "endpoint",
    "where",
    "observed",
    "section",
    "note",
}
EXCLUDED_KEYS = {"outcome_id", "reason", "note"}
_REASON = re.compile(
    r"^(no denominator or proportion"
    r"|not simulable by the model: .+"
    r"|preclinical only"
    r"|duplicate of TGT-\d{3}"
    r"|survival/time-to-event endpoint"
    r"|other: .+)$"
)


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


DOC = _load(DATA / "targets.yaml")
TARGETS: list[dict[str, Any]] = DOC["targets"]
EXCLUDED: list[dict[str, Any]] = DOC["excluded"]
OUTCOMES: dict[str, dict[str, Any]] = {o["id"]: o for o in _load(KB / "outcomes.yaml")}
KB_TRIALS = {t["id"] for t in _load(KB / "trials.yaml")}
SPEC_FILES = sorted({t["spec"] for t in TARGETS})


def test_top_level_and_keys() -> None:
    assert set(DOC) == {"targets", "excluded"}
    for t in TARGETS:
        assert set(t) == TARGET_KEYS, t.get("id")
        for key in ("statement", "note", "section"):
            assert isinstance(t[key], str), (t["id"], key)
            assert t[key].strip(), (t["id"], key)
        assert isinstance(t["where"], str), t["id"]
    for e in EXCLUDED:
        assert set(e) == EXCLUDED_KEYS, e.get("outcome_id")
        assert isinstance(e["note"], str), e["outcome_id"]


def test_target_ids_unique_and_sequential() -> None:
    ids = [t["id"] for t in TARGETS]
    assert ids == [f"TGT-{i:03d}" for i in range(1, len(ids) + 1)]


def test_every_outcome_mapped_or_excluded_once() -> None:
    targeted = {o for t in TARGETS for o in t["outcome_ids"]}
    excluded = Counter(e["outcome_id"] for e in EXCLUDED)
    twice = sorted(o for o, c in excluded.items() if c > 1)
    assert not twice, f"excluded more than once: {twice}"
    both = sorted(targeted & set(excluded))
    assert not both, f"both targeted and excluded: {both}"
    assert targeted | set(excluded) == set(OUTCOMES), (
        f"missing: {sorted(set(OUTCOMES) - targeted - set(excluded))}; "
        f"unknown: {sorted((targeted | set(excluded)) - set(OUTCOMES))}"
    )
    for t in TARGETS:
        assert len(t["outcome_ids"]) == len(set(t["outcome_ids"])) > 0, t["id"]


def test_no_duplicate_targets() -> None:
    keys = [
        (
            tuple(t["outcome_ids"]),
            t["spec"],
            t["arm"],
            t["endpoint"],
            t["where"],
            tuple(sorted(t["observed"].items())),
        )
        for t in TARGETS
    ]
    assert len(keys) == len(set(keys))


def test_exclusion_reasons() -> None:
    target_ids = {t["id"] for t in TARGETS}
    for e in EXCLUDED:
        assert _REASON.match(e["reason"]), (e["outcome_id"], e["reason"])
        dup = re.match(r"^duplicate of (TGT-\d{3})$", e["reason"])
        if dup:
            assert dup.group(1) in target_ids, e["outcome_id"]


def test_trial_ids_exist() -> None:
    for t in TARGETS:
        unknown = set(t["trial_ids"]) - KB_TRIALS
        assert not unknown, (t["id"], unknown)


def test_sections_match_knowledge_base() -> None:
    """A target's section is the section of one of its outcomes."""
    for t in TARGETS:
        sections = {str(OUTCOMES[o]["section"]) for o in t["outcome_ids"]}
        assert t["section"] in sections, (t["id"], t["section"], sections)


def test_observed() -> None:
    for t in TARGETS:
        obs = t["observed"]
        if "k" in obs:
            assert set(obs) == {"k", "n"}, t["id"]
            assert isinstance(obs["k"], int), t["id"]
            assert isinstance(obs["n"], int), t["id"]
            assert obs["n"] > 0, t["id"]
            assert 0 <= obs["k"] <= obs["n"], t["id"]
        else:
            assert set(obs) == {"p", "n"}, t["id"]
            assert obs["n"] is None, t["id"]
            assert isinstance(obs["p"], (int, float)), t["id"]
            assert 0 <= obs["p"] <= 1, t["id"]


def test_endpoints_and_arms() -> None:
    for t in TARGETS:
        assert t["endpoint"] in ENDPOINTS, t["id"]
        path = TRIALS / t["spec"]
        assert path.is_file(), t["id"]
        spec = load_trial_spec(path)
        assert t["arm"] in {a.name for a in spec.arms}, (t["id"], t["arm"])


def test_every_spec_file_is_used_and_has_header() -> None:
    files = sorted(p.name for p in TRIALS.glob("*.yaml"))
    assert files == SPEC_FILES
    for name in files:
        text = (TRIALS / name).read_text(encoding="utf-8")
        assert text.startswith("# "), name
        spec = load_trial_spec(TRIALS / name)
        assert spec.population.n >= 100, name


@pytest.mark.parametrize("name", SPEC_FILES)
def test_where_clauses_run(name: str, tmp_path: Path) -> None:
    """Run the spec with a few patients; every target's `where` is valid SQL on its table."""
    raw = _load(TRIALS / name)
    raw["population"] = {**raw["population"], "n": N_SMALL}
    run = tmp_path / "run"
    run_trial(parse_trial_spec(raw), run, engine=LocalEngine(1))
    con = duckdb.connect()
    try:
        glob = str(run / "patients" / "*.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW patients AS SELECT * FROM read_parquet('{glob}')")
        for t in (t for t in TARGETS if t["spec"] == name):
            where = t["where"].strip() or "TRUE"
            (count,) = con.execute(
                f"SELECT count(*) FROM patients WHERE arm = ? AND ({where})", [t["arm"]]
            ).fetchone()
            assert 0 <= count <= N_SMALL, t["id"]
            (total,) = con.execute(
                "SELECT count(*) FROM patients WHERE arm = ?", [t["arm"]]
            ).fetchone()
            assert total == N_SMALL, t["id"]
            # the endpoint is a boolean column of the table
            con.execute(f"SELECT avg({t['endpoint']}::INT) FROM patients WHERE arm = ?", [t["arm"]])
    finally:
        con.close()


def test_package_loader_reads_every_target_and_exclusion() -> None:
    from rairlab.calibration import load_targets

    t = load_targets()
    assert [x.id for x in t.targets] == [x["id"] for x in TARGETS]
    assert len(t.excluded) == len(EXCLUDED)
    assert all(0 <= x.observed.proportion <= 1 for x in t.targets)
    assert t.targets[0].trial().arms


def test_public_surface_is_all() -> None:
    import rairlab.calibration as cal

    assert {"Exclusion", "Observation", "Target", "Targets", "load_targets"} <= set(cal.__all__)
    assert {"calibrate", "validate", "load_problem", "simulate_targets"} <= set(cal.__all__)
    for name in cal.__all__:
        assert getattr(cal, name).__doc__, name
