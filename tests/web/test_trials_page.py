"""The Trials page: background runs equal to the library's; errors, limits, restarts, browser."""

from __future__ import annotations

import html
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from _webapp import BASE
from rairlab.cohort import BLOCK, LocalEngine, RunDir, load_trial_spec, parse_trial_spec, run_trial
from rairlab.errors import InputFileError
from rairlab.web import WebLimits, create_app
from rairlab.web import _jobs as jobs_module

#: A tiny two-arm trial (steady-state network: a run takes well under a second).
TINY: dict[str, Any] = {
    "name": "tiny web trial",
    "seed": 7,
    "population": {"n": 20},
    "arms": [
        {"name": "I-131 alone"},
        {"name": "dabrafenib", "drugs": [{"name": "dabrafenib"}], "drug_weeks": 4},
    ],
    "simulation": {"network": "steady_state"},
}
#: The same trial as the page's form sends it.
TINY_FORM: dict[str, Any] = {
    "source": "form",
    "name": "tiny web trial",
    "seed": "7",
    "n": "20",
    "network": "steady_state",
    "arm0_name": "I-131 alone",
    "arm0_therapy": "fixed",
    "arm0_activity": "5550",
    "arm1_name": "dabrafenib",
    "arm1_drug": ["dabrafenib", ""],
    "arm1_weeks": "4",
    "arm1_therapy": "fixed",
    "arm1_activity": "5550",
}


def _wait(client: Any, run_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(f"/api/trials/{run_id}").json()
        if state["status"] not in ("starting", "running"):
            return dict(state)
        assert time.monotonic() < deadline, f"run {run_id} still {state['status']}"
        time.sleep(0.05)


def _start(client: Any, spec: dict[str, Any] | None = None) -> str:
    r = client.post("/api/trials", json=spec or TINY)
    assert r.status_code == 202, r.text
    return str(r.json()["run_id"])


def _error(r: Any) -> str:
    """The one-line message of an error response (JSON or HTML page)."""
    if r.headers["content-type"].startswith("application/json"):
        message = str(r.json()["error"])
    else:
        match = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S)
        assert match, r.text
        message = html.unescape(match.group(1))
    assert "\n" not in message
    assert "Traceback" not in r.text
    return message


def _chart(page_html: str, chart_id: str) -> dict[str, Any]:
    match = re.search(
        rf'<figure class="chart" id="{chart_id}"><script type="application/json" '
        r'class="chart-data">(.*?)</script>',
        page_html,
    )
    assert match, f"no chart {chart_id}"
    return dict(json.loads(match.group(1)))


@pytest.fixture
def library_run(tmp_path: Path) -> Path:
    """The tiny trial run by the library itself, in another folder."""
    out = tmp_path / "library-run"
    run_trial(parse_trial_spec(TINY), out, engine=LocalEngine(1))
    return out


def test_api_run_equals_library_run(client: Any, tmp_path: Path, library_run: Path) -> None:
    run_id = _start(client)
    state = _wait(client, run_id)
    assert state["status"] == "complete"
    assert state["done"] == state["total"] == 2
    expected = json.loads((library_run / "summary.json").read_text())
    assert state["summary"] == expected
    run_dir = tmp_path / "runs" / run_id  # an ordinary run directory
    assert (run_dir / "summary.json").read_bytes() == (library_run / "summary.json").read_bytes()
    assert RunDir(run_dir).spec() == parse_trial_spec(TINY)
    assert RunDir(run_dir).manifest()["status"] == "complete"
    listed = client.get("/api/trials").json()["runs"]
    assert [r["run_id"] for r in listed] == [run_id]


