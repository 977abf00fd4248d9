"""Parametric distributions of per-patient quantities, read from data files and drawn reproducibly.

One concept: a distribution record ``{family: lognormal, median: 1.0, sigma: 0.3}``
of a population data file is checked once (:func:`check_distribution`) and drawn
with a NumPy ``Generator`` (:func:`draw`). The network's population spec and the
cohort's patient data share these families, so a family means the same thing in
every file.

Families and their parameters:

=============  ====================  ==============================================
lognormal      median, sigma         ``exp(N(log median, sigma²))``
logitnormal    median, sigma         ``expit(N(logit median, sigma²))``, in (0, 1)
beta           a, b                  ``Beta(a, b)``, in [0, 1]
uniform        low, high             ``U(low, high)``
categorical    values, p             one of `values` with probabilities `p`
=============  ====================  ==============================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["FAMILIES", "check_distribution", "draw", "median"]

FAMILIES: Mapping[str, tuple[str, ...]] = {
    "lognormal": ("median", "sigma"),
    "logitnormal": ("median", "sigma"),
    "beta": ("a", "b"),
    "uniform": ("low", "high"),
    "categorical": ("values", "p"),
}


def check_distribution(dist: Any) -> tuple[str, dict[str, Any]]:
    """The family and parameters of a distribution record, or a ``ValueError`` saying why not.

    Examples
    --------
    >>> check_distribution({"family": "lognormal", "median": 2, "sigma": 0.5})
    ('lognormal', {'median': 2.0, 'sigma': 0.5})
    """
    if not isinstance(dist, Mapping) or dist.get("family") not in FAMILIES:
        raise ValueError(f"distribution.family must be one of {', '.join(FAMILIES)}")
    family = str(dist["family"])
    params = {k: v for k, v in dist.items() if k != "family"}
    if set(params) != set(FAMILIES[family]):
        raise ValueError(f"a {family} distribution takes exactly {', '.join(FAMILIES[family])}")
    try:
        if family == "categorical":
            p = np.asarray(params["p"], dtype=float)
            ok = bool(
                len(params["values"]) == len(p) and np.all(p >= 0) and abs(p.sum() - 1) < 1e-9
            )
        else:
            v = {k: float(x) for k, x in params.items()}
            params = v
            ok = {
                "lognormal": v.get("median", 0) > 0 and v.get("sigma", -1) >= 0,
                "logitnormal": 0 < v.get("median", 0) < 1 and v.get("sigma", -1) >= 0,
                "beta": v.get("a", 0) > 0 and v.get("b", 0) > 0,
                "uniform": v.get("low", 0) <= v.get("high", -1),
            }[family]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"invalid parameters {params} of a {family} distribution")
    return family, params


def draw(
    family: str, params: Mapping[str, Any], rng: np.random.Generator, n: int
) -> NDArray[np.float64]:
    """`n` independent values of a checked distribution.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = draw("uniform", {"low": 1.0, "high": 2.0}, rng, 3)
    >>> x.shape, bool(np.all((x >= 1) & (x <= 2)))
    ((3,), True)
    """
    p = params
    if family == "lognormal":
        return np.exp(rng.normal(np.log(p["median"]), p["sigma"], n))
    if family == "logitnormal":
        z = rng.normal(np.log(p["median"] / (1.0 - p["median"])), p["sigma"], n)
        return np.asarray(1.0 / (1.0 + np.exp(-z)))
    if family == "beta":
        return rng.beta(p["a"], p["b"], n)
    if family == "uniform":
        return rng.uniform(p["low"], p["high"], n)
    return rng.choice(np.asarray(p["values"], dtype=float), size=n, p=p["p"])


def median(family: str, params: Mapping[str, Any]) -> float:
    """The median of a checked distribution (a categorical's: its smallest value at p >= 1/2).

    Examples
    --------
    >>> median("lognormal", {"median": 2.0, "sigma": 0.5}), median("uniform", {"low": 0, "high": 4})
    (2.0, 2.0)
    >>> round(median("beta", {"a": 1.0, "b": 6.0}), 4)  # 1 - 2**(-1/6)
    0.1091
    """
    p = params
    if family in ("lognormal", "logitnormal"):
        return float(p["median"])
    if family == "beta":
        from scipy.special import betaincinv

        return float(betaincinv(p["a"], p["b"], 0.5))
    if family == "uniform":
        return 0.5 * (float(p["low"]) + float(p["high"]))
    values = np.asarray(p["values"], dtype=float)
    order = np.argsort(values)
    cdf = np.cumsum(np.asarray(p["p"], dtype=float)[order])
    return float(values[order][np.searchsorted(cdf, 0.5 - 1e-12)])
