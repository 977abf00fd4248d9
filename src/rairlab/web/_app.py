"""The application: routes of every page, security headers, limits and the error boundary.

Errors a user can cause (a bad field, an unknown drug, malformed YAML, an upload
too large, an unknown page) are answered with status 4xx and one line, as an
HTML page or, under ``/api/``, as ``{"error": "..."}``. Anything else is logged
and answered with a generic 500 page that shows no traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from rairlab.errors import RairlabError
from rairlab.web._common import WebLimits, WebState, page
from rairlab.web._jobs import Jobs, jobs_lifespan

__all__ = ["WebLimits", "create_app"]

log = logging.getLogger("rairlab.web")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Only the app's own origin: no CDN, no inline script, no framing by other sites.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _BodyTooLargeError(Exception):
    pass


class _Guard:
    """ASGI middleware: the security headers on every response, and the upload size limit.

    A body over ``max_bytes`` is refused with 413 before the app reads it when
    its Content-Length says so, and as soon as the streamed bytes pass the limit
    otherwise.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *_HEADERS]
            await send(message)

        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, send_with_headers)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counted, send_with_headers)
        except _BodyTooLargeError:
            await self._too_large(scope, send_with_headers)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        mib = self.max_bytes / 1024 / 1024
        response = JSONResponse(
            {"error": f"The upload is larger than the limit of {mib:g} MiB."}, status_code=413
        )
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return page(request, "error.html", status_code=status, status=status, message=message)


async def _rairlab_error(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "No such page.", 405: "Method not allowed here."}
    message = exc.detail if exc.detail and exc.detail != "Not Found" else ""
    return _error(request, exc.status_code, message or messages.get(exc.status_code, "Error."))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s", request.url.path, exc_info=exc)
    return _error(request, 500, "Internal error: the request could not be completed (logged).")


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("rairlab.web", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def _routes() -> list[Any]:
    from rairlab.web import _dosimetry, _evidence, _model, _trials, _tumour

    static = Path(__file__).with_name("static")
    return [
        Route("/", lambda request: RedirectResponse("/tumour", status_code=307)),
        Mount("/static", app=StaticFiles(directory=static), name="static"),
        *_tumour.ROUTES,
        *_dosimetry.ROUTES,
        *_trials.ROUTES,
        *_evidence.ROUTES,
        *_model.ROUTES,
    ]


def create_app(runs_dir: str | Path, limits: WebLimits | None = None) -> Any:
    """The rairlab web app, keeping trial runs under `runs_dir`.

    Parameters
    ----------
    runs_dir
        Folder of the trial runs started from the Trials page (created if missing).
    limits
        Bounds on job and upload sizes; default :class:`WebLimits`.

    Returns
    -------
    An ASGI application (Starlette) wrapped in the security and upload guard.
    """
    limits = limits or WebLimits()
    runs = Path(runs_dir)
    runs.mkdir(parents=True, exist_ok=True)
    app = Starlette(
        routes=_routes(),
        lifespan=jobs_lifespan,
        exception_handlers={
            RairlabError: _rairlab_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.web = WebState(
        runs_dir=runs, limits=limits, templates=_templates(), jobs=Jobs(runs, limits)
    )
    return _Guard(app, limits.max_upload_bytes)
