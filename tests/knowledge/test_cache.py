"""The per-user cache of parsed knowledge-base YAML: hit, miss, corrupt and unwritable entries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rairlab.errors import DataFileError
from rairlab.knowledge import KnowledgeBase, load_knowledge
from rairlab.knowledge._cache import CACHE_ENV, cache_dir, cached_parse
from rairlab.knowledge._loader import _parse_yaml

Mutator = Callable[[str, Callable[[Any], Any]], Path]
Find = Callable[..., dict[str, Any]]

TEXT = "- id: A\n  n: 1\n- id: B\n  n: [2, 3]\n"


class CountingParser:
    """`_parse_yaml`, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, where: str, text: str) -> tuple[Any, list[int]]:
        self.calls += 1
        return _parse_yaml(where, text)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "knowledge").glob("*.json"))


def test_second_parse_of_the_same_bytes_is_a_hit(cache: Path) -> None:
    parse = CountingParser()
    first = cached_parse("x/a.yaml", TEXT, parse)
    second = cached_parse("x/a.yaml", TEXT, parse)
    assert parse.calls == 1
    assert first == second == ([{"id": "A", "n": 1}, {"id": "B", "n": [2, 3]}], [1, 3])
    assert len(_entries(cache)) == 1


def test_changed_bytes_miss_and_replace_the_old_entry(cache: Path) -> None:
    parse = CountingParser()
    cached_parse("x/a.yaml", TEXT, parse)
    data, lines = cached_parse("x/a.yaml", "# moved down\n" + TEXT, parse)
    assert parse.calls == 2
    assert lines == [2, 4]
    assert data[0] == {"id": "A", "n": 1}
    assert len(_entries(cache)) == 1  # one entry per file path
    cached_parse("y/a.yaml", TEXT, parse)  # another path keeps its own entry
    assert len(_entries(cache)) == 2


@pytest.mark.parametrize(
    "content",
    [b"\x00garbage", b"[1, 2]", b'{"format": "other", "data": [], "lines": []}',
     b'{"format": "rairlab-yaml-1", "data": [], "lines": ["1"]}'],
)  # fmt: skip
def test_corrupt_entry_is_ignored_and_rebuilt(cache: Path, content: bytes) -> None:
    parse = CountingParser()
    expected = cached_parse("x/a.yaml", TEXT, parse)
    (entry,) = _entries(cache)
    entry.write_bytes(content)
    assert cached_parse("x/a.yaml", TEXT, parse) == expected
    assert parse.calls == 2
    assert cached_parse("x/a.yaml", TEXT, parse) == expected  # rebuilt: a hit again
    assert parse.calls == 2


def test_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    parse = CountingParser()
    assert cached_parse("x/a.yaml", TEXT, parse)[1] == [1, 3]
    assert cached_parse("x/a.yaml", TEXT, parse)[1] == [1, 3]
    assert parse.calls == 2
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_empty_variable_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir() is None
    parse = CountingParser()
    cached_parse("x/a.yaml", TEXT, parse)
    cached_parse("x/a.yaml", TEXT, parse)
    assert parse.calls == 2


def test_default_folder_is_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = cache_dir()
    assert folder is not None
    assert folder.name == "rairlab"


def test_values_json_cannot_hold_are_not_cached(cache: Path) -> None:
    parse = CountingParser()
    text = "- id: A\n  when: 2023-05-01\n- {1: one}\n"
    first = cached_parse("x/a.yaml", text, parse)
    assert cached_parse("x/a.yaml", text, parse) == first
    assert parse.calls == 2  # a date and an integer key do not survive JSON
    assert _entries(cache) == []


def test_invalid_yaml_is_not_cached(cache: Path) -> None:
    with pytest.raises(DataFileError, match="invalid YAML"):
        cached_parse("x/a.yaml", "- a: [1, 2\n", _parse_yaml)
    assert _entries(cache) == []


def test_cached_knowledge_base_equals_a_fresh_one(cache: Path, clean_dir: Path) -> None:
    fresh = load_knowledge(clean_dir)
    assert _entries(cache)  # written on the first load
    again: KnowledgeBase = load_knowledge(clean_dir)
    for attr in ("source", "references", "genes", "alterations", "agents", "outcomes", "facts"):
        assert getattr(again, attr) == getattr(fresh, attr), attr


def test_error_from_a_cached_file_still_names_file_and_line(
    cache: Path, broken: Mutator, record: Find
) -> None:
    def typo(data: list[dict[str, Any]]) -> None:
        record(data, "OUT-057")["results"][0]["ci95"] = [5, 1]

    root = broken("outcomes.yaml", typo)
    path = root / "outcomes.yaml"
    expected = next(
        i for i, line in enumerate(path.read_text().splitlines(), 1) if "OUT-057" in line
    )
    errors = []
    for _ in range(2):  # a miss, then a hit
        with pytest.raises(DataFileError) as info:
            load_knowledge(root)
        errors.append(info.value)
    assert [e.line for e in errors] == [expected, expected]
    assert all(f"{path}:{expected}:" in str(e) for e in errors)
