"""The exception hierarchy: one root, `RairlabError`, for every error a user can cause.

Each subclass also inherits the matching builtin, so callers may catch
``LookupError`` or ``ValueError`` as usual. Every error keeps its fields and
pickles (Dask ships errors between processes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "DataFileError",
    "InputFileError",
    "InvalidValueError",
    "MissingExtraError",
    "RairlabError",
    "UnknownNameError",
    "close_matches",
    "edit_distance",
    "shown_value",
    "similarity",
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


_IGNORED = re.compile(r"[\s\-\u2010-\u2015_]+")


def _fold(name: str) -> str:
    """Compare form of a name: case-folded, without spaces, hyphens or underscores."""
    return _IGNORED.sub("", name).casefold()


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment (restricted Damerau-Levenshtein) distance between `a` and `b`.

    Insertions, deletions, substitutions and transpositions of two adjacent
    characters each cost 1. With `limit`, any distance above it is returned as
    ``limit + 1`` (the rows stop early), which keeps a scan of many names fast.

    References
    ----------
    Damerau F. J. (1964), A technique for computer detection and correction of
    spelling errors, Commun. ACM 7:171-176, doi:10.1145/363958.363994.

    Examples
    --------
    >>> edit_distance("dabrafinib", "dabrafenib")
    1
    >>> edit_distance("tarmetinib", "trametinib")
    1
    """
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        before, previous, row = previous, row, [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            row[j] = best
        if limit is not None and min(row) > limit:
            return limit + 1
    return row[-1]


def similarity(a: str, b: str) -> float:
    """Normalized edit similarity in [0, 1]: ``1 - edit_distance / longer length``.

    Names are compared case-folded and without spaces, hyphens or underscores,
    so ``"GSK-2118436"`` and ``"gsk2118436"`` score 1.

    Examples
    --------
    >>> similarity("Dabrafinib", "dabrafenib")
    0.9
    >>> similarity("GSK-2118436", "gsk 2118436")
    1.0
    """
    fa, fb = _fold(a), _fold(b)
    longest = max(len(fa), len(fb))
    return 1.0 - edit_distance(fa, fb) / longest if longest else 1.0


def close_matches(
    name: str,
    choices: Iterable[str],
    n: int = 3,
    *,
    cutoff: float = 0.7,
    synonyms: Mapping[str, str] | None = None,
) -> list[str]:
    """Return up to `n` names that resemble `name`, the most similar first.

    Similarity is the normalized optimal-string-alignment distance of
    :func:`similarity` (case-folded; spaces, hyphens and underscores ignored);
    names scoring below `cutoff` are left out, and ties keep the order of
    `choices`.

    Parameters
    ----------
    name
        The name as the user wrote it.
    choices
        The accepted names; each is suggested as written.
    n
        The most names to return.
    cutoff
        The least similarity, in [0, 1], of a suggestion.
    synonyms
        Other spellings mapped to the name to suggest for them (``{"Tafinlar":
        "dabrafenib"}``): a spelling close to `name` suggests its target, once.

    Examples
    --------
    >>> close_matches("dabrafinib", ["dabrafenib", "trametinib", "sorafenib"])
    ['dabrafenib']
    >>> close_matches("tafinlr", ["dabrafenib"], synonyms={"Tafinlar": "dabrafenib"})
    ['dabrafenib']
    """
    target = _fold(name)
    spellings = [(c, c) for c in choices] + list((synonyms or {}).items())
    best: dict[str, float] = {}
    for spelling, suggestion in spellings:
        folded = _fold(spelling)
        longest = max(len(target), len(folded))
        if not longest:
            continue
        limit = int((1.0 - cutoff) * longest + 1e-9)
        score = 1.0 - edit_distance(target, folded, limit) / longest
        if score >= cutoff and score > best.get(suggestion, -1.0):
            best[suggestion] = score
    order = {s: i for i, s in enumerate(dict.fromkeys(s for _, s in spellings))}
    ranked = sorted(best, key=lambda s: (-best[s], order[s]))
    return ranked[:n]


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
    synonyms
        Other spellings of accepted names, mapped to the name to suggest
        (``{"Tafinlar": "dabrafenib"}``; see :func:`close_matches`).
    """

    def __init__(
        self,
        kind: str,
        name: str,
        choices: Iterable[str] = (),
        hint: str | None = None,
        also: Iterable[str] = (),
        synonyms: Mapping[str, str] | None = None,
    ) -> None:
        choices = list(choices)
        self.kind = kind
        self.name = name
        close = close_matches(name, choices, synonyms=synonyms)
        self.suggestions = list(dict.fromkeys([*also, *close]))[:3]
        msg = f"Unknown {kind} {shown_value(name)}."
        if self.suggestions:
            msg += " Did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        if hint:
            msg += f" Known {kind}s: {hint}"
        elif choices and len(choices) <= 12:
            msg += f" Known {kind}s: {', '.join(sorted(choices))}."
        super().__init__(msg)


#: Longest value an error message quotes (characters): the rest is elided.
MAX_SHOWN = 120


def shown_value(value: object) -> str:
    """`value` as an error message quotes it: its repr on one line, at most `MAX_SHOWN` long.

    Examples
    --------
    >>> shown_value("dabrafinib")
    "'dabrafinib'"
    >>> import numpy as np
    >>> shown_value(np.full(1000, np.inf))
    'array of 1000 values, e.g. [inf inf inf ...]'
    """
    size = getattr(value, "size", None)
    if isinstance(size, int) and size > 8 and hasattr(value, "ravel"):
        head = " ".join(str(v) for v in value.ravel()[:3])
        return f"array of {size} values, e.g. [{head} ...]"
    text = " ".join(repr(value).split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


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
        super().__init__(f"Invalid {parameter} {shown_value(value)}: expected {accepted}.")


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
