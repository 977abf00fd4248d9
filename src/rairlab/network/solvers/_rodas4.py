"""RODAS4: the time-course method, its coefficients and its step-size control.

One concept: the method, shared by the compiled and the NumPy implementation
(:mod:`._time_course_compiled`, :mod:`._time_course_numpy`), which both do, per
patient and per step of size h from (t, x):

1. **Stages.** With J = diag(1/tau)(A - I) the Jacobian of dx/dt = (F(x, t) - x)/tau
   (A the edge Jacobian dF/dx) and c_i = h gamma / tau_i, solve for s = 0..5

   .. math:: (I - c(A - I))\\,K_s = h\\gamma\\,\\Bigl[f\\bigl(t + \\alpha_s h,\\;
             x + \\sum_{j<s} a_{sj} K_j\\bigr) + \\sum_{j<s} \\frac{c_{sj}}{h} K_j
             + \\gamma_s h\\, \\partial_t f\\Bigr]

   (Hairer & Wanner 1996, section IV.7, form (7.25); f at stage 0 is the one already
   known at (t, x)). The matrix is factored once per step and is block
   lower-triangular over the rule graph's components.
2. **Solution and error.** x_new = x + sum m_s K_s; K_5 is the embedded error
   estimate (stiffly accurate pair of order 4(3)); the error is the root mean
   square over nodes of K_5,i / (atol + rtol max(|x_i|, |x_new,i|)); a non-finite
   norm counts as 1e10.
3. **Accept or reject** at error <= 1. The derivative f and the edge Jacobian A are
   evaluated at the new point; an accepted step keeps them for the next step
   (and for the dense output).
4. **Dense output.** Output times inside an accepted step are cubic Hermite
   interpolants of x and f at the step's two ends; steps are not cut at outputs.
5. **Step size.** h_new = h * clip(0.9 err^(-1/4), 0.2, 6), never larger than the
   last step right after a rejection; the last step ends exactly at the last output
   time. A patient stops when the step size underflows (h < 1e-12 (1 + t)), after
   ``max_steps`` accepted or ``4 max_steps`` tried steps; outputs it did not reach
   are NaN and it is reported as not completed.

References
----------
Hairer E, Wanner G (1996) Solving Ordinary Differential Equations II. Stiff and
Differential-Algebraic Problems, 2nd ed., section IV.7 (RODAS4 coefficients, table
7.2, and the stiffly accurate error estimate). Springer. doi:10.1007/978-3-642-05221-7
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["RODAS4", "Tableau", "first_step", "step_factor"]

Array = NDArray[np.float64]


class Tableau(NamedTuple):
    """A six-stage Rosenbrock method in the form of Hairer & Wanner (7.25).

    ``a`` and ``c`` hold the strictly lower triangles row by row: stage s uses entries
    ``s(s-1)/2 .. s(s-1)/2 + s - 1``.
    """

    gamma: float
    alpha: Array
    gammas: Array
    a: Array
    c: Array
    m: Array


# fmt: off
RODAS4 = Tableau(
    gamma=0.25,
    alpha=np.array([0.0, 0.386, 0.210, 0.630, 1.0, 1.0]),
    gammas=np.array([0.25, -0.1043, 0.1035, -0.3620000000000023e-01, 0.0, 0.0]),
    a=np.array([
        1.544,
        0.9466785280815826, 0.2557011698983284,
        3.314825187068521, 2.896124015972201, 0.9986419139977817,
        1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950,
        1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950, 1.0,
    ]),
    c=np.array([
        -5.6688,
        -2.430093356833875, -0.2063599157091915,
        -0.1073529058151375, -9.594562251023355, -20.47028614809616,
        7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160,
        8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136,
        -6.058818238834054,
    ]),
    m=np.array([
        1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950, 1.0, 1.0,
    ]),
)
# fmt: on

N_STAGES = 6
SAFETY = 0.9
FACTOR_MIN = 0.2
FACTOR_MAX = 6.0
FAILED_NORM = 1e10  # the error norm of a step whose estimate is not finite
UNDERFLOW = 1e-12  # relative step size below which a patient stops, incomplete


def first_step(t_end: float) -> float:
    """The initial step size in hours: 0.05, or a tenth of a shorter time span."""
    return min(0.05, t_end / 10.0 if t_end > 0 else 0.05)


def step_factor(err: Array) -> Array:
    """h_new / h for error norms `err`: 0.9 err^(-1/4) clipped to [0.2, 6]."""
    return np.clip(SAFETY * np.maximum(err, 1e-10) ** -0.25, FACTOR_MIN, FACTOR_MAX)
