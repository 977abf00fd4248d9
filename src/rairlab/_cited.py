"""Cited data files: the one way rairlab reads the YAML data it ships.

Every number rairlab takes from the literature, and every modelling
assumption, is a record ``{name, value, unit, provenance, citation, doi?,
note?}`` in a YAML file under a ``data/`` folder named after its source; a
value tabulated against energy adds ``energy_mev`` (:class:`CitedCurve`).
:func:`load_cited` reads such a file into :class:`CitedValue` objects and
rejects a record without a citation or a unit, with an unknown provenance, or
an assumption without a note saying why.

The files of other formats (network rules, knowledge-base records,
calibration targets, generated tables) go through the same reader,
:func:`read_yaml`: libyaml's parser when PyYAML has it, a key written twice
refused, and the 1-based line of every mapping and key kept (:func:`line_of`)
so that every loader's errors name file and line. This module sits at the top
of the package, below every layer, so that every package uses it without
importing another.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Hashable, Mapping
from dataclasses import MISSING, dataclass, fields
from importlib.resources import files
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import yaml

from rairlab.errors import DataFileError, RairlabError, UnknownNameError

__all__ = [
    "PROVENANCES",
    "CitedCurve",
    "CitedTable",
    "CitedValue",
    "LineDict",
    "RecordError",
    "check_cited",
    "line_at",
    "line_of",
    "load_cited",
    "parse_yaml",
    "read_shipped",
    "read_yaml",
]

Provenance = Literal["literature", "assumption", "fitted", "derived"]
#: The provenances a cited record may have.
PROVENANCES: tuple[str, ...] = ("literature", "assumption", "fitted", "derived")

# ----------------------------------------------------------------------------- reader


class LineDict(dict[Any, Any]):
    """A mapping read from YAML that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


def line_of(mapping: Any, key: Any = None) -> int | None:
    """The 1-based line of `mapping` (or of its entry `key`), when it was read by this module.

    Examples
    --------
    >>> doc = parse_yaml("a: 1\\nb:\\n  c: 2\\n", "example.yaml")
    >>> line_of(doc), line_of(doc, "b"), line_of(doc["b"], "c"), line_of({})
    (1, 2, 3, None)
    """
    if not isinstance(mapping, LineDict):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line


def line_at(doc: Any, loc: tuple[Any, ...] | list[Any]) -> int | None:
    """The line of the deepest entry of `doc` reached by the keys and indices `loc`.

    For an error located by a path into a document (a pydantic error's ``loc``).

    Examples
    --------
    >>> doc = parse_yaml("a:\\n  - x: 1\\n  - x: 2\\n    y: 3\\n", "example.yaml")
    >>> line_at(doc, ("a", 1, "y")), line_at(doc, ("a", 1, "z")), line_at(doc, ())
    (4, 3, 1)
    """
    line = line_of(doc)
    node = doc
    for step in loc:
        if isinstance(node, dict) and step in node:
            line = line_of(node, step) or line
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            line = line_of(node) or line
        else:
            break
    return line


