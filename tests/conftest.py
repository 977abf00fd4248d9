"""Fixtures shared by every test package."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def load_script(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Import a script of the repository (e.g. ``benchmarks/cohort.py``) as a module."""

    def load(relative: str) -> ModuleType:
        path = ROOT / relative
        spec = util.spec_from_file_location(f"_script_{path.stem}", path)
        assert spec is not None
        assert spec.loader is not None
        module = util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look the module up
        spec.loader.exec_module(module)
        return module

    return load
