"""Population spec, reproducible draws and graded per-genotype distributions."""

import numpy as np
import pytest

from rairlab.errors import DataFileError, InvalidValueError
from rairlab.network import (
    compile_model,
    load_population_spec,
    mix_clones,
    population_conditions,
    population_steady_state,
    sample_parameters,
    steady_state,
)

GENOTYPES = [None, "BRAF p.V600E", "BRAF p.V600E; TERT c.-124C>T", "NRAS p.Q61R", "CCDC6::RET"]


@pytest.fixture(scope="module")
def model():
    return compile_model()


def test_every_shipped_parameter_names_its_provenance():
    spec = load_population_spec()
    assert len(spec.parameters) >= 15
    assert {p.provenance for p in spec.parameters} <= {"literature", "assumption", "fitted"}
    assert {p.target for p in spec.parameters} >= {"env", "env_scale", "strength", "memory"}


def test_same_seed_same_draws_other_seed_other_draws():
    a, b = sample_parameters(None, 50, seed=3), sample_parameters(None, 50, seed=3)
    c = sample_parameters(None, 50, seed=4)
    for name in a.values:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.allclose(a["tgfb"], c["tgfb"])


def test_draws_respect_their_families():
    s = sample_parameters(load_population_spec(parameters="prior"), 20_000, seed=0)
    assert np.all((s["adhesion"] >= 0) & (s["adhesion"] <= 1))
    assert np.median(s["braf_strength"]) == pytest.approx(0.8, abs=0.02)  # logit-normal median
    assert np.median(s["drug_exposure"]) == pytest.approx(1.0, abs=0.03)  # log-normal median
    assert np.mean(s["epigenetic_memory"]) == pytest.approx(1 / 7, abs=0.01)  # Beta(1, 6) mean


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "parameters:\n  - {name: x, target: {env: nowhere}, provenance: assumption,"
            " distribution: {family: beta, a: 1, b: 1}}\n",
            "env target 'nowhere' is unknown",
        ),
        (
            "parameters:\n  - {name: x, target: {env: tgfb}, provenance: assumption,"
            " distribution: {family: gamma, a: 1}}\n",
            "family must be one of",
        ),
        (
            "parameters:\n  - {name: x, target: {env: tgfb}, provenance: assumption,"
            " distribution: {family: beta, a: -1, b: 1}}\n",
            "invalid parameters",
        ),
        (
            "parameters:\n  - {name: x, target: {env: tgfb}, provenance: literature,"
            " distribution: {family: beta, a: 1, b: 1}}\n",
            "needs a citation",
        ),
    ],
)
def test_bad_spec_records_name_file_and_line(tmp_path, text, match):
    path = tmp_path / "pop.yaml"
    path.write_text(text)
    with pytest.raises(DataFileError, match=match) as err:
        load_population_spec(path)
    assert "pop.yaml:2" in str(err.value)


def test_bad_sample_size_is_one_clear_error():
    with pytest.raises(InvalidValueError, match="n"):
        sample_parameters(None, 0, seed=1)


@pytest.mark.parametrize("genotype", GENOTYPES)
def test_ten_thousand_patients_give_a_continuous_distribution_without_zeros(model, genotype):
    sample = sample_parameters(None, 10_000, seed=11)
    cond, _ = population_conditions(model, sample, genotype=genotype)
    ss = steady_state(model, cond)
    u = ss["iodide_uptake"]
    assert ss.converged.all()
    assert np.mean(u == 0.0) < 0.01
    assert len(np.unique(np.round(u, 9))) > 0.9 * u.size  # no switch-like plateaus
    assert np.all((u >= 0) & (u <= 1))


def test_population_ranks_genotypes_as_the_review_does(model):
    """BRAF below wild type, BRAF + TERT below BRAF, RAS-like above BRAF-like (medians)."""
    sample = sample_parameters(None, 4_000, seed=5)
    med = {}
    for g in GENOTYPES:
        cond, _ = population_conditions(model, sample, genotype=g)
        med[g] = float(np.median(steady_state(model, cond)["iodide_uptake"]))
    assert 0 < med["BRAF p.V600E"] < med[None]
    assert med["BRAF p.V600E; TERT c.-124C>T"] < med["BRAF p.V600E"]
    assert med["NRAS p.Q61R"] > med["BRAF p.V600E"]


