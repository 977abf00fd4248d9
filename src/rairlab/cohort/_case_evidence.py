"""Evidence cards of a tumour case: what the knowledge base holds on each alteration and drug.

A card is short (each list capped, the rest counted) and every item carries its
citations, so a page or report can show the evidence beside the model's answer.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rairlab.cohort._case_spec import TumourCase
from rairlab.knowledge import evidence, load_knowledge, parse_genotype
from rairlab.network import load_network_data
from rairlab.network._perturb import genotype_effects

__all__ = ["EvidenceCard", "evidence_cards"]

#: Longest list of each kind on an evidence card; the rest is counted in `more`.
_CARD_CAPS = {"mechanisms": 4, "associations": 3, "agents": 8, "outcomes": 4, "trials": 5}
_CARD_CITATIONS = 10


@dataclass(frozen=True)
class EvidenceCard:
    """A short summary of what the knowledge base holds about one alteration or drug.

    Each list item is ``{"text": ..., "citations": [...]}`` (plus ``level``, the
    evidence level A–E, for outcomes); `more` counts the items left out per list.
    """

    kind: Literal["alteration", "drug"]
    name: str
    title: str
    summary: str
    modelled: str
    lists: Mapping[str, tuple[Mapping[str, Any], ...]]
    more: Mapping[str, int]
    citations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "kind": self.kind,
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "modelled": self.modelled,
            **{k: [dict(i) for i in v] for k, v in self.lists.items()},
            "more": dict(self.more),
            "citations": list(self.citations),
        }


def _capped(items: Sequence[Any], kind: str, more: dict[str, int]) -> tuple[Any, ...]:
    cap = _CARD_CAPS[kind]
    if len(items) > cap:
        more[kind] = len(items) - cap
    return tuple(items[:cap])


def _first_sentence(text: str, limit: int = 320) -> str:
    """`text`, or its first sentence when longer than `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text[: limit - 1] + "…"


def _cite(keys: Sequence[str]) -> list[str]:
    """Citation keys as the knowledge base prints them, with the DOI where it has one."""
    kb = load_knowledge()
    out = []
    for k in keys:
        ref = kb.reference(k) if k in kb.reference_keys else None
        label = ref.citation if ref is not None else k
        out.append(f"{label}, doi:{ref.doi}" if ref is not None and ref.doi else label)
    return out


def _outcome_item(o: Any) -> dict[str, Any]:
    results = "; ".join(
        f"{r.measure}: {r.value_text}" for r in o.results[:2] if getattr(r, "value_text", None)
    )
    size = f", n = {o.n}" if o.n else ""
    text = f"{o.study} ({o.intervention or o.setting or o.study_type}{size})"
    return {
        "text": f"{text}: {results}" if results else text,
        "level": str(o.evidence_level.value),
        "citations": _cite(o.citations),
    }


def _card(kind: Literal["alteration", "drug"], name: str) -> EvidenceCard:
    report = evidence(alteration=name) if kind == "alteration" else evidence(drug=name)
    more: dict[str, int] = {}
    lists: dict[str, tuple[Any, ...]] = {}

    cite = _cite

    lists["mechanisms"] = _capped(
        [{"text": i.summary, "citations": cite(i.citations)} for i in report.interactions],
        "mechanisms",
        more,
    )
    if kind == "alteration":
        rec = report.alterations[0].record
        title, effect = rec.notation, genotype_effects(rec.notation)[0][1]
        summary = f"{rec.gene} {rec.type.value}, {rec.effect.value} of function."
        modelled = (
            f"network node {effect.node} ({effect.effect}, strength {effect.strength:g})"
            if effect is not None
            else "not modelled by the network: no effect in the simulation"
        )
        lists["associations"] = _capped(
            [
                {
                    "text": f"{a.direction.replace('_', ' ')}: {a.summary}",
                    "citations": cite(a.citations),
                }
                for a in rec.rai_associations
            ],
            "associations",
            more,
        )
        lists["agents"] = _capped(
            [
                {
                    "text": (a.agent.display_name or a.agent.name)
                    + (f" ({len(a.outcomes)} outcome record(s))" if a.outcomes else ""),
                    "citations": [],
                }
                for a in sorted(report.agents, key=lambda a: -len(a.outcomes))
            ],
            "agents",
            more,
        )
        outcomes = list(report.outcomes)
    else:
        agent = report.agents[0]
        title = agent.agent.display_name or agent.agent.name
        summary = f"{agent.agent.drug_class or agent.agent.kind}: " + _first_sentence(
            agent.agent.mechanism or ""
        )
        modelled = _drug_actions(agent.agent.id)
        outcomes = list(agent.outcomes)
    # redifferentiation outcomes first (this is about RAI uptake), then by evidence level
    outcomes.sort(key=lambda o: (o.setting != "redifferentiation", str(o.evidence_level.value)))
    lists["outcomes"] = _capped([_outcome_item(o) for o in outcomes], "outcomes", more)
    lists["trials"] = _capped(
        [
            {
                "text": f"{t.nct_id or t.id}: {t.title or '(title not recorded)'} "
                f"({t.phase or 'phase n/a'}, {t.status or 'status n/a'})",
                "citations": cite(t.citations),
            }
            for t in report.trials
        ],
        "trials",
        more,
    )
    cited = list(
        dict.fromkeys(c for items in lists.values() for i in items for c in i["citations"])
    )
    if len(cited) > _CARD_CITATIONS:
        more["citations"] = len(cited) - _CARD_CITATIONS
    return EvidenceCard(
        kind, name, title, summary, modelled, lists, more, tuple(cited[:_CARD_CITATIONS])
    )


def _drug_actions(agent_id: str) -> str:
    """How the network models an agent: its actions on nodes, as a short text."""
    acts = [
        f"{a.mode}s {a.node}" if a.node else f"{a.mode} x{a.factor:g}"
        for rec in load_network_data().agents
        if rec.agent == agent_id
        for a in rec.actions
    ]
    shown = ", ".join(acts[:6]) + (f" and {len(acts) - 6} more" if len(acts) > 6 else "")
    return f"network: {shown}" if acts else "not modelled by the network"


@functools.lru_cache(maxsize=64)
def _cached_card(kind: Literal["alteration", "drug"], name: str) -> EvidenceCard:
    return _card(kind, name)


def evidence_cards(case: TumourCase) -> tuple[EvidenceCard, ...]:
    """One card per alteration of the case's genotype, then one per drug."""
    alts = parse_genotype(case.genotype, load_knowledge()) if case.genotype else ()
    return tuple(
        [_cached_card("alteration", a.text) for a in alts]
        + [_cached_card("drug", d.name) for d in case.drugs]
    )
