"""Helpers shared by test modules (on the path through ``pythonpath`` in pyproject.toml)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def file_types(root: Path) -> dict[str, int]:
    """Every entry under `root` (links not followed) and its file type (``stat.S_IFMT``)."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(folder) / name
            found[str(p.relative_to(root))] = stat.S_IFMT(p.lstat().st_mode)
    return found
