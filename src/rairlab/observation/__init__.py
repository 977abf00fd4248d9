"""What a clinic sees of a simulated patient: scan visibility, Tg, FDG avidity, ATA categories.

Inputs are arrays produced upstream (lesion uptake in %IA/g, lesion masses,
network outputs such as ``Tg_secretion`` and ``SLC2A1``); this package does not
know how they were computed. Everything is vectorized over patients and
lesions, shapes ``(n_patients,)`` or ``(n_patients, n_lesions)``. Instrument,
laboratory and guideline numbers are cited records under ``observation/data/``
(see :func:`data_tables`); modelling choices are marked ``provenance: assumption``.
Research use only.
"""

from rairlab.observation._ata import (
    RAI_REFRACTORY_CATEGORIES,
    RefractoryCategories,
    rai_refractory_categories,
)
from rairlab.observation._data import SCAN_TYPES, ScanProtocol, data_tables, scan_protocol
from rairlab.observation._fdg import fdg_avid
from rairlab.observation._recovery import (
    recovery_coefficient,
    resolution_volume_ml,
    sphere_radius_mm,
)
from rairlab.observation._scan import detection_limit_pct_ia_per_g, scan_visible
from rairlab.observation._tg import (
    TG_RESPONSES,
    TSH_STATES,
    serum_tg,
    tg_detectable,
    tg_response,
)

__all__ = [
    "RAI_REFRACTORY_CATEGORIES",
    "SCAN_TYPES",
    "TG_RESPONSES",
    "TSH_STATES",
    "RefractoryCategories",
    "ScanProtocol",
    "data_tables",
    "detection_limit_pct_ia_per_g",
    "fdg_avid",
    "rai_refractory_categories",
    "recovery_coefficient",
    "resolution_volume_ml",
    "scan_protocol",
    "scan_visible",
    "serum_tg",
    "sphere_radius_mm",
    "tg_detectable",
    "tg_response",
]
