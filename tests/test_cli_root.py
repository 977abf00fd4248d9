"""The CLI's outer behaviour: version, usage errors, the RairlabError boundary."""

import json
import subprocess
import sys

import pytest

import rairlab
from rairlab.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"rairlab {rairlab.__version__}"


def test_unknown_option_is_a_usage_error_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-such-option"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_console_script_runs_as_a_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rairlab", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("rairlab ")


def test_json_output_is_strict_json_with_notice(capsys: pytest.CaptureFixture[str]) -> None:
    from rairlab.cli._output import emit

    emit({"x": float("inf"), "x_note": "no limit"}, True, lambda console: None)
    payload = json.loads(capsys.readouterr().out)
    assert payload["x"] is None
    assert payload["x_note"] == "no limit"
    assert payload["notice"] == rairlab.RESEARCH_USE_NOTICE
