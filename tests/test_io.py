"""Atomic writes leave either the old file or the new one, never a torn one; output paths
that are not a regular file of ours are refused before anything is computed or replaced."""

import json
import os
import socket
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from _filetree import file_types
from rairlab import _io
from rairlab._io import (
    atomic_open,
    check_output_dir,
    check_output_file,
    optional_import,
    write_json,
    write_text,
)
from rairlab.errors import InvalidValueError, MissingExtraError


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
    old = os.umask(0o022)
    try:
        target = write_text(tmp_path / "plot.txt", "x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644


# --- output paths: never overwrite what is not ours (issue 12) -----------------------------

HOUR = 3600.0


def _mkfifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(folder)  # a relative name: AF_UNIX paths are limited to ~108 bytes
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("sock")
    sock.close()
    return folder / "sock"


def _special_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    (tmp_path / "dir").mkdir()
    (tmp_path / "link-to-dir").symlink_to(tmp_path / "dir")
    fifo = _mkfifo(tmp_path / "fifo")
    (tmp_path / "link-to-fifo").symlink_to(fifo)
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    return {
        "directory": tmp_path / "dir",
        "symbolic link to a directory": tmp_path / "link-to-dir",
        "FIFO": fifo,
        "symbolic link to a FIFO": tmp_path / "link-to-fifo",
        "socket": _socket(tmp_path, monkeypatch),
        "symbolic link to nothing": tmp_path / "dangling",
    }


def test_check_output_file_accepts_new_and_regular_files_and_creates_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "old.xml").write_text("old")
    (tmp_path / "link.xml").symlink_to(tmp_path / "old.xml")
    before = file_types(tmp_path)
    for name in ("old.xml", "link.xml", "new.xml", "a/b/new.xml"):
        assert check_output_file(tmp_path / name) == tmp_path / name
    assert check_output_dir(tmp_path) == tmp_path
    assert check_output_dir(tmp_path / "new" / "run") == tmp_path / "new" / "run"
    assert file_types(tmp_path) == before


def test_special_files_are_refused_before_and_by_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = _special_files(tmp_path, monkeypatch)
    before = file_types(tmp_path)
    for kind, target in targets.items():
        with pytest.raises(InvalidValueError, match=f"not an? {kind}") as info:
            check_output_file(target, "--out")
        assert info.value.parameter == "--out"
        with pytest.raises(InvalidValueError, match=f"not an? {kind}"):
            write_text(target, "clobbered?")
    assert file_types(tmp_path) == before  # nothing replaced, no temporary file left


@pytest.mark.parametrize("kind", ["FIFO", "socket", "regular file"])
def test_check_output_dir_refuses_what_is_not_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    targets = {
        "FIFO": lambda: _mkfifo(tmp_path / "fifo"),
        "socket": lambda: _socket(tmp_path, monkeypatch),
        "regular file": lambda: write_text(tmp_path / "file", "x"),
    }
    target = targets[kind]()
    with pytest.raises(InvalidValueError, match=rf"a directory \(or a new path\), not an? {kind}"):
        check_output_dir(target, "--out")


def test_a_dangling_link_is_not_a_run_directory(tmp_path: Path) -> None:
    (tmp_path / "run").symlink_to(tmp_path / "nothing")
    with pytest.raises(InvalidValueError, match="symbolic link to nothing"):
        check_output_dir(tmp_path / "run")


@pytest.mark.parametrize("check", [check_output_file, check_output_dir])
def test_a_path_under_a_file_is_refused_naming_the_file(tmp_path: Path, check: Any) -> None:
    write_text(tmp_path / "somefile", "x")
    for path in (tmp_path / "somefile" / "x.xml", tmp_path / "somefile" / "a" / "b" / "x.xml"):
        with pytest.raises(InvalidValueError, match="'somefile' is a regular file"):
            check(path, "--out")
    assert file_types(tmp_path) == {"somefile": stat.S_IFREG}


@pytest.mark.parametrize("check", [check_output_file, check_output_dir])
def test_empty_and_nul_paths_are_refused(check: Any) -> None:
    with pytest.raises(InvalidValueError, match="not an empty string"):
        check("", "--out")
    with pytest.raises(InvalidValueError, match="without NUL"):
        check("a\0b", "--out")


@pytest.mark.parametrize("name", [".", "..", "new/", "new/.", "new/.."])
def test_a_file_path_that_names_a_directory_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidValueError, match="a file path, not a directory"):
        check_output_file(f"{tmp_path}/{name}")


@pytest.mark.parametrize("check", [check_output_file, check_output_dir])
@pytest.mark.parametrize("where", ["name", "folder"])
def test_a_300_character_name_is_refused_in_a_short_message(
    tmp_path: Path, check: Any, where: str
) -> None:
    long = "n" * 300
    path = tmp_path / long if where == "name" else tmp_path / long / "x.xml"
    with pytest.raises(InvalidValueError, match=r"at most \d+ bytes \(one has 300\)") as info:
        check(path, "--out")
    message = str(info.value)
    assert "\n" not in message
    assert "…" in message
    assert len(message) < 200  # the path is quoted in at most ~80 characters


