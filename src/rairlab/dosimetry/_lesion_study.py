"""A patient's lesion study: every lesion's dose per GBq with its uncertainty, and the patient view.

Each lesion of a study file (:func:`read_lesion_table`) gets its size from exactly
one place: its ``mass_g`` or ``volume_ml`` column, its label in a mask image, or,
for a study of one lesion, ``mass_g`` / ``volume_ml`` passed in. Its recovery
coefficient comes from its ``recovery`` column, else from a recovery curve at its
volume, else the one fixed coefficient passed in. Each lesion is then
:func:`lesion_dosimetry`, with a Monte Carlo 95 % interval when uncertainties
are asked for. The patient view follows the NCT02152995 criterion (at least one
lesion predicted to reach the target dose with at most the maximum activity):
the activity at which the first lesion reaches the target, the one at which
every lesion does, and how many lesions reach it at the maximum activity.
Research use only: these are model estimates, not treatment decisions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rairlab.dosimetry._lesion import LesionDose, lesion_dosimetry
from rairlab.dosimetry._lesion_table import LesionInput
from rairlab.dosimetry._recovery import RecoveryCurve
from rairlab.dosimetry._svalues import tissue_density_g_cm3
from rairlab.dosimetry._uncertainty import UncertaintyInputs
from rairlab.errors import InvalidValueError

__all__ = ["LesionStudy", "lesion_study"]


@dataclass(frozen=True)
class LesionStudy:
    """Result of :func:`lesion_study`: one :class:`LesionDose` per lesion and the patient view."""

    lesions: tuple[LesionDose, ...]

    @property
    def eligible(self) -> bool:
        """At least one lesion reaches the target dose with at most the maximum activity."""
        return any(lesion.eligible for lesion in self.lesions)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: ``lesions`` (each as :meth:`LesionDose.to_dict`) and ``patient``."""
        activities = [lesion.activity_for_target_mbq for lesion in self.lesions]
        first = min(range(len(activities)), key=activities.__getitem__)
        last = max(range(len(activities)), key=activities.__getitem__)
        a_max = self.lesions[0].max_activity_mbq
        patient: dict[str, Any] = {
            "n_lesions": len(self.lesions),
            "eligible": self.eligible,
            "target_gy": self.lesions[0].target_gy,
            "max_activity_mbq": a_max,
            "lesions_reaching_target_at_max_activity": sum(a <= a_max for a in activities),
            "activity_first_lesion_at_target_mbq": activities[first],
            "first_lesion_at_target": self.lesions[first].lesion_id,
            "activity_every_lesion_at_target_mbq": activities[last],
            "last_lesion_at_target": self.lesions[last].lesion_id,
        }
        for key in ("activity_first_lesion_at_target_mbq", "activity_every_lesion_at_target_mbq"):
            if not math.isfinite(patient[key]):
                patient[f"{key}_note"] = (
                    "a lesion's fitted dose per GBq is 0: no activity reaches it"
                )
        patient["criterion"] = (
            "NCT02152995: at least one lesion predicted to reach the target dose with at most "
            "the maximum activity"
        )
        patient["uncertainty_note"] = (
            "intervals are per lesion; the patient values use each lesion's central estimate"
        )
        return {"lesions": [lesion.to_dict() for lesion in self.lesions], "patient": patient}


def _name(lesion: LesionInput) -> str:
    return "the lesion" if lesion.lesion_id is None else f"lesion {lesion.lesion_id!r}"


def _size(
    lesion: LesionInput,
    given: dict[str, float],
    mask_volumes: Mapping[str, float],
) -> tuple[dict[str, float], float | None]:
    """The lesion's one size (``mass_g`` or ``volume_ml``) and its standard uncertainty in g."""
    found = {f"{k} column": {k: v} for k, v in lesion.sizes.items() if k in ("mass_g", "volume_ml")}
    if lesion.lesion_id is not None and lesion.lesion_id in mask_volumes:
        found["mask"] = {"volume_ml": mask_volumes[lesion.lesion_id]}
    elif lesion.lesion_id is None and len(mask_volumes) == 1:  # one unnamed lesion, one label
        found["mask"] = {"volume_ml": next(iter(mask_volumes.values()))}
    if given:
        found["--mass-g/--volume-ml"] = given
    if len(found) != 1:
        raise InvalidValueError(
            f"size of {_name(lesion)}",
            ", ".join(found) or "none given",
            "exactly one of: a mass_g or volume_ml column, a mask label, or --mass-g / "
            "--volume-ml (the last only for a study of one lesion)",
        )
    (size,) = found.values()
    density = tissue_density_g_cm3()
    if "mass_sd_g" in lesion.sizes:
        return size, lesion.sizes["mass_sd_g"]
    if "volume_sd_ml" in lesion.sizes:
        return size, lesion.sizes["volume_sd_ml"] * density
    return size, None


