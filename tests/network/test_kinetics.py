"""Per-patient kinetic parameters (Hill k and n, maximal effects, time constants)."""

from dataclasses import replace

import numpy as np
import pytest

from rairlab._numba import AVAILABLE
from rairlab.network import (
    KineticParameters,
    compile_model,
    conditions,
    random_conditions,
    rhs,
    steady_state,
    target_activity,
    time_course,
)

needs_numba = pytest.mark.skipif(not AVAILABLE, reason="numba kernels unavailable")


@pytest.fixture(scope="module")
def model():
    return compile_model()


def test_model_values_given_per_patient_change_nothing(model):
    c = conditions(model, 3, genotype=["", "BRAF p.V600E", "NRAS p.Q61R"])
    n = c.n_patients
    same = replace(
        c,
        kinetics=KineticParameters(
            edge_k=np.tile(model.edge_k, (n, 1)),
            edge_n=np.tile(model.edge_n, (n, 1)),
            edge_max=np.tile(model.edge_max, (n, 1)),
            tau=np.tile(model.tau, (n, 1)),
        ),
    )
    a, b = steady_state(model, c), steady_state(model, same)
    np.testing.assert_array_equal(a.x, b.x)
    times = [0.0, 24.0, 240.0]
    ta = time_course(model, c, times, a.x * 0.5)
    tb = time_course(model, same, times, a.x * 0.5)
    np.testing.assert_array_equal(ta.x, tb.x)


def test_scaling_every_tau_rescales_time(model):
    """dx/dt = (F - x)/tau: with every tau doubled, x(2t) equals the original x(t)."""
    c = conditions(model, 2, genotype=["BRAF p.V600E", ""], drugs={"trametinib": [1.0, 0.0]})
    x0 = steady_state(model, conditions(model, 2, genotype=["BRAF p.V600E", ""])).x
    slow = replace(c, kinetics=KineticParameters(tau=np.tile(2.0 * model.tau, (2, 1))))
    times = np.array([0.0, 12.0, 72.0, 336.0])
    # tolerances the NumPy fallback (RODAS4) also meets quickly; both runs err ~1e-6
    fast_tc = time_course(model, c, times, x0, rtol=1e-6, atol=1e-9)
    slow_tc = time_course(model, slow, 2.0 * times, x0, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(slow_tc.x, fast_tc.x, rtol=0, atol=5e-5)


def test_a_smaller_maximal_effect_weakens_an_inhibition(model):
    c = conditions(model, 1, genotype="BRAF p.V600E")
    e = int(
        np.flatnonzero(
            (model.edge_src == model.index("NIS_silencing"))
            & (model.edge_tgt == model.index("SLC5A5_mRNA"))
        )[0]
    )
    m = np.tile(model.edge_max, (1, 1))
    m[0, e] = 0.3
    weak = replace(c, kinetics=KineticParameters(edge_max=m))
    node = model.index("SLC5A5_mRNA")
    assert steady_state(model, weak).x[0, node] > steady_state(model, c).x[0, node]


def test_steady_state_with_random_kinetics_is_a_zero_of_the_rhs(model):
    c = random_conditions(model, 40, np.random.default_rng(4), kinetics=True)
    ss = steady_state(model, c)
    assert ss.all_converged
    assert np.abs(rhs(model, c, ss.x)).max() < 1e-8
    np.testing.assert_array_less(np.abs(target_activity(model, c, ss.x) - ss.x), 1e-9)


@needs_numba
def test_compiled_kernels_equal_numpy_with_per_patient_kinetics(model):
    c = random_conditions(model, 30, np.random.default_rng(8), kinetics=True)
    fast_ss = steady_state(model, c)
    ref_ss = steady_state(model, c, engine="numpy")
    x0 = np.random.default_rng(9).random((30, model.n_nodes))
    times = np.array([0.0, 5.0, 48.0])
    fast_tc = time_course(model, c, times, x0, rtol=1e-5, atol=1e-8)
    ref_tc = time_course(model, c, times, x0, rtol=1e-5, atol=1e-8, engine="numpy")
    np.testing.assert_allclose(fast_ss.x, ref_ss.x, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(fast_ss.stable, ref_ss.stable)
    assert ref_tc.completed.all()
    np.testing.assert_array_equal(fast_tc.steps, ref_tc.steps)  # the same steps
    np.testing.assert_allclose(fast_tc.x, ref_tc.x, rtol=0, atol=1e-10)


def test_numpy_engine_gives_the_compiled_steady_state(model):
    c = random_conditions(model, 12, np.random.default_rng(21))
    auto = steady_state(model, c)
    plain = steady_state(model, c, engine="numpy")
    np.testing.assert_allclose(plain.x, auto.x, rtol=0, atol=1e-10)


def test_unknown_engine_is_one_clear_error(model):
    from rairlab.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="auto, compiled or numpy"):
        steady_state(model, conditions(model, 1), engine="fortran")


def test_kinetic_arrays_of_the_wrong_size_are_one_clear_error(model):
    """Regression: 3 tau rows for 5 patients were silently reused in the compiled kernel."""
    from rairlab.errors import InvalidValueError

    c = conditions(model, 5)
    bad = replace(c, kinetics=KineticParameters(tau=np.tile(model.tau, (3, 1))))
    with pytest.raises(InvalidValueError, match=r"kinetics.tau"):
        time_course(model, bad, [0.0, 2.0], np.full(model.n_nodes, 0.5))
    with pytest.raises(InvalidValueError, match=r"shape \(5 or 1, "):
        steady_state(model, bad)


def test_one_row_kinetics_are_shared_by_every_patient(model):
    """Regression: Conditions.take indexed a shared 1-row array by patient (NumPy path)."""
    c = conditions(model, 3, genotype=["", "BRAF V600E", ""])
    shared = replace(c, kinetics=KineticParameters(tau=2.0 * model.tau[None, :]))
    tc = time_course(model, shared, [0.0, 6.0], np.full(model.n_nodes, 0.5), engine="numpy")
    assert tc.completed.all()


def test_a_negated_and_joins_sufficient_inputs(model):
    """De Morgan: in !(SMAD2_3 & !SMAD7), SMAD7 is a sufficient input, so it is unbounded."""
    e = int(
        np.flatnonzero(
            (model.edge_src == model.index("SMAD7")) & (model.edge_tgt == model.index("NUE"))
        )[0]
    )
    assert not model.edge_negative[e]
    assert not model.edge_bounded[e]


def test_take_keeps_a_one_patient_kinetic_array_instead_of_dropping_it() -> None:
    # KineticParameters.take returned None for one-row arrays, so a single patient's
    # NumPy-path time course silently ran with the model's default kinetics
    from rairlab.network import KineticParameters

    edge = np.full((1, 3), 2.0)
    taken = KineticParameters(edge_k=edge, edge_n=None, edge_max=None, tau=None).take(
        np.array([0, 0])
    )
    assert taken.edge_k is edge
    assert taken.edge_n is None
