"""Trial specifications: one YAML file naming a population, arms and endpoints, validated on load.

A spec is a pydantic model (:class:`TrialSpec`); :func:`load_trial_spec` reads a
file and turns the first problem into one :class:`~rairlab.errors.InputFileError`
that names the field (``arms[0].drugs[1].name``), the bad value and what is
accepted. The format is documented in ``docs/trials.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rairlab._cited import parse_yaml
from rairlab._parameters import ParameterSet, parameter_set
from rairlab.cohort._data import load_cohort_data
from rairlab.dosimetry import LIMITS
from rairlab.errors import DataFileError, InputFileError, RairlabError, close_matches, shown_value
from rairlab.knowledge import load_knowledge, parse_genotype
from rairlab.network import load_population_spec, modelled_agents, resolve_variant
from rairlab.observation import SCAN_TYPES, scan_protocol

__all__ = [
    "ENDPOINTS",
    "SETTINGS",
    "Arm",
    "DrugDose",
    "Population",
    "Therapy",
    "TrialSpec",
    "load_trial_spec",
    "parse_trial_spec",
]

#: Per-patient endpoints a trial can report (booleans; see docs/trials.md).
ENDPOINTS = (
    "rai_refractory",
    "non_avid",
    "uptake_restored",
    "dosimetric_threshold",
    "treated",
    "blood_dose_ok",
    "response",
    "complete_response",
    "progression",
)
#: Disease settings with a population in ``cohort/data/cohort.yaml``.
SETTINGS = ("all_comer", "distant_metastatic", "rai_refractory")
HISTOLOGIES = ("PTC", "FTC", "oncocytic", "PDTC")
TSH_PREPARATIONS = ("withdrawal", "rhtsh", "suppressed")

_Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
# the dosimetry inputs' sanity bounds (rairlab.dosimetry.LIMITS), so no accepted spec
# overflows a dose computation
_Activity = Annotated[float, Field(gt=0, le=LIMITS.activity_mbq.high, allow_inf_nan=False)]
_TargetDose = Annotated[float, Field(gt=0, le=LIMITS.target_dose_gy.high, allow_inf_nan=False)]
#: Shortest drug course before the scan (weeks): one hour. Shorter courses are not a
#: question the network's time scales (hours to weeks) can answer.
MIN_DRUG_WEEKS = 1.0 / (7 * 24)


def _suggest(value: str, known: list[str]) -> str:
    close = close_matches(value, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{hint} Known: {', '.join(known)}."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrugDose(_Strict):
    """One drug of an arm: its name, and its dose as mg per intake and intakes per day.

    Without `dose_mg` the drug is given at the reference dose of
    ``cohort/data/regimens.yaml`` (exposure 1); with it, exposure is
    ``dose_mg * per_day`` over the reference daily dose (linear pharmacokinetics,
    an assumption).
    """

    name: str
    dose_mg: _Positive | None = None
    per_day: Annotated[int, Field(ge=1, le=6)] | None = None

    @field_validator("name")
    @classmethod
    def _known_drug(cls, v: str) -> str:
        known = modelled_agents()
        record = load_knowledge().find_agent(v)
        canonical = record.name if record is not None else v.strip().lower()
        if canonical not in known:
            what = "a drug the network does not model" if record else "unknown drug"
            raise ValueError(f"{what} {shown_value(v)}.{_suggest(canonical, known)}")
        return canonical


class Therapy(_Strict):
    """The I-131 therapy of an arm: a fixed activity or a dosimetry-guided one.

    ``activity_mbq`` fixes the administered activity. ``dosimetry_guided: true``
    gives each patient the activity that brings every lesion that can reach
    `target_gy` within `max_activity_mbq` to that dose, capped by the 2-Gy blood
    limit. ``require_threshold: true`` treats only patients whose diagnostic
    dosimetry predicts `target_gy` in at least one lesion with at most
    `max_activity_mbq` (as in NCT02152995 and Ho et al. 2013). Unset, `target_gy` and
    `max_activity_mbq` are that trial's cited criteria (20 Gy with at most 300 mCi,
    :func:`rairlab.dosimetry.trial_criteria`).
    """

    activity_mbq: _Activity | None = None
    dosimetry_guided: bool = False
    target_gy: _TargetDose | None = None
    max_activity_mbq: _Activity | None = None
    require_threshold: bool = False

    @model_validator(mode="after")
    def _one_rule(self) -> Therapy:
        if (self.activity_mbq is None) == (not self.dosimetry_guided):
            raise ValueError("give either activity_mbq or dosimetry_guided: true (not both)")
        return self


class Arm(_Strict):
    """One arm: drugs given for `drug_weeks` before the diagnostic scan, then I-131."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    drugs: list[DrugDose] = []
    drug_weeks: Annotated[float, Field(ge=0, le=104, allow_inf_nan=False)] = 0.0
    tsh: Literal["withdrawal", "rhtsh", "suppressed"] = "rhtsh"
    scan: str = "i124_pet"
    therapy: Therapy | None = Therapy(activity_mbq=5550.0)

    @field_validator("scan")
    @classmethod
    def _known_scan(cls, v: str) -> str:
        if v not in SCAN_TYPES:
            raise ValueError(f"unknown scan {shown_value(v)}.{_suggest(v, list(SCAN_TYPES))}")
        return v

    @model_validator(mode="after")
    def _weeks_with_drugs(self) -> Arm:
        names = [d.name for d in self.drugs]
        if len(set(names)) != len(names):
            raise ValueError(f"a drug is listed twice: {names}")
        if self.drugs and self.drug_weeks < MIN_DRUG_WEEKS:
            raise ValueError(
                "drugs need drug_weeks of at least one hour (1/168; how long before the "
                "diagnostic scan)"
            )
        return self


