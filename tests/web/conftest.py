"""Fixtures of the web app tests: an HTTP client, a live server, and headless Chromium.

``client`` is Starlette's TestClient on a fresh app (runs under the test's tmp dir).
``live_server`` runs the app under uvicorn on 127.0.0.1 (a free port) in a thread,
for the whole module. ``browser_page`` is a Playwright page in Debian's
``chromium`` (``RAIRLAB_CHROMIUM`` or ``chromium`` on PATH; Playwright's own
browser download is never used). It records console errors and uncaught page
errors, and the test fails if any occurred. ``shot(page, name)`` saves a screenshot
under the test's tmp dir, and also under ``RAIRLAB_SCREENSHOTS`` when set, cut to the page's top
2000 pixels (how docs/web/ is made).

Where no Chromium is installed the browser tests are skipped, except when
``RAIRLAB_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from _webapp import BASE
from rairlab.web import WebLimits, create_app

#: Height of the screenshots kept for the docs (pixels).
DOC_HEIGHT = 2000


def chromium_path() -> str | None:
    """The Chromium executable the browser tests drive, or None."""
    return os.environ.get("RAIRLAB_CHROMIUM") or shutil.which("chromium")


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(tmp_path / "runs", WebLimits(max_upload_bytes=200_000))


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False, base_url=BASE) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    app = create_app(tmp_path_factory.mktemp("runs"), WebLimits(max_upload_bytes=200_000))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if os.environ.get("RAIRLAB_REQUIRE_BROWSER") == "1":
            pytest.fail("RAIRLAB_REQUIRE_BROWSER=1 but no chromium (apt-get install chromium)")
        pytest.skip("no chromium on PATH (apt-get install chromium) to drive the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def browser_page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[Any, str], Path]:
    def save(page: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        keep = os.environ.get("RAIRLAB_SCREENSHOTS")
        if keep:  # for docs/web: the top of the page, at most DOC_HEIGHT pixels
            Path(keep).mkdir(parents=True, exist_ok=True)
            height = min(DOC_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
            clip = {"x": 0, "y": 0, "width": 1280, "height": height}
            page.screenshot(path=str(Path(keep) / path.name), full_page=True, clip=clip)
        return path

    return save
