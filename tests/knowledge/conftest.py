"""Fixtures of the knowledge-base tests: a small clean knowledge base and copies to break."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from rairlab.knowledge import KnowledgeBase, load_knowledge

CLEAN = Path(__file__).parent / "fixtures" / "clean"
SHIPPED_FILES = (
    "source.yaml",
    "references.yaml",
    "genes.yaml",
    "entities.yaml",
    "alterations.yaml",
    "biomarkers.yaml",
    "interactions.yaml",
    "agents.yaml",
    "trials.yaml",
    "outcomes.yaml",
    "facts.yaml",
)


@pytest.fixture(scope="session")
def clean_kb() -> KnowledgeBase:
    """The clean fixture knowledge base, loaded once."""
    return load_knowledge(CLEAN)


Mutator = Callable[[str, Callable[[Any], Any]], Path]


@pytest.fixture
def broken(tmp_path: Path) -> Mutator:
    """Copy the clean fixture to a temporary folder and edit one file's parsed YAML.

    ``broken("outcomes.yaml", edit)`` calls ``edit(data)`` (it may change the
    data in place or return new data), writes the file back and returns the folder.
    """
    root = tmp_path / "kb"
    shutil.copytree(CLEAN, root)

    def mutate(filename: str, edit: Callable[[Any], Any]) -> Path:
        path = root / filename
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        result = edit(data)
        data = data if result is None else result
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return root

    return mutate


def _record(data: list[dict[str, Any]], rid: str, field: str = "id") -> dict[str, Any]:
    return next(r for r in data if r.get(field) == rid)


@pytest.fixture
def record() -> Callable[..., dict[str, Any]]:
    """``record(data, "OUT-057")``: the record of a parsed YAML list with this id."""
    return _record


@pytest.fixture(scope="session")
def clean_dir() -> Path:
    """The folder of the clean fixture knowledge base."""
    return CLEAN
