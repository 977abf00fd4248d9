"""Iodide biokinetics: from membrane NIS activity to lesion and whole-body time-activity curves.

A linear compartment model (blood/ECF iodide, lesion iodide, lesion organified
iodine, optional thyroid remnant, extrathyroidal organic iodine, excretion)
with body defaults from the ICRP-78 iodine model and lesion scalings marked as
assumptions. Vectorized over patients; solved exactly with matrix exponentials.
"""

from rairlab.biokinetics._iodide import (
    COMPARTMENTS,
    TSH_STATES,
    IodideModel,
    TimeActivity,
    iodide_model,
)

__all__ = ["COMPARTMENTS", "TSH_STATES", "IodideModel", "TimeActivity", "iodide_model"]
