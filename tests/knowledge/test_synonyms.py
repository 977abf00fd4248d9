"""Drug names a user types: brand names, codes, other nonproprietary names and
abbreviations from ``drug_names/`` resolve to their agent; unknown names get
suggestions ranked by edit similarity (issue 12, item 4)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from rairlab.cli import main
from rairlab.errors import DataFileError, UnknownNameError, close_matches, edit_distance
from rairlab.knowledge import KnowledgeBase, lint, load_knowledge
from rairlab.network import CompiledModel, compile_model, conditions, modelled_agents

KB = load_knowledge()
SHIPPED = [(rec.agent, syn.name) for rec in KB.synonyms for syn in rec.names]

#: The names the issue lists, with the canonical name of their agent.
ISSUE_NAMES = [
    ("vorinostat", "saha"),
    ("SAHA", "saha"),
    ("ATRA", "all-trans retinoic acid"),
    ("Tafinlar", "dabrafenib"),
    ("Mekinist", "trametinib"),
    ("Zelboraf", "vemurafenib"),
    ("Retevmo", "selpercatinib"),
    ("Gavreto", "pralsetinib"),
    ("Vitrakvi", "larotrectinib"),
    ("Zolinza", "saha"),
    ("Nexavar", "sorafenib"),
    ("Lenvima", "lenvatinib"),
    ("Koselugo", "selumetinib"),
    ("GSK2118436", "dabrafenib"),
    ("AZD6244", "selumetinib"),
    ("LOXO-292", "selpercatinib"),
    ("LOXO-101", "larotrectinib"),
    ("PLX4032", "vemurafenib"),
    ("GSK1120212", "trametinib"),
    ("BLU-667", "pralsetinib"),
    ("BAY 43-9006", "sorafenib"),
    ("E7080", "lenvatinib"),
]


@pytest.mark.parametrize(("agent_id", "name"), SHIPPED, ids=[n for _, n in SHIPPED])
def test_every_shipped_name_resolves_to_its_agent(agent_id: str, name: str) -> None:
    for spelling in (name, name.upper(), name.lower(), f"  {name} "):
        assert KB.agent(spelling).id == agent_id


@pytest.mark.parametrize(("name", "canonical"), ISSUE_NAMES)
def test_the_issue_names_resolve(name: str, canonical: str) -> None:
    assert KB.agent(name).name == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("gsk 2118436", "dabrafenib"),
        ("GSK-2118436", "dabrafenib"),
        ("bay43-9006", "sorafenib"),
        ("BAY 439006", "sorafenib"),
        ("loxo292", "selpercatinib"),
        ("blu 667", "pralsetinib"),
        ("CDX 3379", "cdx-3379"),  # a review name, found the same way
    ],
)
def test_spacing_and_hyphens_are_ignored_when_nothing_matches_exactly(
    typed: str, canonical: str
) -> None:
    assert KB.agent(typed).name == canonical


def test_every_name_cites_a_source_and_says_where() -> None:
    keys = {s.key for s in KB.name_sources}
    for rec in KB.synonyms:
        agent = KB.record(rec.agent)
        for syn in KB.synonyms_of(agent):
            assert syn.source in keys
            assert syn.ref.strip()
            assert KB.name_source(syn.source).citation


def test_the_shipped_names_lint_clean() -> None:
    problems = [p for p in lint(KB) if p.file.startswith("drug_names/")]
    assert problems == []


def test_the_review_names_are_not_repeated_as_synonyms() -> None:
    review = {a.name.casefold() for a in KB.agents}
    assert not [n for _, n in SHIPPED if n.casefold() in review]


# ------------------------------------------------------------------ network and CLI


@pytest.fixture(scope="module")
def model() -> CompiledModel:
    return compile_model()


def test_a_brand_name_perturbs_the_network_like_the_inn(model: CompiledModel) -> None:
    brand = conditions(model, drugs={"Tafinlar": 1.0})
    inn = conditions(model, drugs={"dabrafenib": 1.0})
    for field in ("clamp_mask", "clamp_value", "scale", "bias"):
        assert np.array_equal(getattr(brand, field), getattr(inn, field))
    assert brand.labels == inn.labels


def test_every_name_of_a_modelled_agent_reaches_the_network(model: CompiledModel) -> None:
    modelled = set(modelled_agents())
    names = [n for agent_id, n in SHIPPED if KB.record(agent_id).name in modelled]
    assert "vorinostat" in names
    for name in names:
        assert conditions(model, drugs={name: 1.0}).labels[0]["name"] in modelled


@pytest.mark.parametrize("drug", ["vorinostat", "Tafinlar", "gsk-2118436"])
def test_cli_simulate_takes_a_drug_by_any_name(
    drug: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--drug", drug, "--json"]) == 0
    capsys.readouterr()


def test_cli_evidence_takes_a_brand_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "--drug", "Zelboraf"]) == 0
    assert "vemurafenib" in capsys.readouterr().out.lower()


# ------------------------------------------------------------------ suggestions


def test_entrectinib_is_not_told_trametinib() -> None:
    # entrectinib is not in the review; the old difflib ranking offered trametinib
    with pytest.raises(UnknownNameError) as info:
        KB.agent("entrectinib")
    assert "trametinib" not in info.value.suggestions
    ranked = close_matches("entrectinib", ["trametinib", "larotrectinib"], cutoff=0.5)
    assert ranked == ["larotrectinib", "trametinib"]


def test_a_misspelt_synonym_suggests_the_canonical_name_once() -> None:
    with pytest.raises(UnknownNameError) as info:
        KB.agent("Tafinlr")
    assert info.value.suggestions == ["dabrafenib"]
    assert "Did you mean 'dabrafenib'?" in str(info.value)
    synonyms = {"Tafinlar": "dabrafenib", "GSK2118436": "dabrafenib"}
    assert close_matches("gsk211843", ["dabrafenib"], synonyms=synonyms) == ["dabrafenib"]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("dabrafinib", "dabrafenib"),
        ("tarmetinib", "trametinib"),  # a transposition costs 1
        ("trametnib", "trametinib"),
        ("selumetanib", "selumetinib"),
        ("lenvatanib", "lenvatinib"),
        ("vorinstat", "saha"),
        ("perchlorat", "potassium perchlorate"),
    ],
)
def test_the_closest_name_comes_first(typed: str, first: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        KB.agent(typed)
    assert info.value.suggestions[0] == first


def test_close_matches_ranks_by_similarity_and_keeps_ties_in_order() -> None:
    choices = ["sorafenib", "dabrafenib", "trametinib"]
    assert close_matches("dabrafinib", choices, cutoff=0.5) == ["dabrafenib", "sorafenib"]
    assert close_matches("abcx", ["abcy", "abcz"]) == ["abcy", "abcz"]
    assert close_matches("zzz", choices) == []
    assert close_matches("dabrafinib", choices, n=1, cutoff=0.0) == ["dabrafenib"]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("", "abc", 3), ("abc", "abc", 0), ("ca", "ac", 1), ("abc", "ca", 3),
     ("kitten", "sitting", 3), ("dabrafenib", "dabrafinib", 1)],
)  # fmt: skip
def test_edit_distance_is_optimal_string_alignment(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance
    assert edit_distance(a, b, limit=distance) == distance
    if distance:
        assert edit_distance(a, b, limit=distance - 1) == distance


# ------------------------------------------------------------------ loading


CLEAN = Path(__file__).parent / "fixtures" / "clean"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(CLEAN, root)
    return root


def test_a_folder_without_drug_names_has_no_synonyms(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    shutil.rmtree(root / "drug_names")
    kb = load_knowledge(root)
    assert kb.synonyms == ()
    assert kb.find_agent("Tafinlar") is None
    assert lint(kb) == []


def test_a_folder_with_drug_names_resolves_them(clean_kb: KnowledgeBase) -> None:
    assert clean_kb.agent("Tafinlar").id == "DRG-016"
    assert clean_kb.agent("azd 6244").id == "DRG-018"
    assert [s.name for s in clean_kb.synonyms_of(clean_kb.agent("trametinib"))] == [
        "Mekinist",
        "GSK1120212",
    ]


def test_a_malformed_name_names_file_and_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "drug_names" / "synonyms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[1]["names"][0]["kind"] = "trade"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_knowledge(root)
    assert "synonyms.yaml:" in str(info.value)
    assert "DRG-017" in str(info.value)
    assert "kind" in str(info.value)


def test_lint_catches_a_name_given_to_two_agents(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "drug_names" / "synonyms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[2]["names"].append({"name": "tafinlar", "kind": "brand", "source": "fda", "ref": "x"})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    problems = [p for p in lint(root) if p.severity == "error"]
    assert [(p.file, p.record) for p in problems] == [("drug_names/synonyms.yaml", "DRG-016")]
    assert "several agents: DRG-016, DRG-018" in problems[0].message