def test_dabrafenib_trametinib_restores_a_patient_dependent_part(model):
    sample = sample_parameters(None, 4_000, seed=9)
    drugs = {"dabrafenib": 1.0, "trametinib": 1.0}
    before = steady_state(model, population_conditions(model, sample, genotype="BRAF V600E")[0])
    after_c, _ = population_conditions(model, sample, genotype="BRAF V600E", drugs=drugs)
    after = steady_state(model, after_c)["iodide_uptake"]
    wt = steady_state(model, population_conditions(model, sample, drugs=drugs)[0])
    gain = after - before["iodide_uptake"]
    assert np.all(gain > 0)
    assert np.std(after) > 0.02  # patient-dependent
    assert np.median(after) < np.median(wt["iodide_uptake"])  # memory: not a full return


def test_sampled_exposure_and_potency_reach_the_drug_effect(model):
    sample = sample_parameters(None, 500, seed=2)
    cond, _ = population_conditions(model, sample, genotype="BRAF V600E", drugs={"dabrafenib": 1})
    s = cond.scale[:, model.index("BRAF_V600E")]
    assert np.ptp(s) > 0.1


def test_env_scale_multiplies_the_chosen_tsh_level(model):
    sample = sample_parameters(None, 200, seed=1)
    cond, _ = population_conditions(model, sample, tsh="suppressed")
    tsh = cond.clamp_value[:, model.index("TSH")]
    np.testing.assert_allclose(tsh, np.clip(0.05 * sample["tsh_response"], 0, 1), rtol=1e-12)


def test_mix_clones_is_the_cell_weighted_mean():
    out = mix_clones(np.array([[0.2, 0.4]]), np.array([[0.6, 0.8]]), [0.25])
    np.testing.assert_allclose(out, [[0.5, 0.7]], rtol=1e-12)
    with pytest.raises(InvalidValueError, match="fraction"):
        mix_clones([[1.0]], [[1.0]], [1.5])


def test_population_steady_state_mixes_a_subclonal_tert(model):
    sample = sample_parameters(None, 800, seed=13)
    mixed = population_steady_state(model, sample, genotype="BRAF p.V600E; TERT c.-124C>T")
    clone_c, clonal = population_conditions(model, sample, genotype="BRAF p.V600E; TERT c.-124C>T")
    clone = steady_state(model, clone_c)["iodide_uptake"]
    rest = steady_state(model, population_conditions(model, sample, genotype="BRAF V600E")[0])
    f = clonal["ALT-003"]
    np.testing.assert_allclose(
        mixed["iodide_uptake"], f * clone + (1 - f) * rest["iodide_uptake"], rtol=0, atol=1e-14
    )
    assert set(mixed.clonal) == {"ALT-003"}
    assert mixed.converged.all()


def test_population_steady_state_without_subclones_is_the_plain_steady_state(model):
    sample = sample_parameters(None, 100, seed=14)
    st = population_steady_state(model, sample, genotype="NRAS p.Q61R", drugs={"trametinib": 1})
    cond, _ = population_conditions(model, sample, genotype="NRAS p.Q61R", drugs={"trametinib": 1})
    np.testing.assert_array_equal(st.x, steady_state(model, cond).x)
    assert st.clonal == {}


def test_genotype_order_does_not_change_the_lesion(model):
    """Regression: the TERT-free cells of 'TERT; BRAF' lost BRAF too."""
    sample = sample_parameters(None, 50, seed=3)
    a = population_steady_state(model, sample, genotype="BRAF V600E; TERT C228T")
    b = population_steady_state(model, sample, genotype="TERT C228T; BRAF V600E")
    np.testing.assert_allclose(a.x, b.x, rtol=0, atol=1e-14)


def test_a_seed_sequence_can_be_reused(model):
    """Regression: spawning from the caller's SeedSequence advanced it."""
    ss = np.random.SeedSequence(42)
    a, b = sample_parameters(None, 5, ss), sample_parameters(None, 5, ss)
    np.testing.assert_array_equal(a["tgfb"], b["tgfb"])
    np.testing.assert_array_equal(a["tgfb"], sample_parameters(None, 5, 42)["tgfb"])
    with pytest.raises(InvalidValueError, match="seed"):
        sample_parameters(None, 5, -1)


def test_spec_with_explicit_network_data_loads(model):
    """Regression: load_population_spec(data=...) failed on an unhashable argument."""
    from rairlab.network import load_network_data

    assert load_population_spec(data=load_network_data()).names()


