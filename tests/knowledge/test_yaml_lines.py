"""libyaml's C parser reads the data files with the same records and the same line numbers
as the pure-Python parser, so every error still names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import rairlab.network._yamlines as yamlines
from rairlab import _cited
from rairlab.errors import DataFileError
from rairlab.knowledge import _loader

libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
SHIPPED = Path(_loader.__file__).parent / "data" / "liu2023"
NETWORK = Path(yamlines.__file__).parent / "data"


@libyaml
def test_the_fast_loaders_are_libyaml() -> None:
    assert issubclass(_loader._SafeLoader, yaml.CSafeLoader)
    assert issubclass(yamlines._Loader, yaml.CSafeLoader)
    assert issubclass(_cited._SafeLoader, yaml.CSafeLoader)


@pytest.mark.parametrize("name", sorted(p.name for p in SHIPPED.glob("*.yaml")))
def test_knowledge_records_and_lines_match_the_python_parser(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (SHIPPED / name).read_text(encoding="utf-8")
    fast = _loader._parse_yaml(name, text)
    monkeypatch.setattr(_loader, "_SafeLoader", yaml.SafeLoader)
    assert fast == _loader._parse_yaml(name, text)


@pytest.mark.parametrize("name", sorted(p.name for p in NETWORK.glob("*.yaml")))
def test_network_lines_match_the_python_parser(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def lines(node: object) -> object:
        if isinstance(node, yamlines.LineDict):
            return (node.line, node.key_lines, {k: lines(v) for k, v in node.items()})
        if isinstance(node, list):
            return [lines(v) for v in node]
        return node

    fast = lines(yamlines.load_yaml_lines(NETWORK / name))

    class Slow(yaml.SafeLoader):
        pass

    Slow.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, yamlines._construct_mapping
    )
    monkeypatch.setattr(yamlines, "_Loader", Slow)
    assert fast == lines(yamlines.load_yaml_lines(NETWORK / name))


@pytest.mark.parametrize(
    ("text", "line"),
    [("- symbol: BRAF\n  aliases: [a, b\n", 3), ("- a: 1\n- b: 2\n  c: [\n- d: 3\n", 4),
     ("- a: 1\n b: 2\n", 2), ("- x: \"unterminated\n", 2)],
)  # fmt: skip
def test_invalid_yaml_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "genes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="invalid YAML") as info:
        _loader.load_knowledge(tmp_path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")
    with pytest.raises(DataFileError, match="invalid YAML") as info:
        yamlines.load_yaml_lines(path)
    assert info.value.line == line


def test_duplicate_key_in_a_network_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "network.yaml"
    path.write_text("- id: A\n  rule: B\n  rule: C\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="duplicate key 'rule'") as info:
        yamlines.load_yaml_lines(path)
    assert info.value.line == 3