def _genotype_texts(mix: dict[str, float]) -> dict[str, float]:
    kb = load_knowledge()
    for text in mix:
        if text != "none":
            try:
                parse_genotype(text, kb)
            except RairlabError as exc:
                raise ValueError(f"genotype {shown_value(text)}: {exc}") from None
    return mix


class Population(_Strict):
    """Who is enrolled: disease setting, size per arm, histology and genotype.

    ``genotype: prevalence`` draws drivers and TERT promoter status from the
    setting's cited prevalences; a mapping ``{genotype text: probability}`` (the
    literal ``none`` for no modelled driver) sets the mix; ``histology`` restricts
    the histologies (the setting's proportions renormalized over the list).
    ``refractory: true`` enrols only patients the model classes RAI-refractory at
    baseline (ATA 2015 categories on `baseline_scan`); its default is true for the
    ``rai_refractory`` setting.
    """

    setting: Literal["all_comer", "distant_metastatic", "rai_refractory"] = "rai_refractory"
    n: Annotated[int, Field(ge=1, le=100_000_000)]
    histology: list[Literal["PTC", "FTC", "oncocytic", "PDTC"]] | None = None
    genotype: Literal["prevalence"] | dict[str, Annotated[float, Field(ge=0, le=1)]] = "prevalence"
    refractory: bool | None = None
    baseline_scan: str = "i131_post_therapy_wbs"

    @field_validator("genotype")
    @classmethod
    def _mix(cls, v: Any) -> Any:
        if isinstance(v, dict):
            if not v:
                raise ValueError("an empty genotype mix")
            total = sum(v.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"genotype probabilities sum to {total:g}, not 1")
            return _genotype_texts(v)
        return v

    @field_validator("histology")
    @classmethod
    def _unique(cls, v: Any) -> Any:
        if v is not None and (not v or len(set(v)) != len(v)):
            raise ValueError("a non-empty list of distinct histologies")
        return v

    @field_validator("baseline_scan")
    @classmethod
    def _scan(cls, v: str) -> str:
        return Arm._known_scan(v)

    @property
    def select_refractory(self) -> bool:
        """Whether enrolment keeps only baseline RAI-refractory patients."""
        return self.setting == "rai_refractory" if self.refractory is None else self.refractory


class ParameterValues(_Strict):
    """Parameter values over a base set (names as in :mod:`rairlab._parameters`)."""

    base: Literal["fitted", "prior"] = "fitted"
    values: dict[str, float]


