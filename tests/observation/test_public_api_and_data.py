"""Public names of rairlab.observation and the provenance of every shipped record."""

from __future__ import annotations

import pytest

import rairlab.observation as obs
from rairlab._cited import CitedTable


def test_public_names() -> None:
    assert obs.__all__ == [
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
    for name in obs.__all__:
        assert hasattr(obs, name)


def _records() -> list[tuple[str, str]]:
    return [(key, name) for key, t in obs.data_tables().items() for name in t]


@pytest.mark.parametrize(("table", "name"), _records())
def test_every_record_is_cited(table: str, name: str) -> None:
    rec = obs.data_tables()[table][name]
    assert rec.citation.strip()
    assert rec.provenance in {"literature", "assumption", "fitted", "derived"}
    if rec.provenance == "literature":
        # A literature value names its source, not rairlab.
        assert not rec.citation.lower().startswith("rairlab")
        assert any(ch.isdigit() for ch in rec.citation)  # a year / volume
    if rec.provenance == "assumption":
        # An assumption says why: in its note or in its citation text.
        assert (
            (rec.note or "")
            or "assumption" in rec.citation.lower()
            or "default" in (rec.citation.lower())
        )


def test_tables_are_cited_tables() -> None:
    tables = obs.data_tables()
    assert set(tables) == {"ata2015", "thyroglobulin", "tg_assay", "scans", "fdg"}
    assert all(isinstance(t, CitedTable) for t in tables.values())


def test_ata_categories_are_the_four_numbered_definitions() -> None:
    t = obs.data_tables()["ata2015"]
    for i, name in enumerate(obs.RAI_REFRACTORY_CATEGORIES, start=1):
        rec = t[f"rai_refractory_{name}"]
        assert rec.value == i
        assert rec.doi == "10.1089/thy.2015.0020"
        assert rec.note


@pytest.mark.parametrize("scan", obs.SCAN_TYPES)
def test_every_scan_type_has_its_protocol_records(scan: str) -> None:
    p = obs.scan_protocol(scan)
    assert p.fwhm_mm > 0
    assert p.mda_kbq > 0
    assert p.administered_mbq > 0
    assert p.imaging_time_h > 0
    assert p.half_life_h > 0


def test_default_diagnostic_activities_lie_in_the_cited_ranges() -> None:
    t = obs.data_tables()["scans"]
    lo, hi = t.array("i131_diagnostic_activity_range_mbq")
    assert lo <= obs.scan_protocol("i131_wbs").administered_mbq <= hi
    lo, hi = t.array("i123_activity_range_mbq")
    assert lo <= obs.scan_protocol("i123_wbs").administered_mbq <= hi


def test_docs_list_every_record() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "observation.md").read_text(encoding="utf-8")
    for _table, name in _records():
        assert f"`{name}`" in doc, f"{name} missing from docs/observation.md"
    for name in obs.__all__:
        if not name.isupper():
            assert name in doc, f"{name} missing from docs/observation.md"
