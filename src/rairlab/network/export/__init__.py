"""Exchange formats of the network: SBML L3 core (ODE), SBML-qual (logical) and BoolNet.

The SBML core export carries the normalized Hill cube ODEs with every kinetic
constant and every per-patient perturbation as a parameter (one file serves any
patient: :func:`sbml_parameters`); the logical exports carry the rules, factored
as in the rule file. Formats and parameter names: ``docs/network-exports.md``.
"""

from rairlab.network.export._bnet import parse_bnet, to_bnet
from rairlab.network.export._formats import EXPORT_FORMATS, export_model, export_text
from rairlab.network.export._roadrunner import RoadRunnerResult, RoadRunnerSession
from rairlab.network.export._sbml import SbmlExtension, to_sbml
from rairlab.network.export._sbml_params import (
    ParameterLayout,
    parameter_layout,
    sbml_parameter_table,
    sbml_parameters,
)
from rairlab.network.export._sbml_qual import to_sbml_qual

__all__ = [
    "EXPORT_FORMATS",
    "ParameterLayout",
    "RoadRunnerResult",
    "RoadRunnerSession",
    "SbmlExtension",
    "export_model",
    "export_text",
    "parameter_layout",
    "parse_bnet",
    "sbml_parameter_table",
    "sbml_parameters",
    "to_bnet",
    "to_sbml",
    "to_sbml_qual",
]
