"""The Tumour page: one tumour's profile and regimen → network, uptake, dose, criterion, evidence.

The form is a GET form, so the inputs live in the URL and a result can be
shared and reopened. Its fields become the same mapping a case YAML file holds
and go through :func:`rairlab.cohort.parse_case`, so a bad value gets the same
one-line message as ``rairlab case``. The answer comes from
:func:`rairlab.cohort.evaluate_case`: medians and 5th–95th percentiles over
virtual patients with this genotype (the calibrated population), and the
typical patient. ``/api/tumour`` returns it as JSON and ``/tumour/report`` as
the self-contained HTML report of ``rairlab report CASE.yaml``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from rairlab.cohort import evaluate_case, parse_case
from rairlab.cohort._case_report import case_report_html
from rairlab.cohort._data import LESION_SITES
from rairlab.errors import InvalidValueError
from rairlab.network import compile_model, list_variants, load_network_data, network_svg
from rairlab.web._common import Params, json_response, page, web_state

__all__ = ["ROUTES", "case_from_params"]

#: Repeated rows of the form (alterations, drugs, lesions).
MAX_ALTERATIONS, MAX_DRUGS, MAX_LESIONS = 4, 4, 6
#: The example the page offers (a query string of this page).
EXAMPLE = (
    "alteration=BRAF+p.V600E&alteration=TERT+c.-124C%3ET&drug=dabrafenib&drug=trametinib"
    "&weeks=4&tsh=rhtsh&lesion_name=lung+1&lesion_size=1.5&lesion_unit=g&lesion_site=lung"
    "&lesion_name=bone+1&lesion_size=4&lesion_unit=mL&lesion_site=bone"
)
_INPUTS = ("alteration", "drug", "lesion_size", "tsh", "weeks")


@functools.lru_cache(maxsize=1)
def _environment() -> list[dict[str, Any]]:
    env = load_network_data().environment
    return [
        {"key": k, "default": str(v.default), "levels": list(v.levels), "note": v.note or ""}
        for k, v in env.items()
        if k != "tsh"
    ]


def _lesions(params: Params) -> list[dict[str, Any]]:
    columns = ("lesion_size", "lesion_name", "lesion_unit", "lesion_site")
    out = []
    for i, row in enumerate(params.rows(columns, MAX_LESIONS)):
        unit = row["lesion_unit"] or "g"
        if unit not in ("g", "mL"):
            raise InvalidValueError(f"lesion {i + 1} unit", unit, "g or mL")
        site = row["lesion_site"] or "lung"
        if site not in LESION_SITES:
            accepted = "one of " + ", ".join(LESION_SITES)
            raise InvalidValueError(f"lesion {i + 1} site", site, accepted)
        try:
            value = float(row["lesion_size"])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise InvalidValueError(
                f"lesion {i + 1} size", row["lesion_size"], "a number (g or mL)"
            )
        name = row["lesion_name"] or f"lesion {i + 1}"
        out.append({"name": name, "mass_g" if unit == "g" else "volume_ml": value, "site": site})
    return out


def case_from_params(params: Params, max_patients: int) -> Any:
    """The :class:`~rairlab.cohort.TumourCase` a Tumour form describes.

    Examples
    --------
    >>> c = case_from_params(Params({"alteration": "BRAF V600E", "drug": "dabrafenib",
    ...                              "lesion_size": "3", "lesion_unit": "mL"}), 2000)
    >>> c.genotype, [d.name for d in c.drugs], c.lesions[0].volume_ml
    ('BRAF p.V600E', ['dabrafenib'], 3.0)
    """
    drugs = params.rows(("drug", "dose_mg"), MAX_DRUGS)
    data: dict[str, Any] = {
        "genotype": "; ".join(params.texts("alteration", MAX_ALTERATIONS)),
        "drugs": [
            {"name": row["drug"], **({"dose_mg": row["dose_mg"]} if row["dose_mg"] else {})}
            for row in drugs
        ],
        "drug_weeks": params.number("weeks", 4.0, 0.0, 104.0),
        "tsh": params.choice("tsh", ("withdrawal", "rhtsh", "suppressed"), "rhtsh"),
        "env": {
            e["key"]: params.choice(f"env_{e['key']}", e["levels"], e["default"])
            for e in _environment()
            if params.text(f"env_{e['key']}")
        },
        "n": params.integer("n", min(400, max_patients), 50, max_patients),
        "seed": params.integer("seed", 0, 0, 2**31 - 1),
        "network": params.choice("network", ("time_course", "steady_state"), "time_course"),
    }
    variant = params.text("variant")
    if variant and variant != "default":
        data["variant"] = variant
    lesions = _lesions(params)
    if lesions:
        data["lesions"] = lesions
    return parse_case(data, source="Tumour form")


def _params(request: Request) -> Params:
    return Params(request.query_params, web_state(request).limits.max_text)


def _evaluate(request: Request) -> tuple[Any, Any]:
    case = case_from_params(_params(request), web_state(request).limits.max_case_patients)
    return case, evaluate_case(case)


def _charts(d: dict[str, Any]) -> dict[str, Any]:
    states = (("before", "before the drugs"), ("on", "on the drugs"))
    outputs = d["network"]["outputs"]
    names = list(outputs)

    def series(get: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": label,
                "values": [get(k, s)["median"] for k in keys],
                "lo": [get(k, s)["p5"] for k in keys],
                "hi": [get(k, s)["p95"] for k in keys],
            }
            for s, label in states
        ]

    keys = names
    network = {
        "id": "tumour-network-outputs",
        "kind": "interval",
        "log_x": True,
        "title": "Network outputs: median and 5th-95th percentile over virtual patients",
        "x_label": "activity (0-1, log scale)",
        "categories": names,
        "series": series(lambda k, s: outputs[k][s]),
    }
    lesions = d["lesions"]
    keys = list(range(len(lesions)))
    dose = {
        "id": "tumour-lesion-dose",
        "kind": "interval",
        "log_x": True,
        "title": "I-131 absorbed dose per administered GBq, per lesion",
        "x_label": "Gy/GBq (log scale)",
        "categories": [les["name"] for les in lesions],
        "series": series(lambda k, s: lesions[k][s]["gy_per_gbq"]),
    }
    return {"network": network, "dose": dose}


def _diagram(result: Any) -> Markup:
    typical = result.typical_activity
    model = compile_model(result.case.variant)
    change = {k: typical["on"][k] - typical["before"][k] for k in typical["on"]}
    return Markup(network_svg(model, typical["on"], changed=change))


async def tumour_page(request: Request) -> Response:
    """``GET /tumour``: the form; with inputs in the query, the case's answer below it."""
    q = request.query_params
    context: dict[str, Any] = {
        "q": q,
        "environment": _environment(),
        "variants": ["default", *list_variants()],
        "example": EXAMPLE,
        "limits": web_state(request).limits,
        "result": None,
    }
    if any(k in q for k in _INPUTS):
        _, result = _evaluate(request)
        d = result.to_dict()
        context.update(
            result=d,
            charts=_charts(d),
            diagram=_diagram(result),
            query=str(request.url.query),
        )
    return page(request, "tumour.html", **context)


async def tumour_api(request: Request) -> Response:
    """``GET /api/tumour``: the case's answer as JSON (the same query as the page)."""
    _, result = _evaluate(request)
    return json_response(result.to_dict())


async def tumour_report(request: Request) -> Response:
    """``GET /tumour/report``: the case's self-contained HTML report, as a download."""
    _, result = _evaluate(request)
    return HTMLResponse(
        case_report_html(result),
        headers={"content-disposition": 'attachment; filename="rairlab-case-report.html"'},
    )


ROUTES = [
    Route("/tumour", tumour_page),
    Route("/api/tumour", tumour_api),
    Route("/tumour/report", tumour_report),
]
