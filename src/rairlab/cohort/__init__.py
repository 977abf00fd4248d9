"""Virtual patient cohorts and in-silico trials.

A trial spec (YAML, :func:`load_trial_spec`) names a population (disease setting,
histology, genotype mix or cited prevalences, RAI-refractory at baseline or
not), arms (drugs with dose and duration, TSH preparation, diagnostic scan,
I-131 activity fixed or dosimetry-guided) and endpoints. :func:`run_trial` runs
every arm through network → biokinetics → dosimetry → radiobiology →
observation, chunk by chunk on an engine (:class:`LocalEngine`,
:class:`DaskEngine`), into a run directory of Parquet tables and a
``summary.json`` with Wilson intervals. Population data are cited records in
``cohort/data/``. Research use only: results are model outputs, not treatment
recommendations.

A tumour case (:class:`TumourCase`, :func:`load_case`) is one tumour profile run
through the same pipeline over a virtual population: :func:`evaluate_case`
gives each quantity's median and 5th–95th percentiles before and on the drugs,
the typical patient's values and evidence cards (:class:`CaseResult`).
"""

from rairlab.cohort._case import (
    CaseLesion,
    CaseResult,
    TumourCase,
    evaluate_case,
    load_case,
    parse_case,
)
from rairlab.cohort._data import CohortData, load_cohort_data
from rairlab.cohort._engines import ENGINES, DaskEngine, Engine, LocalEngine, make_engine
from rairlab.cohort._patients import BLOCK
from rairlab.cohort._run import TrialResult, run_trial
from rairlab.cohort._spec import ENDPOINTS, SETTINGS, TrialSpec, load_trial_spec, parse_trial_spec
from rairlab.cohort._stats import newcombe_independent, newcombe_paired, wilson
from rairlab.cohort._store import RunDir

__all__ = [
    "BLOCK",
    "ENDPOINTS",
    "ENGINES",
    "SETTINGS",
    "CaseLesion",
    "CaseResult",
    "CohortData",
    "DaskEngine",
    "Engine",
    "LocalEngine",
    "RunDir",
    "TrialResult",
    "TrialSpec",
    "TumourCase",
    "evaluate_case",
    "load_case",
    "load_cohort_data",
    "load_trial_spec",
    "make_engine",
    "newcombe_independent",
    "newcombe_paired",
    "parse_case",
    "parse_trial_spec",
    "run_trial",
    "wilson",
]
