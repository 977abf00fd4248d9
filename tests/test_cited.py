"""`rairlab._cited`, the one reader of shipped data: YAML lines, duplicate keys, cited records.

The reader is libyaml's parser with the same records and lines as the pure-Python one,
refuses a key written twice, and names file and line in every error; `load_cited`
rejects a record without unit, citation, a known provenance, or (for an assumption) a
note, naming the record's line. Moved here: the tests of ``network/_yamlines.py`` and of
``dosimetry/_data.py`` (both folded into `_cited`).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rairlab import _cited
from rairlab._cited import (
    CitedCurve,
    CitedTable,
    CitedValue,
    LineDict,
    RecordError,
    check_cited,
    line_at,
    line_of,
    load_cited,
    parse_yaml,
    read_shipped,
    read_yaml,
)
from rairlab.dosimetry import _data as dosimetry_data
from rairlab.errors import DataFileError, RairlabError
from rairlab.knowledge import _loader

libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
SRC = Path(_cited.__file__).parent
KNOWLEDGE = SRC / "knowledge" / "data" / "liu2023"
NETWORK = SRC / "network" / "data"

RECORD = (
    "  - name: x\n    value: 1.5\n    unit: h\n    provenance: literature\n    citation: Doe 2001\n"
)


def _lines(node: Any) -> Any:
    """`node` with the line of every mapping and key, for comparing two parses."""
    if isinstance(node, LineDict):
        return (node.line, node.key_lines, {k: _lines(v) for k, v in node.items()})
    if isinstance(node, list):
        return [_lines(v) for v in node]
    return node


def _write(tmp_path: Path, text: str, name: str = "data.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ reader


@libyaml
def test_the_reader_is_libyaml() -> None:
    assert issubclass(_cited._Loader, yaml.CSafeLoader)


@pytest.mark.parametrize(
    "path",
    sorted([*KNOWLEDGE.glob("*.yaml"), *NETWORK.glob("*.yaml")]),
    ids=lambda p: f"{p.parent.parent.name}/{p.name}",
)
def test_records_and_lines_match_the_python_parser(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _lines(read_yaml(path))

    class Slow(yaml.SafeLoader):
        pass

    Slow.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _cited._construct_mapping)
    monkeypatch.setattr(_cited, "_Loader", Slow)
    assert fast == _lines(read_yaml(path))


@pytest.mark.parametrize(
    ("text", "line"),
    [("- symbol: BRAF\n  aliases: [a, b\n", 3), ("- a: 1\n- b: 2\n  c: [\n- d: 3\n", 4),
     ("- a: 1\n b: 2\n", 2), ("- x: \"unterminated\n", 2)],
)  # fmt: skip
def test_invalid_yaml_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    path = _write(tmp_path, text, "genes.yaml")
    with pytest.raises(DataFileError, match="invalid YAML") as info:
        read_yaml(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")
    with pytest.raises(DataFileError, match="invalid YAML") as info:
        _loader.load_knowledge(tmp_path)  # the knowledge loader reads through it too
    assert info.value.line == line


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("- id: A\n  rule: B\n  rule: C\n", "rule", 3),
        ("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n", "c", 5),
        ("{x: 1, y: 2, x: 3}\n", "x", 1),
        ("1: a\n1: b\n", 1, 2),
    ],
)
def test_a_key_written_twice_is_refused_with_its_line(
    tmp_path: Path, text: str, key: object, line: int
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError, match=f"key {key!r} written twice") as info:
        read_yaml(path)
    assert info.value.line == line
    assert info.value.path == str(path)


def test_a_merge_key_may_be_overridden_but_not_written_twice() -> None:
    doc = parse_yaml("base: &b {k: 1, n: 2}\nuse:\n  <<: *b\n  k: 3\n", "m.yaml")
    assert doc["use"] == {"k": 3, "n": 2}
    assert line_of(doc["use"], "k") == 4
    with pytest.raises(DataFileError, match="'k' written twice"):
        parse_yaml("base: &b {k: 1}\nuse:\n  <<: *b\n  k: 3\n  k: 4\n", "m.yaml")


def test_a_missing_or_undecodable_file_is_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read the file") as info:
        read_yaml(tmp_path / "absent.yaml")
    assert info.value.path == str(tmp_path / "absent.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("a: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="not UTF-8"):
        read_yaml(bad)


def test_a_mapping_key_must_be_a_plain_value() -> None:
    with pytest.raises(DataFileError, match="plain value") as info:
        parse_yaml("a: 1\n? [x, y]\n: 2\n", "k.yaml")
    assert info.value.line == 2


def test_lines_of_mappings_keys_and_paths() -> None:
    doc = parse_yaml("top:\n  - id: A\n    n: 1\n  - {id: B, n: 2}\nother: x\n", "l.yaml")
    assert (line_of(doc), line_of(doc, "other"), line_of(doc, "absent")) == (1, 5, 1)
    assert [line_of(item) for item in doc["top"]] == [2, 4]
    assert line_of(doc["top"][0], "n") == 3
    assert line_at(doc, ("top", 1, "n")) == 4
    assert line_at(doc, ("top", 7)) == 1  # past the end: the deepest entry reached
    assert line_of({"a": 1}) is None


def test_a_document_read_here_dumps_back_as_plain_yaml() -> None:
    doc = parse_yaml("a: 1\nb: {c: [1, 2]}\n", "d.yaml")
    assert yaml.safe_load(yaml.safe_dump(doc)) == {"a": 1, "b": {"c": [1, 2]}}
    assert pickle.loads(pickle.dumps(doc)) == doc


_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_SCALARS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=12),
)
_DOCS = st.recursive(
    st.dictionaries(_KEYS, _SCALARS, min_size=1, max_size=4),
    lambda inner: st.dictionaries(
        _KEYS, st.one_of(_SCALARS, inner, st.lists(inner, max_size=3)), min_size=1, max_size=4
    ),
    max_leaves=12,
)


def _key_lines(node: Any, text_lines: list[str]) -> None:
    """Every key's line holds that key (block style: ``key:`` or ``- key:``)."""
    if isinstance(node, list):
        for item in node:
            _key_lines(item, text_lines)
    if isinstance(node, dict):
        assert isinstance(node, LineDict)
        for key, value in node.items():
            line = text_lines[node.key_lines[key] - 1].lstrip(" -")
            assert line.startswith(f"{key}:") or line.startswith(f"'{key}':"), (key, line)
            _key_lines(value, text_lines)