class Simulation(_Strict):
    """How the network state under drugs is computed, and with which parameters.

    ``time_course`` (default) integrates the network for the arm's `drug_weeks`
    from the untreated state, so slow dedifferentiation memory has moved only part
    of the way; ``steady_state`` takes the state the drugs would reach eventually
    (faster; for sensitivity analyses at scale). `variant` names network model
    variant options. `parameters` is ``fitted`` (the calibrated set, default),
    ``prior`` (every data file as written) or ``{base, values}``: values such as
    ``population.braf_strength.median`` replacing those of the base set.
    """

    network: Literal["time_course", "steady_state"] = "time_course"
    variant: str | None = None
    parameters: Literal["fitted", "prior"] | ParameterValues = "fitted"

    def parameter_set(self) -> ParameterSet:
        """The resolved parameter set."""
        p = self.parameters
        if isinstance(p, str):
            return parameter_set(p)
        return parameter_set(p.values, base=p.base)


class TrialSpec(_Strict):
    """A virtual trial: population, arms, endpoints, seed.

    Examples
    --------
    >>> spec = parse_trial_spec({
    ...     "name": "demo", "seed": 1, "population": {"n": 10},
    ...     "arms": [{"name": "RAI alone"}]})
    >>> spec.arms[0].therapy.activity_mbq, spec.population.select_refractory
    (5550.0, True)
    """

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    reference: dict[str, Any] = {}
    seed: Annotated[int, Field(ge=0)]
    population: Population
    design: Literal["parallel", "twin"] = "parallel"
    arms: Annotated[list[Arm], Field(min_length=1, max_length=20)]
    control: str | None = None
    endpoints: list[str] = list(ENDPOINTS)
    simulation: Simulation = Simulation()

    @field_validator("reference")
    @classmethod
    def _json_numbers(cls, v: dict[str, Any]) -> dict[str, Any]:
        # the spec is stored and fingerprinted as JSON, which has no inf or nan
        stack: list[Any] = [v]
        while stack:
            item = stack.pop()
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"a number that is not finite ({item}): JSON has none")
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return v

    @field_validator("endpoints")
    @classmethod
    def _known_endpoints(cls, v: list[str]) -> list[str]:
        for e in v:
            if e not in ENDPOINTS:
                known = _suggest(e, list(ENDPOINTS))
                raise ValueError(f"unknown endpoint {shown_value(e)}.{known}")
        if not v or len(set(v)) != len(v):
            raise ValueError("a non-empty list of distinct endpoints")
        return v

    @field_validator("control")
    @classmethod
    def _control_is_an_arm(cls, v: str | None, info: ValidationInfo) -> str | None:
        names = [a.name for a in info.data.get("arms") or []]
        if v is not None and names and v not in names:
            raise ValueError(f"control {shown_value(v)} is not an arm.{_suggest(v, names)}")
        return v

    @model_validator(mode="after")
    def _arms(self) -> TrialSpec:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be distinct: {names}")
        if self.simulation.variant is not None:
            try:
                resolve_variant(self.simulation.variant)
            except RairlabError as exc:
                raise ValueError(str(exc)) from None
        if isinstance(self.simulation.parameters, ParameterValues):
            _check_parameters(self.simulation)
        return self

    @property
    def control_arm(self) -> str:
        """The arm the others are compared with (default: the first)."""
        return self.control or self.arms[0].name

    def fingerprint(self) -> str:
        """SHA-256 of the spec's canonical JSON: a run directory holds one spec."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


# Steps pydantic adds to an error's location (a validator, a union member such as
# ``dict[str,constrained-float]``): not part of the path a user wrote.
_SCHEMA_STEP = re.compile(
    r"(?:function-(?:after|before|wrap|plain)|literal|dict|list|tuple|set|frozenset"
    r"|union|tagged-union|nullable|json-or-python|lax-or-strict|is-instance"
    r"|constrained-[a-z]+)\[.*\]"
)
# A key shown as written (``arms[0].drug_weeks``); any other is quoted (``['a b']``).
_PLAIN_KEY = re.compile(r"\w[\w-]{0,59}")


def _where(loc: tuple[Any, ...], user_key_last: bool = False) -> str:
    """The path of an error's location as a user wrote it, on one line.

    A key of word characters and hyphens (at most 60) is shown as is, any other
    key as its quoted, escaped and elided repr (``['a\\nb']``), so that a key
    holding a line break or a terminal escape cannot break the one-line message.
    With `user_key_last` (an unknown key), the last part is the user's key even
    where it looks like one of pydantic's steps.
    """
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = str(part)
        user_key = user_key_last and i == len(loc) - 1
        if not user_key and _SCHEMA_STEP.fullmatch(text):
            continue
        if _PLAIN_KEY.fullmatch(text):
            out += f".{text}" if out else text
        else:
            out += f"[{shown_value(text)}]"
    return out or "spec"


def _printable(text: str) -> str:
    """`text` with each unprintable character (a line break, an escape) written escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def parse_trial_spec(data: Any, source: str = "trial spec") -> TrialSpec:
    """Validate a spec given as a mapping; the first problem is one `InputFileError`.

    Raises
    ------
    InputFileError
        Naming `source`, the field and the problem.
    """
    if not isinstance(data, dict):
        raise InputFileError(source, "expected a mapping with name, seed, population and arms")
    try:
        return TrialSpec.model_validate(data)
    except ValidationError as exc:
        raise InputFileError(source, validation_problem(exc)) from None


