"""Shared CLI test helper: a refused command prints nothing on stdout and one error line."""

from __future__ import annotations

import pytest

from rairlab.cli import main


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run `argv`, check it exits 2 with one ``error:`` line on stderr, return that line."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("error: ")
    assert len(err.splitlines()) == 1, err
    return err
