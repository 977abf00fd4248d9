"""The `rairlab` command line: the product's outer API (see DESIGN.md, interface contract)."""

from rairlab.cli._app import app, main

__all__ = ["app", "main"]
