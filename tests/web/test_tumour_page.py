"""The Tumour page: form → case → population answer, the same as the library's; errors 4xx."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from rairlab.cohort import evaluate_case, parse_case
from rairlab.web._tumour import EXAMPLE

QUERY = {
    "alteration": "BRAF V600E",
    "drug": ["dabrafenib", "trametinib"],
    "weeks": "4",
    "tsh": "rhtsh",
    "lesion_name": "lung 1",
    "lesion_size": "1.5",
    "lesion_unit": "g",
    "lesion_site": "lung",
    "n": "100",
    "seed": "3",
}


def test_api_answer_equals_the_library_for_the_same_case(client: Any) -> None:
    r = client.get("/api/tumour", params=QUERY)
    assert r.status_code == 200
    direct = evaluate_case(
        parse_case(
            {
                "genotype": "BRAF V600E",
                "drugs": [{"name": "dabrafenib"}, {"name": "trametinib"}],
                "drug_weeks": 4,
                "tsh": "rhtsh",
                "lesions": [{"name": "lung 1", "mass_g": 1.5, "site": "lung"}],
                "n": 100,
                "seed": 3,
            }
        )
    ).to_dict()
    got = r.json()
    assert got["lesions"] == direct["lesions"]
    assert got["patients"] == direct["patients"]
    # graded, not a switch: the drugs move the distribution, which keeps its width
    on, before = got["patients"]["uptake"]["on"], got["patients"]["uptake"]["before"]
    assert before["median"] < on["median"]
    assert on["p5"] < on["median"] < on["p95"]
    assert 0.0 < got["patients"]["p_uptake_restored"] < 1.0


def test_page_shows_answer_diagram_charts_and_evidence(client: Any) -> None:
    r = client.get("/tumour?" + EXAMPLE + "&n=100")
    assert r.status_code == 200
    html = r.text
    assert 'id="tumour-summary"' in html
    assert html.count('class="node"') > 50  # the network diagram, one group per node
    assert html.count('class="chart"') == 2
    assert 'id="evidence-cards"' in html
    assert "BRAF p.V600E" in html
    assert "Research use only" in html
    assert "<script>" not in html  # no inline script (the CSP would block it)
    assert " style=" not in html.split('<div class="diagram"')[0]


def test_report_download_is_self_contained(client: Any) -> None:
    r = client.get("/tumour/report", params=QUERY)
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    assert "<script" not in r.text
    assert "Research use only" in r.text


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"drug": "dabrafinib"}, ["'dabrafinib'", "dabrafenib"]),
        ({"alteration": "BRAF V600E; ;;", "lesion_size": "abc"}, ["lesion 1 size", "'abc'"]),
        ({"lesion_size": "-2"}, ["lesions[0].mass_g", "-2"]),
        ({"alteration": "", "n": "999999"}, ["n", "999999"]),
        ({"alteration": "", "tsh": "high"}, ["tsh", "'high'"]),
        ({"alteration": "", "env_hypoxia": "max"}, ["env_hypoxia", "'max'"]),
        ({"alteration": "", "lesion_size": "1", "lesion_site": "../../etc"}, ["../../etc"]),
        ({"alteration": "x" * 1000}, ["alteration", "at most"]),
    ],
)
def test_bad_input_is_one_line_400(client: Any, query: dict[str, str], names: list[str]) -> None:
    r = client.get("/api/tumour?" + urlencode(query))
    assert r.status_code == 400
    message = r.json()["error"]
    assert "\n" not in message
    for name in names:
        assert name in message
    page = client.get("/tumour?" + urlencode(query))
    assert page.status_code == 400
    assert "Traceback" not in page.text


def test_browser_enter_case_and_read_answer(browser_page: Any, shot: Any) -> None:
    page = browser_page
    page.goto("/tumour")
    page.fill("#alteration-0", "BRAF V600E")
    page.fill("#alteration-1", "TERT C228T")
    page.fill("#drug-0", "dabrafenib")
    page.fill("#drug-1", "trametinib")
    page.fill("#n", "200")
    page.click("#evaluate")
    page.wait_for_selector("#tumour-summary")
    assert "alteration=BRAF+V600E" in page.url  # the inputs stay in the URL
    text = page.inner_text("#tumour-summary")
    assert "dabrafenib + trametinib" in text
    assert "%" in page.inner_text("#p-criterion-on")
    page.wait_for_selector("#tumour-network-outputs svg")
    page.wait_for_selector("#tumour-lesion-dose svg")
    assert page.locator("#tumour-diagram g.node").count() > 50
    with page.expect_download() as dl:
        page.click("#tumour-lesion-dose button[data-download=csv]")
    csv = dl.value.path().read_text()
    assert csv.startswith("category,series,")
    with page.expect_download() as dl:
        page.click("#tumour-diagram button[data-download=svg]")
    assert dl.value.path().read_text().count('class="node"') > 50
    shot(page, "tumour")
