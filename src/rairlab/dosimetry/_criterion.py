"""The NCT02152995 dosimetric criterion, in dosimetry's units, read from the knowledge base.

The criterion is a fact of the trial: its numbers (a predicted lesion dose of at
least 20 Gy with at most 300 mCi administered, Table 1 of the review) live once, in
the trial's ``dosimetry_criterion`` record of the knowledge base
(``knowledge/data/liu2023/trials.yaml``). Lesion dosimetry, the cohort pipeline and
tumour cases take their default target dose and maximum activity from
:func:`trial_criteria`, which converts the maximum activity to MBq and names the
citation.
"""

from __future__ import annotations

from dataclasses import dataclass

from rairlab.dosimetry._units import ACTIVITY_UNITS
from rairlab.errors import DataFileError
from rairlab.knowledge import KnowledgeBase, load_knowledge

__all__ = ["TRIAL", "TrialCriterion", "trial_criteria", "trial_max_activity_mbq"]

#: The trial whose lesion-dosimetry criterion is the default of rairlab's lesion dosimetry.
TRIAL = "NCT02152995"


@dataclass(frozen=True)
class TrialCriterion:
    """A trial's lesion-dosimetry criterion in the units dosimetry computes with.

    Attributes
    ----------
    trial
        The trial's label (NCT id).
    target_gy
        Minimum predicted lesion absorbed dose (Gy).
    max_activity_mbq
        Maximum administered activity (MBq; the record's mCi times 37).
    citation
        Where the criterion is stated: reference, section, trial and printed wording.
    doi
        The cited reference's DOI, if it has one.
    """

    trial: str
    target_gy: float
    max_activity_mbq: float
    citation: str
    doi: str | None


def trial_criteria(kb: KnowledgeBase | None = None) -> TrialCriterion:
    """The NCT02152995 dosimetric criterion, from the trial's knowledge-base record.

    Parameters
    ----------
    kb
        The knowledge base to read; default the shipped one (``load_knowledge()``).

    Raises
    ------
    UnknownNameError
        If `kb` has no trial NCT02152995.
    DataFileError
        If its record has no ``dosimetry_criterion``.

    Examples
    --------
    >>> c = trial_criteria()
    >>> c.target_gy, c.max_activity_mbq  # 20 Gy with at most 300 mCi
    (20.0, 11100.0)
    """
    kb = load_knowledge() if kb is None else kb
    trial = kb.trial(TRIAL)
    record = trial.dosimetry_criterion
    if record is None:
        raise DataFileError(
            f"{kb.origin}/trials.yaml", f"trial {TRIAL} ({trial.id}) has no dosimetry_criterion"
        )
    ref = kb.reference(record.citations[0])
    where = ", ".join(x for x in (ref.citation, record.section, trial.label) if x)
    return TrialCriterion(
        trial=trial.label,
        target_gy=record.min_lesion_dose_gy,
        max_activity_mbq=record.max_activity_mci * ACTIVITY_UNITS["mCi"],
        citation=f"{where}: {record.value_text}",
        doi=ref.doi,
    )


def trial_max_activity_mbq() -> float:
    """The NCT02152995 maximum activity (300 mCi) in MBq.

    Examples
    --------
    >>> trial_max_activity_mbq()
    11100.0
    """
    return trial_criteria().max_activity_mbq
