"""The in-memory knowledge base: immutable record collections with indexes and lookups.

Lookups are case-insensitive, accept the aliases the records list (for agents
also the brand names, codes and other names of ``drug_names/``), and raise
:class:`~rairlab.errors.UnknownNameError` with close matches for names that
are not known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.knowledge._genotype import parse_genotype
from rairlab.knowledge._schemas import (
    Agent,
    AgentKind,
    AgentNames,
    Alteration,
    AlterationType,
    Biomarker,
    Entity,
    Fact,
    Gene,
    Interaction,
    NameSource,
    Outcome,
    Reference,
    Source,
    Synonym,
    Trial,
)

__all__ = ["KnowledgeBase", "compact_key", "name_key"]

_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_]+")


def name_key(name: str) -> str:
    """Key under which a name is looked up: case-folded, whitespace collapsed.

    Examples
    --------
    >>> name_key("  Dabrafenib ")
    'dabrafenib'
    """
    return _SPACES.sub(" ", name.strip()).casefold()


def compact_key(name: str) -> str:
    """Looser key for agent names: case-folded, without spaces, hyphens or underscores.

    A code is typed many ways (``GSK2118436``, ``GSK-2118436``, ``gsk 2118436``);
    `find_agent` tries this key when the exact `name_key` finds nothing.

    Examples
    --------
    >>> compact_key("BAY 43-9006")
    'bay439006'
    """
    return _SEPARATORS.sub("", name).casefold()


def _index(
    pairs: Iterable[tuple[str, Any]], key: Callable[[str], str] = name_key
) -> Mapping[str, Any]:
    """First record wins for a name (duplicates are reported by `lint`)."""
    out: dict[str, Any] = {}
    for name, record in pairs:
        if name:
            out.setdefault(key(name), record)
    return MappingProxyType(out)


def _by_id(records: Iterable[Any], field: str = "id") -> Mapping[str, Any]:
    out: dict[str, Any] = {}
    for r in records:
        out.setdefault(getattr(r, field), r)
    return MappingProxyType(out)


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """Typed, cited records of one source with indexes and lookups.

    Build it with :func:`rairlab.knowledge.load_knowledge`. The collections are
    tuples in file order; every lookup returns records, never copies.

    Examples
    --------
    >>> from rairlab.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> isinstance(kb.references, tuple)
    True
    """

    source: Source | None = None
    references: tuple[Reference, ...] = ()
    genes: tuple[Gene, ...] = ()
    entities: tuple[Entity, ...] = ()
    alterations: tuple[Alteration, ...] = ()
    biomarkers: tuple[Biomarker, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    agents: tuple[Agent, ...] = ()
    trials: tuple[Trial, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    facts: tuple[Fact, ...] = ()
    name_sources: tuple[NameSource, ...] = ()
    synonyms: tuple[AgentNames, ...] = ()
    missing_files: tuple[str, ...] = ()
    origin: str = "<memory>"

    # ------------------------------------------------------------ indexes

    @cached_property
    def _references(self) -> Mapping[str, Reference]:
        refs = dict(_by_id(self.references, "key"))
        if self.source is not None and self.source.key not in refs:
            s = self.source
            refs[s.key] = Reference(
                key=s.key, citation=s.citation, authors=s.authors, year=s.year,
                title=s.title, journal=s.journal, doi=s.doi,
            )  # fmt: skip
        return MappingProxyType(refs)

    @cached_property
    def _genes(self) -> Mapping[str, Gene]:
        symbols = [(g.symbol, g) for g in self.genes]
        aliases = [(a, g) for g in self.genes for a in g.aliases]
        return _index(symbols + aliases)

    @cached_property
    def _entities(self) -> Mapping[str, Entity]:
        return _index(
            [(e.id, e) for e in self.entities]
            + [(e.name, e) for e in self.entities]
            + [(a, e) for e in self.entities for a in e.aliases]
        )

    def _agent_names(self) -> list[tuple[str, Agent]]:
        """Every (name, agent): the review's names first, then the names of ``drug_names/``."""
        by_id = {a.id: a for a in self.agents}
        return (
            [(a.name, a) for a in self.agents]
            + [(a.id, a) for a in self.agents]
            + [(a.display_name or "", a) for a in self.agents]
            + [(x, a) for a in self.agents for x in a.aliases]
            + [
                (s.name, by_id[rec.agent])
                for rec in self.synonyms
                if rec.agent in by_id
                for s in rec.names
            ]
        )

    @cached_property
    def _agents(self) -> Mapping[str, Agent]:
        return _index(self._agent_names())

    @cached_property
    def _agents_compact(self) -> Mapping[str, Agent]:
        return _index(self._agent_names(), compact_key)

    @cached_property
    def _synonyms(self) -> Mapping[str, tuple[Synonym, ...]]:
        out: dict[str, tuple[Synonym, ...]] = {}
        for rec in self.synonyms:
            out[rec.agent] = out.get(rec.agent, ()) + rec.names
        return MappingProxyType(out)

    @cached_property
    def _trials(self) -> Mapping[str, Trial]:
        return _index(
            [(t.id, t) for t in self.trials]
            + [(name, t) for t in self.trials for name in (t.nct_id, t.acronym) if name]
        )

    @cached_property
    def _alterations(self) -> Mapping[str, Alteration]:
        return _by_id(self.alterations)

    @cached_property
    def _records(self) -> Mapping[str, Any]:
        """Every record with an ``id``, by id (alterations, interactions, agents, ...)."""
        out: dict[str, Any] = {}
        for kind in (
            self.entities, self.alterations, self.biomarkers, self.interactions,
            self.agents, self.trials, self.outcomes, self.facts,
        ):  # fmt: skip
            for r in kind:
                out.setdefault(r.id, r)
        return MappingProxyType(out)

    # ------------------------------------------------------------ lookups

    @property
    def reference_keys(self) -> frozenset[str]:
        """Every citable key: the references and the source itself."""
        return frozenset(self._references)

    def reference(self, key: str) -> Reference:
        """The reference with this key (the source's own key gives the review).

        Raises
        ------
        UnknownNameError
            If no reference has this key.
        """
        try:
            return self._references[key.strip()]
        except KeyError:
            raise UnknownNameError("reference", key, self._references) from None

    def find_gene(self, name: str) -> Gene | None:
        """The gene with this symbol or alias (case-insensitive), or ``None``."""
        return self._genes.get(name_key(name))

    def gene(self, name: str) -> Gene:
        """The gene with this HGNC symbol or alias, case-insensitive.

        Raises
        ------
        UnknownNameError
            With close matches and the hint ``rairlab evidence --list genes``.
        """
        gene = self.find_gene(name)
        if gene is None:
            raise UnknownNameError(
                "gene", name, [g.symbol for g in self.genes], hint="rairlab evidence --list genes"
            )
        return gene

    def find_entity(self, name: str) -> Entity | None:
        """The entity with this id, name or alias (case-insensitive), or ``None``."""
        return self._entities.get(name_key(name))

    def find_agent(self, name: str) -> Agent | None:
        """The agent with this name, display name, alias, id or synonym, or ``None``.

        Case is ignored; so are spaces, hyphens and underscores when the name as
        written matches nothing (``gsk 2118436`` finds dabrafenib through
        ``GSK2118436``). Synonyms are the brand names, codes and other names of
        ``drug_names/synonyms.yaml``.

        Examples
        --------
        >>> from rairlab.knowledge import load_knowledge
        >>> load_knowledge().find_agent("Tafinlar").name
        'dabrafenib'
        """
        return self._agents.get(name_key(name)) or self._agents_compact.get(compact_key(name))

    def synonyms_of(self, agent: Agent) -> tuple[Synonym, ...]:
        """The names of `agent` from outside the review (brand names, codes, ...), with sources."""
        return self._synonyms.get(agent.id, ())

    def name_source(self, key: str) -> NameSource:
        """The source of drug names with this key (``drug_names/sources.yaml``).

        Raises
        ------
        UnknownNameError
            If no name source has this key.
        """
        for source in self.name_sources:
            if source.key == key.strip():
                return source
        raise UnknownNameError("name source", key, [s.key for s in self.name_sources])

    def agent(self, name: str) -> Agent:
        """The agent (drug, class, preparation...) with this name, alias, id or synonym.

        Raises
        ------
        UnknownNameError
            With close matches among every name and synonym, each suggested by
            its agent's canonical name: ``'dabrafinib'`` and ``'Tafinlr'`` both
            suggest ``'dabrafenib'``.
        """
        agent = self.find_agent(name)
        if agent is None:
            names = {n: a.name for n, a in self._agent_names() if n and n != a.id}
            raise UnknownNameError(
                "drug",
                name,
                [a.name for a in self.agents],
                hint="rairlab evidence --list agents",
                synonyms=names,
            )
        return agent

    def find_trial(self, name: str) -> Trial | None:
        """The trial with this NCT id or ``TRL-`` id (case-insensitive), or ``None``."""
        return self._trials.get(name_key(name))

    def trial(self, name: str) -> Trial:
        """The trial with this NCT id or ``TRL-`` id.

        Raises
        ------
        UnknownNameError
            With close matches and the hint ``rairlab evidence --list trials``.
        """
        trial = self.find_trial(name)
        if trial is None:
            raise UnknownNameError(
                "trial",
                name,
                [t.label for t in self.trials],
                hint="rairlab evidence --list trials",
            )
        return trial

    def record(self, record_id: str) -> Any:
        """Any record that has an ``id`` (``ALT-001``, ``INT-009``, ``OUT-052``...).

        Raises
        ------
        UnknownNameError
            If no record has this id.
        """
        try:
            return self._records[record_id.strip()]
        except KeyError:
            raise UnknownNameError("record id", record_id, self._records) from None

    def alteration(self, text: str) -> Alteration:
        """The alteration record that `text` names (id, notation or alias; see `parse_genotype`).

        A variant mapped to its gene-class record (``NRAS p.Q61R``) gives the class record.

        Raises
        ------
        UnknownNameError
            If `text` names no alteration.
        InvalidValueError
            If `text` names several alterations or none (wild type).
        """
        by_id = self._alterations.get(text.strip().upper())
        if by_id is not None:
            return by_id
        genotype = parse_genotype(text, self)
        if len(genotype) != 1:
            raise InvalidValueError(
                "alteration", text, "exactly one alteration (use parse_genotype for several)"
            )
        return self._alterations[genotype.alterations[0].id]

    # ------------------------------------------------------------ relations

    def children(self, alteration_id: str) -> tuple[Alteration, ...]:
        """Alterations whose `parent` is `alteration_id`."""
        return tuple(a for a in self.alterations if a.parent == alteration_id)

    def combinations_with(self, alteration_id: str) -> tuple[Alteration, ...]:
        """Combination records listing `alteration_id` among their components."""
        return tuple(a for a in self.alterations if alteration_id in a.components)

    def related_alterations(self, alteration_id: str) -> tuple[Alteration, ...]:
        """The alteration, its ancestors, its children and the combinations holding any of them.

        Components of a combination are related too. Order: the alteration first,
        then ancestors, children, combinations, components.
        """
        start = self._alterations.get(alteration_id)
        if start is None:
            return ()
        ordered: dict[str, Alteration] = {start.id: start}
        parent = start.parent
        while parent and parent in self._alterations and parent not in ordered:
            ordered[parent] = self._alterations[parent]
            parent = ordered[parent].parent
        for child in self.children(start.id):
            ordered.setdefault(child.id, child)
        for alt_id in list(ordered):
            for combo in self.combinations_with(alt_id):
                ordered.setdefault(combo.id, combo)
        for comp in start.components:
            if comp in self._alterations:
                ordered.setdefault(comp, self._alterations[comp])
        return tuple(ordered.values())

    def node_id(self, name: str) -> str | None:
        """The network-node id `name` stands for: a gene symbol, entity id or agent id."""
        gene = self.find_gene(name)
        if gene is not None:
            return gene.symbol
        entity = self.find_entity(name)
        if entity is not None:
            return entity.id
        agent = self.find_agent(name)
        return agent.id if agent is not None else None

    def interactions_of(self, name: str) -> tuple[Interaction, ...]:
        """Interactions whose source or target is this gene, entity or agent (name or alias).

        Raises
        ------
        UnknownNameError
            If `name` is neither a gene, an entity nor an agent.
        """
        node = self.node_id(name)
        if node is None:
            choices = [g.symbol for g in self.genes] + [e.id for e in self.entities]
            raise UnknownNameError("gene or entity", name, choices)
        return tuple(i for i in self.interactions if node in (i.source, i.target))

    def members_of(self, agent: Agent) -> tuple[Agent, ...]:
        """The member agents of a drug class (empty for other agents)."""
        return tuple(self._records[m] for m in agent.members if m in self._records)

    def classes_of(self, agent: Agent) -> tuple[Agent, ...]:
        """The drug classes that list `agent` among their members."""
        return tuple(
            a for a in self.agents if a.kind is AgentKind.DRUG_CLASS and agent.id in a.members
        )

    def trials_of(self, agent: Agent) -> tuple[Trial, ...]:
        """Trials of an agent: those listing it, and those its record names by NCT id."""
        ncts = {n.upper() for n in agent.trials}
        return tuple(
            t for t in self.trials if agent.id in t.agents or (t.nct_id or "").upper() in ncts
        )

    def outcomes_for(
        self,
        agent: str | Agent | None = None,
        alteration: str | Alteration | None = None,
        trial: str | Trial | None = None,
    ) -> tuple[Outcome, ...]:
        """Outcomes that name this agent, this alteration and this trial (each optional).

        Names are resolved like `agent`, `alteration` and `trial`. The match is
        exact (no parents or classes); `rairlab.knowledge.evidence` widens it.
        """
        agent_id = (agent if isinstance(agent, Agent) else self.agent(agent)).id if agent else None
        alt_id = (
            (alteration if isinstance(alteration, Alteration) else self.alteration(alteration)).id
            if alteration
            else None
        )
        trial_rec = (trial if isinstance(trial, Trial) else self.trial(trial)) if trial else None
        out = []
        for o in self.outcomes:
            if agent_id and agent_id not in o.agents:
                continue
            if alt_id and alt_id not in o.alterations:
                continue
            if trial_rec and not ({trial_rec.id, trial_rec.nct_id} & set(o.trial_ids)):
                continue
            out.append(o)
        return tuple(out)

    def alterations_of_gene(self, symbol: str) -> tuple[Alteration, ...]:
        """Alterations whose gene (or fusion partner) is this gene; combinations excluded."""
        gene = self.gene(symbol).symbol
        return tuple(
            a
            for a in self.alterations
            if a.type is not AlterationType.COMBINATION and gene in (a.gene, a.partner)
        )
