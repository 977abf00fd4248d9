"""Text forms of perturbations, parsed the same way by the CLI and the web app.

``NAME[:EXPOSURE]`` for a drug, a TSH state name or level, ``KEY=VALUE`` for the
micro-environment. Each parser raises one :class:`~rairlab.errors.InvalidValueError`
naming the option (``what``: ``"--drug"`` on the command line, ``"drug"`` in a form),
the value and what is accepted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rairlab.errors import InvalidValueError
from rairlab.network._data import load_network_data

__all__ = ["MAX_EXPOSURE", "parse_drug_item", "parse_env_items", "parse_tsh"]

#: Largest drug EXPOSURE (multiples of the standard exposure): past 100 every modelled
#: drug effect is saturated (E/(E + potency) >= 99 % of its maximum at the shipped
#: potencies <= 1 and Hill coefficient 1), so a larger number only signals a typo.
MAX_EXPOSURE = 100.0


def parse_drug_item(text: str, what: str = "--drug") -> tuple[str, float]:
    """``NAME`` or ``NAME:EXPOSURE`` as (name, exposure); a name may itself hold colons.

    Examples
    --------
    >>> parse_drug_item("dabrafenib:0.5"), parse_drug_item("trametinib")
    (('dabrafenib', 0.5), ('trametinib', 1.0))
    """
    name, sep, value = text.rpartition(":")
    if not sep or not name.strip():
        return text.strip(), 1.0
    try:
        exposure = float(value)
    except ValueError:
        return text.strip(), 1.0
    if not (math.isfinite(exposure) and 0 <= exposure <= MAX_EXPOSURE):
        raise InvalidValueError(
            what, text, f"NAME or NAME:EXPOSURE with EXPOSURE >= 0 and <= {MAX_EXPOSURE:g}"
        )
    return name.strip(), exposure


def parse_tsh(text: str, what: str = "--tsh") -> str:
    """`text` when it names a TSH state of the network data or is a level in [0, 1].

    Examples
    --------
    >>> parse_tsh("rhTSH"), parse_tsh("0.3")
    ('rhTSH', '0.3')
    """
    levels = load_network_data().environment["tsh"].levels
    if text.strip().lower() in (name.lower() for name in levels):
        return text
    try:
        level = float(text)
    except ValueError:
        level = math.nan
    if not (math.isfinite(level) and 0.0 <= level <= 1.0):
        raise InvalidValueError(what, text, f"one of {', '.join(levels)} (or a level in [0, 1])")
    return text


def parse_env_items(items: Iterable[str], what: str = "--env") -> dict[str, str]:
    """``KEY=VALUE`` items as a mapping (the values are checked by the network's conditions).

    Examples
    --------
    >>> parse_env_items(["tgfb=high", " hypoxia = 0.8"])
    {'tgfb': 'high', 'hypoxia': '0.8'}
    """
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidValueError(what, item, "KEY=VALUE, e.g. tgfb=high or hypoxia=0.8")
        out[key.strip()] = value.strip()
    return out
