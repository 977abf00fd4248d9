"""A linear compartment model of iodide in a patient with a NIS-expressing lesion.

Compartments (amounts as fractions of the administered iodide):

====  ==================  =================================================
 0    ``blood``           inorganic iodide in blood and extracellular fluid
 1    ``lesion_iodide``   iodide trapped in lesion cells (not yet organified)
 2    ``lesion_organic``  organified iodine in the lesion
 3    ``thyroid``         thyroid remnant (organified), optional
 4    ``body_organic``    extrathyroidal organic iodine (hormone turnover)
====  ==================  =================================================

Transfers (1/h): blood → urine ``(1 - f_T) λ_B ρ_TSH``; blood → thyroid
``f_T λ_B q ς_TSH``; blood → lesion ``k_in = r · c_N · m``; lesion iodide →
blood ``k_eff``; lesion iodide → organified ``k_eff f_org / (1 - f_org)``
(so that a fraction ``f_org`` of trapped iodide is organified); organified →
blood ``k_rel``; thyroid → body organic; body organic → blood / faeces. Body
values (``λ_B``, ``f_T``, thyroid and organic half-times, faecal fraction) are
the ICRP-78 iodine model (``biokinetics/data/icrp78/``).

The lesion uptake scale ``c_N = f_T λ_B / m_T`` is the iodide clearance per
gram of normal thyroid: the ICRP-78 blood → thyroid transfer spread over the
ICRP-89 reference thyroid mass ``m_T`` (``data/derived/``). ``r`` is the
lesion's iodide transport activity relative to a normal, TSH-stimulated
thyrocyte (the network's ``iodide_uptake`` divided by that of a wild-type cell
after withdrawal), so TSH and transport blockers reach the lesion only through
``r``. The TSH state here scales only what the cell model does not hold: renal
clearance ``ρ_TSH`` and the uptake of a normal-thyroid remnant ``ς_TSH``
(``q`` = remnant fraction); these and the lesion efflux and release are
assumptions to be calibrated (``data/assumptions/``).

The system ``dx/dt = K x`` is linear, so it is solved exactly, batched over
patients: ``x(t) = expm(K t) x(0)``, and the time integral of the decaying
activity is ``∫ x(t) e^{-λ_p t} dt = (λ_p I - K)⁻¹ x(0)``. Physical decay is
the same for every iodine isotope, so one biological solution serves any
nuclide (astatide is assumed to follow iodide, as NIS transports both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from rairlab._cited import load_cited
from rairlab.errors import InvalidValueError, UnknownNameError

__all__ = ["COMPARTMENTS", "TSH_STATES", "IodideModel", "TimeActivity", "iodide_model"]

COMPARTMENTS = ("blood", "lesion_iodide", "lesion_organic", "thyroid", "body_organic")
TSH_STATES = ("withdrawal", "rhtsh", "suppressed")
_PKG = "rairlab.biokinetics"
_BODY = "data/icrp78/iodine_systemic.yaml"
_LESION = "data/assumptions/lesion_iodide.yaml"
_SCALE = "data/derived/normal_thyroid_clearance.yaml"
#: Accepted range of the relative uptake activity ``r``. A lesion can exceed a
#: normal thyrocyte a little (a network output above the reference, e.g. with a
#: drug that raises NIS beyond its stimulated level); far above 1 is not a cell.
UPTAKE_ACTIVITY_RANGE = (0.0, 5.0)
LN2 = float(np.log(2.0))


class HasHalfLife(Protocol):
    """Anything with a physical half-life in hours (e.g. a dosimetry ``Nuclide``)."""

    @property
    def half_life_h(self) -> float: ...


def _half_life(nuclide: HasHalfLife | float) -> float:
    hl = float(nuclide if isinstance(nuclide, int | float) else nuclide.half_life_h)
    if not hl > 0:
        raise InvalidValueError("half_life_h", hl, "a physical half-life > 0 h")
    return hl


@dataclass(frozen=True)
class TimeActivity:
    """Activities of a cohort over time for one nuclide and administered activity.

    Attributes
    ----------
    times_h
        Sampling times (h), shape ``(n_times,)``.
    lesion_mbq
        Lesion activity (iodide + organified), shape ``(n_patients, n_times)``.
    whole_body_mbq
        Activity retained in the body (all compartments), same shape.
    blood_mbq_per_ml
        Blood activity concentration (MBq/mL), same shape.
    """

    times_h: NDArray[np.float64]
    lesion_mbq: NDArray[np.float64]
    whole_body_mbq: NDArray[np.float64]
    blood_mbq_per_ml: NDArray[np.float64]


@dataclass(frozen=True)
class IodideModel:
    """Transfer matrices of a cohort, ``rates`` of shape ``(n_patients, 5, 5)`` (1/h).

    ``rates[p, i, j]`` is the rate from compartment ``j`` into ``i``; the
    diagonal holds minus the total outflow. Build it with :func:`iodide_model`.
    """

    rates: NDArray[np.float64]
    distribution_volume_ml: float

    @property
    def n_patients(self) -> int:
        """Number of patients in the cohort."""
        return int(self.rates.shape[0])

    def fractions(self, times_h: ArrayLike) -> NDArray[np.float64]:
        """Biological fractions of the administered iodide, shape ``(n_patients, n_times, 5)``.

        No physical decay: multiply by ``exp(-λ_p t)`` for a nuclide. Solved by
        scaling and squaring, compiled (:mod:`._kernels`; round-off accurate,
        ~1e-16), or without Numba by eigen-decomposition, whose error grows
        with ``||K t||∞`` (up to ~4e-11 at 1e6: organification 0.999, 2000 h).
        """
        t = np.asarray(times_h, dtype=float).reshape(-1)
        if np.any(t < 0) or not np.all(np.isfinite(t)):
            raise InvalidValueError("times_h", times_h, "finite times >= 0 h")
        from rairlab.biokinetics import _kernels  # imports Numba, when installed

        if _kernels.AVAILABLE and _compiled_ok(self.rates):
            return _kernels.fractions(self.rates, t)
        return _fractions_numpy(self.rates, t)

    def time_activity(
        self, times_h: ArrayLike, administered_mbq: ArrayLike, nuclide: HasHalfLife | float
    ) -> TimeActivity:
        """Lesion, whole-body and blood activity for `administered_mbq` of `nuclide`.

        Parameters
        ----------
        times_h
            Times after administration (h).
        administered_mbq
            Administered activity (MBq), scalar or shape ``(n_patients,)``.
        nuclide
            A physical half-life (h) or an object with ``half_life_h``.
        """
        t = np.asarray(times_h, dtype=float).reshape(-1)
        a0 = np.broadcast_to(np.asarray(administered_mbq, dtype=float), (self.n_patients,))
        decay = np.exp(-LN2 / _half_life(nuclide) * t)
        x = self.fractions(t) * (a0[:, None, None] * decay[None, :, None])
        return TimeActivity(
            times_h=t,
            lesion_mbq=x[..., 1] + x[..., 2],
            whole_body_mbq=x.sum(axis=-1),
            blood_mbq_per_ml=x[..., 0] / self.distribution_volume_ml,
        )

    def residence_times(self, nuclide: HasHalfLife | float) -> dict[str, NDArray[np.float64]]:
        """Time-integrated activity per unit administered activity (h), exactly.

        Returns a dict with ``lesion``, ``whole_body``, ``blood_per_ml`` (h/mL)
        and one entry per compartment, each of shape ``(n_patients,)``.
        """
        lam = LN2 / _half_life(nuclide)
        from rairlab.biokinetics import _kernels  # imports Numba, when installed

        tau: NDArray[np.float64]
        if _kernels.AVAILABLE and _compiled_ok(self.rates):
            tau = _kernels.residence_times(self.rates, lam)
        else:
            tau = _residence_numpy(self.rates, lam)
        out: dict[str, NDArray[np.float64]] = {n: tau[:, i] for i, n in enumerate(COMPARTMENTS)}
        out["lesion"] = tau[:, 1] + tau[:, 2]
        out["whole_body"] = tau.sum(axis=1)
        out["blood_per_ml"] = tau[:, 0] / self.distribution_volume_ml
        return out


def _compiled_ok(rates: NDArray[np.float64]) -> bool:
    """Whether the kernels take `rates`: finite, shape ``(n, 5, 5)``, real.

    Anything else goes to the NumPy path, so that its errors are kept.
    """
    r = np.asarray(rates)
    m = len(COMPARTMENTS)
    return (
        r.ndim == 3
        and r.shape[1:] == (m, m)
        and np.issubdtype(r.dtype, np.floating)
        and bool(np.all(np.isfinite(r)))
    )


def _fractions_numpy(rates: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    """The NumPy path of :meth:`IodideModel.fractions` (without Numba)."""
    # Eigen-decomposition, batched: x(t) = V exp(W t) V⁻¹ x(0). Patients whose
    # eigenvectors are (nearly) degenerate are solved with expm instead.
    w, v = np.linalg.eig(rates)
    x0 = np.zeros((*v.shape[:-1], 1))
    x0[:, 0, 0] = 1.0
    coef = np.linalg.solve(v, x0)
    x = np.einsum("pij,pj,ptj->pti", v, coef[..., 0], np.exp(w[:, None, :] * t[None, :, None]))
    out = np.asarray(x.real)
    bad = np.linalg.cond(v) > 1e8
    if np.any(bad):
        kt = rates[bad][:, None, :, :] * t[None, :, None, None]
        out[bad] = scipy.linalg.expm(kt)[..., :, 0]
    return out


def _residence_numpy(rates: NDArray[np.float64], lam: float) -> NDArray[np.float64]:
    """The NumPy path of :meth:`IodideModel.residence_times`: ``(λI - K)⁻¹ e0``."""
    m = len(COMPARTMENTS)
    a = lam * np.eye(m) - rates
    x0 = np.zeros((rates.shape[0], m, 1))
    x0[:, 0, 0] = 1.0
    return np.asarray(np.linalg.solve(a, x0)[..., 0], dtype=float)


def _as_cohort(
    name: str, value: ArrayLike, lo: float, hi: float, meaning: str = ""
) -> NDArray[np.float64]:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr > hi):
        accepted = f"{meaning}numbers in [{lo:g}, {hi:g}], shape (n_patients,)"
        raise InvalidValueError(name, value, accepted)
    return arr


def iodide_model(
    uptake_activity: ArrayLike,
    mass_g: ArrayLike,
    tsh_state: str | list[str] = "withdrawal",
    organification_fraction: ArrayLike = 0.5,
    remnant_fraction: ArrayLike = 0.0,
    renal_clearance_scale: ArrayLike = 1.0,
) -> IodideModel:
    """Build the iodide model of a cohort of patients, each with one lesion.

    Parameters
    ----------
    uptake_activity
        Iodide transport activity of the lesion's cells relative to a normal
        thyrocyte under TSH stimulation (``r``; 1 = normal thyroid tissue,
        0 = no uptake), in ``[0, 5]``, shape ``(n_patients,)`` or scalar.
        From the network: its ``iodide_uptake`` output (NIS at the membrane
        times transport, so blockers such as perchlorate count) divided by
        that of a wild-type cell under withdrawal TSH without drugs. The
        network already lowers it under TSH suppression; do not scale it
        again for TSH. Lesion influx is ``r`` times the iodide clearance per
        gram of normal thyroid (ICRP-78/89, about 1.7e-3 /h per g).
    mass_g
        Lesion mass (g).
    tsh_state
        ``"withdrawal"``, ``"rhtsh"`` or ``"suppressed"``, one for all or one
        per patient. Acts on renal clearance and on a thyroid remnant only.
    organification_fraction
        Fraction of trapped iodide that is organified and retained, 0..0.999.
    remnant_fraction
        Thyroid remnant as a fraction of a normal, TSH-stimulated thyroid's
        iodide uptake (0 after total thyroidectomy with complete ablation).
    renal_clearance_scale
        Per-patient multiplier of the renal iodide clearance (e.g. a patient's
        glomerular filtration relative to the reference adult), in ``(0, 10]``.

    Returns
    -------
    IodideModel
        Transfer matrices of shape ``(n_patients, 5, 5)``.

    References
    ----------
    ICRP Publication 78 (1997), iodine systemic model. ICRP Publication 89
    (2002), reference thyroid mass. Leggett RW, Radiat Res 2010;174:496-516,
    doi:10.1667/RR2243.1 (physiological refinement).

    Examples
    --------
    >>> m = iodide_model([0.0, 1.0], mass_g=2.0)
    >>> tau = m.residence_times(192.6)  # I-131 half-life in h
    >>> bool(tau["lesion"][0] == 0.0), bool(tau["lesion"][1] > 0.0)
    (True, True)
    """
    body = load_cited(_PKG, _BODY)
    les = load_cited(_PKG, _LESION)
    uptake = _as_cohort(
        "uptake_activity",
        uptake_activity,
        *UPTAKE_ACTIVITY_RANGE,
        meaning="iodide uptake relative to a normal thyrocyte (1 = normal thyroid): ",
    )
    mass = _as_cohort("mass_g", mass_g, 0.0, np.inf)
    f_org = _as_cohort("organification_fraction", organification_fraction, 0.0, 0.999)
    remnant = _as_cohort("remnant_fraction", remnant_fraction, 0.0, 1.0)
    renal_scale = _as_cohort("renal_clearance_scale", renal_clearance_scale, 1e-6, 10.0)
    # One look-up per distinct state, not per patient.
    names, which = np.unique(np.atleast_1d(np.asarray(tsh_state, dtype=str)), return_inverse=True)
    for s in names:
        if s not in TSH_STATES:
            raise UnknownNameError("TSH state", str(s), TSH_STATES)
    stim = np.array([les.value(f"remnant_uptake_factor_{s}") for s in names])[which.reshape(-1)]
    renal = np.array([les.value(f"renal_clearance_factor_{s}") for s in names])[which.reshape(-1)]
    shapes = {
        "uptake_activity": uptake.shape,
        "mass_g": mass.shape,
        "organification_fraction": f_org.shape,
        "remnant_fraction": remnant.shape,
        "tsh_state": renal.shape,
        "renal_clearance_scale": renal_scale.shape,
    }
    try:
        n = int(np.broadcast_shapes(*shapes.values())[0])
    except ValueError:
        given = ", ".join(f"{k} {v[0]}" for k, v in shapes.items())
        raise InvalidValueError(
            "cohort sizes", given, "one value for all patients or one per patient (equal lengths)"
        ) from None
    uptake, mass, f_org, remnant, stim, renal = (
        np.broadcast_to(a, (n,)) for a in (uptake, mass, f_org, remnant, stim, renal * renal_scale)
    )

    lam_b = LN2 / body.value("blood_iodide_half_time")
    f_thy = body.value("thyroid_uptake_fraction")
    k_thy_out = LN2 / body.value("thyroid_organic_half_time")
    k_org_out = LN2 / body.value("body_organic_half_time")
    f_faeces = body.value("body_organic_faecal_fraction")
    k_eff = LN2 / les.value("lesion_iodide_efflux_half_time")
    k_rel = LN2 / les.value("organified_release_half_time")

    k_urine = (1.0 - f_thy) * lam_b * renal
    k_to_thy = f_thy * lam_b * remnant * stim
    k_in = load_cited(_PKG, _SCALE).value("normal_thyroid_clearance_per_g") * uptake * mass
    k_bind = k_eff * f_org / (1.0 - f_org)

    r = np.zeros((n, 5, 5))
    r[:, 1, 0] = k_in
    r[:, 3, 0] = k_to_thy
    r[:, 0, 0] = -(k_urine + k_to_thy + k_in)
    r[:, 0, 1] = k_eff
    r[:, 2, 1] = k_bind
    r[:, 1, 1] = -(k_eff + k_bind)
    r[:, 0, 2] = k_rel
    r[:, 2, 2] = -k_rel
    r[:, 4, 3] = k_thy_out
    r[:, 3, 3] = -k_thy_out
    r[:, 0, 4] = (1.0 - f_faeces) * k_org_out
    r[:, 4, 4] = -k_org_out
    return IodideModel(rates=r, distribution_volume_ml=les.value("iodide_distribution_volume"))
