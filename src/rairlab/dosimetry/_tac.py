"""Time-activity curves: reading measurements, fitting them and integrating them.

Measurements are fractions of the administered activity at times after
administration, *not* decay-corrected. Each model describes the biological
retention multiplied by the physical decay ``exp(-λ_p t)``, with every
biological rate constrained to be ≥ 0 so that no fit clears slower than
physical decay:

``mono``   ``a e^{-λ₁t}``                    λ₁ = λ_p + μ₁
``bi``     ``a (e^{-λ₁t} − e^{-λ₂t})``       uptake then washout, λ₂ = λ₁ + k
``biexp``  ``a e^{-λ₁t} + b e^{-λ₂t}``       two clearance phases, λ₂ = λ₁ + k;
           fitted as ``a`` and ``c = a + b`` (the activity at t = 0), both ≥ 0, so
           no fit gives negative activity at any time
``trapezoid``  straight lines from ``(0, 0)`` (or the first value) through the
points, then physical decay after the last point.

Fits are weighted least squares with a constant relative error
(``scipy.optimize.curve_fit``, bounds, ``absolute_sigma=False``); parameter
standard errors come from the covariance matrix (``nan`` for a parameter the
data do not determine, e.g. an uptake rate far faster than the first sample),
and the time-integrated activity's by first-order propagation. The
mono-exponential is fitted with the active-set ``dogbox`` method: a biological
rate on its bound (μ₁ = 0, clearance by physical decay only) is then reached
exactly, where the interior-point ``trf`` stopped up to ~10⁻⁵ short in the
integral.

``auto`` picks the parametric model of least corrected Akaike criterion
(Glatting et al. 2007)::

    AICc = N ln(WRSS/N) + 2K + 2K(K+1)/(N − K − 1),   K = p + 1,

with ``N`` points, ``WRSS`` the weighted residual sum of squares and ``K`` the
``p`` fitted parameters plus one for the residual variance, which the fit
estimates too (``dosimetry/data/glatting2007/aicc.yaml``). AICc exists only
where ``N > K + 1``: a mono-exponential needs 5 points, ``bi`` 6, ``biexp`` 7.
Where it exists for no candidate, ``auto`` takes the simplest candidate with
``N = K + 1`` (the mono-exponential on 4 points), else the trapezoid.

References
----------
Glatting G, Kletting P, Reske SN, Hohl K, Ring C. Choosing the optimal fit
function: comparison of the Akaike information criterion and the F-test.
Med Phys 2007;34:4285-4292. doi:10.1118/1.2794176
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeWarning, curve_fit

from rairlab._cited import CitedTable, load_cited
from rairlab.dosimetry._limits import LIMITS
from rairlab.errors import InvalidValueError

__all__ = ["MODELS", "TacAnalysis", "TacFit", "aicc", "aicc_convention", "fit_tac", "redecay"]

MODELS = ("mono", "bi", "biexp", "trapezoid")
_PARAMETRIC = ("mono", "bi", "biexp")
_N_PARAMS = {"mono": 2, "bi": 3, "biexp": 4}
_PARAM_NAMES = {
    "mono": ("a", "mu1_per_h"),
    "bi": ("a", "mu1_per_h", "k_per_h"),
    "biexp": ("a", "b", "mu1_per_h", "k_per_h"),
}
Array = NDArray[np.float64]
# Singular values of the relative-sensitivity Jacobian below this fraction of the
# largest mark a direction the data do not determine (numerical tolerance).
_RANK_RTOL = 1e-6


def aicc_convention() -> CitedTable:
    """The cited AICc convention: ``K`` counts the variance too (Glatting et al. 2007).

    Examples
    --------
    >>> aicc_convention().value("variance_parameters")
    1.0
    """
    return load_cited("rairlab.dosimetry", "data/glatting2007/aicc.yaml")


def _k(n_params: int) -> int:
    """``K`` of the AICc: the fitted parameters plus the estimated variance."""
    return n_params + int(aicc_convention().value("variance_parameters"))


def aicc(wrss: float, n_points: int, n_params: int) -> float:
    """Corrected Akaike criterion of a weighted least-squares fit; ``nan`` where undefined.

    ``N ln(WRSS/N) + 2K + 2K(K+1)/(N − K − 1)`` with ``K = n_params + 1`` (the residual
    variance is estimated too), defined only for ``N > K + 1``. A WRSS below
    ``10⁻¹² N`` (an exact fit) is taken as ``10⁻¹² N`` so that the logarithm is finite.

    Parameters
    ----------
    wrss
        Weighted residual sum of squares.
    n_points
        Number of data points ``N``.
    n_params
        Number of fitted model parameters ``p`` (2 for ``mono``).

    Examples
    --------
    >>> round(aicc(0.02, 5, 2), 6)  # K = 3: 5 ln(0.004) + 6 + 24/1
    2.392695
    >>> aicc(0.02, 4, 2)  # N = K + 1: undefined
    nan
    """
    k = _k(n_params)
    if n_points <= k + 1:
        return math.nan
    floor = max(wrss, 1e-12 * n_points)
    return n_points * math.log(floor / n_points) + 2 * k + 2 * k * (k + 1) / (n_points - k - 1)


def _curve(model: str, lam_p: float) -> Callable[..., Array]:
    if model == "mono":
        return lambda t, a, mu: a * np.exp(-(lam_p + mu) * t)
    if model == "bi":
        return lambda t, a, mu, k: a * (np.exp(-(lam_p + mu) * t) - np.exp(-(lam_p + mu + k) * t))
    return lambda t, a, b, mu, k: a * np.exp(-(lam_p + mu) * t) + b * np.exp(-(lam_p + mu + k) * t)


def _fit_form(model: str, lam_p: float) -> tuple[Callable[..., Array], Array]:
    """The curve in the parameters the fit varies, and their Jacobian to the reported ones.

    ``biexp`` is fitted in ``(a, c, μ₁, k)`` with ``c = a + b`` the activity at t = 0;
    with ``a, c ≥ 0`` the curve ``e^{-λ₂t}(a(e^{kt} − 1) + c)`` is ≥ 0 at every t ≥ 0.
    The reported parameters are ``J @ p`` (a linear map), their covariance ``J C Jᵀ``.

    Examples
    --------
    >>> f, J = _fit_form("biexp", 0.01)
    >>> (J @ [0.5, 0.2, 0.0, 0.1]).tolist()  # b = c - a
    [0.5, -0.3, 0.0, 0.1]
    >>> bool(np.all(f(np.linspace(0, 200, 50), 0.5, 0.2, 0.0, 0.1) >= 0))
    True
    """
    k = _N_PARAMS[model]
    if model != "biexp":
        return _curve(model, lam_p), np.eye(k)
    reported = _curve(model, lam_p)
    jac = np.eye(k)
    jac[1, 0], jac[1, 1] = -1.0, 1.0  # b = c - a
    return (lambda t, a, c, mu, kk: reported(t, a, c - a, mu, kk)), jac


def _integrals(model: str, lam_p: float, p: ArrayLike) -> Array:
    """``∫₀^∞ f dt`` for parameter rows `p` (shape ``(..., k)``, the reported order)."""
    q = np.asarray(p, dtype=float)
    if model == "mono":
        return np.asarray(q[..., 0] / (lam_p + q[..., 1]))
    if model == "bi":
        l1, l2 = lam_p + q[..., 1], lam_p + q[..., 1] + q[..., 2]
        return np.asarray(q[..., 0] * (1.0 / l1 - 1.0 / l2))
    l1, l2 = lam_p + q[..., 2], lam_p + q[..., 2] + q[..., 3]
    return np.asarray(q[..., 0] / l1 + q[..., 1] / l2)


def _integral(model: str, lam_p: float, p: Array) -> float:
    return float(_integrals(model, lam_p, p))


@dataclass(frozen=True)
class TacFit:
    """One model fitted to one time-activity curve.

    Attributes
    ----------
    model
        ``"mono"``, ``"bi"``, ``"biexp"`` or ``"trapezoid"``.
    params, params_sd
        Parameter values and standard errors by name (fractions of the
        administered activity and 1/h); empty for the trapezoid.
    tia_h
        Time-integrated activity per unit administered activity, i.e. the
        residence time (h).
    tia_sd_h
        Its standard error (h); ``nan`` where it cannot be estimated.
    aicc
        Corrected Akaike criterion; ``nan`` where not defined.
    rss
        Weighted residual sum of squares.
    half_life_h
        Physical half-life used (h).
    covariance
        Covariance matrix of `params` in their order (empty for the trapezoid); entries
        may be ``nan`` or ``inf`` where the data do not determine a parameter.
    """

    model: str
    params: dict[str, float]
    params_sd: dict[str, float]
    tia_h: float
    tia_sd_h: float
    aicc: float
    rss: float
    half_life_h: float
    times_h: tuple[float, ...] = field(repr=False, default=())
    values: tuple[float, ...] = field(repr=False, default=())
    start_at_zero: bool = field(repr=False, default=True)
    covariance: tuple[tuple[float, ...], ...] = field(repr=False, default=())

    def evaluate(self, times_h: ArrayLike) -> Array:
        """The fitted fraction of the administered activity at `times_h`."""
        t = np.asarray(times_h, dtype=float)
        lam_p = math.log(2.0) / self.half_life_h
        if self.model == "trapezoid":
            tt = np.asarray(self.times_h)
            vv = np.asarray(self.values)
            first = 0.0 if self.start_at_zero else vv[0]
            inside = np.interp(t, np.r_[0.0, tt], np.r_[first, vv])
            tail = vv[-1] * np.exp(-lam_p * (t - tt[-1]))
            return np.asarray(np.where(t > tt[-1], tail, inside))
        return np.asarray(_curve(self.model, lam_p)(t, *self.params.values()))

    @property
    def effective_half_life_h(self) -> float:
        """Effective half-life of the slowest clearing phase (h); physical for the trapezoid."""
        lam_p = math.log(2.0) / self.half_life_h
        mu = self.params.get("mu1_per_h", 0.0)
        return math.log(2.0) / (lam_p + mu)

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON summary; a value that is not a number has a ``<key>_note`` saying why."""
        out: dict[str, object] = {
            "model": self.model,
            "params": self.params,
            "params_sd": self.params_sd,
            "tia_h": self.tia_h,
            "tia_sd_h": self.tia_sd_h,
            "aicc": self.aicc,
            "effective_half_life_h": self.effective_half_life_h,
        }
        trapezoid = self.model == "trapezoid"
        if not all(math.isfinite(v) for v in self.params_sd.values()):
            out["params_sd_note"] = (
                "null where the data do not determine the parameter (e.g. an uptake rate far "
                "faster than the first sample)"
            )
        if not math.isfinite(self.tia_sd_h):
            out["tia_sd_h_note"] = (
                "the trapezoid has no standard error"
                if trapezoid
                else "the fit's covariance does not determine it"
            )
        if not math.isfinite(self.aicc):
            out["aicc_note"] = (
                "not defined for the trapezoid (no fitted parameters)"
                if trapezoid
                else f"needs more than {_k(_N_PARAMS[self.model]) + 1} points (K = "
                f"{_k(_N_PARAMS[self.model])}: the parameters plus the variance)"
            )
        return out


