"""Repository-level pytest configuration: what doctest collection must not import, and no
user cache: tests never write outside their temporary folders."""

from __future__ import annotations

import os

import pytest

collect_ignore = ["src/rairlab/__main__.py"]

_CACHE_ENV = "RAIRLAB_CACHE_DIR"  # rairlab.knowledge._cache.CACHE_ENV
_saved_cache_env: list[str | None] = []


def pytest_configure(config: pytest.Config) -> None:
    """Turn rairlab's user cache off (an empty folder name) for the run and its subprocesses.

    Set here rather than in a fixture because collection already loads the knowledge
    base; the cache tests point it into their own ``tmp_path``.
    """
    _saved_cache_env.append(os.environ.get(_CACHE_ENV))
    os.environ[_CACHE_ENV] = ""


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = _saved_cache_env.pop() if _saved_cache_env else None
    if previous is None:
        os.environ.pop(_CACHE_ENV, None)
    else:
        os.environ[_CACHE_ENV] = previous
