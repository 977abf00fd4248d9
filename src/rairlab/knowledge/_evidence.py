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
from rairlab.knowledge._loader import load_knowledge
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


def _or_shipped(kb: KnowledgeBase | None) -> KnowledgeBase:
    return kb if kb is not None else load_knowledge()


def _check_query(query: dict[str, str | None]) -> None:
    """Refuse a blank criterion, or a query without any."""
    for name, value in query.items():
        if value is not None and not value.strip():
            raise InvalidValueError(name, value, f"a non-empty {name} name")
    if not any(query.values()):
        raise InvalidValueError(
            "query", "(nothing)", "at least one of alteration, drug, gene or trial (or --list)"
        )


def _around_alteration(
    kb: KnowledgeBase, alteration: str
) -> tuple[list[RelatedAlteration], set[str]]:
    """The alterations `alteration` names with their relatives, and their genes."""
    queried = [kb.alteration(pa.id) for pa in parse_genotype(alteration, kb)]
    if not queried:
        raise InvalidValueError(
            "alteration", alteration, "an alteration; the text names none (wild type)"
        )
    return _related(kb, queried), {g for a in queried for g in (a.gene, a.partner) if g}


def _of_gene(kb: KnowledgeBase, symbol: str) -> list[RelatedAlteration]:
    """The alterations of gene `symbol`, then the combinations holding any of them."""
    of_gene = list(kb.alterations_of_gene(symbol))
    related = [RelatedAlteration("of_gene", x) for x in of_gene]
    seen = {x.id for x in of_gene}
    for alt in of_gene:
        for combo in kb.combinations_with(alt.id):
            if combo.id not in seen:
                seen.add(combo.id)
                related.append(RelatedAlteration("combination", combo))
    return related


def _alterations_and_genes(
    kb: KnowledgeBase, alteration: str | None, gene: str | None
) -> tuple[list[RelatedAlteration], set[str]]:
    """The report's alterations and the gene symbols of the query."""
    related: list[RelatedAlteration] = []
    genes: set[str] = set()
    if alteration:
        related, genes = _around_alteration(kb, alteration)
    if gene:
        symbol = kb.gene(gene).symbol
        genes.add(symbol)
        if not alteration:
            related = _of_gene(kb, symbol)
    return related, genes


def _drug_agents(kb: KnowledgeBase, drug: str | None) -> list[Agent]:
    """The queried agent followed by its members (a drug class); [] without a drug."""
    if not drug:
        return []
    agent = kb.agent(drug)
    return [agent, *kb.members_of(agent)]


def _matching_outcomes(
    kb: KnowledgeBase,
    alt_ids: set[str] | None,
    drug_ids: set[str] | None,
    trial: Trial | None,
) -> list[Outcome]:
    """The outcomes meeting every given criterion (None: no such criterion)."""
    return [
        o
        for o in kb.outcomes
        if (alt_ids is None or alt_ids & set(o.alterations))
        and (drug_ids is None or drug_ids & set(o.agents))
        and (trial is None or {trial.id, trial.nct_id} & set(o.trial_ids))
    ]


def _agent_reasons(
    kb: KnowledgeBase,
    drug_agents: list[Agent],
    outcomes: list[Outcome],
    genes: set[str],
    trial: Trial | None,
) -> dict[str, list[str]]:
    """Why each agent is in the report: the drug (and members), else those with
    outcomes, targeting the genes or in the trial; by agent id."""
    reasons: dict[str, list[str]] = {}
    if drug_agents:
        for a in drug_agents:
            reasons[a.id] = ["queried" if a is drug_agents[0] else f"member of {drug_agents[0].id}"]
        return reasons
    for o in outcomes:
        for aid in o.agents:
            reasons.setdefault(aid, []).append(f"outcome {o.id}")
    for a in kb.agents:
        hit = sorted(genes & set(a.targets))
        if hit:
            reasons.setdefault(a.id, []).append("targets " + ", ".join(hit))
    if trial is not None:
        for aid in trial.agents:
            reasons.setdefault(aid, []).append(f"in {trial.label}")
    return reasons


def _related_trials(
    kb: KnowledgeBase,
    trial: Trial | None,
    agents: list[Agent],
    outcomes: list[Outcome],
    genes: set[str] | None,
) -> list[Trial]:
    """The queried trial, else those of the agents or outcomes, or targeting `genes`
    (None: a drug query, where targets do not count)."""
    if trial is not None:
        return [trial]
    agent_ids = {a.id for a in agents}
    ncts = {n.upper() for a in agents for n in a.trials}
    ncts |= {t.upper() for o in outcomes for t in o.trial_ids}
    return [
        t
        for t in kb.trials
        if agent_ids & set(t.agents)
        or (t.nct_id or "").upper() in ncts
        or t.id.upper() in ncts
        or (genes is not None and any(_gene_matches(kb, x, genes) for x in t.targets))
    ]


def _agent_entry(
    kb: KnowledgeBase, agent: Agent, reasons: list[str], outcomes: list[Outcome]
) -> AgentEvidence:
    """`agent` with its reasons, its own outcomes, trials, members and classes."""
    return AgentEvidence(
        agent=agent,
        reasons=tuple(dict.fromkeys(reasons)),
        outcomes=tuple(o for o in outcomes if agent.id in o.agents),
        trials=tuple(t.label for t in kb.trials_of(agent)),
        members=agent.members,
        classes=tuple(c.id for c in kb.classes_of(agent)),
    )


def _cited_as(kb: KnowledgeBase, outcomes: list[Outcome]) -> dict[str, str]:
    """How the review prints each reference the outcomes cite, by key."""
    cited = {k for o in outcomes for k in o.citations}
    return {k: kb.reference(k).citation for k in cited if k in kb.reference_keys}


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
    _check_query(query)
    kb = _or_shipped(kb)
    related, genes = _alterations_and_genes(kb, alteration, gene)
    drug_agents = _drug_agents(kb, drug)
    trial_rec = kb.trial(trial) if trial else None
    drug_ids = {a.id for a in drug_agents}
    outcomes = _matching_outcomes(
        kb,
        {r.record.id for r in related} if alteration or gene else None,
        drug_ids if drug else None,
        trial_rec,
    )
    reasons = _agent_reasons(kb, drug_agents, outcomes, genes, trial_rec)
    agents = drug_agents if drug else [a for a in kb.agents if a.id in reasons]
    nodes = genes | drug_ids
    return EvidenceReport(
        query=query,
        alterations=tuple(related),
        genes=tuple(g for g in kb.genes if g.symbol in genes),
        interactions=tuple(i for i in kb.interactions if nodes & {i.source, i.target}),
        agents=tuple(_agent_entry(kb, a, reasons[a.id], outcomes) for a in agents),
        outcomes=tuple(outcomes),
        trials=tuple(_related_trials(kb, trial_rec, agents, outcomes, None if drug else genes)),
        biomarkers=tuple(b for b in kb.biomarkers if genes & set(b.genes)),
        cited_as=_cited_as(kb, outcomes),
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
    kb = _or_shipped(kb)
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
