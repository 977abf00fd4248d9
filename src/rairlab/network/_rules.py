"""The rule grammar of the network: a hand-written recursive-descent parser and its AST.

A rule is a Boolean expression over node ids with ``!`` (not), ``&`` (and),
``|`` (or), parentheses and the constants ``0`` and ``1``. Precedence, from
strongest to weakest: ``!``, ``&``, ``|``. Nothing is ever ``eval``-ed.

Grammar (EBNF)::

    rule    = or_expr EOF
    or_expr = and_expr { "|" and_expr }
    and_expr= unary { "&" unary }
    unary   = "!" unary | atom
    atom    = NAME | "0" | "1" | "(" or_expr ")"
    NAME    = [A-Za-z_][A-Za-z0-9_]*

Parentheses and ``!`` may nest at most `MAX_NESTING` levels deep: a deeper rule
is a `RuleSyntaxError`, not a ``RecursionError`` of the parser or of the code
that walks the AST. A parenthesized ``&`` chain inside an ``&`` chain (``|``
inside ``|``) is merged into it, so ``(A & B) & C`` and ``A & B & C`` give the
same AST.

Rules must be *read-once*: a node id appears at most once in a rule. Then the
product/probabilistic-sum reading of the AST is exactly the multilinear
interpolation of the Boolean function (the Odefy Hill cube), and each edge of
the network is one leaf of exactly one rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from rairlab.errors import RairlabError

__all__ = [
    "MAX_NESTING",
    "And",
    "Const",
    "Expr",
    "Not",
    "Or",
    "RuleSyntaxError",
    "Var",
    "evaluate_bool",
    "parse_rule",
    "to_text",
    "variables",
]


@dataclass(frozen=True)
class Var:
    """A reference to a node's activity (one edge of the network)."""

    name: str


@dataclass(frozen=True)
class Const:
    """The constant ``0`` or ``1``."""

    value: int


@dataclass(frozen=True)
class Not:
    """Logical negation; continuous reading ``1 - a``."""

    arg: Expr


@dataclass(frozen=True)
class And:
    """Conjunction of two or more terms; continuous reading: product."""

    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """Disjunction of two or more terms; continuous reading ``1 - prod(1 - a)``."""

    args: tuple[Expr, ...]


Expr: TypeAlias = Var | Const | Not | And | Or


