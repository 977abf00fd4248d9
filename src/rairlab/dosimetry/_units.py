"""Unit conversions of the dosimetry layer, defined once (definitions, not data).

Examples
--------
>>> BQ_S_PER_MBQ_H == BQ_PER_MBQ * SECONDS_PER_HOUR
True
>>> ACTIVITY_UNITS["mCi"]  # 1 Ci = 3.7e10 Bq exactly
37.0
"""

from __future__ import annotations

from rairlab._cited import CitedValue

__all__ = [
    "ACTIVITY_UNITS",
    "BQ_PER_GBQ",
    "BQ_PER_MBQ",
    "BQ_S_PER_MBQ_H",
    "MBQ_PER_GBQ",
    "MEV_TO_J",
    "SECONDS_PER_HOUR",
    "cited_activity_mbq",
]

#: Seconds per hour.
SECONDS_PER_HOUR = 3600.0
#: Becquerel per megabecquerel.
BQ_PER_MBQ = 1e6
#: Megabecquerel per gigabecquerel.
MBQ_PER_GBQ = 1e3
#: Becquerel per gigabecquerel.
BQ_PER_GBQ = BQ_PER_MBQ * MBQ_PER_GBQ
#: Decays (Bq·s) in 1 MBq·h.
BQ_S_PER_MBQ_H = BQ_PER_MBQ * SECONDS_PER_HOUR
#: Joule per MeV (exact: the 2019 SI fixes the elementary charge).
MEV_TO_J = 1.602176634e-13
#: Activity units in MBq per unit (1 Ci = 3.7e10 Bq exactly).
ACTIVITY_UNITS = {"Bq": 1e-6, "kBq": 1e-3, "MBq": 1.0, "GBq": 1e3, "uCi": 0.037, "mCi": 37.0}


def cited_activity_mbq(record: CitedValue) -> float:
    """A cited activity (value in any unit of :data:`ACTIVITY_UNITS`) in MBq.

    Examples
    --------
    >>> from rairlab._cited import CitedValue
    >>> cited_activity_mbq(CitedValue(name="cap", value=300.0, unit="mCi",
    ...                               provenance="literature", citation="an example"))
    11100.0
    """
    return float(record.value) * ACTIVITY_UNITS[record.unit]  # type: ignore[arg-type]
