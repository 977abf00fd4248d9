"""Evidence reports: everything the knowledge base holds about an alteration, drug, gene or trial.

:func:`evidence` gathers the records around a query (related alterations,
mechanisms, agents with their outcomes, trials, biomarkers) into an
:class:`EvidenceReport`; ``rairlab evidence`` prints it. A report summarizes
published statements for research; it is not a treatment recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from rairlab.errors import InvalidValueError
from rairlab.knowledge._genotype import parse_genotype
from rairlab.knowledge._knowledgebase import KnowledgeBase, name_key
from rairlab.knowledge._schemas import (
    Agent,
    Alteration,
    AlterationType,
    Biomarker,
    Gene,
    Interaction,
    Outcome,
    Trial,
)

__all__ = ["AgentEvidence", "EvidenceReport", "RelatedAlteration", "catalogue", "evidence"]

Role = Literal["queried", "parent", "child", "combination", "component", "of_gene"]
ListKind = Literal["alterations", "agents", "genes", "trials"]
LIST_KINDS: tuple[str, ...] = ("alterations", "agents", "genes", "trials")


def _dump(record: Any) -> dict[str, Any]:
    return dict(record.model_dump(mode="json", exclude_none=True, exclude_defaults=False))


@dataclass(frozen=True)
class RelatedAlteration:
    """An alteration record and why it is in a report (`role`)."""

    role: Role
    record: Alteration

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict: the record's fields plus ``role``."""
        return {"role": self.role, **_dump(self.record)}


