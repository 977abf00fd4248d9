"""Consistency checks across knowledge-base records, reported all at once.

Each rule is one small function ``check_*(kb) -> list[Problem]``; :func:`lint`
runs them all (after the per-record schema validation of the loader) and
returns every problem, errors and warnings, in one list. Linting the shipped
data also checks every other data file the package ships
(:func:`check_data_files`, :mod:`rairlab.knowledge._data_files`).
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from rairlab.knowledge._data_files import PACKAGE_ROOT
from rairlab.knowledge._data_files import check_data_files as data_file_errors
from rairlab.knowledge._genotype import _key as alteration_key
from rairlab.knowledge._knowledgebase import KnowledgeBase, compact_key, name_key
from rairlab.knowledge._loader import (
    KINDS,
    NAME_KINDS,
    NAMES_FOLDER,
    _resolve_root,
    read_all,
    require_records,
)
from rairlab.knowledge._schemas import AgentKind, Alteration, AlterationType

__all__ = ["CHECKS", "Problem", "check_data_files", "lint"]

Severity = Literal["error", "warning"]

NCT_ID = re.compile(r"^NCT\d{8}$")
GENE_LIKE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
ID_FORMS: dict[str, re.Pattern[str]] = {
    "references": re.compile(r"^[a-z]+\d{4}[a-z]*$"),
    "genes": re.compile(r"^[A-Z0-9][A-Za-z0-9-]*$"),
    "entities": re.compile(r"^[a-z0-9][a-z0-9_]*$"),
    "alterations": re.compile(r"^ALT-\d{3,}$"),
    "biomarkers": re.compile(r"^BMK-\d{3,}$"),
    "interactions": re.compile(r"^INT-\d{3,}$"),
    "agents": re.compile(r"^DRG-\d{3,}$"),
    "trials": re.compile(r"^TRL-\d{3,}$"),
    "outcomes": re.compile(r"^OUT-\d{3,}$"),
    "facts": re.compile(r"^(EPI|PHY)-\d{3,}$"),
}
_FILE = {k.attr: k.filename for k in KINDS}
_ID_FIELD = {k.attr: k.id_field for k in KINDS}
_CITED_KINDS = (
    "alterations",
    "biomarkers",
    "interactions",
    "agents",
    "trials",
    "outcomes",
    "facts",
)
_NESTED_CITED = (
    "prevalence",
    "rai_associations",
    "statements",
    "findings",
    "approvals",
    "mentions",
)


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of `lint`.

    Attributes
    ----------
    severity
        ``"error"`` (the data is wrong) or ``"warning"`` (likely wrong or untidy).
    file
        The record file, e.g. ``"outcomes.yaml"``.
    record
        The record's id (or key / symbol), ``None`` for a whole-file problem.
    message
        What is wrong and what is expected.
    line
        The 1-based line in `file`, when known.
    """

    severity: Severity
    file: str
    record: str | None
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        """``file:line`` (or the file alone)."""
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        where = f"{self.where} [{self.record}]" if self.record else self.where
        return f"{self.severity}: {where}: {self.message}"


def _rid(kind: str, record: Any) -> str:
    return str(getattr(record, _ID_FIELD[kind]))


def _err(kind: str, record: Any, message: str, severity: Severity = "error") -> Problem:
    return Problem(severity, _FILE[kind], _rid(kind, record), message)


def _records(kb: KnowledgeBase, kinds: Iterable[str]) -> Iterable[tuple[str, Any]]:
    for kind in kinds:
        for record in getattr(kb, kind):
            yield kind, record


# ------------------------------------------------------------------- checks


def check_missing_files(kb: KnowledgeBase) -> list[Problem]:
    """Every record file of the format exists."""
    return [Problem("error", name, None, "file is missing") for name in kb.missing_files]


