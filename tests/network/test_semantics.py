"""Closed-form oracles for the Hill cube, the rule reading and the Jacobian."""

import itertools

import numpy as np
import pytest

from rairlab.network import (
    compile_model,
    conditions,
    hill_cube,
    hill_cube_derivative,
    jacobian_edges,
    parse_rule,
    target_activity,
    variables,
)
from rairlab.network._compiled import _eval
from rairlab.network._rules import evaluate_bool


def test_hill_cube_closed_form():
    x = np.linspace(0.0, 1.0, 11)
    k, n = 0.5, 3.0
    expected = x**n / (x**n + k**n) / (1.0 / (1.0 + k**n))
    # x is floored at 1e-30 before the power, so f~(0) = 1e-90 * (1 + k^n) / k^n, not 0
    np.testing.assert_allclose(hill_cube(x, k, n), expected, rtol=1e-12, atol=1e-80)
    assert hill_cube(np.array(1.0), 0.2, 1.7) == pytest.approx(1.0, abs=1e-15)


def test_hill_cube_derivative_matches_finite_difference():
    x = np.linspace(0.05, 1.0, 20)
    h = 1e-6
    fd = (hill_cube(x + h, 0.4, 2.5) - hill_cube(x - h, 0.4, 2.5)) / (2 * h)
    np.testing.assert_allclose(hill_cube_derivative(x, 0.4, 2.5), fd, rtol=1e-6)


@pytest.mark.parametrize("rule", ["A & !(B | C)", "(A | B) & !C & D", "!(A & B) | (C & !D)"])
def test_read_once_rule_equals_multilinear_interpolation(rule):
    """Odefy's Hill cube: sum over Boolean corners of B(corner) * prod of f or 1 - f."""
    expr = parse_rule(rule)
    names = variables(expr)
    rng = np.random.default_rng(3)
    f = rng.uniform(0, 1, size=(50, len(names)))
    got = _eval(expr, [f[:, j] for j in range(len(names))], [0])
    want = np.zeros(50)
    for corner in itertools.product([0, 1], repeat=len(names)):
        weight = np.prod([f[:, j] if c else 1 - f[:, j] for j, c in enumerate(corner)], axis=0)
        want += evaluate_bool(expr, dict(zip(names, map(bool, corner), strict=True))) * weight
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_analytic_jacobian_matches_finite_differences():
    m = compile_model()
    c = conditions(m, 3, genotype=["BRAF p.V600E", None, "CCDC6::RET"], drugs={"dabrafenib": 0.5})
    x = np.random.default_rng(0).uniform(0.05, 0.95, size=(3, m.n_nodes))
    A = jacobian_edges(m, c, x)
    h = 1e-7
    for p in range(3):
        J = np.zeros((m.n_nodes, m.n_nodes))
        for e in range(m.n_edges):
            J[m.edge_tgt[e], m.edge_src[e]] += A[p, e]
        for j in range(m.n_nodes):
            d = np.zeros_like(x)
            d[p, j] = h
            fd = (target_activity(m, c, x + d) - target_activity(m, c, x - d))[p] / (2 * h)
            np.testing.assert_allclose(J[:, j], fd, atol=1e-6)
