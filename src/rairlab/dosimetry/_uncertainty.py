"""Monte Carlo uncertainty of a lesion's absorbed dose per GBq and of the activity for a target.

The mean lesion dose per administered activity is the product of the
time-integrated activity coefficient and the S-value, ``D/A₀ = τ · S(m)``, where
``τ`` comes from the fitted time-activity curve of the measured activities divided
by the recovery coefficient. Following the chain of the EANM uncertainty guidance
(Gear et al. 2018), each input with a stated uncertainty is drawn ``n`` times and
the dose recomputed per draw:

* **fit**: the curve's parameters from a normal distribution with the fit's
  covariance; a draw beyond one of the fit's bounds (a negative amplitude or
  rate) is put on the bound, as the bounded fit would, so ``τ`` stays physical
  and an estimate on a bound keeps its median;
* **activity calibration**: one factor per draw scales every measured activity
  (a camera calibration error is common to all time points);
* **recovery**: a fixed coefficient with its standard uncertainty, or a
  :class:`~rairlab.dosimetry.RecoveryCurve` evaluated at each draw's volume with
  its parameters drawn from the curve's covariance (so a smaller drawn volume
  also gets a smaller recovery);
* **mass**: from its standard uncertainty (or the volume's, times the density);
  it moves the S-value through ``S(m)``;
* **S-value model**: a relative factor for the sphere model itself
  (``data/assumptions/lesion_uncertainty.yaml``, 3 % by default).

Normal draws are truncated to the accepted range of each quantity by redrawing.
The result gives the median and the 2.5-97.5 % interval of the dose per GBq and
of the activity for the target dose, the fraction of draws meeting the maximum
activity, and an uncertainty budget: the dose's relative standard uncertainty
with each source alone and with all (half its central 68 % interval over its
median: sd/mean for a normal spread, and robust to the long upper tail that a
small uncertain mass gives through ``S ∝ 1/m``). Research use only.

References
----------
Gear JI, Cox MG, Gustafsson J, et al. EANM practical guidance on uncertainty
analysis for molecular radiotherapy absorbed dose calculations. Eur J Nucl Med
Mol Imaging 2018;45:2456-2474. doi:10.1007/s00259-018-4136-7
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rairlab._cited import load_cited
from rairlab.dosimetry._limits import LIMITS, Range
from rairlab.dosimetry._nuclides import Nuclide
from rairlab.dosimetry._recovery import RecoveryCurve
from rairlab.dosimetry._svalue_grid import sphere_s_value_interpolated
from rairlab.dosimetry._tac import TacFit, _bounds, _fit_form, _integrals
from rairlab.dosimetry._units import BQ_PER_GBQ, MBQ_PER_GBQ, SECONDS_PER_HOUR
from rairlab.errors import InvalidValueError

__all__ = ["DoseUncertainty", "UncertaintyInputs", "propagate_lesion_dose", "s_value_relative_sd"]

Array = NDArray[np.float64]
SOURCES = ("fit", "activity_calibration", "recovery", "mass", "s_value")
_PERCENTILES = (2.5, 50.0, 97.5)
_MAX_ROUNDS = 200


def s_value_relative_sd() -> float:
    """The default relative standard uncertainty of the sphere S-value model (assumption).

    Examples
    --------
    >>> s_value_relative_sd()
    0.03
    """
    table = load_cited("rairlab.dosimetry", "data/assumptions/lesion_uncertainty.yaml")
    return float(table.value("s_value_relative_sd"))


@dataclass(frozen=True)
class UncertaintyInputs:
    """The stated uncertainties of one lesion's inputs and the Monte Carlo settings.

    Attributes
    ----------
    mass_sd_g
        Standard uncertainty of the lesion mass (g); ``None``: not stated, not drawn.
    recovery_sd
        Standard uncertainty of a fixed recovery coefficient; ``None``: not drawn
        (a recovery curve brings its own).
    activity_relative_sd
        Relative standard uncertainty of the activity calibration; ``None``: not drawn.
    s_value_relative_sd
        Relative standard uncertainty of the S-value model; ``None``: the default
        assumption (:func:`s_value_relative_sd`), ``0`` to leave it out.
    draws
        Monte Carlo draws, in ``LIMITS.draws``.
    seed
        Seed of the random generator (the result is reproducible).
    """

    mass_sd_g: float | None = None
    recovery_sd: float | None = None
    activity_relative_sd: float | None = None
    s_value_relative_sd: float | None = None
    draws: int = 4000
    seed: int = 0

    def checked(self) -> UncertaintyInputs:
        """These inputs with every number checked against its range."""
        sd = LIMITS.relative_sd
        draws = LIMITS.draws.check(self.draws, "--draws")
        if draws != int(draws):
            raise InvalidValueError("--draws", self.draws, "a whole number of draws")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise InvalidValueError("--seed", self.seed, "a whole number in [0, 2^63)")
        return UncertaintyInputs(
            mass_sd_g=_opt(LIMITS.mass_g.sd(), self.mass_sd_g, "--mass-sd-g"),
            recovery_sd=_opt(LIMITS.recovery.sd(), self.recovery_sd, "--recovery-sd"),
            activity_relative_sd=_opt(sd, self.activity_relative_sd, "--activity-sd"),
            s_value_relative_sd=_opt(sd, self.s_value_relative_sd, "--s-value-sd"),
            draws=int(draws),
            seed=self.seed,
        )


def _opt(limit: Range, value: float | None, what: str) -> float | None:
    return None if value is None else limit.check(value, what)


@dataclass(frozen=True)
class DoseUncertainty:
    """Monte Carlo uncertainty of one lesion's dose per GBq and activity for the target.

    Attributes
    ----------
    draws, seed
        The Monte Carlo settings.
    dose_gy_per_gbq
        ``(2.5 %, median, 97.5 %)`` of the dose per GBq.
    activity_for_target_mbq
        ``(2.5 %, median, 97.5 %)`` of the activity that gives the target dose.
    p_meets_max_activity
        Fraction of draws whose activity for the target is at most the maximum.
    relative_sd
        The dose's relative standard uncertainty (half the central 68 % interval over
        the median) with each source alone, and ``total`` with all.
    included
        For each source, how its spread was set, or why it was left out.
    """

    draws: int
    seed: int
    dose_gy_per_gbq: tuple[float, float, float]
    activity_for_target_mbq: tuple[float, float, float]
    p_meets_max_activity: float
    relative_sd: dict[str, float]
    included: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form: medians and 95 % intervals, the budget and the sources."""

        no_dose = "a dose quantile is 0 (a fit draw on its bound 0): no activity reaches the target"

        def band(values: tuple[float, float, float]) -> dict[str, Any]:
            out: dict[str, Any] = {"median": values[1], "ci95": [values[0], values[2]]}
            if not math.isfinite(values[1]):
                out["median_note"] = no_dose
            if not all(math.isfinite(v) for v in values):
                out["ci95_note"] = no_dose
            return out

        out = {
            "draws": self.draws,
            "seed": self.seed,
            "dose_gy_per_gbq": band(self.dose_gy_per_gbq),
            "activity_for_target_mbq": band(self.activity_for_target_mbq),
            "p_meets_max_activity": self.p_meets_max_activity,
            "relative_sd": self.relative_sd,
            "sources": self.included,
        }
        if not all(math.isfinite(v) for v in self.relative_sd.values()):
            out["relative_sd_note"] = "undefined where the median dose is 0"
        if self.partial:
            out["interval_note"] = (
                "the fit's uncertainty is not in this interval ("
                + self.included["fit"]
                + "): it covers only the other sources listed"
            )
        return out

    def summary_rows(self, target_gy: float) -> list[tuple[str, str]]:
        """(quantity, value) rows for people: the intervals, P(meets) and the budget."""
        lo, _, hi = self.dose_gy_per_gbq
        a_lo, _, a_hi = self.activity_for_target_mbq
        budget = ", ".join(
            f"{k.replace('_', ' ')} {100 * v:.1f} %"
            for k, v in self.relative_sd.items()
            if k != "total" and math.isfinite(v) and v > 0
        )
        rows = [
            ("dose per GBq, 95 % interval", f"{lo:.4g} – {hi:.4g}"),
            (f"activity for {target_gy:g} Gy, 95 % interval", f"{a_lo:.5g} – {a_hi:.5g}"),
            ("fraction of draws meeting the criterion", f"{self.p_meets_max_activity:.3f}"),
        ]
        if self.partial:
            rows.append(("interval", f"partial: {self.to_dict()['interval_note']}"))
        total = self.relative_sd["total"]
        rows.append(
            (
                "relative uncertainty of the dose",
                f"{100 * total:.1f} % ({budget or 'no source given'})",
            )
        )
        return rows

    @property
    def partial(self) -> bool:
        """Whether the fit's own uncertainty is missing from the interval."""
        return self.included["fit"].startswith("not drawn")


