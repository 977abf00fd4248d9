"""Atomic writes leave either the old file or the new one, never a torn one."""

import json
from pathlib import Path

import pytest

from rairlab._io import atomic_open, optional_import, write_json, write_text
from rairlab.errors import MissingExtraError


def test_write_text_creates_folders_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    write_text(target, "first")
    write_text(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    write_json(target, {"k": 1})

    def interrupted_write() -> None:
        with atomic_open(target) as fh:
            fh.write("partial")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        interrupted_write()
    assert json.loads(target.read_text(encoding="utf-8")) == {"k": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def test_atomic_open_rejects_append_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'a'"), atomic_open(tmp_path / "x", "a"):
        pass


def test_optional_import_names_the_extra() -> None:
    with pytest.raises(MissingExtraError, match=r"rairlab\[web\]"):
        optional_import("surely_not_an_installed_module_xyz", "web")


def test_written_files_get_the_umask_mode_not_0600(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        target = write_text(tmp_path / "plot.txt", "x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
