"""The cohort package's public surface is exactly its __all__."""

import rairlab.cohort as cohort

EXPECTED = {
    "BLOCK",
    "CaseLesion",
    "CaseResult",
    "TumourCase",
    "evaluate_case",
    "load_case",
    "parse_case",
    "ENDPOINTS",
    "ENGINES",
    "SETTINGS",
    "CohortData",
    "DaskEngine",
    "Engine",
    "LocalEngine",
    "RunDir",
    "TrialResult",
    "TrialSpec",
    "load_cohort_data",
    "load_trial_spec",
    "make_engine",
    "newcombe_independent",
    "newcombe_paired",
    "parse_trial_spec",
    "run_trial",
    "wilson",
}


def test_all_is_the_public_surface() -> None:
    assert set(cohort.__all__) == EXPECTED
    assert all(hasattr(cohort, name) for name in cohort.__all__)
    public = {n for n in dir(cohort) if not n.startswith("_")}
    assert public - EXPECTED <= {"annotations"}
