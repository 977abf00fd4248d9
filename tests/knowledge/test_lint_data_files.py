"""`kb lint` checks every shipped data file: cited records by the rules of `load_cited`,
other formats by their own rule, each problem with file and line; nothing is skipped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rairlab.cli import main
from rairlab.knowledge import Problem, lint
from rairlab.knowledge._cache import CACHE_ENV
from rairlab.knowledge._data_files import OTHER_FORMATS, PACKAGE_ROOT, _format_of, data_files
from rairlab.knowledge._lint import check_data_files


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache, so every file is checked (not taken as clean from an earlier run)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package's data files (YAML only), to break."""
    root = tmp_path / "rairlab"
    for path in data_files():
        target = root / path.relative_to(PACKAGE_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_shipped_data_files_are_clean() -> None:
    assert check_data_files() == []
    assert lint() == []  # the shipped knowledge base and every other data file


def test_every_shipped_data_file_is_a_cited_record_file_or_listed() -> None:
    files = [p.relative_to(PACKAGE_ROOT).as_posix() for p in data_files()]
    assert "dosimetry/data/assumptions/sphere_model.yaml" in files
    assert "data/fitted.yaml" in files
    assert all(f.format and f.checked_by for f in OTHER_FORMATS)


def test_a_cited_record_without_a_unit_is_named_with_file_and_line(copy: Path) -> None:
    path = copy / "dosimetry" / "data" / "assumptions" / "sphere_model.yaml"
    _edit(path, "    unit: g/cm3\n", "")
    (problem,) = check_data_files(copy)
    assert problem.file == "dosimetry/data/assumptions/sphere_model.yaml"
    assert problem.line == _line(path, "- name: unit_density_g_cm3")
    assert "unit_density_g_cm3" in problem.message
    assert "unit: missing" in problem.message
    assert str(problem).startswith(f"error: {problem.file}:{problem.line}: ")


@pytest.mark.parametrize(
    ("relative", "old", "new", "at", "text"),
    [
        ("radiobiology/data/parameters.yaml", "    provenance: assumption",
         "    provenance: textbook", "provenance: textbook", "provenance: must be one of"),
        ("observation/data/nacb2003/thyroglobulin.yaml", "    citation:", "    cite:",
         "    cite:", "cite: unknown field"),
        ("dosimetry/data/nist_estar_astar/water.yaml", "[2.0, 3.0, 4.0", "[2.0, 4.0, 3.0",
         "[2.0, 4.0, 3.0", "energy_mev: must hold at least two increasing energies"),
        ("biokinetics/data/assumptions/lesion_iodide.yaml", '    note: "To be calibrated."\n', "",
         "- name: lesion_iodide_efflux_half_time", "an assumption needs a note"),
    ],
)  # fmt: skip
def test_a_bad_cited_record_in_a_copy_names_file_and_line(
    copy: Path, relative: str, old: str, new: str, at: str, text: str
) -> None:
    path = copy / relative
    _edit(path, old, new)
    (problem,) = check_data_files(copy)
    assert (problem.severity, problem.file) == ("error", relative)
    assert text in problem.message
    assert problem.line == _line(path, at)  # a missing field: the record's first line


def test_a_key_written_twice_in_a_network_file_is_named_with_its_line(copy: Path) -> None:
    path = copy / "network" / "data" / "environment.yaml"
    path.write_text(path.read_text() + "- key: tsh2\n  key: tsh3\n", encoding="utf-8")
    (problem,) = check_data_files(copy)
    assert problem.file == "network/data/environment.yaml"
    assert problem.line == len(path.read_text().splitlines())
    assert "key 'key' written twice" in problem.message


def test_a_generated_table_without_a_citation_is_refused(copy: Path) -> None:
    path = copy / "dosimetry" / "data" / "photon_point_kernel" / "water_photon_point_kernel.yaml"
    _edit(path, "  citation: ", "  source_note: ")
    (problem,) = check_data_files(copy)
    assert problem.message == "entry 0: no citation"
    assert problem.line == _line(path, "- source: I-123")


def test_a_modelling_choice_needs_its_rationale(copy: Path) -> None:
    path = copy / "dosimetry" / "data" / "photon_af" / "assumptions.yaml"
    _edit(path, "  rationale:", "  why:")
    (problem,) = check_data_files(copy)
    assert problem.message == "photon_cutoff_mev: no rationale saying why"


def test_a_new_file_of_another_format_is_not_skipped(copy: Path) -> None:
    path = copy / "dosimetry" / "data" / "newsource" / "table.yaml"
    path.parent.mkdir()
    path.write_text("- name: x\n  value: 1\n", encoding="utf-8")
    (problem,) = check_data_files(copy)
    assert problem.file == "dosimetry/data/newsource/table.yaml"
    assert "expected a mapping with a 'records' list" in problem.message


def test_an_entry_of_other_formats_without_its_file_is_an_error(copy: Path) -> None:
    (copy / "calibration" / "data" / "structural_limits.yaml").unlink()
    (problem,) = check_data_files(copy)
    assert problem.file == "calibration/data/structural_limits.yaml"
    assert "no shipped file matches" in problem.message


def test_a_clean_file_is_remembered_and_an_edited_one_checked_again(
    copy: Path, fresh_cache: Path
) -> None:
    assert check_data_files(copy) == []
    markers = sorted((fresh_cache / "checked").glob("*.ok"))
    read = [p for p in data_files(copy) if getattr(_format_of(_rel(p, copy)), "read", True)]
    assert len(markers) == len(read) > 40
    path = copy / "cohort" / "data" / "recist.yaml"
    _edit(path, "provenance: literature", "provenance: unsure")
    assert [p.file for p in check_data_files(copy)] == ["cohort/data/recist.yaml"]


def test_the_cli_names_file_and_line(
    copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rairlab.knowledge._lint as lint_module

    path = copy / "dosimetry" / "data" / "assumptions" / "sphere_model.yaml"
    _edit(path, "    unit: g/cm3\n", "")
    monkeypatch.setattr(lint_module, "PACKAGE_ROOT", copy)  # lint() checks the copy
    assert main(["kb", "lint", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    (problem,) = out["problems"]
    assert problem["file"] == "dosimetry/data/assumptions/sphere_model.yaml"
    assert problem["line"] == _line(path, "- name: unit_density_g_cm3")


def test_problem_str_with_a_line() -> None:
    p = Problem("error", "x/data/a.yaml", None, "unit: missing", 7)
    assert str(p) == "error: x/data/a.yaml:7: unit: missing"
    assert p.where == "x/data/a.yaml:7"