@dataclass(frozen=True)
class TacAnalysis:
    """Every model that could be fitted, and the one chosen.

    ``fits`` maps model name to :class:`TacFit`; ``chosen`` names the one used and
    ``rule`` says why (``"requested"``, ``"least AICc"``, ``"fewest parameters, no
    AICc defined"`` or ``"trapezoid: no parametric fit with N ≥ K + 1"``).
    """

    chosen: str
    fits: dict[str, TacFit]
    skipped: dict[str, str]
    rule: str = "requested"

    @property
    def best(self) -> TacFit:
        """The chosen fit."""
        return self.fits[self.chosen]


def _weights(y: Array) -> Array:
    # Constant relative error; a floor keeps points near zero from dominating.
    return np.maximum(np.abs(y), 0.01 * float(np.max(np.abs(y))))


def _starts(model: str, t: Array, y: Array, lam_p: float) -> list[list[float]]:
    pos = y > 0
    slope = 0.0
    if np.count_nonzero(pos) >= 2:
        try:
            slope = -float(np.polyfit(t[pos], np.log(y[pos]), 1)[0])
        except np.linalg.LinAlgError:  # a start only: fall back to no biological clearance
            slope = 0.0
    mu0 = max(slope - lam_p, 1e-4)
    ymax = float(np.max(y))
    if model == "mono":
        # capped: a steep slope from a late first sample would overflow the start value
        return [[ymax * math.exp(min(slope * float(t[0]), 700.0)), mu0], [ymax, lam_p]]
    if model == "bi":
        t_peak = float(t[int(np.argmax(y))])
        ks = [3.0 / max(t_peak, 1e-3), 0.3 / max(t_peak, 1e-3), 30.0 / max(t_peak, 1e-3)]
        return [[2.0 * ymax, mu0, k] for k in ks]
    k_fast = [1.0 / max(float(t[1]), 1e-3), 10.0 / max(float(t[-1]), 1e-3)]
    return [[0.5 * ymax, ymax, mu0 * 0.5, k] for k in k_fast]  # (a, c = a + b, mu1, k)


