"""Reading YAML data files while remembering the line of every mapping and key.

Errors in the network's data files name the file and the 1-based line of the
bad record, so the loader needs the line of each mapping and of each of its
values; plain ``yaml.safe_load`` forgets them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rairlab.errors import DataFileError

__all__ = ["LineDict", "line_of", "load_yaml_lines"]


class LineDict(dict[str, Any]):
    """A mapping read from YAML that knows its own line and the line of each value."""

    line: int = 0
    key_lines: dict[str, int]


def line_of(mapping: Any, key: str | None = None) -> int | None:
    """The 1-based line of `mapping` (or of its value under `key`), when known."""
    if not isinstance(mapping, LineDict):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line


# libyaml's C parser when PyYAML was built with it (several times faster); its nodes
# carry the same line marks as the pure-Python parser's.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_lines(path: Path) -> Any:
    """Load a YAML file whose mappings are `LineDict` instances.

    Raises
    ------
    DataFileError
        When the file is missing or is not valid YAML (with the line of the problem).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, f"cannot read the file ({exc.strerror})") from exc
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a (C)SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(path, f"invalid YAML: {exc.problem or exc}", line) from exc
