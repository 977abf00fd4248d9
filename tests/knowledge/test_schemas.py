"""Record models: enums, unknown keys, the evidence-level rule, result rows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rairlab.errors import InvalidValueError
from rairlab.knowledge import (
    EvidenceLevel,
    Interaction,
    Outcome,
    ResultRow,
    StudyType,
    effect_sign,
    evidence_level,
)

# the rule of docs/knowledge-base.md, "Evidence levels", written out again as the oracle
RULE = {
    "A": ["phase3_trial", "meta_analysis", "approval"],
    "B": [
        "phase1_trial",
        "phase2_trial",
        "phase1_2_trial",
        "prospective_cohort",
        "retrospective_cohort",
        "clinical_study",
    ],
    "C": ["case_report", "case_series"],
    "D": ["in_vitro", "in_vivo", "in_vitro_in_vivo"],
    "E": ["computational", "expert_opinion", "unspecified"],
}


@pytest.mark.parametrize(("level", "study_type"), [(k, t) for k, v in RULE.items() for t in v])
def test_evidence_level_follows_the_documented_rule(level: str, study_type: str) -> None:
    assert evidence_level(study_type) is EvidenceLevel(level)


def test_every_study_type_has_a_level() -> None:
    assert {t.value for t in StudyType} == {t for v in RULE.values() for t in v}


def test_outcome_carries_its_evidence_level_in_json() -> None:
    o = Outcome(id="OUT-900", study="X", citations=("x2020",), study_type="in_vitro")
    assert o.model_dump(mode="json")["evidence_level"] == "D"


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="citatons"):
        Outcome.model_validate(
            {"id": "OUT-900", "study": "X", "citatons": ["x2020"], "study_type": "in_vitro"}
        )


def test_unknown_enum_value_is_rejected() -> None:
    with pytest.raises(ValidationError, match="effect"):
        Interaction(id="INT-900", source="BRAF", target="SLC5A5", effect="boosts")


def test_effect_signs() -> None:
    assert [effect_sign(e).value for e in ("upregulates", "degrades", "regulates")] == [
        "+",
        "-",
        "0",
    ]


def test_result_row_numbers() -> None:
    row = ResultRow(measure="ORR", value_text="86% (95% CI: 64-97)", value=86, unit="%",
                    ci95=(64, 97), p_value="< 0.01")  # fmt: skip
    assert row.ci95 == (64.0, 97.0)
    assert row.p_value == "< 0.01"
    assert ResultRow(measure="m", value_text="p = 0.03", p_value=0.03).p_value == 0.03


@pytest.mark.parametrize(
    "bad", [{"ci95": [97, 64]}, {"k": 7, "n": 6}, {"n": -1}, {"ci95": [1, 2, 3]}]
)
def test_result_row_rejects_inconsistent_numbers(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ResultRow.model_validate({"measure": "m", "value_text": "t", **bad})


def test_trial_without_nct_id_needs_a_name() -> None:
    from rairlab.knowledge._schemas import Trial

    named = Trial(id="TRL-900", acronym="SELECT", citations=("doe2020",))
    assert named.label == "SELECT"
    with pytest.raises(ValueError, match="acronym or a title"):
        Trial(id="TRL-901", citations=("doe2020",))


def test_named_trials_without_nct_id_are_found_by_acronym() -> None:
    from rairlab.knowledge import load_knowledge

    kb = load_knowledge()
    for acronym in ("SELECT", "COSMIC-311", "ASTRA", "LIBRETTO-001", "ARROW"):
        trial = kb.trial(acronym.lower())
        assert trial.nct_id is None
        assert trial.acronym == acronym


def test_unknown_study_type_is_an_invalid_value_naming_the_choices() -> None:
    with pytest.raises(InvalidValueError, match=r"'phase4'.*phase3_trial"):
        evidence_level("phase4")


def _criterion(**change: object) -> dict[str, object]:
    return {
        "min_lesion_dose_gy": 20.0,
        "max_activity_mci": 300.0,
        "value_text": ">= 2000 cGy with <= 300 mCi",
        "citations": ["doe2020"],
    } | change


def test_trial_dosimetry_criterion_is_typed() -> None:
    from rairlab.knowledge._schemas import Trial

    trial = Trial.model_validate(
        {"id": "TRL-900", "nct_id": "NCT00000001", "citations": ["doe2020"],
         "dosimetry_criterion": _criterion()}
    )  # fmt: skip
    assert trial.dosimetry_criterion is not None
    assert trial.dosimetry_criterion.max_activity_mci == 300.0
    assert Trial(id="TRL-901", nct_id="NCT00000002").dosimetry_criterion is None


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"min_lesion_dose_gy": 0.0}, "greater than 0"),
        ({"max_activity_mci": -300.0}, "greater than 0"),
        ({"max_activity_mci": float("inf")}, "finite"),
        ({"citations": []}, "at least 1"),
        ({"citations": ["roe2021"]}, r"cites \['roe2021'\], which the trial's citations"),
        ({"max_activity_mbq": 11100.0}, "Extra inputs"),
    ],
)
def test_trial_dosimetry_criterion_refuses(change: dict[str, object], match: str) -> None:
    from rairlab.knowledge._schemas import Trial

    with pytest.raises(ValidationError, match=match):
        Trial.model_validate(
            {"id": "TRL-900", "nct_id": "NCT00000001", "citations": ["doe2020"],
             "dosimetry_criterion": _criterion(**change)}
        )  # fmt: skip


def test_nct02152995_criterion_is_the_reviews_table_1() -> None:
    """2000 cGy and 300 mCi as Table 1 prints them; the record keeps Gy and mCi."""
    from rairlab.knowledge import load_knowledge

    trial = load_knowledge().trial("NCT02152995")
    crit = trial.dosimetry_criterion
    assert crit is not None
    assert crit.min_lesion_dose_gy * 100 == 2000  # cGy as printed
    assert crit.max_activity_mci == 300
    assert {"2000", "300"} <= set(crit.value_text.replace("cGy", " ").split())
    assert crit.section == trial.section == "Table 1"
    assert any("2000 cGy" in o and "300 mCi" in o for o in trial.primary_outcomes)
