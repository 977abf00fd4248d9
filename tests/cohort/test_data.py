"""The cohort's population data: shipped files load; a broken record is one clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from rairlab.cohort import load_cohort_data
from rairlab.cohort._data import DATA_DIR, LESION_SITES, PATIENT_PARAMETERS
from rairlab.errors import DataFileError


def test_shipped_data_has_every_setting_site_parameter_and_regimen() -> None:
    d = load_cohort_data()
    assert set(d.settings) == {"all_comer", "distant_metastatic", "rai_refractory"}
    assert set(d.lesion_mass) == set(LESION_SITES)
    assert set(d.patient) == set(PATIENT_PARAMETERS)
    for drug in ("selumetinib", "dabrafenib", "trametinib", "vemurafenib", "larotrectinib"):
        assert d.regimen(drug).dose_mg > 0
    for h, table in d.drivers.items():
        assert sum(table.p.values()) == pytest.approx(1.0, abs=1e-9), h
    # BRAF V600E is the commonest PTC driver (review, section 3.1.1: nearly 60%)
    ptc = d.drivers["PTC"].p
    assert max(ptc, key=lambda k: ptc[k]) == "BRAF p.V600E"
    # TERT promoter mutations are enriched with BRAF V600E in PTC
    assert d.tert["PTC"].p["BRAF"] > d.tert["PTC"].p["none"]


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)  # a new directory: no cached load applies
    return target


def _edit(path: Path, change: object) -> None:
    doc = yaml.safe_load(path.read_text())
    change(doc)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["drivers"]["PTC"]["p"].update({"none": 0.9}), "drivers.PTC"),
        (lambda d: d["drivers"]["FTC"].pop("citation"), "needs a citation"),
        (lambda d: d["patient"]["body_mass_kg"].update({"sigma": -1}), "patient.body_mass_kg"),
        (lambda d: d["drivers"]["PTC"]["p"].update({"BRAFF V600E": 0.0}), "BRAFF"),
        (
            lambda d: d["settings"]["all_comer"]["lesion_count"].update(
                {"values": [0, 1, 2, 3, 4]}
            ),
            "lesion_count",
        ),
    ],
)
def test_broken_record_names_the_file_and_entry(tmp_path: Path, edit: object, words: str) -> None:
    data = _copy(tmp_path)
    _edit(data / "cohort.yaml", edit)
    with pytest.raises(DataFileError, match=words) as err:
        load_cohort_data(data)
    assert "cohort.yaml" in str(err.value)
