"""BoolNet round trip as a property: any read-once rule survives export -> parse_bnet."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rairlab.errors import DataFileError
from rairlab.network import And, Const, Expr, Not, Or, Var, variables
from rairlab.network._rules import evaluate_bool
from rairlab.network.export import parse_bnet, to_bnet

NAMES = ["A", "B", "C", "D", "E", "F"]


@st.composite
def read_once_rules(draw: Any) -> Expr:
    """A random read-once rule over a random subset of NAMES (or a constant)."""
    names = draw(st.permutations(NAMES))[: draw(st.integers(1, len(NAMES)))]

    def build(leaves: list[str]) -> Expr:
        if len(leaves) == 1:
            node: Expr = Var(leaves[0])
        else:
            cut = draw(st.integers(1, len(leaves) - 1))
            op = And if draw(st.booleans()) else Or
            node = op((build(leaves[:cut]), build(leaves[cut:])))
        return Not(node) if draw(st.booleans()) else node

    if draw(st.integers(0, 9)) == 0:
        return Const(draw(st.integers(0, 1)))
    return build(list(names))


@settings(max_examples=200, deadline=None)
@given(read_once_rules())
def test_bnet_round_trip_is_the_same_boolean_function(rule: Expr) -> None:
    fake = SimpleNamespace(node_ids=(*NAMES, "T"), rules=(*([None] * len(NAMES)), rule))
    back = parse_bnet(to_bnet(fake))  # duck-typed: to_bnet reads node_ids and rules only
    assert back[NAMES[0]] is None
    names = variables(rule)
    assert variables(back["T"] or Const(0)) == names  # factored: leaf order kept
    for row in itertools.product([False, True], repeat=len(NAMES)):
        values = dict(zip(NAMES, row, strict=True))
        assert evaluate_bool(back["T"] or Const(0), values) == evaluate_bool(rule, values)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("targets, factors\nA, A\nB A", 3, "expected 'NODE, RULE'"),
        ("A, A\nB, A &", 2, "syntax error in the rule of 'B'"),
        ("A, A\nA, A", 2, "defined twice"),
        ("A, A\nB, C", 2, "undefined node 'C'"),
        ("A, A\n1B, A", 2, "bad node name"),
    ],
)
def test_parse_bnet_errors_name_file_and_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(DataFileError, match=problem) as info:
        parse_bnet(text, origin="net.bnet")
    assert info.value.line == line
    assert "net.bnet" in str(info.value)


def test_parse_bnet_skips_comments_and_blank_lines() -> None:
    rules = parse_bnet("# a comment\ntargets, factors\n\nA, A  # input\nB, !A\n")
    assert rules == {"A": None, "B": Not(Var("A"))}
