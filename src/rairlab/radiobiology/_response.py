"""Lesion response: absorbed-dose levels the literature associates with response to I-131.

The levels are data (``radiobiology/data/maxon/response_thresholds.yaml``, each
record cited): the dose to thyroid remnants associated with successful ablation
and the doses to metastases associated with response. They are observed
associations, not prescriptions. Dosimetry reports the activity that would reach
each level (``LesionDose.to_dict()["literature_thresholds"]``) and aims remnant
dosimetry at the remnant level.
"""

from __future__ import annotations

from rairlab._cited import CitedTable, load_cited

__all__ = ["response_thresholds"]


def response_thresholds() -> CitedTable:
    """Literature lesion-dose levels associated with response (Maxon et al.), cited.

    Returns
    -------
    CitedTable
        ``remnant_ablation_gy`` (300 Gy), ``metastasis_response_gy`` (80 Gy) and
        ``nodal_metastasis_response_gy`` (85 Gy), each with its citation.

    References
    ----------
    Maxon HR et al. (1983) Relation between effective radiation dose and outcome of
    radioiodine therapy for thyroid cancer. N. Engl. J. Med. 309:937-941.
    doi:10.1056/NEJM198310203091601

    Examples
    --------
    >>> response_thresholds().value("remnant_ablation_gy")
    300.0
    """
    return load_cited("rairlab.radiobiology", "data/maxon/response_thresholds.yaml")