def _truncated_normal(
    mean: float, sd: float, low: float, high: float, n: int, rng: np.random.Generator
) -> Array:
    """``n`` draws of N(mean, sd²) inside ``[low, high]``, by redrawing the others."""
    out = rng.normal(mean, sd, n)
    for _ in range(_MAX_ROUNDS):
        bad = (out < low) | (out > high)
        if not bad.any():
            return out
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
    raise InvalidValueError(
        "uncertainty", f"{mean:g} ± {sd:g}", f"a spread that mostly stays in [{low:g}, {high:g}]"
    )


def _fit_tia_draws(fit: TacFit, n: int, rng: np.random.Generator) -> Array | None:
    """``n`` draws of the fit's ``τ`` (h) from its parameter covariance, or ``None``.

    A draw beyond one of the fit's bounds (e.g. a negative clearance rate when the
    estimate sits on the bound 0) is put on the bound, as the bounded fit itself
    would: a rejected draw would instead keep only one side of the estimate and
    bias ``τ``. Draws whose ``τ`` is not finite or exceeds the whole administered
    activity decaying in place are redrawn.
    """
    cov = np.asarray(fit.covariance, dtype=float)
    sds = np.asarray(list(fit.params_sd.values()), dtype=float)
    if cov.size == 0 or not np.all(np.isfinite(cov)) or not np.all(np.isfinite(sds)):
        return None
    lam_p = math.log(2.0) / fit.half_life_h
    _, to_reported = _fit_form(fit.model, lam_p)
    to_fitted = np.linalg.inv(to_reported)
    lower = np.asarray(_bounds(fit.model)[0], dtype=float)
    mean = np.asarray(list(fit.params.values()), dtype=float)
    ceiling = (1.0 + LIMITS.decay_tolerance) / lam_p
    out = np.empty(n)
    filled = 0
    for _ in range(_MAX_ROUNDS):
        batch = rng.multivariate_normal(mean, cov, size=max(n - filled, 64), method="eigh")
        fitted = np.maximum(batch @ to_fitted.T, lower)
        reported = fitted @ to_reported.T
        with np.errstate(divide="ignore", invalid="ignore"):
            tia = _integrals(fit.model, lam_p, reported)
        tia = tia[np.isfinite(tia) & (tia <= ceiling)][: n - filled]
        out[filled : filled + tia.size] = tia
        filled += tia.size
        if filled == n:
            return out
    return None


