"""The genotype parser: examples and properties (no crash, round trip, case/alias invariance,
one- and three-letter amino-acid codes)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rairlab.errors import InvalidValueError, RairlabError, UnknownNameError
from rairlab.knowledge import KnowledgeBase, load_knowledge, parse_genotype
from rairlab.knowledge._genotype import MAX_GENOTYPE_CHARS
from rairlab.knowledge._hgvs import amino_acid_codes

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
        ("NRAS p.gln61arg", ("ALT-103",), "NRAS p.Q61R"),  # three-letter codes -> one-letter
        ("BRAF p.Val600Glu", ("ALT-001",), "BRAF p.V600E"),
        ("BRAF p.(Val600Glu)", ("ALT-001",), "BRAF p.V600E"),
        ("BRAF c.1799T>A", ("ALT-001",), "BRAF p.V600E"),
        ("RET p.M918T", ("ALT-007",), "RET p.M918T"),
        ("TERT promoter mutation", ("ALT-003",), "TERT promoter mut"),
        ("BRAF wt; C228T", ("ALT-101",), "TERT c.-124C>T"),
        ("BRAF-wt; TERT wild-type", (), "wild type"),  # bug: a hyphenated gene-wt was unknown
        ("V600E; V600E", ("ALT-001",), "BRAF p.V600E"),
        ("ALT-001", ("ALT-001",), "BRAF p.V600E"),
        ("wt", (), "wild type"),
        ("Wild Type", (), "wild type"),
        ("", (), "wild type"),
        ("BRAF V600E;; ", ("ALT-001",), "BRAF p.V600E"),  # empty parts of a list are skipped
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


# ------------------------------------------------------------------ HGVS grammar (issue 12)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("BRAF p.Val600Glu", "BRAF p.V600E"),
        ("BRAF p.(Val600Glu)", "BRAF p.V600E"),
        ("BRAF p.(V600E)", "BRAF p.V600E"),
        ("braf P.VAL600GLU", "BRAF p.V600E"),
        ("BRAF:p.Val600Glu", "BRAF p.V600E"),
        ("BRAF Val600Glu", "BRAF p.V600E"),
        ("p.Val600Glu", "BRAF p.V600E"),
        ("Val600Glu", "BRAF p.V600E"),
        ("RET p.Gly810Cys", "RET p.G810C"),
        ("RET p.Gly810Ser", "RET p.G810S"),
        ("RET p.Tyr806Cys", "RET p.Y806C"),
        ("RET p.(Tyr806Asn)", "RET p.Y806N"),
        ("NRAS p.Gln61Arg", "NRAS p.Q61R"),
        ("HRAS p.Gln61Lys", "HRAS p.Q61K"),
        ("KRAS p.Gly12Asp", "KRAS p.G12D"),
        ("NRAS p.Gln61Ter", "NRAS p.Q61*"),
        ("RET p.Cys634ArgfsTer12", "RET p.C634Rfs*12"),
    ],
)
def test_three_letter_codes_name_the_same_alteration(text: str, same_as: str) -> None:
    g, h = parse_genotype(text, _SHIPPED), parse_genotype(same_as, _SHIPPED)
    assert g == h
    assert str(g) == str(h)


@pytest.mark.parametrize(
    ("text", "rid"),
    [
        ("BRAF c.1799T>A", "ALT-001"),
        ("BRAF:c.1799T>A", "ALT-001"),
        ("c.1799T>A", "ALT-001"),
        ("TERT c.-124C>T", "ALT-101"),
        ("TERT promoter c.-124C>T", "ALT-101"),
        ("c.-124C>T", "ALT-101"),
        ("TERT promoter C228T", "ALT-101"),
        ("TERT C228T", "ALT-101"),
        ("C228T", "ALT-101"),
        ("TERT c.-146C>T", "ALT-102"),
        ("c.-146C>T", "ALT-102"),
        ("TERT promoter C250T", "ALT-102"),
        ("C250T", "ALT-102"),
        ("RET/PTC1", "ALT-106"),
        ("CCDC6::RET", "ALT-106"),
        ("RET/PTC3", "ALT-107"),
        ("NCOA4-RET", "ALT-107"),
    ],
)
def test_cdna_names_and_aliases_resolve(text: str, rid: str) -> None:
    assert parse_genotype(text, _SHIPPED).ids == (rid,)


def test_three_letter_v600e_is_no_longer_read_as_wild_type_in_the_network() -> None:
    """The bug: ``BRAF p.Val600Glu`` mapped to the unmodelled ``BRAF mut`` record, so the
    network saw a wild-type tumour."""
    from rairlab.network import compile_model, conditions

    model = compile_model()
    three = conditions(model, genotype="BRAF p.Val600Glu")
    one = conditions(model, genotype="BRAF p.V600E")
    wild = conditions(model, genotype=None)
    for name in ("clamp_mask", "clamp_value", "scale", "bias"):
        np.testing.assert_array_equal(getattr(three, name), getattr(one, name), err_msg=name)
    assert three.labels == one.labels
    assert not np.array_equal(three.bias, wild.bias)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HRAS p.Q61", "the new residue after the position, e.g. 'HRAS p.Q61R' or 'HRAS p.Gln61"),
        ("HRAS p.Gln61", "'HRAS p.Q61R' or 'HRAS p.Gln61Arg'"),
        ("BRAF P.V600", "the new residue after the position, e.g. 'BRAF p.V600E'"),
        ("BRAF V600", "e.g. 'BRAF p.V600E'"),
        ("p.V600", "e.g. 'BRAF p.V600E'"),
        ("NRAS p.Q61X", "(a stop is '*' or 'Ter')"),
        ("NRAS p.Q61Xyz", "one- or three-letter amino-acid codes"),
        ("BRAF p.(V600E", "'BRAF p.V600E' or 'BRAF p.Val600Glu'"),
        ("BRAF p.V600=", "synonymous"),
        ("BRAF p.E600V", "reference residue V at BRAF position 600, as in 'BRAF p.V600E'"),
        ("BRAF c.1799T", "such as 'BRAF c.1799T>A'"),
        ("BRAF V600E; HRAS p.Q61", "'HRAS p.Q61R'"),
        ("HRAS p.Q61 + BRAF V600E", "'HRAS p.Q61R'"),
    ],
)
def test_malformed_change_names_the_expected_form(text: str, expected: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        parse_genotype(text, _SHIPPED)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_cdna_change_without_a_record_asks_for_the_protein_change() -> None:
    with pytest.raises(UnknownNameError, match=r"write it as 'BRAF p\.<change>'"):
        parse_genotype("BRAF c.1798G>A", _SHIPPED)


def test_intronic_cdna_change_is_not_split_on_its_plus() -> None:
    with pytest.raises(UnknownNameError, match=r"'BRAF c\.1799\+1G>A'"):
        parse_genotype("BRAF c.1799+1G>A", _SHIPPED)


def test_unprefixed_combination_still_splits_on_plus() -> None:
    assert parse_genotype("BRAF p.V600E+TERT C228T", _SHIPPED).ids == ("ALT-001", "ALT-101")


@pytest.mark.parametrize("text", ["-", "+", ";;", " ; ", "  ", "\t\n", "+;-,", "- + -"])
def test_separators_only_is_an_empty_genotype_error(text: str) -> None:
    with pytest.raises(InvalidValueError, match="empty: give alterations") as info:
        parse_genotype(text, _SHIPPED)
    assert "leave it out for wild type" in str(info.value)


@pytest.mark.parametrize("size", [1001, 10_000, 100_000])
@pytest.mark.parametrize("unit", ["A", "ab ", "a-", "BRAF V600E; ", "p.", "RET::"])
def test_long_text_fails_with_a_short_error(size: int, unit: str) -> None:
    """The bug: 100 KB of text took over a minute (quadratic) and the error echoed all of
    it. Now the text is refused at MAX_GENOTYPE_CHARS (timings: benchmarks/genotype.py)."""
    text = (unit * size)[:size]
    with pytest.raises(InvalidValueError, match=r"at most 1,000 characters") as info:
        parse_genotype(text, _SHIPPED)
    assert len(str(info.value)) < 160
    assert "…" in str(info.value)
    assert MAX_GENOTYPE_CHARS == 1000


@pytest.mark.parametrize("unit", ["A", "ab ", "a-", "XYZ1 V600E ", "p.", "BRAF p.V", "RET::"])
def test_error_on_text_at_the_limit_quotes_a_short_prefix(unit: str) -> None:
    text = (unit * MAX_GENOTYPE_CHARS)[:MAX_GENOTYPE_CHARS]
    with pytest.raises(RairlabError) as info:
        parse_genotype(text, _SHIPPED)
    assert len(str(info.value)) < 400, str(info.value)


_CODES = amino_acid_codes()
_RESIDUES = sorted(v for v in _CODES.three_letter if v != "*")


def _three_letter(change: str) -> str:
    """``V600E`` -> ``Val600Glu`` (one-letter residues around the position)."""
    m = re.fullmatch(r"([A-Z])(\d+)([A-Z*])", change)
    assert m is not None, change
    ref, pos, alt = m.groups()
    return f"{_CODES.three_letter[ref]}{pos}{_CODES.three_letter[alt]}"


_KB_VARIANTS = [
    (m[1], m[2])
    for a in _SHIPPED.alterations
    if (m := re.fullmatch(r"(\S+) p\.([A-Z]\d+[A-Z])", a.notation)) is not None
]


def _outcome(text: str) -> tuple[object, ...]:
    try:
        g = parse_genotype(text, _SHIPPED)
    except RairlabError as exc:
        return (type(exc).__name__,)
    return (g.ids, str(g))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_one_and_three_letter_spellings_parse_identically(data: st.DataObject) -> None:
    """Any protein variant of a record, or any change of a gene with a class record: the
    one-letter and the three-letter spelling give the same genotype (or the same error)."""
    genes = sorted({a.gene for a in _SHIPPED.alterations if a.gene and a.notation.endswith(" mut")})
    random_change = st.tuples(
        st.sampled_from(_RESIDUES), st.integers(1, 2000), st.sampled_from([*_RESIDUES, "*"])
    ).map(lambda t: f"{t[0]}{t[1]}{t[2]}")
    gene, change = data.draw(
        st.one_of(st.sampled_from(_KB_VARIANTS), st.tuples(st.sampled_from(genes), random_change))
    )
    three = _three_letter(change)
    form = data.draw(st.sampled_from(["{g} p.{c}", "{g} p.({c})", "{g}:p.{c}", "{g} {c}"]))
    flips = data.draw(st.lists(st.booleans(), max_size=len(three)))
    three = _recase(three, flips)
    one = _outcome(form.format(g=gene, c=change))
    assert _outcome(form.format(g=gene, c=three)) == one
    assert one == _outcome(f"{gene} p.{change}")
