"""Proportions with confidence intervals: Wilson score for one arm, Newcombe for differences.

References
----------
Wilson EB. Probable inference, the law of succession, and statistical inference.
J Am Stat Assoc 1927;22:209-212. doi:10.1080/01621459.1927.10502953
Newcombe RG. Interval estimation for the difference between independent proportions:
comparison of eleven methods. Stat Med 1998;17:873-890 (method 10).
doi:10.1002/(SICI)1097-0258(19980430)17:8<873::AID-SIM779>3.0.CO;2-I
Newcombe RG. Improved confidence intervals for the difference between binomial
proportions based on paired data. Stat Med 1998;17:2635-2650 (method 10).
doi:10.1002/(SICI)1097-0258(19981130)17:22<2635::AID-SIM954>3.0.CO;2-C
"""

from __future__ import annotations

import math

__all__ = ["Z95", "newcombe_independent", "newcombe_paired", "wilson"]

#: Standard normal quantile for a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of the proportion k/n.

    Examples
    --------
    >>> lo, hi = wilson(5, 20)
    >>> round(lo, 4), round(hi, 4)
    (0.1119, 0.4687)
    >>> wilson(0, 0)
    (0.0, 1.0)
    """
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # at k = 0 (k = n) the lower (upper) limit is exactly 0 (1); say so, not round-off
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)


def newcombe_independent(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """95% interval of p1 - p2 for independent samples (Newcombe's hybrid score, method 10).

    Examples
    --------
    >>> lo, hi = newcombe_independent(56, 70, 48, 80)  # Newcombe 1998, example (a)
    >>> round(lo, 4), round(hi, 4)
    (0.0524, 0.3339)
    """
    p1, p2 = (k1 / n1 if n1 else 0.0), (k2 / n2 if n2 else 0.0)
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def newcombe_paired(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """95% interval of p1 - p2 for paired binary data (Newcombe 1998b, method 10).

    `a`: both yes; `b`: first yes only; `c`: second yes only; `d`: neither.

    Examples
    --------
    >>> lo, hi = newcombe_paired(36, 12, 2, 0)  # Newcombe 1998b, example (a)
    >>> round(lo, 4), round(hi, 4)
    (0.0569, 0.3404)
    """
    n = a + b + c + d
    if n == 0:
        return (-1.0, 1.0)
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n)
    l2, u2 = wilson(a + c, n)
    den = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(den) if den > 0 else 0.0
    theta = (b - c) / n
    delta = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    eps = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return (max(-1.0, theta - delta), min(1.0, theta + eps))
