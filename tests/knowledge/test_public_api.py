"""The public surface of `rairlab.knowledge` is explicit."""

import rairlab.knowledge as knowledge

EXPECTED = [
    "CHECKS", "Agent", "AgentEvidence", "AgentKind", "Alteration", "AlterationType",
    "Biomarker", "Certainty", "DosimetryCriterion", "Effect", "Entity", "EvidenceLevel",
    "EvidenceReport", "Fact",
    "Gene", "Genotype", "Interaction", "InteractionEffect", "KnowledgeBase", "Level", "Outcome",
    "ParsedAlteration", "Problem", "Reference", "RelatedAlteration", "ResultRow", "Source",
    "StudyType", "Trial", "catalogue", "effect_sign", "evidence", "evidence_level", "lint",
    "load_knowledge", "parse_genotype",
]  # fmt: skip


def test_knowledge_all() -> None:
    assert knowledge.__all__ == EXPECTED
    for name in knowledge.__all__:
        assert hasattr(knowledge, name)
