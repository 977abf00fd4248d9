"""Calibration results: likelihood-ratio intervals, target table, cross-validation, fitted file.

One concept: the evaluated parameter sets whose log-likelihood lies within
``chi2(0.95, 1) / 2`` of the best form the likelihood-ratio set of the calibration
(Wilks 1938). The range of a parameter over that set is its evaluated profile-likelihood
interval (Venzon & Moolgavkar 1988; a lower bound of the true profile interval where
sampling is sparse), reported beside a local Wald interval from the curvature at the
optimum. For a scalar prediction (a target's proportion) the same threshold gives the
prediction profile likelihood interval (Kreutz et al. 2012, BMC Syst Biol 6:120); a
target's 95% prediction interval is the union, over the set's members, of the central
95% binomial interval for a trial of the observed size (exact binomial quantiles).
Leave-one-study-out cross-validation refits without a study by taking the best evaluated
set on the other studies' likelihood, and predicts the left-out study from that refit's
set. :func:`write_fitted` writes the shipped parameter set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray
from scipy.stats import binom, chi2

from rairlab._io import write_text
from rairlab.calibration._problem import FittedParameter, Problem
from rairlab.cohort import wilson

__all__ = [
    "LEVEL",
    "assess",
    "calibration_result",
    "confidence_threshold",
    "prediction_interval",
    "write_fitted",
]

Array = NDArray[np.float64]
#: Confidence level of every interval.
LEVEL = 0.95
#: A parameter is called identified when both its profile interval and its local (Wald)
#: interval, on the optimizer scale, are narrower than this fraction of its bounds' range.
IDENTIFIED_FRACTION = 0.5
#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054

Simulated = Mapping[str, Sequence[int]]


def confidence_threshold(df: int, level: float = LEVEL) -> float:
    """Log-likelihood drop from the best that bounds a likelihood-ratio confidence set.

    Examples
    --------
    >>> round(confidence_threshold(1), 3)
    1.921
    """
    return float(chi2.ppf(level, df) / 2.0)


def prediction_interval(p: Sequence[float], n: int, level: float = LEVEL) -> tuple[float, float]:
    """Union over proportions `p` of the central binomial interval of k/n for a trial of `n`.

    Examples
    --------
    >>> [round(v * 15) for v in prediction_interval([0.3], 15)]
    [1, 8]
    """
    a = (1.0 - level) / 2.0
    q = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    lo = binom.ppf(a, n, q).min() / n
    hi = binom.ppf(1.0 - a, n, q).max() / n
    return float(lo), float(hi)


def _sim_p(sim: Simulated, tid: str, problem: Problem, spec: str) -> float:
    k, n = sim[tid]
    return k / n if n else 0.5 / problem.n_simulated(spec)


def assess(
    problem: Problem,
    members: Sequence[Simulated],
    best: Simulated,
    candidates: Sequence[Simulated] | None = None,
) -> dict[str, Any]:
    """Target table (prediction intervals over `members`) and leave-one-study-out CV.

    `candidates` are the evaluated parameter sets the cross-validation refits among
    (default: the members).
    """
    rows = []
    for t in problem.targets:
        k_obs, n_obs = problem.observed(t)
        lo, hi = prediction_interval([_sim_p(s, t.id, problem, t.spec) for s in members], n_obs)
        ci = wilson(round(k_obs), n_obs)
        kb, nb = best[t.id]
        rows.append(
            {
                "id": t.id,
                "spec": t.spec,
                "arm": t.arm,
                "endpoint": t.endpoint,
                "where": t.where,
                "statement": t.statement,
                "observed": {
                    "k": t.observed.k,
                    "n": t.observed.n,
                    "p": t.observed.proportion,
                    "printed_without_n": t.observed.n is None,
                    "weight_n": n_obs,
                    "ci95": [ci[0], ci[1]],
                },
                "simulated": {
                    "p": kb / nb if nb else None,
                    "k": kb,
                    "n": nb,
                    "prediction95": [lo, hi],
                },
                "inside": bool(lo - 1e-12 <= t.observed.proportion <= hi + 1e-12),
                "empty_subgroup": nb == 0,
            }
        )
    return {"targets": rows, "cross_validation": _logo(problem, candidates or members)}


def _logo(problem: Problem, candidates: Sequence[Simulated]) -> dict[str, Any]:
    studies: dict[str, list[Any]] = {}
    for t in problem.targets:
        studies.setdefault(t.spec, []).append(t)
    ll = {
        spec: np.array(
            [sum(problem.log_likelihood_one(t, s[t.id]) for t in targets) for s in candidates]
        )
        for spec, targets in studies.items()
    }
    total = sum(ll.values())
    thr = confidence_threshold(1)
    out: list[dict[str, Any]] = []
    inside_all: list[bool] = []
    for spec, targets in studies.items():
        rest = total - ll[spec]
        refit = int(np.argmax(rest))
        kept = [candidates[int(i)] for i in np.flatnonzero(rest >= rest[refit] - thr)]
        rows = []
        for t in targets:
            _, n_obs = problem.observed(t)
            lo, hi = prediction_interval([_sim_p(s, t.id, problem, t.spec) for s in kept], n_obs)
            inside = bool(lo - 1e-12 <= t.observed.proportion <= hi + 1e-12)
            inside_all.append(inside)
            rows.append({"id": t.id, "prediction95": [lo, hi], "inside": inside})
        out.append(
            {
                "study": spec,
                "targets": rows,
                "log_predictive_density": round(float(ll[spec][refit]), 3),
                "refit_loglik_in_sample": round(float(ll[spec].max()), 3),
                "members": len(kept),
            }
        )
    return {
        "method": (
            "leave-one-study-out: refit = the best evaluated parameter set on the other "
            "studies' likelihood; prediction from that refit's 95% likelihood-ratio set"
        ),
        "studies": out,
        "elpd": round(sum(s["log_predictive_density"] for s in out), 3),
        "inside_fraction": round(float(np.mean(inside_all)), 3),
    }


def _spanning(X: Array, ll: Array) -> list[int]:
    """The best row and, per coordinate, the rows with its smallest and largest value."""
    idx = [int(np.argmax(ll))]
    for j in range(X.shape[1]):
        idx += [int(np.argmin(X[:, j])), int(np.argmax(X[:, j]))]
    return list(dict.fromkeys(idx))


def calibration_result(
    problem: Problem,
    manifest: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    states: Sequence[Any],
    explored: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]],
    workers: int,
) -> dict[str, Any]:
    """The whole result of a calibration run (written to ``calibration.json``)."""
    cand = [r for r in rows if r["variant"] is None]
    X = np.array([r["x"] for r in cand])
    ll = np.array([r["loglik"] for r in cand])
    b = int(np.argmax(ll))
    best_ll = float(ll[b])
    # the likelihood-ratio set; prediction profile likelihood: scalar prediction, df = 1
    one = ll >= best_ll - confidence_threshold(1)
    members = [cand[i]["simulated"] for i in np.flatnonzero(one)]
    sd = np.asarray(explored["curvature_sd"], dtype=float)
    return {
        "research_use_only": True,
        "loglik": round(best_ll, 3),
        "n_parameters": problem.dimension,
        "n_targets": len(problem.targets),
        "n_evaluations": len(cand),
        "aic": round(2 * problem.dimension - 2 * best_ll, 3),
        "parameters": _parameter_intervals(problem, X, b, one, sd),
        "starts": _start_summaries(problem, cand, states),
        "confidence_set": _confidence_set(problem, X, ll, one, explored["curvature_sd"]),
        **assess(problem, members, cand[b]["simulated"], [r["simulated"] for r in cand]),
        "variants": list(variants),
        "workers": workers,
        "printed_n": problem.printed_n,
    }


def _parameter_intervals(
    problem: Problem, X: Array, b: int, one: NDArray[np.bool_], sd: Array
) -> list[dict[str, Any]]:
    """Per parameter: its best value (row `b`), intervals over the set `one`, identifiability."""
    prior = problem.prior()
    return [
        _parameter_interval(p, X[one, j], X[b, j], float(sd[j]), prior[p.name])
        for j, p in enumerate(problem.parameters)
    ]


def _parameter_interval(
    p: FittedParameter, members: Array, best: float, sd: float, prior: float
) -> dict[str, Any]:
    """One parameter's profile, Wald and reported (the wider) 95% intervals, in natural units."""
    lo_u, hi_u = (p.to_unbounded(v) for v in p.bounds)
    lo, hi = float(members.min()), float(members.max())
    w_lo, w_hi = best - Z95 * sd, best + Z95 * sd
    span = IDENTIFIED_FRACTION * (hi_u - lo_u)
    return {
        "name": p.name,
        "scale": p.scale,
        "bounds": list(p.bounds),
        "prior": prior,
        "value": p.to_natural(best),
        # the wider of the evaluated profile range and the local (Wald) interval
        "ci95": [p.to_natural(min(lo, w_lo)), p.to_natural(max(hi, w_hi))],
        "profile95": [p.to_natural(lo), p.to_natural(hi)],
        "wald95": [p.to_natural(w_lo), p.to_natural(w_hi)],
        "curvature_sd_scaled": round(sd, 4),
        "identified": bool(hi - lo < span and 2 * Z95 * sd < span),
        "at_bound": bool(min(best - lo_u, hi_u - best) < 1e-6),
        "why": p.why,
    }


