"""ATA 2015 RAI-refractory categories: truth table, unknowns, thyroid bed, shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.observation import RAI_REFRACTORY_CATEGORIES, rai_refractory_categories

N = math.nan
T, F = True, False

# (visible_baseline, present, visible_later, progression, expected (i)-(iv), overall)
CASES = [
    pytest.param([F, F], [F, F], None, None, [0, 0, 0, 0], 0, id="no disease"),
    pytest.param([F, F], [T, T], None, None, [1, 0, 0, 0], 1, id="(i) never avid"),
    pytest.param([T, F], [T, T], None, None, [0, N, 1, N], 1, id="(iii) mixed at baseline"),
    pytest.param([T, T], [T, T], None, None, [0, N, 0, N], N, id="avid, undecided"),
    pytest.param([T, T], [T, T], [F, F], None, [0, 1, 0, N], 1, id="(ii) lost"),
    pytest.param([T, T], [T, T], [T, F], None, [0, 0, 1, N], 1, id="(iii) mixed later"),
    pytest.param([T, T], [T, T], None, True, [0, N, 0, 1], 1, id="(iv) progression"),
    pytest.param([T, T], [T, T], [T, T], False, [0, 0, 0, 0], 0, id="avid, responding"),
    pytest.param([F, F], [T, T], None, N, [1, 0, 0, 0], 1, id="(iv) needs uptake"),
    pytest.param([T, F], [T, F], None, False, [0, N, 0, 0], N, id="padding slot ignored"),
]


@pytest.mark.parametrize(("vis", "pres", "later", "prog", "expected", "overall"), CASES)
def test_truth_table(vis, pres, later, prog, expected, overall) -> None:
    c = rai_refractory_categories(
        [vis],
        [pres],
        visible_later=None if later is None else [later],
        progression=None if prog is None else [prog],
    )
    np.testing.assert_array_equal(c.as_float()[0], np.array(expected, dtype=float))
    for j, name in enumerate(RAI_REFRACTORY_CATEGORIES):
        np.testing.assert_array_equal(c.category(name)[0], float(expected[j]))
    np.testing.assert_array_equal(c.rai_refractory, [overall])
    assert bool(c.refractory_known[0]) == (not math.isnan(overall))


def test_unknown_is_never_reported_as_false() -> None:
    c = rai_refractory_categories([[T, T]], [[T, T]])
    assert not c.known[0, 1]
    assert not c.known[0, 3]
    assert math.isnan(c.category("lost_uptake")[0])
    assert math.isnan(c.rai_refractory[0])


def test_batch_equals_patient_by_patient() -> None:
    rng = np.random.default_rng(11)
    n, k = 40, 5
    pres = rng.random((n, k)) < 0.7
    vis = rng.random((n, k)) < 0.5
    later = rng.random((n, k)) < 0.4
    prog = np.where(rng.random(n) < 0.3, np.nan, (rng.random(n) < 0.5).astype(float))
    batch = rai_refractory_categories(vis, pres, visible_later=later, progression=prog)
    for i in range(n):
        one = rai_refractory_categories(
            vis[i : i + 1],
            pres[i : i + 1],
            visible_later=later[i : i + 1],
            progression=prog[i : i + 1],
        )
        np.testing.assert_array_equal(batch.as_float()[i], one.as_float()[0])
    assert batch.values.shape == batch.known.shape == (n, 4)
    assert batch.rai_refractory.shape == (n,)


def test_thyroid_bed_uptake_does_not_count() -> None:
    # Only the thyroid-bed lesion is visible: the metastasis never took up iodine → (i).
    c = rai_refractory_categories([[T, F]], [[T, T]], outside_thyroid_bed=[[F, T]])
    assert c.category("no_uptake")[0] == 1.0
    assert c.category("mixed_uptake")[0] == 0.0


def test_lesion_gone_at_later_scan_is_not_loss_of_uptake() -> None:
    c = rai_refractory_categories(
        [[T, T]], [[T, T]], visible_later=[[F, T]], present_later=[[F, T]], progression=[False]
    )
    assert c.category("lost_uptake")[0] == 0.0
    assert c.rai_refractory[0] == 0.0


def test_shape_and_type_errors() -> None:
    with pytest.raises(InvalidValueError, match="visible_baseline"):
        rai_refractory_categories([[T]], [[T, T]])
    with pytest.raises(InvalidValueError, match="present"):
        rai_refractory_categories([T, T], [T, T])
    with pytest.raises(InvalidValueError, match="visible_baseline"):
        rai_refractory_categories([[0.5, 1.0]], [[T, T]])
    with pytest.raises(InvalidValueError, match="progression"):
        rai_refractory_categories([[T]], [[T]], progression=[2.0])
    with pytest.raises(InvalidValueError, match="present_later"):
        rai_refractory_categories([[T]], [[T]], present_later=[[T]])
    with pytest.raises(UnknownNameError, match="mixed_uptake"):
        rai_refractory_categories([[T]], [[T]]).category("mixed")


def test_progression_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="progression"):
        rai_refractory_categories([[T], [T]], [[T], [T]], progression=[True, False, True])


def test_one_progression_flag_applies_to_every_patient() -> None:
    c = rai_refractory_categories([[T], [T]], [[T], [T]], progression=True)
    np.testing.assert_array_equal(c.category("progression_despite_uptake"), [1.0, 1.0])
