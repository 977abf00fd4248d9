"""SBML core, SBML-qual and BoolNet exports: validity (python-libsbml), content and the CLI."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

import rairlab.network.export as export
from rairlab.cli import main
from rairlab.errors import InvalidValueError
from rairlab.network import (
    Conditions,
    Pulse,
    compile_model,
    conditions,
    list_variants,
    parse_rule,
    variables,
)
from rairlab.network._rules import Expr, evaluate_bool

libsbml = pytest.importorskip("libsbml", reason="python-libsbml is part of the sbml extra")


def test_export_all() -> None:
    assert export.__all__ == [
        "EXPORT_FORMATS",
        "ParameterLayout",
        "RoadRunnerResult",
        "RoadRunnerSession",
        "SbmlExtension",
        "export_model",
        "export_text",
        "parameter_layout",
        "parse_bnet",
        "sbml_parameter_table",
        "sbml_parameters",
        "to_bnet",
        "to_sbml",
        "to_sbml_qual",
    ]
    for name in export.__all__:
        assert hasattr(export, name)


def _problems(text: str) -> tuple[list[str], int]:
    """(errors and fatals, warnings) from python-libsbml's reading and consistency checks."""
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    errors, warnings = [], 0
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            errors.append(f"line {err.getLine()}: {err.getMessage()}")
        else:
            warnings += 1
    return errors, warnings


VARIANTS = ["default", *[v for v in list_variants() if v != "default"][:3]]


@pytest.mark.parametrize("variant", VARIANTS)
def test_sbml_core_validates_without_errors_or_warnings(variant: str) -> None:
    errors, warnings = _problems(export.to_sbml(compile_model(variant)))
    assert errors == []
    assert warnings == 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_sbml_qual_validates_without_errors_or_warnings(variant: str) -> None:
    errors, warnings = _problems(export.to_sbml_qual(compile_model(variant)))
    assert errors == []
    assert warnings == 0


def test_sbml_core_is_factored_with_one_hill_cube_and_k_n_per_edge() -> None:
    m = compile_model()
    doc = libsbml.readSBMLFromString(export.to_sbml(m))
    model = doc.getModel()
    assert model.getNumSpecies() == m.n_nodes
    assert model.getNumReactions() == m.n_nodes
    calls = 0
    for i, node in enumerate(m.node_ids):
        formula = libsbml.formulaToL3String(
            model.getReaction(f"v_{node}").getKineticLaw().getMath()
        )
        leaves = variables(m.rules[i]) if m.rules[i] is not None else []
        found = re.findall(r"hill_cube\((\w+), k_(\w+)__(\w+), n_(\w+)__(\w+)\)", formula)
        # each leaf of the rule appears exactly once, in rule order: no sum-of-products expansion
        assert [f[0] for f in found] == leaves
        assert all(f[1] == f[0] == f[3] and f[2] == f[4] == node for f in found)
        calls += len(found)
    assert calls == m.n_edges
    for e in range(m.n_edges):
        src, tgt = m.node_ids[m.edge_src[e]], m.node_ids[m.edge_tgt[e]]
        assert model.getParameter(f"k_{src}__{tgt}").getValue() == m.edge_k[e]
        assert model.getParameter(f"n_{src}__{tgt}").getValue() == m.edge_n[e]
    assert model.getParameter("tau_NIS_protein").getUnits() == "hour"


def test_sbml_default_parameters_are_the_unperturbed_patient() -> None:
    m = compile_model()
    doc = libsbml.readSBMLFromString(export.to_sbml(m))  # keep the document alive
    model = doc.getModel()
    ids, values = export.sbml_parameter_table(m, conditions(m, 1))
    for pid, value in zip(ids, values[0], strict=True):
        assert model.getParameter(pid).getValue() == value, pid


