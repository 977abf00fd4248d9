"""Partial-volume recovery coefficients that depend on lesion size, fitted to phantom spheres.

A PET or SPECT camera blurs a small hot sphere: the mean activity concentration
measured inside the sphere's true outline is a fraction RC (the recovery
coefficient) of the true one, falling from ~1 for spheres much larger than the
resolution towards 0 for small ones. The user measures RC on spheres of known
volume in a phantom (e.g. the six spheres of the NEMA NU 2 / IEC body phantom)
with the same camera, reconstruction and VOI method as the patient study, and
a curve fitted to those points gives RC at each lesion's volume. Two curves:

* ``"gaussian"`` (default, one parameter, the FWHM in mm): the physical model of
  a uniform sphere of radius ``R`` blurred by an isotropic 3-D Gaussian point-spread
  function of standard deviation ``σ = FWHM / (2√(2 ln 2))``, measured as the
  mean over the sphere. The blurred profile at distance ``r`` from the centre is
  (e.g. Kessler, Ellis & Eden 1984)

      f(r) = ½[erf((R−r)/(√2σ)) + erf((R+r)/(√2σ))]
             − σ/(r√(2π)) · [exp(−(R−r)²/(2σ²)) − exp(−(R+r)²/(2σ²))],

  and ``RC = 3/R³ ∫₀ᴿ f(r) r² dr`` (Gauss-Legendre quadrature);
* ``"logistic"`` (empirical, two parameters): ``RC = 1 / (1 + (V₅₀/V)^s)``, for
  reconstructions whose resolution recovery or edge artefacts a Gaussian does
  not describe.

The fit is weighted least squares (by the phantom's ``recovery_sd`` when given,
then the parameter covariance is absolute; otherwise unweighted with the
covariance scaled by the residual variance). :meth:`RecoveryCurve.draw` samples
the curve's parameters from that covariance for the lesion-dose Monte Carlo.
Lesions smaller than the smallest phantom sphere are extrapolated: the result
says so. Research use only.

References
----------
Kessler RM, Ellis JR Jr, Eden M. Analysis of emission tomographic scan data:
limitations imposed by resolution and background. J Comput Assist Tomogr
1984;8(3):514-522.
Gear JI, Cox MG, Gustafsson J, et al. EANM practical guidance on uncertainty
analysis for molecular radiotherapy absorbed dose calculations. Eur J Nucl Med
Mol Imaging 2018;45:2456-2474. doi:10.1007/s00259-018-4136-7
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.special import erf

from rairlab.dosimetry._limits import LIMITS
from rairlab.dosimetry._measurements import column_numbers, column_text, read_csv_rows
from rairlab.errors import InputFileError, InvalidValueError

__all__ = [
    "RECOVERY_MODELS",
    "RecoveryCurve",
    "fit_recovery_curve",
    "read_recovery_phantom",
    "sphere_recovery_gaussian",
]

Array = NDArray[np.float64]
RECOVERY_MODELS = ("gaussian", "logistic")
_PARAM_NAMES = {"gaussian": ("fwhm_mm",), "logistic": ("v50_ml", "slope")}
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
_MM3_PER_ML = 1000.0
_NODES = 256  # Gauss-Legendre nodes over the radius; error < 1e-9 for R/σ up to 10³
_CHUNK = 8192  # volumes per quadrature call in draws: 8192 x 256 floats, 17 MB per array


@functools.cache
def _unit_nodes() -> tuple[Array, Array]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(_NODES)
    return (x + 1.0) / 2.0, w / 2.0


def _radius_mm(volume_ml: Array) -> Array:
    return np.asarray(np.cbrt(3.0 * volume_ml * _MM3_PER_ML / (4.0 * math.pi)))


def sphere_recovery_gaussian(volume_ml: ArrayLike, fwhm_mm: ArrayLike) -> Array:
    """Mean recovery of a uniform sphere blurred by a 3-D Gaussian PSF (broadcast).

    Parameters
    ----------
    volume_ml
        Sphere volumes (mL).
    fwhm_mm
        Full width at half maximum of the point-spread function (mm), > 0.

    Examples
    --------
    >>> round(float(sphere_recovery_gaussian(1e6, 5.0)), 4)  # 1 L: only the rim is blurred
    0.9959
    >>> round(float(sphere_recovery_gaussian(0.52, 8.0)), 2)  # the 10-mm NEMA sphere, 8-mm PET
    0.31
    """
    v, fwhm = np.broadcast_arrays(
        np.asarray(volume_ml, dtype=float), np.asarray(fwhm_mm, dtype=float)
    )
    radius = _radius_mm(v)[..., None]
    sigma = (fwhm / _FWHM_PER_SIGMA)[..., None]
    x, w = _unit_nodes()
    r = radius * x
    s2 = math.sqrt(2.0) * sigma
    inside = 0.5 * (erf((radius - r) / s2) + erf((radius + r) / s2))
    edge = (sigma / (r * math.sqrt(2.0 * math.pi))) * (
        np.exp(-(((radius - r) / s2) ** 2)) - np.exp(-(((radius + r) / s2) ** 2))
    )
    # 3/R³ ∫₀ᴿ f(r) r² dr with r = R·x: 3 ∫₀¹ f x² dx
    return np.asarray(3.0 * np.sum((inside - edge) * x**2 * w, axis=-1))


def _logistic(volume_ml: Array, v50_ml: ArrayLike, slope: ArrayLike) -> Array:
    return np.asarray(1.0 / (1.0 + (np.asarray(v50_ml) / volume_ml) ** np.asarray(slope)))


def _curve(model: str, volume_ml: Array, params: Array) -> Array:
    """The model at `volume_ml` for parameter rows `params` (shape ``(..., k)``)."""
    if model == "gaussian":
        return sphere_recovery_gaussian(volume_ml, params[..., 0])
    return _logistic(volume_ml, params[..., 0], params[..., 1])


@dataclass(frozen=True, eq=False)
class RecoveryCurve:
    """A recovery-coefficient curve fitted to phantom spheres.

    Attributes
    ----------
    model
        ``"gaussian"`` or ``"logistic"``.
    params
        Fitted parameters by name (``fwhm_mm``; or ``v50_ml`` and ``slope``).
    covariance
        Their covariance matrix, in the order of `params`.
    volumes_ml, recovery
        The phantom data it was fitted to.
    rms_residual
        Root-mean-square difference between the data and the curve.
    source
        Where the phantom data came from.
    """

    model: str
    params: dict[str, float]
    covariance: Array = field(repr=False)
    volumes_ml: tuple[float, ...]
    recovery: tuple[float, ...]
    rms_residual: float
    source: str = ""

    def __call__(self, volume_ml: ArrayLike) -> Array:
        """The recovery coefficient at `volume_ml` (any shape)."""
        v = np.asarray(volume_ml, dtype=float)
        return _curve(self.model, v, np.asarray(list(self.params.values())))

    def draw(self, volume_ml: ArrayLike, rng: np.random.Generator) -> Array:
        """One recovery coefficient per entry of `volume_ml`, with parameters drawn per entry.

        Parameters are drawn from a normal distribution with the fit's covariance;
        draws with a parameter <= 0 are redrawn (the curve needs positive ones).
        The result is clipped to the accepted recovery range.
        """
        v = np.asarray(volume_ml, dtype=float).ravel()
        mean = np.asarray(list(self.params.values()))
        params = _positive_normal(mean, self.covariance, v.shape, rng)
        rc = np.empty(v.size)
        for i in range(0, v.size, _CHUNK):  # the quadrature holds (chunk x nodes) floats
            rc[i : i + _CHUNK] = _curve(self.model, v[i : i + _CHUNK], params[i : i + _CHUNK])
        shape = np.shape(volume_ml)
        return np.asarray(np.clip(rc, LIMITS.recovery.low, LIMITS.recovery.high)).reshape(shape)

    def extrapolated(self, volume_ml: float) -> bool:
        """Whether `volume_ml` lies outside the phantom spheres' volumes."""
        return not (min(self.volumes_ml) <= volume_ml <= max(self.volumes_ml))

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON summary of the curve."""
        sd = np.sqrt(np.clip(np.diag(self.covariance), 0.0, None))
        return {
            "model": self.model,
            "params": self.params,
            "params_sd": dict(zip(self.params, (float(v) for v in sd), strict=True)),
            "phantom_volumes_ml": list(self.volumes_ml),
            "phantom_recovery": list(self.recovery),
            "rms_residual": self.rms_residual,
            "source": self.source,
        }


def _positive_normal(
    mean: Array, cov: Array, shape: tuple[int, ...], rng: np.random.Generator
) -> Array:
    """Draws of shape ``(*shape, k)`` from N(mean, cov) with every entry > 0 (by redrawing)."""
    n = int(np.prod(shape, dtype=int))
    out = np.empty((n, mean.size))
    filled = 0
    for _ in range(100):
        batch = rng.multivariate_normal(mean, cov, size=max(n - filled, 16), method="eigh")
        good = batch[np.all(batch > 0, axis=1)][: n - filled]
        out[filled : filled + len(good)] = good
        filled += len(good)
        if filled == n:
            return out.reshape(*shape, mean.size)
    raise InvalidValueError(
        "recovery curve",
        dict(zip(_PARAM_NAMES, mean.tolist(), strict=False)),
        "a fit whose parameters are positive in most draws of their uncertainty",
    )


def _start(model: str, v: Array, rc: Array) -> list[float]:
    if model == "gaussian":
        # the FWHM at which the curve passes the data's median point
        grid = np.geomspace(0.1, 100.0, 200)
        mid = int(np.argsort(rc)[len(rc) // 2])
        err = np.abs(sphere_recovery_gaussian(v[mid], grid) - rc[mid])
        return [float(grid[int(np.argmin(err))])]
    below = v[rc < 0.5]
    return [float(below.max()) if below.size else float(v.min()), 1.0]


def fit_recovery_curve(
    volumes_ml: ArrayLike,
    recovery: ArrayLike,
    recovery_sd: ArrayLike | None = None,
    model: str = "gaussian",
    source: str = "",
) -> RecoveryCurve:
    """Fit a recovery-coefficient curve to phantom spheres.

    Parameters
    ----------
    volumes_ml
        Sphere volumes (mL), each in ``LIMITS.volume_ml``.
    recovery
        Measured recovery coefficients, each in ``LIMITS.recovery`` (0.01 to 1).
    recovery_sd
        Their standard uncertainties (> 0), or ``None`` (unweighted fit).
    model
        ``"gaussian"`` or ``"logistic"``.
    source
        Where the data came from (kept in the result).

    Raises
    ------
    InvalidValueError
        An unknown model, values out of range, too few spheres (2 for the Gaussian,
        3 for the logistic: at least one more than the parameters), or no convergence.

    Examples
    --------
    >>> v = [0.52, 1.15, 2.57, 5.58, 11.49, 26.52]
    >>> curve = fit_recovery_curve(v, sphere_recovery_gaussian(v, 7.0))
    >>> round(curve.params["fwhm_mm"], 6)
    7.0
    """
    if model not in RECOVERY_MODELS:
        raise InvalidValueError("recovery model", model, ", ".join(RECOVERY_MODELS))
    v = np.asarray(volumes_ml, dtype=float).ravel()
    rc = np.asarray(recovery, dtype=float).ravel()
    names = _PARAM_NAMES[model]
    if v.shape != rc.shape or np.unique(v).size < len(names) + 1:
        raise InvalidValueError(
            "phantom spheres",
            v.size,
            f"at least {len(names) + 1} spheres of different volumes, each with a recovery, "
            f"for the {model} curve ({len(names)} parameter{'s' if len(names) > 1 else ''})",
        )
    for value in v:
        LIMITS.volume_ml.check(float(value), "phantom sphere volume_ml")
    for value in rc:
        LIMITS.recovery.check(float(value), "phantom recovery")
    sigma = None
    if recovery_sd is not None:
        sigma = np.asarray(recovery_sd, dtype=float).ravel()
        if sigma.shape != rc.shape or not np.all(np.isfinite(sigma) & (sigma > 0)):
            raise InvalidValueError("recovery_sd", recovery_sd, "one finite value > 0 per sphere")

    def f(vol: Array, *p: float) -> Array:
        return _curve(model, vol, np.asarray(p))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        try:
            p, cov = curve_fit(
                f,
                v,
                rc,
                p0=_start(model, v, rc),
                sigma=sigma,
                absolute_sigma=sigma is not None,
                bounds=(np.full(len(names), 1e-6), np.full(len(names), np.inf)),
                max_nfev=10_000,
            )
        except (RuntimeError, ValueError) as exc:
            raise InvalidValueError(
                "phantom spheres", source or "data", f"data a {model} curve can be fitted to"
            ) from exc
    if not np.all(np.isfinite(cov)):
        cov = np.zeros((len(names), len(names)))  # exact fit of as many points as parameters
    residual = rc - f(v, *p)
    return RecoveryCurve(
        model=model,
        params={nm: float(x) for nm, x in zip(names, p, strict=True)},
        covariance=np.asarray(cov, dtype=float),
        volumes_ml=tuple(float(x) for x in v),
        recovery=tuple(float(x) for x in rc),
        rms_residual=float(np.sqrt(np.mean(residual**2))),
        source=source,
    )


def read_recovery_phantom(path: str | os.PathLike[str], model: str = "gaussian") -> RecoveryCurve:
    """Read sphere-phantom recovery data and fit a curve (see :func:`fit_recovery_curve`).

    The CSV has a ``volume_ml`` (or ``diameter_mm``) column and a ``recovery``
    column, optionally ``recovery_sd``; ``#`` lines are comments (an example:
    ``examples/dosimetry/recovery_phantom_i124.csv``).

    Raises
    ------
    InputFileError
        A missing column, a value that is not a number or is out of range (naming
        the line), or fewer spheres than the model needs.
    """
    where = os.fspath(path)
    header, rows, numbers = read_csv_rows(where)
    size = next((c for c in ("volume_ml", "diameter_mm") if c in header), None)
    if size is None or "recovery" not in header:
        raise InputFileError(
            where,
            f"found columns {', '.join(header) or 'none'}; expected volume_ml (or "
            "diameter_mm) and recovery, optionally recovery_sd",
        )
    values = {
        c: column_numbers(where, c, column_text(header, rows, c), numbers)
        for c in (size, "recovery", "recovery_sd")
        if c in header
    }
    for lineno, x in zip(numbers, values.get("recovery_sd", ()), strict=False):
        if not 0 < x <= 1:
            raise InputFileError(
                where,
                f"line {lineno}: recovery_sd {x:g} is outside (0, 1] (a standard uncertainty)",
            )
    volume = values[size]
    if size == "diameter_mm":
        volume = math.pi / 6.0 * volume**3 / _MM3_PER_ML
    for c, limit, col in (
        ("volume", LIMITS.volume_ml, volume),
        ("recovery", LIMITS.recovery, values["recovery"]),
    ):
        for lineno, x in zip(numbers, col, strict=True):
            if not limit.contains(x):
                raise InputFileError(
                    where, f"line {lineno}: {c} {x:g} is outside {limit.interval} ({limit.why})"
                )
    try:
        return fit_recovery_curve(
            volume, values["recovery"], values.get("recovery_sd"), model, source=where
        )
    except InvalidValueError as exc:
        raise InputFileError(where, exc.args[0]) from exc