def validation_problem(exc: ValidationError, default_field: str = "spec") -> str:
    """The first problem of a pydantic error as ``field (value): message``, one line.

    Keys and values the user wrote are quoted escaped and elided
    (:func:`~rairlab.errors.shown_value`), and anything unprintable left in the
    message is escaped, so the result is one line of bounded length whatever the
    input (keys holding line breaks, terminal escapes, thousands of characters).

    Examples
    --------
    >>> from pydantic import ValidationError
    >>> try:
    ...     Arm.model_validate({"name": "a", "drug\\nweeks": 4})
    ... except ValidationError as exc:
    ...     print(validation_problem(exc))
    ['drug\\nweeks'] (4): Extra inputs are not permitted
    """
    err = exc.errors(include_url=False)[0]
    msg = _printable(str(err["msg"]).removeprefix("Value error, "))
    unknown_key = err["type"] == "extra_forbidden"
    field = _where(tuple(err["loc"]), unknown_key) if err["loc"] else default_field
    given = err.get("input")
    missing = isinstance(given, dict | list) or err["type"] == "missing"
    value = "" if missing else f" ({shown_value(given)})"
    return f"{field}{value}: {msg}"


def read_yaml_file(path: str | Path, what: str) -> Any:
    """The YAML document in `path`; an unreadable file or bad YAML is one `InputFileError`.

    Parsed by rairlab's one YAML reader (:func:`rairlab._cited.parse_yaml`), so a key
    written twice is refused with its line instead of silently keeping the last value.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(p, f"cannot read the {what} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputFileError(p, f"cannot read the {what} (not UTF-8 text)") from None
    try:
        return parse_yaml(text, p)
    except DataFileError as exc:
        where = f" at line {exc.line}" if exc.line is not None else ""
        problem = exc.problem.removeprefix("invalid YAML: ")
        raise InputFileError(p, f"not valid YAML{where}: {problem}") from None


def load_trial_spec(path: str | Path) -> TrialSpec:
    """Read and validate a trial spec YAML file.

    Raises
    ------
    InputFileError
        Unreadable file, bad YAML, or the first invalid field.
    """
    return parse_trial_spec(read_yaml_file(path, "trial spec"), str(path))


def _check_parameters(simulation: Simulation) -> None:
    """Every value names a number of a data file, inside its domain (ValueError if not)."""
    try:
        parameters = simulation.parameter_set()
        load_population_spec(parameters=parameters)
        load_cohort_data(parameters=parameters)
        scan_protocol("i131_wbs", parameters)
    except RairlabError as exc:
        raise ValueError(str(exc)) from None
