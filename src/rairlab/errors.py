"""The exception hierarchy: one root, `RairlabError`, for every error a user can cause.

Each subclass also inherits the matching builtin, so callers may catch
``LookupError`` or ``ValueError`` as usual. Every error keeps its fields and
pickles (Dask ships errors between processes).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "DataFileError",
    "InputFileError",
    "InvalidValueError",
    "MissingExtraError",
    "RairlabError",
    "UnknownNameError",
    "close_matches",
]


class RairlabError(Exception):
    """Root of every error rairlab raises on bad input or bad data.

    The message is a single line that names the bad value, where it came
    from and what is accepted.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.__dict__.copy()))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[RairlabError], state: dict[str, Any]) -> RairlabError:
    obj = cls.__new__(cls)
    Exception.__init__(obj, state.get("message", ""))
    obj.__dict__.update(state)
    return obj


def close_matches(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to `n` entries of `choices` that resemble `name` (case-insensitive).

    Examples
    --------
    >>> close_matches("dabrafinib", ["dabrafenib", "trametinib", "sorafenib"])
    ['dabrafenib']
    """
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.75)
    return [lowered[h] for h in hits]


class UnknownNameError(RairlabError, LookupError):
    """A name (drug, alteration, gene, nuclide, node, ...) that rairlab does not know.

    Parameters
    ----------
    kind
        What was looked up, e.g. ``"drug"``.
    name
        The name as the user wrote it.
    choices
        The accepted names; the closest ones are suggested.
    hint
        Where to see every accepted name, e.g. ``"rairlab evidence --list agents"``.
    also
        Names to suggest before the close spelling matches (e.g. found from a part
        of `name`).
    """

    def __init__(
        self,
        kind: str,
        name: str,
        choices: Iterable[str] = (),
        hint: str | None = None,
        also: Iterable[str] = (),
    ) -> None:
        choices = list(choices)
        self.kind = kind
        self.name = name
        self.suggestions = list(dict.fromkeys([*also, *close_matches(name, choices)]))[:3]
        msg = f"Unknown {kind} {name!r}."
        if self.suggestions:
            msg += " Did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        if hint:
            msg += f" Known {kind}s: {hint}"
        elif choices and len(choices) <= 12:
            msg += f" Known {kind}s: {', '.join(sorted(choices))}."
        super().__init__(msg)


class InvalidValueError(RairlabError, ValueError):
    """A parameter value outside what is accepted.

    Parameters
    ----------
    parameter
        The parameter's name as the user knows it (e.g. ``"--mass-g"``).
    value
        The bad value.
    accepted
        A short description of the accepted values.
    """

    def __init__(self, parameter: str, value: object, accepted: str) -> None:
        self.parameter = parameter
        self.value = value
        self.accepted = accepted
        super().__init__(f"Invalid {parameter} {value!r}: expected {accepted}.")


class InputFileError(RairlabError, ValueError):
    """A user-supplied file (measurements, spec, image) that cannot be used.

    Parameters
    ----------
    path
        The file.
    problem
        What is wrong, including where (line, column) when known.
    """

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DataFileError(RairlabError, ValueError):
    """A shipped or user-edited data file (knowledge base, network rules) that is malformed.

    Parameters
    ----------
    path
        The file.
    problem
        What is wrong.
    line
        The 1-based line number, when known.
    """

    def __init__(self, path: object, problem: str, line: int | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class MissingExtraError(RairlabError, ImportError):
    """An optional dependency is not installed; the message says which extra installs it.

    Parameters
    ----------
    package
        The module that failed to import.
    extra
        The rairlab extra that provides it.
    """

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"This feature needs the optional package {package!r}: pip install 'rairlab[{extra}]'"
        )
