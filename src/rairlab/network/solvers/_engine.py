"""Which implementation runs: the compiled kernels (Numba) or the NumPy paths."""

from __future__ import annotations

from rairlab.errors import InvalidValueError

__all__ = ["ENGINES", "use_compiled"]

ENGINES = ("auto", "compiled", "numpy")


def use_compiled(engine: str, n_patients: int) -> bool:
    """True to run the compiled kernel for `engine` ("auto", "compiled" or "numpy").

    "auto" takes the compiled kernel when Numba is available (see
    :mod:`rairlab._numba`) and there is at least one patient; "compiled" without
    Numba is one clear error. "numpy" never imports Numba (about 0.3 s), which a
    one-patient command-line call does not need.
    """
    if engine not in ENGINES:
        raise InvalidValueError("engine", engine, "auto, compiled or numpy")
    if engine == "numpy":
        return False
    from rairlab import _numba  # imports Numba, when installed

    if engine == "compiled" and not _numba.AVAILABLE:
        raise InvalidValueError("engine", engine, "numpy or auto (Numba is not available)")
    return _numba.AVAILABLE and n_patients > 0