@settings(derandomize=True, database=None, deadline=None, max_examples=60)
@given(doc=_DOCS)
def test_a_generated_mapping_round_trips_with_the_line_of_every_key(doc: dict[str, Any]) -> None:
    text = yaml.safe_dump(doc, default_flow_style=False, sort_keys=False, width=1000)
    read = parse_yaml(text, "generated.yaml")
    assert read == doc
    _key_lines(read, text.splitlines())


# ---------------------------------------------------------------------------- records


def test_load_cited_reads_records_by_name() -> None:
    table = load_cited("rairlab.radiobiology", "data/parameters.yaml")
    assert isinstance(table, CitedTable)
    assert table["rbe_alpha"].provenance == "assumption"
    assert table["rbe_alpha"].note
    assert table.value("clonogen_density") == 1.0e7  # YAML 1.1 reads 1.0e7 as text
    assert load_cited("rairlab.radiobiology", "data/parameters.yaml") is table  # cached


def _cited_file(tmp_path: Path, records: str) -> Path:
    return _write(tmp_path, f"source: test\nrecords:\n{records}", "cited.yaml")


@pytest.mark.parametrize(
    ("edit", "line", "text"),
    [
        (lambda r: r.replace("    citation: Doe 2001\n", ""), 3, "citation: missing"),
        (lambda r: r.replace("Doe 2001", "' '"), 7, "citation: must be text"),
        (lambda r: r.replace("    unit: h\n", ""), 3, "unit: missing"),
        (lambda r: r.replace("unit: h", "unit: ''"), 5, "unit: must be text"),
        (lambda r: r.replace("literature", "guess"), 6, "provenance: must be one of"),
        (lambda r: r.replace("literature", "assumption"), 3, "assumption needs a note"),
        (lambda r: r.replace("1.5", "[1, two]"), 4, "value: must be a list of finite numbers"),
        (lambda r: r.replace("1.5", ".inf"), 4, "value: must be a number"),
        (lambda r: r + "    rationale: why\n", 8, "rationale: unknown field"),
        (lambda r: r + RECORD, 8, "duplicate name 'x'"),
    ],
)
def test_a_bad_record_is_refused_with_its_line(
    tmp_path: Path, edit: Any, line: int, text: str
) -> None:
    path = _cited_file(tmp_path, edit(RECORD))
    (error,) = check_cited(path)
    assert text in error.problem
    assert error.line == line, error
    assert str(error).startswith(f"{path}:{line}: record ")


def test_every_bad_record_is_reported_at_once(tmp_path: Path) -> None:
    path = _cited_file(tmp_path, RECORD.replace("Doe 2001", "") + RECORD.replace("h\n", "''\n"))
    assert [e.line for e in check_cited(path)] == [7, 10]


def test_a_file_without_records_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "- name: x\n  value: 1\n", "bare.yaml")
    (error,) = check_cited(path)
    assert "expected a mapping with a 'records' list" in error.problem


