"""I-125 seed dose rate, TG-43U1 point-source approximation, against the consensus tables."""

from __future__ import annotations

import math

import pytest

import rairlab.dosimetry as dosimetry
from rairlab._cited import load_cited
from rairlab.errors import InvalidValueError, UnknownNameError


def test_tg43_point_source_at_reference_point_and_inverse_square() -> None:
    t = load_cited("rairlab.dosimetry", "data/tg43u1/i125_model6711.yaml")
    lam, phi1 = t.value("dose_rate_constant"), t.array("anisotropy_factor")[1]
    # at r0 = 1 cm, g_P(r0) = 1: Ḋ = S_K Λ φ_an(1 cm)
    assert float(dosimetry.seed_dose_rate(1.0, 2.0)) == pytest.approx(2.0 * lam * phi1, rel=1e-12)
    # at 5 cm (table values g_L = 0.364, φ_an = 0.944), TG-43U1 eq. 11 with
    # g_P = g_L · [G_L(r)/G_L(r0)] · (r/r0)² and G_L(r, 90°) = 2 atan(L/2r)/(L r)
    r, length = 5.0, t.value("active_length")
    g_ratio = (2 * math.atan(length / (2 * r)) / (length * r)) / (
        2 * math.atan(length / 2) / length
    )
    expected = lam * (1 / r) ** 2 * 0.364 * g_ratio * r**2 * 0.944
    assert float(dosimetry.seed_dose_rate(r, 1.0)) == pytest.approx(expected, rel=1e-12)
    # far from a 3-mm seed the point and line forms differ by under 1 %
    assert float(dosimetry.seed_dose_rate(r, 1.0)) == pytest.approx(
        lam / r**2 * 0.364 * 0.944, rel=0.01
    )
    with pytest.raises(InvalidValueError, match="r_cm"):
        dosimetry.seed_dose_rate(10.0, 1.0)
    with pytest.raises(UnknownNameError):
        dosimetry.seed_dose_rate(1.0, 1.0, model="6702x")


def test_permanent_implant_dose_uses_mean_life() -> None:
    hl = 59.4 * 24
    assert float(dosimetry.seed_total_dose(1.0, 1.0, hl)) == pytest.approx(
        float(dosimetry.seed_dose_rate(1.0, 1.0)) * hl / math.log(2), rel=1e-12
    )
