"""Cited facts of the literature as typed records: load, check, query.

The shipped knowledge base holds the facts of Liu et al. (2023), Drug
Resistance Updates 68:100939 (doi:10.1016/j.drup.2023.100939), as YAML records
under ``data/liu2023`` (format: ``docs/knowledge-base.md``).
"""

from rairlab.knowledge._evidence import (
    AgentEvidence,
    EvidenceReport,
    RelatedAlteration,
    catalogue,
    evidence,
)
from rairlab.knowledge._genotype import Genotype, ParsedAlteration, parse_genotype
from rairlab.knowledge._knowledgebase import KnowledgeBase
from rairlab.knowledge._lint import CHECKS, Problem, lint
from rairlab.knowledge._loader import load_knowledge
from rairlab.knowledge._schemas import (
    Agent,
    AgentKind,
    Alteration,
    AlterationType,
    Biomarker,
    Certainty,
    DosimetryCriterion,
    Effect,
    Entity,
    EvidenceLevel,
    Fact,
    Gene,
    Interaction,
    InteractionEffect,
    Level,
    Outcome,
    Reference,
    ResultRow,
    Source,
    StudyType,
    Trial,
    effect_sign,
    evidence_level,
)

__all__ = [
    "CHECKS",
    "Agent",
    "AgentEvidence",
    "AgentKind",
    "Alteration",
    "AlterationType",
    "Biomarker",
    "Certainty",
    "DosimetryCriterion",
    "Effect",
    "Entity",
    "EvidenceLevel",
    "EvidenceReport",
    "Fact",
    "Gene",
    "Genotype",
    "Interaction",
    "InteractionEffect",
    "KnowledgeBase",
    "Level",
    "Outcome",
    "ParsedAlteration",
    "Problem",
    "Reference",
    "RelatedAlteration",
    "ResultRow",
    "Source",
    "StudyType",
    "Trial",
    "catalogue",
    "effect_sign",
    "evidence",
    "evidence_level",
    "lint",
    "load_knowledge",
    "parse_genotype",
]
