"""`evidence()` and ``rairlab evidence`` on the fixture, and the issue's acceptance checks
on the shipped data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rairlab.cli import main
from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.knowledge import KnowledgeBase, catalogue, evidence, load_knowledge


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["evidence", *args, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else {}), captured.err


def _agent(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in report["agents"] if a["name"] == name)


def _rows(agent: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(o, r) for o in agent["outcomes"] for r in o["results"]]


# ------------------------------------------------------------------ fixture


def test_alteration_report(clean_kb: KnowledgeBase) -> None:
    d = evidence(alteration="V600E", kb=clean_kb).to_dict()
    assert [(a["id"], a["role"]) for a in d["alterations"]] == [
        ("ALT-001", "queried"), ("ALT-004", "combination")]  # fmt: skip
    assert [a["name"] for a in d["agents"]] == ["dabrafenib", "trametinib", "selumetinib"]
    dab = _agent(d, "dabrafenib")
    assert "targets BRAF" in dab["reasons"]
    o, r = _rows(dab)[0]
    assert (o["id"], r["value"], r["k"], r["n"], o["evidence_level"]) == ("OUT-055", 60, 6, 10, "C")
    assert o["cited_as"] == ["Rothenberg et al., 2015"]
    assert {i["id"] for i in d["interactions"]} == {"INT-009", "INT-152", "INT-200"}
    assert [t["nct_id"] for t in d["trials"]] == ["NCT02152995", "NCT01723202"]
    assert d["other_outcomes"] == []


def test_promoter_alias_brings_parent_and_combination(clean_kb: KnowledgeBase) -> None:
    report = evidence(alteration="c228t", kb=clean_kb)
    assert [(a.role, a.record.id) for a in report.alterations] == [
        ("queried", "ALT-101"), ("parent", "ALT-003"), ("combination", "ALT-004")]  # fmt: skip


def test_drug_report_brings_class_members(clean_kb: KnowledgeBase) -> None:
    report = evidence(drug="MEK inhibitors", kb=clean_kb)
    assert [a.agent.id for a in report.agents] == ["DRG-090", "DRG-017", "DRG-018"]
    assert {o.id for o in report.outcomes} == {"OUT-003", "OUT-057"}
    assert report.agents[1].classes == ("DRG-090",)


def test_drug_and_alteration_narrow_outcomes(clean_kb: KnowledgeBase) -> None:
    report = evidence(alteration="BRAF V600E", drug="trametinib", kb=clean_kb)
    assert [a.agent.id for a in report.agents] == ["DRG-017"]
    assert [o.id for o in report.outcomes] == ["OUT-003"]


def test_gene_and_trial_reports(clean_kb: KnowledgeBase) -> None:
    g = evidence(gene="ret", kb=clean_kb)
    assert {a.record.id for a in g.alterations} == {"ALT-006", "ALT-106", "ALT-007"}
    t = evidence(trial="NCT01723202", kb=clean_kb)
    assert [x.nct_id for x in t.trials] == ["NCT01723202"]
    assert [o.id for o in t.outcomes] == ["OUT-003"]
    assert {a.agent.id for a in t.agents} == {"DRG-016", "DRG-017"}


def test_empty_query_is_invalid(clean_kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidValueError, match="at least one"):
        evidence(kb=clean_kb)


def test_catalogue(clean_kb: KnowledgeBase) -> None:
    assert catalogue("drugs", clean_kb)[0]["name"] == "dabrafenib"
    assert [r["nct_id"] for r in catalogue("trials", clean_kb)] == ["NCT02152995", "NCT01723202"]
    with pytest.raises(InvalidValueError, match="alterations, agents, genes, trials"):
        catalogue("pets", clean_kb)


def test_cli_on_fixture(clean_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, d, _ = _run(capsys, "--path", str(clean_dir), "--alteration", "RET/PTC1")
    assert code == 0
    assert d["alterations"][0]["notation"] == "CCDC6::RET"
    assert "Research use only" in d["notice"]
    code, d, _ = _run(capsys, "--path", str(clean_dir), "--list", "alterations")
    assert code == 0
    assert len(d["items"]) == 9


def test_cli_human_output(clean_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "--path", str(clean_dir), "--drug", "dabrafenib"]) == 0
    out = capsys.readouterr().out
    for title in ("Agents", "Outcomes", "Trials"):
        assert f"\n{title}" in out
    assert "OUT-055" in out
    assert "Research use only" in out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--drug", "dabrafinib"], "Did you mean 'dabrafenib'?"),
        (["--alteration", "BRAF V600F"], "Did you mean"),
        (["--list", "pets"], "--list"),
        ([], "at least one"),
    ],
)
def test_cli_errors_are_one_line_exit_2(
    clean_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], text: str
) -> None:
    code, _, err = _run(capsys, "--path", str(clean_dir), *args)
    assert code == 2
    assert err.count("\n") == 1
    assert text in err


# ------------------------------------------------------------------ shipped data


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    kb = load_knowledge()
    assert not kb.missing_files, f"shipped knowledge base lacks {kb.missing_files}"
    return kb


def test_shipped_braf_v600e(shipped: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    code, d, err = _run(capsys, "--alteration", "BRAF V600E")
    assert code == 0, err
    dab = _rows(_agent(d, "dabrafenib"))
    new_uptake = [(o, r) for o, r in dab if r.get("value") == 60 and "uptake" in r["measure"]]
    assert new_uptake, "dabrafenib's 60% new-uptake result is missing"
    assert "rothenberg2015" in new_uptake[0][0]["citations"]
    assert any((r.get("k"), r.get("n")) == (1, 9) for _, r in _rows(_agent(d, "selumetinib")))
    trials = {t.get("nct_id") or t["id"]: t for t in d["trials"]}
    assert "NCT02152995" in trials
    trametinib = shipped.agent("trametinib").id
    assert trametinib in trials["NCT02152995"]["agents"]
    assert any("dabrafenib" in a["name"] for a in d["agents"])
    combos = [a for a in d["alterations"] if a["role"] == "combination"]
    assert any("97" in r["summary"] for a in combos for r in a.get("rai_associations", []))


def test_shipped_c228t_is_the_tert_promoter(
    shipped: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    code, d, err = _run(capsys, "--alteration", "C228T")
    assert code == 0, err
    queried = d["alterations"][0]
    assert (queried["gene"], queried["notation"]) == ("TERT", "TERT c.-124C>T")
    assert any(a["role"] == "parent" and "promoter" in a["notation"] for a in d["alterations"])


def test_shipped_misspelt_drug(shipped: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--drug", "dabrafinib")
    assert code == 2
    assert err.count("\n") == 1
    assert "'dabrafenib'" in err


def test_shipped_knowledge_base_lints_clean(shipped: KnowledgeBase) -> None:
    from rairlab.knowledge import lint

    errors = [str(p) for p in lint() if p.severity == "error"]
    assert errors == []


def test_shipped_unknown_drug_via_api(shipped: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError):
        evidence(drug="dabrafinib")
