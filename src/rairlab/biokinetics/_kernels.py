r"""Compiled kernels (Numba) of the iodide model: ``expm(K t) e0`` and ``(λI - K)⁻¹ e0``.

One concept: per patient ``p``, the first column of the matrix exponential of
the transfer matrix ``K_p`` (``e0`` = unit amount in blood) at every requested
time, and the residence times ``τ`` with ``(λI - K_p) τ = e0`` (Gaussian
elimination with partial pivoting). Patients are independent; the kernels
release the GIL, so callers may run blocks of patients in threads.

The exponential is the scaling-and-squaring Padé method of Golub & Van Loan,
Algorithm 9.3.1, with its names: for ``A = K Δt``, the scaling exponent ``j`` is
the smallest ``j >= 0`` with ``||A||∞ / 2^j <= 1/2`` (the hypothesis of the
algorithm's error bound), the Padé degree ``q`` the smallest with
``ε(q, q) = 2^(3-2q) (q!)² / ((2q)! (2q+1)!) <= δ`` for ``δ`` the unit roundoff
``2⁻⁵³`` (so ``q = 7``), ``N`` and ``D`` the numerator and denominator of the
``(q, q)`` approximant at ``A / 2^j``, and ``F = D⁻¹ N`` squared ``j`` times.
Three arrangements of the same arithmetic:

* ``N`` and ``D`` are evaluated from their even and odd parts, ``N = V + U``,
  ``D = V - U`` (the coefficients of ``D`` are those of ``N`` with alternating
  sign), with ``⌊q/2⌋ + 2`` matrix products instead of ``q`` (as in Higham
  2005).
* The squaring phase carries ``G = F - I`` (``F = I + G`` with ``G = 2 D⁻¹ U``,
  and ``F² - I = 2G + G²``) rather than ``F``. After scaling, the slow rates
  (1e-3 /h beside lesion rates of up to ~700 /h) are tiny entries of ``A``, and
  ``1 + a`` would round them away before ``j`` squarings amplify the error:
  against 40-digit references for ``||K t||∞`` up to 1e6, carrying ``F`` is
  off by up to 3e-11, carrying ``G`` by 2e-16.
* Only ``x = F^(2^j) x0`` is needed, not the whole matrix: the last ``k =
  min(j, 3)`` squarings (``k m³`` flops) are replaced by ``2^k`` products
  ``x ← x + G x`` (``2^k m²`` flops; ``k = 3`` saves the most for ``m = 5``).

Successive times are reached by propagation, ``x(t_i) = expm(K (t_i - t_{i-1}))
x(t_{i-1})`` over the sorted times; when the next increment is the same (an
evenly spaced grid), the full ``expm(K Δt) - I`` is kept and reused, so a grid
of ``n_t`` equal steps costs one exponential and ``n_t`` matrix-vector
products. Results therefore depend on the other requested times, at the
rounding level only. ``expm(K Δt)`` is sub-stochastic for a compartment model
(columns of ``K`` sum to ``<= 0``), so propagation does not amplify errors.

Numba is optional: :data:`AVAILABLE` (from :mod:`rairlab._numba`) is False
without it or with ``RAIRLAB_NO_NUMBA=1``, and the callers use their NumPy path.

References
----------
Golub GH, Van Loan CF (2013) Matrix Computations, 4th ed., section 9.3,
Algorithm 9.3.1 (scaling and squaring with Padé approximation). Johns Hopkins
University Press. ISBN 978-1-4214-0794-4.
Higham NJ (2005) The scaling and squaring method for the matrix exponential
revisited. SIAM J Matrix Anal Appl 26:1179-1193. doi:10.1137/04061101X
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._numba import AVAILABLE

__all__ = [
    "AVAILABLE",
    "DELTA",
    "fractions",
    "pade_coefficients",
    "pade_degree",
    "residence_times",
]

#: Tolerance ``δ`` of Algorithm 9.3.1: the unit roundoff of IEEE double precision.
DELTA = 2.0**-53
#: Compartments: the kernels are compiled for ``(n, 5, 5)`` transfer matrices.
_M = 5
#: Squarings replaced by ``2^k`` matrix-vector products when only ``F^(2^j) x`` is needed.
_VECTOR_SQUARINGS = 3


def pade_degree(delta: float = DELTA) -> int:
    """The smallest ``q >= 0`` with ``ε(q, q) <= delta`` (Golub & Van Loan, Alg. 9.3.1).

    ``ε(p, q) = 2^(3-(p+q)) p! q! / ((p+q)! (p+q+1)!)`` bounds the relative
    backward error of the ``(p, q)`` Padé approximant of ``e^A`` for
    ``||A||∞ <= 1/2``.
    """
    q = 0
    while (
        2.0 ** (3 - 2 * q)
        * math.factorial(q) ** 2
        / (math.factorial(2 * q) * math.factorial(2 * q + 1))
        > delta
    ):
        q += 1
    return q


def pade_coefficients(q: int) -> NDArray[np.float64]:
    """Coefficients ``c_0..c_q`` of ``N(A) = Σ c_k A^k``; ``D(A) = Σ (-1)^k c_k A^k``.

    ``c_0 = 1``, ``c_k = c_{k-1} (q - k + 1) / ((2q - k + 1) k)`` (Alg. 9.3.1).
    """
    c = np.ones(q + 1)
    for k in range(1, q + 1):
        c[k] = c[k - 1] * (q - k + 1) / ((2 * q - k + 1) * k)
    return c


_C = pade_coefficients(pade_degree())


def _plan(
    t: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_]]:
    """Propagation plan over the sorted times: output slots, increments, keep flags.

    ``keep[i]`` is True when increment ``i + 1`` equals increment ``i`` (the full
    ``expm(K Δt)`` is then kept for reuse).
    """
    order = np.argsort(t, kind="stable").astype(np.int64)
    dts = np.diff(t[order], prepend=0.0)
    keep = np.zeros(t.size, dtype=np.bool_)
    keep[:-1] = (dts[1:] == dts[:-1]) & (dts[:-1] > 0)
    return order, dts, keep


def _checked(rates: NDArray[np.float64]) -> NDArray[np.float64]:
    k = np.ascontiguousarray(rates, dtype=np.float64)
    if k.ndim != 3 or k.shape[1:] != (_M, _M):
        raise ValueError(f"transfer matrices of shape (n, {_M}, {_M}) expected, got {k.shape}")
    return k


def fractions(rates: NDArray[np.float64], t: ArrayLike) -> NDArray[np.float64]:
    """``expm(rates[p] t_i)[:, 0]`` for every patient and time, shape ``(n, n_t, 5)``.

    `rates` of shape ``(n, 5, 5)`` must be finite, `t` finite and ``>= 0``.
    """
    k = _checked(rates)
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    n = k.shape[0]
    out = np.empty((n, t.size, _M))
    if n and t.size:
        order, dts, keep = _plan(t)
        _fractions(k, order, dts, keep, _C, _VECTOR_SQUARINGS, out)
    return out


def residence_times(rates: NDArray[np.float64], lam: float) -> NDArray[np.float64]:
    """``τ_p`` with ``(lam I - rates[p]) τ_p = e0``, shape ``(n, 5)``.

    Raises
    ------
    numpy.linalg.LinAlgError
        If a matrix ``lam I - rates[p]`` is singular (as :func:`numpy.linalg.solve`).
    """
    k = _checked(rates)
    out = np.empty((k.shape[0], _M))
    if k.shape[0] and _residence(k, float(lam), out) >= 0:
        raise np.linalg.LinAlgError("Singular matrix")
    return out


if AVAILABLE:  # pragma: no branch
    import numba

    # The work matrices are slots of one (8, M, M) array W, addressed by constant
    # index in helpers that are inlined: no array views, no reference counting in
    # the loops. Fused multiply-add is allowed ("contract"); nothing else of fastmath.
    _A, _A2, _P, _T, _V, _U, _D, _G = range(8)
    _FM = {"contract"}
    _jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
    _jiti = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM, inline="always")

    @_jiti
    def _matmul(W, a, b, out):
        """W[out] = W[a] @ W[b]; out must differ from a and b."""
        for i in range(_M):
            for k in range(_M):
                acc = 0.0
                for r in range(_M):
                    acc += W[a, i, r] * W[b, r, k]
                W[out, i, k] = acc

    @_jiti
    def _lu(W, a, piv):
        """LU factors of W[a] with partial pivoting, in place; False if a pivot is 0."""
        for c in range(_M):
            r = c
            big = abs(W[a, c, c])
            for i in range(c + 1, _M):
                if abs(W[a, i, c]) > big:
                    big = abs(W[a, i, c])
                    r = i
            piv[c] = r
            if big == 0.0:
                return False
            if r != c:
                for k in range(_M):
                    tmp = W[a, c, k]
                    W[a, c, k] = W[a, r, k]
                    W[a, r, k] = tmp
            inv = 1.0 / W[a, c, c]
            for i in range(c + 1, _M):
                f = W[a, i, c] * inv
                W[a, i, c] = f
                for k in range(c + 1, _M):
                    W[a, i, k] -= f * W[a, c, k]
        return True

    @_jiti
    def _lu_solve(W, lu, piv, b, r):
        """Solve (LU) X = B for the first r columns of W[b], in place (factors of _lu)."""
        for c in range(_M):
            p = piv[c]
            if p != c:
                for k in range(r):
                    tmp = W[b, c, k]
                    W[b, c, k] = W[b, p, k]
                    W[b, p, k] = tmp
            for i in range(c + 1, _M):
                f = W[lu, i, c]
                for k in range(r):
                    W[b, i, k] -= f * W[b, c, k]
        for c in range(_M - 1, -1, -1):
            inv = 1.0 / W[lu, c, c]
            for k in range(r):
                W[b, c, k] *= inv
            for i in range(c):
                f = W[lu, i, c]
                for k in range(r):
                    W[b, i, k] -= f * W[b, c, k]

    @_jiti
    def _expm_minus_identity(K, norm, dt, c, squarings_left, W, piv):
        """W[_G] = expm(K dt / 2^k) - I (Alg. 9.3.1 with F = I + G); returns k.

        ``norm`` = ||K||∞. The last ``k = min(j, squarings_left)`` squarings are
        left to the caller (matrix-vector products). W: (8, M, M) work; piv (M,).
        """
        s = norm * dt
        if not math.isfinite(s):
            W[_G, :, :] = np.nan  # overflow of K dt: NaN, not a wrong answer
            return 0
        # scaling exponent j: the smallest j >= 0 with ||K dt||∞ / 2^j <= 1/2
        j = 0
        while s > 0.5:
            s *= 0.5
            j += 1
        scale = math.ldexp(dt, -j)  # exact: K dt / 2^j rounds like K dt
        for i in range(_M):
            for k in range(_M):
                W[_A, i, k] = K[i, k] * scale
        q = c.shape[0] - 1
        # N = V + U and D = V - U: even part V = Σ c_2i A^2i, odd part U = A T with
        # T = Σ c_2i+1 A^2i; P runs over the even powers of A.
        _matmul(W, _A, _A, _A2)
        for i in range(_M):
            for k in range(_M):
                W[_P, i, k] = 1.0 if i == k else 0.0
                W[_V, i, k] = 0.0
                W[_T, i, k] = 0.0
        for e in range(0, q + 1, 2):
            ce = c[e]
            co = c[e + 1] if e + 1 <= q else 0.0
            for i in range(_M):
                for k in range(_M):
                    W[_V, i, k] += ce * W[_P, i, k]
                    W[_T, i, k] += co * W[_P, i, k]
            if e + 2 <= q:
                _matmul(W, _P, _A2, _D)
                W[_P, :, :] = W[_D, :, :]
        _matmul(W, _A, _T, _U)
        for i in range(_M):
            for k in range(_M):
                W[_D, i, k] = W[_V, i, k] - W[_U, i, k]
                W[_G, i, k] = 2.0 * W[_U, i, k]  # N - D
        # F = D⁻¹ N = I + D⁻¹ (N - D), so G = F - I
        if not _lu(W, _D, piv):  # not for ||A||∞ <= 1/2 (D ≈ I - A/2); NaN, not a wrong answer
            W[_G, :, :] = np.nan
            return 0
        _lu_solve(W, _D, piv, _G, _M)
        kv = min(j, squarings_left)
        for _ in range(j - kv):  # F ← F², i.e. G ← 2G + G²
            _matmul(W, _G, _G, _T)
            for i in range(_M):
                for k in range(_M):
                    W[_G, i, k] = 2.0 * W[_G, i, k] + W[_T, i, k]
        return kv

    @_jiti
    def _step(W, x, y):
        """x ← x + W[_G] x (y: work)."""
        for i in range(_M):
            acc = 0.0
            for k in range(_M):
                acc += W[_G, i, k] * x[k]
            y[i] = acc
        for i in range(_M):
            x[i] += y[i]

    @_jit
    def _fractions(rates, order, dts, keep, c, squarings_left, out):
        """out[p, order[i]] = expm(rates[p] t_i) e0, propagated over increments dts."""
        W = np.empty((8, _M, _M))
        piv = np.empty(_M, dtype=np.int64)
        x = np.empty(_M)
        y = np.empty(_M)
        for p in range(rates.shape[0]):
            norm = 0.0
            for i in range(_M):
                row = 0.0
                for k in range(_M):
                    row += abs(rates[p, i, k])
                norm = max(norm, row)
            for i in range(_M):
                x[i] = 0.0
            x[0] = 1.0
            kept = False  # W[_G] holds expm(K dts[i-1]) - I
            for i in range(order.shape[0]):
                dt = dts[i]
                if dt > 0.0:
                    if kept and dt == dts[i - 1]:
                        _step(W, x, y)
                    else:
                        left = 0 if keep[i] else squarings_left
                        kv = _expm_minus_identity(rates[p], norm, dt, c, left, W, piv)
                        kept = keep[i]
                        for _ in range(1 << kv):
                            _step(W, x, y)
                for k in range(_M):
                    out[p, order[i], k] = x[k]

    @_jit
    def _residence(rates, lam, out):
        """out[p] = (lam I - rates[p])⁻¹ e0; returns the first singular patient, or -1."""
        W = np.zeros((2, _M, _M))  # the matrix, and e0 in column 0 of slot 1
        piv = np.empty(_M, dtype=np.int64)
        for p in range(rates.shape[0]):
            for i in range(_M):
                for k in range(_M):
                    W[0, i, k] = -rates[p, i, k]
                W[0, i, i] += lam
                W[1, i, 0] = 0.0
            W[1, 0, 0] = 1.0
            if not _lu(W, 0, piv):
                return p
            _lu_solve(W, 0, piv, 1, 1)
            for i in range(_M):
                out[p, i] = W[1, i, 0]
        return -1