def test_form_run_page_shows_endpoints_charts_and_downloads(client: Any, library_run: Path) -> None:
    r = client.post("/trials", data=TINY_FORM, follow_redirects=False)
    assert r.status_code == 303
    run_id = r.headers["location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"\d{8}-\d{6}\.\d{6}-[0-9a-f]{6}", run_id)
    assert _wait(client, run_id)["status"] == "complete"
    page = client.get(f"/trials/{run_id}")
    assert page.status_code == 200
    assert 'id="endpoints"' in page.text
    assert "Wilson 95%" in page.text
    expected = json.loads((library_run / "summary.json").read_text())
    rec = expected["arms"]["dabrafenib"]["response"]
    assert f"{rec['k']}/{rec['n']} " in page.text
    endpoints = _chart(page.text, "endpoints")
    assert endpoints["kind"] == "bar"
    assert [s["name"] for s in endpoints["series"]] == ["I-131 alone", "dabrafenib"]
    assert _chart(page.text, "lesion-dose")["categories"] == ["I-131 alone", "dabrafenib"]

    files = f"/trials/{run_id}/files"
    summary = client.get(f"{files}/summary.json")
    assert summary.content == (library_run / "summary.json").read_bytes()
    assert run_id in summary.headers["content-disposition"]
    assert yaml.safe_load(client.get(f"{files}/spec.yaml").text)["name"] == TINY["name"]
    patients = pq.read_table(io.BytesIO(client.get(f"{files}/patients.parquet").content))
    assert patients.num_rows == 40
    lesions = pq.read_table(io.BytesIO(client.get(f"{files}/lesions.parquet").content))
    assert set(lesions.column("arm").to_pylist()) == {"I-131 alone", "dabrafenib"}
    report = client.get(f"{files}/report.html")
    if report.status_code == 200:
        assert b"<!DOCTYPE html>" in report.content
    else:  # without matplotlib: one line saying which extra to install
        assert report.status_code == 400
        assert "pip install" in _error(report)


def test_yaml_upload_and_paste_start_runs(client: Any) -> None:
    text = yaml.safe_dump(TINY)
    upload = client.post(
        "/trials",
        data={"source": "yaml"},
        files={"file": ("tiny.yaml", text.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    pasted = client.post("/trials", data={"source": "yaml", "yaml": text}, follow_redirects=False)
    assert pasted.status_code == 303
    for r in (upload, pasted):
        assert _wait(client, r.headers["location"].rsplit("/", 1)[1])["status"] == "complete"


def test_errors_are_the_cli_one_liners(client: Any, tmp_path: Path) -> None:
    bad = {
        **TINY,
        "arms": [TINY["arms"][0], {**TINY["arms"][1], "drugs": [{"name": "dabrafinib"}]}],
    }
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(InputFileError) as cli:
        load_trial_spec(path)
    cli_problem = str(cli.value).removeprefix(f"{path}: ")
    api = client.post(
        "/api/trials", content=path.read_text(), headers={"content-type": "text/yaml"}
    )
    assert api.status_code == 400
    assert _error(api) == f"request body: {cli_problem}"
    form = client.post("/trials", data={**TINY_FORM, "arm1_drug": ["dabrafinib"]})
    assert form.status_code == 400
    assert _error(form) == f"trial spec: {cli_problem}"
    assert "Did you mean 'dabrafenib'?" in cli_problem


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "words"),
    [
        ("post", "/api/trials", {"content": "name: [\n"}, 400, "not valid YAML at line 2"),
        (
            "post",
            "/api/trials",
            {"content": "{", "headers": {"content-type": "application/json"}},
            400,
            "not valid JSON",
        ),
        ("post", "/trials", {"data": {"source": "yaml", "yaml": "a: *x\n"}}, 400, "aliases"),
        ("post", "/trials", {"data": {"source": "yaml", "yaml": " "}}, 400, "pasted"),
        ("post", "/trials", {"data": {**TINY_FORM, "n": "abc"}}, 400, "population.n ('abc')"),
        ("post", "/trials", {"data": {**TINY_FORM, "n": "15000"}}, 400, "at most 10000"),
        (
            "post",
            "/api/trials",
            {"json": {**TINY, "population": {"n": 20_001}}},
            400,
            "population.n 20001",
        ),
        ("get", "/api/trials/20250101-000000.000000-abcdef", {}, 404, "Unknown trial run"),
        ("get", "/trials/20250101-000000.000000-abcdef", {}, 404, "Unknown trial run"),
        ("get", "/api/trials/..%2F..%2Fetc", {}, 404, "No such page"),
        ("get", "/trials/etc-passwd", {}, 400, "Invalid run id 'etc-passwd'"),
        ("get", "/trials/compare?run=../../etc", {}, 400, "Invalid run '../../etc'"),
        ("get", "/trials/20250101-000000.000000-abcdef/files/x", {}, 404, "Unknown trial run"),
        ("post", "/api/trials/20250101-000000.000000-abcdef/resume", {}, 404, "Unknown trial run"),
    ],
)
def test_bad_input_is_a_one_line_4xx(
    client: Any, method: str, url: str, kwargs: dict[str, Any], status: int, words: str
) -> None:
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code == status, r.text
    if r.status_code != 404 or words:
        assert words in _error(r)


def test_bad_names_on_a_real_run(client: Any) -> None:
    run_id = _start(client)
    _wait(client, run_id)
    for name in ("manifest.jsonx", "%2E%2E%2Fspec.yaml", "patients", "report.htm"):
        r = client.get(f"/trials/{run_id}/files/{name}")
        assert r.status_code == 404, name
    assert "spec.yaml" in _error(client.get(f"/trials/{run_id}/files/patients"))
    r = client.get(f"/trials/{run_id}", params={"compare": "../../etc"})
    assert r.status_code == 400
    assert "Invalid compare '../../etc'" in _error(r)
    r = client.post(f"/api/trials/{run_id}/resume")
    assert r.status_code == 400
    assert "is complete" in _error(r)


def test_upload_over_the_limit_is_413(client: Any) -> None:
    r = client.post("/api/trials", content=b"#" * 300_000, headers={"content-type": "text/yaml"})
    assert r.status_code == 413
    assert "limit" in r.json()["error"]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Runs wait for this event before they start (the real run_trial after it)."""
    event = threading.Event()
    real = jobs_module.run_trial

    def gated(*args: Any, **kwargs: Any) -> Any:
        assert event.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs_module, "run_trial", gated)
    yield event
    event.set()


def test_too_many_running_trials_is_429(tmp_path: Path, gate: threading.Event) -> None:
    from starlette.testclient import TestClient

    app = create_app(tmp_path / "runs", WebLimits(max_running_jobs=1))
    with TestClient(app, raise_server_exceptions=False, base_url=BASE) as client:
        first = _start(client)
        assert client.get(f"/api/trials/{first}").json()["status"] == "starting"
        busy = client.post("/api/trials", json=TINY)
        assert busy.status_code == 429
        assert "at once (1)" in _error(busy)
        page = client.post("/trials", data=TINY_FORM)
        assert page.status_code == 429
        assert "try again" in _error(page)
        gate.set()
        assert _wait(client, first)["status"] == "complete"
        assert _wait(client, _start(client))["status"] == "complete"  # room again


def _trial_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("rairlab-trial-")]


def test_shutdown_stops_a_run_and_a_restarted_server_resumes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, library_run: Path
) -> None:
    from starlette.testclient import TestClient

    real = jobs_module.run_trial
    at_chunk = threading.Event()

    def slow(*args: Any, progress: Callable[[int, int], None], **kwargs: Any) -> Any:
        def paced(done: int, total: int) -> None:
            progress(done, total)
            if done == 1:  # hold after the first chunk until the shutdown stops the run
                at_chunk.set()
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    progress(done, total)  # raises once the server shuts down
                    time.sleep(0.01)

        return real(*args, progress=paced, **kwargs)

    monkeypatch.setattr(jobs_module, "run_trial", slow)
    runs = tmp_path / "runs"
    with TestClient(create_app(runs), raise_server_exceptions=False, base_url=BASE) as client:
        run_id = _start(client)
        assert at_chunk.wait(30)
        # leaving the block shuts the app down: the run stops after its current chunk
    assert _trial_threads() == []
    manifest = RunDir(runs / run_id).manifest()
    assert manifest["status"] == "running"  # as a killed server leaves it
    monkeypatch.setattr(jobs_module, "run_trial", real)

    with TestClient(create_app(runs), raise_server_exceptions=False, base_url=BASE) as client:
        state = client.get(f"/api/trials/{run_id}").json()
        assert state["status"] == "interrupted"
        assert state["resumable"]
        assert (state["done"], state["total"]) == (1, 2)
        page = client.get(f"/trials/{run_id}")
        assert 'id="resume"' in page.text
        assert 'id="trial-progress"' not in page.text
        r = client.post(f"/trials/{run_id}/resume", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == f"/trials/{run_id}"
        assert _wait(client, run_id)["status"] == "complete"
    expected = (library_run / "summary.json").read_bytes()
    assert (runs / run_id / "summary.json").read_bytes() == expected
    assert _trial_threads() == []


def test_failed_run_shows_its_error_after_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    def broken(spec: Any, out: Any, **kwargs: Any) -> Any:
        raise InputFileError(out, "disk says no\nsecond line")

    monkeypatch.setattr(jobs_module, "run_trial", broken)
    runs = tmp_path / "runs"
    with TestClient(create_app(runs), raise_server_exceptions=False, base_url=BASE) as client:
        run_id = _start(client)
        state = _wait(client, run_id)
    assert state["status"] == "failed"
    assert state["error"].endswith("disk says no second line")
    with TestClient(create_app(runs), raise_server_exceptions=False, base_url=BASE) as client:
        page = client.get(f"/trials/{run_id}")
        assert page.status_code == 200
        assert re.search(r'id="run-error">[^<\n]*disk says no second line</p>', page.text)
        assert 'id="resume"' not in page.text  # nothing was written to resume from
        assert client.get("/api/trials").json()["runs"][0]["status"] == "failed"


def test_restarted_server_lists_and_serves_finished_runs(client: Any, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    first = _start(client)
    second = _start(client, {**TINY, "name": "other trial", "seed": 8})
    summaries = {r: _wait(client, r)["summary"] for r in (first, second)}
    with TestClient(
        create_app(tmp_path / "runs"), raise_server_exceptions=False, base_url=BASE
    ) as again:
        listing = again.get("/trials").text
        assert first in listing
        assert second in listing
        assert listing.index(second) < listing.index(first)  # newest first
        assert again.get(f"/api/trials/{first}").json()["summary"] == summaries[first]
        page = again.get(f"/trials/{first}", params={"compare": second})
        assert page.status_code == 200
        names = [s["name"] for s in _chart(page.text, "endpoints")["series"]]
        assert names == [
            "tiny web trial · I-131 alone",
            "tiny web trial · dabrafenib",
            "other trial · I-131 alone",
            "other trial · dabrafenib",
        ]
        r = again.get(
            "/trials/compare", params={"run": first, "compare": second}, follow_redirects=False
        )
        assert r.status_code == 303
        assert r.headers["location"] == f"/trials/{first}?compare={second}"


def _watch_progress(page: Any, timeout: float = 30.0) -> set[tuple[float, float]]:
    """The (value, max) states of the page's progress bar until the page shows results."""
    from playwright.sync_api import Error

    seen: set[tuple[float, float]] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.query_selector("#endpoints") is not None:
                break
            bar = page.query_selector("#trial-progress")
            if bar is not None:
                seen.add((float(bar.get_attribute("value")), float(bar.get_attribute("max"))))
        except Error:  # the page is reloading
            pass
        time.sleep(0.05)
    return seen


def test_browser_form_run_progress_results_and_overlay(
    browser_page: Any, shot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pace the (real) run so the page can be seen following it: 0.6 s before each chunk
    real = jobs_module.run_trial

    def paced(*args: Any, progress: Callable[[int, int], None], **kwargs: Any) -> Any:
        def slow(done: int, total: int) -> None:
            progress(done, total)
            if done < total:
                time.sleep(0.6)

        return real(*args, progress=slow, **kwargs)

    monkeypatch.setattr(jobs_module, "run_trial", paced)
    page = browser_page
    page.goto("/trials")
    page.fill("#name", "browser trial")
    page.fill("#n", str(BLOCK + 100))  # two chunks per arm
    page.select_option("#network", "steady_state")
    page.fill("#arm1_drug0", "dabrafenib")
    page.click("#run-form")
    page.wait_for_selector("#trial-progress")
    seen = _watch_progress(page)
    assert (4.0, 4.0) in seen or any(v >= 1 for v, m in seen if m == 4.0), seen
    page.wait_for_selector("#endpoints", timeout=30_000)  # the page reloads when done
    assert page.locator("#endpoints tbody tr").count() == 9
    assert page.locator("#status-text").inner_text() == "complete"
    assert page.locator("figure#endpoints svg").count() == 1
    first = page.url.rsplit("/", 1)[1]

    # a second run from pasted YAML, then overlay the first on its chart
    monkeypatch.setattr(jobs_module, "run_trial", real)
    page.goto("/trials")
    page.fill("#yaml", yaml.safe_dump({**TINY, "name": "pasted trial"}))
    page.click("#run-yaml")
    page.wait_for_selector("#endpoints", timeout=30_000)
    page.select_option("#compare", first)  # submits itself
    page.wait_for_url(re.compile(rf"compare={first}$"))
    legend = page.locator("figure#endpoints svg").inner_html()
    assert "browser trial · dabrafenib" in legend
    assert "pasted trial · I-131 alone" in legend
    shot(page, "trials")
