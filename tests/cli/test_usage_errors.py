"""Usage errors are one line with exit status 2, like every other bad input; flags show no
value placeholder in help."""

from __future__ import annotations

import pytest

from rairlab.cli import main


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["simulate", "--bogus"], "No such option: --bogus (see rairlab simulate --help)"),
        (["simulate", "--seed", "x"], "Invalid value for '--seed'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["simulate", "--genotype"], "requires an argument"),
        (["dose", "lesion"], "Missing option '--nuclide'"),
        (["trial", "run"], "Missing argument"),
    ],
)
def test_usage_errors_are_one_line(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: ")
    assert words in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("command", [[], ["simulate"], ["dose", "lesion"], ["trial", "run"]])
def test_help_shows_no_value_placeholder_for_flags(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--help" in out
    assert "<bool>" not in out


def test_no_arguments_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "Usage: rairlab" in capsys.readouterr().out


def test_simulate_help_names_every_variant(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rairlab.network import list_variants

    monkeypatch.setenv("COLUMNS", "2000")
    assert main(["simulate", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for name in list_variants()[1:]:
        assert name in out
