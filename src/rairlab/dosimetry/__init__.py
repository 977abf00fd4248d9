"""Dosimetry: nuclide data, S-values, voxel dose maps, lesion and blood dosimetry.

Research use only: absorbed doses computed here are model results, not a basis
for treatment decisions.
"""

from rairlab.dosimetry._blood import (
    BloodDose,
    blood_dose_per_gbq,
    blood_dosimetry,
    eanm_blood_constants,
    max_activity_blood_mbq,
    max_activity_retention_mbq,
    read_blood_measurements,
)
from rairlab.dosimetry._imaging import Image3D, load_dicom_series, load_nifti, save_nifti
from rairlab.dosimetry._kernels import (
    VoxelKernel,
    kernel_voxel_sizes_mm,
    load_kernel,
    voxel_kernel,
)
from rairlab.dosimetry._lesion import (
    LesionDose,
    activity_for_dose,
    lesion_dose_per_gbq,
    lesion_dosimetry,
    lesion_thresholds,
    trial_criteria,
    trial_max_activity_mbq,
)
from rairlab.dosimetry._limits import LIMITS, Limits, Range, max_tia_mbq_h
from rairlab.dosimetry._measurements import (
    ACTIVITY_UNITS,
    Measurements,
    read_csv_columns,
    read_measurements,
)
from rairlab.dosimetry._nuclides import MEV_TO_J, Daughter, Nuclide, get_nuclide, nuclide_names
from rairlab.dosimetry._svalue_grid import (
    lesion_dose_per_gbq_population,
    sphere_s_value_interpolated,
)
from rairlab.dosimetry._svalues import (
    AbsorbedFractions,
    csda_range_cm,
    photon_absorbed_fraction,
    sphere_absorbed_fractions,
    sphere_radius_cm,
    sphere_s_value,
)
from rairlab.dosimetry._tac import MODELS as TAC_MODELS
from rairlab.dosimetry._tac import TacAnalysis, TacFit, fit_tac, redecay
from rairlab.dosimetry._voxel import (
    DoseStatistics,
    VoxelDose,
    dose_statistics,
    dose_volume_histogram,
    voxel_dose,
)

__all__ = [
    "ACTIVITY_UNITS",
    "LIMITS",
    "MEV_TO_J",
    "TAC_MODELS",
    "AbsorbedFractions",
    "BloodDose",
    "Daughter",
    "DoseStatistics",
    "Image3D",
    "LesionDose",
    "Limits",
    "Measurements",
    "Nuclide",
    "Range",
    "TacAnalysis",
    "TacFit",
    "VoxelDose",
    "VoxelKernel",
    "activity_for_dose",
    "blood_dose_per_gbq",
    "blood_dosimetry",
    "csda_range_cm",
    "dose_statistics",
    "dose_volume_histogram",
    "eanm_blood_constants",
    "fit_tac",
    "get_nuclide",
    "kernel_voxel_sizes_mm",
    "lesion_dose_per_gbq",
    "lesion_dose_per_gbq_population",
    "lesion_dosimetry",
    "lesion_thresholds",
    "load_dicom_series",
    "load_kernel",
    "load_nifti",
    "max_activity_blood_mbq",
    "max_activity_retention_mbq",
    "max_tia_mbq_h",
    "nuclide_names",
    "photon_absorbed_fraction",
    "read_blood_measurements",
    "read_csv_columns",
    "read_measurements",
    "redecay",
    "save_nifti",
    "sphere_absorbed_fractions",
    "sphere_radius_cm",
    "sphere_s_value",
    "sphere_s_value_interpolated",
    "trial_criteria",
    "trial_max_activity_mbq",
    "voxel_dose",
    "voxel_kernel",
]
