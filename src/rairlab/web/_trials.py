"""The Trials page: build or paste a trial spec, run it in the background, read its results.

A spec comes from the page's form (turned into the same mapping a YAML spec is),
from pasted or uploaded YAML, or as the JSON/YAML body of ``POST /api/trials``;
every one is validated by :func:`rairlab.cohort.parse_trial_spec`, so its errors
are the CLI's one-liners. A run is a trial run directory under the app's runs
folder (:mod:`rairlab.web._jobs`); its page shows live progress, then the
endpoints per arm with Wilson 95% intervals, the differences between arms, an
endpoint chart (``?compare=RUN_ID`` overlays another run's arms), the treated
lesions' doses, and downloads. Research use only.
"""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from rairlab.cohort import SETTINGS, RunDir, TrialSpec, parse_trial_spec
from rairlab.cohort._report import format_difference, format_endpoint, write_trial_report
from rairlab.cohort._run import check_against_data
from rairlab.cohort._spec import TSH_PREPARATIONS
from rairlab.errors import InputFileError, InvalidValueError
from rairlab.observation import SCAN_TYPES
from rairlab.web._common import Params, WebLimits, json_response, page, web_state
from rairlab.web._jobs import JobLimitError, Jobs, check_run_id

__all__ = ["FILES", "ROUTES", "form_to_spec_data", "spec_from_yaml"]

#: Downloads of a run: name -> (media type, needs a finished run).
FILES: dict[str, tuple[str, bool]] = {
    "spec.yaml": ("application/yaml", False),
    "manifest.json": ("application/json", False),
    "summary.json": ("application/json", True),
    "patients.parquet": ("application/vnd.apache.parquet", True),
    "lesions.parquet": ("application/vnd.apache.parquet", True),
    "report.html": ("text/html; charset=utf-8", True),
}
THERAPIES = ("fixed", "guided", "none")
NETWORKS = ("time_course", "steady_state")
#: Rows of the form's genotype mix, and drugs per arm.
MIX_ROWS = 3
DRUGS_PER_ARM = 2


def _jobs(request: Request) -> Jobs:
    jobs = web_state(request).jobs
    assert jobs is not None, "create_app makes the app's Jobs"
    return jobs


# ----------------------------------------------------------------------- specs


#: Longest YAML spec accepted (characters): the shipped specs are under 4 kB.
MAX_SPEC_CHARS = 256 * 1024
#: LibYAML's loader where PyYAML has it (fast, no deep Python recursion), else PyYAML's.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _no_aliases(text: str, source: str) -> None:
    """Refuse YAML aliases: a few bytes of them can expand into gigabytes (billion laughs)."""
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise InputFileError(source, f"YAML aliases (*name) are not accepted here{where}")


