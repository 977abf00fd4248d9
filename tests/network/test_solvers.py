"""The network's solvers (rairlab.network.solvers): each method's two implementations
take the same steps, and both agree with SciPy's Radau on many patients.

Tolerances:
- steady states: compiled = NumPy to 1e-12 (the same iterates up to rounding);
- time courses: compiled = NumPy in accepted steps exactly and in states to 1e-10
  (the same RODAS4 steps, up to rounding in the rule evaluation order);
- against SciPy's Radau (rtol 1e-9, atol 1e-11, on :func:`rairlab.network.rhs` with
  its analytic Jacobian), 6 patients with drugs, EV-NIS pulses, clamps and
  per-patient kinetics over 0-240 h: both implementations within 2e-4 at rairlab's
  defaults (rtol 1e-4, atol 1e-7) and within 1e-6 at rtol 1e-7. Measured on 12
  such patients against Radau at 1e-10: max 6.7e-5 (median 3.1e-5) and max 7.7e-8
  (median 2.5e-8), the same for both implementations;
- a patient's compiled time course does not depend on the other patients sharing its
  SIMD lanes (1e-12: the same arithmetic per lane);
- the lane-wise pivoted LU solves of the block lower-triangular stage systems match
  NumPy's dense solve (1e-10); the stability shortcut agrees exactly with eigenvalues.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from rairlab._numba import AVAILABLE
from rairlab.network import (
    Conditions,
    compile_model,
    conditions,
    edge_parameters,
    hill_cube,
    jacobian_edges,
    node_tau,
    random_conditions,
    rhs,
    steady_state,
    target_activity,
    time_course,
)
from rairlab.network._compiled import rule_value
from rairlab.network.solvers import _program, loop_stable
from rairlab.network.solvers._newton import surely_stable

needs_numba = pytest.mark.skipif(
    not AVAILABLE, reason="numba kernels unavailable (not installed or RAIRLAB_NO_NUMBA=1)"
)
ENGINES = ["compiled", "numpy"] if AVAILABLE else ["numpy"]


@pytest.fixture(scope="module")
def model():
    return compile_model()


def _patients(model, n: int, seed: int, kinetics: bool = False) -> Conditions:
    """Genotypes, drugs (EV-NIS gives pulses), TGF-beta, random clamps; optionally
    per-patient kinetic parameters."""
    rng = np.random.default_rng(seed)
    genotypes = [
        ["", "BRAF p.V600E", "CCDC6::RET", "NRAS p.Q61R"][i] for i in rng.integers(0, 4, n)
    ]
    drugs = {
        d: np.where(rng.random(n) < 0.4, rng.uniform(0.1, 3.0, n), 0.0)
        for d in ("dabrafenib", "trametinib", "lapatinib", "ev-nis", "saha")
    }
    c = conditions(model, n, genotype=genotypes, drugs=drugs, env={"tgfb": rng.random(n)})
    shape = (n, model.n_nodes)
    clamp = c.clamp_mask | ((rng.random(shape) < 0.03) & ~model.is_input)
    value = np.where(clamp & ~c.clamp_mask, rng.random(shape), c.clamp_value)
    kin = random_conditions(model, n, rng, kinetics=True).kinetics if kinetics else None
    return Conditions(clamp, value, c.scale, c.bias, c.pulses, c.labels, kin)


def _run_program(prog: _program.RuleProgram, leaves: np.ndarray, i: int) -> float:
    """Node i's rule value from the edge leaves, by the program, in plain Python."""
    v = np.concatenate([leaves, np.zeros(prog.op_const.size)])
    for q in range(prog.node_ops[i], prog.node_ops[i + 1]):
        factors = prog.fac_const + prog.fac_coef * v[prog.fac_slot]
        prod = np.prod(factors[prog.op_factors[q] : prog.op_factors[q + 1]])
        v[prog.n_edges + q] = prog.op_const[q] + prog.op_coef[q] * prod
    return float(prog.root_const[i] + prog.root_coef[i] * v[prog.root_slot[i]])


@pytest.mark.parametrize("variant", ["default", "pc-drives-mapk"])
def test_rule_program_equals_the_expression_trees(variant):
    m = compile_model(None if variant == "default" else variant)
    prog = _program.rule_program(m)
    rng = np.random.default_rng(40)
    x = rng.random((20, m.n_nodes))
    k, n, lo, span = edge_parameters(m)
    leaves = lo + span * hill_cube(x[:, m.edge_src], k, n)
    for i in np.flatnonzero(~m.is_input):
        ref = rule_value(m, x, int(i))
        got = [_run_program(prog, leaves[p], int(i)) for p in range(20)]
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14)


