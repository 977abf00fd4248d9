"""The Dosimetry page: the example study, uploads checked like the CLI's, JSON, the browser."""

from __future__ import annotations

import html
import itertools
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rairlab.dosimetry import (
    TAC_MODELS,
    blood_dosimetry,
    dose_statistics,
    lesion_dosimetry,
    read_blood_measurements,
    read_measurements,
    voxel_dose,
)
from rairlab.web._dosimetry import EXAMPLE_FIELDS, LESION_MODELS

EXAMPLES = Path(str(files("rairlab.web").joinpath("examples")))
LESION = EXAMPLES / "lesion_i124.csv"
BLOOD = EXAMPLES / "blood_i131.csv"
FIELDS = {"nuclide": "I-124", "mass_g": "2", "administered_mbq": "74", "predict": "I-131"}
#: Same arithmetic on the same inputs: only float formatting may differ.
REL = 1e-12


def _library_lesion() -> Any:
    data = read_measurements(LESION, 74.0)
    return lesion_dosimetry(data, "I-124", 2.0, predict="I-131")


def _post(client: Any, url: str = "/api/dosimetry", **files: Any) -> Any:
    data = files.pop("data", FIELDS)
    return client.post(url, data=data, files=files or None)


def _nifti(tia: np.ndarray, voxel_mm: float = 4.0) -> bytes:
    nib = pytest.importorskip("nibabel")
    return bytes(nib.Nifti1Image(tia.astype(np.float32), np.diag([voxel_mm] * 3 + [1])).to_bytes())


def _sphere_tia() -> np.ndarray:
    grid = np.indices((16, 16, 16)) - 7.5
    return np.where((grid**2).sum(axis=0) < 16, 50.0, 0.0)


def test_form_models_are_the_cli_choices() -> None:
    assert ("auto", *TAC_MODELS) == LESION_MODELS


def test_empty_form_has_every_cli_field_and_the_example_link(client: Any) -> None:
    r = client.get("/dosimetry")
    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text
    assert 'action="/dosimetry"' in r.text
    for name in ("measurements", "nuclide", "mass_g", "administered_mbq", "predict", "recovery",
                 "model", "target_gy", "max_activity_mbq", "blood_measurements", "weight_kg",
                 "tia", "mask", "method", "v_gy"):  # fmt: skip
        assert f'name="{name}"' in r.text
    assert 'href="/dosimetry?example=1"' in r.text
    assert "Research use only" in r.text
    assert " style=" not in r.text
    assert "<script>" not in r.text


def test_example_study_shows_the_library_numbers(client: Any) -> None:
    r = client.get("/dosimetry", params={"example": "1"})
    assert r.status_code == 200
    lesion = _library_lesion()
    out = lesion.to_dict()
    table = r.text.split('id="lesion-result"')[1].split("</table>")[0]
    assert f"{out['tia_mbq_h']:.4g}" in table
    assert f"{lesion.dose_gy_per_gbq:.4g} ± {lesion.dose_sd_gy_per_gbq:.2g}" in table
    assert f"{lesion.activity_for_target_mbq:.5g}" in table
    t, b, w = read_blood_measurements(BLOOD)
    blood = blood_dosimetry(t, b, w, weight_kg=70.0)
    assert f"{blood.dose_gy_per_gbq:.4g}" in r.text.split('id="blood-result"')[1]
    assert 'id="model-selection"' in r.text
    assert "mono (chosen)" in r.text
    assert r.text.count('class="chart"') == 3  # lesion curve, blood and whole body
    assert 'name="example" value="1"' in r.text
    assert 'value="I-124"' in r.text


