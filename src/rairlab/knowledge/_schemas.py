"""Typed records of the knowledge base: one pydantic model per record kind.

The models follow ``docs/knowledge-base.md`` field by field. They validate one
record at a time (types, enums, unknown keys); consistency *between* records
(citations resolve, ids exist, conflicts are reciprocal) is checked by
:func:`rairlab.knowledge.lint`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)

from rairlab.knowledge._vocab import (
    AgentKind,
    AlterationType,
    BiomarkerKind,
    Certainty,
    Effect,
    EffectSign,
    EntityKind,
    EvidenceLevel,
    InteractionEffect,
    Level,
    RaiDirection,
    StudyType,
    effect_sign,
    evidence_level,
)

__all__ = [
    "Agent",
    "AgentKind",
    "AgentNames",
    "Alteration",
    "AlterationType",
    "Approval",
    "Biomarker",
    "BiomarkerKind",
    "Certainty",
    "DosimetryCriterion",
    "Effect",
    "EffectSign",
    "Entity",
    "EntityKind",
    "EvidenceLevel",
    "Fact",
    "FactValue",
    "Gene",
    "Interaction",
    "InteractionEffect",
    "Level",
    "Mention",
    "NameKind",
    "NameSource",
    "Outcome",
    "Prevalence",
    "RaiAssociation",
    "RaiDirection",
    "Reference",
    "ResultRow",
    "Source",
    "Statement",
    "StudyType",
    "Synonym",
    "Trial",
    "effect_sign",
    "evidence_level",
]

Text = Annotated[str, Field(min_length=1)]
Names = tuple[Text, ...]


class _Record(BaseModel):
    """Base of every record: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class _Cited(_Record):
    """Fields shared by records that carry citations (see "Fields common to cited records")."""

    citations: Names = ()
    uncited: bool = False
    section: str | None = None
    note: str | None = None


# ---------------------------------------------------------------- records


def _ordered(interval: tuple[float, float] | None, name: str) -> tuple[float, float] | None:
    if interval is not None and interval[0] > interval[1]:
        raise ValueError(f"{name} lower end {interval[0]} exceeds upper end {interval[1]}")
    return interval


class Source(_Record):
    """The review itself (``source.yaml``)."""

    key: Text
    citation: Text
    authors: str | None = None
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | int | None = None
    article: str | int | None = None
    doi: str | None = None
    url: str | None = None
    licence: str | None = None
    extraction: str | None = None
    note: str | None = None


class Reference(_Record):
    """A work the review cites (``references.yaml``)."""

    key: Text
    citation: Text
    authors: str | None = None
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    doi: str | None = None
    note: str | None = None


class Gene(_Record):
    """An HGNC gene symbol with the aliases the review uses (``genes.yaml``)."""

    symbol: Text
    name: str | None = None
    aliases: Names = ()
    note: str | None = None


class Entity(_Record):
    """A non-gene actor of the mechanisms (``entities.yaml``)."""

    id: Text
    name: Text
    kind: EntityKind
    aliases: Names = ()
    genes: Names = ()
    summary: str | None = None
    note: str | None = None


class Statement(_Cited):
    """A paraphrased statement with its citations."""

    summary: Text


class Prevalence(_Cited):
    """How often an alteration occurs in a population, as the review states it.

    `value` (or `range`, ``[lo, hi]``) is a fraction in [0, 1]; `lower_bound` /
    `upper_bound` mark "more than" / "less than" figures; `value_text` keeps the
    printed wording.
    """

    population: Text
    value: float | None = Field(default=None, ge=0, le=1)
    range: tuple[float, float] | None = None
    approx: bool = False
    lower_bound: bool = False
    upper_bound: bool = False
    value_text: Text

    @field_validator("range")
    @classmethod
    def _range_ordered(cls, r: tuple[float, float] | None) -> tuple[float, float] | None:
        if r is not None and not 0 <= r[0] <= r[1] <= 1:
            raise ValueError(f"range {list(r)} must be fractions with lo <= hi")
        return r


class RaiAssociation(_Cited):
    """What the review says about an alteration and RAI avidity / refractoriness."""

    summary: Text
    direction: RaiDirection