def check_ids(kb: KnowledgeBase) -> list[Problem]:
    """Ids are unique within their file and have their kind's form (``ALT-nnn``, ...)."""
    out: list[Problem] = []
    for kind, pattern in ID_FORMS.items():
        counts = Counter(_rid(kind, r) for r in getattr(kb, kind))
        seen: set[str] = set()
        for record in getattr(kb, kind):
            rid = _rid(kind, record)
            if counts[rid] > 1 and rid not in seen:
                out.append(_err(kind, record, f"id {rid!r} appears {counts[rid]} times"))
            seen.add(rid)
            if not pattern.match(rid):
                out.append(_err(kind, record, f"id {rid!r} does not match {pattern.pattern}"))
    return out


def check_citations(kb: KnowledgeBase) -> list[Problem]:
    """Every cited record cites >= 1 reference, and every cited key exists."""
    known = kb.reference_keys
    source_key = kb.source.key if kb.source else None
    out: list[Problem] = []
    for kind, record in _records(kb, _CITED_KINDS):
        if not record.citations:
            out.append(_err(kind, record, "cites no reference (add a key, or liu2023 + uncited)"))
        keys = [(k, "citations") for k in record.citations]
        for name in _NESTED_CITED:
            for i, item in enumerate(getattr(record, name, ())):
                keys += [(k, f"{name}[{i}]") for k in getattr(item, "citations", ())]
        for key, where in keys:
            if key not in known:
                out.append(_err(kind, record, f"{where}: unknown reference key {key!r}"))
        if getattr(record, "uncited", False) and source_key and source_key not in record.citations:
            msg = f"uncited: true but the source key {source_key!r} is not among its citations"
            out.append(_err(kind, record, msg, "warning"))
    return out


def _gene_problem(kb: KnowledgeBase, symbol: str) -> str | None:
    gene = kb.find_gene(symbol)
    if gene is None:
        return f"gene {symbol!r} is not in genes.yaml"
    if gene.symbol != symbol:
        return f"gene {symbol!r} is an alias; write the symbol {gene.symbol!r}"
    return None


def _is_node(kb: KnowledgeBase, name: str) -> bool:
    return any(e.id == name for e in kb.entities) or any(a.id == name for a in kb.agents)


def check_gene_symbols(kb: KnowledgeBase) -> list[Problem]:
    """Gene fields (alteration gene/partner, biomarker genes, agent targets, gene-like
    interaction ends) are HGNC symbols listed in ``genes.yaml``."""
    out: list[Problem] = []
    fields: list[tuple[str, Any, str, str]] = []
    for a in kb.alterations:
        fields += [("alterations", a, "gene", g) for g in (a.gene, a.partner) if g]
    fields += [("biomarkers", b, "genes", g) for b in kb.biomarkers for g in b.genes]
    fields += [("agents", a, "targets", g) for a in kb.agents for g in a.targets]
    fields += [("entities", e, "genes", g) for e in kb.entities for g in e.genes]
    for i in kb.interactions:
        for end, name in (("source", i.source), ("target", i.target)):
            if GENE_LIKE.match(name) and not _is_node(kb, name):
                fields.append(("interactions", i, end, name))
    for kind, record, field, symbol in fields:
        problem = _gene_problem(kb, symbol)
        if problem:
            out.append(_err(kind, record, f"{field}: {problem}"))
    return out


def check_interaction_ends(kb: KnowledgeBase) -> list[Problem]:
    """Interaction sources and targets are gene symbols, entity ids or agent ids."""
    out: list[Problem] = []
    for i in kb.interactions:
        for end, name in (("source", i.source), ("target", i.target)):
            if GENE_LIKE.match(name) or _is_node(kb, name):
                continue  # gene-like names are checked by check_gene_symbols
            hint = ""
            node = kb.node_id(name)
            if node is not None:
                hint = f"; write its id {node!r}"
            msg = f"{end} {name!r} is not a gene symbol, entity id or agent id{hint}"
            out.append(_err("interactions", i, msg))
    return out


