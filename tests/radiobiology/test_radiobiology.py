"""Radiobiology: closed-form BED checks, G factor by quadrature, TCP, alpha RBE."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

import rairlab.radiobiology as rb
from rairlab.errors import InvalidValueError


def test_public_names() -> None:
    assert rb.__all__ == [
        "alpha_bed",
        "bed_decaying",
        "clonogen_number",
        "default_rbe_alpha",
        "eqd2",
        "lea_catcheside_g",
        "parameters",
        "response_thresholds",
        "tcp_poisson",
    ]


def test_bed_closed_form_120_41() -> None:
    # D = 100 Gy, α/β = 10 Gy, T_eff = 72 h, T_rep = 1.5 h:
    # BED = D (1 + D/(α/β) · T_rep/(T_rep + T_eff)) = 100 (1 + 10 · 1.5/73.5) = 120.408 Gy
    assert float(rb.bed_decaying(100.0, 10.0, 72.0, 1.5)) == pytest.approx(120.41, abs=0.005)
    assert float(rb.bed_decaying(100.0, 10.0, 72.0, 1.5)) == pytest.approx(
        100 * (1 + 10 * 1.5 / 73.5), rel=1e-12
    )


def test_bed_is_vectorized_over_patients() -> None:
    d = np.array([10.0, 50.0, 100.0])
    teff = np.array([24.0, 48.0, 72.0])
    out = rb.bed_decaying(d, 10.0, teff, 1.5)
    expected = d * (1 + d / 10.0 * 1.5 / (1.5 + teff))
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def _g_numeric(rate, mu: float) -> float:
    dose = integrate.quad(rate, 0, np.inf)[0]

    def inner(t: float) -> float:
        return rate(t) * integrate.quad(lambda w: rate(w) * math.exp(-mu * (t - w)), 0, t)[0]

    return 2 * integrate.quad(inner, 0, 2000, limit=200)[0] / dose**2


def test_g_factor_with_uptake_phase_matches_double_integral() -> None:
    lam, lam_u, t_rep = math.log(2) / 60.0, math.log(2) / 6.0, 1.5
    g = float(rb.lea_catcheside_g([1.0, -1.0], [lam, lam_u], t_rep))
    g_num = _g_numeric(lambda t: math.exp(-lam * t) - math.exp(-lam_u * t), math.log(2) / t_rep)
    assert g == pytest.approx(g_num, rel=1e-6)
    bed = float(rb.bed_decaying(60.0, 10.0, 60.0, 1.5, uptake_half_time_h=6.0))
    assert bed == pytest.approx(60 * (1 + g * 60 / 10), rel=1e-9)
    # an uptake phase spreads the dose out: lower BED than instantaneous uptake
    assert bed < float(rb.bed_decaying(60.0, 10.0, 60.0, 1.5))


def test_eqd2() -> None:
    assert float(rb.eqd2(120.0, 10.0)) == pytest.approx(100.0, rel=1e-12)


def test_tcp_poisson_closed_form_and_heterogeneity() -> None:
    n, alpha = 1e7, 0.3
    bed = np.array([40.0, 60.0, 80.0])
    np.testing.assert_allclose(
        rb.tcp_poisson(bed, alpha, n), np.exp(-n * np.exp(-alpha * bed)), rtol=1e-12
    )
    # a spread of α flattens the dose-response curve around its midpoint
    mid = math.log(n / math.log(2)) / alpha
    hom = rb.tcp_poisson([mid - 10, mid + 10], alpha, n)
    het = rb.tcp_poisson([mid - 10, mid + 10], alpha, n, alpha_sd_per_gy=0.05)
    assert het[0] > hom[0]
    assert het[1] < hom[1]
    assert float(rb.tcp_poisson(mid, alpha, n)) == pytest.approx(0.5, rel=1e-9)


def test_alpha_bed_uses_cited_rbe() -> None:
    assert rb.default_rbe_alpha() == 5.0
    assert float(rb.alpha_bed(3.0)) == pytest.approx(15.0, rel=1e-15)
    assert float(rb.alpha_bed(3.0, rbe=3.0)) == pytest.approx(9.0, rel=1e-15)
    with pytest.raises(InvalidValueError):
        rb.alpha_bed(3.0, rbe=0.0)


def test_every_parameter_is_cited_and_assumptions_say_so() -> None:
    table = rb.parameters()
    for rec in table.values():
        assert rec.citation.strip()
        if rec.provenance == "assumption":
            assert rec.note or "assumption" in rec.citation
    assert table["alpha_beta_tumour"].provenance == "assumption"
    # none of the radiobiological defaults is thyroid-specific: all are assumptions
    assert {r.name for r in table.values() if r.provenance != "assumption"} == set()


def test_response_thresholds_are_cited_maxon_levels() -> None:
    th = rb.response_thresholds()
    assert th.value("remnant_ablation_gy") == 300.0
    assert th.value("metastasis_response_gy") == 80.0
    assert th.value("nodal_metastasis_response_gy") == 85.0
    assert th["metastasis_response_gy"].doi == "10.1056/NEJM198310203091601"
    for rec in th.values():
        assert rec.unit == "Gy"
        assert "Maxon" in rec.citation
        assert rec.provenance == "literature"
