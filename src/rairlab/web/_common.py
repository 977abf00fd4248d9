"""What every page shares: app state, query parameters checked like the CLI's, rendering, JSON.

A page handler reads its inputs through :class:`Params`, which raises the
library's own :class:`~rairlab.errors.InvalidValueError` (one line naming the
field, the value and what is accepted); the app turns it into status 400. A
chart is data: :func:`chart` embeds its JSON in the page for ``charts.js``,
which draws it and offers CSV, SVG and PNG downloads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from rairlab import RESEARCH_USE_NOTICE, __version__
from rairlab.errors import InvalidValueError

__all__ = [
    "Params",
    "WebLimits",
    "WebState",
    "chart",
    "json_ready",
    "json_response",
    "page",
    "web_state",
]


@dataclass(frozen=True)
class WebLimits:
    """Bounds on what one request may ask for (job size, upload size, list lengths).

    Attributes
    ----------
    max_upload_bytes
        Largest request body (an uploaded CSV, NIfTI or YAML file included).
    max_trial_patients
        Largest trial a page may start: patients per arm times arms.
    max_case_patients
        Largest virtual population behind a tumour page's intervals.
    max_running_jobs
        Trials running at once; one more is refused with status 429.
    max_text
        Longest free-text field (characters).
    """

    max_upload_bytes: int = 20 * 1024 * 1024
    max_trial_patients: int = 20_000
    max_case_patients: int = 2_000
    max_running_jobs: int = 2
    max_text: int = 400


@dataclass
class WebState:
    """The app's state, on ``request.app.state.web``."""

    runs_dir: Path
    limits: WebLimits
    templates: Any  # starlette.templating.Jinja2Templates
    jobs: Any = None  # rairlab.web._jobs.Jobs, created with the app


def web_state(request: Request) -> WebState:
    """The :class:`WebState` of the app serving `request`."""
    return request.app.state.web


