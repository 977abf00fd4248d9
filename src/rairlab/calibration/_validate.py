"""Validate the shipped fitted parameter set against every calibration target.

One concept: the members of the fitted set's 95% likelihood-ratio set
(``rairlab/data/fitted.yaml``, ``members``) are simulated again with the current code,
and :func:`assess` gives each target's observed proportion (95% Wilson interval)
against the model's 95% prediction interval for a trial of the observed size, plus
the leave-one-study-out cross-validation among the members. Without a shipped
calibration the prior set is assessed alone.
"""

from __future__ import annotations

from typing import Any

from rairlab._parameters import fitted_document
from rairlab.calibration._fit import evaluate_many
from rairlab.calibration._problem import load_problem
from rairlab.calibration._result import assess

__all__ = ["validate"]


def validate(workers: int = 1) -> dict[str, Any]:
    """Every target: observed vs simulated with prediction interval; CV; summary counts.

    Parameters
    ----------
    workers
        Processes simulating the confidence-set members.
    """
    problem = load_problem()
    doc = fitted_document()
    prior = problem.prior()
    members = [{**prior, **m["values"]} for m in doc.get("members") or []] or [prior]
    best = {**prior, **{p["name"]: float(p["value"]) for p in doc.get("parameters") or []}}
    sims = evaluate_many([best, *members], None, workers)
    table = assess(problem, sims[1:], sims[0])
    inside = sum(r["inside"] for r in table["targets"])
    return {
        "research_use_only": True,
        "parameters": "fitted" if doc else "prior",
        "fitted_version": doc.get("version"),
        "members": len(members),
        "inside": inside,
        "n_targets": len(table["targets"]),
        "inside_fraction": round(inside / len(table["targets"]), 3),
        **table,
    }
