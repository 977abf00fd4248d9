"""FDG avidity of a lesion from the network's GLUT1 (SLC2A1) marker and the lesion size.

The apparent FDG signal of a lesion is taken proportional to its GLUT1 activity
g (network output ``SLC2A1``, 0..1) times the partial-volume recovery of a
sphere of its mass on F-18 PET, and the lesion is called FDG-avid when

    g · RC(m, FWHM_FDG) ≥ g_min.

Both FWHM_FDG and g_min are marked assumptions in
``observation/data/assumptions/fdg.yaml``. The inverse relation between FDG and
radioiodine avidity ("flip-flop", Feine et al. 1996) is *not* built in: it is
a calibration target that the network's NIS and GLUT1 outputs should reproduce.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError
from rairlab.observation._data import table
from rairlab.observation._recovery import recovery_coefficient

__all__ = ["fdg_avid"]


def fdg_avid(
    glut1_activity: ArrayLike,
    mass_g: ArrayLike,
    *,
    threshold: float | None = None,
    fwhm_mm: float | None = None,
) -> NDArray[np.bool_]:
    """Whether each lesion is FDG-avid on PET.

    Parameters
    ----------
    glut1_activity
        GLUT1 activity (network output ``SLC2A1``, 0..1), shape ``(n_patients,)``
        (one per patient) or ``(n_patients, n_lesions)``.
    mass_g
        Lesion masses (g), e.g. ``(n_patients, n_lesions)``; NaN marks an absent
        lesion (never avid).
    threshold
        Minimum apparent GLUT1 activity; default the assumption
        ``fdg_avid_min_apparent_glut1`` (0.5).
    fwhm_mm
        F-18 PET resolution; default the assumption ``fdg_pet_fwhm_mm`` (5 mm).

    Returns
    -------
    numpy.ndarray of bool
        The broadcast shape of the inputs.

    Raises
    ------
    InvalidValueError
        GLUT1 activity outside [0, 1], bad masses, a threshold outside (0, 1].

    References
    ----------
    Feine U, Lietzenmayer R, Hanke JP, Held J, Wöhrle H, Müller-Schauenburg W.
    Fluorine-18-FDG and iodine-131-iodide uptake in thyroid cancer.
    J Nucl Med 1996;37:1468-1472 (the inverse FDG/iodine "flip-flop").

    Examples
    --------
    >>> fdg_avid([[0.9, 0.9, 0.2]], [[10.0, 0.01, 10.0]]).tolist()
    [[True, False, False]]
    """
    g = np.asarray(glut1_activity, dtype=float)
    if np.any(~np.isfinite(g)) or np.any((g < 0) | (g > 1)):
        raise InvalidValueError("glut1_activity", glut1_activity, "activities in [0, 1]")
    m = np.asarray(mass_g, dtype=float)
    if g.ndim == 1 and m.ndim == 2:
        g = g[:, None]
    t = table("fdg")
    g_min = t.value("fdg_avid_min_apparent_glut1") if threshold is None else float(threshold)
    if not 0 < g_min <= 1:
        raise InvalidValueError("threshold", threshold, "a GLUT1 activity in (0, 1]")
    fwhm = t.value("fdg_pet_fwhm_mm") if fwhm_mm is None else float(fwhm_mm)
    rc = recovery_coefficient(m, fwhm)
    with np.errstate(invalid="ignore"):
        return np.asarray(g * rc >= g_min)
