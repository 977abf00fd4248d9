"""Iodide biokinetics: from relative iodide uptake to lesion and whole-body time-activity curves.

A linear compartment model (blood/ECF iodide, lesion iodide, lesion organified
iodine, optional thyroid remnant, extrathyroidal organic iodine, excretion)
with body defaults from the ICRP-78 iodine model. Lesion uptake is the cells'
iodide transport activity relative to a normal thyrocyte times the iodide
clearance per gram of normal thyroid (ICRP-78 with the ICRP-89 thyroid mass);
lesion retention is an assumption. Vectorized over patients; solved exactly.
"""

from rairlab.biokinetics._iodide import (
    COMPARTMENTS,
    TSH_STATES,
    IodideModel,
    TimeActivity,
    iodide_model,
)

__all__ = ["COMPARTMENTS", "TSH_STATES", "IodideModel", "TimeActivity", "iodide_model"]
