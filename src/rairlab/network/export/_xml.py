"""A minimal XML tree and MathML builder for the SBML writers (no third-party dependency).

SBML and MathML are written as text from a small tree of :class:`Element` so that
the exports need neither python-libsbml nor namespace-prefix juggling; the tests
validate every document with python-libsbml.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

__all__ = ["MATHML_NS", "XHTML_NS", "Element", "apply", "call", "ci", "cn", "el", "math", "render"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
XHTML_NS = "http://www.w3.org/1999/xhtml"


@dataclass
class Element:
    """One XML element: tag (with its prefix, if any), attributes, children, text."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)
    text: str | None = None
    raw: str | None = None


def el(
    tag: str,
    attrs: Mapping[str, object] | None = None,
    children: Iterable[Element] = (),
    text: str | None = None,
) -> Element:
    """Build an element; attribute values are converted with ``str`` (booleans as xsd)."""
    conv = {}
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        conv[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return Element(tag, conv, list(children), text)


def render(root: Element) -> str:
    """Serialize `root` as an indented UTF-8 XML document.

    Examples
    --------
    >>> print(render(el("a", {"x": 1}, [el("b", text="<1>")])), end="")
    <?xml version="1.0" encoding="UTF-8"?>
    <a x="1">
      <b>&lt;1&gt;</b>
    </a>
    """
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']

    def go(e: Element, depth: int) -> None:
        pad = "  " * depth
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in e.attrs.items())
        if e.raw is not None:
            lines.append(f"{pad}<{e.tag}{attrs}>{e.raw}</{e.tag}>")
        elif not e.children and e.text is None:
            lines.append(f"{pad}<{e.tag}{attrs}/>")
        elif not e.children:
            lines.append(f"{pad}<{e.tag}{attrs}>{escape(e.text or '')}</{e.tag}>")
        else:
            lines.append(f"{pad}<{e.tag}{attrs}>")
            for c in e.children:
                go(c, depth + 1)
            lines.append(f"{pad}</{e.tag}>")

    go(root, 0)
    return "\n".join(lines) + "\n"


def math(body: Element) -> Element:
    """A MathML ``<math>`` element around `body`."""
    return el("math", {"xmlns": MATHML_NS}, [body])


def ci(name: str) -> Element:
    """A MathML identifier."""
    return el("ci", text=name)


def cn(value: float | int, units: str | None = None) -> Element:
    """A MathML number: integers as ``type="integer"``, reals in plain or e-notation.

    `units` adds SBML Level 3's ``sbml:units`` attribute (the document must declare
    the ``sbml`` prefix).

    Examples
    --------
    >>> cn(1e-30).raw
    ' 1 <sep/> -30 '
    >>> cn(0.5).text, cn(2).attrs
    ('0.5', {'type': 'integer'})
    """
    unit = {"sbml:units": units} if units else {}
    if isinstance(value, int) and not isinstance(value, bool):
        return el("cn", {"type": "integer", **unit}, text=str(value))
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return Element(
            "cn", {"type": "e-notation", **unit}, raw=f" {mantissa} <sep/> {int(exponent)} "
        )
    return el("cn", unit, text=text)


def apply(op: str, *args: Element) -> Element:
    """``<apply><op/> args...</apply>``."""
    return el("apply", None, [el(op), *args])


def call(function: str, *args: Element) -> Element:
    """``<apply><ci>function</ci> args...</apply>``: a call of a function definition."""
    return el("apply", None, [ci(function), *args])