def propagate_lesion_dose(
    fit: TacFit,
    nuclide: Nuclide,
    mass_g: float,
    recovery: float | RecoveryCurve,
    density_g_ml: float,
    inputs: UncertaintyInputs,
    target_gy: float,
    max_activity_mbq: float,
) -> DoseUncertainty:
    """Propagate the inputs' uncertainties to the dose per GBq and the activity for a target.

    Parameters
    ----------
    fit
        The time-activity fit of the recovery-corrected data (``τ`` in h).
    nuclide
        The therapy nuclide (its S-values).
    mass_g
        The lesion mass (g).
    recovery
        The recovery coefficient the data were divided by, or the curve it came from.
    density_g_ml
        Density turning a drawn mass into the volume a recovery curve needs.
    inputs
        The stated uncertainties and Monte Carlo settings.
    target_gy, max_activity_mbq
        Target dose and maximum activity of the criterion.

    Examples
    --------
    >>> from rairlab.dosimetry import fit_tac, get_nuclide
    >>> i131 = get_nuclide("I-131")
    >>> fit = fit_tac([24, 48, 96, 144], [0.010, 0.008, 0.005, 0.003], i131.half_life_h).best
    >>> u = propagate_lesion_dose(fit, i131, 2.0, 0.8, 1.0, UncertaintyInputs(mass_sd_g=0.3),
    ...                           20.0, 11100.0)
    >>> low, mid, high = u.dose_gy_per_gbq
    >>> bool(low < mid < high), sorted(u.relative_sd)
    (True, ['activity_calibration', 'fit', 'mass', 'recovery', 's_value', 'total'])
    """
    inputs = inputs.checked()
    n = inputs.draws
    rng = np.random.default_rng(inputs.seed)
    ones = np.ones(n)
    included: dict[str, str] = {}
    factors: dict[str, Array] = {}

    tia = _fit_tia_draws(fit, n, rng)
    if tia is None or fit.tia_h <= 0:
        why = "trapezoid" if fit.model == "trapezoid" else "covariance not determined"
        included["fit"] = f"not drawn ({why})"
        factors["fit"] = ones
    else:
        included["fit"] = f"{fit.model} fit covariance"
        factors["fit"] = tia / fit.tia_h

    if inputs.activity_relative_sd:
        calib = _truncated_normal(1.0, inputs.activity_relative_sd, 1e-6, np.inf, n, rng)
        included["activity_calibration"] = f"relative sd {inputs.activity_relative_sd:g}"
        factors["activity_calibration"] = calib
    else:
        included["activity_calibration"] = "not given"
        factors["activity_calibration"] = ones

    if inputs.mass_sd_g:
        m = _truncated_normal(mass_g, inputs.mass_sd_g, LIMITS.mass_g.low, np.inf, n, rng)
        included["mass"] = f"sd {inputs.mass_sd_g:g} g"
    else:
        m = np.full(n, mass_g)
        included["mass"] = "not given"
    s0 = float(sphere_s_value_interpolated(nuclide, mass_g))
    factors["mass"] = np.asarray(sphere_s_value_interpolated(nuclide, m)) / s0

    factors["recovery"], included["recovery"] = _recovery_factor(
        recovery, mass_g / density_g_ml, m / density_g_ml, inputs.recovery_sd, rng
    )

    s_sd = (
        s_value_relative_sd() if inputs.s_value_relative_sd is None else inputs.s_value_relative_sd
    )
    if s_sd:
        factors["s_value"] = _truncated_normal(1.0, s_sd, 1e-6, np.inf, n, rng)
        included["s_value"] = f"relative sd {s_sd:g}" + (
            " (default assumption)" if inputs.s_value_relative_sd is None else ""
        )
    else:
        factors["s_value"] = ones
        included["s_value"] = "left out (sd 0)"

    d0 = fit.tia_h * SECONDS_PER_HOUR * BQ_PER_GBQ * s0
    total = d0 * np.prod(np.stack([factors[s] for s in SOURCES]), axis=0)
    dose_band = _band(total)
    # activity = target / dose falls as the dose rises, so its quantiles are the dose's
    # in reverse order (inf where a dose quantile is 0: no activity reaches the target)
    lo, mid, hi = (target_gy * MBQ_PER_GBQ / d if d > 0 else math.inf for d in reversed(dose_band))
    relative = {s: _rel_sd(factors[s]) for s in SOURCES} | {"total": _rel_sd(total)}
    return DoseUncertainty(
        draws=n,
        seed=inputs.seed,
        dose_gy_per_gbq=dose_band,
        activity_for_target_mbq=(lo, mid, hi),
        p_meets_max_activity=float(np.mean(total * max_activity_mbq >= target_gy * MBQ_PER_GBQ)),
        relative_sd=relative,
        included=included,
    )


