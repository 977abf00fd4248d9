"""Lesion dosimetry: dose per GBq, planning, eligibility, cited thresholds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import rairlab.dosimetry as dosimetry
from rairlab.dosimetry import (
    Measurements,
    activity_for_dose,
    get_nuclide,
    lesion_dose_per_gbq,
    lesion_dosimetry,
    sphere_s_value,
    trial_criteria,
    trial_max_activity_mbq,
)
from rairlab.errors import DataFileError, InvalidValueError, UnknownNameError
from rairlab.knowledge import KnowledgeBase, load_knowledge
from rairlab.radiobiology import response_thresholds

LESION_API = {
    "LesionDose",
    "Measurements",
    "TacAnalysis",
    "TacFit",
    "TAC_MODELS",
    "ACTIVITY_UNITS",
    "activity_for_dose",
    "fit_tac",
    "lesion_dose_per_gbq",
    "lesion_dosimetry",
    "read_csv_columns",
    "read_measurements",
    "redecay",
    "trial_criteria",
    "trial_max_activity_mbq",
    "TrialCriterion",
    "BloodDose",
    "blood_dose_per_gbq",
    "blood_dosimetry",
    "eanm_blood_constants",
    "max_activity_blood_mbq",
    "max_activity_retention_mbq",
    "read_blood_measurements",
}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "dosimetry"


def test_lesion_blood_and_tac_names_are_exported() -> None:
    assert set(dosimetry.__all__) >= LESION_API
    for name in LESION_API:
        assert hasattr(dosimetry, name)


def test_dose_per_gbq_is_residence_time_times_s_value() -> None:
    tau = np.array([0.1, 0.5, 2.0])
    s = float(sphere_s_value("I-131", 5.0))
    # oracle: τ[h] · 3600 s/h · 1e9 Bq/GBq · S; tolerance 1e-12 relative
    np.testing.assert_allclose(lesion_dose_per_gbq(tau, "I-131", 5.0), tau * 3.6e12 * s, rtol=1e-12)


def test_activity_for_target_and_default_target() -> None:
    assert float(activity_for_dose(4.0, 20.0)) == pytest.approx(5000.0, rel=1e-12)
    assert float(activity_for_dose(4.0)) == pytest.approx(5000.0, rel=1e-12)  # 20 Gy default
    assert math.isinf(float(activity_for_dose(0.0, 20.0)))
    for bad in (0.0, -20.0, math.inf, math.nan):
        with pytest.raises(InvalidValueError, match="target_gy"):
            activity_for_dose(4.0, bad)


def _mono(tau_bio_h: float, uptake: float, nuclide: str = "I-131") -> Measurements:
    t = np.array([4.0, 24.0, 48.0, 96.0, 144.0])
    lam = get_nuclide(nuclide).decay_constant_per_h + math.log(2) / tau_bio_h
    return Measurements(t, uptake * np.exp(-lam * t), None, "synthetic")


def test_eligibility_follows_the_maximum_activity() -> None:
    res = lesion_dosimetry(_mono(48.0, 0.001), "I-131", 2.0)
    assert res.eligible == (res.activity_for_target_mbq <= 11100.0)
    tight = lesion_dosimetry(
        _mono(48.0, 0.001), "I-131", 2.0, max_activity_mbq=res.activity_for_target_mbq * 0.99
    )
    assert not tight.eligible
    assert res.max_activity_mbq == pytest.approx(300 * 37.0, rel=1e-12)
    assert res.dose_at_max_activity_gy == pytest.approx(res.dose_gy_per_gbq * 11.1, rel=1e-12)


def test_recovery_coefficient_scales_the_dose_inversely() -> None:
    m = _mono(48.0, 0.001)
    full = lesion_dosimetry(m, "I-131", 2.0, model="mono")
    half = lesion_dosimetry(m, "I-131", 2.0, recovery=0.5, model="mono")
    assert half.dose_gy_per_gbq == pytest.approx(2.0 * full.dose_gy_per_gbq, rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"mass_g": 0.0}, "--mass-g"),
        ({"recovery": 1.5}, "--recovery"),
        ({"target_gy": -1.0}, "--target-gy"),
        ({"max_activity_mbq": 0.0}, "--max-activity-mbq"),
        ({"mass_g": math.nan}, "--mass-g"),
        ({"recovery": math.nan}, "--recovery"),
        ({"target_gy": math.inf}, "--target-gy"),
        ({"target_gy": math.nan}, "--target-gy"),
        ({"max_activity_mbq": math.inf}, "--max-activity-mbq"),
        ({"max_activity_mbq": math.nan}, "--max-activity-mbq"),
    ],
)
def test_bad_parameters_name_the_option(kwargs: dict[str, float], param: str) -> None:
    args: dict[str, float] = {"mass_g": 2.0} | kwargs
    with pytest.raises(InvalidValueError, match=param):
        lesion_dosimetry(_mono(48.0, 0.001), "I-131", **args)  # type: ignore[arg-type]


def test_unknown_nuclide_is_refused() -> None:
    with pytest.raises(UnknownNameError, match="I-132"):
        lesion_dosimetry(_mono(48.0, 0.001), "I-132", 2.0)


def test_trial_criterion_is_the_knowledge_base_record_in_mbq() -> None:
    record = load_knowledge().trial("NCT02152995").dosimetry_criterion
    assert record is not None
    crit = trial_criteria()
    assert crit.trial == "NCT02152995"
    assert crit.target_gy == record.min_lesion_dose_gy == 20.0
    # 1 mCi = 37 MBq exactly (1 Ci = 3.7e10 Bq): 300 mCi = 11 100 MBq
    assert crit.max_activity_mbq == trial_max_activity_mbq() == record.max_activity_mci * 37.0
    assert crit.max_activity_mbq == 11100.0
    assert "Table 1" in crit.citation
    assert "2000 cGy" in crit.citation
    assert crit.doi == "10.1016/j.drup.2023.100939"


def test_trial_criterion_follows_the_knowledge_base_it_reads() -> None:
    """The numbers live in the trial's record only: another record, other defaults."""
    kb = load_knowledge()
    trial = kb.trial("NCT02152995")
    assert trial.dosimetry_criterion is not None
    other = trial.model_copy(
        update={"dosimetry_criterion": trial.dosimetry_criterion.model_copy(
            update={"min_lesion_dose_gy": 30.0, "max_activity_mci": 200.0})}
    )  # fmt: skip
    edited = KnowledgeBase(source=kb.source, trials=(other,))
    assert (trial_criteria(edited).target_gy, trial_criteria(edited).max_activity_mbq) == (
        30.0,
        7400.0,
    )
    bare = KnowledgeBase(
        source=kb.source, trials=(trial.model_copy(update={"dosimetry_criterion": None}),)
    )
    with pytest.raises(DataFileError, match=r"NCT02152995.*no dosimetry_criterion"):
        trial_criteria(bare)