def _start_summaries(
    problem: Problem, cand: Sequence[Mapping[str, Any]], states: Sequence[Any]
) -> list[dict[str, Any]]:
    """Per CMA-ES start: its evaluations, best log-likelihood and values, and why it stopped."""
    starts = []
    for s, es in enumerate(states):
        srows = [r for r in cand if r["phase"] == f"start-{s}"]
        sb = max(srows, key=lambda r: r["loglik"])
        starts.append(
            {
                "start": s,
                "evaluations": len(srows),
                "loglik": round(sb["loglik"], 3),
                "values": problem.to_natural(sb["x"]),
                "stop": {str(k): str(v) for k, v in (es.stop() or {}).items()},
            }
        )
    return starts


def _confidence_set(
    problem: Problem, X: Array, ll: Array, one: NDArray[np.bool_], curvature_sd: Any
) -> dict[str, Any]:
    """The likelihood-ratio set `one`: its size, threshold and the members spanning it."""
    members_idx = np.flatnonzero(one)
    keep = [int(members_idx[i]) for i in _spanning(X[members_idx], ll[members_idx])]
    return {
        "level": LEVEL,
        "profile_members": int(one.sum()),
        "threshold": round(confidence_threshold(1), 3),
        "curvature_sd": curvature_sd,
        "members": [
            {"loglik": round(float(ll[i]), 3), "values": problem.to_natural(X[i])} for i in keep
        ],
    }