def test_sbml_parameters_map_perturbations() -> None:
    m = compile_model()
    c = conditions(m, 2, tsh="suppressed", drugs={"dabrafenib": [1.0, 0.0], "ev-nis": [1.0, 0.0]})
    p0 = export.sbml_parameters(m, c, 0)
    p1 = export.sbml_parameters(m, c, 1)
    braf = m.index("BRAF")
    assert p0["clampval_TSH"] == 0.05
    assert p0["scale_BRAF"] == c.scale[0, braf] < 1.0
    assert p1["scale_BRAF"] == 1.0
    assert p0["clamp_TSH"] == 1.0
    assert p0["clamp_BRAF"] == 0.0
    (pulse,) = c.pulses
    node = m.node_ids[pulse.node]
    assert p0[f"pulse1_amp_{node}"] == pulse.amplitude[0] > 0
    assert p1[f"pulse1_amp_{node}"] == 0.0
    assert (p0[f"pulse1_rise_{node}"], p0[f"pulse1_fade_{node}"]) == (pulse.rise_h, pulse.fade_h)


def test_sbml_parameters_reject_a_pulse_without_slot() -> None:
    m = compile_model()
    base = conditions(m, 1)
    extra = Pulse(m.index("TSHR"), np.ones(1), 1.0, 2.0, "made-up")
    c = Conditions(base.clamp_mask, base.clamp_value, base.scale, base.bias, (extra,))
    with pytest.raises(InvalidValueError, match="TSHR"):
        export.sbml_parameter_table(m, c)
    with pytest.raises(InvalidValueError, match="patient"):
        export.sbml_parameters(m, base, 3)


def _qual_rule(math_text: str) -> Expr:
    """An SBML-qual function term (libsbml's L3 formula) back in rairlab's rule grammar."""
    text = re.sub(r"\(?\b(\w+) == 1\)?", r"\1", math_text)
    text = text.replace("&&", "&").replace("||", "|").replace("true", "1").replace("false", "0")
    return parse_rule(text)


def _same_function(a: Expr | None, b: Expr | None) -> bool:
    """Exhaustive truth-table equality (rules have few leaves)."""
    if a is None or b is None:
        return a is b
    names = sorted(set(variables(a)) | set(variables(b)))
    return all(
        evaluate_bool(a, dict(zip(names, row, strict=True)))
        == evaluate_bool(b, dict(zip(names, row, strict=True)))
        for row in itertools.product([False, True], repeat=len(names))
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_sbml_qual_transitions_read_back_as_the_same_boolean_functions(variant: str) -> None:
    m = compile_model(variant)
    doc = libsbml.readSBMLFromString(export.to_sbml_qual(m))
    qual = doc.getModel().getPlugin("qual")
    assert qual.getNumQualitativeSpecies() == m.n_nodes
    read: dict[str, Expr | None] = dict.fromkeys(m.node_ids)
    for t in range(qual.getNumTransitions()):
        tr = qual.getTransition(t)
        node = tr.getOutput(0).getQualitativeSpecies()
        if tr.getNumFunctionTerms():
            read[node] = _qual_rule(libsbml.formulaToL3String(tr.getFunctionTerm(0).getMath()))
        else:
            read[node] = parse_rule(str(tr.getDefaultTerm().getResultLevel()))
        signs = {
            tr.getInput(j).getQualitativeSpecies(): tr.getInput(j).getSign()
            for j in range(tr.getNumInputs())
        }
        assert sorted(signs) == sorted(variables(m.rules[m.index(node)]) or [])
    for node, rule in zip(m.node_ids, m.rules, strict=True):
        assert _same_function(read[node], rule), node


def test_sbml_qual_input_signs() -> None:
    m = compile_model()
    doc = libsbml.readSBMLFromString(export.to_sbml_qual(m))  # keep the document alive
    qual = doc.getModel().getPlugin("qual")
    tr = qual.getTransition("tr_NIS_membrane")
    signs = {
        tr.getInput(j).getQualitativeSpecies(): tr.getInput(j).getSign()
        for j in range(tr.getNumInputs())
    }
    assert signs["NIS_protein"] == libsbml.INPUT_SIGN_POSITIVE
    assert signs["NIS_internalization"] == libsbml.INPUT_SIGN_NEGATIVE


@pytest.mark.parametrize("variant", VARIANTS)
def test_bnet_round_trip_gives_the_same_boolean_functions(variant: str) -> None:
    m = compile_model(variant)
    back = export.parse_bnet(export.to_bnet(m))
    assert list(back) == list(m.node_ids)
    for node, rule in zip(m.node_ids, m.rules, strict=True):
        assert _same_function(back[node], rule), node


def test_export_model_writes_every_format_atomically(tmp_path: Path) -> None:
    m = compile_model()
    for fmt in export.EXPORT_FORMATS:
        path = export.export_model(m, fmt, tmp_path / "sub" / f"net.{fmt}")
        assert path.read_text(encoding="utf-8") == export.export_text(m, fmt)
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == [
        "net.bnet",
        "net.sbml",
        "net.sbml-qual",
    ]  # no temporary files left behind


@pytest.mark.parametrize("fmt", ["petab", "sbml2", ""])
def test_unknown_formats_are_rejected_naming_the_accepted_ones(fmt: str) -> None:
    with pytest.raises(InvalidValueError, match="sbml, sbml-qual, bnet"):
        export.export_text(compile_model(), fmt)


def test_cli_export_writes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model.xml"
    assert main(["export", "sbml", "-o", str(out), "--json"]) == 0
    assert '"format": "sbml"' in capsys.readouterr().out
    errors, _ = _problems(out.read_text(encoding="utf-8"))
    assert errors == []


def test_export_model_names_where_petab_is(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match=r"rairlab\.calibration\.export_petab"):
        export.export_model(compile_model(), "petab", tmp_path / "p.tsv")
    assert not (tmp_path / "p.tsv").exists()


def test_cli_export_takes_the_path_as_argument_or_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "bnet", str(tmp_path / "a.bnet")]) == 0
    assert main(["export", "bnet", "-o", str(tmp_path / "b.bnet")]) == 0
    assert (tmp_path / "a.bnet").read_text() == (tmp_path / "b.bnet").read_text()
    capsys.readouterr()
    assert main(["export", "bnet"]) == 2
    assert "a path" in capsys.readouterr().err


