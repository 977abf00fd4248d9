"""Each command imports only what it uses: `rairlab evidence` never loads numba, SciPy or
the network, and help and typo suggestions still list every command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rairlab.cli import _app, main
from rairlab.cli._app import COMMANDS

HEAVY = ("numba", "scipy", "rairlab.network", "rairlab.dosimetry", "rairlab.biokinetics")

PROBE = """
import json, sys
from rairlab.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    return set(report["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY))


def test_version_imports_no_command() -> None:
    modules = _modules_after("--version")
    assert not any(m.startswith("rairlab.cli._") and m != "rairlab.cli._app" for m in modules)
    assert "rairlab.knowledge" not in modules


def test_evidence_imports_neither_numba_nor_scipy_nor_the_network() -> None:
    modules = _modules_after("evidence", "--alteration", "BRAF V600E", "--json")
    assert _heavy(modules) == []
    assert "rairlab.knowledge" in modules


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f" {name} " in out


def test_root_help_imports_no_command() -> None:
    modules = _modules_after("--help")
    assert not any(m.startswith("rairlab.cli._") and m != "rairlab.cli._app" for m in modules)
    assert _heavy(modules) == []


def test_root_help_summaries_are_the_commands_own(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["--help"]) == 0
    listed = capsys.readouterr().out
    # the same help with every command imported and asked for its own help text
    monkeypatch.setattr(_app, "SUMMARIES", {})
    assert main(["--help"]) == 0
    assert capsys.readouterr().out == listed


def test_misspelt_command_still_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidenc"]) == 2
    assert "Did you mean 'evidence'?" in capsys.readouterr().err


def test_sub_command_groups_keep_their_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "--help"]) == 0
    assert "lint" in capsys.readouterr().out
