"""The genotype parser: examples and properties (no crash, round trip, case/alias invariance)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rairlab.errors import InvalidValueError, RairlabError, UnknownNameError
from rairlab.knowledge import KnowledgeBase, load_knowledge, parse_genotype

CLEAN_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize(
    ("text", "ids", "canonical"),
    [
        ("BRAF p.V600E; TERT C228T", ("ALT-001", "ALT-101"), "BRAF p.V600E; TERT c.-124C>T"),
        ("braf v600e", ("ALT-001",), "BRAF p.V600E"),
        ("BRAFV600E", ("ALT-001",), "BRAF p.V600E"),
        ("V600E, C228T", ("ALT-001", "ALT-101"), "BRAF p.V600E; TERT c.-124C>T"),
        ("BRAF V600E + TERT C228T", ("ALT-001", "ALT-101"), "BRAF p.V600E; TERT c.-124C>T"),
        ("BRAF p.V600E + TERT promoter mut", ("ALT-004",), "BRAF p.V600E + TERT promoter mut"),
        ("RET/PTC1", ("ALT-106",), "CCDC6::RET"),
        ("CCDC6-RET", ("ALT-106",), "CCDC6::RET"),
        ("CCDC6/RET", ("ALT-106",), "CCDC6::RET"),
        ("h4::ret", ("ALT-106",), "CCDC6::RET"),
        ("NCOA4-RET", ("ALT-006",), "NCOA4::RET"),  # unlisted fusion -> RET fusion class
        ("NRAS p.Q61R", ("ALT-103",), "NRAS p.Q61R"),  # variant -> gene-class record
        ("nras q61r", ("ALT-103",), "NRAS p.Q61R"),
        ("NRAS p.gln61arg", ("ALT-103",), "NRAS p.Gln61Arg"),
        ("RET p.M918T", ("ALT-007",), "RET p.M918T"),
        ("TERT promoter mutation", ("ALT-003",), "TERT promoter mut"),
        ("BRAF wt; C228T", ("ALT-101",), "TERT c.-124C>T"),
        ("BRAF-wt; TERT wild-type", (), "wild type"),  # bug: a hyphenated gene-wt was unknown
        ("V600E; V600E", ("ALT-001",), "BRAF p.V600E"),
        ("ALT-001", ("ALT-001",), "BRAF p.V600E"),
        ("wt", (), "wild type"),
        ("Wild Type", (), "wild type"),
        ("", (), "wild type"),
        (" ; ", (), "wild type"),
    ],
)
def test_examples(clean_kb: KnowledgeBase, text: str, ids: tuple[str, ...], canonical: str) -> None:
    g = parse_genotype(text, clean_kb)
    assert g.ids == ids
    assert str(g) == canonical


def test_parsed_alteration_carries_the_record_fields(clean_kb: KnowledgeBase) -> None:
    (a,) = parse_genotype("C228T", clean_kb)
    assert (a.id, a.gene, a.type.value, a.effect.value, a.parent) == (
        "ALT-101", "TERT", "promoter", "gain", "ALT-003")  # fmt: skip
    (q,) = parse_genotype("NRAS p.Q61R", clean_kb)
    assert (q.notation, q.variant, q.text) == ("NRAS mut", "p.Q61R", "NRAS p.Q61R")


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("BRAF V600F", "BRAF p.V600E"), ("C228", "C228T"), ("CCDC6::RETT", "CCDC6::RET")],
)
def test_unknown_alteration_suggests_close_matches(
    clean_kb: KnowledgeBase, text: str, suggestion: str
) -> None:
    with pytest.raises(UnknownNameError) as info:
        parse_genotype(text, clean_kb)
    assert suggestion in info.value.suggestions
    assert "rairlab evidence --list alterations" in str(info.value)


def test_unknown_variant_of_a_gene_without_class_names_the_gene(clean_kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError, match=r"BRAF records: 'BRAF p.V600E'"):
        parse_genotype("BRAF p.K601E", clean_kb)


def test_unknown_part_of_a_list_is_named(clean_kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError, match="'FOO1'"):
        parse_genotype("BRAF V600E; FOO1", clean_kb)


def test_non_text_is_an_invalid_value(clean_kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidValueError):
        parse_genotype(600, clean_kb)  # type: ignore[arg-type]


# ------------------------------------------------------------------ properties

NOTATION_ALPHABET = "BRAFTERTNRASCDGOp.V600EQ61Rc-124C>T:/+;, wtmu"


@CLEAN_SETTINGS
@given(text=st.one_of(st.text(max_size=60), st.text(alphabet=NOTATION_ALPHABET, max_size=40)))
def test_arbitrary_text_raises_only_rairlab_errors(clean_kb: KnowledgeBase, text: str) -> None:
    try:
        g = parse_genotype(text, clean_kb)
    except RairlabError:
        return
    assert parse_genotype(str(g), clean_kb) == g or g.is_wild_type


def _names(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [(a.id, n) for a in kb.alterations for n in (a.id, a.notation, *a.aliases)]


@CLEAN_SETTINGS
@given(data=st.data())
def test_canonical_text_round_trips(clean_kb: KnowledgeBase, data: st.DataObject) -> None:
    pool = [a.notation for a in clean_kb.alterations] + ["NRAS p.G12D", "NRAS p.Q61R",
            "RET p.M918T", "NCOA4::RET"]  # fmt: skip
    chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))
    sep = data.draw(st.sampled_from(["; ", ";", ", "]))
    g = parse_genotype(sep.join(chosen), clean_kb)
    again = parse_genotype(str(g), clean_kb)
    assert again == g
    assert str(again) == str(g)


def _recase(text: str, flips: list[bool]) -> str:
    return "".join(
        c.swapcase() if f else c for c, f in zip(text, flips + [False] * len(text), strict=False)
    )


@CLEAN_SETTINGS
@given(data=st.data())
def test_case_and_alias_invariance(clean_kb: KnowledgeBase, data: st.DataObject) -> None:
    rid, name = data.draw(st.sampled_from(_names(clean_kb)))
    flips = data.draw(st.lists(st.booleans(), max_size=len(name)))
    text = _recase(name, flips)
    assert parse_genotype(text, clean_kb).ids == (rid,)
    assert parse_genotype(f"  {text} ", clean_kb).ids == (rid,)


def test_shipped_names_resolve_to_their_own_record() -> None:
    kb = load_knowledge()
    assert kb.alterations, "shipped alterations.yaml is empty"
    wrong = [
        (name, rid, parse_genotype(name, kb).ids)
        for rid, name in _names(kb)
        if parse_genotype(name, kb).ids != (rid,)
    ]
    assert wrong == []


# ------------------------------------------------------------------ shipped data, arbitrary text

_SHIPPED = load_knowledge()
_SHIPPED_NAMES = sorted(
    {n for a in _SHIPPED.alterations for n in (a.id, a.notation, *a.aliases)}
    | {n for g in _SHIPPED.genes for n in (g.symbol, *g.aliases)}
)
_PIECES = ("V600E", "p.", "::", "-", "/", "+", " wt", "fs*3", "del", "Q61R", "fusion", " mut")
_WORD = st.one_of(st.sampled_from(_SHIPPED_NAMES), st.sampled_from(_PIECES), st.text(max_size=6))
_SHIPPED_TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(_WORD, max_size=5).map("".join),
    st.lists(_WORD, max_size=4).map(" ".join),
    st.lists(_WORD, max_size=4).map("; ".join),
)


@settings(max_examples=300, deadline=None)
@given(text=_SHIPPED_TEXT)
def test_shipped_arbitrary_text_raises_only_rairlab_errors(text: str) -> None:
    """Real names, notation fragments and noise mixed: a genotype that round-trips, or a
    RairlabError (anything else fails the test)."""
    try:
        g = parse_genotype(text, _SHIPPED)
    except RairlabError as exc:
        message = str(exc)
    else:
        assert parse_genotype(str(g), _SHIPPED) == g
        return
    assert "\n" not in message  # the CLI prints it as one line
