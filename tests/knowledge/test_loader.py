"""Loading record files, error reporting, and the knowledge base's lookups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rairlab.errors import DataFileError, InputFileError, InvalidValueError, UnknownNameError
from rairlab.knowledge import KnowledgeBase, load_knowledge

Mutator = Callable[[str, Callable[[Any], Any]], Path]
Find = Callable[..., dict[str, Any]]


def test_fixture_loads_with_every_kind(clean_kb: KnowledgeBase) -> None:
    counts = {k: len(getattr(clean_kb, k)) for k in ("references", "genes", "alterations",
              "interactions", "agents", "trials", "outcomes", "facts", "biomarkers")}  # fmt: skip
    assert all(counts.values()), counts
    assert clean_kb.missing_files == ()
    assert clean_kb.source is not None
    assert clean_kb.source.key == "liu2023"


def test_default_knowledge_base_is_cached() -> None:
    assert load_knowledge() is load_knowledge()


def test_records_are_immutable(clean_kb: KnowledgeBase) -> None:
    with pytest.raises(Exception, match="frozen"):
        clean_kb.agents[0].name = "x"  # type: ignore[misc]


def test_schema_error_names_file_line_record_and_field(broken: Mutator, record: Find) -> None:
    def typo(data: list[dict]) -> None:
        row = record(data, "OUT-057")["results"][0]
        row["ci95"] = [5, 1]

    root = broken("outcomes.yaml", typo)
    with pytest.raises(DataFileError) as info:
        load_knowledge(root)
    msg = str(info.value)
    assert "outcomes.yaml" in msg
    assert "OUT-057" in msg
    assert "results.0.ci95" in msg
    assert info.value.line is not None
    assert info.value.line > 1


def test_misspelt_field_is_one_clear_error(broken: Mutator, record: Find) -> None:
    root = broken("agents.yaml", lambda d: record(d, "DRG-016").update(taregts=["BRAF"]))
    with pytest.raises(DataFileError, match=r"DRG-016: field 'taregts'.*unknown field"):
        load_knowledge(root)


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    (tmp_path / "genes.yaml").write_text("- symbol: BRAF\n  aliases: [a, b\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="invalid YAML") as info:
        load_knowledge(tmp_path)
    assert info.value.line is not None


def test_top_level_must_be_a_list(tmp_path: Path) -> None:
    (tmp_path / "genes.yaml").write_text("symbol: BRAF\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="YAML list"):
        load_knowledge(tmp_path)


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        load_knowledge(tmp_path / "nope")


def test_missing_files_are_listed_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "references.yaml").write_text("- {key: a2020, citation: A 2020}\n", "utf-8")
    kb = load_knowledge(tmp_path)
    assert "genes.yaml" in kb.missing_files
    assert kb.genes == ()


def test_folder_without_record_files_is_no_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a record file\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"not a knowledge base: none of source\.yaml"):
        load_knowledge(tmp_path)


@pytest.mark.parametrize("name", ["dabrafenib", "Dabrafenib", " DABRAFENIB ", "GSK2118436",
                                  "DRG-016"])  # fmt: skip
def test_agent_lookup_is_case_insensitive_over_names_and_aliases(
    clean_kb: KnowledgeBase, name: str
) -> None:
    assert clean_kb.agent(name).id == "DRG-016"


def test_misspelt_drug_suggests_the_right_one(clean_kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError) as info:
        clean_kb.agent("dabrafinib")
    assert info.value.suggestions == ["dabrafenib"]
    assert "rairlab evidence --list agents" in str(info.value)


def test_gene_trial_reference_lookups(clean_kb: KnowledgeBase) -> None:
    assert clean_kb.gene("nis").symbol == "SLC5A5"
    assert clean_kb.trial("nct02152995").id == "TRL-001"
    assert clean_kb.trial("TRL-011").nct_id == "NCT01723202"
    assert clean_kb.reference("liu2023").citation == "Liu et al., 2023"
    with pytest.raises(UnknownNameError, match="--list genes"):
        clean_kb.gene("BRAFF")


def test_alteration_lookup(clean_kb: KnowledgeBase) -> None:
    assert clean_kb.alteration("C228T").id == "ALT-101"
    assert clean_kb.alteration("alt-001").id == "ALT-001"
    assert clean_kb.alteration("NRAS p.G12D").id == "ALT-103"
    with pytest.raises(InvalidValueError):
        clean_kb.alteration("BRAF V600E; C228T")


def test_interactions_of_accepts_aliases_and_entities(clean_kb: KnowledgeBase) -> None:
    assert {i.id for i in clean_kb.interactions_of("NIS")} == {"INT-001", "INT-009"}
    assert {i.id for i in clean_kb.interactions_of("RAI uptake")} == {"INT-001", "INT-152"}
    assert {i.id for i in clean_kb.interactions_of("dabrafenib")} == {"INT-200"}
    with pytest.raises(UnknownNameError):
        clean_kb.interactions_of("nothing-like-this")


def test_outcomes_for(clean_kb: KnowledgeBase) -> None:
    assert [o.id for o in clean_kb.outcomes_for(agent="dabrafenib")] == ["OUT-055", "OUT-003"]
    assert [o.id for o in clean_kb.outcomes_for(agent="selumetinib", alteration="V600E")] == [
        "OUT-057"
    ]
    assert [o.id for o in clean_kb.outcomes_for(trial="NCT01723202")] == ["OUT-003"]


def test_related_alterations(clean_kb: KnowledgeBase) -> None:
    ids = [a.id for a in clean_kb.related_alterations("ALT-101")]
    assert ids == ["ALT-101", "ALT-003", "ALT-004"]
    assert [a.id for a in clean_kb.related_alterations("ALT-004")] == [
        "ALT-004", "ALT-001", "ALT-003"]  # fmt: skip


def test_class_members_and_trials(clean_kb: KnowledgeBase) -> None:
    mek = clean_kb.agent("MEK inhibitors")
    assert [a.id for a in clean_kb.members_of(mek)] == ["DRG-017", "DRG-018"]
    assert [c.id for c in clean_kb.classes_of(clean_kb.agent("trametinib"))] == ["DRG-090"]
    assert {t.nct_id for t in clean_kb.trials_of(clean_kb.agent("trametinib"))} == {
        "NCT02152995", "NCT01723202"}  # fmt: skip


def test_fixture_is_valid_yaml_everywhere(clean_dir: Path) -> None:
    assert sorted(p.name for p in clean_dir.glob("*.yaml"))[0] == "agents.yaml"