def test_sbml_with_per_patient_kinetics_writes_them_as_the_defaults() -> None:
    from rairlab.network import population_conditions, sample_parameters

    m = compile_model()
    c, _ = population_conditions(m, sample_parameters(None, 2, seed=3))
    assert c.kinetics is not None
    text = export.to_sbml(m, c, patient=1)
    errors, warnings = _problems(text)
    assert errors == []
    assert warnings == 0
    model = libsbml.readSBMLFromString(text).getModel()
    ids, values = export.sbml_parameter_table(m, c)
    row = dict(zip(ids, values[1], strict=True))
    for pid in ("tau_NIS_silencing", "m_NIS_silencing__SLC5A5_mRNA", "clampval_TSH"):
        assert model.getParameter(pid).getValue() == pytest.approx(row[pid])


def test_sbml_extension_adds_rules_and_rejects_unknown_targets() -> None:
    from rairlab.network.export._xml import apply, ci
    from rairlab.network.export._xml import cn as xcn

    m = compile_model()
    ext = export.SbmlExtension(
        parameters={"gain": (0.5, "dimensionless")},
        assignments={"bias_BRAF": apply("times", ci("gain"), xcn(0.2, "dimensionless"))},
        rates={"memo": (0.0, "dimensionless", apply("minus", ci("RAS"), ci("memo")))},
    )
    text = export.to_sbml(m, extension=ext)
    doc = libsbml.readSBMLFromString(text)
    model = doc.getModel()
    assert model.getParameter("bias_BRAF").getConstant() is False
    assert model.getAssignmentRuleByVariable("bias_BRAF") is not None
    assert model.getRateRuleByVariable("memo") is not None
    errors, _ = _problems(text)
    assert errors == []
    bad = export.SbmlExtension(assignments={"nope": ci("gain")})
    with pytest.raises(InvalidValueError, match="nope"):
        export.to_sbml(m, extension=bad)


def test_sbml_initial_states_and_patient_defaults() -> None:
    m = compile_model()
    c = conditions(m, 2, tsh=np.asarray([0.2, 0.7]))
    doc = libsbml.readSBMLFromString(export.to_sbml(m, c, patient=1, x0=np.full(m.n_nodes, 0.25)))
    model = doc.getModel()
    assert model.getSpecies("NIS_membrane").getInitialConcentration() == 0.25
    assert model.getParameter("clampval_TSH").getValue() == 0.7
    with pytest.raises(InvalidValueError, match="x0"):
        export.to_sbml(m, x0=np.zeros(3))
    with pytest.raises(InvalidValueError, match="patient"):
        export.to_sbml(m, c, patient=2)
