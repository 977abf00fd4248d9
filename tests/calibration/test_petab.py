"""The PEtab export of the calibration problem: valid PEtab, and the same biology as rairlab.

The reduction's SBML composes the fitted network parameters through assignment
rules; solved by libRoadRunner it must give the uptake rairlab computes for the same
typical patient, at the fitted values and away from them.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from rairlab.calibration import PETAB_ENDPOINTS, export_petab, load_problem, petab_problem
from rairlab.calibration._petab import PetabProblem
from rairlab.calibration._petab_model import levers, representative_sample
from rairlab.calibration._petab_targets import Representative
from rairlab.cli import main
from rairlab.cohort._pipeline import _NETWORK_TSH
from rairlab.errors import InvalidValueError
from rairlab.network import compile_model, population_steady_state

petab_v1 = pytest.importorskip("petab.v1")
roadrunner = pytest.importorskip("roadrunner")
sympy = pytest.importorskip("sympy")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[PetabProblem, Path]:
    problem = petab_problem()
    directory = tmp_path_factory.mktemp("petab")
    problem.write(directory)
    return problem, directory


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


# petab 0.8 calls pandas APIs that pandas 3 deprecates (petab's concern, not ours)
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_the_export_passes_the_petab_linter(
    exported: tuple[PetabProblem, Path], tmp_path: Path
) -> None:
    _, directory = exported
    problem = petab_v1.Problem.from_yaml(directory / "problem.yaml")
    assert petab_v1.lint_problem(problem) is False  # False: no errors
    # the linter does look: a condition the measurements need, removed, is an error
    broken = tmp_path / "broken"
    shutil.copytree(directory, broken)
    lines = (broken / "conditions.tsv").read_text(encoding="utf-8").splitlines()
    (broken / "conditions.tsv").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert petab_v1.lint_problem(petab_v1.Problem.from_yaml(broken / "problem.yaml")) is True


def test_every_target_is_in_the_reduction_or_left_out_with_a_reason(
    exported: tuple[PetabProblem, Path],
) -> None:
    problem, directory = exported
    ids = [t.id for t in load_problem().targets]
    used = [r.target for r in problem.representatives]
    left = dict(problem.excluded)
    assert sorted(used + list(left)) == sorted(ids)
    assert not set(used) & set(left)
    for target in load_problem().targets:
        if target.endpoint not in PETAB_ENDPOINTS:
            assert "not an ODE" in left[target.id]
    assert all(r.share >= 0.5 for r in problem.representatives)
    assert all("genotype mixture" in why for t, why in left.items() if "mixture" in why)
    measured = [m["datasetId"] for m in _rows(directory / "measurements.tsv")]
    assert measured == [t.replace("-", "_") for t in used]
    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert "Research use only" in readme
    assert all(t in readme for t in ids)


def test_every_fitted_parameter_is_estimated_or_named_as_left_out(
    exported: tuple[PetabProblem, Path],
) -> None:
    problem, _ = exported
    names = {p["parameterName"] for p in problem.parameters if p["estimate"] == 1}
    left = {name for name, _ in problem.not_mapped}
    for fp in load_problem().parameters:
        if fp.name.startswith("scan."):
            continue  # estimated as the derived r50 of the scans they belong to
        assert (fp.name in names) != (fp.name in left), fp.name
    estimated_r50 = [p for p in problem.parameters if p["parameterId"].startswith("r50_i131")]
    assert estimated_r50
    assert all(p["estimate"] == 1 for p in estimated_r50)


def _uptake(model: object, sample: object, r: Representative, drugs: object) -> float:
    """rairlab's iodide uptake of the representative (on its drugs, for its hours)."""
    st = population_steady_state(
        model,  # type: ignore[arg-type]
        sample,  # type: ignore[arg-type]
        genotype=r.genotype or None,
        drugs=dict(drugs) if drugs else None,  # type: ignore[call-overload]
        tsh=_NETWORK_TSH[r.tsh],
        hours=r.hours if drugs else None,
    )
    return float(st["iodide_uptake"][0])


def _simulate(
    rr: object, conditions: dict[str, dict[str, str]], cid: str, pre: str | None, hours: float
) -> tuple[float, float]:
    def apply(c: str) -> None:
        for key, value in conditions[c].items():
            if key not in ("conditionId", "conditionName") and value != "":
                rr[key] = float(value)  # type: ignore[index]

    if pre is not None:
        apply(pre)
        rr.simulate(0, 2e5, 2001)  # type: ignore[attr-defined]
    apply(cid)
    rr.simulate(0, hours, 201)  # type: ignore[attr-defined]
    return float(rr["iodide_uptake"]), float(rr["u_pre"])  # type: ignore[index]


