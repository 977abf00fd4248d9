"""The controlled vocabularies of the knowledge base (enums) and the rules derived from them.

Effect signs of interactions and the evidence level of a study type are
defined here, next to the values they map.
"""

from __future__ import annotations

from enum import StrEnum

from rairlab.errors import InvalidValueError

__all__ = [
    "AgentKind",
    "AlterationType",
    "BiomarkerKind",
    "Certainty",
    "Effect",
    "EffectSign",
    "EntityKind",
    "EvidenceLevel",
    "InteractionEffect",
    "Level",
    "RaiDirection",
    "StudyType",
    "effect_sign",
    "evidence_level",
]


class Effect(StrEnum):
    """Effect of a genetic alteration on its gene's function."""

    GAIN = "gain"
    LOSS = "loss"
    UNKNOWN = "unknown"


class AlterationType(StrEnum):
    """Kind of genetic alteration."""

    MISSENSE = "missense"
    PROMOTER = "promoter"
    FUSION = "fusion"
    GENE_CLASS = "gene_class"
    TRUNCATING = "truncating"
    COPY_NUMBER = "copy_number"
    COMBINATION = "combination"


class RaiDirection(StrEnum):
    """What an alteration does to RAI avidity, as the review states it."""

    REDUCES_AVIDITY = "reduces_avidity"
    NO_ASSOCIATION = "no_association"
    RESTORES_AVIDITY = "restores_avidity"
    UNCLEAR = "unclear"


class EntityKind(StrEnum):
    """Kind of non-gene actor in the mechanisms."""

    HORMONE = "hormone"
    SECOND_MESSENGER = "second_messenger"
    METABOLITE = "metabolite"
    ION = "ion"
    PROCESS = "process"
    PHENOTYPE = "phenotype"
    PATHWAY = "pathway"
    MICROENVIRONMENT = "microenvironment"
    CELL_TYPE = "cell_type"
    COMPLEX = "complex"
    MIRNA = "mirna"


class BiomarkerKind(StrEnum):
    """Kind of non-genetic marker."""

    EXPRESSION = "expression"
    MIRNA = "mirna"
    SCORE = "score"
    IMAGING = "imaging"
    SERUM = "serum"
    CLINICAL = "clinical"
    METABOLIC = "metabolic"


class InteractionEffect(StrEnum):
    """Effect of an interaction's source on its target (table in the format spec)."""

    ACTIVATES = "activates"
    INHIBITS = "inhibits"
    UPREGULATES = "upregulates"
    DOWNREGULATES = "downregulates"
    REQUIRED_FOR = "required_for"
    PROMOTES_MEMBRANE_LOCALIZATION = "promotes_membrane_localization"
    INTERNALIZES = "internalizes"
    STABILIZES = "stabilizes"
    DEGRADES = "degrades"
    PRODUCES = "produces"
    PHOSPHORYLATES = "phosphorylates"
    BINDS = "binds"
    PART_OF = "part_of"
    ASSOCIATED_WITH = "associated_with"
    REGULATES = "regulates"


class EffectSign(StrEnum):
    """Sign of an interaction effect: raises (+), lowers (-) or unsigned (0)."""

    POSITIVE = "+"
    NEGATIVE = "-"
    UNSIGNED = "0"


_SIGNS = {
    InteractionEffect.ACTIVATES: EffectSign.POSITIVE,
    InteractionEffect.INHIBITS: EffectSign.NEGATIVE,
    InteractionEffect.UPREGULATES: EffectSign.POSITIVE,
    InteractionEffect.DOWNREGULATES: EffectSign.NEGATIVE,
    InteractionEffect.REQUIRED_FOR: EffectSign.POSITIVE,
    InteractionEffect.PROMOTES_MEMBRANE_LOCALIZATION: EffectSign.POSITIVE,
    InteractionEffect.INTERNALIZES: EffectSign.NEGATIVE,
    InteractionEffect.STABILIZES: EffectSign.POSITIVE,
    InteractionEffect.DEGRADES: EffectSign.NEGATIVE,
    InteractionEffect.PRODUCES: EffectSign.POSITIVE,
}


def effect_sign(effect: InteractionEffect | str) -> EffectSign:
    """Return the sign of an interaction effect (``+``, ``-`` or ``0`` for unsigned).

    Examples
    --------
    >>> effect_sign("downregulates").value
    '-'
    >>> effect_sign("binds").value
    '0'
    """
    return _SIGNS.get(InteractionEffect(effect), EffectSign.UNSIGNED)


