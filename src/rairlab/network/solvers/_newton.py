"""Steady states x = F(x): the method, shared by the compiled and the NumPy implementation.

One concept: the algorithm and its constants. The rule graph's strongly connected
components are visited in topological order.

1. **A node without feedback** (a one-node component that does not read itself) has
   all its inputs final, so x_i = F_i(x) is exact in one evaluation.
2. **A feedback loop** (m > 1 nodes, or one node that reads itself) is solved for
   G(y) = y - F(y) = 0 by damped, projected Newton iteration: the step solves
   (I - A) d = -G with the loop's block of the analytic edge Jacobian A = dF/dx (LU
   with partial pivoting; a patient whose matrix is singular falls back to d = -G);
   the trial point y + a d, clipped to [0, 1], is accepted at the first a in
   :data:`DAMPING` that reduces max|G| by the factor (1 - 1e-4 a) (Armijo
   backtracking on the max norm); if none does, the damped fixed-point step y - G/2,
   clipped to [0, 1], is taken. A loop stops at max|G| < tol/10 or after
   ``max_iter`` iterations.
3. **Result.** Every patient's residual max|F(x) - x| over all nodes is reported; a
   patient above ``tol`` is flagged as not converged, never dropped. The loops' blocks
   of dF/dx at the solution decide linear stability (:func:`loop_stable`).

Pulses have faded at steady state (t -> infinity), so F has no time dependence here.

References
----------
Dennis JE, Schnabel RB (1996) Numerical Methods for Unconstrained Optimization and
Nonlinear Equations, section 6.3 (backtracking line search). SIAM.
doi:10.1137/1.9781611971200
"""

from __future__ import annotations

import contextlib

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ARMIJO",
    "DAMPING",
    "FIXED_POINT_STEP",
    "LOOP_TOL_FACTOR",
    "loop_stable",
    "surely_stable",
]

Array = NDArray[np.float64]

DAMPING = np.array([1.0, 0.5, 0.25, 0.125, 0.0625])  # Newton step fractions tried in turn
ARMIJO = 1e-4  # a step of fraction a must cut max|G| by the factor (1 - ARMIJO a)
FIXED_POINT_STEP = 0.5  # the fallback moves y by -G/2
LOOP_TOL_FACTOR = 0.1  # a loop is solved to tol / 10, so the whole state meets tol


def surely_stable(A: Array) -> NDArray[np.bool_]:
    """Per patient: the sufficient M-matrix test proves diag(1/tau)(A - I) stable.

    If every 1 - A_rr > 0 and the comparison matrix C (C_rr = 1 - A_rr,
    C_rs = -|A_rs|) has C z = 1 with z > 0, then C is a nonsingular M-matrix, so
    I - A and diag(1/tau)(I - A) are H-matrices with positive diagonal, whose
    eigenvalues have positive real parts, for every positive tau (Berman & Plemmons
    1994, Nonnegative Matrices in the Mathematical Sciences, chapter 6,
    doi:10.1137/1.9781611971262). False means undecided, not unstable.
    """
    m = A.shape[1]
    eye = np.eye(m)
    diag = np.einsum("pii->pi", A)
    C = eye - np.abs(A) * (1.0 - eye) - diag[:, :, None] * eye
    sure = (diag < 1.0).all(axis=1)
    ones = np.ones(m)
    try:
        z = np.linalg.solve(C, np.broadcast_to(ones, (A.shape[0], m))[..., None])[..., 0]
    except np.linalg.LinAlgError:  # numpy solves all or none: one patient at a time
        z = np.full((A.shape[0], m), -1.0)
        for p in np.flatnonzero(sure):
            with contextlib.suppress(np.linalg.LinAlgError):
                z[p] = np.linalg.solve(C[p], ones)
    return np.asarray(sure & (z > 0.0).all(axis=1))


def loop_stable(A: Array, inv_tau: Array) -> NDArray[np.bool_]:
    """Eigenvalues of diag(1/tau)(A - I) all in the open left half-plane, per patient.

    `A` is (n_patients, m, m), a feedback loop's block of dF/dx; `inv_tau` is
    (n_patients or 1, m). :func:`surely_stable` decides most patients without
    eigenvalues; eigenvalues decide the rest.
    """
    out = surely_stable(A)
    rest = np.flatnonzero(~out)
    if rest.size:
        it = inv_tau if inv_tau.shape[0] == 1 else inv_tau[rest]
        J = it[:, :, None] * (A[rest] - np.eye(A.shape[1]))
        out[rest] = np.linalg.eigvals(J).real.max(axis=1) < 0.0
    return out
