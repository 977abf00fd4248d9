"""BoolNet ``.bnet`` export of the logical network, and reading it back.

A ``.bnet`` file is a header line ``targets, factors`` and one line
``NODE, RULE`` per node, with ``!``, ``&``, ``|``, parentheses and the
constants ``0``/``1`` (the grammar of rairlab's own rules, so the rules are
written unchanged and factored). Inputs follow the BoolNet convention of a
self-loop, ``NODE, NODE``. Read by BoolNet (R), pyboolnet, mpbn and bioLQM.

References
----------
Müssel C, Hopfensitz M, Kestler HA (2010) BoolNet—an R package for generation,
reconstruction and analysis of Boolean networks. Bioinformatics 26:1378-1380.
doi:10.1093/bioinformatics/btq124
"""

from __future__ import annotations

import re

from rairlab.errors import DataFileError
from rairlab.network._compiled import CompiledModel
from rairlab.network._rules import Expr, RuleSyntaxError, Var, parse_rule, to_text, variables

__all__ = ["parse_bnet", "to_bnet"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def to_bnet(model: CompiledModel) -> str:
    """The network's logical rules in BoolNet ``.bnet`` format (text).

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> lines = to_bnet(compile_model()).splitlines()
    >>> lines[0], lines[1]
    ('targets, factors', 'TSH, TSH')
    """
    lines = ["targets, factors"]
    for node, rule in zip(model.node_ids, model.rules, strict=True):
        lines.append(f"{node}, {node if rule is None else to_text(rule)}")
    return "\n".join(lines) + "\n"


def parse_bnet(text: str, origin: str = "<bnet>") -> dict[str, Expr | None]:
    """Read a ``.bnet`` text: node -> rule AST, ``None`` for inputs (``X, X``).

    Blank lines, ``#`` comments and the ``targets, factors`` header are skipped.

    Parameters
    ----------
    text
        The file's content.
    origin
        Where it came from, for error messages (a path).

    Returns
    -------
    dict
        Rules in file order.

    Raises
    ------
    DataFileError
        A line without a comma, a bad node name, a rule syntax error, a node
        defined twice, or a rule naming an undefined node; with the line number.

    Examples
    --------
    >>> parse_bnet("targets, factors\\nA, A\\nB, A & !B")
    {'A': None, 'B': And(args=(Var(name='A'), Not(arg=Var(name='B'))))}
    """
    rules: dict[str, Expr | None] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.replace(" ", "").lower() == "targets,factors":
            continue
        target, sep, body = line.partition(",")
        target = target.strip()
        if not sep:
            raise DataFileError(origin, f"expected 'NODE, RULE' but found {line!r}", number)
        if not _NAME.match(target):
            raise DataFileError(origin, f"bad node name {target!r}", number)
        if target in rules:
            raise DataFileError(origin, f"node {target!r} is defined twice", number)
        try:
            expr = parse_rule(body)
        except RuleSyntaxError as exc:
            raise DataFileError(
                origin, f"syntax error in the rule of {target!r}: {exc}", number
            ) from exc
        rules[target] = None if expr == Var(target) else expr
        lines[target] = number
    for target, rule in rules.items():
        for name in [] if rule is None else variables(rule):
            if name not in rules:
                raise DataFileError(
                    origin, f"rule of {target!r} names undefined node {name!r}", lines[target]
                )
    return rules
