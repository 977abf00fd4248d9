"""``rairlab evidence`` and ``rairlab kb lint`` at the CLI boundary: bad inputs give one
line and exit 2, the human view fits 80 columns, ``--json`` is strict and stable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rairlab.cli import main
from rairlab.knowledge import KnowledgeBase, evidence, load_knowledge


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render on an 80-column console, whatever terminal runs the tests."""
    monkeypatch.setattr(
        "rairlab.cli._output.console", Console(width=80, highlight=False, soft_wrap=False)
    )


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge()


def _one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2, (args, captured.out[:300])
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("error: ")
    assert "Traceback" not in captured.err
    return captured.err


# ------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--alteration", ""], "Invalid alteration ''"),
        (["--alteration", "   "], "non-empty"),
        (["--drug", ""], "Invalid drug ''"),
        (["--gene", ""], "Invalid gene ''"),
        (["--trial", ""], "Invalid trial ''"),
        (["--alteration", "wild type"], "names none"),
        (["--alteration", ";;"], "empty: give alterations"),
        (["--alteration", "HRAS p.Q61"], "e.g. 'HRAS p.Q61R'"),
        (["--alteration", "☃💥"], "'☃💥'"),
        (["--alteration", "XYZ1 V600E"], "Did you mean 'BRAF p.V600E'?"),
        (["--gene", "ß"], "Unknown gene 'ß'"),
        (["--trial", "NCT0000"], "Unknown trial 'NCT0000'"),
        (["--drug", "dabrafinib"], "Did you mean 'dabrafenib'?"),
        (["--list", ""], "Invalid --list ''"),
        (["--list", "pets"], "alterations, agents, genes, trials"),
        ([], "at least one"),
    ],
)
def test_evidence_bad_inputs(
    capsys: pytest.CaptureFixture[str], args: list[str], text: str
) -> None:
    assert text in _one_line_exit_2(capsys, ["evidence", *args])


def _broken_yaml(tmp_path: Path) -> Path:
    (tmp_path / "agents.yaml").write_text("- id: DRG-001\n  name: [unclosed\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command", [["evidence", "--list", "genes"], ["kb", "lint"]])
@pytest.mark.parametrize("where", ["missing", "file"])
def test_bad_path_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], where: str
) -> None:
    path = tmp_path / "nowhere"
    if where == "file":
        path.write_text("x: 1\n", encoding="utf-8")
    assert str(path) in _one_line_exit_2(capsys, [*command, "--path", str(path)])


def test_long_alteration_fails_with_a_short_line(capsys: pytest.CaptureFixture[str]) -> None:
    """The bug: 100 KB of --alteration took over a minute and its error echoed all of it."""
    err = _one_line_exit_2(capsys, ["evidence", "--alteration", "V600E " * 20_000])
    assert "at most 1,000 characters" in err
    assert len(err) < 200


@pytest.mark.parametrize("content", [{}, {"passwd": "root:x:0:0\n", "hosts": "127.0.0.1\n"}])
def test_folder_that_is_no_knowledge_base_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: dict[str, str]
) -> None:
    """The bug: ``--path /etc`` answered that the alteration was unknown."""
    for name, text in content.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    err = _one_line_exit_2(capsys, ["evidence", "--path", str(tmp_path), "--alteration", "V600E"])
    assert f"{tmp_path}: not a knowledge base" in err
    assert "Unknown alteration" not in err


def test_broken_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _broken_yaml(tmp_path)
    err = _one_line_exit_2(capsys, ["evidence", "--list", "genes", "--path", str(folder)])
    assert "agents.yaml:" in err
    assert "invalid YAML" in err
    # lint reports it among its problems (exit 1), without a traceback
    assert main(["kb", "lint", "--path", str(folder), "--json"]) == 1
    captured = capsys.readouterr()
    problems = json.loads(captured.out)["problems"]
    assert any("invalid YAML" in p["message"] for p in problems)


# ------------------------------------------------------------------ human view


def _lines_fit(out: str) -> None:
    too_wide = [line for line in out.splitlines() if len(line) > 80]
    assert too_wide == []


