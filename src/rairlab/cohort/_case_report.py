"""A tumour case's result as one self-contained HTML file: inputs, network, doses, evidence.

Like the trial report (:mod:`rairlab.cohort._report`, whose style sheet it shares)
the file needs nothing else: the network diagram
(:func:`rairlab.network.network_svg`) and the dose figure are inline SVG drawn
here, there is no script and no external reference, and it prints to PDF. It
says at the top and in the footer that it is research output; it states model
results for virtual patients and whether a lesion meets the NCT02152995
dosimetric criterion, never what to do for a patient.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from rairlab import RESEARCH_USE_NOTICE
from rairlab._io import check_output_file, write_text
from rairlab.cohort._case import CaseResult, Interval, evaluate_case, load_case
from rairlab.cohort._pipeline import _compiled
from rairlab.cohort._report import _STYLE
from rairlab.network import network_svg

__all__ = [
    "STATE_LABELS",
    "case_report_html",
    "dose_figure_svg",
    "format_interval",
    "format_share",
    "format_value",
    "write_case_report",
]

_EXTRA_STYLE = """
.card { border: 1px solid #bbb; border-radius: 4px; padding: 0.4em 0.9em; margin: 0.8em 0;
        break-inside: avoid; }
.card h3 { margin: 0.3em 0; font-size: 1.05em; } .card ul { margin: 0.2em 0 0.4em; }
.muted { color: #555; font-size: 12px; } table.intervals td { white-space: nowrap; }
"""
#: How each state of a `CaseResult` is named in tables.
STATE_LABELS = {"before": "before drugs", "on": "on drugs"}
_STATE_COLOUR = {"before": "#8c8c8c", "on": "#2171b5"}
_UNREACHABLE = "unreachable"


def format_value(x: float, digits: int = 3) -> str:
    """A number to `digits` significant digits (whole above); inf in words.

    Examples
    --------
    >>> format_value(0.012345), format_value(13721.2), format_value(float("inf"))
    ('0.0123', '13,721', 'unreachable')
    """
    if math.isinf(x):
        return _UNREACHABLE
    if math.isnan(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 10 ** (digits - 1) else f"{x:.{digits}g}"


def format_interval(i: Interval) -> str:
    """An interval as ``median (p5–p95)``, the terminal's and the report's form.

    Examples
    --------
    >>> format_interval(Interval(1.5, 0.25, 12.0))
    '1.5 (0.25–12)'
    """
    return f"{format_value(i.median)} ({format_value(i.p5)}–{format_value(i.p95)})"


def format_share(p: float) -> str:
    """A proportion of patients as a whole percentage."""
    return f"{100 * p:.0f}%"


def _rows(rows: list[list[str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)


def _head(*cells: str) -> str:
    return "<tr>" + "".join(f"<th>{escape(c)}</th>" for c in cells) + "</tr>"


def _inputs(result: CaseResult) -> str:
    c = result.case
    drugs = ", ".join(
        d.name
        + (f" {d.dose_mg:g} mg" if d.dose_mg else "")
        + (f" × {d.per_day}/day" if d.per_day else "")
        for d in c.drugs
    )
    env = ", ".join(f"{k} = {v}" for k, v in c.env.items()) or "network defaults"
    facts = [
        ("genotype", c.genotype or "wild type (no modelled alteration)"),
        ("drugs", f"{drugs} for {c.drug_weeks:g} weeks" if c.drugs else "none"),
        ("TSH preparation", c.tsh),
        ("micro-environment", env),
        ("diagnostic scan", c.scan),
        ("network state on drugs", c.network.replace("_", " ")),
        ("virtual patients", f"{c.n} (seed {c.seed})"),
    ]
    rows = [[escape(k), escape(str(v))] for k, v in facts]
    lesions = [
        [
            escape(les.name),
            escape(les.site),
            format_value(les.mass)
            + (f" (from {les.volume_ml:g} mL)" if les.volume_ml is not None else ""),
        ]
        for les in c.lesions
    ]
    return (
        f"<table><tr><th>input</th><th>value</th></tr>{_rows(rows)}</table>"
        "<table><caption>Lesions (every virtual patient has them; each lesion's uptake "
        "per gram varies between lesions and patients)</caption>"
        f"{_head('lesion', 'site', 'mass (g)')}{_rows(lesions)}</table>"
    )


def _patients(result: CaseResult) -> str:
    states = list(result.uptake)
    rows = [
        ["iodide uptake relative to a normal thyrocyte"]
        + [format_interval(result.uptake[s]) for s in states]
        + [" / ".join(format_value(result.uptake[s].typical) for s in states)],
        ["some lesion meets the NCT02152995 criterion"]
        + [format_share(result.p_any_meets_criterion[s]) for s in states]
        + ["–"],
        ["blood dose (Gy/GBq)"]
        + [format_interval(result.blood_gy_per_gbq[s]) for s in states]
        + [" / ".join(format_value(result.blood_gy_per_gbq[s].typical) for s in states)],
        ["activity at the 2-Gy blood limit (MBq)"]
        + [format_interval(result.max_activity_blood_mbq[s]) for s in states]
        + [" / ".join(format_value(result.max_activity_blood_mbq[s].typical) for s in states)],
    ]
    restored = format_share(result.p_uptake_restored)
    return (
        f"<p>Uptake restored (some lesion invisible on the {escape(result.case.scan)} scan "
        f"before the drugs and visible on them): <strong>{restored}</strong> of "
        f"{result.case.n} virtual patients.</p>"
        "<table><caption>Patients: median (5th–95th percentile); typical patient before / "
        "on drugs</caption>"
        + _head("quantity", *(STATE_LABELS[s] for s in states), "typical")
        + _rows(rows)
        + "</table>"
    )


def _outputs(result: CaseResult) -> str:
    rows = []
    for node, by_state in result.outputs.items():
        rows.append(
            [escape(node)]
            + [format_interval(i) for i in by_state.values()]
            + [" / ".join(format_value(i.typical) for i in by_state.values())]
        )
    conv = ", ".join(f"{STATE_LABELS[s]} {format_share(v)}" for s, v in result.converged.items())
    return (
        "<table><caption>Network outputs (activity 0–1): median (5th–95th percentile); "
        f"typical patient before / on drugs. Converged: {escape(conv)}.</caption>"
        + _head("output", *(STATE_LABELS[s] for s in result.uptake), "typical")
        + _rows(rows)
        + "</table>"
    )


def _lesion_table(result: CaseResult) -> str:
    crit = result.criterion
    rows = []
    for les in result.lesions:
        for s, st in les.states.items():
            rows.append(
                [
                    escape(les.name),
                    escape(STATE_LABELS[s]),
                    format_interval(st.pct_ia_per_g),
                    format_share(st.p_visible),
                    format_interval(st.gy_per_gbq),
                    format_value(st.gy_per_gbq.typical),
                    format_interval(st.activity_for_target_mbq),
                    format_value(st.activity_for_target_mbq.typical),
                    format_share(st.p_meets_criterion),
                ]
            )
    return (
        '<table class="intervals"><caption>Per lesion: median (5th–95th percentile) over '
        f"patients and the typical patient. %IA/g at the {escape(result.case.scan)} imaging "
        f"time; I-131 absorbed dose per administered GBq (sphere model); activity for "
        f"{crit['target_gy']:g} Gy; meets the criterion: visible and that activity at most "
        f"{crit['max_activity_mbq']:,.0f} MBq.</caption>"
        + _head(
            "lesion",
            "state",
            "%IA/g",
            "visible",
            "Gy/GBq",
            "typical",
            f"MBq for {crit['target_gy']:g} Gy",
            "typical",
            "meets criterion",
        )
        + _rows(rows)
        + "</table>"
    )


#: The dose figure's margins (left: lesion labels), and the height of a lesion's row.
_LEFT, _RIGHT, _TOP, _ROW_H = 170.0, 20.0, 30.0, 22.0


@dataclass(frozen=True)
class _LogAxis:
    """The dose figure's geometry: a log axis from `lo` to `hi` over `rows` interval rows."""

    lo: float
    hi: float
    width: float
    rows: int

    @property
    def axis_y(self) -> float:
        """Where the axis (the bottom of the grid lines) lies."""
        return _TOP + self.rows * _ROW_H + 6

    @property
    def height(self) -> float:
        """The figure's height: the rows and the axis labels below them."""
        return _TOP + self.rows * _ROW_H + 46.0

    def x(self, v: float) -> float:
        """The horizontal position of Gy/GBq `v`, clipped to the axis."""
        v = min(max(v, self.lo), self.hi)
        return _LEFT + (self.width - _LEFT - _RIGHT) * math.log10(v / self.lo) / math.log10(
            self.hi / self.lo
        )


def _dose_axis(result: CaseResult, line: float, width: float) -> _LogAxis:
    """Whole decades around the criterion's line and every finite positive interval end."""
    values = [line] + [
        v
        for les in result.lesions
        for st in les.states.values()
        for v in (st.gy_per_gbq.p5, st.gy_per_gbq.p95, st.gy_per_gbq.typical)
        if v > 0 and math.isfinite(v)
    ]
    lo = 10.0 ** math.floor(math.log10(min(values)))
    hi = 10.0 ** math.ceil(math.log10(max(values)))
    hi = hi * 10 if hi <= lo else hi
    return _LogAxis(lo, hi, width, sum(len(les.states) for les in result.lesions))


def _decade_grid(ax: _LogAxis) -> str:
    """A grid line and a tick label at every decade of the axis."""
    parts = []
    decade = ax.lo
    while decade <= ax.hi * 1.0001:
        xd = ax.x(decade)
        parts.append(
            f'<line x1="{xd:.1f}" y1="{_TOP - 6:.1f}" x2="{xd:.1f}" y2="{ax.axis_y:.1f}" '
            'stroke="#dddddd"/>'
            f'<text x="{xd:.1f}" y="{ax.axis_y + 14:.1f}" text-anchor="middle">{decade:g}</text>'
        )
        decade *= 10
    return "".join(parts)


def _criterion_line(ax: _LogAxis, crit: Any, line: float) -> str:
    """The axis title and the dashed line of the cited target dose within the cited activity."""
    axis_y, xl = ax.axis_y, ax.x(line)
    return (
        f'<text x="{(_LEFT + ax.width - _RIGHT) / 2:.1f}" y="{axis_y + 32:.1f}" '
        'text-anchor="middle">I-131 absorbed dose per administered activity (Gy/GBq), '
        "log scale</text>"
        f'<line x1="{xl:.1f}" y1="{_TOP - 14:.1f}" x2="{xl:.1f}" y2="{axis_y:.1f}" '
        'stroke="#b00020" stroke-dasharray="4,3"/>'
        f'<text x="{xl + 4:.1f}" y="{_TOP - 16:.1f}" fill="#b00020">'
        f"{crit['target_gy']:g} Gy within {crit['max_activity_mbq']:,.0f} MBq</text>"
    )


def _interval_row(ax: _LogAxis, row: int, name: str, state: str, g: Interval) -> str:
    """One lesion and state: its label, 5th–95th percentile bar, median dot, typical diamond."""
    label, colour = escape(f"{name}, {STATE_LABELS[state]}"), _STATE_COLOUR[state]
    y = _TOP + row * _ROW_H + _ROW_H / 2
    svg = (
        f'<g class="interval"><title>{label}: {format_interval(g)}, typical '
        f"{format_value(g.typical)} Gy/GBq</title>"
        f'<text x="{_LEFT - 8:.1f}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        f'<line x1="{ax.x(g.p5):.1f}" y1="{y:.1f}" x2="{ax.x(g.p95):.1f}" y2="{y:.1f}" '
        f'stroke="{colour}" stroke-width="3"/>'
        f'<circle cx="{ax.x(g.median):.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
    )
    if math.isfinite(g.typical):
        xt = ax.x(g.typical)
        svg += (
            f'<path d="M{xt:.1f},{y - 6:.1f} L{xt + 5:.1f},{y:.1f} L{xt:.1f},'
            f'{y + 6:.1f} L{xt - 5:.1f},{y:.1f} z" fill="#ffffff" stroke="#1b1b1b"/>'
        )
    return svg + "</g>"


def dose_figure_svg(result: CaseResult, width: float = 760.0) -> str:
    """Per lesion and state, I-131 Gy/GBq: 5th–95th percentile bar, median dot, typical diamond.

    A log axis; the dashed line is the dose per GBq at which the cited target dose
    takes exactly the cited maximum activity (lesions to its right meet the
    NCT02152995 criterion when visible).
    """
    crit = result.criterion
    line = crit["target_gy"] / (crit["max_activity_mbq"] / 1000.0)
    ax = _dose_axis(result, line, width)
    rows = [(les.name, s, st.gy_per_gbq) for les in result.lesions for s, st in les.states.items()]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {ax.height:.0f}" '
        f'width="{width:.0f}" height="{ax.height:.0f}" font-family="sans-serif" font-size="11" '
        'role="img" aria-label="lesion dose per GBq intervals">'
        + _decade_grid(ax)
        + _criterion_line(ax, crit, line)
        + "".join(_interval_row(ax, i, *row) for i, row in enumerate(rows))
        + "</svg>"
    )


