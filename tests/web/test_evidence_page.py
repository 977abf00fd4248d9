"""The Evidence page and the names API: queries, filters, citations, errors."""

from __future__ import annotations

from typing import Any


def test_query_by_alteration_and_level_keeps_only_that_level(client: Any) -> None:
    r = client.get("/api/evidence", params={"alteration": "BRAF V600E", "level": "B"})
    assert r.status_code == 200
    data = r.json()
    assert data["counts"]["outcomes"] == len(data["outcomes"]) > 0
    assert {o["level"] for o in data["outcomes"]} == {"B"}
    assert all(o["citations"] for o in data["outcomes"])


def test_phrase_filter_narrows_statements(client: Any) -> None:
    every = client.get("/api/evidence").json()["counts"]
    some = client.get("/api/evidence", params={"q": "TSHR"}).json()
    assert 0 < some["counts"]["interactions"] < every["interactions"]
    assert all("tshr" in str(row).lower() for row in some["interactions"])


def test_unknown_drug_is_one_line_400_with_close_match(client: Any) -> None:
    r = client.get("/api/evidence", params={"drug": "dabrafinib"})
    assert r.status_code == 400
    assert "'dabrafinib'" in r.json()["error"]
    assert "dabrafenib" in r.json()["error"]
    page = client.get("/evidence", params={"drug": "dabrafinib"})
    assert page.status_code == 400
    assert "Did you mean" in page.text
    assert "Traceback" not in page.text


def test_a_trial_shows_its_dosimetry_criterion(client: Any) -> None:
    data = client.get("/api/evidence", params={"trial": "NCT02152995"}).json()
    crit = data["trials"][0]["dosimetry_criterion"]
    assert (crit["min_lesion_dose_gy"], crit["max_activity_mci"]) == (20.0, 300.0)
    page = client.get("/evidence", params={"trial": "NCT02152995"})
    assert "Dosimetry criterion" in page.text
    assert "≥ 20 Gy with ≤ 300 mCi" in page.text


def test_names_for_autocomplete(client: Any) -> None:
    r = client.get("/api/names", params={"kind": "alteration"})
    assert "BRAF p.V600E" in r.json()["names"]
    bad = client.get("/api/names", params={"kind": "../etc"})
    assert bad.status_code == 400
    assert "'../etc'" in bad.json()["error"]


def test_every_page_has_notice_and_security_headers(client: Any) -> None:
    r = client.get("/evidence")
    assert "Research use only" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "http://" not in r.text.replace("http://www.w3.org", "")


def test_browser_search_shows_cited_outcomes(browser_page: Any, shot: Any) -> None:
    page = browser_page
    page.goto("/evidence")
    page.fill("#alteration", "BRAF V600E")
    page.select_option("#level", "B")
    page.click("button[type=submit]")
    page.wait_for_selector("#outcomes")
    assert "alteration=BRAF+V600E" in page.url  # the inputs stay in the URL
    assert page.locator("#outcomes tbody tr").count() >= 1
    assert page.locator("#evidence-counts").inner_text().endswith(".")
    shot(page, "evidence")
