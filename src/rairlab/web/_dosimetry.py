"""The Dosimetry page: lesion, blood and voxel dosimetry from uploaded measurements.

``GET /dosimetry`` shows the form. ``POST /dosimetry`` (multipart) runs what
``rairlab dose lesion``, ``rairlab dose blood`` and ``rairlab dose voxel`` run, on
whichever of the three inputs were uploaded, with the same options and defaults;
``POST /api/dosimetry`` returns the same result as JSON. ``GET /dosimetry?example=1``
runs the shipped example study (``examples/``, synthetic) and fills the form with it.

Uploads are read into memory; where a library reader needs a path they are written
to a fresh temporary folder under fixed names (an uploaded file's name is never a
path), and an error names the form field, not that folder. Research use only: every
number is a model estimate, not a treatment decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rairlab import RESEARCH_USE_NOTICE
from rairlab.dosimetry import (
    LIMITS,
    eanm_blood_constants,
    nuclide_names,
    s_value_relative_sd,
    tissue_density_g_cm3,
    trial_criteria,
)
from rairlab.web._common import Params, json_response, page, web_state
from rairlab.web._dosimetry_lesion import LESION_MODELS, RECOVERY_MODELS
from rairlab.web._dosimetry_study import (
    BLOOD_MODELS,
    EXAMPLE_FIELDS,
    EXAMPLE_FILES,
    FILE_FIELDS,
    VOXEL_METHODS,
    Upload,
    dosimetry_result,
    example_bytes,
)

__all__ = ["ROUTES"]


async def _form(request: Request) -> tuple[Params, dict[str, Upload], dict[str, str], bool]:
    """The posted form: text fields (example values where absent), uploads, example flag."""
    max_text = web_state(request).limits.max_text
    async with request.form(max_files=len(FILE_FIELDS), max_fields=60) as form:
        uploads: dict[str, Upload] = {}
        for field in FILE_FIELDS:
            value = form.get(field)
            if isinstance(value, UploadFile):
                data = await value.read()
                if data or value.filename:  # an empty file input sends neither
                    uploads[field] = Upload(data, (value.filename or "")[:80])
            elif isinstance(value, str) and value.strip():  # CSV text, for API clients
                uploads[field] = Upload(value.encode("utf-8"), "(text field)")
        values: dict[str, Any] = {k: v for k, v in form.items() if k not in FILE_FIELDS}
    example = Params(values, max_text).flag("example")
    if example:
        values = {**EXAMPLE_FIELDS, **values}
    shown = {k: v for k, v in values.items() if isinstance(v, str)}
    return Params(values, max_text), uploads, shown, example


def _context() -> dict[str, Any]:
    """What the form shows beside its fields: choices, accepted ranges, library defaults."""
    return {
        "lesion_models": LESION_MODELS,
        "recovery_models": RECOVERY_MODELS,
        "density": tissue_density_g_cm3(),
        "default_s_sd": s_value_relative_sd(),
        "blood_models": BLOOD_MODELS,
        "methods": VOXEL_METHODS,
        "nuclides": nuclide_names(),
        "example_files": EXAMPLE_FILES,
        "limits": LIMITS,
        "default_target_gy": trial_criteria().target_gy,
        "default_max_mbq": trial_criteria().max_activity_mbq,
        "default_weight_kg": eanm_blood_constants().value("reference_body_weight"),
    }


def _render(request: Request, result: Any, shown: Mapping[str, str], example: bool) -> Response:
    return page(request, "dosimetry.html", result=result, q=shown, example=example, **_context())


async def dosimetry_page(request: Request) -> Response:
    """``GET /dosimetry``: the form; with ``?example=1`` the example study and its result."""
    params = Params(request.query_params, web_state(request).limits.max_text)
    if not params.flag("example"):
        return _render(request, None, dict(request.query_params), False)
    shown = {**EXAMPLE_FIELDS, "example": "1"}
    result = await run_in_threadpool(dosimetry_result, Params(shown), {}, True)
    return _render(request, result, shown, True)


async def dosimetry_post(request: Request) -> Response:
    """``POST /dosimetry``: the uploaded study's result, under the form it came from."""
    params, uploads, shown, example = await _form(request)
    result = await run_in_threadpool(dosimetry_result, params, uploads, example)
    return _render(request, result, shown, example)


async def dosimetry_api(request: Request) -> Response:
    """``POST /api/dosimetry``: the same result as JSON (with the research-use notice)."""
    params, uploads, _, example = await _form(request)
    result = await run_in_threadpool(dosimetry_result, params, uploads, example)
    return json_response({"notice": RESEARCH_USE_NOTICE, **result})


async def example_file(request: Request) -> Response:
    """``GET /dosimetry/examples/NAME``: one of the example study's CSVs, to see the format."""
    name = request.path_params["name"]
    if name not in EXAMPLE_FILES.values():
        raise HTTPException(404, f"No example file {name!r}.")
    field = next(f for f, n in EXAMPLE_FILES.items() if n == name)
    return Response(
        example_bytes(field),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


ROUTES = [
    Route("/dosimetry", dosimetry_page, methods=["GET"]),
    Route("/dosimetry", dosimetry_post, methods=["POST"]),
    Route("/api/dosimetry", dosimetry_api, methods=["POST"]),
    Route("/dosimetry/examples/{name}", example_file),
]
