import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rairlab.network import And, Not, Or, Var, parse_rule, to_text, variables
from rairlab.network._rules import RuleSyntaxError, evaluate_bool


def test_precedence_not_and_or():
    assert parse_rule("A | B & !C") == Or((Var("A"), And((Var("B"), Not(Var("C"))))))


@pytest.mark.parametrize(
    ("text", "column"), [("A &", 4), ("A & (B | C", 11), ("A $ B", 3), ("(A) B", 5), ("", 1)]
)
def test_syntax_errors_name_the_column(text, column):
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text)
    assert info.value.column == column


def test_rules_must_be_read_once():
    with pytest.raises(RuleSyntaxError, match="appears twice"):
        parse_rule("A & (B | A)")


names = st.sampled_from(["A", "B", "C", "D", "E"])


def _exprs():
    leaf = names.map(Var)
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            kids.map(Not),
            st.lists(kids, min_size=2, max_size=3).map(lambda a: And(tuple(a))),
            st.lists(kids, min_size=2, max_size=3).map(lambda a: Or(tuple(a))),
        ),
        max_leaves=6,
    )


@settings(max_examples=150, deadline=None)
@given(_exprs(), st.dictionaries(names, st.booleans(), min_size=5, max_size=5))
def test_text_round_trip_preserves_meaning(expr, values):
    reparsed = (
        parse_rule(to_text(expr)) if len(set(variables(expr))) == len(variables(expr)) else None
    )
    if reparsed is not None:
        assert evaluate_bool(reparsed, values) == evaluate_bool(expr, values)
        assert variables(reparsed) == variables(expr)
