"""The switch between rairlab's compiled (Numba) kernels and their NumPy paths.

:data:`AVAILABLE` is True when Numba imports, unless the environment variable
``RAIRLAB_NO_NUMBA`` is set to anything but ``""`` or ``"0"``; it is read once,
at import. Every package with kernels (network, biokinetics) imports it from
here, so one variable selects the NumPy path everywhere.
"""

from __future__ import annotations

import os

try:  # pragma: no cover - exercised through AVAILABLE
    if os.environ.get("RAIRLAB_NO_NUMBA", "") not in ("", "0"):
        raise ImportError("disabled by RAIRLAB_NO_NUMBA")
    import numba  # noqa: F401

    AVAILABLE = True
except ImportError:  # pragma: no cover
    AVAILABLE = False

__all__ = ["AVAILABLE"]