def test_rule_program_covers_every_edge(model):
    prog = _program.rule_program(model)
    # every edge is referenced exactly once: by an operation or as a node's root
    used = prog.fac_coef != 0
    refs = np.concatenate([prog.fac_slot[used], prog.root_slot[prog.root_coef != 0]])
    leaves = np.sort(refs[refs < model.n_edges])
    np.testing.assert_array_equal(leaves, np.arange(model.n_edges))


def test_graph_components_are_in_topological_order(model):
    g = _program.graph(model)
    for i in range(model.n_nodes):
        for e in range(g.edge_ptr[i], g.edge_ptr[i + 1]):
            assert g.node_comp[g.edge_src[e]] <= g.node_comp[i]  # sources come first
    np.testing.assert_array_equal(np.sort(g.order), np.arange(model.n_nodes))


@needs_numba
def test_compiled_steady_state_equals_numpy(model):
    c = _patients(model, 60, 11, kinetics=True)
    fast = steady_state(model, c, engine="compiled")
    ref = steady_state(model, c, engine="numpy")
    np.testing.assert_allclose(fast.x, ref.x, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fast.converged, ref.converged)
    np.testing.assert_array_equal(fast.stable, ref.stable)
    assert fast.iterations == ref.iterations
    assert fast.all_converged
    np.testing.assert_array_less(np.abs(target_activity(model, c, fast.x) - fast.x), 1e-10)


@needs_numba
def test_compiled_time_course_takes_the_numpy_steps(model):
    c = _patients(model, 40, 12, kinetics=True)
    amp = np.stack([p.amplitude for p in c.pulses], axis=1)
    assert (amp > 0).any(axis=1).sum() >= 5  # EV-NIS pulses: the d f / dt term is used
    x0 = np.random.default_rng(3).random((40, model.n_nodes))
    times = np.array([0.0, 3.0, 24.0, 100.0, 240.0])
    fast = time_course(model, c, times, x0, rtol=1e-5, atol=1e-8, engine="compiled")
    ref = time_course(model, c, times, x0, rtol=1e-5, atol=1e-8, engine="numpy")
    assert fast.completed.all()
    assert ref.completed.all()
    np.testing.assert_array_equal(fast.steps, ref.steps)
    np.testing.assert_allclose(fast.x, ref.x, rtol=0, atol=1e-10)


def _radau(model, c: Conditions, times, x0) -> np.ndarray:
    """Every patient alone with SciPy's Radau IIA at rtol 1e-9 (a maintained solver),
    given the analytic Jacobian diag(1/tau) (dF/dx - I)."""
    out = np.empty((c.n_patients, times.size, model.n_nodes))
    eye = np.eye(model.n_nodes)
    for p in range(c.n_patients):
        one = c.take(np.array([p]))
        inv_tau = 1.0 / node_tau(model, one)[0]

        def f(t, y, one=one):
            return rhs(model, one, y[None, :], np.array([t]))[0]

        def jac(t, y, one=one, inv_tau=inv_tau):
            dF = np.zeros((model.n_nodes, model.n_nodes))
            A = jacobian_edges(model, one, y[None, :], np.array([t]))[0]
            np.add.at(dF, (model.edge_tgt, model.edge_src), A)
            return inv_tau[:, None] * (dF - eye)

        sol = solve_ivp(f, (0.0, times[-1]), x0[p], method="Radau", t_eval=times,
                        rtol=1e-9, atol=1e-11, jac=jac)  # fmt: skip
        assert sol.success
        out[p] = sol.y.T
    return out


@pytest.fixture(scope="module")
def radau_case(model):
    c = _patients(model, 6, 31, kinetics=True)
    assert (np.stack([p.amplitude for p in c.pulses], axis=1) > 0).any(axis=1).sum() == 3
    x0 = steady_state(model, conditions(model, 6)).x  # untreated, then drugs from t = 0
    times = np.array([0.0, 1.0, 6.0, 24.0, 72.0, 240.0])
    return c, x0, times, _radau(model, c, times, x0)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("rtol", "atol", "bound"), [(1e-4, 1e-7, 2e-4), (1e-7, 1e-10, 1e-6)])
def test_time_course_agrees_with_scipy_radau(model, radau_case, engine, rtol, atol, bound):
    c, x0, times, ref = radau_case
    tc = time_course(model, c, times, x0, rtol=rtol, atol=atol, engine=engine)
    assert tc.completed.all()
    err = np.abs(tc.x - ref).max(axis=(1, 2))
    assert err.max() < bound, (err.max(), np.median(err))


@pytest.mark.parametrize("engine", ENGINES)
def test_time_course_reports_incomplete(model, engine):
    c = conditions(model, 2, drugs={"ev-nis": 1.0})
    x0 = np.full(model.n_nodes, 0.5)
    tc = time_course(model, c, [0.0, 24.0, 720.0], x0, max_steps=3, engine=engine)
    assert not tc.completed.any()
    assert np.isnan(tc.x[:, -1]).all()
    np.testing.assert_array_equal(tc.steps, [3, 3])