class RuleSyntaxError(RairlabError, ValueError):
    """A rule that does not parse; `column` is 1-based within the rule text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} at column {column}")
        self.column = column


#: Deepest nesting of parentheses and ``!`` a rule may have. The network's rules
#: nest a few levels; the bound keeps the parser's and the AST walkers' recursion
#: far inside Python's limit.
MAX_NESTING = 64

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<const>[01])|(?P<op>[!&|()]))")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos, end = 0, len(text.rstrip())  # no slices in the loop: linear in the text's length
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = pos
            while text[bad].isspace():
                bad += 1
            raise RuleSyntaxError(f"unexpected character {text[bad]!r}", bad + 1)
        kind = m.lastgroup or ""
        value = m.group(kind)
        tokens.append((kind, value, m.start(kind) + 1))
        pos = m.end()
    tokens.append(("eof", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0  # open parentheses and ``!`` around the current token

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise RuleSyntaxError(
                f"nesting deeper than {MAX_NESTING} levels of parentheses and '!'", col
            )

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def or_expr(self) -> Expr:
        args = _merged(Or, [self.and_expr()])
        while self.peek()[1] == "|":
            self.take()
            args += _merged(Or, [self.and_expr()])
        return args[0] if len(args) == 1 else Or(tuple(args))

    def and_expr(self) -> Expr:
        args = _merged(And, [self.unary()])
        while self.peek()[1] == "&":
            self.take()
            args += _merged(And, [self.unary()])
        return args[0] if len(args) == 1 else And(tuple(args))

    def unary(self) -> Expr:
        if self.peek()[1] == "!":
            self.enter(self.take()[2])
            arg = self.unary()
            self.depth -= 1
            return Not(arg)
        return self.atom()

    def atom(self) -> Expr:
        kind, value, col = self.take()
        if kind == "name":
            return Var(value)
        if kind == "const":
            return Const(int(value))
        if value == "(":
            self.enter(col)
            inner = self.or_expr()
            _kind2, value2, col2 = self.take()
            if value2 != ")":
                raise RuleSyntaxError(f"expected ')' but found {value2 or 'end of rule'!r}", col2)
            self.depth -= 1
            return inner
        raise RuleSyntaxError(
            f"expected a node, 0, 1, '!' or '(' but found {value or 'end of rule'!r}", col
        )


def _merged(kind: type[And] | type[Or], terms: list[Expr]) -> list[Expr]:
    """`terms` with each `kind` node replaced by its arguments (its chain merged in)."""
    return [a for t in terms for a in (t.args if isinstance(t, kind) else (t,))]


def parse_rule(text: str) -> Expr:
    """Parse one rule into its AST.

    Parameters
    ----------
    text
        The rule, e.g. ``"PAX8 & CREB1 & !(SMAD2_3 & !SMAD7)"``.

    Returns
    -------
    Expr
        The AST; ``And``/``Or`` are flattened n-ary nodes: no ``And`` has an
        ``And`` argument and no ``Or`` an ``Or`` one, parentheses or not.

    Raises
    ------
    RuleSyntaxError
        On a syntax error, nesting deeper than `MAX_NESTING` levels, or a node
        named twice (rules must be read-once).

    Examples
    --------
    >>> parse_rule("A & !(B | C)")
    And(args=(Var(name='A'), Not(arg=Or(args=(Var(name='B'), Var(name='C'))))))
    >>> to_text(parse_rule("(A|B)&C"))
    '(A | B) & C'
    >>> parse_rule("(A & B) & C") == parse_rule("A & B & C")
    True
    """
    parser = _Parser(text)
    expr = parser.or_expr()
    kind, value, col = parser.peek()
    if kind != "eof":
        raise RuleSyntaxError(f"unexpected {value!r}", col)
    names = variables(expr)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise RuleSyntaxError(f"node {name!r} appears twice (rules must be read-once)", 1)
        seen.add(name)
    return expr


def variables(expr: Expr) -> list[str]:
    """The node ids of `expr`'s leaves, left to right (the rule's edge order).

    Examples
    --------
    >>> variables(parse_rule("A & !(B | C)"))
    ['A', 'B', 'C']
    """
    if isinstance(expr, Var):
        return [expr.name]
    if isinstance(expr, Const):
        return []
    if isinstance(expr, Not):
        return variables(expr.arg)
    return [v for a in expr.args for v in variables(a)]


def to_text(expr: Expr) -> str:
    """Render an AST back to rule text (minimal parentheses).

    Examples
    --------
    >>> to_text(parse_rule("!(A & B) | C"))
    '!(A & B) | C'
    """

    def go(e: Expr, parent: int) -> str:
        if isinstance(e, Var):
            return e.name
        if isinstance(e, Const):
            return str(e.value)
        if isinstance(e, Not):
            return "!" + go(e.arg, 3)
        level = 2 if isinstance(e, And) else 1
        sep = " & " if isinstance(e, And) else " | "
        body = sep.join(go(a, level) for a in e.args)
        return f"({body})" if level < parent else body

    return go(expr, 0)


def evaluate_bool(expr: Expr, values: dict[str, bool]) -> bool:
    """Evaluate `expr` on Boolean node values.

    Examples
    --------
    >>> evaluate_bool(parse_rule("A & !B"), {"A": True, "B": False})
    True
    """
    if isinstance(expr, Var):
        return values[expr.name]
    if isinstance(expr, Const):
        return bool(expr.value)
    if isinstance(expr, Not):
        return not evaluate_bool(expr.arg, values)
    if isinstance(expr, And):
        return all(evaluate_bool(a, values) for a in expr.args)
    return any(evaluate_bool(a, values) for a in expr.args)