def _card(card: Any) -> str:
    command = f"rairlab evidence --{card.kind} '{card.name}'"
    sections = []
    names = {
        "associations": "RAI avidity",
        "mechanisms": "Mechanisms",
        "agents": "Agents with evidence",
        "outcomes": "Outcomes (evidence level)",
        "trials": "Trials",
    }
    for key, title in names.items():
        items = card.lists.get(key) or ()
        if not items:
            continue
        lis = []
        for item in items:
            level = f"[{escape(item['level'])}] " if item.get("level") else ""
            cites = f' <span class="muted">({escape("; ".join(item["citations"]))})</span>'
            lis.append(
                f"<li>{level}{escape(item['text'])}{cites if item['citations'] else ''}</li>"
            )
        more = card.more.get(key)
        if more:
            lis.append(f'<li class="muted">and {more} more ({escape(command)})</li>')
        sections.append(f"<p><strong>{title}</strong></p><ul>{''.join(lis)}</ul>")
    more_cites = card.more.get("citations")
    cites = "; ".join(card.citations) + (f"; and {more_cites} more" if more_cites else "")
    return (
        f'<div class="card"><h3>{escape(card.title)} <span class="muted">({card.kind})</span>'
        f'</h3><p>{escape(card.summary)}</p><p class="muted">Model: {escape(card.modelled)}</p>'
        + "".join(sections)
        + (f'<p class="muted">Citations: {escape(cites)}</p>' if card.citations else "")
        + "</div>"
    )