# The mono-exponential's rate often sits on its bound (μ₁ = 0: no biological clearance);
# the active-set dogbox lands on it, where trf's interior steps stop short of it.
_METHOD: dict[str, dict[str, object]] = {
    "mono": {"method": "dogbox", "xtol": 1e-12, "ftol": 1e-12, "gtol": 1e-12}
}


def _bounds(model: str) -> tuple[list[float], list[float]]:
    inf = np.inf
    if model == "mono":
        return [0.0, 0.0], [inf, inf]
    if model == "bi":
        return [0.0, 0.0, 1e-9], [inf, inf, inf]
    return [0.0, 0.0, 0.0, 1e-9], [inf, inf, inf, inf]  # (a, c = a + b, mu1, k)


def _unidentified(
    f: Callable[..., Array], t: Array, p: Array, sigma: Array, floor: Array
) -> NDArray[np.bool_]:
    """Parameters the data do not determine: those in a near-null direction of the Jacobian.

    ``curve_fit`` ('trf') inverts a rank-deficient Jacobian with a pseudo-inverse,
    which gives such parameters a standard error of 0 instead of an undefined one.
    The Jacobian of the weighted residuals is taken with respect to relative
    parameter changes, so that the test does not depend on the parameters' units;
    `floor` (the physical decay constant for rates, the largest value for
    amplitudes) sets the step of a parameter at or near 0, e.g. on its bound.
    """
    scale = np.maximum(np.abs(p), floor)
    jac = np.empty((t.size, p.size))
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(p.size):  # k <= 4 parameters, central differences
            step = np.zeros_like(p)
            step[i] = 1e-6 * scale[i]
            jac[:, i] = (f(t, *(p + step)) - f(t, *(p - step))) / (2e-6 * sigma)
        if not np.all(np.isfinite(jac)):
            return np.ones(p.size, dtype=bool)
        try:
            _, sv, vt = np.linalg.svd(jac, full_matrices=False)
        except np.linalg.LinAlgError:
            return np.ones(p.size, dtype=bool)
    null = vt[sv <= _RANK_RTOL * sv[0]] if sv[0] > 0 else vt
    return np.asarray(np.any(np.abs(null) > 1e-3, axis=0))


