"""Calibration targets: the review's clinical numbers, each mapped to a simulated quantity.

One concept: ``calibration/data/targets.yaml`` maps knowledge-base outcomes to
(trial spec, arm, endpoint, patient subgroup) and an observation (k of n, or a
proportion printed without a denominator), and lists every outcome it does not use
with the reason. :func:`load_targets` reads and checks it; :meth:`Target.trial`
loads the target's calibration spec (``calibration/data/trials/``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rairlab._cited import line_at, read_yaml
from rairlab.cohort import load_trial_spec
from rairlab.errors import DataFileError

if TYPE_CHECKING:
    from rairlab.cohort import TrialSpec

__all__ = ["Exclusion", "Observation", "Target", "Targets", "load_targets"]

DATA_DIR = Path(__file__).parent / "data"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Observation(_Strict):
    """k of n patients, or a proportion `p` printed without a denominator (``n`` null)."""

    k: Annotated[int, Field(ge=0)] | None = None
    n: Annotated[int, Field(ge=1)] | None = None
    p: Annotated[float, Field(ge=0, le=1)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Observation:
        counted = self.k is not None and self.n is not None and self.p is None
        printed = self.p is not None and self.k is None
        if not (counted or printed) or (counted and self.k > self.n):  # type: ignore[operator]
            raise ValueError("observed is {k, n} with k <= n, or {p, n: null}")
        return self

    @property
    def proportion(self) -> float:
        """The observed proportion."""
        return self.p if self.p is not None else self.k / self.n  # type: ignore[operator]


class Target(_Strict):
    """One calibration target (see the header of ``targets.yaml``)."""

    id: Annotated[str, Field(pattern=r"^TGT-\d{3}$")]
    outcome_ids: Annotated[list[str], Field(min_length=1)]
    trial_ids: list[str]
    statement: str
    spec: str
    arm: str
    endpoint: str
    where: str
    observed: Observation
    section: str
    note: str

    def trial(self) -> TrialSpec:
        """The target's calibration trial spec."""
        return load_trial_spec(DATA_DIR / "trials" / self.spec)


class Exclusion(_Strict):
    """An outcome the calibration does not use, and why."""

    outcome_id: str
    reason: str
    note: str


class Targets(_Strict):
    """All targets and exclusions."""

    targets: list[Target]
    excluded: list[Exclusion]


@functools.lru_cache(maxsize=2)
def load_targets(path: Path = DATA_DIR / "targets.yaml") -> Targets:
    """Read and check the calibration targets.

    Raises
    ------
    DataFileError
        A malformed record, naming the file and the field.

    Examples
    --------
    >>> t = load_targets()
    >>> t.targets[0].id, t.targets[0].endpoint
    ('TGT-001', 'non_avid')
    """
    doc = read_yaml(path)
    try:
        return Targets.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise DataFileError(path, f"{where}: {err['msg']}", line_at(doc, err["loc"])) from None
