"""Output paths are checked before computing: never a traceback, never a clobbered file.

Every command that writes refuses a bad output path (a directory where a file is
expected, a FIFO, a path under a file, a 300-character name, ``/proc``) with exit
status 2 and one line on stderr, before it reads its inputs or computes anything:
the computing functions are replaced by ones that fail the test when called (the
inputs given would otherwise be valid). Nothing appears or changes in the test's
folder. Regression for issue 12 (``export -o /dev/null`` replaced the device node
as root; ``dose voxel --out DIR`` failed only after the computation).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from _filetree import file_types
from rairlab.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LESION_CSV = EXAMPLES / "dosimetry" / "lesion_i124.csv"
SPEC = EXAMPLES / "trials" / "nct02152995_trametinib.yaml"


class ComputedError(AssertionError):
    """A computation started although the output path was bad."""


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], str]:
    """Make the bad output path `kind` (with suffix `ext`) under `tmp_path`; return it as argv."""
    (tmp_path / "dir").mkdir()
    (tmp_path / "somefile").write_text("user data")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link-to-dir").symlink_to(tmp_path / "dir")
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    monkeypatch.chdir(tmp_path / "dir")  # so that '' (the current folder) is a directory

    def bad(kind: str, ext: str = "") -> str:
        return {
            "empty": "",
            "directory": str(tmp_path / "dir"),
            "fifo": str(tmp_path / "fifo"),
            "link to a directory": str(tmp_path / "link-to-dir"),
            "dangling link": str(tmp_path / "dangling"),
            "regular file": str(tmp_path / "somefile"),
            "under a file": str(tmp_path / "somefile" / f"x{ext}"),
            "300 characters": str(tmp_path / ("n" * 300 + ext)),
            "proc": f"/proc/self/rairlab-test{ext}",
        }[kind]

    return bad


def _never(monkeypatch: pytest.MonkeyPatch, *targets: str) -> None:
    """Make each dotted function fail the test if it is called."""

    def computed(*args: object, **kwargs: object) -> None:
        raise ComputedError("computed before checking the output path")

    for target in targets:
        monkeypatch.setattr(target, computed)


def _refused(argv: list[str], root: Path, what: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = file_types(root)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith(f"error: Invalid {what} "), captured.err
    assert file_types(root) == before  # nothing created, replaced or left behind
    assert stat.S_ISFIFO((root / "fifo").lstat().st_mode)


@pytest.fixture
def tia(tmp_path: Path) -> Path:
    from rairlab.dosimetry import save_nifti

    image = np.zeros((8, 8, 8))
    image[3:5, 3:5, 3:5] = 1.0
    return save_nifti(tmp_path / "tia.nii.gz", image, np.diag([4.0, 4.0, 4.0, 1.0]))


FILE_CASES = ["empty", "directory", "fifo", "link to a directory", "dangling link",
              "under a file", "300 characters", "proc"]  # fmt: skip
DIR_CASES = ["regular file", "fifo", "dangling link", "under a file", "300 characters", "proc"]


@pytest.mark.parametrize("kind", FILE_CASES)
@pytest.mark.parametrize("fmt", ["sbml", "bnet"])
def test_export_refuses_a_bad_file(
    kind: str,
    fmt: str,
    place: Callable[[str, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(monkeypatch, "rairlab.cli._export.compile_model", "rairlab.cli._export.export_model")
    _refused(["export", fmt, "-o", place(kind, ".xml")], tmp_path, "--out", capsys)
    _refused(["export", fmt, place(kind, ".xml")], tmp_path, "PATH", capsys)


@pytest.mark.parametrize("name", ["new/", "new.xml/.", "dir/"])
def test_export_refuses_a_path_written_as_a_folder(
    name: str,
    place: Callable[[str, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(monkeypatch, "rairlab.cli._export.compile_model")
    _refused(["export", "bnet", f"{tmp_path}/{name}"], tmp_path, "PATH", capsys)


@pytest.mark.parametrize("kind", DIR_CASES)
def test_export_petab_refuses_a_bad_directory(
    kind: str,
    place: Callable[[str, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(monkeypatch, "rairlab.calibration.petab_problem")
    _refused(["export", "petab", "--out", place(kind, "")], tmp_path, "--out", capsys)


@pytest.mark.parametrize("kind", FILE_CASES)
def test_dose_voxel_refuses_a_bad_out_before_computing(
    kind: str,
    place: Callable[[str, str], str],
    tia: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(monkeypatch, "rairlab.cli._dose_voxel.load_nifti", "rairlab.cli._dose_voxel.image_dose")
    argv = ["dose", "voxel", str(tia), "--out", place(kind, ".nii.gz")]
    _refused(argv, tmp_path, "--out", capsys)


@pytest.mark.parametrize("kind", FILE_CASES)
def test_dose_lesion_refuses_a_bad_plot_before_computing(
    kind: str,
    place: Callable[[str, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(
        monkeypatch,
        "rairlab.cli._dose_lesion.read_lesion_table",
        "rairlab.cli._dose_lesion.lesion_study",
    )
    argv = ["dose", "lesion", "--nuclide", "I-124", "--measurements", str(LESION_CSV),
            "--mass-g", "2", "--administered-mbq", "74", "--plot", place(kind, ".png")]  # fmt: skip
    _refused(argv, tmp_path, "--plot", capsys)


@pytest.mark.parametrize("kind", DIR_CASES)
def test_trial_run_refuses_a_bad_run_directory(
    kind: str,
    place: Callable[[str, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(monkeypatch, "rairlab.cohort.load_trial_spec", "rairlab.cohort.run_trial")
    argv = ["trial", "run", str(SPEC), "--out", place(kind, ""), "--workers", "1"]
    _refused(argv, tmp_path, "--out", capsys)


@pytest.mark.parametrize("kind", [*FILE_CASES, "wrong suffix"])
def test_trial_plot_refuses_a_bad_output_before_reading_the_run(
    kind: str,
    place: Callable[[str, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(monkeypatch, "rairlab.cohort._report.RunDir")
    output = str(tmp_path / "fig.pdf") if kind == "wrong suffix" else place(kind, ".png")
    _refused(["trial", "plot", str(tmp_path / "run"), "-o", output], tmp_path, "--output", capsys)


def test_trial_plot_refuses_a_default_output_that_is_a_directory(
    place: Callable[[str, str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    (run / "summary.png").mkdir(parents=True)
    (run / "manifest.json").write_text("{}")
    (run / "summary.json").write_text('{"trial": "t", "arms": {}}')
    _refused(["trial", "plot", str(run)], tmp_path, "--output", capsys)


@pytest.mark.parametrize("kind", ["regular file", "under a file", "proc"])
def test_calibrate_and_demo_refuse_a_bad_run_directory(
    kind: str,
    place: Callable[[str, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _never(
        monkeypatch,
        "rairlab.calibration.calibrate",
        "rairlab.calibration.load_problem",
        "rairlab.cli._demo.run_demo_trial",
        "rairlab.cli._demo.run_demo",
    )
    _refused(["calibrate", "--out", place(kind, "")], tmp_path, "--out", capsys)
    _refused(["demo", "--out", place(kind, "")], tmp_path, "--out", capsys)


@pytest.mark.parametrize(
    ("argv", "targets"),
    [
        (["export", "sbml", "-o", "{tmp}/new/model.xml"], ["rairlab.cli._export.compile_model"]),
        (["export", "petab", "{tmp}/new"], ["rairlab.calibration.petab_problem"]),
        (["dose", "voxel", "{tmp}/tia.nii.gz", "--out", "{tmp}/dose.nii.gz"],
         ["rairlab.cli._dose_voxel.load_nifti"]),
        (["dose", "lesion", "--nuclide", "I-124", "--measurements", str(LESION_CSV),
          "--mass-g", "2", "--plot", "{tmp}/fit.png"],
         ["rairlab.cli._dose_lesion.read_lesion_table"]),
        (["trial", "run", str(SPEC), "--out", "{tmp}/run"], ["rairlab.cohort.load_trial_spec"]),
        (["trial", "plot", "{tmp}/run", "-o", "{tmp}/fig.svg"], ["rairlab.cohort._report.RunDir"]),
        (["calibrate", "--out", "{tmp}/run"], ["rairlab.calibration.calibrate"]),
        (["demo", "--out", "{tmp}/run"], ["rairlab.cli._demo.run_demo_trial"]),
    ],
)  # fmt: skip
def test_a_good_path_reaches_the_computation(
    argv: list[str],
    targets: list[str],
    tia: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control: the replaced functions are the ones each command computes with."""
    _never(monkeypatch, *targets)
    with pytest.raises(ComputedError):
        main([a.replace("{tmp}", str(tmp_path)) for a in argv])
