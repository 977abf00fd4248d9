"""The application: routes of every page, security headers, limits and the error boundary.

Errors a user can cause (a bad field, an unknown drug, malformed YAML, an upload
too large, an unknown page) are answered with status 4xx and one line, as an
HTML page or, under ``/api/``, as ``{"error": "..."}``. Anything else is logged
and answered with a generic 500 page that shows no traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from rairlab.errors import RairlabError
from rairlab.web import _dosimetry, _evidence, _model, _trials, _tumour
from rairlab.web._common import WebLimits, WebState, page
from rairlab.web._jobs import Jobs, jobs_lifespan

__all__ = ["LOCAL_HOSTS", "WebLimits", "create_app"]

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
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


#: Host names the app answers to by default (a DNS-rebinding guard): this machine only.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_SAFE_METHODS = (b"GET", b"HEAD", b"OPTIONS")


def _size(n: int) -> str:
    """A byte count as people read it.

    Examples
    --------
    >>> _size(200_000), _size(20 * 1024 * 1024)
    ('195 kB', '20 MiB')
    """
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


class _BodyTooLargeError(HTTPException):
    """The request body passed the upload limit while the app was reading it."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The upload is larger than the limit of {_size(max_bytes)}.")


class _Guard:
    """ASGI middleware: security headers, the upload size limit, same-origin writes.

    A body over ``max_bytes`` is refused with 413 before the app reads it when its
    Content-Length says so, and as soon as the streamed bytes pass the limit
    otherwise (the app answers 413 through its error handler). A request that
    changes state (not GET, HEAD or OPTIONS) from another origin, as a browser
    marks it (``Origin``, ``Sec-Fetch-Site``), is refused with 403, so a web page
    elsewhere cannot start trials here.
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
        if scope.get("method", "GET").encode() not in _SAFE_METHODS and _cross_origin(headers):
            await _refuse(scope, send_with_headers, 403, "Cross-origin request refused.")
            return
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_bytes:
            message = f"The upload is larger than the limit of {_size(self.max_bytes)}."
            await _refuse(scope, send_with_headers, 413, message)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _BodyTooLargeError(self.max_bytes)
            return message

        await self.app(scope, counted, send_with_headers)


def _cross_origin(headers: dict[bytes, bytes]) -> bool:
    """Whether a browser says the request comes from a page of another origin."""
    site = headers.get(b"sec-fetch-site")
    if site is not None:  # modern browsers: trust it (another port of localhost is same-site)
        return site not in (b"same-origin", b"none")
    origin = headers.get(b"origin")
    if origin is None:
        return False  # not a browser, or a same-origin GET form
    if origin == b"null":
        return True  # an opaque origin: a sandboxed frame or a file page
    return origin.split(b"://", 1)[-1] != headers.get(b"host")


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    await JSONResponse({"error": message}, status_code=status)(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return page(request, "error.html", status_code=status, status=status, message=message)


#: Longest error message a page shows (characters); library messages are one line already.
MAX_MESSAGE = 2000


async def _rairlab_error(request: Request, exc: Exception) -> Response:
    message = " ".join(str(exc).split())
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return _error(request, 400, message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    own = {404: "No such page.", 405: f"Method {request.method} is not allowed here."}
    generic = exc.detail in ("Not Found", "Method Not Allowed")
    message = own.get(exc.status_code) if generic else exc.detail
    response = _error(request, exc.status_code, message or "Error.")
    for key, value in (exc.headers or {}).items():  # e.g. Allow on a 405
        response.headers[key] = value
    return response


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


def create_app(
    runs_dir: str | Path,
    limits: WebLimits | None = None,
    allowed_hosts: Sequence[str] | None = LOCAL_HOSTS,
) -> Any:
    """The rairlab web app, keeping trial runs under `runs_dir`.

    Parameters
    ----------
    runs_dir
        Folder of the trial runs started from the Trials page (created if missing).
    limits
        Bounds on job and upload sizes; default :class:`WebLimits`.
    allowed_hosts
        Host names the app answers to (others get 400: a guard against DNS
        rebinding); None answers any host.

    Returns
    -------
    An ASGI application (Starlette) wrapped in the security and upload guard.
    """
    limits = limits or WebLimits()
    runs = Path(runs_dir)
    runs.mkdir(parents=True, exist_ok=True)
    middleware = (
        [Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))]
        if allowed_hosts is not None
        else []
    )
    app = Starlette(
        routes=_routes(),
        middleware=middleware,
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