def test_upload_equals_a_direct_library_call(client: Any) -> None:
    r = _post(client, measurements=("lesion.csv", LESION.read_bytes(), "text/csv"),
              blood_measurements=("blood.csv", BLOOD.read_bytes(), "text/csv"))  # fmt: skip
    assert r.status_code == 200
    got = r.json()
    lesion = _library_lesion()
    want = lesion.to_dict()
    assert "Research use only" in got["notice"]
    for key in ("tia_mbq_h", "dose_gy_per_gbq", "dose_sd_gy_per_gbq", "activity_for_target_mbq"):
        assert got["lesion"][key] == pytest.approx(want[key], rel=REL), key
    assert got["lesion"]["model"] == want["model"] == "mono"
    assert got["lesion"]["eligible"] is want["eligible"]
    t, b, w = read_blood_measurements(BLOOD)
    blood = blood_dosimetry(t, b, w).to_dict()
    for key in ("blood_dose_gy_per_gbq", "max_activity_blood_mbq", "max_activity_retention_mbq"):
        assert got["blood"][key] == pytest.approx(blood[key], rel=REL), key
    chart = next(c for c in got["charts"] if c["id"] == "lesion-tac")
    assert chart["kind"] == "line"
    assert chart["series"][0]["points"] is True
    assert chart["series"][1]["name"] == "mono (chosen)"
    assert {row["model"] for row in got["lesion"]["model_selection"]} == set(TAC_MODELS)


def test_model_choice_and_html_post(client: Any) -> None:
    data = {**FIELDS, "model": "trapezoid", "recovery": "0.8"}
    r = _post(client, "/dosimetry", data=data, measurements=("l.csv", LESION.read_bytes()))
    assert r.status_code == 200
    want = lesion_dosimetry(
        read_measurements(LESION, 74.0), "I-124", 2.0, predict="I-131", recovery=0.8,
        model="trapezoid",
    )  # fmt: skip
    assert f"{want.dose_gy_per_gbq:.4g}" in r.text.split('id="lesion-result"')[1]
    assert "trapezoid (chosen)" in r.text


def test_path_like_filename_is_only_a_label(client: Any, tmp_path: Path) -> None:
    r = _post(client, measurements=("../../etc/passwd", LESION.read_bytes(), "text/csv"))
    assert r.status_code == 200
    assert r.json()["lesion"]["dose_gy_per_gbq"] == pytest.approx(
        _library_lesion().dose_gy_per_gbq, rel=REL
    )
    bad = _post(client, measurements=("../../etc/passwd", b"time_h,percent_ia\n4,x\n", "text/csv"))
    assert bad.status_code == 400
    assert "passwd" not in bad.json()["error"]
    assert "/tmp" not in bad.json()["error"]


BAD = {
    "malformed": (b"time_h,activity_mbq\n4,0.1\n24,x\n48,0.02\n", "line 3, column 'activity_mbq'"),
    "empty": (b"", "the file is empty"),
    "binary": (bytes(range(256)) * 8, "not a UTF-8 text CSV"),
    "not_a_csv": (b"<html><body>hello</body></html>\n", "missing column 'time_h'"),
    "unclosed_quote": (b'time_h,percent_ia\n4,"0.1\n24",0.05\n48,0.02\n50,0.01\n', "not a CSV row"),
    "field_too_long": (b"time_h,percent_ia\n" + b"1" * 140_000 + b",1\n", "not a CSV row"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_upload_is_a_one_line_400_naming_the_field(client: Any, case: str) -> None:
    content, says = BAD[case]
    r = _post(client, measurements=("m.csv", content, "text/csv"))
    assert r.status_code == 400
    error = r.json()["error"]
    assert error.startswith("measurements (lesion CSV)")
    assert says in error
    assert "\n" not in error
    page = _post(client, "/dosimetry", measurements=("m.csv", content, "text/csv"))
    assert page.status_code == 400
    assert says in html.unescape(page.text)
    assert "Traceback" not in page.text


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("mass_g", "-2", "Invalid --mass-g"),
        ("mass_g", "heavy", "Invalid mass_g 'heavy': expected a number"),
        ("nuclide", "I-999", "Unknown nuclide 'I-999'"),
        ("predict", "Lu-999", "Unknown nuclide 'Lu-999'"),
        ("recovery", "2", "Invalid --recovery"),
        ("model", "quadratic", "Invalid model 'quadratic'"),
    ],
)
def test_bad_field_is_a_one_line_400(client: Any, field: str, value: str, says: str) -> None:
    r = _post(client, data={**FIELDS, field: value}, measurements=("m.csv", LESION.read_bytes()))
    assert r.status_code == 400
    assert says in r.json()["error"]