def test_literature_thresholds_rows_are_the_radiobiology_levels() -> None:
    d = lesion_dosimetry(_mono(48.0, 0.001), "I-131", 2.0).to_dict()
    levels = response_thresholds()
    rows = {r["name"]: r for r in d["literature_thresholds"]}
    assert set(rows) == set(levels)
    for name, rec in levels.items():
        assert rows[name]["dose_gy"] == rec.value
        assert rows[name]["citation"] == rec.citation
        # the activity that reaches the level: level / (dose per GBq), in MBq; rel 1e-12
        assert rows[name]["activity_mbq"] == pytest.approx(
            float(rec.value) / d["dose_gy_per_gbq"] * 1e3,
            rel=1e-12,
        )


def test_json_dict_has_the_contract_keys() -> None:
    d = lesion_dosimetry(_mono(48.0, 0.001), "I-131", 2.0).to_dict()
    for key in ("tia_mbq_h", "dose_gy_per_gbq", "activity_for_target_mbq", "eligible", "model"):
        assert key in d
    assert isinstance(d["fit"], dict)
    assert {t["name"] for t in d["literature_thresholds"]} >= {"remnant_ablation_gy"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("time_h,activity_mbq\n" + "1" * 140_000 + ",0.1\n24,0.05\n48,0.02\n", "line 2"),
        ('time_h,activity_mbq\n4,"0.1\n24",0.05\n48,0.02\n50,0.01\n', "line 2"),
    ],
)
def test_malformed_csv_rows_are_one_input_file_error(
    tmp_path: Path, text: str, problem: str
) -> None:
    from rairlab.errors import InputFileError

    path = tmp_path / "tac.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=problem):
        dosimetry.read_measurements(path, 74.0)