_HEADER = """\
# The calibrated parameter set of rairlab (provenance: fitted). Research use only.
# Written by `rairlab calibrate` (rairlab.calibration); do not edit by hand. Each value
# replaces the number its name points to (rairlab/_parameters.py) in the data files;
# `prior` is that file's own value, `ci95` its 95% interval (the wider of the evaluated
# profile-likelihood and the Wald interval). `members` span the calibration's 95%
# likelihood-ratio set (for prediction intervals: `rairlab validate`). `manifest` is the
# run that produced it. To ship a new calibration, copy its fitted.yaml and
# calibration.json here.
"""


def write_fitted(path: str | Path, result: Mapping[str, Any]) -> Path:
    """Write the fitted parameter set of a calibration `result` (atomic)."""
    doc = {
        "provenance": "fitted",
        "version": result["manifest"].get("finished", ""),
        "rairlab_version": result["manifest"].get("rairlab_version", ""),
        "loglik": result["loglik"],
        "parameters": [
            {
                "name": p["name"],
                "value": float(p["value"]),
                "prior": float(p["prior"]),
                "ci95": [float(v) for v in p["ci95"]],
                "identified": p["identified"],
            }
            for p in result["parameters"]
        ],
        "members": result["confidence_set"]["members"],
        "manifest": {
            k: v
            for k, v in result["manifest"].items()
            if k
            in (
                "rairlab_version",
                "problem_sha256",
                "seed",
                "fit",
                "started",
                "finished",
                "timings",
            )
        },
    }
    return write_text(path, _HEADER + yaml.safe_dump(doc, sort_keys=False, width=100))
