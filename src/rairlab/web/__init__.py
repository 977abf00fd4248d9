"""The local web app (``rairlab serve``): Tumour, Dosimetry, Trials, Evidence and Model pages.

A Starlette application with server-side Jinja2 templates and a little plain
JavaScript (charts with CSV/SVG/PNG downloads, autocomplete). Every asset ships
in the package, so the app works with no network; the Content-Security-Policy
allows nothing but the app's own origin. Pages keep their inputs in the URL
(GET forms), so a result can be shared and reopened. Every form field is
checked by the same library code as the CLI and a bad value is one line with
status 400; nothing a user types becomes a file path or code. Research use only.
"""

from rairlab.web._app import WebLimits, create_app

__all__ = ["WebLimits", "create_app"]
