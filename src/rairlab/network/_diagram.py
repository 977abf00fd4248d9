"""The compiled network as one standalone SVG: layers, signed edges, nodes coloured by activity.

:func:`network_svg` writes plain SVG markup (no script, no external reference,
text as ``<text>`` in a generic font family) that a report inlines and a web
page can make interactive: every node is a ``<g class="node" data-node="ID">``
whose ``<title>`` reads ``ID: value``. Layers are the topological depths of
:func:`rairlab.network._docgen.levels` (the docs figure's), top to bottom, a
wide layer wrapping onto several rows; green arrows activate, red bars inhibit
(:func:`~rairlab.network._docgen.edge_signs`). The output depends only on its
arguments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network._compiled import CompiledModel
from rairlab.network._docgen import KIND_COLOURS, edge_signs, levels

__all__ = ["network_svg"]

_BOX_W, _BOX_H = 124.0, 22.0
_PITCH_X, _PITCH_Y = 136.0, 46.0
_MARGIN = 16.0
_LEGEND_H = 44.0
_EDGE_COLOUR = {1: "#238b45", -1: "#cb181d"}
_MARKER = {1: "rairlab-net-activates", -1: "rairlab-net-inhibits"}
#: Activity colour scale stops (0 light .. 1 dark), RGB.
_SCALE = ((247, 251, 255), (107, 174, 214), (8, 48, 107))
#: Outline of a node whose activity changed by at least _CHANGE: rose, fell.
_CHANGE = 0.05
_CHANGE_COLOUR = {1: "#d95f02", -1: "#7570b3"}
_MISSING_FILL = "#ffffff"


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _activity_colour(v: float) -> str:
    """The fill of activity `v` in [0, 1] (clipped): a light-to-dark blue scale."""
    t = min(max(v, 0.0), 1.0) * (len(_SCALE) - 1)
    k = min(int(t), len(_SCALE) - 2)
    f = t - k
    rgb = (round(a + (b - a) * f) for a, b in zip(_SCALE[k], _SCALE[k + 1], strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _checked(values: Mapping[str, float] | None, model: CompiledModel, what: str) -> dict:
    if values is None:
        return {}
    out = {}
    for node, v in values.items():
        if node not in model.node_ids:
            raise UnknownNameError("node", str(node), model.node_ids)
        if not isinstance(v, int | float) or not math.isfinite(float(v)):
            raise InvalidValueError(f"{what}[{node!r}]", v, "a finite number")
        out[str(node)] = float(v)
    return out


def _layout(model: CompiledModel, width: float) -> tuple[list[tuple[float, float]], int]:
    """Node centres, layers top to bottom wrapped at `width`, and the number of rows."""
    per_row = max(1, int((width - 2 * _MARGIN + _PITCH_X - _BOX_W) // _PITCH_X))
    level = levels(model)
    rows: list[list[int]] = []
    for lv in sorted(set(level)):
        members = [i for i in range(model.n_nodes) if level[i] == lv]
        rows += [members[k : k + per_row] for k in range(0, len(members), per_row)]
    pos = [(0.0, 0.0)] * model.n_nodes
    for r, members in enumerate(rows):
        y = _MARGIN + _BOX_H / 2 + r * _PITCH_Y
        for k, i in enumerate(members):
            pos[i] = (width / 2 + (k - (len(members) - 1) / 2) * _PITCH_X, y)
    return pos, len(rows)


def _border(c: tuple[float, float], toward: tuple[float, float]) -> tuple[float, float]:
    """Where the ray from box centre `c` toward `toward` leaves the box."""
    dx, dy = toward[0] - c[0], toward[1] - c[1]
    if dx == 0 and dy == 0:
        return c
    s = min(
        (_BOX_W / 2) / abs(dx) if dx else math.inf,
        (_BOX_H / 2) / abs(dy) if dy else math.inf,
    )
    return c[0] + dx * s, c[1] + dy * s


def _edge_path(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A slightly bent quadratic curve from box `a` to box `b` (a loop when they are one)."""
    if a == b:
        x, y = a[0] + _BOX_W / 2, a[1]
        return (
            f"M{_fmt(x)},{_fmt(y - 4)} C{_fmt(x + 24)},{_fmt(y - 20)} "
            f"{_fmt(x + 24)},{_fmt(y + 20)} {_fmt(x)},{_fmt(y + 4)}"
        )
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    dx, dy = b[0] - a[0], b[1] - a[1]
    ctrl = (mx - 0.12 * dy, my + 0.12 * dx)  # bent to one side: opposite edges do not overlap
    start, end = _border(a, ctrl), _border(b, ctrl)
    return (
        f"M{_fmt(start[0])},{_fmt(start[1])} "
        f"Q{_fmt(ctrl[0])},{_fmt(ctrl[1])} {_fmt(end[0])},{_fmt(end[1])}"
    )


