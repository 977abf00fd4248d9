"""Tumour cases: validation, patients with the case's lesions, graded population answers, the
report. Small populations and the steady-state network keep each evaluation well under a second.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rairlab import RESEARCH_USE_NOTICE
from rairlab.cli._output import non_finite_without_note
from rairlab.cohort import CaseLesion, TumourCase, evaluate_case, load_case, parse_case
from rairlab.cohort._case import Interval, _virtual_patients
from rairlab.cohort._case_report import case_report_html, dose_figure_svg
from rairlab.dosimetry import tissue_density_g_cm3
from rairlab.errors import InputFileError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "cases" / "braf_tert_dabrafenib_trametinib.yaml"
DRUGS = [{"name": "dabrafenib"}, {"name": "trametinib"}]


def _case(**over: Any) -> TumourCase:
    return parse_case({"n": 200, "network": "steady_state", **over})


@pytest.fixture(scope="module")
def wild_type() -> Any:
    return evaluate_case(_case())


@pytest.fixture(scope="module")
def braf_dt() -> Any:
    return evaluate_case(_case(genotype="BRAF V600E", drugs=DRUGS))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"lesions": [{"mass_g": -1}]}, "lesions[0].mass_g (-1)"),
        ({"lesions": [{"mass_g": 1, "site": "lungs"}]}, "lesions[0].site ('lungs')"),
        ({"lesions": [{"mass_g": 1, "volume_ml": 1}]}, "exactly one of mass_g or volume_ml"),
        ({"lesions": [{"volume_ml": 6000}]}, "a mass of 6000 g): expected a mass in [0.001, 5000]"),
        ({"lesions": [{"mass_g": 1e-6}]}, "mass_g 1e-06: expected a mass in [0.001, 5000] g"),
        ({"drugs": [{"name": "dabrafinib"}]}, "Did you mean 'dabrafenib'?"),
        ({"drugs": DRUGS, "drug_weeks": 0}, "drugs need drug_weeks of at least one hour"),
        ({"drug_weeks": 200}, "drug_weeks (200)"),
        ({"genotype": "BRAF V600X"}, "genotype ('BRAF V600X')"),
        ({"env": {"tgfb": "hi"}}, "tgfb 'hi': expected"),
        ({"env": {"tsh": "withdrawal"}}, "with tsh:"),
        ({"n": 10}, "n (10)"),
        ({"scan": "pet"}, "scan ('pet')"),
        ({"colour": "red"}, "colour ('red'): Extra inputs are not permitted"),
    ],
)
def test_an_invalid_field_is_one_error_naming_the_field_and_value(
    data: dict[str, Any], words: str
) -> None:
    with pytest.raises(InputFileError) as info:
        parse_case(data)
    assert words in str(info.value)
    assert str(info.value).startswith("tumour case: ")


def test_load_case_names_the_file_and_the_bad_yaml_line(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("genotype: BRAF V600E\nlesions: [\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"case\.yaml: not valid YAML at line 3"):
        load_case(path)


def test_inputs_are_canonical_and_unnamed_lesions_are_numbered() -> None:
    case = parse_case(
        {
            "genotype": "V600E; C228T",
            "drugs": [{"name": "Tafinlar"}],
            "env": {"TGFb_TME": "high"},
            "lesions": [{"mass_g": 1}, {"name": "hip", "mass_g": 2, "site": "bone"}],
        }
    )
    assert case.genotype == "BRAF p.V600E; TERT c.-124C>T"
    assert case.drugs[0].name == "dabrafenib"
    assert case.env == {"tgfb": "high"}  # a node id names its environment key
    assert [les.name for les in case.lesions] == ["lesion 1", "hip"]
    assert parse_case({"genotype": "wild type"}).genotype == ""


def test_volume_becomes_mass_with_the_density_of_the_data_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    import rairlab.dosimetry._svalues as dosimetry_svalues
    from rairlab._cited import CitedTable

    model = dosimetry_svalues.sphere_model()
    density = model.value("unit_density_g_cm3")
    assert CaseLesion(volume_ml=4.0).mass == pytest.approx(4.0 * density, rel=1e-12)
    # the density is the dosimetry's one, read through its loader, not written in the code
    denser = dataclasses.replace(model["unit_density_g_cm3"], value=1.05)
    table = CitedTable(model.path, {**model, "unit_density_g_cm3": denser})
    monkeypatch.setattr(dosimetry_svalues, "sphere_model", lambda: table)
    assert CaseLesion(volume_ml=4.0).mass == pytest.approx(4.2, rel=1e-12)


def test_every_patient_has_the_case_lesions_with_their_own_uptake_factor() -> None:
    from rairlab._parameters import parameter_set
    from rairlab.cohort._pipeline import _context

    case = _case(n=1100, lesions=[{"mass_g": 1.5}, {"volume_ml": 4, "site": "bone"}])
    ctx = _context(None, parameter_set("fitted"))
    pat = _virtual_patients(case, ctx)
    assert pat.n == 1100  # more than one random block
    assert pat.present.all()
    assert np.all(pat.mass_g == [1.5, 4.0 * tissue_density_g_cm3()])
    assert np.all(pat.site == [2, 3])  # lung, bone (cohort LESION_SITES order)
    # intra-patient heterogeneity: the two lesions' uptake factors differ, patient by patient
    # drawn from the cohort's (lognormal) distribution: 2200 draws put the log-scale mean
    # and spread within ~0.1 of its parameters
    scale = pat.lesion_uptake_scale
    assert np.all(scale[:, 0] != scale[:, 1])
    dist = ctx.data.patient["lesion_uptake_scale"]
    assert dist.family == "lognormal"
    log = np.log(scale)
    assert float(np.mean(log)) == pytest.approx(math.log(dist.params["median"]), abs=0.15)
    assert float(np.std(log)) == pytest.approx(dist.params["sigma"], abs=0.1)


def test_a_seed_gives_the_same_result_and_another_seed_another(wild_type: Any) -> None:
    again = evaluate_case(_case())
    assert again.to_dict() == wild_type.to_dict()
    other = evaluate_case(_case(seed=1))
    assert other.uptake["before"].median != wild_type.uptake["before"].median


def _intervals(obj: Any) -> list[Interval]:
    if isinstance(obj, Interval):
        return [obj]
    if isinstance(obj, dict):
        return [i for v in obj.values() for i in _intervals(v)]
    return []


def test_every_interval_holds_its_median(braf_dt: Any) -> None:
    found = [
        *_intervals(dict(braf_dt.uptake)),
        *_intervals({k: dict(v) for k, v in braf_dt.outputs.items()}),
        *_intervals(dict(braf_dt.blood_gy_per_gbq)),
        *(
            i
            for les in braf_dt.lesions
            for st in les.states.values()
            for i in (st.pct_ia_per_g, st.gy_per_gbq, st.activity_for_target_mbq)
        ),
    ]
    assert len(found) > 20
    for i in found:
        assert i.p5 <= i.median <= i.p95


def test_braf_lowers_uptake_and_dabrafenib_trametinib_restores_part_of_it(
    wild_type: Any, braf_dt: Any
) -> None:
    wt, before, on = (
        wild_type.uptake["before"],
        braf_dt.uptake["before"],
        braf_dt.uptake["on"],
    )
    assert before.median < 0.5 * wt.median
    assert before.median < on.median < wt.median  # partial, not a switch back
    assert on.p95 > 2 * on.p5  # graded over patients, not one value
    assert 0.05 < braf_dt.p_uptake_restored < 0.95
    lesion = braf_dt.lesions[0].states
    assert lesion["before"].p_visible < lesion["on"].p_visible < 1.0
    assert braf_dt.p_any_meets_criterion["on"] > braf_dt.p_any_meets_criterion["before"]
    # without drugs the two states are one
    assert wild_type.uptake["on"] == wild_type.uptake["before"]
    assert wild_type.p_uptake_restored == 0.0


def test_perchlorate_lowers_uptake(wild_type: Any) -> None:
    blocked = evaluate_case(_case(drugs=[{"name": "perchlorate"}]))
    assert blocked.uptake["on"].median < 0.5 * blocked.uptake["before"].median
    assert blocked.uptake["before"] == wild_type.uptake["before"]
    assert blocked.lesions[0].states["on"].p_visible < blocked.lesions[0].states["before"].p_visible


def test_a_tgfb_rich_environment_lowers_uptake(wild_type: Any) -> None:
    rich = evaluate_case(_case(env={"tgfb": "high"}))
    assert rich.uptake["before"].median < wild_type.uptake["before"].median


def test_equal_uptake_per_gram_gives_a_larger_lesion_more_gy_per_gbq() -> None:
    # The typical patient's lesions share one uptake factor, so they hold equal %IA/g; the
    # sphere model absorbs more of a larger sphere's own photons, so its dose per GBq is higher.
    result = evaluate_case(_case(lesions=[{"mass_g": 1.0}, {"mass_g": 50.0}]))
    small, large = (les.states["before"] for les in result.lesions)
    assert large.pct_ia_per_g.typical == pytest.approx(small.pct_ia_per_g.typical, rel=1e-9)
    assert large.gy_per_gbq.typical > 1.02 * small.gy_per_gbq.typical


def test_the_json_is_strict_and_every_null_has_a_note(braf_dt: Any) -> None:
    data = braf_dt.to_dict()
    text = json.dumps(data, allow_nan=False)  # no NaN or inf
    assert "numpy" not in text
    assert non_finite_without_note(data) == []
    assert data["provenance"]["notice"] == RESEARCH_USE_NOTICE
    assert data["provenance"]["n"] == 200
    assert set(data["network"]["outputs"]) >= {"NIS_membrane", "iodide_uptake"}
    assert len(data["network"]["typical"]["on"]) == len(data["network"]["typical"]["before"])
    unreachable = Interval(math.inf, 5.0, math.inf).to_dict("no dose")
    assert unreachable == {"median": None, "median_note": "no dose", "p5": 5.0, "p95": None,
                           "p95_note": "no dose"}  # fmt: skip


def test_evidence_cards_are_short_and_cited(braf_dt: Any) -> None:
    kinds = [(c.kind, c.name) for c in braf_dt.evidence]
    assert kinds == [("alteration", "BRAF p.V600E"), ("drug", "dabrafenib"), ("drug", "trametinib")]
    braf = braf_dt.evidence[0]
    assert "BRAF_V600E" in braf.modelled
    assert all(len(items) <= 8 for items in braf.lists.values())
    assert sum(braf.more.values()) > 0  # the rest is counted, not dropped silently
    assert braf.citations
    assert all(item["citations"] for item in braf.lists["mechanisms"])
    assert any(item.get("level") for item in braf_dt.evidence[1].lists["outcomes"])


def test_the_shipped_example_loads_and_runs() -> None:
    case = load_case(EXAMPLE)
    assert case.genotype == "BRAF p.V600E; TERT c.-124C>T"
    assert [d.name for d in case.drugs] == ["dabrafenib", "trametinib"]
    assert [(les.site, les.mass) for les in case.lesions] == [
        ("lung", 1.5),
        ("bone", 4.0 * tissue_density_g_cm3()),
    ]
    result = evaluate_case(case.model_copy(update={"n": 100}))
    assert result.uptake["on"].median > result.uptake["before"].median


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_case_report_is_self_contained_and_escapes_user_text() -> None:
    result = evaluate_case(
        _case(genotype="BRAF V600E", drugs=DRUGS, lesions=[{"name": "<b>x</b> & y", "mass_g": 2}])
    )
    text = case_report_html(result)
    parser = _Tags()
    parser.feed(text)
    names = {t for t, _ in parser.tags}
    assert {"script", "link", "img", "iframe", "object"}.isdisjoint(names)
    for _, attrs in parser.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            assert value is None or value.startswith("#"), (key, value)
    assert not re.search(r"url\((?!#)", text)
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", text)
    assert text.count(RESEARCH_USE_NOTICE) == 2  # top and footer
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert "<b>x</b>" not in text
    assert text.count('<g class="node"') == len(result.typical_activity["on"])
    assert "NCT02152995" in text
    assert "@media print" in text
    assert "Dabrafenib" in text  # the evidence cards


def test_the_dose_figure_draws_one_interval_per_lesion_and_state(braf_dt: Any) -> None:
    import xml.etree.ElementTree as ET

    svg = ET.fromstring(dose_figure_svg(braf_dt))
    groups = svg.findall(".//{http://www.w3.org/2000/svg}g")
    assert len(groups) == 2 * len(braf_dt.lesions)
