"""The network's numerical solvers: steady states and time courses of many patients.

Two problems, one method each, and two implementations of each method that take
the same steps: a compiled one (Numba; used when it is installed) and a NumPy one
(used without Numba, with ``RAIRLAB_NO_NUMBA=1`` or with ``engine="numpy"``).
``tests/network/test_solvers.py`` checks the two against each other and both against
SciPy's Radau on many patients.

=====================  ===========================  ===========================
problem                method                       implementations
=====================  ===========================  ===========================
steady state x = F(x)  :mod:`._newton`: components  :mod:`._steady_compiled`
                       in topological order, damped (per patient),
                       Newton on feedback loops     :mod:`._steady_numpy`
time course            :mod:`._rodas4`: RODAS4,     :mod:`._time_course_compiled`
dx/dt = (F - x)/tau    per-patient step size,       (SIMD lanes, :mod:`._lanes`),
                       Hermite dense output         :mod:`._time_course_numpy`
=====================  ===========================  ===========================

:mod:`._program` turns the compiled model and the patients into the named arrays
the compiled kernels read (the rules as affine-product operations, the graph's
components, kinetics, perturbations, pulses); the NumPy implementations evaluate
the same rules through the model's expression trees. :mod:`._steady` and
:mod:`._time_course` are the entry points re-exported by :mod:`rairlab.network`.
"""

from rairlab.network.solvers._newton import loop_stable
from rairlab.network.solvers._steady import SteadyState, steady_state
from rairlab.network.solvers._time_course import TimeCourse, time_course

__all__ = ["SteadyState", "TimeCourse", "loop_stable", "steady_state", "time_course"]
