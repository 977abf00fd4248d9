"""The thyroid-cell regulatory network: rules as data, continuous semantics, perturbations.

Nodes and one logical rule per node live in ``data/network.yaml``; rules get
the normalized Hill-cube ODE semantics (Wittmann et al. 2009,
doi:10.1186/1752-0509-3-98); genotypes, drugs, TSH state and the
micro-environment become per-patient arrays; steady states and time courses are
batched over patients. See :mod:`rairlab.network._compiled` for the compiled
representation that exporters use.
"""

from rairlab.network._behaviour import Behaviour, BehaviourResult, check_behaviour, load_behaviour
from rairlab.network._boolean import Attractor, attractors, percolate
from rairlab.network._compile import (
    compile_model,
    list_variants,
    resolve_variant,
    variant_settings,
)
from rairlab.network._compiled import (
    CompiledModel,
    Conditions,
    KineticParameters,
    Pulse,
    edge_parameters,
    hill_cube,
    hill_cube_derivative,
    jacobian_edges,
    node_tau,
    pulse_shape,
    rhs,
    target_activity,
)
from rairlab.network._data import load_network_data
from rairlab.network._diagram import network_svg
from rairlab.network._lesion import (
    LesionState,
    mix_clones,
    normal_thyrocyte,
    population_steady_state,
)
from rairlab.network._perturb import conditions, drug_effect, modelled_agents
from rairlab.network._population import (
    ParameterSpec,
    PopulationSample,
    PopulationSpec,
    load_population_spec,
    median_sample,
    population_conditions,
    sample_parameters,
)
from rairlab.network._random import random_conditions
from rairlab.network._rules import And, Const, Expr, Not, Or, Var, parse_rule, to_text, variables
from rairlab.network._specs import NetworkData
from rairlab.network.solvers import SteadyState, TimeCourse, steady_state, time_course

__all__ = [
    "And",
    "Attractor",
    "Behaviour",
    "BehaviourResult",
    "CompiledModel",
    "Conditions",
    "Const",
    "Expr",
    "KineticParameters",
    "LesionState",
    "NetworkData",
    "Not",
    "Or",
    "ParameterSpec",
    "PopulationSample",
    "PopulationSpec",
    "Pulse",
    "SteadyState",
    "TimeCourse",
    "Var",
    "attractors",
    "check_behaviour",
    "compile_model",
    "conditions",
    "drug_effect",
    "edge_parameters",
    "hill_cube",
    "hill_cube_derivative",
    "jacobian_edges",
    "list_variants",
    "load_behaviour",
    "load_network_data",
    "load_population_spec",
    "median_sample",
    "mix_clones",
    "modelled_agents",
    "network_svg",
    "node_tau",
    "normal_thyrocyte",
    "parse_rule",
    "percolate",
    "population_conditions",
    "population_steady_state",
    "pulse_shape",
    "random_conditions",
    "resolve_variant",
    "rhs",
    "sample_parameters",
    "steady_state",
    "target_activity",
    "time_course",
    "to_text",
    "variables",
    "variant_settings",
]
