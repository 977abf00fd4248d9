"""Reading the knowledge base's YAML files into validated records.

One function, :func:`load_knowledge`, reads a folder of record files (by
default the shipped ``data/liu2023``) and returns a
:class:`~rairlab.knowledge.KnowledgeBase`. A malformed record becomes one
:class:`~rairlab.errors.DataFileError` naming the file, line, record id and
field. Each file is parsed once, by rairlab's one YAML reader
(:func:`rairlab._cited.parse_yaml`), and the parsed file is kept in the user cache
(:mod:`rairlab.knowledge._cache`).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rairlab._cited import line_of, parse_yaml
from rairlab.errors import DataFileError, InputFileError
from rairlab.knowledge._cache import cached_parse
from rairlab.knowledge._knowledgebase import KnowledgeBase
from rairlab.knowledge._schemas import (
    Agent,
    AgentNames,
    Alteration,
    Biomarker,
    Entity,
    Fact,
    Gene,
    Interaction,
    NameSource,
    Outcome,
    Reference,
    Source,
    Trial,
)

__all__ = ["DEFAULT_SOURCE", "KINDS", "NAME_KINDS", "RecordKind", "load_knowledge"]

DEFAULT_SOURCE = "liu2023"
SOURCE_FILE = "source.yaml"
#: Folder of agent names from outside the source (brand names, codes), beside or inside it.
NAMES_FOLDER = "drug_names"


@dataclass(frozen=True)
class RecordKind:
    """One record file: its name, the attribute of `KnowledgeBase`, model and id field."""

    attr: str
    filename: str
    model: type[BaseModel]
    id_field: str


#: The files of the names folder; both optional.
NAME_KINDS: tuple[RecordKind, ...] = (
    RecordKind("name_sources", "sources.yaml", NameSource, "key"),
    RecordKind("synonyms", "synonyms.yaml", AgentNames, "agent"),
)

KINDS: tuple[RecordKind, ...] = (
    RecordKind("references", "references.yaml", Reference, "key"),
    RecordKind("genes", "genes.yaml", Gene, "symbol"),
    RecordKind("entities", "entities.yaml", Entity, "id"),
    RecordKind("alterations", "alterations.yaml", Alteration, "id"),
    RecordKind("biomarkers", "biomarkers.yaml", Biomarker, "id"),
    RecordKind("interactions", "interactions.yaml", Interaction, "id"),
    RecordKind("agents", "agents.yaml", Agent, "id"),
    RecordKind("trials", "trials.yaml", Trial, "id"),
    RecordKind("outcomes", "outcomes.yaml", Outcome, "id"),
    RecordKind("facts", "facts.yaml", Fact, "id"),
)


def default_data_root() -> Traversable:
    """The shipped data folder of the default source (``rairlab/knowledge/data/liu2023``)."""
    return files("rairlab.knowledge") / "data" / DEFAULT_SOURCE


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"]) or "(record)"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    value = ""
    if first["type"] not in ("missing", "extra_forbidden"):
        value = f" (got {first.get('input')!r})"
    elif first["type"] == "extra_forbidden":
        value = " (unknown field; check its spelling against docs/knowledge-base.md)"
    return f"field {field!r}: {first['msg']}{value}{more}"


def _parse_yaml(where: str, text: str) -> tuple[Any, list[int]]:
    """Parse `text` once: the document, and the 1-based line of each top-level list item.

    The parser is rairlab's one YAML reader (:func:`rairlab._cited.parse_yaml`:
    libyaml, a key written twice refused); an item that is not a mapping has line 0.
    """
    data = parse_yaml(text, where)
    if not isinstance(data, list):
        return data, []
    return data, [line_of(item) or 0 for item in data]


def read_kind(
    root: Traversable, kind: RecordKind
) -> tuple[tuple[Any, ...], list[DataFileError], bool]:
    """Read one record file.

    Returns
    -------
    records, errors, present
        The valid records, one error per invalid record (or one for the whole
        file), and whether the file exists.
    """
    entry = root / kind.filename
    where = _where(root, kind.filename)
    if not entry.is_file():
        return (), [], False
    text = entry.read_text(encoding="utf-8")
    try:
        data, lines = cached_parse(where, text, _parse_yaml)
    except DataFileError as exc:
        return (), [exc], True
    if data is None:
        return (), [], True
    if not isinstance(data, list):
        return (), [DataFileError(where, "expected a YAML list of records at the top level")], True
    records: list[Any] = []
    errors: list[DataFileError] = []
    for i, raw in enumerate(data):
        line = (lines[i] or None) if i < len(lines) else None
        if not isinstance(raw, dict):
            errors.append(DataFileError(where, f"item {i + 1} is not a mapping", line))
            continue
        rid = raw.get(kind.id_field, f"item {i + 1}")
        try:
            records.append(kind.model.model_validate(raw))
        except ValidationError as exc:
            errors.append(DataFileError(where, f"record {rid}: {_describe(exc)}", line))
    return tuple(records), errors, True


def read_source(root: Traversable) -> tuple[Source | None, list[DataFileError]]:
    """Read ``source.yaml`` (a mapping, or a list holding one mapping)."""
    entry = root / SOURCE_FILE
    where = _where(root, SOURCE_FILE)
    if not entry.is_file():
        return None, []
    try:
        data, _ = cached_parse(where, entry.read_text(encoding="utf-8"), _parse_yaml)
    except DataFileError as exc:
        return None, [exc]
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        return None, [DataFileError(where, "expected one mapping describing the source")]
    try:
        return Source.model_validate(data), []
    except ValidationError as exc:
        return None, [DataFileError(where, f"record {data.get('key', '?')}: {_describe(exc)}")]


def names_root(root: Traversable) -> Traversable | None:
    """The folder of agent names from outside the source, or ``None``.

    A knowledge-base folder may hold its own ``drug_names/``; the shipped source
    uses the shipped ``data/drug_names`` (the names are not the review's, so they
    live beside its folder, not in it).
    """
    own = root / NAMES_FOLDER
    if own.is_dir():
        return own
    if _same_folder(root, default_data_root()):
        return files("rairlab.knowledge") / "data" / NAMES_FOLDER
    return None


def _same_folder(a: Traversable, b: Traversable) -> bool:
    """Whether two folders are one (``--path`` may name the shipped folder relatively)."""
    if isinstance(a, Path) and isinstance(b, Path):
        return a.resolve() == b.resolve()
    return str(a) == str(b)


def read_names(root: Traversable) -> tuple[dict[str, tuple[Any, ...]], list[DataFileError]]:
    """Read the names folder of `root` (see `names_root`): name sources and agent synonyms.

    Returns
    -------
    contents, errors
        ``{"name_sources": ..., "synonyms": ...}`` (empty tuples without the
        folder or its files) and one error per invalid record or file.
    """
    folder = names_root(root)
    contents: dict[str, tuple[Any, ...]] = {kind.attr: () for kind in NAME_KINDS}
    errors: list[DataFileError] = []
    if folder is None:
        return contents, errors
    for kind in NAME_KINDS:
        records, errs, _present = read_kind(folder, kind)
        contents[kind.attr] = records
        errors += errs
    return contents, errors


def _where(root: Traversable, filename: str) -> str:
    return str(Path(str(root)) / filename)


def read_all(
    root: Traversable,
) -> tuple[dict[str, Any], list[DataFileError], tuple[str, ...]]:
    """Read every record file of a folder, collecting every error.

    Returns
    -------
    contents, errors, missing
        Keyword arguments for :class:`KnowledgeBase` (``source``, one tuple per
        record kind, and the names folder's ``name_sources`` and ``synonyms``),
        every file/record error, and the record files that are absent.
    """
    contents: dict[str, Any] = {}
    errors: list[DataFileError] = []
    missing: list[str] = []
    source, errs = read_source(root)
    contents["source"] = source
    errors += errs
    for kind in KINDS:
        records, errs, present = read_kind(root, kind)
        contents[kind.attr] = records
        errors += errs
        if not present:
            missing.append(kind.filename)
    names, errs = read_names(root)
    contents.update(names)
    errors += errs
    return contents, errors, tuple(missing)


def _resolve_root(path: str | os.PathLike[str] | Traversable | None) -> Traversable:
    if path is None:
        return default_data_root()
    if isinstance(path, str | os.PathLike):
        root = Path(path)
        if not root.is_dir():
            raise InputFileError(root, "not a folder of knowledge-base YAML files")
        return root
    return path


def load_knowledge(path: str | os.PathLike[str] | Traversable | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base.

    Parameters
    ----------
    path
        A folder holding the record files (``references.yaml``, ``genes.yaml``,
        ...). ``None`` (default) loads the shipped Liu et al. (2023) data, once
        per process (the result is cached). Absent files count as empty; `rairlab
        kb lint` reports them.

    Returns
    -------
    KnowledgeBase
        Immutable records with lookups.

    Raises
    ------
    DataFileError
        For the first malformed file or record, naming file, line, record id and field.
    InputFileError
        If `path` is not a folder, or holds none of the record files (so it is no
        knowledge base).

    Examples
    --------
    >>> kb = load_knowledge()
    >>> kb is load_knowledge()
    True
    """
    if path is None:
        return _load_default()
    root = _resolve_root(path)
    require_records(root)
    return _load(root)


def require_records(root: Path | Traversable) -> None:
    """Raise `InputFileError` when folder `root` holds none of the record files."""
    names = (SOURCE_FILE, *(kind.filename for kind in KINDS))
    if not any((root / name).is_file() for name in names):
        raise InputFileError(
            root, f"not a knowledge base: none of {', '.join(names[:3])}, ... is in this folder"
        )


@functools.cache
def _load_default() -> KnowledgeBase:
    return _load(default_data_root())


def _load(root: Traversable) -> KnowledgeBase:
    contents, errors, missing = read_all(root)
    if errors:
        raise errors[0]
    return KnowledgeBase(**contents, missing_files=missing, origin=str(root))