@dataclass(frozen=True)
class AgentEvidence:
    """An agent in a report: why it is there, its outcomes and trials."""

    agent: Agent
    reasons: tuple[str, ...]
    outcomes: tuple[Outcome, ...] = ()
    trials: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceReport:
    """What the knowledge base holds about a query.

    Attributes
    ----------
    query
        The query as given (``alteration``, ``drug``, ``gene``, ``trial``).
    alterations
        Queried alterations with their parents, children and combinations.
    genes, interactions, agents, outcomes, trials, biomarkers
        The records around the query; each agent carries its outcomes.
    """

    query: dict[str, str | None]
    alterations: tuple[RelatedAlteration, ...] = ()
    genes: tuple[Gene, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    agents: tuple[AgentEvidence, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    trials: tuple[Trial, ...] = ()
    biomarkers: tuple[Biomarker, ...] = ()
    cited_as: dict[str, str] = field(default_factory=dict)

    def outcome_dict(self, outcome: Outcome) -> dict[str, Any]:
        """An outcome as a dict, with ``cited_as`` (how the review prints each citation)."""
        d = _dump(outcome)
        d["cited_as"] = [self.cited_as.get(k, k) for k in outcome.citations]
        return d

    def to_dict(self) -> dict[str, Any]:
        """A stable, JSON-able dict (the ``--json`` output of ``rairlab evidence``)."""
        in_agents = {o.id for a in self.agents for o in a.outcomes}
        return {
            "query": dict(self.query),
            "alterations": [a.to_dict() for a in self.alterations],
            "genes": [_dump(g) for g in self.genes],
            "interactions": [_dump(i) for i in self.interactions],
            "agents": [
                {
                    **_dump(a.agent),
                    "reasons": list(a.reasons),
                    "members": list(a.members),
                    "classes": list(a.classes),
                    "trial_ids": list(a.trials),
                    "outcomes": [self.outcome_dict(o) for o in a.outcomes],
                }
                for a in self.agents
            ],
            "other_outcomes": [
                self.outcome_dict(o) for o in self.outcomes if o.id not in in_agents
            ],
            "trials": [_dump(t) for t in self.trials],
            "biomarkers": [_dump(b) for b in self.biomarkers],
        }


def _related(kb: KnowledgeBase, queried: list[Alteration]) -> list[RelatedAlteration]:
    out: dict[str, RelatedAlteration] = {}
    for alt in queried:
        out.setdefault(alt.id, RelatedAlteration("queried", alt))
    for alt in queried:
        for rel in kb.related_alterations(alt.id)[1:]:
            if rel.id in out:
                continue
            if rel.type is AlterationType.COMBINATION and rel.id not in alt.components:
                role: Role = "combination"
            elif rel.id in alt.components:
                role = "component"
            elif rel.parent == alt.id:
                role = "child"
            else:
                role = "parent"
            out[rel.id] = RelatedAlteration(role, rel)
    return list(out.values())


def _gene_matches(kb: KnowledgeBase, printed: str, genes: set[str]) -> bool:
    gene = kb.find_gene(printed)
    return gene is not None and gene.symbol in genes


def evidence(
    alteration: str | None = None,
    drug: str | None = None,
    gene: str | None = None,
    trial: str | None = None,
    kb: KnowledgeBase | None = None,
) -> EvidenceReport:
    """Gather the evidence the knowledge base holds about an alteration, drug, gene or trial.

    Each given criterion narrows the outcomes (an outcome must match all of
    them); agents, trials and mechanisms around the query are collected.

    Parameters
    ----------
    alteration
        Genotype text (``"BRAF V600E"``, ``"C228T"``, ``"RET/PTC1"``); its
        parents, children and the combinations holding any of them are included.
    drug
        An agent name, alias or ``DRG-`` id; a drug class brings its members.
    gene
        An HGNC symbol or alias.
    trial
        An NCT id or ``TRL-`` id.
    kb
        Knowledge base; default: the shipped one.

    Returns
    -------
    EvidenceReport

    Raises
    ------
    UnknownNameError
        For a name the knowledge base does not know (with close matches).
    InvalidValueError
        If no criterion is given, a criterion is blank, or the alteration text
        names no alteration (``"wild type"``).

    Examples
    --------
    >>> report = evidence(alteration="BRAF V600E")
    >>> report.query["alteration"]
    'BRAF V600E'
    """
    query = {"alteration": alteration, "drug": drug, "gene": gene, "trial": trial}
    for name, value in query.items():
        if value is not None and not value.strip():
            raise InvalidValueError(name, value, f"a non-empty {name} name")
    if not any(query.values()):
        raise InvalidValueError(
            "query", "(nothing)", "at least one of alteration, drug, gene or trial (or --list)"
        )
    if kb is None:
        from rairlab.knowledge._loader import load_knowledge

        kb = load_knowledge()

    related: list[RelatedAlteration] = []
    genes: set[str] = set()
    if alteration:
        queried = [kb.alteration(pa.id) for pa in parse_genotype(alteration, kb)]
        if not queried:
            raise InvalidValueError(
                "alteration", alteration, "an alteration; the text names none (wild type)"
            )
        related = _related(kb, queried)
        genes |= {g for a in queried for g in (a.gene, a.partner) if g}
    if gene:
        symbol = kb.gene(gene).symbol
        genes.add(symbol)
        if not alteration:
            of_gene = list(kb.alterations_of_gene(symbol))
            related = [RelatedAlteration("of_gene", x) for x in of_gene]
            seen = {x.id for x in of_gene}
            for alt in of_gene:
                for combo in kb.combinations_with(alt.id):
                    if combo.id not in seen:
                        seen.add(combo.id)
                        related.append(RelatedAlteration("combination", combo))
    alt_ids = {r.record.id for r in related}
    drug_agents: list[Agent] = []
    if drug:
        agent = kb.agent(drug)
        drug_agents = [agent, *kb.members_of(agent)]
    trial_rec = kb.trial(trial) if trial else None

    # outcomes: every given criterion must hold
    drug_ids = {a.id for a in drug_agents}
    outcomes = [
        o
        for o in kb.outcomes
        if (not (alteration or gene) or alt_ids & set(o.alterations))
        and (not drug or drug_ids & set(o.agents))
        and (trial_rec is None or {trial_rec.id, trial_rec.nct_id} & set(o.trial_ids))
    ]

    # agents: the drug (and members), else those with outcomes or targeting the genes
    reasons: dict[str, list[str]] = {}
    if drug:
        for a in drug_agents:
            reasons[a.id] = ["queried" if a is drug_agents[0] else f"member of {drug_agents[0].id}"]
    else:
        for o in outcomes:
            for aid in o.agents:
                reasons.setdefault(aid, []).append(f"outcome {o.id}")
        for a in kb.agents:
            hit = sorted(genes & set(a.targets))
            if hit:
                reasons.setdefault(a.id, []).append("targets " + ", ".join(hit))
        if trial_rec is not None:
            for aid in trial_rec.agents:
                reasons.setdefault(aid, []).append(f"in {trial_rec.label}")
    agents = drug_agents if drug else [a for a in kb.agents if a.id in reasons]

    # trials
    if trial_rec is not None:
        trials = [trial_rec]
    else:
        agent_ids = {a.id for a in agents}
        ncts = {n.upper() for a in agents for n in a.trials}
        ncts |= {t.upper() for o in outcomes for t in o.trial_ids}
        trials = [
            t
            for t in kb.trials
            if agent_ids & set(t.agents)
            or (t.nct_id or "").upper() in ncts
            or t.id.upper() in ncts
            or (not drug and any(_gene_matches(kb, x, genes) for x in t.targets))
        ]

    agent_entries = []
    for a in agents:
        own = [o for o in outcomes if a.id in o.agents]
        agent_trials = tuple(t.label for t in kb.trials_of(a))
        agent_entries.append(
            AgentEvidence(
                agent=a,
                reasons=tuple(dict.fromkeys(reasons[a.id])),
                outcomes=tuple(own),
                trials=agent_trials,
                members=a.members,
                classes=tuple(c.id for c in kb.classes_of(a)),
            )
        )

    nodes = set(genes) | drug_ids
    interactions = [i for i in kb.interactions if nodes & {i.source, i.target}]
    biomarkers = [b for b in kb.biomarkers if genes & set(b.genes)]
    cited = {k for o in outcomes for k in o.citations}
    cited_as = {k: kb.reference(k).citation for k in cited if k in kb.reference_keys}
    return EvidenceReport(
        query=query,
        alterations=tuple(related),
        genes=tuple(g for g in kb.genes if g.symbol in genes),
        interactions=tuple(interactions),
        agents=tuple(agent_entries),
        outcomes=tuple(outcomes),
        trials=tuple(trials),
        biomarkers=tuple(biomarkers),
        cited_as=cited_as,
    )


def catalogue(what: str, kb: KnowledgeBase | None = None) -> list[dict[str, Any]]:
    """Rows listing every known name of one kind, for ``rairlab evidence --list``.

    Parameters
    ----------
    what
        ``"alterations"``, ``"agents"`` (also ``"drugs"``), ``"genes"`` or ``"trials"``.

    Raises
    ------
    InvalidValueError
        For another `what`.

    Examples
    --------
    >>> from rairlab.knowledge import KnowledgeBase
    >>> catalogue("genes", KnowledgeBase())
    []
    """
    key = name_key(what)
    key = "agents" if key == "drugs" else key
    if key not in LIST_KINDS:
        raise InvalidValueError("--list", what, "one of " + ", ".join(LIST_KINDS))
    if kb is None:
        from rairlab.knowledge._loader import load_knowledge

        kb = load_knowledge()
    if key == "alterations":
        return [
            {"id": a.id, "notation": a.notation, "type": a.type.value, "parent": a.parent,
             "aliases": list(a.aliases)}
            for a in kb.alterations
        ]  # fmt: skip
    if key == "agents":
        return [
            {"id": a.id, "name": a.name, "kind": a.kind.value, "drug_class": a.drug_class,
             "aliases": list(a.aliases)}
            for a in kb.agents
        ]  # fmt: skip
    if key == "genes":
        return [{"symbol": g.symbol, "name": g.name, "aliases": list(g.aliases)} for g in kb.genes]
    return [
        {
            "id": t.id,
            "nct_id": t.nct_id,
            "acronym": t.acronym,
            "phase": t.phase,
            "status": t.status,
            "title": t.title,
        }
        for t in kb.trials
    ]