def check_nct_ids(kb: KnowledgeBase) -> list[Problem]:
    """NCT ids have the form ``NCT`` + 8 digits (trials, agents' trials, outcomes' trial ids)."""
    out: list[Problem] = []
    bad = "is not an NCT id (NCT + 8 digits)"
    for t in kb.trials:
        if t.nct_id is not None and not NCT_ID.match(t.nct_id):
            out.append(_err("trials", t, f"nct_id {t.nct_id!r} {bad}"))
    for a in kb.agents:
        out += [_err("agents", a, f"trials: {n!r} {bad}") for n in a.trials if not NCT_ID.match(n)]
    for o in kb.outcomes:
        for tid in o.trial_ids:
            if not (NCT_ID.match(tid) or ID_FORMS["trials"].match(tid)):
                out.append(_err("outcomes", o, f"trial_ids: {tid!r} {bad} nor a TRL- id"))
    return out


def check_conflicts(kb: KnowledgeBase) -> list[Problem]:
    """``conflicts_with`` names existing interactions, and the link is reciprocal."""
    by_id = {i.id: i for i in kb.interactions}
    out: list[Problem] = []
    for i in kb.interactions:
        for other in i.conflicts_with:
            if other == i.id:
                out.append(_err("interactions", i, "conflicts_with lists the record itself"))
            elif other not in by_id:
                out.append(_err("interactions", i, f"conflicts_with: unknown interaction {other}"))
            elif i.id not in by_id[other].conflicts_with:
                msg = f"conflicts_with {other}, but {other} does not list {i.id}"
                out.append(_err("interactions", i, msg))
    return out


def check_alteration_links(kb: KnowledgeBase) -> list[Problem]:
    """Parents and components exist; parents form no cycle; combinations have >= 2 parts."""
    by_id = {a.id: a for a in kb.alterations}
    out: list[Problem] = []
    for a in kb.alterations:
        if a.parent is not None:
            if a.parent not in by_id:
                out.append(_err("alterations", a, f"parent: unknown alteration {a.parent}"))
            else:
                seen: set[str] = {a.id}
                cur: Alteration | None = by_id[a.parent]
                while cur is not None and cur.id not in seen:
                    seen.add(cur.id)
                    cur = by_id.get(cur.parent) if cur.parent else None
                if cur is not None:
                    out.append(_err("alterations", a, f"parent chain loops back to {cur.id}"))
        for c in a.components:
            if c not in by_id:
                out.append(_err("alterations", a, f"components: unknown alteration {c}"))
        if a.type is AlterationType.COMBINATION and len(a.components) < 2:
            out.append(_err("alterations", a, "a combination needs >= 2 components"))
        if a.components and a.type is not AlterationType.COMBINATION:
            out.append(_err("alterations", a, "components given but type is not combination"))
        if a.type is AlterationType.FUSION and "::" in a.notation and not a.partner:
            out.append(_err("alterations", a, "fusion without partner", "warning"))
    return out


def check_outcome_links(kb: KnowledgeBase) -> list[Problem]:
    """Outcomes' agents, alterations and trial ids name existing records."""
    agents = {a.id for a in kb.agents}
    alts = {a.id for a in kb.alterations}
    out: list[Problem] = []
    for o in kb.outcomes:
        out += [
            _err("outcomes", o, f"agents: unknown agent {x}") for x in o.agents if x not in agents
        ]
        out += [
            _err("outcomes", o, f"alterations: unknown alteration {x}")
            for x in o.alterations
            if x not in alts
        ]
        for tid in o.trial_ids:
            if kb.find_trial(tid) is None:
                out.append(_err("outcomes", o, f"trial_ids: {tid} is not in trials.yaml"))
    return out


def check_agent_links(kb: KnowledgeBase) -> list[Problem]:
    """Class members exist; agents' NCT ids are in trials.yaml; trials' agents exist."""
    agents = {a.id: a for a in kb.agents}
    out: list[Problem] = []
    for a in kb.agents:
        for m in a.members:
            if m not in agents:
                out.append(_err("agents", a, f"members: unknown agent {m}"))
            elif m == a.id:
                out.append(_err("agents", a, "members lists the record itself"))
        if a.members and a.kind is not AgentKind.DRUG_CLASS:
            out.append(_err("agents", a, f"members given but kind is {a.kind.value}", "warning"))
        for nct in a.trials:
            if NCT_ID.match(nct) and kb.find_trial(nct) is None:
                out.append(_err("agents", a, f"trials: {nct} is not in trials.yaml"))
    for t in kb.trials:
        out += [
            _err("trials", t, f"agents: unknown agent {x}") for x in t.agents if x not in agents
        ]
    return out