def _provenance(result: CaseResult) -> str:
    p = result.provenance
    crit = result.criterion
    facts = [
        ("rairlab version", p["rairlab_version"]),
        ("model variant", p["variant"] + (" (default)" if p["variant_is_default"] else "")),
        ("parameter set", p["parameters"]),
        ("seed", p["seed"]),
        ("virtual patients", p["n"]),
        ("network state on drugs", p["network"]),
        ("patients", p["patients"]),
        ("typical patient", p["typical_patient"]),
        ("criterion", f"NCT02152995: {crit['citation']}"),
    ]
    rows = [[escape(k), escape(str(v))] for k, v in facts]
    return f"<table>{_head('provenance', '')}{_rows(rows)}</table>"


def case_report_html(result: CaseResult) -> str:
    """The report of an evaluated tumour case, as one HTML document.

    Examples
    --------
    >>> from rairlab.cohort import evaluate_case
    >>> text = case_report_html(evaluate_case({"n": 50, "network": "steady_state"}))
    >>> text.startswith("<!DOCTYPE html>"), "<script" in text
    (True, False)
    """
    c = result.case
    before, on = result.typical_activity["before"], result.typical_activity["on"]
    diagram = network_svg(
        _compiled(c.variant)[0], on, changed={k: on[k] - before[k] for k in on} if c.drugs else None
    )
    title = escape(
        f"{c.genotype or 'wild type'}"
        + (f" on {' + '.join(d.name for d in c.drugs)}" if c.drugs else ", no drugs")
    )
    notice = escape(RESEARCH_USE_NOTICE)
    cards = "".join(_card(card) for card in result.evidence) or (
        "<p>No alteration or drug to look up.</p>"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title} — rairlab tumour case report</title>",
            f"<style>{_STYLE}{_EXTRA_STYLE}</style></head><body>",
            f"<h1>Tumour case: {title}</h1>",
            f'<p class="notice"><strong>{notice}</strong> The numbers describe '
            f"{c.n} virtual patients drawn from a calibrated population model with this "
            "tumour profile; they are not a prediction for any person.</p>",
            "<h2>Inputs</h2>",
            _inputs(result),
            "<h2>Patients</h2>",
            _patients(result),
            "<h2>Network</h2>",
            "<p>Typical patient on drugs: node fill is activity (0 light, 1 dark)"
            + ("; outlined nodes changed by at least 0.05 from before the drugs" if c.drugs else "")
            + ".</p>",
            f'<figure role="img" aria-label="network diagram">{diagram}</figure>',
            _outputs(result),
            "<h2>Lesion doses</h2>",
            _lesion_table(result),
            f'<figure role="img" aria-label="dose per GBq">{dose_figure_svg(result)}</figure>',
            '<p class="muted">Bars: 5th–95th percentile over patients; dot: median; diamond: '
            "typical patient. Lesion iodide retention is an uncalibrated assumption: doses "
            "show direction and order of magnitude.</p>",
            "<h2>Evidence</h2>",
            cards,
            "<h2>Provenance</h2>",
            _provenance(result),
            "<p>Model and data: docs/model.md, docs/validation.md (in the rairlab source).</p>",
            f"<footer>rairlab {escape(str(result.provenance['rairlab_version']))} · {notice}"
            "</footer>",
            "</body></html>",
        ]
    )


def write_case_report(
    case_file: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> Path:
    """Evaluate the case in `case_file` and write its report to `out` atomically.

    Default `out`: ``<stem>.report.html`` next to the case file.

    Raises
    ------
    InputFileError
        The case file is unreadable or invalid.
    InvalidValueError
        `out` cannot be written.
    """
    path = Path(case_file)
    target = path.with_name(f"{path.stem}.report.html") if out is None else Path(out)
    check_output_file(target, "--output", (".html", ".htm"))
    return write_text(target, case_report_html(evaluate_case(load_case(path))))
