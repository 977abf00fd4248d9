"""Scan visibility: detection-limit scaling laws, edge cases, shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.observation import (
    SCAN_TYPES,
    detection_limit_pct_ia_per_g,
    recovery_coefficient,
    resolution_volume_ml,
    scan_protocol,
    scan_visible,
)


def _decay(scan: str) -> float:
    p = scan_protocol(scan)
    return math.exp(-math.log(2) * p.imaging_time_h / p.half_life_h)


@pytest.mark.parametrize("scan", SCAN_TYPES)
def test_limit_equals_the_closed_form(scan: str) -> None:
    # u_min = 100 · MDA / (A · 1000 · e^{−λt} · RC · V_res)
    p = scan_protocol(scan)
    m = np.array([0.05, 0.5, 5.0])
    expected = (
        100
        * p.mda_kbq
        / (
            p.administered_mbq
            * 1000
            * _decay(scan)
            * recovery_coefficient(m, p.fwhm_mm)
            * resolution_volume_ml(p.fwhm_mm)
        )
    )
    np.testing.assert_allclose(detection_limit_pct_ia_per_g(m, scan), expected, rtol=1e-12)


def test_limit_is_inverse_in_administered_activity() -> None:
    a = detection_limit_pct_ia_per_g(1.0, "i131_wbs", administered_mbq=100.0)
    b = detection_limit_pct_ia_per_g(1.0, "i131_wbs", administered_mbq=400.0)
    assert float(a / b) == pytest.approx(4.0, rel=1e-12)


def test_decay_correction_is_the_physical_decay_factor() -> None:
    corrected = detection_limit_pct_ia_per_g(1.0, "i123_wbs")
    raw = detection_limit_pct_ia_per_g(1.0, "i123_wbs", decay_corrected=False)
    assert float(corrected / raw) == pytest.approx(1 / _decay("i123_wbs"), rel=1e-12)


def test_small_lesion_is_seen_when_its_activity_reaches_the_mda() -> None:
    # m ≪ resolution volume: visibility ⇔ lesion activity at scan ≥ MDA (to O(ρ²)).
    p = scan_protocol("i131_spect")
    m = 1e-6
    u = float(detection_limit_pct_ia_per_g(m, "i131_spect"))
    activity_kbq = u / 100 * m * p.administered_mbq * 1000 * _decay("i131_spect")
    assert activity_kbq == pytest.approx(p.mda_kbq, rel=1e-4)


def test_large_lesion_is_seen_when_its_concentration_reaches_mda_over_resolution_volume() -> None:
    p = scan_protocol("i124_pet")
    u = float(detection_limit_pct_ia_per_g(1000.0, "i124_pet"))
    conc = u / 100 * p.administered_mbq * 1000 * _decay("i124_pet")  # kBq/mL
    assert conc == pytest.approx(p.mda_kbq / float(resolution_volume_ml(p.fwhm_mm)), rel=1e-9)


def test_visibility_edges_at_the_limit() -> None:
    lim = float(detection_limit_pct_ia_per_g(2.0, "i131_wbs"))
    assert scan_visible(lim, 2.0, "i131_wbs")
    assert not scan_visible(lim * (1 - 1e-9), 2.0, "i131_wbs")
    assert not scan_visible(0.0, 2.0, "i131_wbs")


@pytest.mark.parametrize("scan", SCAN_TYPES)
def test_limit_decreases_with_lesion_size(scan: str) -> None:
    lim = detection_limit_pct_ia_per_g(np.geomspace(0.01, 50, 40), scan)
    assert np.all(np.diff(lim) < 0)


def test_post_therapy_scan_beats_the_diagnostic_scan_by_its_activity_and_decay() -> None:
    dx, rx = scan_protocol("i131_wbs"), scan_protocol("i131_post_therapy_wbs")
    ratio = detection_limit_pct_ia_per_g(1.0, "i131_wbs") / detection_limit_pct_ia_per_g(
        1.0, "i131_post_therapy_wbs"
    )
    # same camera model: only the activity, the decay to the imaging time and (in the
    # fitted parameter set) the detection limit differ
    expected = (rx.administered_mbq * _decay("i131_post_therapy_wbs") * dx.mda_kbq) / (
        dx.administered_mbq * _decay("i131_wbs") * rx.mda_kbq
    )
    assert float(ratio) == pytest.approx(expected, rel=1e-12)


def test_shapes_broadcast_per_patient_activity_and_nan_lesions_are_not_visible() -> None:
    rng = np.random.default_rng(7)
    n_patients, n_lesions = 5, 4
    mass = rng.uniform(0.1, 5.0, (n_patients, n_lesions))
    mass[1, 3] = np.nan
    uptake = rng.uniform(0.0, 0.2, (n_patients, n_lesions))
    uptake[2, 0] = np.nan
    activity = np.linspace(50.0, 200.0, n_patients)[:, None]
    vis = scan_visible(uptake, mass, "i131_wbs", administered_mbq=activity)
    assert vis.shape == (n_patients, n_lesions)
    assert vis.dtype == bool
    assert not vis[1, 3]
    assert not vis[2, 0]
    for i in range(n_patients):  # per-patient reference, one at a time
        row = scan_visible(uptake[i], mass[i], "i131_wbs", administered_mbq=float(activity[i, 0]))
        np.testing.assert_array_equal(vis[i], row)


def test_unknown_scan_type_suggests_a_close_name() -> None:
    with pytest.raises(UnknownNameError, match="i124_pet"):
        scan_visible(0.1, 1.0, "i124pet")


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"uptake_pct_ia_per_g": -0.1}, "uptake_pct_ia_per_g"),
        ({"administered_mbq": 0.0}, "administered_mbq"),
        ({"imaging_time_h": -1.0}, "imaging_time_h"),
        ({"mass_g": 0.0}, "mass_g"),
    ],
)
def test_bad_inputs_name_the_parameter(kwargs: dict[str, float], param: str) -> None:
    args: dict[str, float] = {"uptake_pct_ia_per_g": 0.1, "mass_g": 1.0}
    args.update(kwargs)
    with pytest.raises(InvalidValueError, match=param):
        scan_visible(**args)  # type: ignore[arg-type]