@pytest.mark.usefixtures("narrow")
@pytest.mark.parametrize(
    "args",
    [
        ["--alteration", "BRAF V600E"],
        ["--alteration", "C228T"],
        ["--gene", "NIS"],
        ["--drug", "MEK inhibitors"],
        ["--trial", "NCT02152995"],
        *(["--list", kind] for kind in ("alterations", "agents", "drugs", "genes", "trials")),
    ],
)
def test_human_view_fits_80_columns(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main(["evidence", *args]) == 0
    out = capsys.readouterr().out
    _lines_fit(out)
    assert "--json" in out


@pytest.mark.usefixtures("narrow")
def test_long_text_is_cut_with_an_ellipsis(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "--alteration", "BRAF V600E"]) == 0
    out = capsys.readouterr().out
    assert "…" in out
    # ids are never cut
    assert re.search(r"^OUT-055 ", out, re.MULTILINE)
    assert re.search(r"^NCT02152995 ", out, re.MULTILINE)


@pytest.mark.usefixtures("narrow")
def test_each_outcome_is_listed_once(
    shipped: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    # OUT-003 names dabrafenib and trametinib, both members of the classes queried
    assert main(["evidence", "--drug", "tyrosine kinase inhibitors"]) == 0
    out = capsys.readouterr().out
    starts = re.findall(r"^(OUT-\d+) ", out, re.MULTILINE)
    assert "OUT-003" in starts
    assert len(starts) == len(set(starts))


@pytest.mark.usefixtures("narrow")
def test_human_view_shows_outcomes_of_no_listed_agent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # C228T's outcomes (e.g. the 97% BRAF + TERT figure, OUT-018) name no agent
    report = evidence(alteration="C228T")
    other = {o.id for o in report.outcomes} - {o.id for a in report.agents for o in a.outcomes}
    assert "OUT-018" in other
    assert main(["evidence", "--alteration", "C228T"]) == 0
    assert re.search(r"^OUT-018 ", capsys.readouterr().out, re.MULTILINE)


def test_list_drugs_is_the_agents_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "--list", "Drugs", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["list"] == "agents"
    assert {"id", "name", "aliases"} <= set(d["items"][0])


# ------------------------------------------------------------------ JSON


def _strict(text: str) -> Any:
    def no_constant(name: str) -> None:
        raise AssertionError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=no_constant)


@pytest.mark.parametrize(
    "args", [["--alteration", "BRAF V600E"], ["--drug", "trametinib"], ["--list", "trials"]]
)
def test_json_is_strict_and_stable(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    outs = []
    for _ in range(2):
        assert main(["evidence", *args, "--json"]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert "notice" in _strict(outs[0])


# ------------------------------------------------------------------ matching on shipped data


def test_gene_nis_shows_the_mechanisms_acting_on_nis(shipped: KnowledgeBase) -> None:
    by_symbol = evidence(gene="SLC5A5")
    by_alias = evidence(gene="NIS")
    assert by_symbol.to_dict()["interactions"] == by_alias.to_dict()["interactions"]
    acting = {(i.source, i.effect.value) for i in by_symbol.interactions if i.target == "SLC5A5"}
    assert ("BRAF", "downregulates") in acting
    assert ("PAX8", "upregulates") in acting
    assert ("tsh", "upregulates") in acting
    # every interaction on NIS in the knowledge base is there
    on_nis = {i.id for i in shipped.interactions if "SLC5A5" in (i.source, i.target)}
    assert on_nis == {i.id for i in by_symbol.interactions}


def test_drug_trametinib_shows_its_trials_and_outcomes() -> None:
    report = evidence(drug="trametinib")
    assert [a.agent.name.casefold() for a in report.agents] == ["trametinib"]
    assert {"OUT-003", "OUT-058"} <= {o.id for o in report.outcomes}
    assert "NCT02152995" in {t.nct_id for t in report.trials}
    outcome_ids = [o.id for o in report.agents[0].outcomes]
    assert len(outcome_ids) == len(set(outcome_ids))


def test_a_trial_shows_its_dosimetry_criterion(
    narrow: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evidence", "--trial", "NCT02152995"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "NCT02152995 dosimetry criterion: a lesion dose ≥ 20 Gy with ≤ 300 mCi" in out
    assert main(["evidence", "--trial", "NCT02152995", "--json"]) == 0
    (trial,) = json.loads(capsys.readouterr().out)["trials"]
    assert trial["dosimetry_criterion"]["min_lesion_dose_gy"] == 20.0
    assert trial["dosimetry_criterion"]["citations"] == ["liu2023"]
