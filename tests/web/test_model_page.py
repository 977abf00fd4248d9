"""The Model page and its JSON: diagram, node panel, knockouts, errors, and the browser flow."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from rairlab.network import compile_model, conditions, normal_thyrocyte, steady_state

#: Same algorithm (the NumPy and the compiled path agree to about 1e-12): a tight tolerance.
REL_TOL = 1e-9
NIS_GENE = "SLC5A5_mRNA"


def assert_csp_clean(html: str) -> None:
    """What the strict CSP would block: inline script, inline handlers, style attributes."""
    assert re.findall(r'<script(?![^>]*(?:src=|type="application/json"))', html) == []
    assert re.search(r"\son[a-z]+=|\sstyle=", html) is None


def test_page_draws_one_svg_node_per_model_node(client: Any) -> None:
    r = client.get("/model")
    assert r.status_code == 200
    model = compile_model()
    nodes = re.findall(r'<g class="node[^"]*" data-node="([^"]+)"', r.text)
    assert sorted(nodes) == sorted(model.node_ids)
    assert_csp_clean(r.text)
    assert "Research use only" in r.text


def test_node_api_gives_rule_and_cited_interactions(client: Any) -> None:
    r = client.get("/api/model/node/TSHR")
    assert r.status_code == 200
    node = r.json()
    assert node["rule"] == "PAX8 & (NKX2_1 | FOXE1) & PPARG_RXR & !PC"
    assert node["interactions"]
    assert all(i["citations"] for i in node["interactions"])
    assert {i["id"] for i in node["interactions"]} == set(
        compile_model().interactions[compile_model().index("TSHR")]
    )
    nis = client.get(f"/api/model/node/{NIS_GENE}").json()
    assert {s["switch"] for s in nis["switches"]} >= {"braf_mapk", "imatinib"}


def test_variant_changes_the_rule_in_effect(client: Any) -> None:
    default = client.get("/api/model/node/ERK").json()
    other = client.get("/api/model/node/ERK", params={"variant": "pc-drives-mapk"}).json()
    assert other["rule"] == "MEK & PC & !ROS" != default["rule"]
    switch = next(s for s in other["switches"] if s["switch"] == "pyruvate_carboxylase")
    assert switch["in_effect"] == "pc-drives-mapk"


def test_network_api_has_signed_edges_and_variants(client: Any) -> None:
    data = client.get("/api/model").json()
    model = compile_model()
    assert [n["id"] for n in data["nodes"]] == list(model.node_ids)
    assert len(data["edges"]) == model.n_edges
    assert {"source": "PAX8", "target": "TSHR", "sign": "+"} in data["edges"]
    assert {"source": "PC", "target": "TSHR", "sign": "-"} in data["edges"]
    assert {e["sign"] for e in data["edges"]} == {"+", "-"}
    assert data["variants"][0]["name"] == "default"


def test_nis_gene_knockout_lowers_uptake_as_the_library_does(client: Any) -> None:
    r = client.get("/api/model/perturb", params={"knockout": NIS_GENE})
    assert r.status_code == 200
    data = r.json()
    model = compile_model()
    ref = float(normal_thyrocyte(model)["iodide_uptake"][0])
    ko = steady_state(model, conditions(model, 1, tsh="withdrawal", knockout=[NIS_GENE]))
    expected = float(ko["iodide_uptake"][0])
    assert data["reference"]["iodide_uptake"] == pytest.approx(ref, rel=REL_TOL)
    assert data["perturbed"]["iodide_uptake"] == pytest.approx(expected, abs=1e-12)
    assert data["perturbed"]["iodide_uptake"] < data["reference"]["iodide_uptake"]
    row = next(o for o in data["outputs"] if o["node"] == "iodide_uptake")
    assert row["difference"] == pytest.approx(expected - ref, abs=1e-9)
    assert [o["node"] for o in data["outputs"]][:2] == ["NIS_membrane", "iodide_uptake"]
    page = client.get("/model", params={"knockout": NIS_GENE, "node": NIS_GENE})
    assert page.status_code == 200
    assert 'id="effect-table"' in page.text
    assert 'id="model-effect"' in page.text
    assert_csp_clean(page.text)


def test_node_links_keep_the_other_perturbations(client: Any) -> None:
    query = [("node", "PIGU"), ("knockout", "PIGU, SMAD7:0.8"), ("drug", "dabrafenib")]
    text = html.unescape(client.get("/model", params=query).text)
    assert 'id="knockout-node"' not in text  # already knocked out: undo instead
    undo = re.search(r'id="undo-node" href="([^"]*)"', text)
    assert undo is not None
    assert undo.group(1) == "/model?node=PIGU&drug=dabrafenib&knockout=SMAD7%3A0.8"
    clear = re.search(r'href="([^"]*)" id="clear-perturbations"', text)
    assert clear is not None
    assert clear.group(1) == "/model?node=PIGU"


@pytest.mark.parametrize(
    ("path", "params", "expect"),
    [
        ("/api/model/node/SLC5A5", {}, "'SLC5A5_mRNA'"),
        ("/api/model", {"variant": "pc-drives-mapks"}, "'pc-drives-mapk'"),
        ("/api/model/perturb", {"knockout": "../../x"}, "'../../x'"),
        ("/api/model/perturb", {"overexpress": "PIGU:2"}, "'PIGU:2'"),
        ("/api/model/perturb", {"tsh": "high"}, "'high'"),
    ],
)
def test_bad_input_is_one_line_400(client: Any, path: str, params: dict, expect: str) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 400
    message = r.json()["error"]
    assert expect in message
    assert "\n" not in message


def test_bad_input_on_the_page_is_a_400_page(client: Any) -> None:
    for params in ({"node": "SLC5A5"}, {"variant": "nope"}, {"knockout": "../../x"}):
        r = client.get("/model", params=params)
        assert r.status_code == 400
        assert "Unknown" in r.text
        assert "Traceback" not in r.text


def test_browser_click_node_then_knock_it_out(browser_page: Any, shot: Any) -> None:
    page = browser_page
    page.goto("/model")
    page.locator(f'#model-diagram g.node[data-node="{NIS_GENE}"]').click()
    page.wait_for_selector("#node-rule")
    assert f"node={NIS_GENE}" in page.url
    assert "NIS_silencing" in page.locator("#node-rule").inner_text()
    cites = page.locator("#node-interactions li")
    assert cites.count() >= 3
    assert re.search(r"\d{4}", cites.first.inner_text())  # a citation's year
    page.click("#knockout-node")
    page.wait_for_selector("#effect-table")
    assert f"knockout={NIS_GENE}" in page.url
    uptake = page.locator('#effect-table tr[data-node="iodide_uptake"] td').nth(3).inner_text()
    assert uptake.startswith("-")
    assert page.locator('#model-diagram g.node.selected[data-node="SLC5A5_mRNA"]').count() == 1
    page.wait_for_selector("#model-effect svg")
    shot(page, "model")
