"""A tumour case as input: its profile, drugs, scan and lesions, checked like a trial spec.

:class:`TumourCase` is what ``rairlab case CASE.yaml`` reads and the web app's
Tumour form builds (:func:`parse_case`); a bad field is one
:class:`~rairlab.errors.InputFileError` naming the field, the value and what is
accepted. Lesions are given by mass, or by volume at the sphere model's tissue
density (a stated assumption of :mod:`rairlab.dosimetry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rairlab.cohort._data import LESION_SITES
from rairlab.cohort._pipeline import _compiled
from rairlab.cohort._spec import Arm, DrugDose, _suggest, read_yaml_file, validation_problem
from rairlab.dosimetry import LIMITS, tissue_density_g_cm3
from rairlab.errors import InputFileError, InvalidValueError, RairlabError, shown_value
from rairlab.knowledge import load_knowledge, parse_genotype
from rairlab.network import conditions, load_network_data, resolve_variant

__all__ = ["MAX_LESION_MASS_G", "CaseLesion", "TumourCase", "load_case", "parse_case"]

#: Largest lesion mass accepted (g): a sanity bound (a ~21-cm sphere), not a literature value.
MAX_LESION_MASS_G = 5000.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseLesion(_Strict):
    """One lesion: a name, its mass (or volume, converted with the sphere model's density), site.

    Examples
    --------
    >>> CaseLesion(volume_ml=4, site="bone").mass
    4.0
    """

    name: Annotated[str, Field(max_length=40)] = ""
    mass_g: Annotated[float, Field(gt=0, le=MAX_LESION_MASS_G, allow_inf_nan=False)] | None = None
    volume_ml: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    site: str = "lung"

    @field_validator("site")
    @classmethod
    def _known_site(cls, v: str) -> str:
        if v not in LESION_SITES:
            raise ValueError(
                f"unknown lesion site {shown_value(v)}.{_suggest(v, list(LESION_SITES))}"
            )
        return v

    @model_validator(mode="after")
    def _one_size(self) -> CaseLesion:
        if (self.mass_g is None) == (self.volume_ml is None):
            raise ValueError("give exactly one of mass_g or volume_ml")
        low = LIMITS.mass_g.low  # below it, no sphere S-value or scan limit means anything
        if not low <= self.mass <= MAX_LESION_MASS_G:
            given = (
                f"mass_g {self.mass_g:g}"
                if self.mass_g is not None
                else (f"volume_ml {self.volume_ml:g} (a mass of {self.mass:g} g)")
            )
            raise ValueError(f"{given}: expected a mass in [{low:g}, {MAX_LESION_MASS_G:g}] g")
        return self

    @property
    def mass(self) -> float:
        """Mass (g): `mass_g`, or `volume_ml` times the sphere model's tissue density."""
        if self.mass_g is not None:
            return self.mass_g
        return float(self.volume_ml or 0.0) * tissue_density_g_cm3()


class TumourCase(_Strict):
    """One tumour profile to evaluate over a virtual population (see the module docstring).

    `genotype` is text :func:`rairlab.knowledge.parse_genotype` reads (``""`` or
    ``"wild type"``: no modelled alteration), stored in canonical form. `drugs`
    are given for `drug_weeks` before the scan (as a trial arm's). `env` sets
    micro-environment levels by key of the network's ``environment.yaml`` (or its
    node id): a level name or a number in [0, 1]. `n` virtual patients give the
    intervals; `seed` makes them reproducible.

    Examples
    --------
    >>> c = TumourCase(genotype="V600E; C228T", drugs=[{"name": "Tafinlar"}],
    ...                env={"TGFb_TME": "high"})
    >>> c.genotype, c.drugs[0].name, c.env, c.lesions[0].name
    ('BRAF p.V600E; TERT c.-124C>T', 'dabrafenib', {'tgfb': 'high'}, 'lesion 1')
    """

    genotype: str = ""
    drugs: list[DrugDose] = []
    drug_weeks: Annotated[float, *Arm.model_fields["drug_weeks"].metadata] = 4.0
    tsh: Literal["withdrawal", "rhtsh", "suppressed"] = "rhtsh"
    env: dict[str, str | float] = {}
    scan: str = "i124_pet"
    lesions: Annotated[
        list[CaseLesion],
        Field(
            default=[CaseLesion(mass_g=2.0, site="lung")],
            min_length=1,
            max_length=20,
            validate_default=True,
        ),
    ]
    n: Annotated[int, Field(ge=50, le=5000)] = 400
    seed: Annotated[int, Field(ge=0)] = 0
    variant: str | None = None
    network: Literal["time_course", "steady_state"] = "time_course"

    @field_validator("genotype")
    @classmethod
    def _genotype(cls, v: str) -> str:
        try:
            parsed = parse_genotype(v, load_knowledge()) if v.strip() else None
        except RairlabError as exc:
            raise ValueError(str(exc)) from None
        return "" if parsed is None or parsed.is_wild_type else str(parsed)

    @field_validator("scan")
    @classmethod
    def _scan(cls, v: str) -> str:
        return Arm._known_scan(v)

    @field_validator("env")
    @classmethod
    def _env(cls, v: dict[str, str | float]) -> dict[str, str | float]:
        return _checked_env(v)

    @field_validator("lesions")
    @classmethod
    def _names(cls, v: list[CaseLesion]) -> list[CaseLesion]:
        out = [
            les if les.name.strip() else les.model_copy(update={"name": f"lesion {i + 1}"})
            for i, les in enumerate(v)
        ]
        names = [les.name for les in out]
        if len(set(names)) != len(names):
            raise ValueError(f"lesion names must be distinct: {names}")
        return out

    @field_validator("variant")
    @classmethod
    def _variant(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                resolve_variant(v)
            except RairlabError as exc:
                raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _drugs(self) -> TumourCase:
        try:  # the rules of a trial arm with the same drugs, weeks, TSH and scan
            Arm(name="case", drugs=self.drugs, drug_weeks=self.drug_weeks, tsh=self.tsh)
        except ValidationError as exc:
            raise ValueError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
        return self


def _checked_env(env: Mapping[str, Any]) -> dict[str, Any]:
    """`env` by the network's environment keys (a node id names its key), checked by the
    network's own condition builder; ValueError naming the key and the accepted values."""
    spec = load_network_data().environment
    by_node = {s.node: k for k, s in spec.items()}
    out: dict[str, Any] = {}
    for key, value in env.items():
        canonical = by_node.get(key, key)
        if canonical == "tsh":
            raise ValueError("set the TSH preparation with tsh:, not in env")
        if canonical in out:
            raise ValueError(f"{shown_value(key)} sets {shown_value(canonical)} twice")
        out[canonical] = value
    try:
        conditions(_compiled(None)[0], 1, env=out, tsh=None)
    except InvalidValueError as exc:
        key = str(exc.parameter).removeprefix("--env ")
        raise ValueError(f"{key} {shown_value(exc.value)}: expected {exc.accepted}") from None
    except RairlabError as exc:
        raise ValueError(str(exc)) from None
    return out


def parse_case(data: Any, source: str = "tumour case") -> TumourCase:
    """Validate a case given as a mapping (or return a `TumourCase` as is).

    Raises
    ------
    InputFileError
        Naming `source`, the field, the bad value and what is accepted.

    Examples
    --------
    >>> parse_case({"lesions": [{"mass_g": -1}]})
    Traceback (most recent call last):
    ...
    rairlab.errors.InputFileError: tumour case: lesions[0].mass_g (-1): Input should be \
greater than 0
    """
    if isinstance(data, TumourCase):
        return data
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InputFileError(source, "expected a mapping of case fields (genotype, drugs, ...)")
    try:
        return TumourCase.model_validate(dict(data))
    except ValidationError as exc:
        # the one case-level rule is the arm's rule on drugs and weeks
        raise InputFileError(source, validation_problem(exc, "drugs")) from None


def load_case(path: str | Path) -> TumourCase:
    """Read and validate a tumour case YAML file (see ``examples/cases/``).

    Raises
    ------
    InputFileError
        Unreadable file, bad YAML, or the first invalid field (with its value).
    """
    return parse_case(read_yaml_file(path, "tumour case"), str(path))