@pytest.mark.parametrize("where", ["fitted", "away"])
def test_the_sbml_reduction_reproduces_rairlab_uptake(
    exported: tuple[PetabProblem, Path], where: str
) -> None:
    problem, directory = exported
    lvs, _ = levers(load_problem())
    values = {p["parameterId"]: float(p["nominalValue"]) for p in problem.parameters}
    if where == "away":
        values.update(
            braf_strength=0.7,
            braf_memory=0.5,
            tert_memory=0.4,
            epigenetic_memory_b=3.0,
            drug_potency=2.5,
            silencing_tau=1.5,
        )
    conditions = {r["conditionId"]: r for r in _rows(directory / "conditions.tsv")}
    model = compile_model()
    sample = representative_sample(values, lvs)
    rr = roadrunner.RoadRunner(str(directory / "model.xml"))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    n_species = rr.model.getNumFloatingSpecies()
    chosen = {"TGT-002", "TGT-003", "TGT-005", "TGT-009", "TGT-014"}
    reps = [r for r in problem.representatives if r.target in chosen]
    assert len(reps) == len(chosen)
    for r in reps:
        rr.resetAll()
        # from mid-range activities: at 0 the fractional Hill exponents make CVODE's
        # first steps needlessly hard at tight tolerances
        rr.model.setFloatingSpeciesConcentrations(list(range(n_species)), [0.5] * n_species)
        for lv in lvs:
            rr[lv.pid] = values[lv.pid]
        sid = r.target.replace("-", "_")
        if r.drugs:
            got, got_pre = _simulate(rr, conditions, f"c_{sid}", f"pre_{sid}", float(r.hours or 0))
        else:
            got, got_pre = _simulate(rr, conditions, f"c_{sid}", None, 2e5)

        want_pre = _uptake(model, sample, r, None)
        assert got_pre == pytest.approx(want_pre, rel=1e-8, abs=1e-12), r.target
        want = _uptake(model, sample, r, r.drugs) if r.drugs else want_pre
        # rairlab integrates at rtol 1e-4, atol 1e-7; CVODE here at 1e-10
        assert got == pytest.approx(want, rel=1e-4, abs=1e-6), r.target
        assert (want > want_pre) if r.drugs else True, r.target  # each drug restores some


def test_the_observable_formulas_give_the_shares_rairlab_reports(
    exported: tuple[PetabProblem, Path],
) -> None:
    problem, _ = exported
    model = compile_model()
    lvs, _ = levers(load_problem())
    values = {p["parameterId"]: float(p["nominalValue"]) for p in problem.parameters}
    sample = representative_sample(values, lvs)
    formulas = {o["observableId"]: o["observableFormula"] for o in problem.observables}
    by_target = {m["datasetId"]: m for m in problem.measurements}
    for r in problem.representatives:
        m = by_target[r.target.replace("-", "_")]
        pre = _uptake(model, sample, r, None)
        now = _uptake(model, sample, r, r.drugs) if r.drugs else pre
        expr = sympy.sympify(formulas[m["observableId"]], locals={"E": sympy.Symbol("E")})
        subs = {sympy.Symbol(k): v for k, v in values.items()}
        subs.update({sympy.Symbol("iodide_uptake"): now, sympy.Symbol("u_pre"): pre})
        share = float(expr.subs(subs))
        assert share == pytest.approx(problem.predicted[r.target], abs=1e-9)
        assert 0.0 <= share <= 1.0
        k, n = load_problem().observed(next(t for t in load_problem().targets if t.id == r.target))
        assert m["measurement"] == pytest.approx(k / n)
        p1 = (k + 1) / (n + 2)
        assert m["noiseParameters"] == pytest.approx(math.sqrt(p1 * (1 - p1) / n))


def test_the_representatives_are_the_fitted_typical_patient() -> None:
    lvs, rest = levers(load_problem())
    assert {lv.kind for lv in lvs} == {"strength", "memory", "epigenetic", "potency", "tau"}
    assert any(name.startswith("scan.") for name in rest)
    values = {lv.pid: 0.3 if lv.kind in ("strength", "memory") else 2.0 for lv in lvs}
    base = representative_sample(values, lvs, zero=True)
    full = representative_sample(values, lvs)
    assert base.n == full.n == 1
    for lv in lvs:
        if lv.kind == "epigenetic":
            assert full[lv.record][0] == pytest.approx(1 - 0.5 ** (1 / 2.0))
            assert base[lv.record][0] == 0.0
        else:
            assert full[lv.record][0] == values[lv.pid]
    clonal = [p.name for p in base.spec.parameters if p.target == "clonal"]
    assert clonal
    assert all(np.all(full[c] == 1.0) for c in clonal)


def test_min_share_is_checked() -> None:
    with pytest.raises(InvalidValueError, match="min_share"):
        petab_problem(min_share=0.0)


def test_cli_writes_the_problem_into_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    assert main(["export", "petab", str(tmp_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["format"] == "petab"
    assert Path(payload["path"]) == tmp_path / "problem.yaml"
    assert keep.read_text(encoding="utf-8") == "mine"  # other files are left alone
    assert export_petab(tmp_path) == tmp_path / "problem.yaml"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["export", "petab"], "a path"),
        (["export", "petab", "a", "-o", "b"], "the same path"),
        (["export", "petab", "x", "--variant", "ra-no-nis-induction"], "--variant"),
        (["export", "petab2", "x"], "sbml, sbml-qual, bnet, petab"),
    ],
)
def test_cli_errors_are_one_line(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a if a not in ("a", "b", "x") else str(tmp_path / a) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert words in err
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_file_as_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "taken"
    f.write_text("mine", encoding="utf-8")
    assert main(["export", "petab", str(f)]) == 2
    assert "a directory" in capsys.readouterr().err
    assert f.read_text(encoding="utf-8") == "mine"