def test_missing_inputs_and_oversized_upload(client: Any) -> None:
    none = client.post("/api/dosimetry", data={"nuclide": "I-124"})
    assert none.status_code == 400
    assert "measurements" in none.json()["error"]
    big = _post(client, measurements=("big.csv", b"time_h,percent_ia\n" + b"1,1\n" * 60_000))
    assert big.status_code == 413  # the fixture's limit is 200 kB
    assert "larger than the limit" in big.json()["error"]


def test_example_via_api_and_example_files(client: Any) -> None:
    r = client.post("/api/dosimetry", data={"example": "1"})
    assert r.status_code == 200
    assert r.json()["lesion"]["mass_g"] == float(EXAMPLE_FIELDS["mass_g"])
    csv = client.get("/dosimetry/examples/lesion_i124.csv")
    assert csv.status_code == 200
    assert csv.content == LESION.read_bytes()
    assert client.get("/dosimetry/examples/..%2F_app.py").status_code == 404


def test_voxel_dose_and_dvh_match_the_library(client: Any) -> None:
    tia = _sphere_tia()
    mask = (tia > 0).astype(np.float32)
    r = _post(client, data={"v_gy": "1, 5"}, tia=("t.nii", _nifti(tia)),
              mask=("m.nii", _nifti(mask)))  # fmt: skip
    assert r.status_code == 200, r.text
    got = r.json()["voxel"]["statistics_gy"]
    dose = voxel_dose(tia.astype(np.float32).astype(float), 4.0).dose_gy
    want = dose_statistics(dose, mask != 0, v_thresholds_gy=[1.0, 5.0])
    assert got["n_voxels"] == want.n_voxels
    assert got["mean"] == pytest.approx(want.mean, rel=1e-9)
    assert got["max"] == pytest.approx(want.maximum, rel=1e-9)
    assert got["v"]["V5Gy"] == want.v_gy[5.0]
    dvh = next(c for c in r.json()["charts"] if c["id"] == "dvh")
    volume = dvh["series"][0]["y"]
    assert volume[0] == 100.0
    assert all(a >= b for a, b in itertools.pairwise(volume))
    assert r.json()["lesion"] is None


def test_voxel_bad_image_and_mask_without_tia(client: Any) -> None:
    pytest.importorskip("nibabel")
    r = _post(client, tia=("t.nii", b"not an image" * 40))
    assert r.status_code == 400
    assert r.json()["error"].startswith("tia (TIA image)")
    mask = _post(client, mask=("m.nii", _nifti(_sphere_tia())))
    assert mask.status_code == 400
    assert "Invalid mask" in mask.json()["error"]


def test_voxel_without_nibabel_says_which_extra(client: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "nibabel", None)  # import nibabel raises ImportError
    r = _post(client, tia=("t.nii", b"\x00" * 400))
    assert r.status_code == 400
    assert r.json()["error"] == (
        "This feature needs the optional package 'nibabel': pip install 'rairlab[imaging]'"
    )


def test_browser_upload_chart_and_csv_download(
    browser_page: Any, shot: Any, tmp_path: Path
) -> None:
    page = browser_page
    page.goto("/dosimetry")
    page.set_input_files("#measurements", str(LESION))
    page.set_input_files("#blood_measurements", str(BLOOD))
    for name, value in {**FIELDS, "weight_kg": "70"}.items():
        page.fill(f"#{name}", value)
    if _has_nibabel():
        tia = tmp_path / "tia.nii"
        tia.write_bytes(_nifti(_sphere_tia()))
        page.set_input_files("#tia", str(tia))
    page.click("#compute")
    page.wait_for_selector("#lesion-result")
    page.wait_for_selector("#lesion-tac svg")
    if _has_nibabel():
        page.wait_for_selector("#dvh svg")
    want = _library_lesion()
    assert f"{want.dose_gy_per_gbq:.4g}" in page.locator("#lesion-result").inner_text()
    with page.expect_download() as info:
        page.click("#lesion-tac button[data-download=csv]")
    path = info.value.path()
    header = Path(path).read_text(encoding="utf-8").splitlines()[0]
    assert header == "series,time after administration (h),I-131 activity (% of administered)"
    shot(page, "dosimetry")
    page.click("#example-link")
    page.wait_for_selector("#blood-tac svg")
    assert "Example study" in page.locator("#dosimetry-result").inner_text()
    assert f"{want.dose_gy_per_gbq:.4g}" in page.locator("#lesion-result").inner_text()


