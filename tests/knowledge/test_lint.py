"""`lint`: the clean fixture passes, and each check catches the fault it is for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rairlab.cli import main
from rairlab.knowledge import CHECKS, KnowledgeBase, Problem, lint

Mutator = Callable[[str, Callable[[Any], Any]], Path]


def _find(data: list[dict[str, Any]], rid: str) -> dict[str, Any]:
    return next(r for r in data if rid in (r.get("id"), r.get("symbol"), r.get("key")))


def _set(rid: str, **fields: Any) -> Callable[[Any], None]:
    return lambda data: _find(data, rid).update(fields)


def _dup_first(data: list[dict[str, Any]]) -> None:
    data.append(dict(data[0]))


def _drop(field: str, value: str) -> Callable[[Any], Any]:
    return lambda data: [r for r in data if r.get(field) != value]


SYNONYMS = "drug_names/synonyms.yaml"


def _add_name(agent: str, name: str, source: str = "fda") -> Callable[[Any], None]:
    """Give `agent` one more name in drug_names/synonyms.yaml."""
    entry = {"name": name, "kind": "brand", "source": source, "ref": "a label"}
    return lambda data: next(r for r in data if r["agent"] == agent)["names"].append(entry)


# (check, file, edit, severity, record, text expected in the message)
FAULTS: list[tuple[str, str, Callable[[Any], Any], str, str | None, str]] = [
    ("check_missing_files", "facts.yaml", lambda d: None, "error", None, "missing"),
    ("check_ids", "agents.yaml", _dup_first, "error", "DRG-016", "appears 2 times"),
    ("check_ids", "outcomes.yaml", _set("OUT-055", id="OUT-55"), "error", "OUT-55", "match"),
    ("check_citations", "outcomes.yaml", _set("OUT-055", citations=[]), "error", "OUT-055",
     "cites no reference"),
    ("check_citations", "interactions.yaml", _set("INT-009", citations=["durante2081"]),
     "error", "INT-009", "unknown reference key 'durante2081'"),
    ("check_citations", "alterations.yaml",
     lambda d: _find(d, "ALT-001")["prevalence"][0].update(citations=["nobody1999"]),
     "error", "ALT-001", "prevalence[0]: unknown reference key"),
    ("check_citations", "facts.yaml", _set("PHY-001", citations=["chung2020"]), "warning",
     "PHY-001", "uncited: true"),
    ("check_gene_symbols", "agents.yaml", _set("DRG-016", targets=["BRAFF"]), "error",
     "DRG-016", "'BRAFF' is not in genes.yaml"),
    ("check_gene_symbols", "biomarkers.yaml", _set("BMK-013", genes=["GLUT1"]), "error",
     "BMK-013", "alias; write the symbol 'SLC2A1'"),
    ("check_gene_symbols", "alterations.yaml", _set("ALT-106", partner="CCDC7"), "error",
     "ALT-106", "'CCDC7'"),
    ("check_gene_symbols", "interactions.yaml", _set("INT-009", target="NISX"), "error",
     "INT-009", "'NISX' is not in genes.yaml"),
    ("check_interaction_ends", "interactions.yaml", _set("INT-001", target="iodide uptake"),
     "error", "INT-001", "write its id 'iodide_uptake'"),
    ("check_nct_ids", "trials.yaml", _set("TRL-001", nct_id="NCT0215299"), "error", "TRL-001",
     "not an NCT id"),
    ("check_nct_ids", "agents.yaml", _set("DRG-016", trials=["nct01723202"]), "error",
     "DRG-016", "not an NCT id"),
    ("check_conflicts", "interactions.yaml", _set("INT-152", conflicts_with=[]), "error",
     "INT-009", "does not list INT-009"),
    ("check_conflicts", "interactions.yaml", _set("INT-001", conflicts_with=["INT-999"]),
     "error", "INT-001", "unknown interaction INT-999"),
    ("check_alteration_links", "alterations.yaml", _set("ALT-101", parent="ALT-099"), "error",
     "ALT-101", "parent: unknown alteration ALT-099"),
    ("check_alteration_links", "alterations.yaml", _set("ALT-004", components=["ALT-001"]),
     "error", "ALT-004", ">= 2 components"),
    ("check_alteration_links", "alterations.yaml", _set("ALT-003", parent="ALT-101"), "error",
     "ALT-101", "loops back"),
    ("check_outcome_links", "outcomes.yaml", _set("OUT-055", agents=["DRG-999"]), "error",
     "OUT-055", "unknown agent DRG-999"),
    ("check_outcome_links", "outcomes.yaml", _set("OUT-055", alterations=["ALT-999"]), "error",
     "OUT-055", "unknown alteration ALT-999"),
    ("check_outcome_links", "outcomes.yaml", _set("OUT-055", trial_ids=["NCT99999999"]),
     "error", "OUT-055", "NCT99999999 is not in trials.yaml"),
    ("check_agent_links", "agents.yaml", _set("DRG-090", members=["DRG-017", "DRG-998"]),
     "error", "DRG-090", "unknown agent DRG-998"),
    ("check_agent_links", "agents.yaml", _set("DRG-016", trials=["NCT12345678"]), "error",
     "DRG-016", "NCT12345678 is not in trials.yaml"),
    ("check_agent_links", "trials.yaml", _set("TRL-001", agents=["DRG-777"]), "error",
     "TRL-001", "unknown agent DRG-777"),
    ("check_name_collisions", "alterations.yaml", _set("ALT-106", aliases=["V600E"]), "error",
     "ALT-001", "names several records: ALT-001, ALT-106"),
    ("check_name_collisions", "agents.yaml", _set("DRG-018", aliases=["Dabrafenib"]), "error",
     "DRG-016", "names several records"),
    ("check_name_collisions", "genes.yaml", _set("HRAS", aliases=["RAS"]) , "warning", None,
     "is shared"),
    ("check_node_name_clashes", "genes.yaml", _set("SLC5A5", aliases=["NIS", "cAMP"]),
     "warning", "SLC5A5", "also names entity camp"),
    ("check_synonyms", SYNONYMS, lambda d: d[0].update(agent="DRG-999"), "error", "DRG-999",
     "unknown agent DRG-999"),
    ("check_synonyms", SYNONYMS, _add_name("DRG-018", "Tafinlar"), "error", "DRG-016",
     "'Tafinlar' is listed for several agents: DRG-016, DRG-018"),
    ("check_synonyms", SYNONYMS, _add_name("DRG-017", "AZD-6244"), "error", "DRG-017",
     "'AZD-6244' is listed for several agents: DRG-017, DRG-018"),
    ("check_synonyms", SYNONYMS, _add_name("DRG-016", "Trametinib"), "error", "DRG-016",
     "'Trametinib' is already a name of DRG-017"),
    ("check_synonyms", SYNONYMS, _add_name("DRG-018", "MEK inhibitors"), "error", "DRG-018",
     "is already a name of DRG-090"),
    ("check_synonyms", SYNONYMS, _add_name("DRG-016", "Mekinst", source="rxnorm"), "error",
     "DRG-016", "unknown source key 'rxnorm'"),
    ("check_synonyms", SYNONYMS, _add_name("DRG-016", "gsk-2118436"), "warning", "DRG-016",
     "repeats a name agents.yaml gives it"),
    ("check_synonyms", "drug_names/sources.yaml", _dup_first, "error", "fda",
     "key 'fda' appears 2 times"),
]  # fmt: skip


def test_clean_fixture_has_no_problem(clean_kb: KnowledgeBase, clean_dir: Path) -> None:
    assert lint(clean_kb) == []
    assert lint(clean_dir) == []


def test_every_check_has_a_fault_test() -> None:
    assert {c.__name__ for c in CHECKS} == {f[0] for f in FAULTS}


@pytest.mark.parametrize(
    ("check", "filename", "edit", "severity", "rid", "text"),
    FAULTS,
    ids=[f"{f[0]}-{i}" for i, f in enumerate(FAULTS)],
)
def test_check_catches_its_fault(
    broken: Mutator,
    check: str,
    filename: str,
    edit: Callable[[Any], Any],
    severity: str,
    rid: str | None,
    text: str,
) -> None:
    root = broken(filename, edit)
    if check == "check_missing_files":
        (root / filename).unlink()
    if check == "check_name_collisions" and filename == "genes.yaml":
        # a second gene with the same alias
        broken("genes.yaml", _set("NRAS", aliases=["RAS"]))
    problems = lint(root)
    hits = [p for p in problems if text in p.message]
    assert hits, "\n".join(map(str, problems))
    assert hits[0].severity == severity
    assert hits[0].file == filename or check == "check_conflicts"
    if rid is not None:
        assert rid in {p.record for p in hits}


def test_all_problems_are_reported_at_once(broken: Mutator) -> None:
    broken("outcomes.yaml", _set("OUT-055", citations=[], agents=["DRG-999"]))
    root = broken("trials.yaml", _set("TRL-001", nct_id="NCT1"))
    messages = " | ".join(p.message for p in lint(root))
    assert "cites no reference" in messages
    assert "unknown agent DRG-999" in messages
    assert "not an NCT id" in messages


def test_schema_errors_become_problems_and_the_rest_is_still_checked(broken: Mutator) -> None:
    broken("trials.yaml", _set("TRL-001", sample_size="many"))
    root = broken("outcomes.yaml", _set("OUT-055", citations=[]))
    problems = lint(root)
    assert any(p.file == "trials.yaml" and "sample_size" in p.message for p in problems)
    assert any("cites no reference" in p.message for p in problems)


def test_problem_str() -> None:
    p = Problem("error", "outcomes.yaml", "OUT-001", "cites no reference")
    assert str(p) == "error: outcomes.yaml [OUT-001]: cites no reference"


def test_cli_lint_clean_exits_0(clean_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "lint", "--path", str(clean_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == 0
    assert out["problems"] == []
    assert "Research use only" in out["notice"]


def test_cli_lint_with_errors_exits_1(broken: Mutator, capsys: pytest.CaptureFixture[str]) -> None:
    root = broken("outcomes.yaml", _set("OUT-055", citations=[]))
    assert main(["kb", "lint", "--path", str(root)]) == 1
    out = capsys.readouterr().out
    assert "OUT-055" in out
    assert "1 error(s)" in out


def test_cli_lint_missing_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "lint", "--path", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_lint_of_a_folder_that_is_no_knowledge_base_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not a record file", encoding="utf-8")
    assert main(["kb", "lint", "--path", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not a knowledge base" in err
