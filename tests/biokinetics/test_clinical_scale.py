"""The lesion uptake scale against clinical I-124 PET ranges (cited records).

r is the lesion's iodide transport activity relative to a normal thyrocyte.
These are plausibility checks of the uncalibrated model, with the bounds
stated in the data file: they use their own r, never network outputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import rairlab.biokinetics as bk
from rairlab._cited import load_cited
from rairlab.dosimetry import get_nuclide, lesion_dose_per_gbq

MASS_G = 2.0
CLINICAL = load_cited("rairlab.biokinetics", "data/literature/clinical_lesion_uptake.yaml")
TIMES_H = np.linspace(0.0, 400.0, 4001)  # 0.1 h grid; peaks lie near 40 h


def peak_percent_ia_per_g(r: list[float], tsh: str = "withdrawal") -> np.ndarray:
    f = bk.iodide_model(r, MASS_G, tsh).fractions(TIMES_H)
    return 100.0 * (f[..., 1] + f[..., 2]).max(axis=1) / MASS_G


def i131_gy_per_gbq(r: list[float], tsh: str = "withdrawal") -> np.ndarray:
    tau = bk.iodide_model(r, MASS_G, tsh).residence_times(get_nuclide("I-131"))["lesion"]
    return lesion_dose_per_gbq(tau, "I-131", MASS_G)


def test_clinical_records_are_cited() -> None:
    assert CLINICAL["lesion_dose_per_gbq_group_limits"].doi == "10.2967/jnumed.107.047159"
    assert all(
        r.citation and r.provenance in ("literature", "assumption") for r in CLINICAL.values()
    )


def test_normal_thyrocyte_lesion_peaks_near_normal_thyroid_uptake() -> None:
    # r = 1: normal-thyroid clearance per gram; with half the trapped iodide
    # organified (lesion default) the peak sits at the top of the avid range
    # and inside the normal-thyroid 1-2 %IA/g.
    peak = float(peak_percent_ia_per_g([1.0])[0])
    assert 1.0 <= peak <= 2.0


@pytest.mark.parametrize("r", [0.1, 0.2, 0.4, 0.6])
def test_typical_avid_lesions_peak_in_the_clinical_range(r: float) -> None:
    lo, hi = CLINICAL.array("avid_metastasis_peak_uptake_range")
    assert lo <= float(peak_percent_ia_per_g([r])[0]) <= hi


def test_dose_per_gbq_spans_the_jentzen_groups() -> None:
    # Jentzen et al. 2008: low <= 5, medium 5-10, high > 10 Gy/GBq.
    low, high = CLINICAL.array("lesion_dose_per_gbq_group_limits")
    d = i131_gy_per_gbq([0.02, 0.05, 0.2, 1.0])
    assert d[0] <= low
    assert low < d[1] <= high
    assert d[2] > high
    assert d[3] > high
    # linear in r (the influx is; the blood pool is barely depleted by 2 g)
    assert d[3] / d[2] == pytest.approx(5.0, rel=0.02)


def test_suppression_is_not_applied_to_the_lesion_twice() -> None:
    # For equal r the lesion dose depends on TSH only via renal clearance:
    # slower clearance after withdrawal raises it, by less than the inverse of
    # the renal factor (the lesion's own share of clearance is small).
    les = load_cited("rairlab.biokinetics", "data/assumptions/lesion_iodide.yaml")
    renal = les.value("renal_clearance_factor_withdrawal") / les.value(
        "renal_clearance_factor_suppressed"
    )
    w = float(i131_gy_per_gbq([0.3], "withdrawal")[0])
    s = float(i131_gy_per_gbq([0.3], "suppressed")[0])
    assert 1.0 < w / s <= 1.0 / renal
