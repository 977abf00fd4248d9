"""Nuclide decay data: half-life and mean energy emitted per decay, from ICRP-107.

A `Nuclide` summarises what dosimetry needs: the half-life, the mean energy per
decay split into a non-penetrating part (electrons, beta and alpha particles,
recoil nuclei and photons below 10 keV, deposited close to the decay) and a
penetrating part (photons of 10 keV and more), the positron yield and the
photon lines for point-kernel calculations. Daughters short-lived enough to be
in equilibrium at once (Po-211 after the EC branch of At-211) are folded into
the parent's *effective* emission, weighted by their branching fraction.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np

from rairlab.dosimetry._data import data_file, shipped, sphere_model
from rairlab.dosimetry._units import MEV_TO_J, SECONDS_PER_HOUR
from rairlab.errors import DataFileError, UnknownNameError

__all__ = ["MEV_TO_J", "Daughter", "Nuclide", "get_nuclide", "nuclide_names"]

_NUCLIDE_FILE = "icrp107/nuclides.yaml"
_HOURS_PER_UNIT = {"s": 1 / SECONDS_PER_HOUR, "m": 1 / 60, "h": 1.0, "d": 24.0, "y": 24.0 * 365.25}
_ELECTRON_TYPES = ("IE", "auger")
_ALPHA_TYPES = ("alpha",)
_LOCAL_TYPES = ("alpha recoil",)
_BETA_TYPES = ("beta-", "beta+")
_PHOTON_TYPES = ("gamma", "X", "annihilation")

Lines = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Daughter:
    """A daughter in equilibrium whose decays count in the parent's effective emission.

    Attributes
    ----------
    name
        The daughter, e.g. ``"Po-211"``.
    branching_fraction
        Daughter decays per parent decay (0.582 for At-211 → Po-211).
    half_life_h
        The daughter's half-life in hours.
    """

    name: str
    branching_fraction: float
    half_life_h: float


@dataclass(frozen=True)
class Nuclide:
    """Decay data of one nuclide (with its equilibrium daughters), as dosimetry needs it.

    Energies per decay are given both in MeV and in Gy·kg/(Bq·s) (= J per decay),
    the unit in which ``S = Δ·φ/m`` comes out in Gy/(Bq·s).

    Attributes
    ----------
    name
        Canonical name, e.g. ``"I-131"``.
    half_life_h
        Physical half-life in hours.
    delta_np_gy_kg_per_bq_s
        Mean non-penetrating energy per decay: electrons (beta, internal conversion,
        Auger), alpha particles, recoil nuclei and photons below 10 keV.
    delta_p_gy_kg_per_bq_s
        Mean penetrating energy per decay: photons of 10 keV and more (incl. annihilation).
    positron_yield
        Positrons per decay.
    photon_energies_mev, photon_yields
        Penetrating photon lines (energy, photons per decay), for point kernels.
    daughters
        Equilibrium daughters folded into the effective emission.
    source
        Citation of the decay data.
    """

    name: str
    half_life_h: float
    delta_np_gy_kg_per_bq_s: float
    delta_p_gy_kg_per_bq_s: float
    positron_yield: float
    photon_energies_mev: tuple[float, ...]
    photon_yields: tuple[float, ...]
    daughters: tuple[Daughter, ...]
    source: str
    # Non-penetrating emission broken down for the sphere model (effective, per parent decay).
    electron_lines: Lines = field(default=(), repr=False)
    alpha_lines: Lines = field(default=(), repr=False)
    beta_spectrum: Lines = field(default=(), repr=False)
    beta_mean_energy_mev: float = field(default=0.0, repr=False)
    local_energy_mev: float = field(default=0.0, repr=False)

    @property
    def decay_constant_per_h(self) -> float:
        """Physical decay constant ln 2 / T½ in 1/h."""
        return math.log(2.0) / self.half_life_h

    @property
    def decay_constant_per_s(self) -> float:
        """Physical decay constant in 1/s."""
        return self.decay_constant_per_h / SECONDS_PER_HOUR

    @property
    def delta_np_mev(self) -> float:
        """Mean non-penetrating energy per decay in MeV."""
        return self.delta_np_gy_kg_per_bq_s / MEV_TO_J

    @property
    def delta_p_mev(self) -> float:
        """Mean penetrating energy per decay in MeV."""
        return self.delta_p_gy_kg_per_bq_s / MEV_TO_J

    @property
    def delta_total_gy_kg_per_bq_s(self) -> float:
        """Total mean energy per decay (non-penetrating + penetrating) in Gy·kg/(Bq·s)."""
        return self.delta_np_gy_kg_per_bq_s + self.delta_p_gy_kg_per_bq_s

    @property
    def photon_spectrum(self) -> tuple[np.ndarray, np.ndarray]:
        """Penetrating photon lines as arrays ``(energies_mev, yields_per_decay)``."""
        return np.array(self.photon_energies_mev), np.array(self.photon_yields)


def _emissions(raw: dict[str, object], kind: str) -> np.ndarray:
    lines = raw.get(kind) or []
    arr = np.asarray(lines, dtype=float).reshape(-1, 2)
    return arr


def _lines(arr: np.ndarray) -> Lines:
    return tuple((float(e), float(y)) for e, y in arr)


@functools.cache
def _build(name: str) -> Nuclide:
    doc = shipped(_NUCLIDE_FILE)
    path = data_file(_NUCLIDE_FILE)
    try:
        entries = doc["nuclides"]
        entry = entries[name]
        citation = str(doc["citation"])
    except (KeyError, TypeError) as exc:
        raise DataFileError(path, f"no usable entry for {name!r}") from exc
    unit = entry["half_life_unit"]
    if unit not in _HOURS_PER_UNIT:
        raise DataFileError(path, f"{name}: unknown half-life unit {unit!r}")
    half_life_h = float(entry["half_life"]) * _HOURS_PER_UNIT[unit]

    # (weight, raw emissions) for the nuclide itself and each equilibrium daughter.
    parts: list[tuple[float, dict[str, object]]] = [(1.0, entry["emissions"])]
    daughters = []
    for d in entry.get("daughters_in_equilibrium") or []:
        d_entry = entries[d["nuclide"]]
        bf = float(d["branching_fraction"])
        parts.append((bf, d_entry["emissions"]))
        d_half = float(d_entry["half_life"]) * _HOURS_PER_UNIT[d_entry["half_life_unit"]]
        daughters.append(Daughter(d["nuclide"], bf, d_half))

    model = sphere_model()
    cut = model.value("penetrating_photon_threshold_mev")
    e_cut = model.value("local_electron_threshold_mev")
    photons, electrons, alphas, betas = [], [], [], []
    local = 0.0
    beta_mean = 0.0
    positrons = 0.0
    for w, em in parts:
        ph = np.concatenate([_emissions(em, k) for k in _PHOTON_TYPES])
        ph[:, 1] *= w
        photons.append(ph[ph[:, 0] >= cut])
        local += float(np.sum(ph[ph[:, 0] < cut].prod(axis=1)))
        el = np.concatenate([_emissions(em, k) for k in _ELECTRON_TYPES])
        el[:, 1] *= w
        electrons.append(el[el[:, 0] >= e_cut])
        local += float(np.sum(el[el[:, 0] < e_cut].prod(axis=1)))
        al = np.concatenate([_emissions(em, k) for k in _ALPHA_TYPES])
        al[:, 1] *= w
        alphas.append(al)
        for k in _LOCAL_TYPES:
            local += w * float(np.sum(_emissions(em, k).prod(axis=1)))
        for k in _BETA_TYPES:
            b = _emissions(em, k)
            beta_mean += w * float(np.sum(b.prod(axis=1)))
            if k == "beta+":
                positrons += w * float(np.sum(b[:, 1]))
        bs = _emissions(em, "b-spectra")
        bs[:, 1] *= w
        betas.append(bs)

    photon = np.concatenate(photons)
    photon = photon[np.argsort(photon[:, 0], kind="stable")]
    electron = np.concatenate(electrons)
    alpha = np.concatenate(alphas)
    spectrum = np.concatenate(betas)
    if len(parts) > 1 and any(len(b) for b in betas[1:]):
        raise DataFileError(path, f"{name}: beta spectra of daughters are not supported")
    delta_np = (
        beta_mean + float(np.sum(electron.prod(axis=1))) + float(np.sum(alpha.prod(axis=1))) + local
    )
    delta_p = float(np.sum(photon.prod(axis=1)))
    return Nuclide(
        name=name,
        half_life_h=half_life_h,
        delta_np_gy_kg_per_bq_s=delta_np * MEV_TO_J,
        delta_p_gy_kg_per_bq_s=delta_p * MEV_TO_J,
        positron_yield=positrons,
        photon_energies_mev=tuple(float(e) for e in photon[:, 0]),
        photon_yields=tuple(float(y) for y in photon[:, 1]),
        daughters=tuple(daughters),
        source=citation,
        electron_lines=_lines(electron),
        alpha_lines=_lines(alpha),
        beta_spectrum=_lines(spectrum),
        beta_mean_energy_mev=beta_mean,
        local_energy_mev=local,
    )


def nuclide_names() -> tuple[str, ...]:
    """Return the names of the nuclides with shipped decay data.

    Examples
    --------
    >>> "I-131" in nuclide_names()
    True
    """
    return tuple(shipped(_NUCLIDE_FILE)["nuclides"])


_NAME_RE = re.compile(r"^(?:([a-z]{1,2})-?(\d{1,3})|(\d{1,3})-?([a-z]{1,2}))$")


def _canonical(text: str) -> str | None:
    m = _NAME_RE.match(text.strip().lower().replace(" ", ""))
    if m is None:
        return None
    symbol, mass = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    return f"{symbol.capitalize()}-{int(mass)}"


def get_nuclide(name: str | Nuclide) -> Nuclide:
    """Look up a nuclide by name; spellings such as ``"I-131"``, ``"131I"``, ``"i131"`` work.

    Parameters
    ----------
    name
        The nuclide's name (a `Nuclide` is returned unchanged).

    Returns
    -------
    Nuclide
        Its decay data; for At-211 the effective emission includes Po-211 (58.2 % EC branch).

    Raises
    ------
    UnknownNameError
        If no decay data are shipped for `name`.

    Examples
    --------
    >>> get_nuclide("131I").name
    'I-131'
    >>> round(get_nuclide("I-131").half_life_h / 24, 3)
    8.021
    >>> round(get_nuclide("I-131").delta_np_mev, 3)
    0.192
    """
    if isinstance(name, Nuclide):
        return name
    known = nuclide_names()
    canonical = _canonical(str(name))
    if canonical not in known:
        raise UnknownNameError("nuclide", str(name), known)
    return _build(canonical)
