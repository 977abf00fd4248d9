"""Hostile and odd requests across the app: always one line with 4xx, quickly, never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.datastructures import QueryParams

from rairlab.web._common import Params
from rairlab.web._tumour import case_from_params


def test_blank_rows_of_the_tumour_form_do_not_shift_later_rows() -> None:
    q = QueryParams(
        "drug=dabrafenib&dose_mg=&drug=&dose_mg=&drug=trametinib&dose_mg=2"
        "&lesion_name=L1&lesion_size=2&lesion_unit=g&lesion_site=lung"
        "&lesion_name=L2&lesion_size=&lesion_unit=g&lesion_site=lung"
        "&lesion_name=L3&lesion_size=10&lesion_unit=mL&lesion_site=bone"
    )
    case = case_from_params(Params(q), 2000)
    assert [(d.name, d.dose_mg) for d in case.drugs] == [("dabrafenib", None), ("trametinib", 2.0)]
    assert [(les.name, les.site, les.mass_g, les.volume_ml) for les in case.lesions] == [
        ("L1", "lung", 2.0, None),
        ("L3", "bone", None, 10.0),
    ]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("a: " + "[1," * 20000, "not valid YAML"),
        ("[" * 5000 + "]" * 5000, "YAML"),
        ("name: t\nseed: " + "9" * 5000, "too many digits"),
        ("x" * 300_000, "larger than the limit"),
    ],
)
def test_hostile_yaml_is_refused_quickly(client: Any, body: str, fragment: str) -> None:
    start = time.monotonic()
    r = client.post("/api/trials", content=body, headers={"content-type": "text/yaml"})
    assert time.monotonic() - start < 5.0
    assert r.status_code in (400, 413)
    assert fragment in r.json()["error"]


def test_streamed_body_over_the_limit_is_413(client: Any) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b"x" * 10_000

    r = client.post("/api/trials", content=chunks(), headers={"content-type": "text/yaml"})
    assert r.status_code == 413
    assert "195 kB" in r.json()["error"]


def test_cross_origin_writes_and_foreign_hosts_are_refused(client: Any) -> None:
    spec = "name: t\nseed: 1\npopulation: {n: 5}\narms: [{name: A}]"
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
        r = client.post("/api/trials", content=spec, headers=headers)
        assert r.status_code == 403
        assert r.json()["error"] == "Cross-origin request refused."
    assert client.get("/tumour", headers={"host": "evil.example"}).status_code == 400


def test_method_not_allowed_says_which_and_allows(client: Any) -> None:
    r = client.delete("/api/tumour")
    assert r.status_code == 405
    assert "DELETE" in r.json()["error"]
    assert "GET" in r.headers["allow"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ("arms: [{name: A, therapy: {activity_mbq: 1.0e308}}]", "activity_mbq"),
        ("arms: [{name: A, drugs: [{name: dabrafenib}], drug_weeks: 1.0e-320}]", "one hour"),
        ("arms: [{name: A, drugs: [{name: dabrafenib, dose_mg: 1.0e30}], drug_weeks: 4}]", "dose"),
    ],
)
def test_absurd_numbers_are_refused_before_the_run(client: Any, spec: str, field: str) -> None:
    body = f"name: t\nseed: 1\npopulation: {{n: 5}}\n{spec}"
    r = client.post("/api/trials", content=body, headers={"content-type": "text/yaml"})
    assert r.status_code == 400
    assert field in r.json()["error"]
    assert client.get("/api/trials").json()["runs"] == []


@pytest.mark.parametrize("query", ["weeks=1e-320&drug=dabrafenib", "drug=dabrafenib&dose_mg=1e308"])
def test_absurd_tumour_numbers_are_one_short_line(client: Any, query: str) -> None:
    r = client.get(f"/api/tumour?alteration=BRAF+V600E&{query}")
    assert r.status_code == 400
    message = r.json()["error"]
    assert "\n" not in message
    assert len(message) < 300
