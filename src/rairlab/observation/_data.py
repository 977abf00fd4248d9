"""The cited data of rairlab.observation: scan protocols, Tg, FDG and ATA 2015 records.

Every number sits in a YAML file under ``observation/data/<source>/`` and is read
through :func:`rairlab._cited.load_cited`; this module only names the files and
assembles a :class:`ScanProtocol` per scan type.
"""

from __future__ import annotations

from dataclasses import dataclass

from rairlab._cited import CitedTable, load_cited
from rairlab._parameters import ParametersLike, check_records, parameter_set
from rairlab.dosimetry import get_nuclide  # nuclide half-lives only; no dose computation
from rairlab.errors import UnknownNameError

__all__ = ["DATA_FILES", "SCAN_TYPES", "ScanProtocol", "data_tables", "scan_protocol"]

_PACKAGE = "rairlab.observation"

#: Every cited file of the package, by short name.
DATA_FILES: dict[str, str] = {
    "ata2015": "data/haugen2016/ata2015.yaml",
    "thyroglobulin": "data/nacb2003/thyroglobulin.yaml",
    "tg_assay": "data/spencer2010/tg_assay.yaml",
    "scans": "data/imaging/scans.yaml",
    "fdg": "data/assumptions/fdg.yaml",
}

#: Scan types and the nuclide each one images.
_SCAN_NUCLIDES: dict[str, str] = {
    "i131_wbs": "I-131",
    "i131_spect": "I-131",
    "i123_wbs": "I-123",
    "i124_pet": "I-124",
    "i131_post_therapy_wbs": "I-131",
}
SCAN_TYPES: tuple[str, ...] = tuple(_SCAN_NUCLIDES)


def table(key: str) -> CitedTable:
    """The cited table `key` of :data:`DATA_FILES` (cached by the loader)."""
    return load_cited(_PACKAGE, DATA_FILES[key])


def data_tables() -> dict[str, CitedTable]:
    """Every cited table of rairlab.observation, by short name.

    Examples
    --------
    >>> data_tables()["ata2015"]["rai_refractory_mixed_uptake"].provenance
    'literature'
    """
    return {key: table(key) for key in DATA_FILES}


@dataclass(frozen=True)
class ScanProtocol:
    """One radioiodine scan type with its cited instrument and protocol numbers.

    Attributes
    ----------
    name
        Scan key, one of :data:`SCAN_TYPES`.
    nuclide
        The imaged iodine isotope (``"I-131"``, ``"I-123"``, ``"I-124"``).
    fwhm_mm
        System spatial resolution in the image (mm FWHM).
    mda_kbq
        Minimum detectable activity of a point-like lesion at the scan time (kBq).
    administered_mbq
        Default administered activity (MBq).
    imaging_time_h
        Default time of imaging after administration (h).
    half_life_h
        Physical half-life of `nuclide` (h), from :mod:`rairlab.dosimetry` nuclide data.
    """

    name: str
    nuclide: str
    fwhm_mm: float
    mda_kbq: float
    administered_mbq: float
    imaging_time_h: float
    half_life_h: float


def scan_protocol(scan: str, parameters: ParametersLike = "fitted") -> ScanProtocol:
    """The protocol of scan type `scan`: cited records, with `parameters`' ``scan.*`` values.

    `parameters`: ``"fitted"`` (the calibrated set, default), ``"prior"`` (the
    data file as written) or a mapping (:mod:`rairlab._parameters`).

    Raises
    ------
    UnknownNameError
        If `scan` is not one of :data:`SCAN_TYPES`.

    Examples
    --------
    >>> p = scan_protocol("i124_pet")
    >>> p.nuclide, p.imaging_time_h
    ('I-124', 24.0)
    """
    if scan not in _SCAN_NUCLIDES:
        raise UnknownNameError("scan type", scan, SCAN_TYPES)

    t = table("scans")
    values = parameter_set(parameters).domain("scan")
    if values:
        check_records(values, t, "scan")

    def value(record: str) -> float:
        return float(values[record]) if record in values else t.value(record)

    nuclide = _SCAN_NUCLIDES[scan]
    return ScanProtocol(
        name=scan,
        nuclide=nuclide,
        fwhm_mm=value(f"{scan}_fwhm_mm"),
        mda_kbq=value(f"{scan}_mda_kbq"),
        administered_mbq=value(f"{scan}_activity_mbq"),
        imaging_time_h=value(f"{scan}_imaging_time_h"),
        half_life_h=float(get_nuclide(nuclide).half_life_h),
    )