def _fit_parametric(model: str, t: Array, y: Array, half_life_h: float) -> TacFit:
    lam_p = math.log(2.0) / half_life_h
    f, to_reported = _fit_form(model, lam_p)
    sigma = _weights(y)
    best: tuple[float, Array, Array] | None = None
    for p0 in _starts(model, t, y, lam_p):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                p, cov = curve_fit(
                    f,
                    t,
                    y,
                    p0=p0,
                    sigma=sigma,
                    bounds=_bounds(model),
                    max_nfev=20000,
                    **_METHOD.get(model, {}),
                )
            except (RuntimeError, ValueError, np.linalg.LinAlgError):
                continue
        rss = float(np.sum(((f(t, *p) - y) / sigma) ** 2))
        if best is None or rss < best[0]:
            best = (rss, p, cov)
    if best is None:
        raise InvalidValueError("model", model, "a model that converges on these data")
    rss, q, cov_q = best
    n, k = len(t), _N_PARAMS[model]
    names = _PARAM_NAMES[model]  # the fitted parameters share their order and units
    # directions the data do not determine, found in the fitted parameters, then carried
    # to every reported parameter that depends on one of them
    floor = np.array([lam_p if nm.endswith("_per_h") else float(np.max(np.abs(y))) for nm in names])
    lost = (to_reported != 0) @ _unidentified(f, t, q, sigma, floor)
    p = to_reported @ q
    with np.errstate(over="ignore", invalid="ignore"):
        cov = to_reported @ cov_q @ to_reported.T
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        tia = _integral(model, lam_p, p)
    # A negative integral (a bi-exponential whose negative term outweighs the other)
    # or one above the whole administered activity decaying in place, 1/λp (an
    # extrapolation from late points to a huge amplitude), is no description of uptake.
    if not (math.isfinite(tia) and 0 <= tia <= (1.0 + LIMITS.decay_tolerance) / lam_p):
        raise InvalidValueError(
            "model",
            model,
            "a fit with a time-integrated activity >= 0 and at most the administered "
            "activity decaying in place",
        )
    grad = np.zeros(k)
    for i in range(k):
        h = 1e-6 * max(abs(p[i]), 1e-6)
        up, dn = p.copy(), p.copy()
        up[i] += h
        dn[i] -= h
        grad[i] = (_integral(model, lam_p, up) - _integral(model, lam_p, dn)) / (2 * h)
    with np.errstate(over="ignore", invalid="ignore"):
        finite_cov = bool(np.all(np.isfinite(cov)))
        var = float(grad @ cov @ grad) if finite_cov else math.nan
        sd = np.sqrt(np.clip(np.diag(cov), 0, None)) if finite_cov else np.full(k, np.nan)
    if not math.isfinite(var):
        var = math.nan
    sd = np.where(lost, np.nan, sd)
    return TacFit(
        model=model,
        params={nm: float(v) for nm, v in zip(names, p, strict=True)},
        params_sd={nm: float(v) for nm, v in zip(names, sd, strict=True)},
        tia_h=tia,
        tia_sd_h=math.sqrt(var) if var >= 0 else math.nan,
        aicc=aicc(rss, n, k),
        rss=rss,
        half_life_h=half_life_h,
        covariance=tuple(tuple(float(v) for v in row) for row in cov),
    )