def _recovery_factor(
    recovery: float | RecoveryCurve,
    volume_ml: float,
    drawn_volume_ml: Array,
    sd: float | None,
    rng: np.random.Generator,
) -> tuple[Array, str]:
    """``R₀ / R`` per draw: the data were divided by ``R₀``, each draw divides them by ``R``."""
    low, high = LIMITS.recovery.low, LIMITS.recovery.high
    n = drawn_volume_ml.size
    if isinstance(recovery, RecoveryCurve):
        r0 = float(np.clip(recovery(volume_ml), low, high))
        drawn = recovery.draw(drawn_volume_ml, rng)
        return r0 / drawn, f"{recovery.model} curve covariance, at each drawn volume"
    if sd:
        return recovery / _truncated_normal(recovery, sd, low, high, n, rng), f"sd {sd:g}"
    return np.ones(n), "not given"


def _rel_sd(values: Array) -> float:
    """Half the central 68 % interval over the median: a relative standard uncertainty
    that equals sd/mean for a normal spread and is not run away with by a long tail."""
    lo, mid, hi = np.percentile(values, (15.865525393145708, 50.0, 84.1344746068543))
    return float((hi - lo) / 2.0 / mid) if mid > 0 else math.nan


def _band(values: Array) -> tuple[float, float, float]:
    lo, mid, hi = np.percentile(values, _PERCENTILES)
    return float(lo), float(mid), float(hi)