class Level(StrEnum):
    """Biological level at which an interaction acts."""

    TRANSCRIPTION = "transcription"
    POST_TRANSCRIPTIONAL = "post_transcriptional"
    TRANSLATION = "translation"
    PROTEIN_STABILITY = "protein_stability"
    POST_TRANSLATIONAL = "post_translational"
    MEMBRANE_LOCALIZATION = "membrane_localization"
    TRANSPORT_ACTIVITY = "transport_activity"
    ENZYME_ACTIVITY = "enzyme_activity"
    SIGNALLING = "signalling"
    EPIGENETIC = "epigenetic"
    SECRETION = "secretion"
    PHENOTYPE = "phenotype"
    CELL_POPULATION = "cell_population"
    UNSPECIFIED = "unspecified"


class Certainty(StrEnum):
    """Whether the review states a mechanism or only hypothesizes it ("may", "might")."""

    STATED = "stated"
    HYPOTHESIZED = "hypothesized"


class AgentKind(StrEnum):
    """Kind of agent."""

    DRUG = "drug"
    COMPOUND = "compound"
    DRUG_CLASS = "drug_class"
    HORMONE_PREPARATION = "hormone_preparation"
    DELIVERY_SYSTEM = "delivery_system"
    RADIOPHARMACEUTICAL = "radiopharmaceutical"
    TRACER = "tracer"


class StudyType(StrEnum):
    """Design of the study an outcome comes from; it sets the evidence level."""

    PHASE3_TRIAL = "phase3_trial"
    META_ANALYSIS = "meta_analysis"
    APPROVAL = "approval"
    PHASE1_TRIAL = "phase1_trial"
    PHASE2_TRIAL = "phase2_trial"
    PHASE1_2_TRIAL = "phase1_2_trial"
    PROSPECTIVE_COHORT = "prospective_cohort"
    RETROSPECTIVE_COHORT = "retrospective_cohort"
    CLINICAL_STUDY = "clinical_study"
    CASE_REPORT = "case_report"
    CASE_SERIES = "case_series"
    IN_VITRO = "in_vitro"
    IN_VIVO = "in_vivo"
    IN_VITRO_IN_VIVO = "in_vitro_in_vivo"
    COMPUTATIONAL = "computational"
    EXPERT_OPINION = "expert_opinion"
    UNSPECIFIED = "unspecified"


class EvidenceLevel(StrEnum):
    """Evidence level of an outcome (after CIViC): A validated ... E inferential."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


_LEVEL_OF = {
    **dict.fromkeys(
        (StudyType.PHASE3_TRIAL, StudyType.META_ANALYSIS, StudyType.APPROVAL), EvidenceLevel.A
    ),
    **dict.fromkeys(
        (
            StudyType.PHASE1_TRIAL,
            StudyType.PHASE2_TRIAL,
            StudyType.PHASE1_2_TRIAL,
            StudyType.PROSPECTIVE_COHORT,
            StudyType.RETROSPECTIVE_COHORT,
            StudyType.CLINICAL_STUDY,
        ),
        EvidenceLevel.B,
    ),
    **dict.fromkeys((StudyType.CASE_REPORT, StudyType.CASE_SERIES), EvidenceLevel.C),
    **dict.fromkeys(
        (StudyType.IN_VITRO, StudyType.IN_VIVO, StudyType.IN_VITRO_IN_VIVO), EvidenceLevel.D
    ),
    **dict.fromkeys(
        (StudyType.COMPUTATIONAL, StudyType.EXPERT_OPINION, StudyType.UNSPECIFIED),
        EvidenceLevel.E,
    ),
}


def evidence_level(study_type: StudyType | str) -> EvidenceLevel:
    """Return the evidence level (A-E) of a study type, by the rule in the format spec.

    Raises
    ------
    InvalidValueError
        If `study_type` is not a known study type (a `ValueError`).

    Examples
    --------
    >>> evidence_level("case_series").value
    'C'
    >>> evidence_level(StudyType.PHASE3_TRIAL).value
    'A'
    """
    try:
        return _LEVEL_OF[StudyType(study_type)]
    except ValueError:
        accepted = "one of " + ", ".join(s.value for s in StudyType)
        raise InvalidValueError("study_type", study_type, accepted) from None
