"""The network diagram SVG: an element per node and edge, fill from activity, nothing to fetch."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network import compile_model, network_svg
from rairlab.network._docgen import edge_signs

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def model():
    return compile_model()


def _nodes(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {
        g.attrib["data-node"]: g for g in root.iter(f"{SVG}g") if g.attrib.get("class") == "node"
    }


def _fill(g: ET.Element) -> str:
    rect = g.find(f"{SVG}rect")
    assert rect is not None
    return rect.attrib["fill"]


def test_one_element_per_node_and_per_edge_with_the_edge_signs(model) -> None:
    svg = network_svg(model)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    nodes = _nodes(svg)
    assert sorted(nodes) == sorted(model.node_ids)
    edges = [p for p in root.iter(f"{SVG}path") if p.attrib.get("class") == "edge"]
    assert len(edges) == len(model.edge_src)
    signs = [1 if p.attrib["data-sign"] == "+" else -1 for p in edges]
    assert signs == edge_signs(model).tolist()
    pairs = {(p.attrib["data-source"], p.attrib["data-target"]) for p in edges}
    assert ("NIS_membrane", "iodide_uptake") in pairs
    colours = {p.attrib["stroke"] for p, s in zip(edges, signs, strict=True) if s < 0}
    assert len(colours) == 1  # every inhibiting edge one colour, unlike the activating ones
    assert colours.isdisjoint(
        {p.attrib["stroke"] for p, s in zip(edges, signs, strict=True) if s > 0}
    )


def test_fill_follows_activity_and_titles_give_the_value(model) -> None:
    low = _nodes(network_svg(model, {n: 0.0 for n in model.node_ids}))
    high = _nodes(network_svg(model, {n: 1.0 for n in model.node_ids}))
    mid = _nodes(network_svg(model, {"NIS_membrane": 0.5}))
    assert _fill(low["TSH"]) != _fill(high["TSH"])
    assert len({_fill(g) for g in low.values()}) == 1

    # darker with activity: the sum of the RGB channels falls
    def level(g: ET.Element) -> int:
        return sum(int(_fill(g)[k : k + 2], 16) for k in (1, 3, 5))

    assert level(low["TSH"]) > level(mid["NIS_membrane"]) > level(high["TSH"])
    assert mid["NIS_membrane"].findtext(f"{SVG}title") == "NIS_membrane: 0.5"
    assert mid["TSH"].findtext(f"{SVG}title") == "TSH: no value"
    # without activity, nodes are filled by kind
    plain = _nodes(network_svg(model))
    assert _fill(plain["TSH"]) != _fill(plain["iodide_uptake"])


def test_changed_nodes_are_outlined_and_their_change_is_in_the_title(model) -> None:
    nodes = _nodes(network_svg(model, {"ERK": 0.1, "MEK": 0.1}, changed={"ERK": -0.8, "MEK": 0.01}))
    erk, mek = (nodes[n].find(f"{SVG}rect") for n in ("ERK", "MEK"))
    assert erk is not None
    assert mek is not None
    assert float(erk.attrib["stroke-width"]) > float(mek.attrib["stroke-width"])
    assert nodes["ERK"].findtext(f"{SVG}title") == "ERK: 0.1 (change -0.8)"


def test_deterministic_and_self_contained(model) -> None:
    svg = network_svg(model, {"TSH": 0.3})
    assert svg == network_svg(model, {"TSH": 0.3})
    assert "<script" not in svg
    assert not re.search(r"(href|src)\s*=", svg)
    assert not re.search(r"url\((?!#)", svg)  # markers are in-document references only
    assert 'font-family="sans-serif"' in svg


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"activity": {"NIS": 0.2}}, UnknownNameError),
        ({"activity": {"TSH": float("nan")}}, InvalidValueError),
        ({"changed": {"TSH": float("inf")}}, InvalidValueError),
        ({"width": 10.0}, InvalidValueError),
    ],
)
def test_bad_arguments_are_one_error(model, kwargs, error) -> None:
    with pytest.raises(error):
        network_svg(model, **kwargs)


def test_a_narrower_drawing_wraps_layers_onto_more_rows(model) -> None:
    def height(svg: str) -> float:
        return float(ET.fromstring(svg).attrib["height"])

    assert height(network_svg(model, width=600)) > height(network_svg(model, width=1400))
