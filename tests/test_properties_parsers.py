"""Property-based tests of rairlab's parsers: round trips and invariants (issue 13, item 5).

What is checked, for generated inputs (derandomized, no example database, so CI sees
the same cases on every run):

* `rairlab.knowledge.parse_genotype`: a genotype written as ``;``/``,``-separated
  parts (record names, aliases, ids, HGVS one- and three-letter spellings,
  ``p.(…)``, ``gene:p.``, variants of class records, ``<gene> wt``) is the
  concatenation of its parts' genotypes, duplicates dropped, and fails exactly
  when one part fails; the alterations do not depend on the order of the parts, on
  the separator or on letter case; the canonical text parses back to an equal
  genotype and is a fixed point. Any text either parses or raises one of the two
  documented errors (`UnknownNameError`, `InvalidValueError`), with a one-line
  message quoting at most 60 characters of the text.
* `rairlab.network._options`: ``NAME:EXPOSURE`` round trips for every finite
  exposure in [0, `MAX_EXPOSURE`] and is refused outside it; `parse_tsh` accepts
  exactly the texts the network's condition builder accepts as a TSH level;
  ``KEY=VALUE`` items round trip and malformed ones are refused; only
  `InvalidValueError` is ever raised.
* `rairlab.network.parse_rule` / `to_text`: rendering then parsing any read-once AST
  gives the flattened AST (And in And, Or in Or merged), with the same continuous
  (Hill-cube) reading; `to_text` output is a fixed point; any short text parses or
  raises `RuleSyntaxError` with a column inside the text.
* `rairlab.cohort.parse_trial_spec` and `parse_case`: any mapping gives a spec or
  one `InputFileError` with a one-line, printable message (mapping keys drawn from
  any text, line breaks and terminal escapes included); an accepted spec or
  case parses back from its JSON dump to an equal object (same fingerprint for a
  trial spec), and a case's genotype is stored in canonical form.
* The dosimetry CSV readers (`read_measurements`, `read_blood_measurements`):
  arbitrary CSV text gives checked arrays (at least three strictly increasing times
  at least 10⁻³ h apart, fractions in [0, 1], not all zero) or one `InputFileError`;
  activities written in any unit read back as the same fractions (rel. 1e-12).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rairlab.cohort import TumourCase, load_case, parse_case, parse_trial_spec
from rairlab.dosimetry import (
    ACTIVITY_UNITS,
    LIMITS,
    read_blood_measurements,
    read_measurements,
)
from rairlab.errors import (
    InputFileError,
    InvalidValueError,
    RairlabError,
    UnknownNameError,
)
from rairlab.knowledge import load_knowledge, parse_genotype
from rairlab.knowledge._hgvs import amino_acid_codes
from rairlab.network import (
    And,
    Const,
    Expr,
    Not,
    Or,
    Var,
    compile_model,
    conditions,
    load_network_data,
    parse_rule,
    to_text,
    variables,
)
from rairlab.network._options import MAX_EXPOSURE, parse_drug_item, parse_env_items, parse_tsh
from rairlab.network._rules import RuleSyntaxError

ROOT = Path(__file__).resolve().parents[1]
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def examples(n: int) -> settings:
    """Derandomized settings with `n` generated cases."""
    return settings(PROPERTY, max_examples=n)


def _one_line(exc: Exception, starts: str = "") -> None:
    """`exc` has a one-line message, starting with `starts`."""
    message = str(exc)
    assert message, type(exc)
    assert "\n" not in message, message
    assert message.startswith(starts), message


def _printable_line(exc: Exception, starts: str) -> None:
    """`exc` has a one-line message without control characters, starting with `starts`."""
    _one_line(exc, starts)
    assert str(exc).isprintable(), str(exc)


def _attempt(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, Exception | None]:
    """``(result, None)``, or ``(None, error)`` for a `RairlabError` (others propagate)."""
    try:
        return call(*args, **kwargs), None
    except RairlabError as exc:
        return None, exc


# ------------------------------------------------------------------ genotype text

KB = load_knowledge()
_CODES = amino_acid_codes()
_PROTEIN = re.compile(r"(?P<gene>\S+) p\.(?P<ref>[A-Z])(?P<pos>\d+)(?P<alt>[A-Z*])")


def _three(one: str) -> str:
    return "Ter" if one == "*" else _CODES.three_letter[one]


def _record_names() -> list[str]:
    names = {n for a in KB.alterations for n in (a.id, a.notation, *a.aliases)}
    return sorted(n for n in names if not re.search(r"[;,]", n))


def _spellings() -> list[str]:
    """HGVS spellings of every protein-change record: three-letter, parenthesized, gene:p."""
    out = []
    for a in KB.alterations:
        m = _PROTEIN.fullmatch(a.notation)
        if m is None:
            continue
        g, ref, pos, alt = m["gene"], m["ref"], m["pos"], m["alt"]
        out += [
            f"{g} p.{_three(ref)}{pos}{_three(alt)}",
            f"{g} p.({ref}{pos}{alt})",
            f"{g}:p.{ref}{pos}{alt}",
            f"{g} {ref}{pos}{alt}",
        ]
    return out


_CLASS_GENES = sorted({a.gene for a in KB.alterations if a.gene and a.notation.endswith(" mut")})
_RESIDUES = sorted(v for v in _CODES.three_letter if v != "*")


@st.composite
def _class_variant(draw: st.DrawFn) -> str:
    """A random protein change of a gene with a ``<gene> mut`` class record."""
    gene = draw(st.sampled_from(_CLASS_GENES))
    ref = draw(st.sampled_from(_RESIDUES))
    pos = draw(st.integers(1, 1200))
    alt = draw(st.sampled_from([*_RESIDUES, "*"]))
    if draw(st.booleans()):
        return f"{gene} p.{_three(ref)}{pos}{_three(alt)}"
    return f"{gene} p.{ref}{pos}{alt}"


_JUNK = st.text(alphabet="BRAFTEKNSp.:V600EQ61Rc-124>T/ wtmu*()+", min_size=1, max_size=14)
_PART = st.one_of(
    st.sampled_from(_record_names()),
    st.sampled_from(_spellings()),
    _class_variant(),
    st.sampled_from(["wt", "wild type", "BRAF wt", "NRAS wild-type", "CCDC6-RET", "NCOA4/RET"]),
    st.sampled_from(["AGK::BRAF", "ETV6::NTRK1", "STRN::ALK", "KRAS p.Q61", "BRAF p.V600="]),
    _JUNK,
).filter(lambda p: bool(p.strip()) and not re.fullmatch(r"[\s;,+\-]+", p))


def _outcome(text: str) -> tuple[Any, ...] | type[Exception]:
    try:
        return parse_genotype(text, KB).alterations
    except (UnknownNameError, InvalidValueError) as exc:
        _one_line(exc)
        return type(exc)


@examples(250)
@given(
    parts=st.lists(_PART, min_size=1, max_size=4),
    sep=st.sampled_from(["; ", ";", ", ", " ; ", ","]),
)
def test_genotype_is_the_concatenation_of_its_parts(parts: list[str], sep: str) -> None:
    alone = [_outcome(p) for p in parts]
    whole = _outcome(sep.join(parts))
    if any(isinstance(o, type) for o in alone):
        assert isinstance(whole, type), (parts, whole)
        return
    expected = tuple(dict.fromkeys(a for o in alone for a in o))  # type: ignore[union-attr]
    assert whole == expected


@examples(200)
@given(data=st.data(), parts=st.lists(_PART, min_size=1, max_size=4))
def test_genotype_ignores_order_separators_and_case(data: st.DataObject, parts: list[str]) -> None:
    try:
        g = parse_genotype("; ".join(parts), KB)
    except RairlabError:
        return
    shuffled = data.draw(st.permutations(parts))
    sep = data.draw(st.sampled_from([",", ";", " ,  "]))
    other = parse_genotype(sep.join(shuffled), KB)
    assert set(other.alterations) == set(g.alterations)
    assert len(other) == len(g)
    text = "; ".join(parts)
    flips = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    recased = "".join(c.swapcase() if f else c for c, f in zip(text, flips, strict=True))
    assert parse_genotype(recased, KB) == g


@examples(100)
@given(parts=st.lists(_PART, min_size=1, max_size=4))
def test_genotype_canonical_text_is_a_fixed_point(parts: list[str]) -> None:
    try:
        g = parse_genotype("; ".join(parts), KB)
    except RairlabError:
        return
    again = parse_genotype(str(g), KB)
    assert again == g
    assert str(again) == str(g)
    if g.is_wild_type:
        assert str(g) == "wild type"


_ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200)


@examples(150)
@given(text=st.one_of(_ANY_TEXT, st.lists(_PART, max_size=12).map("+".join)))
def test_genotype_errors_are_the_documented_two_and_quote_60_characters(text: str) -> None:
    try:
        parse_genotype(text, KB)
    except (UnknownNameError, InvalidValueError) as exc:
        _one_line(exc)
        message = str(exc)
        for i in range(len(text) - 60):
            assert text[i : i + 61] not in message, (text, message)


@pytest.mark.parametrize("value", [None, 7, 1.5, b"BRAF V600E", ["BRAF p.V600E"]])
def test_genotype_that_is_not_text_is_an_invalid_value(value: Any) -> None:
    with pytest.raises(InvalidValueError):
        parse_genotype(value, KB)


# ------------------------------------------------------------------ option texts

_NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20
).filter(lambda s: bool(s.strip()))


@examples(150)
@given(
    name=_NAMES,
    exposure=st.floats(0.0, MAX_EXPOSURE),
    form=st.sampled_from(["{n}:{e!r}", "{n}:{e}", " {n} :{e!r}"]),
)
def test_drug_item_round_trips_every_accepted_exposure(name: str, exposure: float, form: str):
    got_name, got = parse_drug_item(form.format(n=name, e=exposure))
    assert got_name == name.strip()
    assert got == exposure


@examples(100)
@given(
    name=_NAMES,
    exposure=st.one_of(
        st.floats(max_value=-1e-300),
        st.floats(min_value=MAX_EXPOSURE, exclude_min=True),
        st.sampled_from([math.nan, math.inf, -math.inf]),
    ),
)
def test_drug_item_refuses_exposures_out_of_range(name: str, exposure: float) -> None:
    with pytest.raises(InvalidValueError) as info:
        parse_drug_item(f"{name}:{exposure!r}", what="drug")
    assert info.value.parameter == "drug"
    _one_line(info.value)


@examples(150)
@given(text=st.text(max_size=30))
def test_drug_item_of_any_text_is_a_name_and_an_exposure_in_range(text: str) -> None:
    try:
        name, exposure = parse_drug_item(text)
    except InvalidValueError as exc:
        _one_line(exc)
        return
    assert math.isfinite(exposure)
    assert 0.0 <= exposure <= MAX_EXPOSURE
    if ":" not in text:
        assert (name, exposure) == (text.strip(), 1.0)


_MODEL = compile_model()
_TSH_NAMES = list(load_network_data().environment["tsh"].levels)


def _conditions_accept_tsh(text: str) -> bool:
    try:
        cond = conditions(_MODEL, 1, tsh=text)
    except InvalidValueError:
        return False
    value = cond.clamp_value[0, _MODEL.index("TSH")]
    assert 0.0 <= value <= 1.0
    return True


@examples(200)
@given(
    text=st.one_of(
        st.sampled_from(_TSH_NAMES).map(lambda s: f" {s.upper()} "),
        st.sampled_from(_TSH_NAMES),
        st.floats(-0.5, 1.5).map(repr),
        st.floats().map(repr),
        st.sampled_from(["1", "0", ".5", "1e-3", "1_0", "0x1", " 0.5 ", "nan", "", "½"]),
        st.text(max_size=12),
    )
)
def test_tsh_parser_accepts_exactly_what_the_network_accepts(text: str) -> None:
    try:
        parsed = parse_tsh(text)
    except InvalidValueError as exc:
        _one_line(exc)
        assert not _conditions_accept_tsh(text), text
        return
    assert parsed == text
    assert _conditions_accept_tsh(text), text


_KEYS = st.text(alphabet="abcxyz_ -=\t", min_size=1, max_size=8)
_VALUES = st.text(alphabet="0.5highlow= \t", min_size=0, max_size=8)


@examples(150)
@given(pairs=st.lists(st.tuples(_KEYS, _VALUES), max_size=5))
def test_env_items_split_on_the_first_equals_sign(pairs: list[tuple[str, str]]) -> None:
    items = [f"{k}={v}" for k, v in pairs]
    well_formed = all("=" not in k and k.strip() and v.strip() for k, v in pairs)
    try:
        got = parse_env_items(items)
    except InvalidValueError as exc:
        _one_line(exc)
        assert not well_formed, pairs
        return
    expected: dict[str, str] = {}
    for item in items:
        key, _, value = item.partition("=")
        expected[key.strip()] = value.strip()
    assert got == expected
    if well_formed:
        assert got == {k.strip(): v.strip() for k, v in pairs}
        assert parse_env_items([f"{k}={v}" for k, v in got.items()]) == got


@examples(80)
@given(items=st.lists(st.text(alphabet="ab =", max_size=5), max_size=4))
def test_env_items_without_key_or_value_are_refused(items: list[str]) -> None:
    bad = [i for i in items if not (i.partition("=")[1] and i.partition("=")[0].strip())]
    bad += [i for i in items if not i.partition("=")[2].strip()]
    _, error = _attempt(parse_env_items, items, what="env")
    assert (error is not None) == bool(bad)
    if error is not None:
        assert isinstance(error, InvalidValueError)
        assert error.parameter == "env"


# ------------------------------------------------------------------ network rules

_RULE_NAMES = ("A", "B", "C", "D", "E", "F", "G")


@st.composite
def _read_once_rules(draw: st.DrawFn) -> Expr:
    """A random read-once AST over distinct node names, with constants."""
    tree = draw(
        st.recursive(
            st.one_of(st.just(Var("?")), st.sampled_from([Const(0), Const(1)])),
            lambda kids: st.one_of(
                kids.map(Not),
                st.lists(kids, min_size=2, max_size=3).map(lambda a: And(tuple(a))),
                st.lists(kids, min_size=2, max_size=3).map(lambda a: Or(tuple(a))),
            ),
            max_leaves=7,
        )
    )
    order = iter(draw(st.permutations(_RULE_NAMES)))

    def name(e: Expr) -> Expr:
        if isinstance(e, Var):
            return Var(next(order))
        if isinstance(e, Const):
            return e
        if isinstance(e, Not):
            return Not(name(e.arg))
        return type(e)(tuple(name(a) for a in e.args))

    return name(tree)


def _flatten(e: Expr) -> Expr:
    """And inside And and Or inside Or merged into one n-ary node."""
    if isinstance(e, Var | Const):
        return e
    if isinstance(e, Not):
        return Not(_flatten(e.arg))
    args: list[Expr] = []
    for a in map(_flatten, e.args):
        args.extend(a.args if type(a) is type(e) else (a,))  # type: ignore[union-attr]
    return type(e)(tuple(args))


def _continuous(e: Expr, x: dict[str, float]) -> float:
    """The Hill-cube reading: Not 1 - a, And product, Or probabilistic sum."""
    if isinstance(e, Var):
        return x[e.name]
    if isinstance(e, Const):
        return float(e.value)
    if isinstance(e, Not):
        return 1.0 - _continuous(e.arg, x)
    vals = [_continuous(a, x) for a in e.args]
    if isinstance(e, And):
        return math.prod(vals)
    return 1.0 - math.prod(1.0 - v for v in vals)


@examples(150)
@given(
    expr=_read_once_rules(),
    values=st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7),
)
def test_rule_text_round_trip_gives_the_flattened_ast(expr: Expr, values: list[float]) -> None:
    text = to_text(expr)
    back = parse_rule(text)
    assert back == _flatten(expr)
    assert to_text(back) == text
    assert variables(back) == variables(expr)
    x = dict(zip(_RULE_NAMES, values, strict=True))
    assert math.isclose(_continuous(back, x), _continuous(expr, x), rel_tol=1e-12, abs_tol=1e-15)


# Short texts; nesting deeper than MAX_NESTING is tested in tests/network/test_rules.py.
_RULE_TEXT = st.one_of(
    st.text(alphabet="AB_01!&|() \t", max_size=30),
    st.text(max_size=20),
)


@examples(300)
@given(text=_RULE_TEXT)
def test_rule_text_parses_or_raises_a_syntax_error_with_its_column(text: str) -> None:
    try:
        expr, column = parse_rule(text), None
    except RuleSyntaxError as exc:
        expr, column = None, exc.column
    if expr is None:
        assert column is not None
        assert 1 <= column <= len(text) + 1, (text, column)
        return
    names = variables(expr)
    assert len(set(names)) == len(names)
    canonical = to_text(expr)
    assert to_text(parse_rule(canonical)) == canonical
    assert parse_rule(canonical) == _flatten(expr)


# ------------------------------------------------------------------ trial specs and cases

# Any mapping keys, line breaks and escapes included: an unknown key is quoted escaped
# (it was once quoted raw and broke the one-line contract, issue 13).
_KEY = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["a\nb", "\x1b[31m", "a\u2028b", "a[1]", "k" * 5000]),
)
_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(),
        st.text(max_size=12),
    ),
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(_KEY, kids, max_size=3)),
    max_leaves=8,
)
_DEMO = yaml.safe_load(
    (ROOT / "src/rairlab/cohort/data/demo_trial.yaml").read_text(encoding="utf-8")
)
_SPEC_FIELDS = [
    "name",
    "description",
    "reference",
    "seed",
    "population",
    "design",
    "arms",
    "control",
    "endpoints",
    "simulation",
]
_PARAMETERS = [
    "patient.alpha_per_gy.median",
    "population.braf_strength.median",
    "population.epigenetic_memory.b",
    "scan.i131_wbs_mda_kbq",
    "no.such.parameter",
]


def _spec_or_error(data: Any) -> Any:
    spec, error = _attempt(parse_trial_spec, data, source="spec.yaml")
    if error is not None:
        assert isinstance(error, InputFileError), type(error)
        _printable_line(error, "spec.yaml")
    return spec


@examples(150)
@given(
    data=st.one_of(
        _JSON,
        st.dictionaries(st.sampled_from(_SPEC_FIELDS), _JSON, max_size=6),
        st.builds(
            lambda base, extra: {**base, **extra},
            st.just(_DEMO),
            st.dictionaries(st.sampled_from(_SPEC_FIELDS), _JSON, max_size=2),
        ),
    )
)
def test_any_mapping_is_a_trial_spec_or_one_input_file_error(data: Any) -> None:
    spec = _spec_or_error(data)
    if spec is not None:
        assert parse_trial_spec(spec.model_dump(mode="json")) == spec


def _mostly(valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]) -> Any:
    """`valid` about nine times in ten, else `invalid`."""
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda ok: valid if ok else invalid)


@st.composite
def _trial_docs(draw: st.DrawFn) -> dict[str, Any]:
    """The demo trial with plausible edits: about half of these specs are accepted."""
    doc = yaml.safe_load(yaml.safe_dump(_DEMO))
    doc["seed"] = draw(_mostly(st.integers(0, 2**40), st.integers(-2, -1)))
    doc["population"]["n"] = draw(_mostly(st.integers(1, 10**8), st.just(0)))
    doc["population"]["setting"] = draw(
        _mostly(st.sampled_from(["all_comer", "distant_metastatic", "rai_refractory"]), _JSON)
    )
    mix = st.dictionaries(
        st.sampled_from(["none", "BRAF p.V600E", "NRAS Gln61Arg", "CCDC6-RET", "BRAF Val600Glu"]),
        st.floats(0.01, 1.0),
        min_size=1,
        max_size=3,
    ).map(lambda d: {k: v / sum(d.values()) for k, v in d.items()})
    doc["population"]["genotype"] = draw(
        _mostly(st.one_of(st.just("prevalence"), mix), st.just({"XYZ1": 1.0}))
    )
    arm = doc["arms"][1]
    arm["drug_weeks"] = draw(_mostly(st.floats(0.01, 104.0), st.floats(-1.0, 1e-3)))
    drugs = st.lists(
        st.sampled_from(["Tafinlar", "trametinib", "SELPERCATINIB", "saha"]),
        max_size=3,
        unique=True,
    )
    arm["drugs"] = [{"name": n} for n in draw(_mostly(drugs, st.just(["aspirin"])))]
    arm["therapy"] = draw(
        _mostly(
            st.sampled_from(
                [{"activity_mbq": 3700.0}, {"dosimetry_guided": True, "target_gy": 50.0}, None]
            ),
            st.sampled_from(
                [{"dosimetry_guided": True, "activity_mbq": 100.0}, {"activity_mbq": 1e6}]
            ),
        )
    )
    if draw(st.booleans()):
        values = st.dictionaries(
            st.sampled_from(_PARAMETERS), st.floats(allow_nan=False, allow_infinity=False)
        )
        doc["simulation"] = {
            "network": draw(st.sampled_from(["time_course", "steady_state"])),
            "variant": draw(_mostly(st.sampled_from([None, "braf-silences-nis"]), _JSON)),
            "parameters": draw(
                st.one_of(
                    st.sampled_from(["fitted", "prior"]),
                    st.fixed_dictionaries(
                        {"base": st.sampled_from(["fitted", "prior"]), "values": values}
                    ),
                )
            ),
        }
    return doc


@examples(100)
@given(doc=_trial_docs())
def test_accepted_trial_spec_round_trips_through_its_json_dump(doc: dict[str, Any]) -> None:
    spec = _spec_or_error(doc)
    if spec is None:
        return
    again = parse_trial_spec(spec.model_dump(mode="json"))
    assert again == spec
    assert again.fingerprint() == spec.fingerprint()
    assert again.model_dump(mode="json") == spec.model_dump(mode="json")


_CASE = yaml.safe_load(
    (ROOT / "examples/cases/braf_tert_dabrafenib_trametinib.yaml").read_text(encoding="utf-8")
)
_CASE_FIELDS = [*TumourCase.model_fields]
_ENV_KEYS = ["tgfb", "TGFb_TME", "hypoxia", "adhesion", "tsh", "TSH", "nope"]


@st.composite
def _case_docs(draw: st.DrawFn) -> dict[str, Any]:
    """The shipped case with plausible edits: about half of these cases are accepted."""
    doc = dict(_CASE)
    doc["genotype"] = draw(
        st.one_of(
            st.sampled_from(_record_names()),
            st.just(""),
            st.lists(_PART, max_size=2).map("; ".join),
        )
    )
    drugs = st.lists(st.sampled_from(["dabrafenib", "MEKINIST", "saha"]), max_size=2, unique=True)
    doc["drugs"] = [{"name": n} for n in draw(_mostly(drugs, st.just(["aspirin"])))]
    levels = st.one_of(st.floats(0.0, 1.0), st.sampled_from(["high", "low", "none"]))
    doc["env"] = draw(
        _mostly(
            st.dictionaries(st.sampled_from(["tgfb", "TGFb_TME", "hypoxia"]), levels, max_size=1),
            st.dictionaries(
                st.sampled_from(["adhesion", "tsh", "TSH", "nope"]),
                st.one_of(st.floats(-0.5, 1.5), st.sampled_from(["lost", "x"])),
                max_size=2,
            ),
        )
    )
    size = st.one_of(
        st.fixed_dictionaries({"mass_g": st.floats(1e-3, 5000.0)}),
        st.fixed_dictionaries({"volume_ml": st.floats(1e-3, 4000.0)}),
    )
    lesion = st.builds(
        lambda size, site, name: {**size, "site": site, "name": name},
        _mostly(size, st.fixed_dictionaries({"mass_g": st.floats(-1.0, 1e4)})),
        _mostly(st.sampled_from(["lung", "bone", "neck", "lymph_node"]), st.just("liver")),
        st.sampled_from(["", " ", "a", "b", "c", "d"]),
    )
    doc["lesions"] = draw(st.lists(lesion, min_size=1, max_size=3))
    doc["n"] = draw(_mostly(st.integers(50, 5000), st.integers(0, 49)))
    doc["tsh"] = draw(_mostly(st.sampled_from(["rhtsh", "withdrawal", "suppressed"]), _JSON))
    return doc


@examples(100)
@given(
    data=st.one_of(
        _case_docs(),
        _JSON,
        st.dictionaries(st.sampled_from(_CASE_FIELDS), _JSON, max_size=4),
    )
)
def test_any_mapping_is_a_case_or_one_input_file_error(data: Any) -> None:
    case, error = _attempt(parse_case, data, source="case.yaml")
    if error is not None:
        assert isinstance(error, InputFileError), type(error)
        _printable_line(error, "case.yaml")
        return
    assert parse_case(case.model_dump(mode="json")) == case
    if case.genotype:
        assert str(parse_genotype(case.genotype, KB)) == case.genotype
    for lesion in case.lesions:
        assert LIMITS.mass_g.low <= lesion.mass <= 5000.0
        assert lesion.name.strip()


def test_shipped_case_round_trips() -> None:
    case = load_case(ROOT / "examples/cases/braf_tert_dabrafenib_trametinib.yaml")
    assert parse_case(case.model_dump(mode="json")) == case


# ------------------------------------------------------------------ dosimetry CSV readers

_BAD_CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "nan", "inf", "1e400", "1,5", '"3"', '"', "x", "#", "-1", "101"]),
)
_UNITS = [*ACTIVITY_UNITS, "%IA", "%", "percent_ia", "µCi", "mbq"]
_HEADERS = {
    "time_h,percent_ia": ("percent",),
    "time_h,activity_mbq": ("mbq",),
    "time_h,activity,unit": ("mbq", "unit"),
    "time_h,percent_ia,activity_mbq": ("percent", "mbq"),
    "time_h,blood_percent_ia_per_ml,whole_body_percent_ia": ("percent", "percent"),
    "time_h,blood_percent_ia_per_ml": ("percent",),
    "\ufefftime_h , percent_ia ,note": ("percent", "unit"),
    "t,percent_ia": ("percent",),
    "": (),
}
_MEASUREMENT_HEADERS = tuple(list(_HEADERS)[:4])
_BLOOD_HEADERS = tuple(list(_HEADERS)[4:6])
_GOOD_CELL = {
    "percent": st.floats(0.0, 100.0).map(repr),
    "mbq": st.floats(0.0, 370.0).map(repr),
    "unit": st.sampled_from([*_UNITS, "furlong"]),
}


@st.composite
def _csv_texts(draw: st.DrawFn, preferred: tuple[str, ...]) -> str:
    """Valid CSV text (a `preferred` header mostly), then none (often) or a few damages."""
    header = draw(_mostly(st.sampled_from(preferred), st.sampled_from(list(_HEADERS))))
    kinds = _HEADERS[header]
    n = draw(_mostly(st.integers(3, 7), st.integers(0, 2)))
    steps = draw(st.lists(st.floats(0.002, 50.0), min_size=n, max_size=n))
    times = np.cumsum([draw(st.floats(0.0, 100.0)), *steps])[:n]
    rows = [[repr(float(t)), *(draw(_GOOD_CELL[k]) for k in kinds)] for t in times]
    for _ in range(draw(st.sampled_from([0] * 5 + [1, 1, 2, 3]))):
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        damage = draw(st.sampled_from(["cell", "cut", "junk", "repeat", "swap"]))
        if not rows[i]:
            rows[i] = ["0"]
        elif damage == "cell":
            j = draw(st.integers(0, len(rows[i]) - 1))
            rows[i][j] = draw(_BAD_CELL)
        elif damage == "cut":
            rows[i] = rows[i][: draw(st.integers(0, len(rows[i]) - 1))]
        elif damage == "junk":
            rows.insert(i, [draw(st.sampled_from(["# comment", "", "  ", "a", "1;2"]))])
        elif damage == "repeat":
            rows.insert(i, list(rows[i]))
        else:
            rows[i], rows[-1] = rows[-1], rows[i]
    lines = [header, *(",".join(r) for r in rows)]
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("csv")


def _times_are_valid(t: np.ndarray) -> None:
    assert t.ndim == 1
    assert t.size >= 3
    assert np.all(np.isfinite(t))
    assert t[0] >= 0.0
    assert t[-1] <= LIMITS.time_h.high
    assert np.all(np.diff(t) >= LIMITS.time_step_h)


@examples(150)
@given(text=st.one_of(_csv_texts(_MEASUREMENT_HEADERS), st.text(max_size=80)), raw=st.booleans())
def test_measurement_csv_is_read_or_refused_with_one_input_file_error(
    folder: Path, text: str, raw: bool
) -> None:
    path = folder / "m.csv"
    path.write_bytes(text.encode("utf-8") + (b"\xff\xfe" if raw and not text else b""))
    m, error = _attempt(read_measurements, path, administered_mbq=370.0)
    if error is not None:
        assert isinstance(error, InputFileError), type(error)
        _one_line(error, str(path))
        return
    _times_are_valid(m.times_h)
    assert m.fraction.shape == m.times_h.shape
    assert np.all((m.fraction >= 0.0) & (m.fraction <= 1.0))
    assert np.any(m.fraction > 0.0)
    assert m.administered_mbq == 370.0


@examples(120)
@given(text=_csv_texts(_BLOOD_HEADERS))
def test_blood_csv_is_read_or_refused_with_one_input_file_error(folder: Path, text: str) -> None:
    path = folder / "b.csv"
    path.write_text(text, encoding="utf-8", newline="")
    got, error = _attempt(read_blood_measurements, path)
    if error is not None:
        assert isinstance(error, InputFileError), type(error)
        _one_line(error, str(path))
        return
    t, blood, whole_body = got
    _times_are_valid(t)
    for column in (blood, whole_body):
        assert column.shape == t.shape
        assert np.all((column >= 0.0) & (column <= 1.0))
        assert np.any(column > 0.0)


@examples(80)
@given(
    steps=st.lists(st.floats(1e-3, 500.0), min_size=3, max_size=8),
    data=st.data(),
    administered=st.floats(1e-3, 1e5),
)
def test_activities_in_any_unit_read_back_as_the_same_fractions(
    folder: Path, steps: list[float], data: st.DataObject, administered: float
) -> None:
    times = np.cumsum(steps)
    times = times[np.r_[True, np.diff(times) >= LIMITS.time_step_h * 1.01]]
    assume(times.size >= 3 and times[-1] <= LIMITS.time_h.high)
    fractions = data.draw(
        st.lists(st.floats(0.0, 1.0), min_size=times.size, max_size=times.size).filter(any)
    )
    units = data.draw(st.lists(st.sampled_from([*ACTIVITY_UNITS, "%IA"]), min_size=times.size))
    rows = []
    for t, f, unit in zip(times, fractions, units, strict=False):
        value = 100.0 * f if unit == "%IA" else f * administered / ACTIVITY_UNITS[unit]
        rows.append(f"{float(t)!r},{value!r},{unit}")
    path = folder / "u.csv"
    path.write_text("time_h,activity,unit\n" + "\n".join(rows) + "\n", encoding="utf-8")
    m = read_measurements(path, administered_mbq=administered)
    np.testing.assert_array_equal(m.times_h, times)
    np.testing.assert_allclose(m.fraction, fractions, rtol=1e-12, atol=1e-300)