def _defs() -> str:
    return (
        "<defs>"
        f'<marker id="{_MARKER[1]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{_EDGE_COLOUR[1]}"/></marker>'
        f'<marker id="{_MARKER[-1]}" viewBox="0 0 4 10" refX="3" refY="5" markerWidth="3" '
        f'markerHeight="8" orient="auto"><rect x="0" y="0" width="3" height="10" '
        f'fill="{_EDGE_COLOUR[-1]}"/></marker>'
        "</defs>"
    )


def _node(
    model: CompiledModel,
    i: int,
    centre: tuple[float, float],
    activity: dict[str, float],
    changed: dict[str, float],
    shaded: bool,
) -> str:
    node, kind = model.node_ids[i], model.kinds[i]
    value = activity.get(node)
    if shaded:
        fill = _activity_colour(value) if value is not None else _MISSING_FILL
        title = f"{node}: {value:.3g}" if value is not None else f"{node}: no value"
        ink = "#ffffff" if value is not None and value > 0.6 else "#1b1b1b"
    else:
        fill, title, ink = KIND_COLOURS.get(kind, _MISSING_FILL), f"{node}: {kind}", "#1b1b1b"
    stroke, stroke_w = "#555555", 1.0
    delta = changed.get(node)
    if delta is not None:
        title += f" (change {delta:+.3g})"
        if abs(delta) >= _CHANGE:
            stroke, stroke_w = _CHANGE_COLOUR[1 if delta > 0 else -1], 2.5
    x, y = centre[0] - _BOX_W / 2, centre[1] - _BOX_H / 2
    fit = (
        f' textLength="{_fmt(_BOX_W - 8)}" lengthAdjust="spacingAndGlyphs"'
        if len(node) > 19  # wider than the box at 11 px: squeeze (never stretch a short one)
        else ""
    )
    data = f' data-value="{value:.6g}"' if shaded and value is not None else ""
    dashed = ' stroke-dasharray="3,2"' if shaded and value is None else ""
    return (
        f'<g class="node" data-node="{escape(node)}" data-kind="{escape(kind)}"{data}>'
        f"<title>{escape(title)}</title>"
        f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(_BOX_W)}" height="{_fmt(_BOX_H)}" '
        f'rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w:g}"{dashed}/>'
        f'<text x="{_fmt(centre[0])}" y="{_fmt(centre[1] + 4)}" text-anchor="middle" '
        f'fill="{ink}"{fit}>{escape(node)}</text></g>'
    )


def _legend(y: float, shaded: bool, changed: bool) -> str:
    parts = ['<g class="legend">']
    x = _MARGIN
    if shaded:
        parts.append(f'<text x="{_fmt(x)}" y="{_fmt(y + 14)}">activity</text>')
        x += 52
        for k in range(5):
            v = k / 4
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y + 3)}" width="26" height="14" '
                f'fill="{_activity_colour(v)}" stroke="#555555" stroke-width="0.5"/>'
                f'<text x="{_fmt(x + 13)}" y="{_fmt(y + 30)}" text-anchor="middle" '
                f'font-size="9">{v:g}</text>'
            )
            x += 28
        x += 20
    else:
        for kind, colour in KIND_COLOURS.items():
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y + 3)}" width="14" height="14" fill="{colour}" '
                f'stroke="#555555" stroke-width="0.5"/>'
                f'<text x="{_fmt(x + 18)}" y="{_fmt(y + 14)}">{escape(kind)}</text>'
            )
            x += 26 + 7 * len(kind)
    for sign, label in ((1, "activates"), (-1, "inhibits")):
        parts.append(
            f'<path d="M{_fmt(x)},{_fmt(y + 10)} L{_fmt(x + 30)},{_fmt(y + 10)}" '
            f'stroke="{_EDGE_COLOUR[sign]}" stroke-width="1.2" fill="none" '
            f'marker-end="url(#{_MARKER[sign]})"/>'
            f'<text x="{_fmt(x + 36)}" y="{_fmt(y + 14)}">{label}</text>'
        )
        x += 100
    if changed:
        for sign, label in ((1, "rose"), (-1, "fell")):
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y + 3)}" width="26" height="14" fill="#ffffff" '
                f'stroke="{_CHANGE_COLOUR[sign]}" stroke-width="2.5"/>'
                f'<text x="{_fmt(x + 32)}" y="{_fmt(y + 14)}">{label} by ≥ {_CHANGE:g}</text>'
            )
            x += 110
    parts.append("</g>")
    return "".join(parts)