def _recovery(
    lesion: LesionInput, fixed: float, curve: RecoveryCurve | None
) -> float | RecoveryCurve:
    if "recovery" in lesion.sizes and curve is not None:
        raise InvalidValueError(
            f"recovery of {_name(lesion)}",
            "a recovery column and a recovery curve",
            "one of them",
        )
    if curve is not None and "recovery_sd" in lesion.sizes:
        raise InvalidValueError(
            f"recovery of {_name(lesion)}",
            "a recovery_sd column and a recovery curve",
            "one of them (a curve brings its own uncertainty)",
        )
    if "recovery" in lesion.sizes:
        return lesion.sizes["recovery"]
    return fixed if curve is None else curve


def lesion_study(
    lesions: Sequence[LesionInput],
    nuclide: str,
    *,
    predict: str | None = None,
    target_gy: float | None = None,
    max_activity_mbq: float | None = None,
    mass_g: float | None = None,
    volume_ml: float | None = None,
    mass_sd_g: float | None = None,
    mask_volumes_ml: Mapping[str, float] | None = None,
    recovery: float = 1.0,
    recovery_curve: RecoveryCurve | None = None,
    model: str = "auto",
    uncertainty: UncertaintyInputs | None = None,
) -> LesionStudy:
    """Dosimetry of every lesion of a study, with Monte Carlo intervals, and the patient view.

    Parameters
    ----------
    lesions
        From :func:`read_lesion_table`.
    nuclide, predict, target_gy, max_activity_mbq, model
        As for :func:`lesion_dosimetry`.
    mass_g, volume_ml, mass_sd_g
        The size (and its standard uncertainty, g) of the only lesion of a study of one.
    mask_volumes_ml
        Lesion volumes by lesion id, from :func:`mask_volumes_ml`.
    recovery
        Fixed recovery coefficient for lesions without a ``recovery`` column or curve.
    recovery_curve
        A size-dependent recovery curve (:func:`read_recovery_phantom`).
    uncertainty
        Uncertainties common to all lesions (activity calibration, S-value model,
        a fixed recovery's sd) and the Monte Carlo settings; each lesion's mass and
        recovery uncertainties come from its columns. ``None``: no Monte Carlo.
        Lesion ``i`` (from 0) uses seed ``(seed + i) mod 2⁶³``.

    Raises
    ------
    InvalidValueError
        A lesion with no size or with sizes from two places; ``mass_g``/``volume_ml``
        with several lesions; a mask label without a lesion; and everything
        :func:`lesion_dosimetry` refuses, named with the lesion.
    """
    masks = dict(mask_volumes_ml or {})
    ids = {lesion.lesion_id for lesion in lesions if lesion.lesion_id is not None}
    unknown = sorted(set(masks) - ids)
    if unknown and not (ids == set() and len(masks) == 1):
        raise InvalidValueError(
            "mask labels",
            ", ".join(unknown),
            "labels that name lesions of the study ("
            + (", ".join(sorted(ids)) or "one unnamed lesion: a mask with one label")
            + ")",
        )
    if recovery_curve is not None and uncertainty is not None and uncertainty.recovery_sd:
        raise InvalidValueError(
            "--recovery-sd",
            uncertainty.recovery_sd,
            "no --recovery-sd with --recovery-curve (a curve brings its own uncertainty)",
        )
    given = {k: v for k, v in (("mass_g", mass_g), ("volume_ml", volume_ml)) if v is not None}
    if (given or mass_sd_g is not None) and len(lesions) != 1:
        raise InvalidValueError(
            "--mass-g/--volume-ml/--mass-sd-g",
            f"{len(lesions)} lesions",
            "a study of one lesion; give several lesions mass_g or volume_ml columns",
        )
    results = []
    for i, lesion in enumerate(lesions):
        size, lesion_sd = _size(lesion, given, masks)
        spread = None
        if uncertainty is not None:
            recovery_sd = lesion.sizes.get("recovery_sd", uncertainty.recovery_sd)
            sd = mass_sd_g if mass_sd_g is not None else lesion_sd
            spread = dataclasses.replace(
                uncertainty,
                mass_sd_g=sd,
                recovery_sd=recovery_sd,
                seed=(uncertainty.seed + i) % 2**63,
            )
        try:
            result = lesion_dosimetry(
                lesion.measurements,
                nuclide,
                size.get("mass_g"),
                predict=predict,
                target_gy=target_gy,
                max_activity_mbq=max_activity_mbq,
                recovery=_recovery(lesion, recovery, recovery_curve),
                model=model,
                volume_ml=size.get("volume_ml"),
                uncertainty=spread,
                lesion_id=lesion.lesion_id,
            )
        except InvalidValueError as exc:
            if len(lesions) == 1:
                raise
            where = f"{exc.parameter} of {_name(lesion)}"
            raise InvalidValueError(where, exc.value, exc.accepted) from exc
        results.append(result)
    return LesionStudy(tuple(results))