def test_a_variant_without_a_spec_edge_skips_it_and_says_so():
    m = compile_model("braf-restores-uptake")
    st = population_steady_state(m, sample_parameters(None, 20, 1), genotype="BRAF V600E")
    assert st.not_in_variant == ("NIS_silencing -> SLC5A5_mRNA",)
    assert st.converged.all()


def test_the_callers_tsh_wins_over_a_sampled_tsh_level(model, tmp_path):
    """Regression: a spec record {env: tsh} overrode the tsh argument."""
    path = tmp_path / "pop.yaml"
    path.write_text(
        "parameters:\n  - {name: t, target: {env: tsh}, provenance: assumption,"
        " distribution: {family: beta, a: 1, b: 9}}\n"
    )
    sample = sample_parameters(load_population_spec(path), 20, 1)
    cond, _ = population_conditions(model, sample, tsh="rhTSH")
    np.testing.assert_array_equal(cond.clamp_value[:, model.index("TSH")], 0.75)
    cond, _ = population_conditions(model, sample, tsh=None)
    assert np.ptp(cond.clamp_value[:, model.index("TSH")]) > 0


def test_hours_after_drugs_start_runs_from_untreated_to_the_treated_steady_state() -> None:
    # the slow dedifferentiation memory (tau 3 weeks) makes 4 weeks partial, not complete
    m = compile_model()
    s = sample_parameters(None, 6, seed=4)
    drugs = {"dabrafenib": 1.0, "trametinib": 1.0}
    g = "BRAF V600E; TERT C228T"
    untreated = population_steady_state(m, s, genotype=g)["iodide_uptake"]
    treated = population_steady_state(m, s, genotype=g, drugs=drugs)["iodide_uptake"]
    at0 = population_steady_state(m, s, genotype=g, drugs=drugs, hours=0.0)["iodide_uptake"]
    at4w = population_steady_state(m, s, genotype=g, drugs=drugs, hours=672.0)
    late = population_steady_state(m, s, genotype=g, drugs=drugs, hours=2e4)["iodide_uptake"]
    assert at0 == pytest.approx(untreated, rel=1e-6)
    assert late == pytest.approx(treated, rel=1e-3)
    assert np.all(at4w.converged)
    assert np.all(untreated < at4w["iodide_uptake"])
    assert np.all(at4w["iodide_uptake"] < treated)


def test_take_keeps_rows_in_order() -> None:
    s = sample_parameters(None, 5, seed=2)
    t = s.take([3, 1])
    assert t.n == 2
    assert all(np.array_equal(t[k], s[k][[3, 1]]) for k in s.spec.names())


@pytest.mark.parametrize("hours", [None, 336.0])
def test_per_patient_genotypes_in_one_batch_equal_one_genotype_at_a_time(
    hours: float | None,
) -> None:
    m = compile_model()
    texts = ["", "BRAF V600E; TERT C228T", "NRAS mut", "BRAF V600E; TERT C228T", "TERT C250T", ""]
    s = sample_parameters(None, len(texts), seed=9)
    drugs = {"dabrafenib": np.linspace(0.5, 1.5, len(texts)), "trametinib": 1.0}
    batch = population_steady_state(m, s, genotype=texts, drugs=drugs, hours=hours)
    for g in set(texts):
        rows = np.flatnonzero([t == g for t in texts])
        one = population_steady_state(
            m,
            s.take(rows),
            genotype=g or None,
            drugs={"dabrafenib": drugs["dabrafenib"][rows], "trametinib": 1.0},
            hours=hours,
        )
        np.testing.assert_allclose(batch.x[rows], one.x, rtol=1e-9, atol=1e-12)
    tert = batch.clonal["ALT-003"]
    assert np.isnan(tert[[0, 2, 5]]).all()
    assert np.isfinite(tert[[1, 3, 4]]).all()


def test_median_sample_is_the_median_of_every_distribution() -> None:
    """The typical patient: each parameter at the 50% quantile of its own draws."""
    from rairlab.network import median_sample

    spec = load_population_spec(parameters="prior")
    typical = median_sample(spec, 3)
    draws = sample_parameters(spec, 40_000, seed=3)
    assert typical.n == 3
    for p in spec.parameters:
        assert np.all(typical[p.name] == typical[p.name][0])
        assert typical[p.name][0] == pytest.approx(np.median(draws[p.name]), rel=0.03, abs=0.01)
