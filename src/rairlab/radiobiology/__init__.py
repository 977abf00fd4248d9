"""Radiobiology of internal emitters: BED and EQD2 for decaying sources, TCP, alpha RBE,
and the lesion doses the literature associates with response.

Inputs are absorbed doses from :mod:`rairlab.dosimetry`; parameters with their
citations are in ``radiobiology/data/parameters.yaml`` (see
:func:`parameters`), the response levels in ``radiobiology/data/maxon/`` (see
:func:`response_thresholds`). Where the literature has no thyroid-specific value the
default is marked ``provenance: assumption``. Imports only ``_cited`` and ``errors``.
"""

from rairlab._cited import CitedTable, load_cited
from rairlab.radiobiology._alpha import alpha_bed, default_rbe_alpha
from rairlab.radiobiology._lq import bed_decaying, eqd2, lea_catcheside_g
from rairlab.radiobiology._response import response_thresholds
from rairlab.radiobiology._tcp import clonogen_number, tcp_poisson

__all__ = [
    "alpha_bed",
    "bed_decaying",
    "clonogen_number",
    "default_rbe_alpha",
    "eqd2",
    "lea_catcheside_g",
    "parameters",
    "response_thresholds",
    "tcp_poisson",
]


def parameters() -> CitedTable:
    """The cited radiobiological defaults (α/β, repair half-time, α, clonogen density, RBE).

    Examples
    --------
    >>> parameters()["alpha_beta_tumour"].provenance
    'assumption'
    """
    return load_cited("rairlab.radiobiology", "data/parameters.yaml")