def check_name_collisions(kb: KnowledgeBase) -> list[Problem]:
    """Alteration and agent names (ids, notations, aliases) point to one record each;
    a gene alias shared by several genes is a warning (lookups return the first)."""
    out: list[Problem] = []
    groups: list[tuple[str, Any, Callable[[str], str], list[str]]] = []
    for a in kb.alterations:
        groups.append(("alterations", a, alteration_key, [a.id, a.notation, *a.aliases]))
    for g in kb.agents:
        groups.append(("agents", g, name_key, [g.id, g.name, g.display_name or "", *g.aliases]))
    for gene in kb.genes:
        groups.append(("genes", gene, name_key, [gene.symbol, *gene.aliases]))
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kind, record, key, names in groups:
        for n in dict.fromkeys(key(n) for n in names if n):
            owners[(kind, n)].append(_rid(kind, record))
    reported: set[tuple[str, str]] = set()
    for kind, record, key, names in groups:
        for n in names:
            k = (kind, key(n)) if n else None
            if k is None or len(owners[k]) < 2 or k in reported:
                continue
            reported.add(k)
            holders = ", ".join(owners[k])
            if kind == "genes":
                msg = f"alias {n!r} is shared by {holders}; gene({n!r}) returns {owners[k][0]}"
                out.append(_err(kind, record, msg, "warning"))
            else:
                out.append(_err(kind, record, f"name {n!r} names several records: {holders}"))
    return out


_SINGULAR = {"entities": "entity", "agents": "agent"}


def check_node_name_clashes(kb: KnowledgeBase) -> list[Problem]:
    """A name used by a gene and by an entity or agent is a warning: `node_id` and
    `interactions_of` resolve it to the gene first, hiding the other record's edges."""
    owners: dict[str, dict[str, str]] = defaultdict(dict)
    for gene in kb.genes:
        for n in (gene.symbol, *gene.aliases):
            owners[name_key(n)].setdefault("genes", gene.symbol)
    for e in kb.entities:
        for n in (e.id, e.name, *e.aliases):
            owners[name_key(n)].setdefault("entities", e.id)
    for a in kb.agents:
        for n in (a.id, a.name, a.display_name or "", *a.aliases):
            if n:
                owners[name_key(n)].setdefault("agents", a.id)
    for rec in kb.synonyms:
        for syn in rec.names:
            owners[name_key(syn.name)].setdefault("agents", rec.agent)
    genes = {g.symbol: g for g in kb.genes}
    out: list[Problem] = []
    for name, kinds in sorted(owners.items()):
        if "genes" in kinds and len(kinds) > 1:
            others = ", ".join(f"{_SINGULAR[k]} {rid}" for k, rid in kinds.items() if k != "genes")
            msg = f"name {name!r} also names {others}; node_id({name!r}) returns the gene"
            out.append(_err("genes", genes[kinds["genes"]], msg, "warning"))
    return out


_NAMES_FILES = {k.attr: f"{NAMES_FOLDER}/{k.filename}" for k in NAME_KINDS}
_SYNONYMS_FILE, _NAME_SOURCES_FILE = _NAMES_FILES["synonyms"], _NAMES_FILES["name_sources"]