class Params:
    """Checked access to a request's query (or form) parameters.

    Every getter raises :class:`~rairlab.errors.InvalidValueError` naming the
    parameter, the value given and what is accepted.

    Examples
    --------
    >>> p = Params({"n": "12", "tsh": "rhtsh"}, max_text=50)
    >>> p.integer("n", 100, 1, 1000), p.choice("tsh", ("withdrawal", "rhtsh"), "withdrawal")
    (12, 'rhtsh')
    >>> p.integer("seed", 0, 0, 10)
    0
    """

    def __init__(self, values: Mapping[str, Any], max_text: int = 400) -> None:
        self._values = values
        self._max_text = max_text

    def _raw(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidValueError(name, "(a file)", "a text field")
        value = value.strip()
        if len(value) > self._max_text:
            raise InvalidValueError(
                name, value[:40] + "...", f"at most {self._max_text} characters"
            )
        return value or None

    def text(self, name: str, default: str = "") -> str:
        """A free-text field, stripped; `default` when absent or empty."""
        value = self._raw(name)
        return default if value is None else value

    def _all(self, name: str) -> list[str]:
        """Every value of a repeated field, stripped, empty ones kept (their position counts)."""
        getlist = getattr(self._values, "getlist", None)
        raw = getlist(name) if getlist else [self._values.get(name)]
        out: list[str] = []
        for item in raw:
            if item is None:
                continue
            if not isinstance(item, str):
                raise InvalidValueError(name, "(a file)", "a text field")
            if len(item) > self._max_text:
                raise InvalidValueError(
                    name, item[:40] + "...", f"at most {self._max_text} characters"
                )
            out.append(item.strip())
        return out

    def texts(self, name: str, max_items: int = 20) -> list[str]:
        """A repeated field (``?drug=a&drug=b``), empty items dropped."""
        out = [v for v in self._all(name) if v]
        if len(out) > max_items:
            raise InvalidValueError(name, f"{len(out)} values", f"at most {max_items}")
        return out

    def rows(self, names: Sequence[str], max_rows: int = 20) -> list[dict[str, str]]:
        """The rows of a form table whose columns are repeated fields, paired by position.

        A row counts when its first column is filled; its other columns may be empty
        (``""``), so a blank cell never shifts the values of the rows after it.

        Examples
        --------
        >>> from starlette.datastructures import QueryParams
        >>> q = QueryParams("drug=a&dose=&drug=&dose=&drug=b&dose=2")
        >>> Params(q).rows(("drug", "dose"))
        [{'drug': 'a', 'dose': ''}, {'drug': 'b', 'dose': '2'}]
        """
        columns = [self._all(n) for n in names]
        width = max((len(c) for c in columns), default=0)
        table = [
            {n: (c[i] if i < len(c) else "") for n, c in zip(names, columns, strict=True)}
            for i in range(width)
        ]
        out = [row for row in table if row[names[0]]]
        if len(out) > max_rows:
            raise InvalidValueError(names[0], f"{len(out)} rows", f"at most {max_rows}")
        return out

    def number(self, name: str, default: float | None, lo: float, hi: float) -> float | None:
        """A finite number in ``[lo, hi]``; `default` when absent."""
        value = self._raw(name)
        if value is None:
            return default
        accepted = f"a number from {lo:g} to {hi:g}"
        try:
            x = float(value)
        except ValueError:
            raise InvalidValueError(name, value, accepted) from None
        if not (math.isfinite(x) and lo <= x <= hi):
            raise InvalidValueError(name, value, accepted)
        return x

    def integer(self, name: str, default: int, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``; `default` when absent."""
        value = self._raw(name)
        if value is None:
            return default
        try:
            x = int(value)
        except ValueError:
            raise InvalidValueError(name, value, f"an integer from {lo} to {hi}") from None
        if not lo <= x <= hi:
            raise InvalidValueError(name, value, f"an integer from {lo} to {hi}")
        return x

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        """One of `choices` (exact); `default` when absent."""
        value = self._raw(name)
        if value is None:
            return default
        if value not in choices:
            raise InvalidValueError(name, value, "one of " + ", ".join(choices))
        return value

    def flag(self, name: str) -> bool:
        """A checkbox: present and not ``0``/``false``/``off``."""
        value = self._raw(name)
        return value is not None and value.lower() not in ("0", "false", "off", "no")


def json_ready(obj: Any) -> Any:
    """`obj` with NumPy scalars and arrays as Python values and non-finite floats as None.

    Examples
    --------
    >>> import numpy as np
    >>> json_ready({"a": np.float64(1.5), "b": [float("inf"), np.int64(2)]})
    {'a': 1.5, 'b': [None, 2]}
    """
    if isinstance(obj, Mapping):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, str | bytes):
        return obj
    tolist = getattr(obj, "tolist", None)
    if tolist is not None:
        return json_ready(tolist())
    if isinstance(obj, Iterable):
        return [json_ready(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def json_response(obj: Any, status_code: int = 200) -> JSONResponse:
    """A JSON response of `obj` (through :func:`json_ready`)."""
    return JSONResponse(json_ready(obj), status_code=status_code)


def _script_json(obj: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(json_ready(obj), allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart(spec: Mapping[str, Any]) -> Markup:
    """A chart for ``charts.js``: a ``<figure>`` holding its data as JSON.

    `spec` keys: ``id`` (file name of downloads), ``kind`` (``"bar"``: categories with
    one bar per series and optional ``lo``/``hi`` interval whiskers; ``"line"``:
    series of ``x``/``y`` points, ``"points": true`` for markers only, optional
    ``"log_y"``; ``"interval"``: a dot and a horizontal interval per category and
    series), ``title``, ``x_label``, ``y_label``, ``categories`` (bar, interval),
    ``series`` (list of ``{"name", "values"|"x"+"y", "lo", "hi"}``).

    Examples
    --------
    >>> html = chart({"id": "c1", "kind": "bar", "title": "t", "categories": ["a"],
    ...               "series": [{"name": "s", "values": [0.5]}]})
    >>> html.startswith('<figure class="chart"'), "</script>" in html
    (True, True)
    """
    cid = str(spec.get("id", "chart"))
    if not cid.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"chart id {cid!r}: letters, digits, - and _ only")
    return Markup(
        f'<figure class="chart" id="{cid}"><script type="application/json" '
        f'class="chart-data">{_script_json(spec)}</script></figure>'
    )


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with the shared context (notice, version, active page)."""
    templates = web_state(request).templates
    return templates.TemplateResponse(
        request,
        template,
        {"notice": RESEARCH_USE_NOTICE, "version": __version__, "chart": chart, **context},
        status_code=status_code,
    )