def _has_nibabel() -> bool:
    try:
        import nibabel  # noqa: F401
    except ImportError:
        return False
    return True


STUDY = Path(__file__).resolve().parents[2] / "examples" / "dosimetry" / "lesions_i124.csv"
PHANTOM = STUDY.with_name("recovery_phantom_i124.csv")
STUDY_FIELDS = {"nuclide": "I-124", "predict": "I-131", "activity_sd": "0.05"}


def test_several_lesions_give_the_cli_study_with_intervals(client: Any) -> None:
    from rairlab.dosimetry import (
        UncertaintyInputs,
        lesion_study,
        read_lesion_table,
        read_recovery_phantom,
    )

    r = _post(
        client,
        data=STUDY_FIELDS,
        measurements=("lesions.csv", STUDY.read_bytes(), "text/csv"),
        recovery_curve=("phantom.csv", PHANTOM.read_bytes(), "text/csv"),
    )
    assert r.status_code == 200, r.text
    got = r.json()["lesion"]
    want = lesion_study(
        read_lesion_table(STUDY),
        "I-124",
        predict="I-131",
        recovery_curve=read_recovery_phantom(PHANTOM),
        uncertainty=UncertaintyInputs(activity_relative_sd=0.05, draws=2000),
    ).to_dict()
    assert [x["lesion_id"] for x in got["lesions"]] == ["neck-node", "lung-1", "bone-T12"]
    for g, w in zip(got["lesions"], want["lesions"], strict=True):
        assert g["dose_gy_per_gbq"] == pytest.approx(w["dose_gy_per_gbq"], rel=REL)
        assert g["uncertainty"]["dose_gy_per_gbq"]["ci95"] == pytest.approx(
            w["uncertainty"]["dose_gy_per_gbq"]["ci95"], rel=REL
        )
    assert got["patient"]["eligible"] is want["patient"]["eligible"]


def test_several_lesions_page_shows_the_table_and_the_patient(client: Any) -> None:
    r = _post(
        client,
        url="/dosimetry",
        data=STUDY_FIELDS,
        measurements=("lesions.csv", STUDY.read_bytes(), "text/csv"),
    )
    assert r.status_code == 200
    table = r.text.split('id="lesion-study"')[1].split("</table>")[0]
    assert table.count("<tr>") == 4  # header and three lesions
    assert "neck-node" in table
    assert 'id="lesion-patient"' in r.text
    assert "NCT02152995" in r.text


def test_single_lesion_by_volume_shows_its_interval(client: Any) -> None:
    data = {k: v for k, v in FIELDS.items() if k != "mass_g"} | {
        "volume_ml": "2",
        "volume_sd_ml": "0.3",
    }
    r = _post(client, url="/dosimetry", data=data, measurements=("m.csv", LESION.read_bytes()))
    assert r.status_code == 200
    table = r.text.split('id="lesion-result"')[1].split("</table>")[0]
    assert "dose per GBq, 95 % interval" in table
    assert "mass" in html.unescape(table)


def test_a_phantom_without_a_lesion_csv_is_refused(client: Any) -> None:
    r = _post(client, recovery_curve=("p.csv", PHANTOM.read_bytes(), "text/csv"))
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid recovery_curve")


def test_browser_lesion_study_with_a_phantom(browser_page: Any) -> None:
    page = browser_page
    page.goto("/dosimetry")
    page.set_input_files("#measurements", str(STUDY))
    page.set_input_files("#recovery_curve", str(PHANTOM))
    for name, value in STUDY_FIELDS.items():
        page.fill(f"#{name}", value)
    page.click("#compute")
    page.wait_for_selector("#lesion-study")
    page.wait_for_selector("#lesion-tac svg")
    rows = page.locator("#lesion-study tbody tr")
    assert rows.count() == 3
    assert "bone-T12" in rows.nth(2).inner_text()
    assert "NCT02152995" in page.locator("#lesion-patient").inner_text()
