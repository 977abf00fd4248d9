"""Calibration on the review's numbers: targets, fit, posterior ensemble, validation.

:func:`load_targets` gives the review's clinical outcomes mapped to simulated
quantities of calibration trial specs (``calibration/data/``), and the outcomes not
used with their reason. :func:`load_problem` names the fitted numbers of the data
files. :func:`calibrate` fits them (multi-start CMA-ES on the binomial likelihood,
common random numbers), maps its likelihood-ratio confidence set, scores the network's model
variants and writes a fitted parameter set; :func:`validate` compares the shipped
fitted set with every target; :func:`export_petab` writes the problem's
representative-patient reduction in PEtab. Research use only.
"""

from rairlab.calibration._fit import calibrate, evaluate_many
from rairlab.calibration._petab import PETAB_ENDPOINTS, PetabProblem, export_petab, petab_problem
from rairlab.calibration._problem import FittedParameter, Problem, load_problem, prior_value
from rairlab.calibration._result import (
    assess,
    confidence_threshold,
    prediction_interval,
    write_fitted,
)
from rairlab.calibration._simulate import simulate_targets
from rairlab.calibration._targets import Exclusion, Observation, Target, Targets, load_targets
from rairlab.calibration._validate import validate

__all__ = [
    "PETAB_ENDPOINTS",
    "Exclusion",
    "FittedParameter",
    "Observation",
    "PetabProblem",
    "Problem",
    "Target",
    "Targets",
    "assess",
    "calibrate",
    "confidence_threshold",
    "evaluate_many",
    "export_petab",
    "load_problem",
    "load_targets",
    "petab_problem",
    "prediction_interval",
    "prior_value",
    "simulate_targets",
    "validate",
    "write_fitted",
]
