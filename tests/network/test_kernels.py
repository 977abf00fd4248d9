"""The compiled (Numba) solver paths agree with the NumPy paths they replace.

Tolerances: steady states 1e-12 (same algorithm, same iterates up to rounding);
time courses at rtol 1e-5 / atol 1e-8 over 0-240 h against the compiled solver at
rtol 1e-10: compiled within 5e-6 (measured 6e-7), NumPy within 5e-5 (measured 2e-5);
the stability shortcut agrees exactly with the eigenvalue test; a patient's
compiled time course does not depend on the other patients sharing its SIMD
lanes (1e-12: the same arithmetic per lane); the lane-wise pivoted LU solves of the
block lower-triangular stage systems match numpy's dense solve (1e-10).
"""

from __future__ import annotations

import numpy as np
import pytest

from rairlab.network import (
    Conditions,
    _kernels,
    _lanes,
    compile_model,
    conditions,
    steady_state,
    time_course,
)
from rairlab.network._compiled import jacobian_edges, target_activity
from rairlab.network._flat import flatten
from rairlab.network._steady import _loop_stable

needs_numba = pytest.mark.skipif(
    not _kernels.AVAILABLE, reason="numba kernels unavailable (not installed or RAIRLAB_NO_NUMBA=1)"
)


@pytest.fixture(scope="module")
def model():
    return compile_model()


def _patients(model, n: int, seed: int) -> Conditions:
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
    return Conditions(clamp, value, c.scale, c.bias, c.pulses, c.labels)


def test_flat_program_covers_every_edge(model):
    f = flatten(model)
    assert f["src"].shape == (model.n_edges,)
    assert f["op_ptr"][-1] == f["alpha"].shape[0]
    # every edge is referenced exactly once: by an operation or as a node's root
    refs = np.concatenate([f["c_idx"][f["c_b"] != 0], f["root_idx"][f["root_b"] != 0]])
    leaves = np.sort(refs[refs < model.n_edges])
    np.testing.assert_array_equal(leaves, np.arange(model.n_edges))


@needs_numba
def test_compiled_steady_state_equals_numpy(model, monkeypatch):
    c = _patients(model, 60, 11)
    fast = steady_state(model, c)
    monkeypatch.setattr(_kernels, "AVAILABLE", False)
    ref = steady_state(model, c)
    np.testing.assert_allclose(fast.x, ref.x, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fast.converged, ref.converged)
    np.testing.assert_array_equal(fast.stable, ref.stable)
    assert fast.iterations == ref.iterations
    assert fast.all_converged
    np.testing.assert_array_less(np.abs(target_activity(model, c, fast.x) - fast.x), 1e-10)


@needs_numba
def test_compiled_time_course_equals_numpy(model, monkeypatch):
    c = _patients(model, 2, 12)
    amp = np.stack([p.amplitude for p in c.pulses], axis=1)
    one = c.take(np.flatnonzero((amp > 0).any(axis=1))[:1])  # with an EV-NIS pulse: d/dt term
    assert one.n_patients == 1
    x0 = np.random.default_rng(3).random(model.n_nodes)
    times = np.array([0.0, 3.0, 24.0, 100.0, 240.0])
    fast = time_course(model, one, times, x0, rtol=1e-5, atol=1e-8)
    tight = time_course(model, one, times, x0, rtol=1e-10, atol=1e-13)
    monkeypatch.setattr(_kernels, "AVAILABLE", False)
    ref = time_course(model, one, times, x0, rtol=1e-5, atol=1e-8)
    assert fast.completed.all()
    assert ref.completed.all()
    np.testing.assert_allclose(fast.x, tight.x, rtol=0, atol=5e-6)
    np.testing.assert_allclose(ref.x, tight.x, rtol=0, atol=5e-5)


@needs_numba
def test_compiled_time_course_reports_incomplete(model):
    c = conditions(model, 2, drugs={"ev-nis": 1.0})
    tc = time_course(model, c, [0.0, 24.0, 720.0], np.full(model.n_nodes, 0.5), max_steps=3)
    assert not tc.completed.any()
    assert np.isnan(tc.x[:, -1]).all()
    np.testing.assert_array_equal(tc.steps, [3, 3])


