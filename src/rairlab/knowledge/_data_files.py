"""Every YAML file rairlab ships under a ``data/`` folder, and the rule that checks it.

``rairlab kb lint`` runs :func:`check_data_files`. Each file is read by rairlab's one
YAML reader (:func:`rairlab._cited.read_yaml`: valid YAML, no key written twice).
A cited-record file (``records:`` of ``{name, value, unit, provenance, citation,
doi?, note?}``) is then validated with the rules of :func:`rairlab._cited.load_cited`,
every record at once. A file of another format is listed in :data:`OTHER_FORMATS`
with its format and the loader that validates it. Knowledge does not import those
loaders (they live in higher layers), so their tests run them. Where the loader reads
only part of a file (generated tables, prose modelling choices, kernel metadata), the
entry's rule checks here that every entry carries a citation. A file that matches no
entry must be a cited-record file, and an entry that matches no file is an error, so
no file is skipped silently. A file that passed is remembered in the user cache
(:func:`rairlab.knowledge._cache.mark_clean`, keyed by its bytes and by the checking
code), so a warm lint checks only the files that changed.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

import rairlab._cited
from rairlab._cited import check_cited, line_of, read_yaml
from rairlab.errors import DataFileError
from rairlab.knowledge._cache import known_clean, mark_clean

__all__ = ["OTHER_FORMATS", "PACKAGE_ROOT", "OtherFormat", "check_data_files", "data_files"]

#: The folder of the rairlab package (``src/rairlab`` in a checkout).
PACKAGE_ROOT = Path(__file__).resolve().parents[1]

Rule = Callable[[Any, str], list[DataFileError]]


def _entries(doc: Any) -> list[Any]:
    return doc if isinstance(doc, list) else [doc]


def every_entry_cited(doc: Any, where: str) -> list[DataFileError]:
    """Each top-level entry (or the document, if it is a mapping) has a non-blank citation."""
    out = []
    for i, entry in enumerate(_entries(doc)):
        citation = entry.get("citation") if isinstance(entry, dict) else None
        if not isinstance(citation, str) or not citation.strip():
            out.append(DataFileError(where, f"entry {i}: no citation", line_of(entry)))
    return out


def every_choice_says_why(doc: Any, where: str) -> list[DataFileError]:
    """Each entry is a named assumption with a citation and a rationale saying why."""
    out = every_entry_cited(doc, where)
    for i, entry in enumerate(_entries(doc)):
        if not isinstance(entry, dict):
            continue
        name = entry.get("name", i)
        if entry.get("provenance") != "assumption":
            line = line_of(entry, "provenance")
            out.append(DataFileError(where, f"{name}: provenance must be assumption", line))
        if not str(entry.get("rationale") or "").strip():
            out.append(DataFileError(where, f"{name}: no rationale saying why", line_of(entry)))
    return out


@dataclass(frozen=True)
class OtherFormat:
    """Shipped YAML files that are not cited records.

    Attributes
    ----------
    pattern
        Paths relative to the package folder (``fnmatch``; ``*`` also crosses ``/``).
    format
        What the files hold.
    checked_by
        The loader (and test) that validates them.
    rule
        A check run here besides the YAML reader, or ``None``.
    read
        ``False`` for files that `kb lint` reads through the knowledge loader anyway.
    """

    pattern: str
    format: str
    checked_by: str
    rule: Rule | None = None
    read: bool = True


_GENERATED = "generated table (do not edit by hand)"

#: The shipped YAML files that are not cited-record files, with why and what checks them.
OTHER_FORMATS: tuple[OtherFormat, ...] = (
    OtherFormat(
        "knowledge/data/liu2023/*.yaml",
        "knowledge-base records (pydantic models of knowledge/_schemas.py)",
        "load_knowledge and the other kb lint checks",
        read=False,
    ),
    OtherFormat(
        "knowledge/data/drug_names/*.yaml",
        "agent names and their sources",
        "load_knowledge and kb lint's check_synonyms",
        read=False,
    ),
    OtherFormat(
        "knowledge/data/hgvs/amino_acids.yaml",
        "one cited record of amino-acid codes",
        "knowledge._hgvs.amino_acid_codes",
        every_entry_cited,
    ),
    OtherFormat(
        "network/data/*.yaml",
        "network rules, edge constants, variants, drug actions, alterations, environment, "
        "population distributions and behaviour rows, one format per file (header comments)",
        "network.load_network_data, load_population_spec and load_behaviour "
        "(tests/network/test_data_files.py, test_behaviour.py)",
    ),
    OtherFormat(
        "cohort/data/cohort.yaml",
        "cohort tables and distributions with provenance and a citation or note",
        "cohort.load_cohort_data (tests/cohort)",
    ),
    OtherFormat(
        "cohort/data/regimens.yaml",
        "reference drug regimens with provenance and citation",
        "cohort.load_cohort_data (tests/cohort)",
    ),
    OtherFormat(
        "cohort/data/demo_trial.yaml",
        "a trial spec (input, not cited data)",
        "cohort.load_trial_spec (tests/test_demo.py)",
    ),
    OtherFormat(
        "calibration/data/trials/*.yaml",
        "calibration trial specs (input, not cited data)",
        "cohort.load_trial_spec through Target.trial (tests/calibration/test_targets.py)",
    ),
    OtherFormat(
        "calibration/data/targets.yaml",
        "calibration targets: knowledge-base outcomes mapped to simulated quantities",
        "calibration.load_targets (tests/calibration/test_targets.py)",
    ),
    OtherFormat(
        "calibration/data/problem*.yaml",
        "calibration problems: which parameters are fitted, and how",
        "calibration.load_problem (tests/calibration)",
    ),
    OtherFormat(
        "calibration/data/structural_limits.yaml",
        "named structural limits of the model, with the targets each explains",
        "calibration._docs.load_limits (tests/calibration/test_shipped.py)",
    ),
    OtherFormat(
        "data/fitted.yaml",
        "the calibrated parameter set (provenance: fitted), written by rairlab calibrate",
        "rairlab._parameters.parameter_set (tests/test_parameters.py)",
    ),
    OtherFormat(
        "dosimetry/data/icrp107/nuclides.yaml",
        f"{_GENERATED}: ICRP-107 emissions per nuclide, by icrp107/generate.py",
        "dosimetry.get_nuclide (tests/dosimetry/test_nuclides.py)",
        every_entry_cited,
    ),
    OtherFormat(
        "dosimetry/data/photon_af/sphere_photon_af.yaml",
        f"{_GENERATED}: photon Monte Carlo absorbed fractions, by photon_af/generate.py",
        "dosimetry._svalues (tests/dosimetry/test_photon_af.py)",
        every_entry_cited,
    ),
    OtherFormat(
        "dosimetry/data/photon_af/water_cross_sections.yaml",
        f"{_GENERATED}: cross sections read by photon_af/generate.py, by "
        "tabulate_cross_sections.py",
        "tests/dosimetry/test_photon_af.py",
        every_entry_cited,
    ),
    OtherFormat(
        "dosimetry/data/photon_point_kernel/water_photon_point_kernel.yaml",
        f"{_GENERATED}: photon point kernels, by photon_point_kernel/generate.py",
        "dosimetry.photon_point_kernel (tests/dosimetry/test_point_kernel.py)",
        every_entry_cited,
    ),
    OtherFormat(
        "dosimetry/data/*/assumptions.yaml",
        "modelling choices of the photon Monte Carlo, stated in words (mostly not numbers)",
        "the generators and the READMEs beside them",
        every_choice_says_why,
    ),
    OtherFormat(
        "dosimetry/data/lanconelli2012/metadata.yaml",
        "metadata of the shipped voxel S-value kernels",
        "dosimetry._kernels (tests/dosimetry/test_voxel.py)",
        every_entry_cited,
    ),
)


def data_files(root: Path = PACKAGE_ROOT) -> list[Path]:
    """The YAML files under a ``data/`` folder of the package at `root`, sorted."""
    return sorted(p for p in root.glob("**/data/**/*.yaml") if p.is_file())


def _format_of(rel: str) -> OtherFormat | None:
    return next((f for f in OTHER_FORMATS if fnmatchcase(rel, f.pattern)), None)


@functools.cache
def _rules() -> str:
    """A fingerprint of the checking code: the reader and its rules, and PyYAML."""
    code = Path(str(rairlab._cited.__file__)).read_bytes() + Path(__file__).read_bytes()
    return hashlib.sha256(code + yaml.__version__.encode()).hexdigest()


def _check(path: Path, rel: str, fmt: OtherFormat | None, root: Path) -> list[DataFileError]:
    if fmt is None:
        return [_relative(e, root) for e in check_cited(path)]
    try:
        doc = read_yaml(path)
    except DataFileError as exc:
        return [_relative(exc, root)]
    return fmt.rule(doc, rel) if fmt.rule is not None else []


def check_data_files(root: Path = PACKAGE_ROOT) -> list[DataFileError]:
    """Every problem of the shipped data files under `root` (empty when all are clean).

    Returns
    -------
    list of DataFileError
        Each names the file (relative to `root`) and, where known, the line.
    """
    errors: list[DataFileError] = []
    matched: set[str] = set()
    for path in data_files(root):
        rel = path.relative_to(root).as_posix()
        fmt = _format_of(rel)
        if fmt is not None:
            matched.add(fmt.pattern)
            if not fmt.read:
                continue
        try:
            content = path.read_bytes()
        except OSError as exc:
            errors.append(DataFileError(rel, f"cannot read the file ({exc.strerror or exc})"))
            continue
        if known_clean(rel, content, _rules()):
            continue
        found = _check(path, rel, fmt, root)
        if not found:
            mark_clean(rel, content, _rules())
        errors += found
    errors += [
        DataFileError(f.pattern, "no shipped file matches this entry of OTHER_FORMATS")
        for f in OTHER_FORMATS
        if f.pattern not in matched
    ]
    return errors


def _relative(exc: DataFileError, root: Path) -> DataFileError:
    path = Path(exc.path)
    if path.is_absolute() and path.is_relative_to(root):
        return DataFileError(path.relative_to(root).as_posix(), exc.problem, exc.line)
    return exc