def spec_from_yaml(text: str, source: str) -> TrialSpec:
    """Validate a trial spec given as YAML text; errors as :func:`rairlab.cohort.load_trial_spec`.

    Raises
    ------
    InputFileError
        Bad YAML (with its line), or the spec's first invalid field.

    Examples
    --------
    >>> spec_from_yaml("name: t\\nseed: 1\\npopulation: {n: 5}\\narms: [{name: A}]", "s").name
    't'
    >>> spec_from_yaml("name: t\\nseed: a: b", "pasted spec")
    Traceback (most recent call last):
    ...
    rairlab.errors.InputFileError: pasted spec: not valid YAML at line 2
    """
    if len(text) > MAX_SPEC_CHARS:
        raise InputFileError(source, f"longer than {MAX_SPEC_CHARS // 1024} kB (a trial spec)")
    try:
        _no_aliases(text, source)
        data = yaml.load(text, Loader=_LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputFileError(source, f"not valid YAML{where}") from None
    except (RecursionError, ValueError) as exc:  # nesting too deep, an int too long
        problem = (
            "nested too deeply"
            if isinstance(exc, RecursionError)
            else "a number with too many digits"
            if "digits" in str(exc)
            else str(exc)
        )
        raise InputFileError(source, f"not a usable YAML document ({problem})") from None
    return parse_trial_spec(data, source)


def _number(text: str) -> Any:
    """An int or float when `text` reads as one; otherwise `text`, for the spec to refuse."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _arm_data(p: Params, i: int) -> dict[str, Any] | None:
    name = p.text(f"arm{i}_name")
    if i > 0 and not name:
        return None  # the second arm is optional
    therapy_kind = p.choice(f"arm{i}_therapy", THERAPIES, "fixed")
    therapy: dict[str, Any] | None
    if therapy_kind == "fixed":
        therapy = {"activity_mbq": _number(p.text(f"arm{i}_activity", "5550"))}
    elif therapy_kind == "guided":
        therapy = {"dosimetry_guided": True}
    else:
        therapy = None
    if therapy is not None and p.flag(f"arm{i}_threshold"):
        therapy["require_threshold"] = True
    return {
        "name": name,
        "drugs": [{"name": d} for d in p.texts(f"arm{i}_drug", DRUGS_PER_ARM)],
        "drug_weeks": _number(p.text(f"arm{i}_weeks", "0")),
        "tsh": p.text(f"arm{i}_tsh", "rhtsh"),
        "scan": p.text(f"arm{i}_scan", "i124_pet"),
        "therapy": therapy,
    }


def form_to_spec_data(values: Mapping[str, Any], max_text: int = 400) -> dict[str, Any]:
    """The trial spec mapping the page's form stands for (the same dict a YAML spec is).

    Examples
    --------
    >>> d = form_to_spec_data({"name": "t", "seed": "3", "n": "20", "arm0_name": "A",
    ...                        "geno_1": "BRAF p.V600E", "geno_p_1": "1"})
    >>> d["population"]
    {'setting': 'rai_refractory', 'n': 20, 'genotype': {'BRAF p.V600E': 1}}
    >>> d["arms"][0]["therapy"]
    {'activity_mbq': 5550}
    """
    p = Params(values, max_text)
    mix = {
        p.text(f"geno_{k}"): _number(p.text(f"geno_p_{k}"))
        for k in range(1, MIX_ROWS + 1)
        if p.text(f"geno_{k}")
    }
    arms = [a for a in (_arm_data(p, 0), _arm_data(p, 1)) if a is not None]
    return {
        "name": p.text("name"),
        "seed": _number(p.text("seed", "1")),
        "design": p.text("design", "parallel"),
        "population": {
            "setting": p.text("setting", "rai_refractory"),
            "n": _number(p.text("n")),
            "genotype": mix or "prevalence",
        },
        "arms": arms,
        "simulation": {"network": p.text("network", "time_course")},
    }


async def _spec_from_form(request: Request) -> TrialSpec:
    limits = web_state(request).limits
    async with request.form() as form:  # closes an uploaded file's temporary copy
        source = Params(form, limits.max_text).choice("source", ("form", "yaml"), "form")
        if source == "form":
            return parse_trial_spec(form_to_spec_data(form, limits.max_text), "trial spec")
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            name = Path(upload.filename).name[:80] or "upload"
            raw = await upload.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputFileError(name, "not UTF-8 text (a YAML trial spec)") from None
            return await run_in_threadpool(spec_from_yaml, text, name)
        pasted = form.get("yaml")
        if not isinstance(pasted, str) or not pasted.strip():
            raise InvalidValueError("yaml", "", "a trial spec pasted here or a YAML file chosen")
        return await run_in_threadpool(spec_from_yaml, pasted, "pasted spec")


async def _spec_from_body(request: Request) -> TrialSpec:
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError("request body", "not UTF-8 text") from None
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" at line {line}" if line else ""
            raise InputFileError("request body", f"not valid JSON{where}") from None
        return parse_trial_spec(data, "request body")
    return await run_in_threadpool(spec_from_yaml, text, "request body")


def _check_size(spec: TrialSpec, limits: WebLimits) -> None:
    arms, most = len(spec.arms), limits.max_trial_patients
    if spec.population.n * arms > most:
        raise InvalidValueError(
            "population.n",
            spec.population.n,
            f"at most {most // arms} patients per arm with {arms} arm(s) "
            f"(this server runs at most {most} patients per trial; use `rairlab trial run` "
            "for larger trials)",
        )


def _start(request: Request, spec: TrialSpec) -> str:
    _check_size(spec, web_state(request).limits)
    check_against_data(spec)  # what run_trial checks before writing anything
    try:
        return _jobs(request).start(spec)
    except JobLimitError as exc:
        raise HTTPException(429, str(exc)) from None


# ----------------------------------------------------------------------- runs


def _state(request: Request, run_id: str, parameter: str = "run id") -> dict[str, Any]:
    check_run_id(run_id, parameter)
    try:
        return _jobs(request).status(run_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


def _summary(path: Path) -> dict[str, Any]:
    return dict(json.loads((path / "summary.json").read_text(encoding="utf-8")))


def _endpoint_series(summary: dict[str, Any], endpoints: list[str], label: str | None) -> list[Any]:
    series = []
    for arm, recs in summary["arms"].items():
        values, lo, hi = [], [], []
        for e in endpoints:
            rec = recs.get(e)
            values.append(None if rec is None else 100 * (rec["p"] or 0.0))
            lo.append(None if rec is None else 100 * rec["ci95"][0])
            hi.append(None if rec is None else 100 * rec["ci95"][1])
        name = f"{label} · {arm}" if label else arm
        series.append({"name": name, "values": values, "lo": lo, "hi": hi})
    return series


def _dose_rows(path: Path, arms: list[str]) -> list[dict[str, Any]]:
    """Per arm: treated lesions, median, IQR, 5th-95th percentile and share >= 20 Gy."""
    table = RunDir(path).dataset("lesions").to_table(columns=["arm", "dose_gy"])
    arm_col = np.asarray(table.column("arm").to_numpy(zero_copy_only=False))
    dose = table.column("dose_gy").to_numpy()
    rows = []
    for a in arms:
        d = dose[(arm_col == a) & (dose > 0)]
        row: dict[str, Any] = {"arm": a, "lesions": int(d.size)}
        if d.size:
            q5, q25, q50, q75, q95 = np.percentile(d, [5, 25, 50, 75, 95])
            row.update(median=q50, q25=q25, q75=q75, q5=q5, q95=q95, over20=np.mean(d >= 20.0))
        rows.append(row)
    return rows


def _results(request: Request, state: dict[str, Any], compare: str | None) -> dict[str, Any]:
    """The finished run's tables and charts, with another finished run overlaid if asked."""
    jobs = _jobs(request)
    path = jobs.path(state["run_id"])
    summary = _summary(path)
    arms = list(summary["arms"])
    endpoints = list(summary["arms"][arms[0]])
    series = _endpoint_series(summary, endpoints, None)
    other = None
    if compare:
        other = _state(request, compare, "compare")
        if other["status"] != "complete":
            raise InvalidValueError("compare", compare, "a finished run")
        other_summary = _summary(jobs.path(compare))
        mine, theirs = str(summary["trial"]), str(other_summary["trial"])
        if mine == theirs:
            mine, theirs = f"{mine} #{state['run_id'][-6:]}", f"{theirs} #{compare[-6:]}"
        series = [
            *_endpoint_series(summary, endpoints, mine),
            *_endpoint_series(other_summary, endpoints, theirs),
        ]
    doses = _dose_rows(path, arms)
    dose_chart = None
    if any(r["lesions"] for r in doses):
        dose_chart = {
            "id": "lesion-dose",
            "kind": "interval",
            "title": "Absorbed dose of treated lesions: median and 5th–95th percentile",
            "x_label": "lesion absorbed dose (Gy), log scale",
            "log_x": True,
            "categories": arms,
            "series": [
                {
                    "name": "median (5th–95th percentile)",
                    "values": [r.get("median") for r in doses],
                    "lo": [r.get("q5") for r in doses],
                    "hi": [r.get("q95") for r in doses],
                }
            ],
        }
    return {
        "summary": summary,
        "arms": arms,
        "rows": [(e, [format_endpoint(summary["arms"][a][e]) for a in arms]) for e in endpoints],
        "differences": [
            (label, [(e, format_difference(d)) for e, d in diffs.items()])
            for label, diffs in summary.get("differences", {}).items()
        ],
        "endpoint_chart": {
            "id": "endpoints",
            "kind": "bar",
            "title": "Endpoints per arm (Wilson 95% CI)",
            "y_label": "patients (%)",
            "y_max": 100,
            "categories": endpoints,
            "series": series,
        },
        "doses": doses,
        "dose_chart": dose_chart,
        "compared": other,
    }


# ----------------------------------------------------------------------- handlers


async def trials_page(request: Request) -> Response:
    """``GET /trials``: the spec form, the YAML box, and the runs of this server."""
    example = resources.files("rairlab.cohort").joinpath("data/demo_trial.yaml").read_text("utf-8")
    return page(
        request,
        "trials.html",
        runs=_jobs(request).runs(),
        settings=SETTINGS,
        tsh=TSH_PREPARATIONS,
        scans=list(SCAN_TYPES),
        networks=NETWORKS,
        mix_rows=MIX_ROWS,
        example=example,
        limits=web_state(request).limits,
    )


async def trials_post(request: Request) -> Response:
    """``POST /trials``: validate the form or YAML, start the run, go to its page (303)."""
    run_id = _start(request, await _spec_from_form(request))
    return RedirectResponse(f"/trials/{run_id}", status_code=303)


async def compare_redirect(request: Request) -> Response:
    """``GET /trials/compare?run=A&compare=B``: the runs page's compare form, without script."""
    p = Params(request.query_params, web_state(request).limits.max_text)
    run_id = check_run_id(p.text("run"), "run")
    other = p.text("compare")
    query = f"?compare={check_run_id(other, 'compare')}" if other and other != run_id else ""
    return RedirectResponse(f"/trials/{run_id}{query}", status_code=303)


async def run_page(request: Request) -> Response:
    """``GET /trials/{run_id}``: progress while running; results, charts and downloads after."""
    state = _state(request, request.path_params["run_id"])
    compare = Params(request.query_params).text("compare") or None
    results = _results(request, state, compare) if state["status"] == "complete" else None
    runs = [r for r in _jobs(request).runs() if r["status"] == "complete"]
    spec_path = _jobs(request).path(state["run_id"]) / "spec.yaml"
    return page(
        request,
        "trial_run.html",
        state=state,
        r=results,
        compare=compare,
        others=[r for r in runs if r["run_id"] != state["run_id"]],
        files=[n for n, (_, final) in FILES.items() if results or not final],
        report_ok=importlib.util.find_spec("matplotlib") is not None,
        spec_text=spec_path.read_text("utf-8") if spec_path.is_file() else "",
    )


async def run_resume(request: Request) -> Response:
    """``POST /trials/{run_id}/resume``: finish an interrupted run; back to its page (303)."""
    run_id = _state(request, request.path_params["run_id"])["run_id"]
    try:
        _jobs(request).resume(run_id)
    except JobLimitError as exc:
        raise HTTPException(429, str(exc)) from None
    if request.url.path.startswith("/api/"):
        return json_response(_jobs(request).status(run_id), status_code=202)
    return RedirectResponse(f"/trials/{run_id}", status_code=303)


def _table_bytes(path: Path, table: str) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(RunDir(path).dataset(table).to_table(), buf)
    return buf.getvalue()


async def run_file(request: Request) -> Response:
    """``GET /trials/{run_id}/files/{name}``: a download from the fixed list :data:`FILES`."""
    state = _state(request, request.path_params["run_id"])
    name = request.path_params["name"]
    if name not in FILES:
        raise HTTPException(404, f"Unknown file {name!r}: a run offers {', '.join(FILES)}.")
    media, final = FILES[name]
    if final and state["status"] != "complete":
        raise HTTPException(404, f"No {name} yet: the run is {state['status']}.")
    path = _jobs(request).path(state["run_id"])
    headers = {"content-disposition": f'attachment; filename="{state["run_id"]}-{name}"'}
    if name.endswith(".parquet"):
        data = _table_bytes(path, name.removesuffix(".parquet"))
        return Response(data, media_type=media, headers=headers)
    if name == "report.html":
        report = path / "report.html"
        if not report.is_file() or report.stat().st_mtime < (path / "summary.json").stat().st_mtime:
            write_trial_report(path)
    if not (path / name).is_file():
        raise HTTPException(404, f"No {name} in this run.")
    return FileResponse(path / name, media_type=media, headers=headers)


async def api_list(request: Request) -> Response:
    """``GET /api/trials``: every run of this server, newest first."""
    return json_response({"runs": _jobs(request).runs()})


async def api_post(request: Request) -> Response:
    """``POST /api/trials``: a spec as JSON or YAML body; 202 with the new run id."""
    run_id = _start(request, await _spec_from_body(request))
    body = {"run_id": run_id, "status": f"/api/trials/{run_id}", "page": f"/trials/{run_id}"}
    response = json_response(body, status_code=202)
    response.headers["location"] = f"/api/trials/{run_id}"
    return response


async def api_run(request: Request) -> Response:
    """``GET /api/trials/{run_id}``: status, progress (chunks done/total), summary when done."""
    state = _state(request, request.path_params["run_id"])
    if state["status"] == "complete":
        state["summary"] = _summary(_jobs(request).path(state["run_id"]))
    return json_response(state)


ROUTES = [
    Route("/trials", trials_page, methods=["GET"]),
    Route("/trials", trials_post, methods=["POST"]),
    Route("/trials/compare", compare_redirect, methods=["GET"]),
    Route("/trials/{run_id}", run_page, methods=["GET"]),
    Route("/trials/{run_id}/resume", run_resume, methods=["POST"]),
    Route("/trials/{run_id}/files/{name}", run_file, methods=["GET"]),
    Route("/api/trials", api_list, methods=["GET"]),
    Route("/api/trials", api_post, methods=["POST"]),
    Route("/api/trials/{run_id}", api_run, methods=["GET"]),
    Route("/api/trials/{run_id}/resume", run_resume, methods=["POST"]),
]