@needs_numba
def test_lock_step_lanes_do_not_mix_patients(model, monkeypatch):
    # one block of more patients than lanes: lanes finish at different steps and are
    # refilled; each patient's trajectory must equal its run alone (same arithmetic per
    # lane: 1e-12)
    monkeypatch.setattr(_kernels, "_n_blocks", lambda n: 1)
    n = 2 * _kernels._L + 5
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
    inv_tau = 1.0 / rng.uniform(0.5, 24.0, (1, m))  # shared by every patient
    got = _loop_stable(A, inv_tau)
    ref = np.linalg.eigvals(inv_tau[:, :, None] * (A - np.eye(m))).real.max(axis=1) < 0
    np.testing.assert_array_equal(got, ref)
    assert 0 < ref.sum() < ref.size  # both outcomes occur
    own = 1.0 / rng.uniform(0.5, 24.0, (4000, m))  # per-patient time constants
    ref_own = np.linalg.eigvals(own[:, :, None] * (A - np.eye(m))).real.max(axis=1) < 0
    np.testing.assert_array_equal(_loop_stable(A, own), ref_own)


@needs_numba
def test_kernel_loop_jacobian_matches_numpy(model):
    from rairlab.network import _kernels_steady

    c = _patients(model, 5, 2)
    x = np.random.default_rng(4).random((5, model.n_nodes))
    _, _, blocks, loops = _kernels_steady.solve(model, c, x, 1e-11, 60)
    ref = jacobian_edges(model, c, x)  # x now holds the solution
    assert loops
    for b, loop in enumerate(loops):
        m = len(loop)
        expected = np.zeros((5, m, m))
        for j, i in enumerate(loop):
            sl = model.edges_of(i)
            for e in range(sl.start, sl.stop):
                src = int(model.edge_src[e])
                if src in loop:
                    expected[:, j, loop.index(src)] += ref[:, e]
        np.testing.assert_allclose(blocks[:, b, :m, :m], expected, rtol=0, atol=1e-13)


@needs_numba
def test_lane_lu_solves_block_triangular_systems_with_pivoting():
    # one 1-node component, then a dense 4-node loop fed by it; large c makes the loop's
    # off-diagonal entries dominate, so lanes pivot differently. Oracle: numpy's dense
    # solve of (diag(1 + c) - diag(c) A) k = r per lane (1e-10).
    L = _kernels._L
    rng = np.random.default_rng(21)
    N, m = 5, 4
    src = np.array([s for _ in range(m) for s in range(N)], dtype=np.int64)
    ptr = np.array([0, 0, N, 2 * N, 3 * N, 4 * N], dtype=np.int64)
    S = (
        src,
        ptr,
        np.arange(N, dtype=np.int64),
        np.array([0, 1, N], dtype=np.int64),
        np.array([0, 1, 1, 1, 1], dtype=np.int64),
        np.array([0, 0, 1, 2, 3], dtype=np.int64),
    )
    A = rng.normal(0.0, 1.0, (src.size, L))
    c = rng.uniform(0.1, 20.0, (N, L))
    r = rng.normal(0.0, 1.0, (N, L))
    LU = np.zeros((2, m, m, L))
    piv = np.zeros((2, m, L), dtype=np.int64)
    diag, cA, k = np.zeros((N, L)), np.zeros((src.size, L)), np.zeros((N, L))
    _lanes._factorl(S, A, c, LU, piv, diag, cA, np.zeros(L))
    _lanes._solvel(S, cA, LU, piv, diag, r, k, np.zeros((m, L)))
    pivots = piv[1, :3]
    assert (pivots != np.arange(3)[:, None]).any(axis=0).sum() > L // 4  # real row swaps
    assert (pivots == np.arange(3)[:, None]).all(axis=0).any()  # and lanes without
    for ln in range(L):
        full = np.zeros((N, N))
        for i in range(N):
            for e in range(ptr[i], ptr[i + 1]):
                full[i, src[e]] += A[e, ln]
        M = np.diag(1.0 + c[:, ln]) - c[:, ln, None] * full
        np.testing.assert_allclose(k[:, ln], np.linalg.solve(M, r[:, ln]), rtol=0, atol=1e-10)
