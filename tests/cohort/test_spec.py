"""Trial specs: valid ones load; each kind of mistake is one line naming the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from rairlab.cohort import load_trial_spec, parse_trial_spec
from rairlab.errors import InputFileError


def test_valid_spec_loads_with_defaults(make_spec: Any) -> None:
    small_spec = make_spec
    spec = parse_trial_spec(small_spec())
    assert spec.control_arm == "RAI alone"
    assert spec.arms[0].scan == "i124_pet"
    assert spec.population.select_refractory is False
    assert spec.fingerprint() == parse_trial_spec(small_spec()).fingerprint()
    assert spec.fingerprint() != parse_trial_spec(small_spec(seed=12)).fingerprint()


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": "t",
        "seed": 1,
        "population": {"setting": "distant_metastatic", "n": 4, "refractory": False},
        "arms": [
            {"name": "RAI alone"},
            {"name": "drugs", "drugs": [{"name": "dabrafenib"}], "drug_weeks": 4},
        ],
    }
    d = copy.deepcopy(d)
    node: Any = d
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return d


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (("population", "n"), -3, "population.n", "greater than or equal to 1"),
        (("arms", 1, "drugs", 0, "name"), "dabrafinib", "arms[1].drugs[0].name", "dabrafenib"),
        (
            ("population", "genotype"),
            {"BRAF V600E": 0.5, "none": 0.4},
            "population.genotype",
            "sum to 0.9",
        ),
        (("population", "setting"), "metastatic", "population.setting", "rai_refractory"),
        (("arms", 0, "scan"), "pet", "arms[0].scan", "i124_pet"),
        (("endpoints",), ["responce"], "endpoints", "response"),
        (("arms", 1, "drug_weeks"), 0, "arms[1]", "drug_weeks of at least one hour"),
        (("control",), "placebo", "control", "is not an arm"),
        (("population", "genotype"), {"BRAFF V600E": 1.0}, "population.genotype", "BRAF p.V600E"),
    ],
)
def test_bad_field_is_one_line_naming_it(
    path: tuple[Any, ...], value: Any, field: str, words: str
) -> None:
    with pytest.raises(InputFileError) as err:
        parse_trial_spec(_with(path, value), "spec.yaml")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"spec.yaml: {field}")
    assert words in msg


def test_unknown_key_is_refused() -> None:
    with pytest.raises(InputFileError, match=r"arms\[0\]\.activity"):
        parse_trial_spec(_with(("arms", 0, "activity"), 100))


def test_therapy_needs_exactly_one_rule() -> None:
    with pytest.raises(InputFileError, match="either activity_mbq or dosimetry_guided"):
        parse_trial_spec(
            _with(("arms", 0, "therapy"), {"activity_mbq": 1, "dosimetry_guided": True})
        )


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read"):
        load_trial_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InputFileError, match="not valid YAML at line"):
        load_trial_spec(bad)
    bad.write_text("- a list\n")
    with pytest.raises(InputFileError, match="expected a mapping"):
        load_trial_spec(bad)


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_reference_with_a_non_finite_number_is_refused(number: float) -> None:
    # found by the property test: such a spec did not round-trip through its JSON dump
    bad = {"citation": "x", "values": [1.0, {"n": number}]}
    with pytest.raises(InputFileError, match=r"spec.yaml: reference: a number that is not finite"):
        parse_trial_spec(_with(("reference",), bad), "spec.yaml")
    good = {"citation": "x", "values": [1.0, {"n": 2.5}], "trial": None}
    spec = parse_trial_spec(_with(("reference",), good))
    assert parse_trial_spec(spec.model_dump(mode="json")) == spec