def network_svg(
    model: CompiledModel,
    activity: Mapping[str, float] | None = None,
    *,
    changed: Mapping[str, float] | None = None,
    width: float = 1100.0,
) -> str:
    """The network as a standalone ``<svg>`` element (a string), deterministic.

    Parameters
    ----------
    model
        The compiled network (any variant).
    activity
        Node id -> activity in [0, 1] (clipped for the colour): nodes are filled on a
        light (0) to dark (1) scale with a legend; a node left out is white with a
        dashed border. Without it, nodes are filled by kind.
    changed
        Node id -> change of activity (e.g. on drugs minus before): a change of at
        least 0.05 outlines the node (orange: rose, purple: fell); every given
        change is in the node's title.
    width
        Width of the drawing in SVG units; layers wider than it wrap onto more rows.

    Returns
    -------
    str
        ``<svg>`` markup with a ``viewBox``, one ``<g class="node" data-node="ID">``
        per node (its ``<title>`` is ``ID: value``) and one ``<path class="edge">``
        per edge.

    Raises
    ------
    UnknownNameError
        A key of `activity` or `changed` that is no node of `model`.
    InvalidValueError
        A value that is not a finite number, or a `width` narrower than one node.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> m = compile_model()
    >>> svg = network_svg(m, {"NIS_membrane": 0.25})
    >>> svg.startswith("<svg") and svg.count('<g class="node"') == m.n_nodes
    True
    >>> "<title>NIS_membrane: 0.25</title>" in svg, "<script" in svg
    (True, False)
    """
    if not (math.isfinite(width) and width >= _BOX_W + 2 * _MARGIN):
        raise InvalidValueError("width", width, f"a number >= {_BOX_W + 2 * _MARGIN:g}")
    act = _checked(activity, model, "activity")
    delta = _checked(changed, model, "changed")
    shaded = activity is not None
    pos, n_rows = _layout(model, width)
    height = 2 * _MARGIN + (n_rows - 1) * _PITCH_Y + _BOX_H + _LEGEND_H
    edges = ['<g class="edges" fill="none" stroke-width="1" stroke-opacity="0.6">']
    for e, sign in enumerate(edge_signs(model)):
        s, t = int(model.edge_src[e]), int(model.edge_tgt[e])
        src, tgt = model.node_ids[s], model.node_ids[t]
        word = "activates" if sign > 0 else "inhibits"
        edges.append(
            f'<path class="edge" data-source="{escape(src)}" data-target="{escape(tgt)}" '
            f'data-sign="{"+" if sign > 0 else "-"}" d="{_edge_path(pos[s], pos[t])}" '
            f'stroke="{_EDGE_COLOUR[int(sign)]}" marker-end="url(#{_MARKER[int(sign)]})">'
            f"<title>{escape(f'{src} {word} {tgt}')}</title></path>"
        )
    edges.append("</g>")
    nodes = [_node(model, i, pos[i], act, delta, shaded) for i in range(model.n_nodes)]
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="rairlab-network" '
            f'viewBox="0 0 {_fmt(width)} {_fmt(height)}" width="{_fmt(width)}" '
            f'height="{_fmt(height)}" font-family="sans-serif" font-size="11" role="img" '
            f'aria-label="{escape(f"rairlab network, variant {model.variant_name}")}">',
            _defs(),
            *edges,
            '<g class="nodes">',
            *nodes,
            "</g>",
            _legend(height - _LEGEND_H + _MARGIN / 2, shaded, bool(delta)),
            "</svg>",
        ]
    )