def _fit_trapezoid(t: Array, y: Array, half_life_h: float, start_at_zero: bool) -> TacFit:
    lam_p = math.log(2.0) / half_life_h
    first = 0.0 if start_at_zero else float(y[0])
    tt = np.r_[0.0, t] if t[0] > 0 else t
    yy = np.r_[first, y] if t[0] > 0 else y
    tia = float(np.sum(np.diff(tt) * (yy[1:] + yy[:-1]) / 2.0) + y[-1] / lam_p)
    return TacFit(
        model="trapezoid",
        params={},
        params_sd={},
        tia_h=tia,
        tia_sd_h=math.nan,
        aicc=math.nan,
        rss=math.nan,
        half_life_h=half_life_h,
        times_h=tuple(float(v) for v in t),
        values=tuple(float(v) for v in y),
        start_at_zero=start_at_zero,
    )


def _check_curve(
    times_h: ArrayLike, fraction: ArrayLike, half_life_h: float
) -> tuple[Array, Array]:
    """The curve as float arrays, refused unless every number is finite and meaningful."""
    t = np.asarray(times_h, dtype=float)
    y = np.asarray(fraction, dtype=float)
    if t.ndim != 1 or y.shape != t.shape:
        raise InvalidValueError(
            "times_h/fraction", f"shapes {t.shape}/{y.shape}", "two 1-D arrays of equal length"
        )
    if not LIMITS.time_h.contains(t):
        raise InvalidValueError("times_h", t.tolist(), f"times in {LIMITS.time_h.interval}")
    if np.any(LIMITS.too_close(np.diff(t))):
        raise InvalidValueError(
            "times_h", t.tolist(), f"increasing times at least {LIMITS.time_step_h:g} h apart"
        )
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise InvalidValueError("fraction", y.tolist(), "finite fractions >= 0")
    if not np.any(y > 0):
        raise InvalidValueError(
            "fraction", y.tolist(), "at least one fraction > 0 (no uptake was measured)"
        )
    if not (math.isfinite(half_life_h) and half_life_h > 0):
        raise InvalidValueError("half_life_h", half_life_h, "a finite half-life > 0 h")
    return t, y


