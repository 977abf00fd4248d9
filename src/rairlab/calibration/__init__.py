"""Calibration on the review's numbers (in progress): the targets, as data.

:func:`load_targets` gives the review's clinical outcomes mapped to simulated
quantities of calibration trial specs (``calibration/data/``), and the outcomes
not used with their reason. Fitting, validation and PEtab export build on them.
Research use only.
"""

from rairlab.calibration._targets import Exclusion, Observation, Target, Targets, load_targets

__all__ = ["Exclusion", "Observation", "Target", "Targets", "load_targets"]
