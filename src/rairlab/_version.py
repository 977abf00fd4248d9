"""The package version: the one place it is written (``pyproject.toml`` reads it from here).

A literal rather than ``importlib.metadata``: reading the installed metadata costs
about 50 ms on every command.
"""

__version__ = "0.1.0"