def fit_tac(
    times_h: ArrayLike,
    fraction: ArrayLike,
    half_life_h: float,
    model: str = "auto",
    candidates: tuple[str, ...] = _PARAMETRIC,
    trapezoid_from_zero: bool = True,
) -> TacAnalysis:
    """Fit time-activity models to not-decay-corrected fractions of the administered activity.

    Parameters
    ----------
    times_h
        Measurement times after administration (h), increasing, shape ``(n,)``.
    fraction
        Measured activity / administered activity (not decay-corrected).
    half_life_h
        Physical half-life of the nuclide the data are for (h).
    model
        ``"auto"`` (least AICc among `candidates` that can be fitted; see the
        module docstring for the convention and the fallbacks), or one of
        ``"mono"``, ``"bi"``, ``"biexp"``, ``"trapezoid"``.
    candidates
        The parametric models ``auto`` considers (``"bi"`` suits lesions with
        an uptake phase, ``"biexp"`` whole-body or blood clearance).
    trapezoid_from_zero
        The trapezoid starts from ``(0, 0)`` (uptake) or from the first value.

    Returns
    -------
    TacAnalysis
        Every model that could be fitted (the trapezoid always), and the chosen one.

    Raises
    ------
    InvalidValueError
        Unknown model; too few points for the requested model; times outside
        ``LIMITS.time_h`` (0 to 10⁵ h) or less than ``LIMITS.time_step_h``
        (10⁻³ h) apart; fractions not finite or negative, or all zero (no
        uptake measured); a half-life that is not finite and > 0.

    Examples
    --------
    >>> t = np.array([4.0, 24.0, 48.0, 96.0])
    >>> y = 0.01 * np.exp(-np.log(2) / 50.0 * t)
    >>> res = fit_tac(t, y, half_life_h=100.0)
    >>> res.chosen, round(res.best.tia_h, 3)  # exact: 0.01 * 50 / ln 2
    ('mono', 0.721)
    """
    if model != "auto" and model not in MODELS:
        raise InvalidValueError("model", model, "one of auto, " + ", ".join(MODELS))
    t, y = _check_curve(times_h, fraction, half_life_h)
    fits: dict[str, TacFit] = {"trapezoid": _fit_trapezoid(t, y, half_life_h, trapezoid_from_zero)}
    skipped: dict[str, str] = {}
    wanted = candidates if model in ("auto", "trapezoid") else (model,)
    for name in wanted:
        k = _N_PARAMS[name]
        if len(t) <= k:
            skipped[name] = f"needs at least {k + 1} points, got {len(t)}"
            continue
        try:
            fits[name] = _fit_parametric(name, t, y, half_life_h)
        except InvalidValueError as exc:
            skipped[name] = (
                "its time-integrated activity is below 0 or above the administered "
                "activity decaying in place"
                if "time-integrated" in exc.accepted
                else "the fit did not converge on these data"
            )
    if model not in ("auto", "trapezoid") and model not in fits:
        raise InvalidValueError("--model", model, f"a model that fits ({skipped[model]})")
    if model != "auto":
        return TacAnalysis(chosen=model, fits=fits, skipped=skipped)
    chosen, rule = _select(t.size, {m: f for m, f in fits.items() if m != "trapezoid"})
    return TacAnalysis(chosen=chosen, fits=fits, skipped=skipped, rule=rule)


def _select(n_points: int, fits: dict[str, TacFit]) -> tuple[str, str]:
    """The parametric fit of least AICc; else the simplest with ``N = K + 1``; else trapezoid.

    `fits` holds the parametric fits in the candidates' order (ties keep the first).
    """
    eligible = {m: f.aicc for m, f in fits.items() if math.isfinite(f.aicc)}
    if eligible:
        return min(eligible, key=lambda m: eligible[m]), "least AICc"
    above = int(aicc_convention().value("fallback_points_above_k"))
    at_boundary = [m for m in fits if n_points - _k(_N_PARAMS[m]) == above]
    if at_boundary:
        simplest = min(at_boundary, key=lambda m: _N_PARAMS[m])
        return simplest, "fewest parameters, no AICc defined"
    return "trapezoid", "trapezoid: no parametric fit with N ≥ K + 1"


def redecay(
    times_h: ArrayLike, fraction: ArrayLike, from_half_life_h: float, to_half_life_h: float
) -> Array:
    """Turn measurements of one nuclide into the same biology with another's physical decay.

    Decay-correct with the measured nuclide (multiply by ``e^{λ_from t}``),
    then apply the other's decay (``e^{-λ_to t}``): the I-124 → I-131 prediction.

    Examples
    --------
    >>> round(float(redecay([100.0], [0.5], 100.0, 200.0)[0]), 12)  # 0.5 · 2 · 2^-0.5
    0.707106781187
    """
    t = np.asarray(times_h, dtype=float)
    y = np.asarray(fraction, dtype=float)
    lam_from = math.log(2.0) / from_half_life_h
    lam_to = math.log(2.0) / to_half_life_h
    # In logs, so that a tiny fraction times a huge decay correction does not overflow
    # (nor 0 · inf give nan): a zero measurement stays zero.
    size = np.abs(y)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.sign(y) * np.exp(np.log(np.where(size > 0, size, 1.0)) + (lam_from - lam_to) * t)
    return np.asarray(np.where(size > 0, out, 0.0))
