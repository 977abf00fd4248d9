"""A per-user cache of parsed knowledge-base YAML files, stored as JSON and keyed by their bytes.

Turning the shipped YAML into Python objects is most of a warm ``rairlab
evidence``. The cache keeps each file's parsed document (plain JSON values, never
a pickle) with the line of each record, under ``$RAIRLAB_CACHE_DIR`` (default:
the platform's user cache folder, e.g. ``~/.cache/rairlab``; set it empty to
turn the cache off). An entry is used only when the file's bytes hash to its
name, so editing a file invalidates it. A cache that cannot be written is
skipped, and an unreadable or corrupt entry is parsed again and replaced.

``rairlab kb lint`` keeps one more thing there: an empty marker per shipped data
file that passed its check (:func:`known_clean`, :func:`mark_clean`), keyed by the
file's bytes and the checking code, so a warm lint re-checks only what changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CACHE_ENV", "cache_dir", "cached_parse", "known_clean", "mark_clean"]

#: Environment variable naming rairlab's cache folder; an empty value turns caching off.
CACHE_ENV = "RAIRLAB_CACHE_DIR"

# Bumped when the stored layout or the meaning of a parse changes.
_FORMAT = "rairlab-yaml-2"

Parsed = tuple[Any, list[int]]


def cache_dir() -> Path | None:
    """rairlab's cache folder: ``$RAIRLAB_CACHE_DIR``, else the platform's user cache folder.

    Returns ``None`` when ``RAIRLAB_CACHE_DIR`` is set to an empty string (caching off).
    """
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "rairlab"


def cached_parse(where: str, text: str, parse: Callable[[str, str], Parsed]) -> Parsed:
    """``parse(where, text)``, read from the cache when the same bytes were parsed before.

    Parameters
    ----------
    where
        The file's path; entries of one path replace each other when its bytes change.
    text
        The file's content.
    parse
        The parser: returns the document and the 1-based line of each top-level
        list item. Its errors propagate and nothing is cached.

    Returns
    -------
    document, lines
        As `parse` returns them.
    """
    folder = cache_dir()
    if folder is None:
        return parse(where, text)
    slot = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    key = hashlib.sha256(f"{_FORMAT}\0{yaml.__version__}\0{text}".encode()).hexdigest()
    entry = folder / "knowledge" / f"{slot}-{key}.json"
    hit = _read(entry)
    if hit is not None:
        return hit
    data, lines = parse(where, text)
    _write(entry, slot, data, lines)
    return data, lines


def _read(entry: Path) -> Parsed | None:
    try:
        doc = json.loads(entry.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT or "data" not in doc:
        return None
    lines = doc.get("lines")
    if not isinstance(lines, list) or not all(type(n) is int for n in lines):
        return None
    return doc["data"], lines


def _write(entry: Path, slot: str, data: Any, lines: list[int]) -> None:
    try:
        payload = json.dumps(
            {"format": _FORMAT, "data": data, "lines": lines}, ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError):  # a date, a NaN, ...: not plain JSON, parse it each time
        return
    if json.loads(payload)["data"] != data:  # e.g. integer keys would come back as strings
        return
    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(payload)
        os.replace(tmp, entry)
        tmp = None
        for old in entry.parent.glob(f"{slot}-*.json"):
            if old != entry:
                old.unlink(missing_ok=True)
    except OSError:  # read-only or full disk, a file where the folder should be: no cache
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _marker(where: str, content: bytes, rules: str) -> tuple[Path, str] | None:
    folder = cache_dir()
    if folder is None:
        return None
    slot = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    key = hashlib.sha256(f"{_FORMAT}\0{rules}\0{where}\0".encode() + content).hexdigest()
    return folder / "checked" / f"{slot}-{key}.ok", slot


def known_clean(where: str, content: bytes, rules: str) -> bool:
    """Whether the file `where` with these bytes passed the check `rules` names before."""
    marker = _marker(where, content, rules)
    return marker is not None and marker[0].is_file()


def mark_clean(where: str, content: bytes, rules: str) -> None:
    """Remember that the file `where` with these bytes passed the check `rules` names."""
    marker = _marker(where, content, rules)
    if marker is None:
        return
    entry, slot = marker
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.touch()
        for old in entry.parent.glob(f"{slot}-*.ok"):
            if old != entry:
                old.unlink(missing_ok=True)
    except OSError:  # read-only or full disk: check again next time
        pass
