"""Parameter sets (rairlab._parameters) and the loaders that apply them."""

from __future__ import annotations

import numpy as np
import pytest

from rairlab._parameters import ParameterSet, parameter_set, replace_distribution
from rairlab.cohort import load_cohort_data, parse_trial_spec
from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network import load_population_spec, sample_parameters
from rairlab.observation import detection_limit_pct_ia_per_g, scan_protocol


def test_prior_is_empty_and_fitted_is_a_set() -> None:
    assert parameter_set("prior").items == ()
    assert isinstance(parameter_set("fitted"), ParameterSet)
    assert parameter_set(None) == parameter_set("fitted")


def test_mapping_over_base_replaces_and_adds() -> None:
    p = parameter_set({"patient.alpha_per_gy.median": 0.2}, base="prior")
    assert p.as_dict() == {"patient.alpha_per_gy.median": 0.2}
    assert p.domain("patient") == {"alpha_per_gy.median": 0.2}
    assert p.label == "prior+custom"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nowhere.x.y": 1.0}, "DOMAIN.RECORD"),
        ({"population": 1.0}, "DOMAIN.RECORD"),
        ({"population.tgfb.sigma": "big"}, "a number"),
        ({"population.tgfb.sigma": float("nan")}, "a finite number"),
    ],
)
def test_bad_names_and_values_are_refused(values: dict, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        parameter_set(values)


def test_unknown_set_name_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="fitted, prior"):
        parameter_set("posterior")


def test_replace_distribution_checks_fields_and_domain() -> None:
    base = {"median": 0.5, "sigma": 0.2}
    assert replace_distribution("logitnormal", base, "x", {"x.median": 0.7}, "w") == {
        "median": 0.7,
        "sigma": 0.2,
    }
    with pytest.raises(InvalidValueError, match="median, sigma"):
        replace_distribution("logitnormal", base, "x", {"x.mu": 0.7}, "w")
    with pytest.raises(InvalidValueError, match="x"):
        replace_distribution("logitnormal", base, "x", {"x.median": 1.5}, "w")


def test_population_spec_takes_values_and_marks_them_fitted() -> None:
    spec = load_population_spec(
        parameters=parameter_set({"population.braf_strength.median": 0.5}, base="prior")
    )
    rec = next(p for p in spec.parameters if p.name == "braf_strength")
    assert rec.params["median"] == 0.5
    assert rec.provenance == "fitted"
    prior = next(
        p for p in load_population_spec(parameters="prior").parameters if p.name == "braf_strength"
    )
    assert prior.params["median"] == 0.8


def test_population_draws_move_with_the_median_on_common_random_numbers() -> None:
    lo = load_population_spec(parameters=parameter_set({"population.tgfb.median": 0.1}))
    hi = load_population_spec(parameters=parameter_set({"population.tgfb.median": 0.3}))
    a, b = sample_parameters(lo, 200, 5)["tgfb"], sample_parameters(hi, 200, 5)["tgfb"]
    assert np.all(b > a)  # same normal deviates, larger location: every patient moves up


def test_unknown_population_record_names_close_matches() -> None:
    with pytest.raises(UnknownNameError, match="tgfb"):
        load_population_spec(parameters={"population.tgfbb.sigma": 0.5})


def test_cohort_patient_values() -> None:
    d = load_cohort_data(parameters={"patient.doubling_time_days.median": 100.0})
    assert d.patient["doubling_time_days"].params["median"] == 100.0
    assert d.patient["doubling_time_days"].provenance == "fitted"
    with pytest.raises(UnknownNameError):
        load_cohort_data(parameters={"patient.height.median": 1.0})


def test_scan_values_change_the_detection_limit_in_proportion() -> None:
    name = "scan.i131_wbs_mda_kbq"
    prior = scan_protocol("i131_wbs", "prior").mda_kbq
    p = parameter_set({name: 2 * prior}, base="prior")
    assert scan_protocol("i131_wbs", p).mda_kbq == 2 * prior
    a = detection_limit_pct_ia_per_g([1.0], "i131_wbs", parameters="prior")
    b = detection_limit_pct_ia_per_g([1.0], "i131_wbs", parameters=p)
    assert b[0] == pytest.approx(2 * a[0], rel=1e-12)
    with pytest.raises(UnknownNameError):
        scan_protocol("i131_wbs", {"scan.i131_wbs_mda": 1.0})


def _spec(parameters: object) -> dict:
    return {
        "name": "t",
        "seed": 1,
        "population": {"n": 4},
        "arms": [{"name": "a"}],
        "simulation": {"parameters": parameters},
    }


def test_trial_spec_parameters_are_checked_when_parsed() -> None:
    ok = parse_trial_spec(_spec({"base": "prior", "values": {"patient.alpha_per_gy.median": 0.3}}))
    assert ok.simulation.parameter_set().as_dict() == {"patient.alpha_per_gy.median": 0.3}
    assert parse_trial_spec(_spec("prior")).simulation.parameter_set().items == ()
    with pytest.raises(Exception, match="alpha_per_g"):
        parse_trial_spec(_spec({"values": {"patient.alpha_per_g.median": 0.3}}))
