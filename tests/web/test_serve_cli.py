"""``rairlab serve``: the real command serves the app on localhost; bad options are one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rairlab.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_localhost_and_keeps_runs_where_told(tmp_path: Path) -> None:
    port = _free_port()
    runs = tmp_path / "runs"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rairlab", "serve", "--port", str(port), "--runs-dir", str(runs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/evidence", timeout=5) as r:
                    body = r.read().decode()
                    assert r.status == 200
                    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert "Research use only" in body
        assert runs.is_dir()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out
    assert "Research use only" in out
    assert not (tmp_path / "xdg").exists()  # --runs-dir given: nothing written elsewhere


def test_bad_port_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--port" in err[0]
    assert "70000" in err[0]


def test_runs_dir_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["serve", "--runs-dir", str(f)]) == 2
    assert "--runs-dir" in capsys.readouterr().err
