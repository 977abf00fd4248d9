"""Iodide compartment model: exact solutions, mass balance, vectorization, cited data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from scipy.integrate import solve_ivp

import rairlab.biokinetics as bk
from rairlab._cited import load_cited
from rairlab.errors import InvalidValueError, UnknownNameError

T131 = 192.4968  # h; any positive half-life works for these checks


def test_public_names() -> None:
    assert bk.__all__ == [
        "COMPARTMENTS",
        "TSH_STATES",
        "IodideModel",
        "TimeActivity",
        "iodide_model",
    ]


def test_without_lesion_or_thyroid_blood_clears_by_urine_only() -> None:
    m = bk.iodide_model(0.0, 1.0, "rhtsh")
    t = np.array([0.0, 6.0, 24.0])
    f = m.fractions(t)[0]
    body = load_cited("rairlab.biokinetics", "data/icrp78/iodine_systemic.yaml")
    k = (
        (1 - body.value("thyroid_uptake_fraction"))
        * math.log(2)
        / body.value("blood_iodide_half_time")
    )
    np.testing.assert_allclose(f[:, 0], np.exp(-k * t), rtol=1e-12)
    # closed form of the time integral with decay: 1/(k + λ)
    tau = m.residence_times(T131)
    assert tau["whole_body"][0] == pytest.approx(1 / (k + math.log(2) / T131), rel=1e-12)


def test_eigen_solution_matches_ode_integration() -> None:
    m = bk.iodide_model(
        [0.8], [3.0], "withdrawal", organification_fraction=0.7, remnant_fraction=0.1
    )
    t = np.array([1.0, 12.0, 48.0, 200.0])
    sol = solve_ivp(
        lambda _, x: m.rates[0] @ x, (0, 200), np.eye(5)[0], t_eval=t, rtol=1e-10, atol=1e-14
    )
    np.testing.assert_allclose(m.fractions(t)[0], sol.y.T, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(
        m.fractions(t)[0], scipy.linalg.expm(m.rates[0] * t[:, None, None])[:, :, 0], atol=1e-12
    )


def test_residence_times_equal_integral_of_curves() -> None:
    m = bk.iodide_model([0.3, 1.0], [1.0, 5.0], ["rhtsh", "withdrawal"], 0.6)
    t = np.linspace(0, 20 * T131, 20001)
    ta = m.time_activity(t, 1.0, T131)
    tau = m.residence_times(T131)
    np.testing.assert_allclose(np.trapezoid(ta.lesion_mbq, t, axis=1), tau["lesion"], rtol=1e-4)
    np.testing.assert_allclose(
        np.trapezoid(ta.whole_body_mbq, t, axis=1), tau["whole_body"], rtol=1e-4
    )


def test_mass_balance_and_monotone_response_to_uptake_activity() -> None:
    r = np.linspace(0, 5, 11)
    m = bk.iodide_model(r, 2.0, "withdrawal", 0.8)
    f = m.fractions([0.0, 24.0])
    assert np.all(f.sum(axis=-1) <= 1.0 + 1e-12)
    np.testing.assert_allclose(f[:, 0].sum(axis=-1), 1.0, rtol=1e-12)
    lesion = m.residence_times(T131)["lesion"]
    assert lesion[0] == 0.0
    assert np.all(np.diff(lesion) > 0)
    # more organification keeps more iodine in the lesion
    lo = bk.iodide_model(1.0, 2.0, organification_fraction=0.2).residence_times(T131)["lesion"]
    hi = bk.iodide_model(1.0, 2.0, organification_fraction=0.9).residence_times(T131)["lesion"]
    assert hi[0] > lo[0]


def test_time_activity_scales_with_activity_and_decay() -> None:
    m = bk.iodide_model([1.0], [2.0])
    t = np.array([24.0, 96.0])
    a = m.time_activity(t, 3700.0, T131)
    b = m.time_activity(t, 1.0, 1e12)  # essentially stable
    np.testing.assert_allclose(
        a.lesion_mbq, 3700.0 * b.lesion_mbq * np.exp(-math.log(2) / T131 * t), rtol=1e-9
    )


def test_large_cohort_is_batched() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    m = bk.iodide_model(
        rng.uniform(0, 1, n), rng.uniform(0.1, 20, n), "rhtsh", rng.uniform(0, 0.9, n)
    )
    ta = m.time_activity(np.linspace(0, 240, 25), 3700.0, T131)
    assert ta.lesion_mbq.shape == (n, 25)
    assert np.all(np.isfinite(ta.lesion_mbq))


def test_cohort_equals_patients_one_by_one() -> None:
    # batching must not mix patients: each row equals the model of that patient alone
    rng = np.random.default_rng(11)
    n = 6
    r, mass, f_org = rng.uniform(0, 2, n), rng.uniform(0.5, 10, n), rng.uniform(0, 0.9, n)
    remnant = rng.uniform(0, 0.2, n)
    states = ["withdrawal", "rhtsh", "suppressed"] * 2
    r[0] = 0.0  # a patient without lesion uptake (degenerate eigenvectors)
    cohort = bk.iodide_model(r, mass, states, f_org, remnant)
    t = np.array([0.0, 5.0, 48.0, 300.0])
    tau = cohort.residence_times(T131)["lesion"]
    frac = cohort.fractions(t)
    for p in range(n):
        one = bk.iodide_model(r[p], mass[p], states[p], f_org[p], remnant[p])
        # tolerance: both are exact solutions; differences are round-off only
        np.testing.assert_allclose(frac[p], one.fractions(t)[0], rtol=1e-9, atol=1e-14)
        assert tau[p] == pytest.approx(float(one.residence_times(T131)["lesion"][0]), rel=1e-12)


def test_bad_inputs() -> None:
    with pytest.raises(
        InvalidValueError, match=r"uptake_activity.*normal thyrocyte.*\[0, 5\]"
    ) as err:
        bk.iodide_model(5.5, 1.0)
    assert "\n" not in str(err.value)
    with pytest.raises(InvalidValueError, match="uptake_activity"):
        bk.iodide_model(-0.1, 1.0)
    with pytest.raises(UnknownNameError, match="TSH state"):
        bk.iodide_model(0.5, 1.0, "hypo")
    with pytest.raises(InvalidValueError, match="half_life_h"):
        bk.iodide_model(0.5, 1.0).residence_times(-1.0)
    with pytest.raises(InvalidValueError, match="uptake_activity 3, mass_g 2"):
        bk.iodide_model([0.1, 0.2, 0.3], [1.0, 2.0])


def test_every_parameter_is_cited_and_lesion_scalings_are_assumptions() -> None:
    body = load_cited("rairlab.biokinetics", "data/icrp78/iodine_systemic.yaml")
    thyroid = load_cited("rairlab.biokinetics", "data/icrp89/reference_thyroid.yaml")
    les = load_cited("rairlab.biokinetics", "data/assumptions/lesion_iodide.yaml")
    scale = load_cited("rairlab.biokinetics", "data/derived/normal_thyroid_clearance.yaml")
    assert all(r.provenance == "literature" and r.citation for r in body.values())
    assert all(r.provenance == "literature" and r.citation for r in thyroid.values())
    assert all(r.provenance == "assumption" and r.citation for r in les.values())
    assert all(r.provenance == "derived" and r.note for r in scale.values())


def test_tsh_acts_on_lesion_only_through_uptake_activity() -> None:
    # TSH is counted once, in the network's uptake activity: for equal r the
    # lesion influx is the same in every TSH state; only renal clearance and a
    # thyroid remnant differ.
    m = bk.iodide_model(0.4, 3.0, list(bk.TSH_STATES), remnant_fraction=0.1)
    np.testing.assert_array_equal(m.rates[:, 1, 0], m.rates[0, 1, 0])
    remnant = dict(zip(bk.TSH_STATES, m.rates[:, 3, 0], strict=True))
    assert remnant["suppressed"] < remnant["withdrawal"]
    urine = -(m.rates[:, 0, 0] + m.rates[:, 1, 0] + m.rates[:, 3, 0])
    assert dict(zip(bk.TSH_STATES, urine, strict=True))["withdrawal"] < urine.max()


def test_normal_thyroid_scale_is_derived_from_the_icrp_records() -> None:
    # c_N = f_T * ln 2 / T_B / m_T, exactly (closed form of the derived record)
    body = load_cited("rairlab.biokinetics", "data/icrp78/iodine_systemic.yaml")
    thyroid = load_cited("rairlab.biokinetics", "data/icrp89/reference_thyroid.yaml")
    scale = load_cited("rairlab.biokinetics", "data/derived/normal_thyroid_clearance.yaml")
    expected = (
        body.value("thyroid_uptake_fraction")
        * math.log(2)
        / body.value("blood_iodide_half_time")
        / thyroid.value("thyroid_mass_adult_male")
    )
    assert scale.value("normal_thyroid_clearance_per_g") == pytest.approx(expected, rel=1e-9)


def test_reference_thyroid_mass_at_r_one_takes_the_icrp_thyroid_share() -> None:
    # A "lesion" of the ICRP-89 thyroid mass with r = 1 in a euthyroid patient
    # (rhTSH: renal factor 1) is the ICRP thyroid: of the iodide leaving blood,
    # the fraction f_T goes into it (tolerance: round-off only).
    body = load_cited("rairlab.biokinetics", "data/icrp78/iodine_systemic.yaml")
    m_t = load_cited("rairlab.biokinetics", "data/icrp89/reference_thyroid.yaml").value(
        "thyroid_mass_adult_male"
    )
    k = bk.iodide_model(1.0, m_t, "rhtsh").rates[0]
    share = k[1, 0] / -k[0, 0]
    assert share == pytest.approx(body.value("thyroid_uptake_fraction"), rel=1e-12)
    # and the lesion influx is linear in r
    k2 = bk.iodide_model([0.5, 2.0], m_t, "rhtsh").rates
    np.testing.assert_allclose(k2[:, 1, 0], [0.5 * k[1, 0], 2.0 * k[1, 0]], rtol=1e-12)


def test_renal_clearance_scale_multiplies_urinary_excretion() -> None:
    from rairlab.biokinetics import iodide_model

    base = iodide_model([0.5, 0.5], 2.0)
    fast = iodide_model([0.5, 0.5], 2.0, renal_clearance_scale=[1.0, 2.0])
    # blood -> urine is the diagonal's only renal term: it doubles, nothing else moves
    out = -base.rates[:, 0, 0] - base.rates[:, 1, 0] - base.rates[:, 3, 0]
    out2 = -fast.rates[:, 0, 0] - fast.rates[:, 1, 0] - fast.rates[:, 3, 0]
    assert out2[0] == pytest.approx(out[0], rel=1e-12)
    assert out2[1] == pytest.approx(2.0 * out[1], rel=1e-12)
    tau, tau2 = base.residence_times(192.6), fast.residence_times(192.6)
    assert tau2["whole_body"][1] < tau["whole_body"][1]
    assert tau2["lesion"][1] < tau["lesion"][1]


def test_renal_clearance_scale_out_of_range_is_one_clear_error() -> None:
    from rairlab.biokinetics import iodide_model
    from rairlab.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="renal_clearance_scale"):
        iodide_model(0.5, 2.0, renal_clearance_scale=0.0)