class Alteration(_Cited):
    """A genetic alteration: variant, fusion, gene-level class or combination."""

    id: Text
    gene: str | None
    notation: Text
    type: AlterationType
    effect: Effect = Effect.UNKNOWN
    hgvs_c: str | None = None
    aliases: Names = ()
    partner: str | None = None
    parent: str | None = None
    components: Names = ()
    prevalence: tuple[Prevalence, ...] = ()
    rai_associations: tuple[RaiAssociation, ...] = ()
    statements: tuple[Statement, ...] = ()


class Biomarker(_Cited):
    """A non-genetic predictive or prognostic marker (``biomarkers.yaml``)."""

    id: Text
    name: Text
    genes: Names = ()
    kind: BiomarkerKind
    aliases: Names = ()
    summary: str | None = None
    findings: tuple[Statement, ...] = ()


class Interaction(_Cited):
    """A mechanistic statement: an edge of the regulatory network (``interactions.yaml``)."""

    id: Text
    source: Text
    source_state: str | None = None
    target: Text
    target_state: str | None = None
    effect: InteractionEffect
    level: Level = Level.UNSPECIFIED
    certainty: Certainty = Certainty.STATED
    context: str | None = None
    summary: str | None = None
    conflicts_with: Names = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sign(self) -> EffectSign:
        """The sign of :attr:`effect` (``+``, ``-`` or ``0``)."""
        return effect_sign(self.effect)


class Approval(_Record):
    """A regulatory approval of an agent."""

    agency: Text
    date: str | None = None
    indication: str | None = None
    citations: Names = ()
    note: str | None = None


class Agent(_Record):
    """A drug, compound, class, hormone preparation, delivery system or radiopharmaceutical."""

    id: Text
    name: Text
    display_name: str | None = None
    aliases: Names = ()
    kind: AgentKind
    drug_class: str | None = None
    targets: Names = ()
    targets_as_stated: Names = ()
    members: Names = ()
    approvals: tuple[Approval, ...] = ()
    mechanism: str | None = None
    statements: tuple[Statement, ...] = ()
    trials: Names = ()
    citations: Names = ()
    uncited: bool = False
    sections: Names = ()
    note: str | None = None

    @property
    def label(self) -> str:
        """The name to show people (`display_name`, else `name`)."""
        return self.display_name or self.name


NameKind = Literal["inn", "brand", "code", "abbreviation", "chemical"]
"""Kinds of agent names from outside the review: nonproprietary name (INN, USAN),
regulator-approved brand name, research code, abbreviation, chemical name."""


class NameSource(_Record):
    """A register, vocabulary or label that drug names come from (``drug_names/sources.yaml``)."""

    key: Text
    citation: Text
    url: str | None = None
    note: str | None = None


class Synonym(_Record):
    """One name of an agent from outside the review, with where it is attested.

    `source` is a key of ``drug_names/sources.yaml``; `ref` locates the name in
    it (the label's title and application number, the vocabulary's entry).
    """

    name: Text
    kind: NameKind
    source: Text
    ref: Text
    note: str | None = None


class AgentNames(_Record):
    """Names of one agent besides the review's own (``drug_names/synonyms.yaml``)."""

    agent: Text
    names: tuple[Synonym, ...] = Field(min_length=1)
    note: str | None = None


class Mention(_Record):
    """Where the review's text mentions a trial."""

    summary: Text
    section: str | None = None
    citations: Names = ()
    note: str | None = None


class DosimetryCriterion(_Record):
    """A trial's lesion-dosimetry criterion: a minimum lesion dose within a maximum activity.

    The numbers are those the review prints, in the units named by the fields
    (``min_lesion_dose_gy`` converts the printed cGy; ``max_activity_mci`` keeps mCi);
    `value_text` keeps the printed wording. Its `citations` must be among its trial's.

    Examples
    --------
    >>> c = DosimetryCriterion(min_lesion_dose_gy=20, max_activity_mci=300,
    ...                        value_text=">= 2000 cGy with <= 300 mCi", citations=("liu2023",))
    >>> c.min_lesion_dose_gy
    20.0
    """

    min_lesion_dose_gy: float = Field(gt=0, allow_inf_nan=False)
    max_activity_mci: float = Field(gt=0, allow_inf_nan=False)
    value_text: Text
    outcome: str | None = None
    citations: Names = Field(min_length=1)
    section: str | None = None
    note: str | None = None


