"""Poisson tumour control probability, optionally averaged over a spread of radiosensitivity.

Surviving clonogens after a biologically effective dose follow a Poisson law
with mean ``N exp(-α BED)``, so ``TCP = exp(-N exp(-α BED))``. With α varying
between patients as a normal distribution (mean ᾱ, sd σ; quadrature nodes
below 0 are set to α = 0, i.e. clipped, not renormalised), the population TCP
is the average of that expression over α, computed here by Gauss–Hermite
quadrature (deterministic, vectorized).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import load_cited
from rairlab.errors import InvalidValueError

__all__ = ["clonogen_number", "tcp_poisson"]

_N_QUADRATURE = 48


def clonogen_number(
    mass_g: ArrayLike, density_per_g: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Number of clonogens in a lesion of `mass_g` grams.

    Parameters
    ----------
    mass_g
        Lesion mass (g).
    density_per_g
        Clonogens per gram; default the cited assumption ``clonogen_density``
        of ``radiobiology/data/parameters.yaml`` (1e7 per g).

    Examples
    --------
    >>> float(clonogen_number(2.0))
    20000000.0
    """
    m = np.asarray(mass_g, dtype=float)
    if np.any(m <= 0):
        raise InvalidValueError("mass_g", mass_g, "masses > 0 g")
    if density_per_g is None:
        density_per_g = load_cited("rairlab.radiobiology", "data/parameters.yaml").value(
            "clonogen_density"
        )
    return np.asarray(m * np.asarray(density_per_g, dtype=float))


def tcp_poisson(
    bed_gy: ArrayLike,
    alpha_per_gy: ArrayLike,
    clonogens: ArrayLike,
    alpha_sd_per_gy: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Poisson tumour control probability for a biologically effective dose.

    Parameters
    ----------
    bed_gy
        Biologically effective dose (Gy), e.g. shape ``(n_patients,)``.
    alpha_per_gy
        Mean radiosensitivity α (1/Gy).
    clonogens
        Number of clonogens N.
    alpha_sd_per_gy
        Standard deviation of α across the population (1/Gy); 0 gives the
        individual TCP.

    Returns
    -------
    numpy.ndarray
        TCP in [0, 1], broadcast shape of the inputs.

    References
    ----------
    Webb S, Nahum AE. Phys Med Biol 1993;38:653-666. doi:10.1088/0031-9155/38/6/001

    Examples
    --------
    >>> round(float(tcp_poisson(np.log(1e7) / 0.3, 0.3, 1e7)), 12)  # one survivor expected
    0.367879441171
    """
    bed = np.asarray(bed_gy, dtype=float)
    alpha = np.asarray(alpha_per_gy, dtype=float)
    n = np.asarray(clonogens, dtype=float)
    sd = np.asarray(alpha_sd_per_gy, dtype=float)
    if np.any(bed < 0):
        raise InvalidValueError("bed_gy", bed_gy, "doses >= 0 Gy")
    if np.any(alpha < 0) or np.any(sd < 0):
        raise InvalidValueError("alpha_per_gy", alpha_per_gy, "alpha >= 0 and sd >= 0 (1/Gy)")
    if np.any(n < 0):
        raise InvalidValueError("clonogens", clonogens, "a number of clonogens >= 0")
    if not np.any(sd):  # one alpha per patient: the closed form, no quadrature
        return np.asarray(np.exp(-n * np.exp(-alpha * bed)))
    x, w = np.polynomial.hermite_e.hermegauss(_N_QUADRATURE)
    w = w / w.sum()
    a = np.maximum(alpha[..., None] + sd[..., None] * x, 0.0)
    surviving = n[..., None] * np.exp(-a * bed[..., None])
    return np.asarray(np.sum(w * np.exp(-surviving), axis=-1))
