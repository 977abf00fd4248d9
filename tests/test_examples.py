"""Every shipped example script runs (small sizes)."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_population_uptake_example_gives_graded_fractions(capsys):
    example = _load("population_uptake")
    rows = example.run(n_patients=300, seed=2)
    by = {(r["genotype"], r["drugs"]): r for r in rows}
    braf = by[("BRAF p.V600E", "none")]
    braf_tert = by[("BRAF p.V600E; TERT c.-124C>T", "none")]
    treated = by[("BRAF p.V600E", "dabrafenib + trametinib")]
    # graded: a fraction of BRAF patients, neither none nor all, keeps a visible lesion
    assert 0.0 < braf["visible_fraction"] < 1.0
    assert braf_tert["median_uptake"] < braf["median_uptake"]
    assert treated["visible_fraction"] > braf["visible_fraction"]
    example.main(["population_uptake.py", "50", "3"])
    out = capsys.readouterr().out
    assert "research use only" in out
    assert "BRAF p.V600E" in out


def test_every_shipped_tumour_case_evaluates():
    from rairlab.cohort import evaluate_case, load_case

    cases = sorted((EXAMPLES / "cases").glob("*.yaml"))
    assert cases
    for path in cases:
        result = evaluate_case(load_case(path).model_copy(update={"n": 50}))
        assert result.lesions
        assert 0.0 <= result.p_any_meets_criterion["on"] <= 1.0