class Trial(_Cited):
    """A clinical trial: Table 1, every NCT id in the review, and named trials without one.

    A trial the review names without a registry id (SELECT, COSMIC-311, ...)
    has ``nct_id: null`` and must carry an `acronym` or a `title`.
    """

    id: Text
    nct_id: str | None = None
    in_table1: bool = False
    acronym: str | None = None
    phase: str | None = None
    status: str | None = None
    title: str | None = None
    sample_size: int | None = Field(default=None, ge=0)
    conditions: Names = ()
    interventions: Names = ()
    agents: Names = ()
    targets: Names = ()
    primary_outcomes: Names = ()
    secondary_outcomes: Names = ()
    mentions: tuple[Mention, ...] = ()
    dosimetry_criterion: DosimetryCriterion | None = None

    @model_validator(mode="after")
    def _named(self) -> Trial:
        if not (self.nct_id or self.acronym or self.title):
            raise ValueError("a trial without nct_id needs an acronym or a title")
        return self

    @model_validator(mode="after")
    def _criterion_cites_the_trial(self) -> Trial:
        # lint resolves the trial's citation keys; the criterion's are checked through them
        crit = self.dosimetry_criterion
        if crit is not None and not set(crit.citations) <= set(self.citations):
            extra = sorted(set(crit.citations) - set(self.citations))
            raise ValueError(
                f"dosimetry_criterion cites {extra}, which the trial's citations do not list"
            )
        return self

    @property
    def label(self) -> str:
        """The NCT id, else the acronym, else the record id: how tables name the trial."""
        return self.nct_id or self.acronym or self.id


class ResultRow(_Record):
    """One measured result of a study.

    `value_text` is the result as the review prints it; the numeric fields are
    filled where the review gives numbers. `ci95` is ``[lo, hi]`` in `unit`;
    `p_value` is a number or a text such as ``"< 0.01"``.
    """

    measure: Text
    value_text: Text
    value: float | None = None
    range: tuple[float, float] | None = None
    lower_bound: bool = False
    upper_bound: bool = False
    unit: str | None = None
    k: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=0)
    ci95: tuple[float, float] | None = None
    p_value: float | str | None = None
    comparison: str | None = None
    arm: str | None = None
    note: str | None = None

    @field_validator("ci95", "range")
    @classmethod
    def _interval_ordered(
        cls, v: tuple[float, float] | None, info: ValidationInfo
    ) -> tuple[float, float] | None:
        return _ordered(v, str(info.field_name))

    @model_validator(mode="after")
    def _k_within_n(self) -> ResultRow:
        if self.k is not None and self.n is not None and self.k > self.n:
            raise ValueError(f"k = {self.k} exceeds n = {self.n}")
        return self


class Outcome(_Cited):
    """A quantitative or qualitative result of a study (``outcomes.yaml``).

    Examples
    --------
    >>> o = Outcome(id="OUT-900", study="Doe et al., 2020", citations=("doe2020",),
    ...             study_type="phase2_trial", results=())
    >>> o.evidence_level.value
    'B'
    """

    id: Text
    study: Text
    study_type: StudyType
    phase: str | None = None
    trial_ids: Names = ()
    setting: str | None = None
    population: str | None = None
    alterations: Names = ()
    agents: Names = ()
    intervention: str | None = None
    comparator: str | None = None
    n: int | None = Field(default=None, ge=0)
    results: tuple[ResultRow, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evidence_level(self) -> EvidenceLevel:
        """Evidence level derived from :attr:`study_type` (see :func:`evidence_level`)."""
        return evidence_level(self.study_type)


class FactValue(_Record):
    """One value of a fact (a quantity with unit, or a printed text)."""

    quantity: Text
    value: float | None = None
    range: tuple[float, float] | None = None
    unit: str | None = None
    value_text: str | None = None
    approx: bool = False
    lower_bound: bool = False
    upper_bound: bool = False
    p_value: float | str | None = None
    note: str | None = None

    @field_validator("range")
    @classmethod
    def _range_ordered(cls, r: tuple[float, float] | None) -> tuple[float, float] | None:
        return _ordered(r, "range")


class Fact(_Cited):
    """An epidemiology or radionuclide / physics fact (``facts.yaml``)."""

    id: Text
    category: Text
    nuclide: str | None = None
    summary: Text
    values: tuple[FactValue, ...] = ()