def test_a_path_with_a_newline_is_quoted_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "a\nb").mkdir()
    with pytest.raises(InvalidValueError) as info:
        check_output_file(tmp_path / "a\nb")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "path", ["/proc/self/rairlab-test.xml", "/proc", "/sys/rairlab-test/x.xml", "/sys"]
)
@pytest.mark.parametrize("check", [check_output_file, check_output_dir])
def test_virtual_file_systems_are_refused_by_the_check(path: str, check: Any) -> None:
    with pytest.raises(InvalidValueError, match="outside /proc, /sys and /dev"):
        check(path, "--out")
    assert not os.path.lexists(path) or path in ("/proc", "/sys")


def test_a_link_into_a_virtual_file_system_is_refused(tmp_path: Path) -> None:
    (tmp_path / "proc-link").symlink_to("/proc/self")
    with pytest.raises(InvalidValueError, match="outside /proc, /sys and /dev"):
        check_output_file(tmp_path / "proc-link" / "x.xml")
    with pytest.raises(InvalidValueError, match="outside /proc, /sys and /dev"):
        check_output_dir(tmp_path / "proc-link")


def test_suffixes_are_checked_case_insensitively(tmp_path: Path) -> None:
    assert check_output_file(tmp_path / "fig.SVG", "--output", (".png", ".svg"))
    assert check_output_file(tmp_path / "dose.nii.gz", "--out", (".nii", ".nii.gz"))
    with pytest.raises(InvalidValueError, match=r"ending in \.png or \.svg"):
        check_output_file(tmp_path / "fig.pdf", "--output", (".png", ".svg"))


@pytest.mark.parametrize("check", [check_output_file, check_output_dir])
def test_a_folder_that_cannot_be_written_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check: Any
) -> None:
    # root may write anywhere, so the permission answer is stubbed, not made by chmod
    monkeypatch.setattr(_io.os, "access", lambda *args, **kwargs: False)
    with pytest.raises(InvalidValueError, match="you can write to"):
        check(tmp_path / "new", "--out")
    with pytest.raises(InvalidValueError, match="you can write to"):
        check_output_dir(tmp_path, "--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(InvalidValueError, match="you can write to"):
            check_output_file(folder / "x.xml")
    finally:
        folder.chmod(0o700)


def test_atomic_open_refuses_a_target_that_became_special_while_writing(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"

    def write_while_a_fifo_appears() -> None:
        with atomic_open(target) as fh:
            fh.write("result")
            _mkfifo(target)

    with pytest.raises(InvalidValueError, match=r"output file .*not a FIFO"):
        write_while_a_fifo_appears()
    assert file_types(tmp_path) == {"out.xml": stat.S_IFIFO}  # temporary file removed


def test_a_name_near_the_limit_still_gets_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 255)
    write_text(target, "long")
    assert target.read_text(encoding="utf-8") == "long"
    assert file_types(tmp_path) == {"n" * 255: stat.S_IFREG}


def _temp_name(target: str, random: str = "abcd_123") -> str:
    return f".{target}.{random}.tmp"


def _age(path: Path, seconds: float) -> Path:
    t = time.time() - seconds
    os.utime(path, (t, t), follow_symlinks=False)
    return path


def test_stale_temporary_files_of_the_target_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / _temp_name("out.xml")
    stale.write_text("full-size result of a killed write")
    _age(stale, 2 * HOUR)
    write_text(tmp_path / "out.xml", "new")
    assert file_types(tmp_path) == {"out.xml": stat.S_IFREG}


def test_a_killed_write_of_a_long_name_is_cleaned_too(tmp_path: Path) -> None:
    name = "n" * 255
    prefix = _io._temp_prefix(name, 255)
    stale = tmp_path / f"{prefix}abcdefgh.tmp"
    stale.write_text("x")
    _age(stale, 2 * HOUR)
    write_text(tmp_path / name, "new")
    assert file_types(tmp_path) == {name: stat.S_IFREG}


def test_only_our_own_old_regular_temporary_files_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / _temp_name("out.xml", "fresh123")
    fresh.write_text("a write in progress")
    other_target = tmp_path / _temp_name("out.xml.bak")
    other_target.write_text("another target's")
    not_ours = [
        tmp_path / ".out.xml.abcd.tmp",  # not a random part of ours
        tmp_path / "out.xml.abcdefgh.tmp",  # not hidden
        tmp_path / ".out.xml.abcdefgh.tmp.keep",
        other_target,
    ]
    for p in not_ours[:3]:
        p.write_text("user data")
    folder = tmp_path / _temp_name("out.xml", "folder12")
    folder.mkdir()
    link = tmp_path / _temp_name("out.xml", "link1234")
    link.symlink_to(tmp_path / "out.xml.abcdefgh.tmp")
    for p in [*not_ours, folder, link]:
        _age(p, 2 * HOUR)
    before = file_types(tmp_path)
    write_text(tmp_path / "out.xml", "new")
    assert file_types(tmp_path) == {**before, "out.xml": stat.S_IFREG}

    # an old temporary file of the right name that another user owns is kept
    someone_elses = tmp_path / _temp_name("out.xml", "others12")
    someone_elses.write_text("theirs")
    _age(someone_elses, 2 * HOUR)
    real_uid = os.getuid()
    monkeypatch.setattr(_io.os, "getuid", lambda: real_uid + 1)
    write_text(tmp_path / "out.xml", "newer")
    assert someone_elses.read_text(encoding="utf-8") == "theirs"
