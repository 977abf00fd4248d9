"""Accepted ranges of the dosimetry inputs: what is physically meaningful, and why, in one place.

These are sanity bounds chosen for this toolkit, not literature values: each is
wide enough for any clinical or preclinical measurement and narrow enough that
no accepted input overflows a computation or yields a number that means nothing
(``inf``, ``nan``, 10²¹ Gy). Every bound carries its reason (`Range.why`); the
readers, the dosimetry functions and the CLI's ``--help`` all quote these.

Examples
--------
>>> LIMITS.mass_g.describe()
'a number in [0.001, 100000] g'
>>> LIMITS.recovery.check(0.5, "--recovery")
0.5
>>> LIMITS.recovery.check(float("nan"), "--recovery")
Traceback (most recent call last):
...
rairlab.errors.InvalidValueError: Invalid --recovery nan: expected a number in [0.01, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError

__all__ = ["LIMITS", "Limits", "Range", "max_tia_mbq_h"]


@dataclass(frozen=True)
class Range:
    """A closed interval ``[low, high]`` of finite numbers in one unit.

    Attributes
    ----------
    low, high
        The smallest and largest accepted values (both accepted).
    unit
        The unit, as written after a number (``""`` for a pure number).
    why
        The reason for the bounds, one sentence.
    """

    low: float
    high: float
    unit: str
    why: str

    @property
    def interval(self) -> str:
        """``[low, high] unit``, e.g. ``'[0.001, 100000] g'``."""
        unit = f" {self.unit}" if self.unit else ""
        return f"[{self.low:g}, {self.high:g}]{unit}"

    def sd(self) -> Range:
        """The accepted standard uncertainties of this quantity: 0 to its largest value.

        Examples
        --------
        >>> LIMITS.volume_ml.sd().interval
        '[0, 100000] mL'
        """
        return Range(
            0.0,
            self.high,
            self.unit,
            "a standard uncertainty, >= 0 and at most the largest accepted value",
        )

    def describe(self) -> str:
        """The accepted values as an error message says them: ``'a number in [..] unit'``."""
        return f"a number in {self.interval}"

    def contains(self, value: ArrayLike) -> bool:
        """Whether every element of `value` is finite and within the bounds.

        Examples
        --------
        >>> LIMITS.voxel_size_mm.contains([1.0, 4.0, 20.0]), LIMITS.voxel_size_mm.contains(0.01)
        (True, False)
        """
        arr = np.asarray(value, dtype=float)
        return bool(np.all(np.isfinite(arr) & (arr >= self.low) & (arr <= self.high)))

    def check(self, value: float, what: str) -> float:
        """`value` as a float when it is in range, else `InvalidValueError` naming `what`.

        Raises
        ------
        InvalidValueError
            `value` is not a number, not finite, or outside ``[low, high]``; the
            message names `what`, the value and the interval.
        """
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidValueError(what, value, self.describe()) from None
        if not (math.isfinite(number) and self.low <= number <= self.high):
            raise InvalidValueError(what, value, self.describe())
        return number


@dataclass(frozen=True)
class Limits:
    """Every accepted range of the dosimetry inputs (see each `Range.why`)."""

    time_h: Range
    time_step_h: float
    activity_mbq: Range
    mass_g: Range
    volume_ml: Range
    recovery: Range
    relative_sd: Range
    draws: Range
    target_dose_gy: Range
    threshold_dose_gy: Range
    weight_kg: Range
    voxel_size_mm: Range
    decay_tolerance: float

    def too_close(self, step_h: ArrayLike) -> NDArray[np.bool_]:
        """Whether each time step (h) is shorter than `time_step_h`.

        A relative margin of 10⁻⁶ lets decimal times through whose difference
        rounds just below the step (``0.003 - 0.002 < 0.001`` in binary).

        Examples
        --------
        >>> LIMITS.too_close([0.003 - 0.002, 0.0005]).tolist()
        [False, True]
        """
        return np.asarray(np.asarray(step_h, dtype=float) < self.time_step_h * (1.0 - 1e-6))


#: The accepted ranges. Changing one changes the readers, the library and the CLI help.
LIMITS = Limits(
    time_h=Range(
        0.0,
        1e5,
        "h",
        "a measurement at administration (0 h) up to ~11 years after it; past 10⁵ h "
        "even I-125 (T½ 59 d) has decayed by 2⁻⁷⁰, so no later activity is measurable",
    ),
    # Two measurements closer than 3.6 s cannot be told apart by any camera, probe or
    # well counter; closer times make the fits' Jacobians singular.
    time_step_h=1e-3,
    activity_mbq=Range(
        1e-3,
        1e5,
        "MBq",
        "from 1 kBq (a preclinical tracer) to 100 GBq, several times the largest "
        "therapeutic radioiodine activity ever given (~30-40 GBq)",
    ),
    mass_g=Range(
        1e-3,
        1e5,
        "g",
        "from 1 mg (a 1.2-mm sphere, below any imaging resolution) to 100 kg (more than "
        "a whole adult body)",
    ),
    volume_ml=Range(
        1e-3,
        1e5,
        "mL",
        "from 1 µL (a 1.2-mm sphere, below any imaging resolution) to 100 L (more than "
        "a whole adult body)",
    ),
    recovery=Range(
        0.01,
        1.0,
        "",
        "a recovery below 0.01 multiplies the measured activity by more than 100, a "
        "correction too large to carry any information; above 1 is not a recovery",
    ),
    relative_sd=Range(
        0.0,
        1.0,
        "",
        "a relative standard uncertainty from 0 (exactly known) to 1 (100 %); a spread "
        "beyond 100 % of the value makes a normal model give negative masses or activities "
        "in one draw of six",
    ),
    draws=Range(
        100.0,
        1e6,
        "",
        "at least 100 Monte Carlo draws for a 95 % interval (2.5 draws beyond each end), "
        "at most 10⁶ to keep one lesion's propagation under a few seconds",
    ),
    target_dose_gy=Range(
        0.01,
        1e4,
        "Gy",
        "from 10 mGy to 10 kGy, beyond the highest lesion doses reported (~10³ Gy)",
    ),
    threshold_dose_gy=Range(
        0.0,
        1e5,
        "Gy",
        "a dose-volume threshold from 0 Gy (the whole region) to 100 kGy",
    ),
    weight_kg=Range(
        1.0,
        500.0,
        "kg",
        "from a newborn to more than any patient a gamma camera or bed takes",
    ),
    voxel_size_mm=Range(
        0.1,
        20.0,
        "mm",
        "from micro-SPECT/PET (~0.1-1 mm) to the coarsest clinical SPECT (~10 mm)",
    ),
    # A measured activity may exceed what remains undecayed of the administered one by
    # at most this fraction (calibration and timing error); more is a wrong unit,
    # nuclide or administered activity.
    decay_tolerance=0.05,
)


def max_tia_mbq_h(half_life_h: float) -> float:
    """The largest time-integrated activity (MBq·h) any voxel or lesion can hold.

    The whole of the largest accepted activity (`LIMITS.activity_mbq.high`) staying
    put until it decays: ``A_max · T½ / ln 2``.

    Examples
    --------
    >>> round(max_tia_mbq_h(192.4968) / 1e7, 3)  # I-131
    2.777
    """
    return LIMITS.activity_mbq.high * half_life_h / math.log(2.0)
