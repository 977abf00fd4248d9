import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rairlab.errors import DataFileError, RairlabError
from rairlab.network import And, Not, Or, Var, parse_rule, to_text, variables
from rairlab.network._rules import MAX_NESTING, RuleSyntaxError, evaluate_bool
from rairlab.network.export import parse_bnet


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


@pytest.mark.parametrize(
    "text",
    [
        "(" * 250 + "A" + ")" * 250,
        "!" * 1000 + "A",
        "!(" * 200 + "A" + ")" * 200,
        "A & (" * 300 + "B" + ")" * 300,
        "(" * 5000,
    ],
    ids=["parentheses", "negations", "both", "chain", "unclosed"],
)
def test_deep_nesting_is_a_syntax_error_not_a_recursion_error(text):
    with pytest.raises(RuleSyntaxError, match=f"nesting deeper than {MAX_NESTING} levels") as info:
        parse_rule(text)
    assert isinstance(info.value, RairlabError)
    column = info.value.column  # the opening that is one level too deep
    assert text[column - 1] in "(!"
    assert text[: column - 1].count("(") + text[: column - 1].count("!") == MAX_NESTING


def test_nesting_up_to_the_bound_parses():
    assert parse_rule("(" * MAX_NESTING + "A" + ")" * MAX_NESTING) == Var("A")
    assert parse_rule("!" * MAX_NESTING + "A") is not None
    assert variables(parse_rule("!(" * (MAX_NESTING // 2) + "A" + ")" * (MAX_NESTING // 2))) == [
        "A"
    ]


def test_deep_nesting_in_a_bnet_file_is_a_data_file_error():
    text = "targets, factors\nA, A\nB, " + "(" * 300 + "A" + ")" * 300 + "\n"
    with pytest.raises(DataFileError, match="nesting deeper than") as info:
        parse_bnet(text, "deep.bnet")
    assert info.value.line == 3
    assert str(info.value).startswith("deep.bnet:3: syntax error in the rule of 'B'")


@pytest.mark.parametrize(
    ("text", "flat"),
    [
        ("(A & B) & C", "A & B & C"),
        ("A & (B & (C & D))", "A & B & C & D"),
        ("((A | B)) | (C | D)", "A | B | C | D"),
        ("(A & B) | (C & D) | (E | F)", "A & B | C & D | E | F"),
        ("!(A & B) & C", "!(A & B) & C"),
        ("(A | B) & (C | D)", "(A | B) & (C | D)"),
    ],
)
def test_nested_and_or_chains_are_flattened(text, flat):
    expr = parse_rule(text)
    assert expr == parse_rule(flat)
    assert to_text(expr) == flat
    stack = [expr]
    while stack:  # no And directly inside an And, no Or inside an Or
        e = stack.pop()
        if isinstance(e, And | Or):
            assert not any(type(a) is type(e) for a in e.args), text
            stack.extend(e.args)
        elif isinstance(e, Not):
            stack.append(e.arg)


def test_a_long_flat_rule_parses():
    text = " & ".join(f"N{i}" for i in range(20_000)) + "   "
    expr = parse_rule(text)
    assert isinstance(expr, And)
    assert len(expr.args) == 20_000


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
