"""The ATA 2015 radioiodine-refractory categories from per-lesion scan visibility.

Haugen et al. (2016) classify structurally evident DTC as RAI-refractory in four
ways (paraphrased; definitions kept in ``data/haugen2016/ata2015.yaml``):

(i)   ``no_uptake`` — no metastatic lesion outside the thyroid bed takes up
      radioiodine at the first scan;
(ii)  ``lost_uptake`` — disease that was avid before no longer is;
(iii) ``mixed_uptake`` — some lesions take up radioiodine, others do not;
(iv)  ``progression_despite_uptake`` — disease progresses although it takes up
      radioiodine ("significant uptake" is read here as "visible on the scan").

A category that the inputs cannot decide (no later scan for (ii), no
progression flag for (iv)) is *unknown*, reported in a separate mask, never as
False; the overall flag is unknown when no known category is True and some
are unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError, UnknownNameError

__all__ = ["RAI_REFRACTORY_CATEGORIES", "RefractoryCategories", "rai_refractory_categories"]

#: The four ATA 2015 categories, in the guideline's order (i)-(iv).
RAI_REFRACTORY_CATEGORIES: tuple[str, ...] = (
    "no_uptake",
    "lost_uptake",
    "mixed_uptake",
    "progression_despite_uptake",
)


@dataclass(frozen=True, eq=False)
class RefractoryCategories:
    """Per-patient ATA 2015 RAI-refractory categories with an explicit "unknown" mask.

    Attributes
    ----------
    values
        Bool ``(n_patients, 4)``, columns in :data:`RAI_REFRACTORY_CATEGORIES`
        order; meaningful only where `known`.
    known
        Bool ``(n_patients, 4)``: whether the inputs decide that category.
    has_disease
        Bool ``(n_patients,)``: at least one metastatic lesion at baseline.
    """

    values: NDArray[np.bool_]
    known: NDArray[np.bool_]
    has_disease: NDArray[np.bool_]

    def category(self, name: str) -> NDArray[np.float64]:
        """Category `name` as 1.0 / 0.0, NaN where unknown, shape ``(n_patients,)``."""
        if name not in RAI_REFRACTORY_CATEGORIES:
            raise UnknownNameError("RAI-refractory category", name, RAI_REFRACTORY_CATEGORIES)
        j = RAI_REFRACTORY_CATEGORIES.index(name)
        return np.where(self.known[:, j], self.values[:, j].astype(float), np.nan)

    def as_float(self) -> NDArray[np.float64]:
        """All four categories as 1.0 / 0.0 / NaN (unknown), shape ``(n_patients, 4)``."""
        return np.where(self.known, self.values.astype(float), np.nan)

    @property
    def refractory(self) -> NDArray[np.bool_]:
        """True where some known category holds (RAI-refractory by ATA 2015)."""
        return np.asarray((self.values & self.known).any(axis=1))

    @property
    def refractory_known(self) -> NDArray[np.bool_]:
        """Whether the overall flag is decided: a known True, or every category known."""
        return np.asarray(self.refractory | self.known.all(axis=1))

    @property
    def rai_refractory(self) -> NDArray[np.float64]:
        """Overall flag as 1.0 / 0.0, NaN where undecided, shape ``(n_patients,)``."""
        return np.where(self.refractory_known, self.refractory.astype(float), np.nan)


def _mask(name: str, value: ArrayLike, shape: tuple[int, ...] | None) -> NDArray[np.bool_]:
    arr = np.asarray(value)
    if arr.ndim != 2 or (shape is not None and arr.shape != shape):
        want = "(n_patients, n_lesions)" if shape is None else str(shape)
        raise InvalidValueError(name, arr.shape, f"a boolean array of shape {want}")
    if arr.dtype != np.bool_ and not np.isin(arr, (0, 1)).all():
        raise InvalidValueError(name, value, "booleans (True/False or 1/0)")
    return np.asarray(arr, dtype=bool)


def _progression(value: ArrayLike | None, n: int) -> NDArray[np.float64]:
    if value is None:
        return np.full(n, np.nan)
    try:
        arr = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    except ValueError:
        arr = None
    if arr is None or not np.all(np.isnan(arr) | np.isin(arr, (0.0, 1.0))):
        raise InvalidValueError(
            "progression", value, f"booleans of shape ({n},), NaN where not assessed"
        )
    return np.asarray(arr)


def rai_refractory_categories(
    visible_baseline: ArrayLike,
    present: ArrayLike,
    *,
    visible_later: ArrayLike | None = None,
    present_later: ArrayLike | None = None,
    progression: ArrayLike | None = None,
    outside_thyroid_bed: ArrayLike | None = None,
) -> RefractoryCategories:
    """Classify each patient by the four ATA 2015 RAI-refractory categories.

    Parameters
    ----------
    visible_baseline
        Bool ``(n_patients, n_lesions)``: lesion visible on the first diagnostic
        or post-therapy radioiodine scan (e.g. from :func:`scan_visible`).
    present
        Bool ``(n_patients, n_lesions)``: the lesion exists at baseline
        (padding slots False).
    visible_later, present_later
        The same at a later scan (optional; `present_later` defaults to `present`).
        Without a later scan, category (ii) is unknown for patients with avid disease.
    progression
        Per-patient progression flag ``(n_patients,)`` after radioiodine (bool,
        or float with NaN where not assessed); None: unknown for all.
    outside_thyroid_bed
        Bool ``(n_patients, n_lesions)``; lesions in the thyroid bed are ignored.
        Default: every lesion is metastatic (outside the bed).

    Returns
    -------
    RefractoryCategories
        Values and "known" masks per category, and the overall flag.

    Raises
    ------
    InvalidValueError
        Arrays of the wrong shape or not boolean.

    References
    ----------
    Haugen BR et al. 2015 American Thyroid Association management guidelines for
    adult patients with thyroid nodules and differentiated thyroid cancer.
    Thyroid 2016;26:1-133. doi:10.1089/thy.2015.0020

    Examples
    --------
    >>> c = rai_refractory_categories([[True, False]], [[True, True]])
    >>> c.category("mixed_uptake").tolist(), c.rai_refractory.tolist()
    ([1.0], [1.0])
    >>> c = rai_refractory_categories([[True, True]], [[True, True]])
    >>> c.category("lost_uptake").tolist(), c.rai_refractory.tolist()
    ([nan], [nan])
    """
    pres = _mask("present", present, None)
    shape = pres.shape
    vis_b = _mask("visible_baseline", visible_baseline, shape)
    if outside_thyroid_bed is not None:
        pres = pres & _mask("outside_thyroid_bed", outside_thyroid_bed, shape)
    n_b = pres.sum(axis=1)
    nvis_b = (vis_b & pres).sum(axis=1)
    has_disease = n_b > 0
    avid_b = nvis_b > 0

    no_uptake = has_disease & ~avid_b
    mixed = avid_b & (nvis_b < n_b)
    ones = np.ones(shape[0], dtype=bool)
    if visible_later is None:
        if present_later is not None:
            raise InvalidValueError("present_later", "given", "visible_later as well")
        lost = np.zeros(shape[0], dtype=bool)
        lost_known = ~avid_b  # loss needs earlier avidity: decided False without it
    else:
        pres_l = pres if present_later is None else _mask("present_later", present_later, shape)
        if present_later is not None and outside_thyroid_bed is not None:
            pres_l = pres_l & _mask("outside_thyroid_bed", outside_thyroid_bed, shape)
        vis_l = _mask("visible_later", visible_later, shape)
        n_l = pres_l.sum(axis=1)
        nvis_l = (vis_l & pres_l).sum(axis=1)
        lost = avid_b & (n_l > 0) & (nvis_l == 0)
        mixed = mixed | ((nvis_l > 0) & (nvis_l < n_l))
        lost_known = ones
    prog = _progression(progression, shape[0])
    progressing = prog == 1.0
    prog_despite = progressing & avid_b
    prog_known = ~np.isnan(prog) | ~avid_b  # needs uptake: decided False without it

    values = np.stack([no_uptake, lost, mixed, prog_despite], axis=1)
    known = np.stack([ones, lost_known, ones, prog_known], axis=1)
    return RefractoryCategories(values=values, known=known, has_disease=has_disease)