@needs_numba
def test_lock_step_lanes_do_not_mix_patients(model, monkeypatch):
    # one block of more patients than lanes: lanes finish at different steps and are
    # refilled; each patient's trajectory must equal its run alone (same arithmetic per
    # lane: 1e-12)
    from rairlab.network.solvers import _time_course_compiled as kernel

    monkeypatch.setattr(kernel, "_n_blocks", lambda n: 1)
    n = 2 * kernel.LANES + 5
    c = _patients(model, n, 13)
    x0 = np.random.default_rng(5).random((n, model.n_nodes))
    times = np.array([0.0, 6.0, 48.0, 240.0])
    batch = time_course(model, c, times, x0, rtol=1e-5, atol=1e-8)
    assert batch.completed.all()
    assert np.unique(batch.steps).size > 1  # lanes really are out of step
    for p in (0, 9, n - 1):
        alone = time_course(model, c.take(np.array([p])), times, x0[p], rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(alone.x[0], batch.x[p], rtol=0, atol=1e-12)
        assert alone.steps[0] == batch.steps[p]


def test_stability_shortcut_agrees_with_eigenvalues():
    rng = np.random.default_rng(8)
    m = 6
    A = rng.normal(0.0, 0.6, (4000, m, m)) * (rng.random((4000, m, m)) < 0.4)
    A[7] = np.eye(m)  # a singular comparison matrix must not switch the shortcut off
    inv_tau = 1.0 / rng.uniform(0.5, 24.0, (1, m))  # shared by every patient
    sure = surely_stable(A)
    assert 1000 < sure.sum() < 4000  # the shortcut decides many patients, not all
    got = loop_stable(A, inv_tau)
    ref = np.linalg.eigvals(inv_tau[:, :, None] * (A - np.eye(m))).real.max(axis=1) < 0
    np.testing.assert_array_equal(got, ref)
    assert 0 < ref.sum() < ref.size  # both outcomes occur
    own = 1.0 / rng.uniform(0.5, 24.0, (4000, m))  # per-patient time constants
    ref_own = np.linalg.eigvals(own[:, :, None] * (A - np.eye(m))).real.max(axis=1) < 0
    np.testing.assert_array_equal(loop_stable(A, own), ref_own)


@pytest.mark.parametrize("engine", ENGINES)
def test_loop_jacobian_blocks_match_the_edge_jacobian(model, engine):
    from rairlab.network.solvers import _steady_compiled, _steady_numpy

    solver = _steady_compiled if engine == "compiled" else _steady_numpy
    c = _patients(model, 5, 2)
    x = np.random.default_rng(4).random((5, model.n_nodes))
    _, _, blocks, loops = solver.solve(model, c, x, 1e-11, 60)
    ref = jacobian_edges(model, c, x)  # x now holds the solution
    assert loops
    for block, loop in zip(blocks, loops, strict=True):
        m = len(loop)
        expected = np.zeros((5, m, m))
        for j, i in enumerate(loop):
            sl = model.edges_of(i)
            for e in range(sl.start, sl.stop):
                src = int(model.edge_src[e])
                if src in loop:
                    expected[:, j, loop.index(src)] += ref[:, e]
        np.testing.assert_allclose(block, expected, rtol=0, atol=1e-13)


def _loop_graph(N: int, m: int) -> _program.Graph:
    """One 1-node component that reads nothing, then a dense m-node loop whose every
    node reads all N nodes."""
    src = np.array([s for _ in range(m) for s in range(N)], dtype=np.int64)
    return _program.Graph(
        edge_src=src,
        edge_ptr=np.array([0, *range(0, N * m + 1, N)], dtype=np.int64),
        is_input=np.zeros(N, dtype=np.bool_),
        order=np.arange(N, dtype=np.int64),
        comp_ptr=np.array([0, 1, N], dtype=np.int64),
        node_comp=np.array([0] + [1] * m, dtype=np.int64),
        node_local=np.array([0, *range(m)], dtype=np.int64),
        comp_loop=np.array([False, True]),
        max_comp=m,
    )


@needs_numba
def test_lane_lu_solves_block_triangular_systems_with_pivoting():
    # large c makes the loop's off-diagonal entries dominate, so lanes pivot
    # differently. Oracle: numpy's dense solve of (diag(1 + c) - diag(c) A) k = r per
    # lane (1e-10).
    from rairlab.network.solvers._lanes import LANES, StageLU, factor_lanes, solve_lanes

    rng = np.random.default_rng(21)
    N, m = 5, 4
    g = _loop_graph(N, m)
    E = g.edge_src.size
    A = rng.normal(0.0, 1.0, (E, LANES))
    c = rng.uniform(0.1, 20.0, (N, LANES))
    r = rng.normal(0.0, 1.0, (N, LANES))
    lu = StageLU(
        np.zeros((2, m, m, LANES)), np.zeros((2, m, LANES), dtype=np.int64),
        np.zeros((N, LANES)), np.zeros((E, LANES)), np.zeros(LANES),
    )  # fmt: skip
    k = np.zeros((N, LANES))
    factor_lanes(g, A, c, lu)
    solve_lanes(g, lu, r, k, np.zeros((m, LANES)))
    pivots = lu.piv[1, :3]
    assert (pivots != np.arange(3)[:, None]).any(axis=0).sum() > LANES // 4  # row swaps
    assert (pivots == np.arange(3)[:, None]).all(axis=0).any()  # and lanes without
    for ln in range(LANES):
        full = np.zeros((N, N))
        for i in range(N):
            for e in range(g.edge_ptr[i], g.edge_ptr[i + 1]):
                full[i, g.edge_src[e]] += A[e, ln]
        M = np.diag(1.0 + c[:, ln]) - c[:, ln, None] * full
        np.testing.assert_allclose(k[:, ln], np.linalg.solve(M, r[:, ln]), rtol=0, atol=1e-10)


def test_numpy_stage_solve_matches_a_dense_solve(model):
    from rairlab.network.solvers._time_course_numpy import solve_stage

    rng = np.random.default_rng(22)
    n = 7
    A = rng.normal(0.0, 0.5, (n, model.n_edges))
    c = rng.uniform(0.01, 30.0, (n, model.n_nodes))
    r = rng.normal(0.0, 1.0, (n, model.n_nodes))
    k = solve_stage(model, A, c, r)
    for p in range(n):
        J = np.zeros((model.n_nodes, model.n_nodes))
        np.add.at(J, (model.edge_tgt, model.edge_src), A[p])
        M = np.eye(model.n_nodes) - c[p, :, None] * (J - np.eye(model.n_nodes))
        np.testing.assert_allclose(k[p], np.linalg.solve(M, r[p]), rtol=0, atol=1e-9)


@needs_numba
def test_a_failed_patient_does_not_poison_its_lane(model, monkeypatch):
    # patient 1 starts at NaN inside the feedback loop and fails; the patients that
    # later take its lane must integrate as they do alone (as in the NumPy path)
    from rairlab.network.solvers import _time_course_compiled as kernel

    monkeypatch.setattr(kernel, "_n_blocks", lambda n: 1)
    n = kernel.LANES + 4
    c = _patients(model, n, 14)
    x0 = np.random.default_rng(6).random((n, model.n_nodes))
    x0[1, _program.loops(model)[0][0]] = np.nan
    times = np.array([0.0, 24.0, 240.0])
    for engine in ("compiled", "numpy"):
        tc = time_course(model, c, times, x0, engine=engine)
        assert not tc.completed[1], engine
        assert tc.completed[np.arange(n) != 1].all(), engine
    fast = time_course(model, c, times, x0, engine="compiled")
    for p in (kernel.LANES, kernel.LANES + 1):  # took lane 1 after patient 1 failed
        alone = time_course(model, c.take(np.array([p])), times, x0[p])
        np.testing.assert_allclose(alone.x[0], fast.x[p], rtol=0, atol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_node_that_reads_itself_is_a_loop(engine):
    from dataclasses import replace

    from rairlab.network import And, Not, Var, load_network_data

    data = load_network_data()
    node = next(nd for nd in data.nodes if nd.id == "SLC5A5_mRNA")
    own = replace(node, rule=And((node.rule, Not(Var(node.id)))), rule_text=None)
    m = compile_model(
        data=replace(data, nodes=tuple(own if nd is node else nd for nd in data.nodes))
    )
    assert (m.index("SLC5A5_mRNA"),) in _program.loops(m)
    c = conditions(m, 3, genotype=["BRAF V600E", "", "CCDC6::RET"])
    ss = steady_state(m, c, engine=engine)
    assert ss.all_converged
    np.testing.assert_array_less(np.abs(target_activity(m, c, ss.x) - ss.x), 1e-10)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_pulse_slope_counts_from_the_first_step(model, engine):
    # EV-NIS from t = 0: the first step must see d f / dt > 0 (the right-hand slope of
    # the pulse at 0). With it the output at 0.05 h errs 3.8e-12; with the slope taken
    # as 0 there it erred 4.9e-7
    c = conditions(model, 1, drugs={"ev-nis": 3.0})
    x0 = steady_state(model, conditions(model, 1)).x
    times = np.array([0.0, 0.05, 1.0])
    got = time_course(model, c, times, x0, engine=engine)
    ref = time_course(model, c, times, x0, rtol=1e-11, atol=1e-13, engine=engine)
    assert np.abs(got.x[:, 1] - ref.x[:, 1]).max() < 1e-10
