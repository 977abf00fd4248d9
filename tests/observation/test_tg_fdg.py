"""Serum Tg (linear in tissue mass, cited TSH factors), Tg response codes and FDG avidity."""

from __future__ import annotations

import numpy as np
import pytest

from rairlab.errors import InvalidValueError
from rairlab.observation import (
    TG_RESPONSES,
    data_tables,
    fdg_avid,
    recovery_coefficient,
    serum_tg,
    tg_detectable,
    tg_response,
)


def _k(name: str) -> float:
    return data_tables()["thyroglobulin"].value(name)


def test_tg_closed_form_sum_over_lesions() -> None:
    mass = np.array([[1.0, 2.0, 0.5], [3.0, np.nan, 0.0]])
    s = np.array([0.8, 0.2])
    out = serum_tg(mass, s, "suppressed")
    k = _k("tg_per_gram_suppressed_tsh")
    np.testing.assert_allclose(out, [3.5 * 0.8 * k, 3.0 * 0.2 * k], rtol=1e-12)


def test_tg_is_linear_in_mass_and_secretion() -> None:
    rng = np.random.default_rng(3)
    m = rng.uniform(0.0, 10.0, (20, 3))
    s = rng.uniform(0.0, 1.0, (20, 3))
    base = serum_tg(m, s, "normal")
    np.testing.assert_allclose(serum_tg(2.5 * m, s, "normal"), 2.5 * base, rtol=1e-12)
    np.testing.assert_allclose(serum_tg(m, 0.5 * s, "normal"), 0.5 * base, rtol=1e-12)
    np.testing.assert_allclose(base, (m * s).sum(axis=1) * _k("tg_per_gram_normal_tsh"), rtol=1e-12)


def test_tsh_factors_follow_the_cited_records() -> None:
    m = np.array([[1.0]])
    fold = _k("tg_stimulation_fold")
    supp = float(serum_tg(m, [1.0], "suppressed")[0])
    assert supp == pytest.approx(0.5, rel=1e-12)  # NACB: ~0.5 ng/mL per g suppressed
    assert float(serum_tg(m, [1.0], "normal")[0]) == pytest.approx(1.0, rel=1e-12)
    for state in ("withdrawal", "rhtsh"):
        assert float(serum_tg(m, [1.0], state)[0]) == pytest.approx(fold * supp, rel=1e-12)


def test_per_patient_tsh_state_and_present_mask() -> None:
    m = np.array([[1.0, 1.0], [1.0, 1.0]])
    out = serum_tg(
        m, [1.0, 1.0], ["suppressed", "withdrawal"], present=[[True, False], [True, True]]
    )
    np.testing.assert_allclose(out, [0.5, 10.0], rtol=1e-12)


@pytest.mark.parametrize(
    ("args", "param"),
    [
        (([[1.0]], [1.5], "suppressed"), "tg_secretion"),
        (([[-1.0]], [1.0], "suppressed"), "mass_g"),
        (([1.0], [1.0], "suppressed"), "mass_g"),
        (([[1.0]], [1.0], "hypothyroid"), "tsh_state"),
    ],
)
def test_tg_bad_inputs(args: tuple[object, object, object], param: str) -> None:
    with pytest.raises(InvalidValueError, match=param):
        serum_tg(*args)  # type: ignore[arg-type]


def test_unknown_tsh_state_lists_the_accepted_ones() -> None:
    with pytest.raises(InvalidValueError, match="suppressed, normal, withdrawal, rhtsh"):
        serum_tg([[1.0]], [1.0], "euthyroid")


def test_tg_detectable_at_the_functional_sensitivity() -> None:
    fs = data_tables()["tg_assay"].value("tg_functional_sensitivity_ng_ml")
    assert tg_detectable(fs)
    assert not tg_detectable(fs * (1 - 1e-12))
    assert tg_detectable(0.15, functional_sensitivity_ng_ml=0.1)


@pytest.mark.parametrize(
    ("tg", "state", "expected"),
    [
        (0.19, "suppressed", "excellent"),
        (0.2, "suppressed", "indeterminate"),
        (1.0, "suppressed", "indeterminate"),
        (1.01, "suppressed", "biochemical_incomplete"),
        (0.5, "normal", "indeterminate"),
        (0.99, "withdrawal", "excellent"),
        (1.0, "rhtsh", "indeterminate"),
        (10.0, "rhtsh", "indeterminate"),
        (10.01, "withdrawal", "biochemical_incomplete"),
    ],
)
def test_tg_response_edges(tg: float, state: str, expected: str) -> None:
    assert TG_RESPONSES[int(tg_response(tg, state))] == expected


def test_fdg_threshold_edge_and_size_dependence() -> None:
    g_min = data_tables()["fdg"].value("fdg_avid_min_apparent_glut1")
    fwhm = data_tables()["fdg"].value("fdg_pet_fwhm_mm")
    rc = float(recovery_coefficient(2.0, fwhm))
    assert fdg_avid(g_min / rc, 2.0)
    assert not fdg_avid(g_min / rc * (1 - 1e-9), 2.0)
    masses = np.geomspace(0.001, 50.0, 30)
    avid = fdg_avid(1.0, masses)
    # Once big enough, always avid: the avid set is an upper interval of sizes.
    assert not avid[0]
    assert avid[-1]
    assert np.all(np.diff(avid.astype(int)) >= 0)


def test_fdg_broadcasts_per_patient_glut1() -> None:
    g = np.array([0.9, 0.1])
    m = np.array([[10.0, np.nan], [10.0, 10.0]])
    out = fdg_avid(g, m)
    np.testing.assert_array_equal(out, [[True, False], [False, False]])


@pytest.mark.parametrize(
    ("kwargs", "param"), [({"glut1_activity": 1.2}, "glut1"), ({"threshold": 0.0}, "threshold")]
)
def test_fdg_bad_inputs(kwargs: dict[str, float], param: str) -> None:
    args: dict[str, float] = {"glut1_activity": 0.5, "mass_g": 1.0}
    args.update(kwargs)
    with pytest.raises(InvalidValueError, match=param):
        fdg_avid(**args)


def test_mismatched_secretion_shape_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="tg_secretion"):
        serum_tg(np.ones((2, 3)), np.ones((2, 2)), "normal")
