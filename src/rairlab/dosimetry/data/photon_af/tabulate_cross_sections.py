"""Tabulate the partial photon cross sections of liquid water for the sphere Monte Carlo.

Run from the repository root (needs the development dependency ``xraydb``)::

    python src/rairlab/dosimetry/data/photon_af/tabulate_cross_sections.py

It writes ``water_cross_sections.yaml`` beside this script: photoelectric,
coherent, incoherent and pair-production mass attenuation coefficients of liquid
water from 1 keV to 10 MeV, which ``generate.py`` reads.

* Up to 800 keV (the top of the Elam tables): photoelectric, coherent and
  incoherent from Elam, Ravel & Sieber (2002) through ``xraydb.mu_elam``, for
  water of H and O mass fractions from xraydb's atomic masses, at 30 energies
  per decade and the NIST energies.
* Above 800 keV, at the NIST energies: incoherent = Klein-Nishina x electron
  density (Elam/KN = 1.0002 at 800 keV, so binding no longer matters);
  coherent and photoelectric extrapolated log-log from 700-800 keV (together
  under 0.1 % of the total); the rest of the NIST total μ/ρ (Hubbell & Seltzer,
  NIST SRD 126, shipped in ``nist_xraymasscoef/water.yaml``) counted as pair
  production above 2mc² and as photoelectric absorption below.

Every record carries its citation. Physical constants are CODATA 2022 from
``scipy.constants``.

References
----------
Elam WT, Ravel BD, Sieber JR. A new atomic database for X-ray spectroscopic
calculations. Radiat Phys Chem 2002;63:121-128. doi:10.1016/S0969-806X(01)00227-4
Hubbell JH, Seltzer SM. NIST Standard Reference Database 126, 2004. doi:10.18434/T4D01F
Klein O, Nishina Y. Z Phys 1929;52:853-868. doi:10.1007/BF01366453
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from rairlab.dosimetry._data import curve

Array = NDArray[np.float64]

OUTPUT = Path(__file__).with_name("water_cross_sections.yaml")
NIST_FILE = "nist_xraymasscoef/water.yaml"
HEADER = """\
# Partial photon mass attenuation coefficients of liquid water, 1 keV-10 MeV, read by
# generate.py (the sphere photon Monte Carlo). Written by tabulate_cross_sections.py
# (do not edit by hand); see README.md.
"""


def _klein_nishina_cm2(energy_mev: Array, mec2: float, r_e_cm: float) -> Array:
    """Klein-Nishina total cross section per free electron (cm²)."""
    k = energy_mev / mec2
    ln = np.log1p(2 * k)
    return (
        2
        * np.pi
        * r_e_cm**2
        * (
            (1 + k) / k**2 * (2 * (1 + k) / (1 + 2 * k) - ln / k)
            + ln / (2 * k)
            - (1 + 3 * k) / (1 + 2 * k) ** 2
        )
    )


def _top_of_elam_tables() -> float:
    """Highest energy (MeV) of the Elam tables in xraydb (800 keV)."""
    import xraydb

    db = xraydb.get_xraydb()
    tab = db.tables["scattering"]
    rows = db.session.execute(tab.select()).fetchall()
    return float(min(np.exp(max(yaml.safe_load(r.log_energy))) for r in rows)) * 1e-6


def tabulate_cross_sections() -> list[dict[str, Any]]:
    """Partial mass attenuation coefficients of liquid water, 1 keV-10 MeV (cm²/g)."""
    import xraydb
    from scipy.constants import physical_constants

    mec2 = physical_constants["electron mass energy equivalent in MeV"][0]
    r_e_cm = physical_constants["classical electron radius"][0] * 100.0
    n_a = physical_constants["Avogadro constant"][0]
    a_h, a_o = xraydb.atomic_mass("H"), xraydb.atomic_mass("O")
    frac = {"H": 2 * a_h / (2 * a_h + a_o), "O": a_o / (2 * a_h + a_o)}
    electrons_per_g = n_a * sum(
        f * xraydb.atomic_number(z) / xraydb.atomic_mass(z) for z, f in frac.items()
    )

    e_nist, mu_nist = curve(NIST_FILE, "mu_over_rho")
    e_elam_max = _top_of_elam_tables()
    # 30 energies per decade from 1 keV to the top of the Elam tables, and the NIST energies
    # below it (a log-grid point within 2 % of a NIST energy gives way to it).
    e_log = np.geomspace(1e-3, e_elam_max, int(30 * np.log10(e_elam_max / 1e-3)) + 1)
    e_tab = e_nist[e_nist <= e_elam_max]
    near = np.abs(np.log(e_log[:, None] / e_tab[None, :])).min(1) < 0.02
    e_low = np.sort(np.concatenate([e_log[~near], e_tab]))
    e_high = e_nist[e_nist > e_elam_max]

    def elam(kind: str, e: Array) -> Array:
        return np.array(
            [
                sum(f * float(xraydb.mu_elam(z, ev, kind=kind)) for z, f in frac.items())
                for ev in e * 1e6
            ]
        )

    photo_low, coh_low, incoh_low = (elam(k, e_low) for k in ("photo", "coh", "incoh"))

    # Log-log extrapolation of the (tiny) coherent and photoelectric parts above 800 keV,
    # from the last two Elam points (700-800 keV).
    def extrapolate(v: Array) -> Array:
        slope = np.log(v[-1] / v[-2]) / np.log(e_low[-1] / e_low[-2])
        return v[-1] * (e_high / e_low[-1]) ** slope

    incoh_high = _klein_nishina_cm2(e_high, mec2, r_e_cm) * electrons_per_g
    coh_high, photo_high = extrapolate(coh_low), extrapolate(photo_low)
    rest = mu_nist[e_nist > 0.8] - incoh_high - coh_high - photo_high
    if np.any(rest < -1e-5):
        raise RuntimeError(f"NIST total below Klein-Nishina + coherent: {rest}")
    rest = np.maximum(rest, 0.0)
    rest_1 = float(rest[0])
    elam_over_kn = float(
        incoh_low[-1] / (_klein_nishina_cm2(e_low[-1:], mec2, r_e_cm)[0] * electrons_per_g)
    )
    below_pair = e_high < 2 * mec2
    photo_high = photo_high + np.where(below_pair, rest, 0.0)
    e_pair = np.concatenate([[2 * mec2], e_high[~below_pair]])
    pair = np.concatenate([[0.0], rest[~below_pair]])

    elam_cite = (
        "Elam WT, Ravel BD, Sieber JR. A new atomic database for X-ray spectroscopic "
        "calculations. Radiat Phys Chem 2002;63:121-128. doi:10.1016/S0969-806X(01)00227-4 "
        f"(read through xraydb {xraydb.__version__}, xraydb.mu_elam)"
    )
    nist_cite = (
        "Hubbell JH, Seltzer SM. Tables of X-Ray Mass Attenuation Coefficients and Mass "
        "Energy-Absorption Coefficients (version 1.4). NIST Standard Reference Database 126, "
        "2004. doi:10.18434/T4D01F (table 'Water, Liquid', shipped as nist_xraymasscoef/water.yaml)"
    )
    kn_cite = (
        "Klein O, Nishina Y. Z Phys 1929;52:853-868. doi:10.1007/BF01366453; constants "
        "CODATA 2022 (Tiesinga E et al., scipy.constants)"
    )

    def fmt(v: Array) -> list[float]:
        return [float(f"{x:.5g}") for x in v]

    e_all = np.concatenate([e_low, e_high])
    common = {"material": "Water, Liquid", "unit": "cm2/g", "provenance": "literature"}
    return [
        {
            "symbol": "photoelectric",
            **common,
            "interpolation": "log-log",
            "citation": f"{elam_cite}; above 0.8 MeV: {nist_cite}",
            "note": (
                "Elam up to 0.8 MeV. Above: Elam extrapolated log-log (700-800 keV slope) plus, "
                "below the pair threshold 1.022 MeV, the NIST total minus Klein-Nishina, "
                f"coherent and photoelectric ({rest_1:.2g} cm2/g at {e_high[0]:g} MeV, "
                f"{100 * rest_1 / mu_nist[e_nist > e_elam_max][0]:.2f} % of the total)."
            ),
            "energy_mev": fmt(e_all),
            "values": fmt(np.concatenate([photo_low, photo_high])),
        },
        {
            "symbol": "coherent",
            **common,
            "interpolation": "log-log",
            "citation": elam_cite,
            "note": "Elam up to 0.8 MeV; above, extrapolated log-log (700-800 keV slope).",
            "energy_mev": fmt(e_all),
            "values": fmt(np.concatenate([coh_low, coh_high])),
        },
        {
            "symbol": "incoherent",
            **common,
            "interpolation": "log-log",
            "citation": f"{elam_cite}; above 0.8 MeV: {kn_cite}",
            "note": (
                "Elam (bound electrons, incoherent scattering function) up to 0.8 MeV; above, "
                f"Klein-Nishina x {electrons_per_g:.5e} electrons/g (H mass fraction "
                f"{frac['H']:.5f}, O {frac['O']:.5f}; Elam/KN = {elam_over_kn:.4f} at "
                f"{e_low[-1]:g} MeV)."
            ),
            "electrons_per_g": float(f"{electrons_per_g:.6e}"),
            "energy_mev": fmt(e_all),
            "values": fmt(np.concatenate([incoh_low, incoh_high])),
        },
        {
            "symbol": "pair",
            **common,
            "interpolation": "linear",
            "citation": f"{nist_cite}; minus {kn_cite}",
            "note": (
                "NIST total minus Klein-Nishina incoherent, coherent and photoelectric, from the "
                "threshold 2mc2 (value 0) to 10 MeV. The residual also holds the difference "
                "between XCOM's incoherent cross section and Klein-Nishina, "
                f"{rest_1:.2g} cm2/g at {e_high[0]:g} MeV where no pair can be made, so the "
                "first points are upper bounds on pair production; the photons concerned "
                "deposit E - 2mc2 locally instead of scattering."
            ),
            "energy_mev": fmt(e_pair),
            "values": fmt(pair),
        },
        {
            "symbol": "electron_rest_energy",
            "unit": "MeV",
            "provenance": "literature",
            "citation": "CODATA 2022 (Tiesinga E et al., scipy.constants)",
            "value": float(mec2),
        },
        {
            "symbol": "top_of_elam_tables",
            "unit": "MeV",
            "provenance": "literature",
            "citation": elam_cite,
            "value": float(f"{e_elam_max:.6g}"),
        },
    ]


def main() -> None:
    """Write ``water_cross_sections.yaml`` beside this script."""
    text = HEADER + yaml.safe_dump(
        tabulate_cross_sections(), sort_keys=False, default_flow_style=None, width=100
    )
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