def test_a_curve_has_increasing_energies_as_many_as_its_values(tmp_path: Path) -> None:
    curve = RECORD.replace("1.5", "[3, 2, 1]") + "    energy_mev: [0.1, 0.2, 0.3]\n"
    path = _cited_file(tmp_path, curve)
    assert check_cited(path) == []
    path = _cited_file(tmp_path, curve.replace("0.2, 0.3", "0.3, 0.2"))
    (error,) = check_cited(path)
    assert (error.problem.split(": ")[1], error.line) == ("energy_mev", 8)
    path = _cited_file(tmp_path, curve.replace("[3, 2, 1]", "[3, 2]"))
    assert "as long as energy_mev" in check_cited(path)[0].problem


def test_a_record_built_in_code_is_checked_too() -> None:
    rec = CitedValue(name="t", value=[1, 2], unit="h", provenance="derived", citation="Roe 1999")
    assert rec.value == [1.0, 2.0]
    with pytest.raises(RecordError, match="note: an assumption needs a note") as info:
        CitedValue(name="t", value=1, unit="h", provenance="assumption", citation="rairlab")
    assert isinstance(info.value, RairlabError)
    assert isinstance(info.value, ValueError)
    assert pickle.loads(pickle.dumps(info.value)).field == "note"


def test_table_value_array_and_curve() -> None:
    cited = {"provenance": "literature", "citation": "A 2000"}
    table = CitedTable(
        "x.yaml",
        {
            "n": CitedValue(name="n", value=2, unit="1", **cited),  # type: ignore[arg-type]
            "c": CitedCurve(name="c", value=[1, 2], energy_mev=[0.1, 0.2], unit="cm", **cited),  # type: ignore[arg-type]
        },
    )
    assert table.value("n") == 2.0
    assert table.array("n") == [2.0]
    assert table.curve("c").energy_mev == [0.1, 0.2]
    with pytest.raises(DataFileError, match="is a table"):
        table.value("c")
    with pytest.raises(DataFileError, match="no energy_mev"):
        table.curve("n")


# ----------------------------------------------- the dosimetry data (dosimetry/_data.py)


def test_the_sphere_model_is_cited_assumptions_with_notes() -> None:
    model = dosimetry_data.sphere_model()
    assert set(model) == {
        "penetrating_photon_threshold_mev",
        "local_electron_threshold_mev",
        "unit_density_g_cm3",
    }
    assert all(r.provenance == "assumption" and r.note and r.citation for r in model.values())
    assert model.value("unit_density_g_cm3") == 1.0


@pytest.mark.parametrize(
    ("relative", "name", "unit", "n"),
    [
        ("nist_xraymasscoef/water.yaml", "mu_over_rho", "cm2/g", 26),
        ("nist_xraymasscoef/water.yaml", "mu_en_over_rho", "cm2/g", 26),
        ("nist_estar_astar/water.yaml", "csda_range_electron", "g/cm2", 20),
        ("nist_estar_astar/water.yaml", "csda_range_alpha", "g/cm2", 7),
    ],
)
def test_nist_tables_are_cited_curves(relative: str, name: str, unit: str, n: int) -> None:
    rec = load_cited("rairlab.dosimetry", f"data/{relative}").curve(name)
    assert (rec.unit, rec.provenance, rec.material) == (unit, "literature", "Water, Liquid")
    assert "NIST Standard Reference Database" in rec.citation
    energy, values = dosimetry_data.curve(relative, name)
    assert energy.shape == values.shape == (n,)
    assert np.all(np.diff(energy) > 0)
    with pytest.raises(ValueError, match="read-only"):
        values[0] = 0.0


def test_generated_tables_are_read_once_and_cited() -> None:
    doc = dosimetry_data.shipped("icrp107/nuclides.yaml")
    assert doc is read_shipped("rairlab.dosimetry", "data/icrp107/nuclides.yaml")
    assert "ICRP Publication 107" in doc["citation"]
    assert "I-131" in doc["nuclides"]
    (meta,) = dosimetry_data.shipped("lanconelli2012/metadata.yaml")
    assert meta["citation"]
    assert (dosimetry_data.DATA_DIR / "lanconelli2012" / "LICENSE.MIT").is_file()


def test_a_missing_shipped_file_names_it() -> None:
    with pytest.raises(DataFileError, match="cannot read the file") as info:
        read_shipped("rairlab.dosimetry", "data/absent.yaml")
    assert info.value.path == "rairlab/dosimetry/data/absent.yaml"


@pytest.mark.parametrize(
    ("text", "problem"),
    [("[" * 5000 + "]" * 5000, "nest"), ("a: " + "9" * 5000, "digits")],
)
def test_a_hostile_document_is_one_data_file_error(text: str, problem: str) -> None:
    with pytest.raises(DataFileError, match=f"invalid YAML: .*{problem}"):
        parse_yaml(text, "hostile.yaml")


def test_a_trial_spec_with_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    from rairlab.cohort import load_trial_spec
    from rairlab.errors import InputFileError

    path = _write(tmp_path, "name: t\nseed: 1\nseed: 2\n", "spec.yaml")
    with pytest.raises(InputFileError, match="not valid YAML at line 3: key 'seed' written twice"):
        load_trial_spec(path)
