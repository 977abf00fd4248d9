"""Keys and values with line breaks, terminal escapes or thousands of characters in a
trial spec or tumour case: still one printable line of bounded length (issue 13).

An unknown key was put raw into the field path (``simulation.a<newline>b``), a key
holding ``[`` was dropped from it, and values were quoted in full. Every error
names the field with keys of word characters as written and any other key
quoted, escaped and elided (``['a\\nb']``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rairlab.cohort import load_case, load_trial_spec, parse_case, parse_trial_spec
from rairlab.errors import MAX_SHOWN, InputFileError

_SPEC: dict[str, Any] = {
    "name": "t",
    "seed": 1,
    "population": {"setting": "distant_metastatic", "n": 4, "refractory": False},
    "arms": [
        {"name": "RAI alone"},
        {"name": "drugs", "drugs": [{"name": "dabrafenib"}], "drug_weeks": 4},
    ],
}
HOSTILE = {
    "newline": "a\nb",
    "escape": "\x1b[31m",
    "long": "k" * 5000,
    "line separator": "a\u2028b",
    "carriage return": "x\r\ny",
    "brackets": "a[1]",
}
# the longest message: the path, the two quoted values, the longest "Known: ..." list
LONGEST = 1200


def _checked(error: InputFileError, starts: str) -> str:
    message = str(error)
    assert message.isprintable(), message  # no line break, no escape sequence
    assert message.startswith(starts), message
    assert len(message) <= LONGEST, len(message)
    return message


def _spec_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_SPEC)
    node: Any = doc
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize("key", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    ("where", "field"),
    [
        ((), "spec.yaml: "),
        (("simulation",), "spec.yaml: simulation["),
        (("arms", 0), "spec.yaml: arms[0]["),
        (("arms", 1, "drugs", 0), "spec.yaml: arms[1].drugs[0]["),
        (("population",), "spec.yaml: population["),
    ],
)
def test_unknown_key_in_a_trial_spec_is_quoted_on_one_line(
    key: str, where: tuple[Any, ...], field: str
) -> None:
    with pytest.raises(InputFileError) as info:
        parse_trial_spec(_spec_with((*where, key), 1), "spec.yaml")
    message = _checked(info.value, field)
    assert "Extra inputs are not permitted" in message
    assert repr(key)[:40] in message  # the key itself is named, escaped


@pytest.mark.parametrize("key", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (lambda k: {k: 1}, "case.yaml: "),
        (lambda k: {"lesions": [{"mass_g": 2.0, k: 1}]}, "case.yaml: lesions[0]["),
        (lambda k: {"drugs": [{"name": "dabrafenib", k: 1}]}, "case.yaml: drugs[0]["),
        (lambda k: {"env": {k: [1]}}, "case.yaml: env["),
    ],
)
def test_unknown_key_in_a_case_is_quoted_on_one_line(key: str, doc: Any, field: str) -> None:
    with pytest.raises(InputFileError) as info:
        parse_case(doc(key), "case.yaml")
    message = _checked(info.value, field)
    assert repr(key)[:40] in message


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    "path",
    [
        ("arms", 0, "scan"),
        ("arms", 0, "tsh"),
        ("arms", 1, "drugs", 0, "name"),
        ("control",),
        ("endpoints",),
        ("population", "genotype"),
        ("simulation", "variant"),
        ("seed",),
    ],
)
def test_bad_value_in_a_trial_spec_is_quoted_elided_on_one_line(
    value: str, path: tuple[Any, ...]
) -> None:
    if path == ("endpoints",):
        value_in: Any = [value]
    elif path == ("population", "genotype"):
        value_in = {value: 1.0}
    else:
        value_in = value
    with pytest.raises(InputFileError) as info:
        parse_trial_spec(_spec_with(path, value_in), "spec.yaml")
    message = _checked(info.value, "spec.yaml: ")
    assert value[:MAX_SHOWN] not in message or len(value) <= MAX_SHOWN


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    "doc",
    [
        lambda v: {"genotype": v},
        lambda v: {"scan": v},
        lambda v: {"variant": v},
        lambda v: {"n": v},
        lambda v: {"env": {"tgfb": v}},
        lambda v: {"lesions": [{"mass_g": 2.0, "site": v}]},
        lambda v: {"drugs": [{"name": v}]},
    ],
)
def test_bad_value_in_a_case_is_quoted_elided_on_one_line(value: str, doc: Any) -> None:
    with pytest.raises(InputFileError) as info:
        parse_case(doc(value), "case.yaml")
    _checked(info.value, "case.yaml: ")


def test_a_yaml_file_with_a_hostile_key_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({**_SPEC, "a\nb": 1, "k" * 5000: 2}), encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        load_trial_spec(spec)
    assert "['a\\nb'] (1)" in _checked(info.value, str(spec))
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump({"\x1b[31m": 1}), encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        load_case(case)
    assert "['\\x1b[31m'] (1)" in _checked(info.value, str(case))


def test_plain_keys_still_read_as_a_path() -> None:
    with pytest.raises(InputFileError) as info:
        parse_trial_spec(_spec_with(("arms", 0, "activity"), 100), "spec.yaml")
    assert str(info.value) == "spec.yaml: arms[0].activity (100): Extra inputs are not permitted"
    with pytest.raises(InputFileError) as info:
        parse_case({"lesions": [{"mass_g": "x"}]}, "case.yaml")
    assert str(info.value).startswith("case.yaml: lesions[0].mass_g ('x'): ")
