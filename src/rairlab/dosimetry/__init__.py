"""Dosimetry: nuclide data, S-values, voxel dose maps, lesion and blood dosimetry.

Research use only: absorbed doses computed here are model results, not a basis
for treatment decisions.
"""

from rairlab.dosimetry._blood import (
    BLOOD_VOLUME_ML,
    HEIGHT_CM,
    BloodDose,
    SinglePointBloodDose,
    blood_dose_per_gbq,
    blood_dosimetry,
    eanm_blood_constants,
    max_activity_blood_mbq,
    max_activity_retention_mbq,
    nadler_blood_volume_ml,
    read_blood_measurements,
    single_point_blood_dose_per_gbq,
    single_point_blood_dosimetry,
    single_point_constants,
)
from rairlab.dosimetry._criterion import TrialCriterion, trial_criteria, trial_max_activity_mbq
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
)
from rairlab.dosimetry._lesion_study import LesionStudy, lesion_study
from rairlab.dosimetry._lesion_table import LesionInput, mask_volumes_ml, read_lesion_table
from rairlab.dosimetry._limits import LIMITS, Limits, Range, max_tia_mbq_h
from rairlab.dosimetry._measurements import (
    ACTIVITY_UNITS,
    Measurements,
    read_csv_columns,
    read_measurements,
)
from rairlab.dosimetry._nuclides import MEV_TO_J, Daughter, Nuclide, get_nuclide, nuclide_names
from rairlab.dosimetry._recovery import (
    RecoveryCurve,
    fit_recovery_curve,
    read_recovery_phantom,
    sphere_recovery_gaussian,
)
from rairlab.dosimetry._remnant import RemnantDose, remnant_dosimetry
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
    tissue_density_g_cm3,
)
from rairlab.dosimetry._tac import MODELS as TAC_MODELS
from rairlab.dosimetry._tac import TacAnalysis, TacFit, aicc_convention, fit_tac, redecay
from rairlab.dosimetry._tg43 import SEED_MODELS, seed_dose_rate, seed_total_dose
from rairlab.dosimetry._uncertainty import (
    DoseUncertainty,
    UncertaintyInputs,
    propagate_lesion_dose,
    s_value_relative_sd,
)
from rairlab.dosimetry._voxel import (
    DoseStatistics,
    VoxelDose,
    dose_statistics,
    dose_volume_histogram,
    voxel_dose,
)

__all__ = [
    "ACTIVITY_UNITS",
    "BLOOD_VOLUME_ML",
    "HEIGHT_CM",
    "LIMITS",
    "MEV_TO_J",
    "SEED_MODELS",
    "TAC_MODELS",
    "AbsorbedFractions",
    "BloodDose",
    "Daughter",
    "DoseStatistics",
    "DoseUncertainty",
    "Image3D",
    "LesionDose",
    "LesionInput",
    "LesionStudy",
    "Limits",
    "Measurements",
    "Nuclide",
    "Range",
    "RecoveryCurve",
    "RemnantDose",
    "SinglePointBloodDose",
    "TacAnalysis",
    "TacFit",
    "TrialCriterion",
    "UncertaintyInputs",
    "VoxelDose",
    "VoxelKernel",
    "activity_for_dose",
    "aicc_convention",
    "blood_dose_per_gbq",
    "blood_dosimetry",
    "csda_range_cm",
    "dose_statistics",
    "dose_volume_histogram",
    "eanm_blood_constants",
    "fit_recovery_curve",
    "fit_tac",
    "get_nuclide",
    "kernel_voxel_sizes_mm",
    "lesion_dose_per_gbq",
    "lesion_dose_per_gbq_population",
    "lesion_dosimetry",
    "lesion_study",
    "load_dicom_series",
    "load_kernel",
    "load_nifti",
    "mask_volumes_ml",
    "max_activity_blood_mbq",
    "max_activity_retention_mbq",
    "max_tia_mbq_h",
    "nadler_blood_volume_ml",
    "nuclide_names",
    "photon_absorbed_fraction",
    "propagate_lesion_dose",
    "read_blood_measurements",
    "read_csv_columns",
    "read_lesion_table",
    "read_measurements",
    "read_recovery_phantom",
    "redecay",
    "remnant_dosimetry",
    "s_value_relative_sd",
    "save_nifti",
    "seed_dose_rate",
    "seed_total_dose",
    "single_point_blood_dose_per_gbq",
    "single_point_blood_dosimetry",
    "single_point_constants",
    "sphere_absorbed_fractions",
    "sphere_radius_cm",
    "sphere_recovery_gaussian",
    "sphere_s_value",
    "sphere_s_value_interpolated",
    "tissue_density_g_cm3",
    "trial_criteria",
    "trial_max_activity_mbq",
    "voxel_dose",
    "voxel_kernel",
]
