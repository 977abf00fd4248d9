"""Alpha emitters (At-211): RBE-weighted dose and its BED.

Densely ionizing alpha tracks cause damage that is neither repaired between
tracks nor dose-rate dependent in the LQ sense, so the BED of an alpha dose is
taken as linear: ``BED_α = RBE · D`` (the quadratic, repairable term is
neglected). The RBE is a parameter; the default is the generic value of MIRD
Pamphlet 22 kept in ``radiobiology/data/parameters.yaml``, marked an
assumption because no value for At-211 in thyroid cancer exists.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import load_cited
from rairlab.errors import InvalidValueError

__all__ = ["alpha_bed", "default_rbe_alpha"]


def default_rbe_alpha() -> float:
    """The cited default RBE of alpha particles (MIRD Pamphlet 22, generic).

    Examples
    --------
    >>> default_rbe_alpha()
    5.0
    """
    return load_cited("rairlab.radiobiology", "data/parameters.yaml").value("rbe_alpha")


def alpha_bed(dose_gy: ArrayLike, rbe: ArrayLike | None = None) -> NDArray[np.float64]:
    """BED of an alpha-particle absorbed dose, ``RBE · D`` (Gy, low-LET equivalent).

    Parameters
    ----------
    dose_gy
        Alpha absorbed dose (Gy).
    rbe
        Relative biological effectiveness; default :func:`default_rbe_alpha`.

    References
    ----------
    Sgouros G et al. MIRD Pamphlet No. 22. J Nucl Med 2010;51:311-328.
    doi:10.2967/jnumed.108.058651

    Examples
    --------
    >>> float(alpha_bed(2.0, rbe=5.0))
    10.0
    """
    d = np.asarray(dose_gy, dtype=float)
    r = np.asarray(default_rbe_alpha() if rbe is None else rbe, dtype=float)
    if np.any(d < 0) or np.any(r <= 0):
        raise InvalidValueError("rbe", rbe, "dose >= 0 Gy and RBE > 0")
    return np.asarray(r * d)