def check_synonyms(kb: KnowledgeBase) -> list[Problem]:
    """Names of ``drug_names/synonyms.yaml`` name one agent each: the agent exists, the
    source key is in ``drug_names/sources.yaml`` (keys unique), and no name is another
    agent's review name or synonym, even ignoring case, spaces and hyphens (the keys of
    `find_agent`); a name that repeats the agent's own review name is a warning."""
    out: list[Problem] = []
    agents = {a.id for a in kb.agents}
    keys = Counter(src.key for src in kb.name_sources)
    out += [
        Problem("error", _NAME_SOURCES_FILE, key, f"key {key!r} appears {n} times")
        for key, n in keys.items()
        if n > 1
    ]
    review: dict[str, set[str]] = defaultdict(set)
    for a in kb.agents:
        for n in (a.id, a.name, a.display_name or "", *a.aliases):
            if n:
                review[compact_key(n)].add(a.id)
    listed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rec in kb.synonyms:
        found: list[tuple[Severity, str]] = []
        if rec.agent not in agents:
            found.append(("error", f"agent: unknown agent {rec.agent}"))
        for syn in rec.names:
            key = compact_key(syn.name)
            listed[key].append((rec.agent, syn.name))
            if syn.source not in keys:
                msg = f"{syn.name!r}: unknown source key {syn.source!r} (see {_NAME_SOURCES_FILE})"
                found.append(("error", msg))
            others = sorted(review[key] - {rec.agent})
            if others:
                found.append(("error", f"{syn.name!r} is already a name of {', '.join(others)}"))
            elif rec.agent in review[key]:
                found.append(("warning", f"{syn.name!r} repeats a name agents.yaml gives it"))
        out += [Problem(sev, _SYNONYMS_FILE, rec.agent, msg) for sev, msg in found]
    for entries in listed.values():
        holders = list(dict.fromkeys(agent for agent, _ in entries))
        first, name = entries[0]
        if len(holders) > 1:
            msg = f"{name!r} is listed for several agents: {', '.join(holders)}"
            out.append(Problem("error", _SYNONYMS_FILE, first, msg))
        elif len(entries) > 1:
            msg = f"{name!r} is listed {len(entries)} times"
            out.append(Problem("warning", _SYNONYMS_FILE, first, msg))
    return out


CHECKS: tuple[Callable[[KnowledgeBase], list[Problem]], ...] = (
    check_missing_files,
    check_ids,
    check_citations,
    check_gene_symbols,
    check_interaction_ends,
    check_nct_ids,
    check_conflicts,
    check_alteration_links,
    check_outcome_links,
    check_agent_links,
    check_name_collisions,
    check_node_name_clashes,
    check_synonyms,
)


def lint(
    kb_or_path: KnowledgeBase | str | os.PathLike[str] | Traversable | None = None,
) -> list[Problem]:
    """Check a knowledge base and return every problem found.

    Parameters
    ----------
    kb_or_path
        A loaded `KnowledgeBase`, or a folder of record files (schema errors of
        each record are reported too, and the valid records are still
        cross-checked). ``None``: the shipped data.

    Returns
    -------
    list of Problem
        Errors and warnings, in the order of `CHECKS` (then, for the shipped
        data, :func:`check_data_files`); empty when clean.

    Examples
    --------
    >>> kb = KnowledgeBase()
    >>> [str(p) for p in lint(kb)]
    []
    """
    if isinstance(kb_or_path, KnowledgeBase):
        kb = kb_or_path
        problems: list[Problem] = []
    else:
        root = _resolve_root(kb_or_path)
        require_records(root)
        contents, errors, missing = read_all(root)
        kb = KnowledgeBase(**contents, missing_files=missing, origin=str(root))
        problems = [Problem("error", Path(e.path).name, None, e.problem, e.line) for e in errors]
    for check in CHECKS:
        problems += check(kb)
    if kb_or_path is None:
        problems += check_data_files()
    return problems


def check_data_files(root: Path | None = None) -> list[Problem]:
    """Every shipped YAML data file outside the knowledge base, checked by its rule.

    Cited-record files are validated with the rules of `rairlab._cited.load_cited`;
    files of other formats are read by the same reader and checked as
    `rairlab.knowledge._data_files.OTHER_FORMATS` says. `lint` runs this for the
    shipped data. Files are named relative to the package folder (`root`, default: the
    installed package).
    """
    errors = data_file_errors(PACKAGE_ROOT if root is None else root)
    return [Problem("error", e.path, None, e.problem, e.line) for e in errors]
