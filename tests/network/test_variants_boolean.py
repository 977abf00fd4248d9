import pytest

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network import attractors, compile_model, conditions, list_variants, steady_state
from rairlab.network._compile import compile_model as compile_any
from rairlab.network._rules import parse_rule

ENV = {
    "TSH": 1,
    "growth_factors": 0,
    "TGFb_TME": 0,
    "hypoxia": 0,
    "glucose_high": 0,
    "cell_contact": 1,
    "TLR4_ligand": 0,
    "oxidative_stress": 0,
}


@pytest.mark.parametrize("variant", list_variants())
def test_every_variant_compiles_and_solves(variant):
    m = compile_model(variant)
    assert steady_state(m, conditions(m, 2)).all_converged


def _delta(variant, output, base, pert):
    m = compile_model(variant)
    a = steady_state(m, conditions(m, 1, **base))[output][0]
    b = steady_state(m, conditions(m, 1, **pert))[output][0]
    return b - a


def test_autophagy_variant_flips_the_chloroquine_effect():
    assert _delta("default", "iodide_uptake", {}, {"drugs": {"chloroquine": 1}}) > 1e-3
    assert (
        _delta("autophagy-supports-nis", "iodide_uptake", {}, {"drugs": {"chloroquine": 1}}) < -1e-3
    )


def test_braf_restores_uptake_variant_reverses_mek_inhibition():
    braf = {"genotype": "BRAF p.V600E"}
    mek = {"genotype": "BRAF p.V600E", "drugs": {"trametinib": 1}}
    assert _delta("default", "SLC5A5_mRNA", braf, mek) > 1e-3
    assert _delta("braf-restores-uptake", "SLC5A5_mRNA", braf, mek) < -1e-3


def test_imatinib_variant_moves_the_effect_to_expression():
    assert abs(_delta("default", "SLC5A5_mRNA", {}, {"drugs": {"imatinib": 1}})) < 1e-9
    assert (
        _delta("imatinib-raises-nis-expression", "SLC5A5_mRNA", {}, {"drugs": {"imatinib": 1}})
        > 1e-3
    )


def test_variant_errors():
    with pytest.raises(UnknownNameError, match="autophagy-supports-nis"):
        compile_model("autophagy-support-nis")
    with pytest.raises(InvalidValueError, match="one option per switch"):
        compile_model(["nfkb-supports-pax8", "nfkb-impairs-pax8"])
    assert compile_any("pbf-facilitates-uptake,ra-no-nis-induction").variant_name == (
        "pbf-facilitates-uptake+ra-no-nis-induction"
    )


def test_braf_logical_reading_has_one_fixed_point_without_uptake():
    m = compile_model()
    (att,) = attractors(m, {**ENV, "BRAF_V600E": 1})
    assert att.is_fixed_point
    assert att.value("ERK") == 1.0
    assert att.value("iodide_uptake") == 0.0


def test_her_feedback_is_silent_without_ligand_in_the_logical_reading():
    m = compile_model()
    # HER2/HER3 signal only with ligand (growth_factors & !ERK): no ligand, no loop
    atts = attractors(m, ENV)
    assert all(a.is_fixed_point for a in atts)
    assert all(a.value("ERBB2_ERBB3") == 0.0 for a in atts)


def test_asynchronous_attractors_of_a_toy_loop():
    m = compile_model()
    # a negative loop ERK -| ERBB2_ERBB3 -> ... gives a cyclic attractor, a fixed input none
    fixed = {
        n: 0 for n in m.node_ids if n not in ("ERBB2_ERBB3", "RAS", "BRAF", "RAF1", "MEK", "ERK")
    }
    fixed.update(ENV)
    fixed["growth_factors"] = 1
    atts = attractors(m, fixed, update="asynchronous")
    assert len(atts) == 1
    assert not atts[0].is_fixed_point
    assert parse_rule("growth_factors & !ERK") == m.rules[m.index("ERBB2_ERBB3")]
