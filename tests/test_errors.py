"""The error hierarchy: builtin bases, messages that name values, pickling."""

import pickle

import pytest

from rairlab.errors import (
    DataFileError,
    InputFileError,
    InvalidValueError,
    MissingExtraError,
    RairlabError,
    UnknownNameError,
    close_matches,
)

ALL_ERRORS = [
    UnknownNameError("drug", "dabrafinib", ["dabrafenib", "trametinib"], hint="see --list"),
    InvalidValueError("--mass-g", -2.0, "a positive mass in grams"),
    InputFileError("m.csv", "missing column 'time_h'"),
    DataFileError("rules.yaml", "unknown node 'XYZ'", line=12),
    MissingExtraError("libsbml", "sbml"),
]


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_is_a_rairlab_error_and_pickles(error: RairlabError) -> None:
    assert isinstance(error, RairlabError)
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert clone.__dict__ == error.__dict__


def test_builtin_bases_let_callers_catch_the_usual_way() -> None:
    assert isinstance(ALL_ERRORS[0], LookupError)
    assert isinstance(ALL_ERRORS[1], ValueError)
    assert isinstance(ALL_ERRORS[2], ValueError)
    assert isinstance(ALL_ERRORS[4], ImportError)


def test_unknown_name_suggests_close_matches_and_names_the_value() -> None:
    msg = str(ALL_ERRORS[0])
    assert "'dabrafinib'" in msg
    assert "Did you mean 'dabrafenib'?" in msg
    assert msg.endswith("see --list")
    assert "\n" not in msg


def test_unknown_name_puts_extra_suggestions_first() -> None:
    err = UnknownNameError(
        "alteration", "XYZ1 V600E", ["BRAF p.V600E", "XYZ1 V600"], also=["BRAF p.V600E"]
    )
    assert err.suggestions[0] == "BRAF p.V600E"
    assert len(err.suggestions) == len(set(err.suggestions))
    assert "Did you mean 'BRAF p.V600E'" in str(err)
    assert pickle.loads(pickle.dumps(err)).suggestions == err.suggestions


def test_unknown_name_lists_short_choice_sets() -> None:
    err = UnknownNameError("TSH state", "high", ["suppressed", "withdrawal", "rhTSH"])
    assert "rhTSH, suppressed, withdrawal" in str(err)


def test_data_file_error_names_file_and_line() -> None:
    assert str(ALL_ERRORS[3]) == "rules.yaml:12: unknown node 'XYZ'"


def test_missing_extra_says_which_pip_install_fixes_it() -> None:
    assert "pip install 'rairlab[sbml]'" in str(ALL_ERRORS[4])


def test_close_matches_is_case_insensitive_and_keeps_original_spelling() -> None:
    assert close_matches("SELUMETINIB", ["Selumetinib", "Sorafenib"]) == ["Selumetinib"]
    assert close_matches("zzz", ["Selumetinib"]) == []
