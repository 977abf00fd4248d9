"""Property-based tests of the network's numerical invariants (issue 13, item 5).

Conditions are drawn, for the default model and three variants, within the accepted
values: genotypes the network models (and ones it does not), any subset of the
modelled drugs at exposures in [0, `MAX_EXPOSURE`] per patient, every environment
key at a named level or a number in [0, 1], knockouts and overexpressions; or
`random_conditions` (extra scales, clamps, per-patient kinetic parameters) from a
drawn seed. What is checked:

* `hill_cube` maps [0, 1] onto [0, 1] with f(0) = 0 (to 1e-25), f(1) = 1 and
  f(k) = (1 + k^n)/2 (closed form), is non-decreasing in x (to 4 ulp), and
  `hill_cube_derivative` is >= 0 and matches a central difference (rel. 1e-6);
  `drug_effect` lies in [0, emax], is non-decreasing in exposure, non-increasing in
  potency, and is emax/2 at exposure = potency.
* The unit cube is forward-invariant: F(x) in [0, 1] for x in [0, 1]^N, so
  dx/dt >= 0 where x_i = 0 and <= 0 where x_i = 1.
* The steady state converges, lies in [0, 1], and is a zero of the right-hand side
  to the solver's own tolerance: max_i |dx_i/dt| tau_i = max|F(x) - x| <= tol = 1e-10,
  recomputed here with `rhs`; the compiled (Numba) and NumPy engines agree to 1e-12
  (the same algorithm; skipped without Numba).
* A time course started at a stable steady state, with its pulses removed, stays
  there: within 1e-6 (ten times the default atol) over 0-2400 h; a time course from
  any start in [0, 1]^N stays in [-1e-4, 1 + 1e-4] (rtol + atol of the solver).
* Monotonicity the model guarantees by construction: raising an environment level
  whose node reaches no feedback loop never lowers a node it reaches only through
  an even number of inhibitions, never raises one reached only through an odd
  number, and leaves every node it does not reach unchanged (to 1e-12). This
  covers "more TSH never lowers NIS_membrane" (TSH -> cAMP -> PKA -> ... ->
  NIS_membrane, all activating, asserted from the signed graph first).

Under ``RAIRLAB_NO_NUMBA=1`` every check runs on the NumPy path (the time-course
ones with fewer examples: that path takes seconds per course).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rairlab._numba import AVAILABLE
from rairlab.network import (
    CompiledModel,
    Conditions,
    compile_model,
    conditions,
    drug_effect,
    hill_cube,
    hill_cube_derivative,
    load_network_data,
    modelled_agents,
    node_tau,
    random_conditions,
    rhs,
    steady_state,
    target_activity,
    time_course,
)
from rairlab.network._options import MAX_EXPOSURE

COMPILED = AVAILABLE
TOL = 1e-10  # steady_state's default tolerance on max|F(x) - x|
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def examples(n: int, numpy_path: int | None = None) -> settings:
    """Derandomized settings: `n` cases, or `numpy_path` where Numba is off."""
    return settings(PROPERTY, max_examples=n if COMPILED or numpy_path is None else numpy_path)


needs_numba = pytest.mark.skipif(not COMPILED, reason="numba kernels off (RAIRLAB_NO_NUMBA=1)")

DATA = load_network_data()
VARIANTS = ("default", "braf-silences-nis", "autophagy-supports-nis", "pc-drives-mapk")


@functools.cache
def model(variant: str = "default") -> CompiledModel:
    return compile_model(None if variant == "default" else variant)


# ------------------------------------------------------------------ scalar kernels

_K = st.floats(0.05, 10.0)
_N = st.floats(1.0, 6.0)
_X = st.floats(0.0, 1.0)


@examples(200)
@given(x1=_X, x2=_X, k=_K, n=_N)
def test_hill_cube_maps_the_unit_interval_onto_itself_monotonically(
    x1: float, x2: float, k: float, n: float
) -> None:
    lo, hi = sorted((x1, x2))
    f_lo, f_hi = hill_cube(np.array([lo, hi]), k, n)
    assert 0.0 <= f_lo <= 1.0
    assert 0.0 <= f_hi <= 1.0
    assert f_lo <= f_hi + 4 * np.spacing(f_hi)
    assert hill_cube(np.array(1.0), k, n) == 1.0
    assert hill_cube(np.array(0.0), k, n) < 1e-25
    np.testing.assert_allclose(hill_cube(np.array(k), k, n), (1.0 + k**n) / 2.0, rtol=1e-13)


@examples(150)
@given(x=st.floats(0.01, 0.99), k=_K, n=_N)
def test_hill_cube_derivative_is_the_slope(x: float, k: float, n: float) -> None:
    d = float(hill_cube_derivative(np.array(x), k, n))
    h = 1e-6 * x
    fd = float(hill_cube(np.array(x + h), k, n) - hill_cube(np.array(x - h), k, n)) / (2 * h)
    assert d >= 0.0
    np.testing.assert_allclose(d, fd, rtol=1e-6, atol=1e-12)


@examples(150)
@given(
    e1=st.floats(0.0, MAX_EXPOSURE),
    e2=st.floats(0.0, MAX_EXPOSURE),
    potency=st.floats(1e-3, 10.0),
    factor=st.floats(1.0, 10.0),
    emax=st.floats(0.0, 1.0),
    hill=st.floats(0.5, 4.0),
)
def test_drug_effect_is_bounded_and_monotone(
    e1: float, e2: float, potency: float, factor: float, emax: float, hill: float
) -> None:
    lo, hi = sorted((e1, e2))
    h = drug_effect(np.array([lo, hi]), potency, emax, hill)
    assert np.all((h >= 0.0) & (h <= emax))
    assert h[0] <= h[1] * (1 + 1e-15)
    weaker = drug_effect(np.array([lo, hi]), potency * factor, emax, hill)
    assert np.all(weaker <= h * (1 + 1e-15))
    np.testing.assert_allclose(drug_effect(potency, potency, emax, hill), emax / 2, rtol=1e-14)


# ------------------------------------------------------------------ conditions

_GENOTYPES = (
    "",
    "BRAF p.V600E",
    "BRAF p.Val600Glu; TERT c.-124C>T",
    "CCDC6::RET",
    "ETV6::NTRK3",
    "NRAS p.Q61R",
    "HRAS p.Gly13Arg",
    "TERT c.-146C>T",
    "RET p.M918T",
    "PAX8::PPARG",
    "TSHR loss",
)
_AGENTS = tuple(modelled_agents())


def _env_value(key: str) -> st.SearchStrategy[Any]:
    levels = list(DATA.environment[key].levels)
    return st.one_of(st.sampled_from(levels), st.floats(0.0, 1.0))


@st.composite
def patients(draw: st.DrawFn, m: CompiledModel, n_max: int) -> Conditions:
    """Conditions of 1-`n_max` patients of model `m` within the accepted values."""
    n = draw(st.integers(1, n_max))
    if draw(st.integers(0, 3)) == 0:  # the project's own generator: clamps, scales, kinetics
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        return random_conditions(m, n, rng, pulse_fraction=0.5, kinetics=draw(st.booleans()))
    genotype = draw(st.lists(st.sampled_from(_GENOTYPES), min_size=n, max_size=n))
    agents = draw(st.lists(st.sampled_from(_AGENTS), max_size=3, unique=True))
    exposure = st.lists(st.floats(0.0, MAX_EXPOSURE), min_size=n, max_size=n)
    drugs = {a: np.array(draw(exposure)) for a in agents}
    env = {
        k: draw(_env_value(k))
        for k in draw(st.lists(st.sampled_from(list(DATA.environment)), unique=True))
    }
    nodes = [i for i in m.node_ids if i not in ("TSH",)]
    knockout = [
        f"{x}:{s!r}" for x, s in draw(st.lists(st.tuples(st.sampled_from(nodes), _X), max_size=2))
    ]
    overexpress = draw(st.lists(st.sampled_from(nodes), max_size=1))
    return conditions(
        m, n, genotype=genotype, drugs=drugs, env=env, knockout=knockout, overexpress=overexpress
    )


@st.composite
def model_and_patients(draw: st.DrawFn, n_max: int = 3) -> tuple[CompiledModel, Conditions]:
    """A model variant and conditions of 1-`n_max` of its patients."""
    m = model(draw(st.sampled_from(VARIANTS)))
    return m, draw(patients(m, n_max))


# ------------------------------------------------------------------ right-hand side


@examples(80)
@given(mc=model_and_patients(), seed=st.integers(0, 2**32 - 1))
def test_the_unit_cube_is_forward_invariant(
    mc: tuple[CompiledModel, Conditions], seed: int
) -> None:
    m, cond = mc
    rng = np.random.default_rng(seed)
    x = rng.random((cond.n_patients, m.n_nodes))
    x[rng.random(x.shape) < 0.3] = 0.0
    x[rng.random(x.shape) < 0.3] = 1.0
    t = rng.uniform(0.0, 200.0, cond.n_patients)
    F = target_activity(m, cond, x, t)
    assert np.all((F >= 0.0) & (F <= 1.0))
    dx = rhs(m, cond, x, t)
    assert np.all(dx[x == 0.0] >= 0.0)
    assert np.all(dx[x == 1.0] <= 0.0)


# ------------------------------------------------------------------ steady states


@examples(120, numpy_path=60)
@given(mc=model_and_patients(n_max=4), start=st.floats(0.0, 1.0))
def test_steady_state_is_a_zero_of_the_right_hand_side(
    mc: tuple[CompiledModel, Conditions], start: float
) -> None:
    m, cond = mc
    ss = steady_state(m, cond, x0=np.full(m.n_nodes, start))
    assert ss.all_converged, ss.residual
    assert np.all((ss.x >= 0.0) & (ss.x <= 1.0))
    scaled = np.abs(rhs(m, cond, ss.x)) * node_tau(m, cond)
    assert scaled.max() <= TOL, scaled.max()
    np.testing.assert_array_less(ss.residual, TOL)


@needs_numba
@examples(120)
@given(mc=model_and_patients(n_max=4), start=st.floats(0.0, 1.0))
def test_compiled_and_numpy_steady_states_agree(
    mc: tuple[CompiledModel, Conditions], start: float
) -> None:
    m, cond = mc
    fast = steady_state(m, cond, x0=np.full(m.n_nodes, start))
    ref = steady_state(m, cond, x0=np.full(m.n_nodes, start), engine="numpy")
    np.testing.assert_allclose(fast.x, ref.x, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fast.converged, ref.converged)
    np.testing.assert_array_equal(fast.stable, ref.stable)


def _without_pulses(cond: Conditions) -> Conditions:
    return Conditions(
        cond.clamp_mask,
        cond.clamp_value,
        cond.scale,
        cond.bias,
        (),
        cond.labels,
        cond.kinetics,
    )


@examples(30, numpy_path=8)
@given(mc=model_and_patients())
def test_time_course_started_at_a_stable_steady_state_stays_there(
    mc: tuple[CompiledModel, Conditions],
) -> None:
    m, cond = mc
    cond = _without_pulses(cond)
    ss = steady_state(m, cond)
    assume(ss.stable.all())
    tc = time_course(m, cond, [0.0, 1.0, 24.0, 240.0, 2400.0], ss.x)
    assert tc.completed.all()
    drift = np.abs(tc.x - ss.x[:, None, :]).max()
    assert drift <= 1e-6, drift


@examples(20, numpy_path=4)
@given(mc=model_and_patients(n_max=2), seed=st.integers(0, 2**32 - 1))
def test_time_course_stays_in_the_unit_cube(
    mc: tuple[CompiledModel, Conditions], seed: int
) -> None:
    m, cond = mc
    x0 = np.random.default_rng(seed).random((cond.n_patients, m.n_nodes))
    tc = time_course(m, cond, [0.0, 2.0, 24.0, 500.0], x0)
    assert tc.completed.all()
    slack = 1e-4 + 1e-7  # rtol + atol
    assert tc.x.min() >= -slack
    assert tc.x.max() <= 1.0 + slack


# ------------------------------------------------------------------ monotonicity


def _reach(m: CompiledModel, start: int) -> dict[int, set[int]]:
    """Parities (number of inhibitions mod 2) of every path from node `start`."""
    out: dict[int, set[int]] = {start: {0}}
    todo = [(start, 0)]
    while todo:
        node, parity = todo.pop()
        for e in np.flatnonzero(m.edge_src == node):
            tgt = int(m.edge_tgt[e])
            p = parity ^ int(m.edge_negative[e])
            if p not in out.setdefault(tgt, set()):
                out[tgt].add(p)
                todo.append((tgt, p))
    return out


def _monotone_keys(m: CompiledModel) -> list[str]:
    """Environment keys whose node reaches no feedback loop (their effect is monotone)."""
    loops = {i for comp in m.components if len(comp) > 1 for i in comp}
    return [
        key
        for key, spec in DATA.environment.items()
        if not set(_reach(m, m.index(spec.node))) & loops
    ]


def test_tsh_reaches_nis_at_the_membrane_only_through_activations() -> None:
    m = model()
    assert "tsh" in _monotone_keys(m)
    parities = _reach(m, m.index("TSH"))
    assert parities[m.index("NIS_membrane")] == {0}
    assert parities[m.index("iodide_uptake")] == {0}


@examples(120, numpy_path=60)
@given(data=st.data(), mc=model_and_patients(n_max=1))
def test_raising_a_level_moves_each_node_in_the_direction_of_its_paths(
    data: st.DataObject, mc: tuple[CompiledModel, Conditions]
) -> None:
    m, one = mc
    keys = _monotone_keys(m)
    key = data.draw(st.sampled_from(["tsh", *keys]))
    spec = DATA.environment[key]
    lo, hi = sorted(data.draw(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2)))
    col = m.index(spec.node)
    two = one.take(np.array([0, 0]))
    clamp_value, bias = two.clamp_value.copy(), two.bias.copy()
    if spec.mode == "input":
        clamp_value[:, col] = [lo, hi]
    else:  # a bias level: g = 1 - (1 - basal)(1 - level), as conditions() builds it
        bias[:, col] = 1.0 - (1.0 - m.basal[col]) * (1.0 - np.array([lo, hi]))
    cond = Conditions(two.clamp_mask, clamp_value, two.scale, bias, (), two.labels, two.kinetics)
    ss = steady_state(m, cond)
    assert ss.all_converged
    diff = ss.x[1] - ss.x[0]
    parities = _reach(m, col)
    for i in range(m.n_nodes):
        p = parities.get(i, set())
        if not p:
            assert abs(diff[i]) <= 1e-12, m.node_ids[i]
        elif p == {0}:
            assert diff[i] >= -1e-12, (key, m.node_ids[i], diff[i])
        elif p == {1}:
            assert diff[i] <= 1e-12, (key, m.node_ids[i], diff[i])
    if key == "tsh":
        assert diff[m.index("NIS_membrane")] >= -1e-12