# libyaml's C parser when PyYAML was built with it (several times faster); its nodes
# carry the same line marks as the pure-Python parser's.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(_Base):
    """A safe loader whose mappings are `LineDict` and that refuses a key written twice."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    loader.flatten_mapping(node)
    merged = len(node.value) - own  # entries of ``<<:`` merges come first and may be overridden
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    written: set[Any] = set()
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        if i >= merged:
            if key in written:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} written twice", key_node.start_mark
                )
            written.add(key)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# A document read here can be written back with yaml.safe_dump.
yaml.representer.SafeRepresenter.add_representer(
    LineDict, yaml.representer.SafeRepresenter.represent_dict
)


def parse_yaml(text: str, where: object) -> Any:
    """Parse YAML `text` (read from `where`, named in errors) into `LineDict` mappings.

    Raises
    ------
    DataFileError
        Invalid YAML or a key written twice in one mapping, with the line; also a
        document nested too deeply or holding an integer too long for Python.
    """
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a (C)SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc).splitlines()[0]
        raise DataFileError(where, f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise DataFileError(where, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DataFileError(where, "invalid YAML: nested too deeply") from None
    except ValueError as exc:  # an integer with more digits than Python converts
        raise DataFileError(where, f"invalid YAML: {str(exc).splitlines()[0]}") from None


def read_yaml(path: str | os.PathLike[str] | Traversable) -> Any:
    """Read a YAML file whose mappings are `LineDict` instances (see :func:`parse_yaml`).

    Raises
    ------
    DataFileError
        When the file cannot be read, is not UTF-8 text or is not valid YAML.
    """
    entry = Path(path) if isinstance(path, str | os.PathLike) else path
    try:
        text = entry.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DataFileError(path, "cannot read the file (not UTF-8 text)") from None
    return parse_yaml(text, path)


def _where(package: str, relpath: str) -> str:
    return f"{package.replace('.', '/')}/{relpath}"


def _read_package(package: str, relpath: str) -> Any:
    entry = files(package).joinpath(relpath)
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(_where(package, relpath), f"cannot read the file ({exc})") from None
    return parse_yaml(text, _where(package, relpath))


@functools.cache
def read_shipped(package: str, relpath: str) -> Any:
    """The YAML file `relpath` shipped in `package`, read once per process (do not modify it).

    For the shipped files that are not cited records (generated tables, for
    instance); errors name the file as ``package/relpath``.
    """
    return _read_package(package, relpath)


# ---------------------------------------------------------------------------- records


class RecordError(RairlabError, ValueError):
    """A cited record that breaks a rule; `field` is the offending field, if one is.

    `load_cited` turns it into a `DataFileError` naming the file and the line.
    """

    def __init__(self, field: str | None, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


def _number(x: Any) -> float | None:
    """`x` as a finite float, or ``None`` if it is not a number (booleans are not).

    Text that spells a number counts: YAML 1.1 reads ``1.0e7`` (no exponent sign) as text.
    """
    if isinstance(x, str):
        try:
            x = float(x)
        except ValueError:
            return None
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def _numbers(x: Any, field: str) -> list[float]:
    out = [_number(v) for v in x] if isinstance(x, list) else [None]
    if any(v is None for v in out):
        raise RecordError(field, "must be a list of finite numbers")
    return out  # type: ignore[return-value]


def _text(x: Any, field: str, *, optional: bool = False, min_length: int = 1) -> None:
    if x is None and optional:
        return
    if not isinstance(x, str) or len(x.strip()) < min_length:
        what = "text" if min_length == 1 else f"text of at least {min_length} characters"
        raise RecordError(field, f"must be {what}" + (" or absent" if optional else ""))


@dataclass(frozen=True, kw_only=True)
class CitedValue:
    """One number (or list of numbers) with its unit, provenance and citation.

    ``provenance: assumption`` marks a modelling choice (for instance a generic
    value used because no thyroid-specific one exists); its ``note`` says why.
    A dimensionless value has the unit ``"1"``. The record is checked when built
    (a `RecordError`, a `ValueError`, names the field); integers become floats.

    Examples
    --------
    >>> CitedValue(name="t", value=2, unit="h", provenance="literature", citation="Doe 2001").value
    2.0
    """

    name: str
    value: float | list[float] | list[list[float]]
    unit: str
    provenance: Provenance
    citation: str
    doi: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _text(self.name, "name")
        object.__setattr__(self, "value", self._checked_value())
        _text(self.unit, "unit")
        if self.provenance not in PROVENANCES:
            raise RecordError("provenance", f"must be one of {', '.join(PROVENANCES)}")
        _text(self.citation, "citation", min_length=3)
        _text(self.doi, "doi", optional=True)
        _text(self.note, "note", optional=True)
        if self.provenance == "assumption" and self.note is None:
            raise RecordError("note", "an assumption needs a note saying why")

    def _checked_value(self) -> float | list[float] | list[list[float]]:
        v: Any = self.value
        number = _number(v)
        if number is not None:
            return number
        if isinstance(v, list) and v and all(isinstance(row, list) for row in v):
            return [_numbers(row, "value") for row in v]
        if isinstance(v, list):
            return _numbers(v, "value")
        raise RecordError("value", "must be a number, a list of numbers or a list of such lists")

    @classmethod
    def from_record(cls, raw: Any) -> CitedValue:
        """Build from a mapping read from YAML; an unknown or missing field is a `RecordError`."""
        if not isinstance(raw, Mapping):
            raise RecordError(None, "expected a mapping {name, value, unit, ...}")
        known = [f.name for f in fields(cls)]
        unknown = [str(k) for k in raw if k not in known]
        if unknown:
            raise RecordError(unknown[0], f"unknown field (fields: {', '.join(known)})")
        missing = [f.name for f in fields(cls) if f.default is MISSING and f.name not in raw]
        if missing:
            raise RecordError(missing[0], "missing")
        return cls(**{str(k): v for k, v in raw.items()})


@dataclass(frozen=True, kw_only=True)
class CitedCurve(CitedValue):
    """A value tabulated against energy: ``value[i]`` at ``energy_mev[i]``, energies increasing."""

    value: list[float]
    energy_mev: list[float]
    material: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        energy = _numbers(self.energy_mev, "energy_mev")
        object.__setattr__(self, "energy_mev", energy)
        _text(self.material, "material", optional=True)
        value: Any = self.value
        flat = isinstance(value, list) and not any(isinstance(v, list) for v in value)
        if not flat or len(energy) != len(value):
            raise RecordError("value", "must be a list of numbers as long as energy_mev")
        if len(energy) < 2 or any(b <= a for a, b in pairwise(energy)):
            raise RecordError("energy_mev", "must hold at least two increasing energies")


class CitedTable(Mapping[str, CitedValue]):
    """The records of one file, by name; ``table.value(name)`` gives the number."""

    def __init__(self, path: str, records: dict[str, CitedValue]) -> None:
        self.path = path
        self._records = records

    def __getitem__(self, name: str) -> CitedValue:
        try:
            return self._records[name]
        except KeyError:
            raise UnknownNameError("parameter", name, self._records) from None

    def __iter__(self) -> Any:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def value(self, name: str) -> float:
        """The scalar value of record `name` (a `DataFileError` if it is a list)."""
        v = self[name].value
        if not isinstance(v, float | int):
            raise DataFileError(self.path, f"parameter {name!r} is a table, not a number")
        return float(v)

    def array(self, name: str) -> list[Any]:
        """The list value of record `name`."""
        v = self[name].value
        if isinstance(v, float | int):
            return [float(v)]
        return list(v)

    def curve(self, name: str) -> CitedCurve:
        """Record `name`, a value tabulated against energy (a `DataFileError` if it is not)."""
        rec = self[name]
        if not isinstance(rec, CitedCurve):
            raise DataFileError(self.path, f"parameter {name!r} has no energy_mev")
        return rec


def _records(doc: Any, where: str) -> tuple[dict[str, CitedValue], list[DataFileError]]:
    """Validate a parsed cited file: its records by name, and one error per bad record."""
    if not isinstance(doc, dict) or not isinstance(doc.get("records"), list):
        return {}, [DataFileError(where, "expected a mapping with a 'records' list", line_of(doc))]
    records: dict[str, CitedValue] = {}
    errors: list[DataFileError] = []
    for i, item in enumerate(doc["records"]):
        name = item.get("name") if isinstance(item, dict) else None
        label = f"record {i}" + (f" ({name})" if isinstance(name, str) else "")
        model = CitedCurve if isinstance(item, dict) and "energy_mev" in item else CitedValue
        try:
            rec = model.from_record(item)
        except RecordError as exc:
            line = line_of(item, exc.field)
            errors.append(DataFileError(where, f"{label}: {exc}", line))
            continue
        if rec.name in records:
            errors.append(
                DataFileError(where, f"{label}: duplicate name {rec.name!r}", line_of(item, "name"))
            )
            continue
        records[rec.name] = rec
    return records, errors


def check_cited(path: str | os.PathLike[str] | Traversable) -> list[DataFileError]:
    """Every problem of the cited-record file `path` (empty when it is clean).

    The rules of :func:`load_cited`, but all errors at once, for ``rairlab kb lint``.
    """
    try:
        doc = read_yaml(path)
    except DataFileError as exc:
        return [exc]
    return _records(doc, str(path))[1]


@functools.cache
def load_cited(package: str, relpath: str) -> CitedTable:
    """Read the cited-parameter file `relpath` shipped in `package`.

    Parameters
    ----------
    package
        The package holding the file, e.g. ``"rairlab.radiobiology"``.
    relpath
        Path inside the package, e.g. ``"data/parameters.yaml"``.

    Returns
    -------
    CitedTable
        The records by name.

    Raises
    ------
    DataFileError
        If the file is not a YAML mapping with a list of ``records``, a record
        lacks a field (a citation or a unit in particular), has an unknown
        provenance, is an assumption without a note, or repeats a name. The
        error names the file and the line of the record.

    Examples
    --------
    >>> t = load_cited("rairlab.radiobiology", "data/parameters.yaml")
    >>> t["rbe_alpha"].provenance  # generic value, not thyroid-specific
    'assumption'
    """
    where = _where(package, relpath)
    records, errors = _records(_read_package(package, relpath), where)
    if errors:
        raise errors[0]
    return CitedTable(where, records)
