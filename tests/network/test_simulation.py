import numpy as np
import pytest
from scipy.integrate import solve_ivp

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network import (
    compile_model,
    conditions,
    jacobian_edges,
    rhs,
    steady_state,
    target_activity,
    time_course,
)


@pytest.fixture(scope="module")
def model():
    return compile_model()


def test_batch_equals_patient_by_patient(model):
    genotypes = ["BRAF p.V600E", None, "NRAS p.Q61R", "CCDC6::RET"]
    exposure = np.array([0.0, 0.5, 1.0, 2.0])
    batch = steady_state(
        model, conditions(model, 4, genotype=genotypes, drugs={"trametinib": exposure})
    )
    for p in range(4):
        one = steady_state(
            model, conditions(model, 1, genotype=genotypes[p], drugs={"trametinib": exposure[p]})
        )
        np.testing.assert_allclose(batch.x[p], one.x[0], atol=1e-9)


def test_steady_state_residual_and_stability_reported(model):
    rng = np.random.default_rng(7)
    n = 500
    c = conditions(
        model,
        n,
        genotype="BRAF p.V600E",
        drugs={"dabrafenib": rng.uniform(0, 3, n), "trametinib": rng.uniform(0, 3, n)},
        env={"growth_factors": rng.uniform(0, 1, n)},
    )
    ss = steady_state(model, c)
    assert ss.all_converged
    assert ss.stable.all()
    np.testing.assert_array_less(np.abs(target_activity(model, c, ss.x) - ss.x).max(axis=1), 1e-10)


def test_non_convergence_is_reported_not_hidden(model):
    c = conditions(model, 2, genotype="BRAF p.V600E")
    ss = steady_state(model, c, max_iter=0)
    assert ss.x.shape == (2, model.n_nodes)
    assert not ss.converged.any()
    assert (ss.residual > 1e-10).all()


def _dense_jacobian(model, cond, x):
    A = jacobian_edges(model, cond, x[None, :])[0]
    J = np.zeros((model.n_nodes, model.n_nodes))
    np.add.at(J, (model.edge_tgt, model.edge_src), A)
    return (J - np.eye(model.n_nodes)) / model.tau[:, None]


def test_time_course_matches_radau(model):
    rng = np.random.default_rng(11)
    n = 1
    x0 = steady_state(model, conditions(model, n, genotype="BRAF p.V600E")).x
    c = conditions(
        model,
        n,
        genotype="BRAF p.V600E",
        drugs={"dabrafenib": rng.uniform(0.2, 2, n), "trametinib": rng.uniform(0, 2, n)},
    )
    times = np.array([0.0, 6.0, 24.0])
    tc = time_course(model, c, times, x0, rtol=1e-7, atol=1e-10)
    assert tc.completed.all()
    for p in range(n):
        cp = c.take(np.array([p]))
        sol = solve_ivp(
            lambda t, y, cp=cp: rhs(model, cp, y[None, :], t)[0],
            (0, 24),
            x0[p],
            method="Radau",
            t_eval=times,
            rtol=1e-10,
            atol=1e-12,
            jac=lambda t, y, cp=cp: _dense_jacobian(model, cp, y),
        )
        np.testing.assert_allclose(tc.x[p], sol.y.T, atol=2e-5)


def test_ev_nis_pulse_peaks_and_fades(model):
    x0 = steady_state(model, conditions(model, 1, genotype="BRAF p.V600E")).x
    c = conditions(model, 1, genotype="BRAF p.V600E", drugs={"ev-nis": 1.0})
    days = np.arange(0, 31) * 24.0
    tc = time_course(model, c, days, x0)
    nis = tc["NIS_membrane"][0]
    peak = int(np.argmax(nis))
    assert 0 < peak < 10
    assert nis[peak] > 0.2 > nis[-1] + 0.15
    assert steady_state(model, c)["NIS_membrane"][0] == pytest.approx(
        x0[0, model.index("NIS_membrane")], abs=1e-9
    )


def test_delivery_and_resistance_modify_exposure(model):
    def braf_activity(**kw):
        return steady_state(model, conditions(model, 1, **kw))["BRAF_V600E"][0]

    plain = braf_activity(genotype="BRAF p.V600E", drugs={"dabrafenib": 0.1})
    loaded = braf_activity(genotype="BRAF p.V600E", drugs={"dabrafenib": 0.1, "evs/tki": 1})
    assert loaded < plain - 0.05

    def uptake(genotype):
        return steady_state(
            model, conditions(model, 1, genotype=genotype, drugs={"selpercatinib": 1})
        )["iodide_uptake"][0]

    assert uptake("RET p.G810C") < uptake("CCDC6::RET") - 0.05


def test_unknown_and_unmodelled_names(model):
    with pytest.raises(UnknownNameError, match="dabrafenib"):
        conditions(model, 1, drugs={"dabrafinib": 1})
    with pytest.raises(InvalidValueError, match="penpulimab"):
        conditions(model, 1, drugs={"penpulimab": 1})
    with pytest.raises(UnknownNameError, match="environment key"):
        conditions(model, 1, env={"tgfbeta": "high"})
    with pytest.raises(InvalidValueError, match="tgfb"):
        conditions(model, 1, env={"tgfb": 1.5})


def test_unmodelled_alteration_is_listed(model):
    labels = conditions(model, 1, genotype="PAX8::PPARG").labels
    assert labels[0]["modelled"] is False
