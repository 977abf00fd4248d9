"""Coverage of the shipped knowledge base against an independent extraction of the review.

``data/independent_extraction.yaml`` lists what Liu et al. (2023), Drug Resist.
Updat. 68:100939 (doi:10.1016/j.drup.2023.100939) states, extracted from the
review text without the curated seed: NCT ids, named agents, named trials,
genetic alterations, quantitative results and a sample of mechanisms. The
acceptance bar: 100% of NCT ids, agents, trials, alterations and sampled
mechanisms, and >= 95% of the quantitative values.

Run ``python tests/knowledge/test_review_coverage.py`` for the full report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from rairlab.errors import RairlabError
from rairlab.knowledge import KnowledgeBase, effect_sign, load_knowledge, parse_genotype

EXTRACTION_FILE = Path(__file__).parent / "data" / "independent_extraction.yaml"
QUANTITY_THRESHOLD = 0.95
# Relative tolerance when comparing a printed number with a number in a record:
# values are compared as printed, so only float representation noise is allowed.
REL_TOL = 1e-6

# Keys whose values are identifiers, not results (years hide in reference keys).
_ID_KEYS = frozenset(
    {
        "id", "citations", "section", "sections", "trial_ids", "agents", "alterations",
        "nct_id", "parent", "components", "members", "trials", "targets", "genes",
        "conflicts_with", "uncited", "evidence_level",
    }
)  # fmt: skip
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip
_WORDS = {w: i for i, w in enumerate(_NUMBER_WORDS)}
_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100})
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)
_FRACTIONS = {
    re.compile(r"\b(one[\s-]third|a third)\b", re.I): Fraction(1, 3),
    re.compile(r"\btwo[\s-]thirds\b", re.I): Fraction(2, 3),
    re.compile(r"\bhalf\b", re.I): Fraction(1, 2),
    re.compile(r"\b(one[\s-]quarter|a quarter)\b", re.I): Fraction(1, 4),
}


# ----------------------------------------------------------------- helpers


def numbers_in_text(text: str) -> set[float]:
    """Numbers a text states, in digits or words (``'two-thirds'`` gives 2/3).

    Examples
    --------
    >>> sorted(numbers_in_text("158,577 cells; nearly 60%; four (29%)"))
    [4.0, 29.0, 60.0, 158577.0]
    >>> 2 / 3 in numbers_in_text("about two-thirds")
    True
    """
    found = {float(m.replace(",", "")) for m in _NUMBER.findall(text)}
    found |= {float(_WORDS[m.lower()]) for m in _WORD.findall(text)}
    found |= {float(v) for pattern, v in _FRACTIONS.items() if pattern.search(text)}
    return found


def _value(raw: Any) -> float:
    """A printed value of the extraction: a number or a fraction string such as ``"1/3"``."""
    return float(Fraction(raw)) if isinstance(raw, str) else float(raw)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b), 1.0)


def _sections(raw: Any) -> set[str]:
    """Section labels of a record field: ``"4; 4.1.1"`` gives ``{"4", "4.1.1"}``."""
    items = raw if isinstance(raw, list | tuple) else [raw]
    return {part.strip() for item in items if item for part in re.split(r"[;,]", str(item))}


@dataclass(frozen=True)
class Unit:
    """One knowledge-base record seen as citations, sections and the numbers it states."""

    kind: str
    id: str
    citations: frozenset[str]
    sections: frozenset[str]
    numbers: frozenset[float]

    def holds(self, value: float) -> bool:
        """Whether the record states `value` (a fraction field may hold a percentage / 100)."""
        return any(_same(value, x) or _same(value, 100 * x) for x in self.numbers)


def _walk(obj: Any, key: str | None, out: dict[str, set[Any]]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "citations":
                out["citations"].update(v or ())
            elif k in ("section", "sections"):
                out["sections"].update(_sections(v))
            elif k not in _ID_KEYS:
                _walk(v, k, out)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _walk(v, key, out)
    elif isinstance(obj, bool) or obj is None:
        return
    elif isinstance(obj, int | float):
        out["numbers"].add(float(obj))
    elif isinstance(obj, str):
        out["numbers"].update(numbers_in_text(obj))


def units(kb: KnowledgeBase, kinds: Iterable[str]) -> list[Unit]:
    """The records of the given collections (``"outcomes"``, ``"facts"``...) as `Unit` s."""
    result = []
    for kind in kinds:
        for record in getattr(kb, kind):
            out: dict[str, set[Any]] = {"citations": set(), "sections": set(), "numbers": set()}
            _walk(record.model_dump(mode="json"), None, out)
            result.append(
                Unit(
                    kind=kind,
                    id=record.id,
                    citations=frozenset(out["citations"]),
                    sections=frozenset(out["sections"]),
                    numbers=frozenset(out["numbers"]),
                )
            )
    return result


STRUCTURED = ("outcomes", "alterations", "biomarkers", "facts", "trials")


def find_value(value: float, study: str | None, section: str, pool: list[Unit]) -> Unit | None:
    """The first record that states `value` and cites `study` (or, for a statement printed
    without a citation, sits in `section`)."""
    for unit in pool:
        placed = study in unit.citations if study else section in unit.sections
        if placed and unit.holds(value):
            return unit
    return None


def _names(raw: str | list[str]) -> list[str]:
    return [raw] if isinstance(raw, str) else list(raw)


def resolve(kb: KnowledgeBase, raw: str | list[str]) -> set[str]:
    """Network-node ids of the names (genes, entities, agents); unknown names give nothing."""
    return {node for name in _names(raw) if (node := kb.node_id(name)) is not None}


def mechanism_matches(kb: KnowledgeBase, item: dict[str, Any]) -> list[str]:
    """Ids of the interactions (or ``targets:DRG-nnn``) that state this mechanism."""
    sources, targets, sign = resolve(kb, item["source"]), resolve(kb, item["target"]), item["sign"]
    hits = [
        i.id
        for i in kb.interactions
        if i.source in sources
        and i.target in targets
        and (sign == "0" or effect_sign(i.effect).value == sign)
    ]
    if sign == "-":
        for source in sorted(sources):
            agent = kb.find_agent(source)
            if agent is not None and set(agent.targets) & targets:
                hits.append(f"targets:{agent.id}")
    return hits


def trial_record(kb: KnowledgeBase, item: dict[str, Any]) -> Any:
    """The trial record of a named trial: by NCT id (with the name in its acronym or title) or by
    acronym; ``None`` if there is none."""
    if item["nct"]:
        record = kb.find_trial(item["nct"])
        label = f"{record.acronym or ''} {record.title or ''}".upper() if record else ""
        return record if item["name"].upper() in label else None
    record = kb.find_trial(item["name"])
    return record if record is not None and record.nct_id is None else None


def alteration_resolves(kb: KnowledgeBase, item: dict[str, Any]) -> str | None:
    """Canonical text of the parsed alteration, or ``None`` when it does not parse to it."""
    try:
        genotype = parse_genotype(item["text"], kb)
    except RairlabError:
        return None
    if len(genotype) == 0:
        return None
    family = item["gene"].upper().rstrip("0123456789")
    text = str(genotype)
    seen = " ".join([text, *(a.gene or "" for a in genotype), *(a.notation for a in genotype)])
    return text if family in seen.upper() else None


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def extraction() -> dict[str, list[dict[str, Any]]]:
    with EXTRACTION_FILE.open(encoding="utf-8") as fh:
        data: dict[str, list[dict[str, Any]]] = yaml.safe_load(fh)
    return data


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def pool(kb: KnowledgeBase) -> list[Unit]:
    return units(kb, STRUCTURED)


# ----------------------------------------------------------------- the extraction itself


def test_extraction_is_well_formed(extraction: dict[str, list[dict[str, Any]]]) -> None:
    assert set(extraction) == {
        "nct_ids", "agents", "named_trials", "alterations", "quantities", "mechanisms",
    }  # fmt: skip
    for kind, items in extraction.items():
        assert items, kind
        for item in items:
            assert item.get("section"), (kind, item)
    ids = [q["id"] for q in extraction["quantities"]] + [m["id"] for m in extraction["mechanisms"]]
    assert len(ids) == len(set(ids))
    for q in extraction["quantities"]:
        assert q["values"], q["id"]
        for v in q["values"]:
            _value(v)  # raises on anything but a number or a fraction string
    for m in extraction["mechanisms"]:
        assert m["sign"] in {"+", "-", "0"}, m["id"]
    assert len(extraction["mechanisms"]) >= 60
    sections = {m["section"].split(".")[0] for m in extraction["mechanisms"]}
    assert {"2", "4"} <= sections


def test_numbers_in_text_reads_digits_words_and_fractions() -> None:
    found = numbers_in_text("20 (16%) of 125; four of five; 43,000 deaths; one-third")
    assert {20.0, 16.0, 125.0, 4.0, 5.0, 43000.0} <= found
    assert any(_same(x, 1 / 3) for x in found)


def test_value_search_needs_the_study_or_section() -> None:
    unit = Unit(
        "outcomes", "OUT-X", frozenset({"brose2014"}), frozenset({"4.1.1"}), frozenset({10.8})
    )
    assert find_value(10.8, "brose2014", "9", [unit]) is unit
    assert find_value(10.8, None, "4.1.1", [unit]) is unit
    assert find_value(10.8, "chi2020", "4.1.1", [unit]) is None  # a cited value needs its study
    assert find_value(10.8, None, "4.1.2", [unit]) is None
    assert find_value(10.9, "brose2014", "4.1.1", [unit]) is None
    prevalence = Unit(
        "alterations", "ALT-X", frozenset({"chung2020"}), frozenset(), frozenset({0.6})
    )
    assert find_value(60, "chung2020", "3.1.1", [prevalence]) is prevalence


def test_a_mechanism_with_the_wrong_sign_is_not_matched(
    kb: KnowledgeBase, extraction: dict[str, list[dict[str, Any]]]
) -> None:
    item = next(m for m in extraction["mechanisms"] if m["id"] == "M001")  # BRAF -| NIS
    assert mechanism_matches(kb, item)
    assert not mechanism_matches(kb, {**item, "sign": "+", "source": "TTF1", "target": "BRAF"})


# ----------------------------------------------------------------- coverage


def test_every_nct_id_is_a_trial_record(
    kb: KnowledgeBase, extraction: dict[str, list[dict[str, Any]]]
) -> None:
    ncts = {item["nct"] for item in extraction["nct_ids"]}
    missing = sorted(n for n in ncts if kb.find_trial(n) is None)
    print(f"\nNCT ids: {len(ncts) - len(missing)}/{len(ncts)} in trials.yaml")
    assert not missing


def test_every_named_agent_resolves(
    kb: KnowledgeBase, extraction: dict[str, list[dict[str, Any]]]
) -> None:
    agents = extraction["agents"]
    missing = [a["name"] for a in agents if kb.find_agent(a["name"]) is None]
    print(f"\nagents: {len(agents) - len(missing)}/{len(agents)} resolve")
    assert not missing


def test_every_named_trial_is_held(
    kb: KnowledgeBase, extraction: dict[str, list[dict[str, Any]]]
) -> None:
    trials = extraction["named_trials"]
    missing = [t["name"] for t in trials if trial_record(kb, t) is None]
    print(f"\nnamed trials: {len(trials) - len(missing)}/{len(trials)} are trial records")
    assert not missing


def test_every_alteration_parses(
    kb: KnowledgeBase, extraction: dict[str, list[dict[str, Any]]]
) -> None:
    items = extraction["alterations"]
    missing = [a["text"] for a in items if alteration_resolves(kb, a) is None]
    print(f"\nalterations: {len(items) - len(missing)}/{len(items)} parse")
    assert not missing


def test_quantitative_results_are_covered(
    pool: list[Unit], extraction: dict[str, list[dict[str, Any]]]
) -> None:
    total = found = 0
    missing = []
    for q in extraction["quantities"]:
        for raw in q["values"]:
            total += 1
            if find_value(_value(raw), q["study"], q["section"], pool) is None:
                missing.append(f"{q['id']}:{raw}")
            else:
                found += 1
    coverage = found / total
    print(f"\nquantitative values: {found}/{total} = {coverage:.1%}; missing: {missing}")
    assert coverage >= QUANTITY_THRESHOLD, f"coverage {coverage:.1%}; missing {missing}"


def test_mechanism_sample_is_covered(
    kb: KnowledgeBase, extraction: dict[str, list[dict[str, Any]]]
) -> None:
    items = extraction["mechanisms"]
    missing = [m["id"] for m in items if not mechanism_matches(kb, m)]
    print(f"\nmechanisms: {len(items) - len(missing)}/{len(items)} matched")
    assert not missing


def main() -> None:  # pragma: no cover - a report for people, not a test
    """Print every gap of the knowledge base against the extraction."""
    kb = load_knowledge()
    with EXTRACTION_FILE.open(encoding="utf-8") as fh:
        ext = yaml.safe_load(fh)
    pool = units(kb, STRUCTURED)
    side = units(kb, ("agents", "interactions"))
    print("NCT ids missing:", [i["nct"] for i in ext["nct_ids"] if kb.find_trial(i["nct"]) is None])
    print("agents missing:", [a["name"] for a in ext["agents"] if kb.find_agent(a["name"]) is None])
    print(
        "alterations not parsed:",
        [a["text"] for a in ext["alterations"] if alteration_resolves(kb, a) is None],
    )
    print(
        "named trials missing:",
        [t["name"] for t in ext["named_trials"] if trial_record(kb, t) is None],
    )
    total = 0
    missing = []
    for q in ext["quantities"]:
        for raw in q["values"]:
            total += 1
            if find_value(_value(raw), q["study"], q["section"], pool) is None:
                elsewhere = find_value(_value(raw), q["study"], q["section"], side)
                missing.append(
                    (
                        q["id"],
                        raw,
                        q["study"],
                        q["section"],
                        q["measure"],
                        elsewhere.id if elsewhere else None,
                    )
                )
    print(f"quantitative values: {total - len(missing)}/{total}")
    for row in missing:
        print("  missing", row)
    for m in ext["mechanisms"]:
        hits = mechanism_matches(kb, m)
        if not hits:
            print(
                "  mechanism unmatched",
                m["id"],
                m["source"],
                m["sign"],
                m["target"],
                "| nodes:",
                resolve(kb, m["source"]),
                resolve(kb, m["target"]),
            )


if __name__ == "__main__":  # pragma: no cover
    main()
