"""``rairlab evidence``: what the knowledge base holds about an alteration, drug, gene or trial.

The human view is a set of narrow tables that fit an 80-column terminal: long
text is cut with "…", and ``--json`` prints every record in full.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit
from rairlab.knowledge import EvidenceReport, ResultRow, catalogue, load_knowledge
from rairlab.knowledge import evidence as gather

__all__ = ["evidence"]

_FULL_TEXT = "Text cut with … is in full in --json."
ID = 7  # record ids (OUT-123) fit whole
_LIST_WIDTHS: dict[str, dict[str, int]] = {
    "alterations": {"id": ID, "notation": 26, "type": 12, "parent": ID, "aliases": 16},
    "agents": {"id": ID, "name": 22, "kind": 10, "drug_class": 18, "aliases": 11},
    "genes": {"symbol": 9, "name": 36, "aliases": 29},
    "trials": {"id": ID, "nct_id": 11, "acronym": 8, "phase": 9, "status": 10, "title": 20},
}


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(v, int | float) for v in value):
            return f"{value[0]:g}-{value[1]:g}"  # an interval such as a 95% CI
        return ", ".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cut(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters, cut with "…".

    Examples
    --------
    >>> _cut("partial response rate", 10)
    'partial r…'
    """
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(title: str, columns: dict[str, int]) -> Table:
    """A table whose columns are at most the given widths.

    Each table of this module has widths that add up, with the 3 characters
    between columns, to at most 80, so it fits an 80-column terminal.
    """
    table = Table(
        title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left"
    )
    for name, width in columns.items():
        table.add_column(name, max_width=width, no_wrap=True, overflow="ellipsis")
    return table


def _add(table: Table, *cells: str) -> None:
    """Add a row, each cell cut to its column's width."""
    widths = [c.max_width or 80 for c in table.columns]
    table.add_row(*(_cut(text, w) for text, w in zip(cells, widths, strict=True)))


def _result_text(row: ResultRow) -> str:
    """``measure (arm): value [CI lo-hi] p=...`` of one result row."""
    arm = f" ({row.arm})" if row.arm else ""
    text = f"{row.measure}{arm}: {row.value_text}"
    if row.ci95 is not None:
        text += f" [CI {_fmt(row.ci95)}]"
    if row.p_value is not None:
        p = row.p_value
        text += f" p={_fmt(p)}" if isinstance(p, float) else f" p {p}"
    return text


def _render_report(report: EvidenceReport, names: dict[str, str], console: Console) -> None:
    """Draw the report; `names` maps agent ids to their labels."""
    asked = ", ".join(f"{k}={v!r}" for k, v in report.query.items() if v)
    console.print(f"[bold]Evidence for {escape(asked)}[/bold]")
    if report.alterations:
        t = _table("Alterations", {"id": ID, "role": 11, "notation": 24, "RAI avidity": 29})
        for rel in report.alterations:
            a = rel.record
            counts = Counter(r.direction.value for r in a.rai_associations)
            rai = ", ".join(f"{d} ×{n}" if n > 1 else d for d, n in counts.items())
            _add(t, a.id, rel.role, a.notation, rai)
        console.print(t)
    if report.interactions:
        t = _table("Mechanisms", {"id": ID, "source": 16, "effect": 15, "target": 16, "cited": 14})
        for i in report.interactions:
            src = f"{i.source} {i.source_state}" if i.source_state else i.source
            tgt = f"{i.target} {i.target_state}" if i.target_state else i.target
            _add(t, i.id, src, i.effect.value, tgt, ", ".join(i.citations))
        console.print(t)
    if report.agents:
        t = _table("Agents", {"agent": 20, "id": ID, "why": 25, "outcomes": 8, "trials": 6})
        for entry in report.agents:
            _add(t, entry.agent.label, entry.agent.id, "; ".join(entry.reasons),
                 str(len(entry.outcomes)), str(len(entry.trials)))  # fmt: skip
        console.print(t)
    if report.outcomes:
        # one block per outcome, however many of the report's agents it names
        t = _table("Outcomes", {"outcome": ID, "agents": 12, "lvl": 3, "n": 4, "result": 27,
                                "cited": 12})  # fmt: skip
        for o in report.outcomes:
            head = (o.id, ", ".join(names.get(a, a) for a in o.agents), o.evidence_level.value)
            cited = ", ".join(report.cited_as.get(k, k) for k in o.citations)
            if not o.results:
                _add(t, *head, _fmt(o.n), o.study, cited)
            for k, r in enumerate(o.results):
                n = _fmt(r.n if r.n is not None else o.n)
                _add(t, *(head if k == 0 else ("", "", "")), n, _result_text(r),
                     cited if k == 0 else "")  # fmt: skip
        console.print(t)
    if report.trials:
        t = _table("Trials", {"trial": 11, "phase": 9, "status": 12, "n": 4, "title": 32})
        for tr in report.trials:
            _add(t, tr.label, tr.phase or "", tr.status or "", _fmt(tr.sample_size),
                 tr.title or "")  # fmt: skip
        console.print(t)
        for tr in report.trials:
            c = tr.dosimetry_criterion
            if c is not None:
                cited = "; ".join(x for x in (c.outcome, ", ".join(c.citations), c.section) if x)
                console.print(
                    escape(
                        f"{tr.label} dosimetry criterion: a lesion dose ≥ {c.min_lesion_dose_gy:g} "
                        f"Gy with ≤ {c.max_activity_mci:g} mCi ({cited})"
                    )
                )
    if report.biomarkers:
        t = _table("Biomarkers", {"id": ID, "name": 30, "kind": 14, "genes": 20})
        for b in report.biomarkers:
            _add(t, b.id, b.name, b.kind.value, ", ".join(b.genes))
        console.print(t)
    console.print(f"[dim]{_FULL_TEXT}[/dim]")


def _list_kind(asked: str, rows: list[dict[str, Any]]) -> str:
    """The canonical kind of a ``--list`` answer (``drugs`` is ``agents``), from its columns."""
    for kind, widths in _LIST_WIDTHS.items():
        if rows and list(rows[0]) == list(widths):
            return kind
    return asked


def _render_rows(kind: str, rows: list[dict[str, Any]], console: Console) -> None:
    widths = _LIST_WIDTHS.get(kind) or dict.fromkeys(rows[0] if rows else (), 20)
    t = _table(kind, widths)
    for row in rows:
        _add(t, *(_fmt(row.get(col)) for col in widths))
    console.print(t)
    console.print(f"[dim]{_FULL_TEXT}[/dim]")


def evidence(
    alteration: str | None = typer.Option(
        None, "--alteration", "-a", help="Alteration or genotype, e.g. 'BRAF V600E', 'C228T'."
    ),
    drug: str | None = typer.Option(None, "--drug", "-d", help="Drug, class or agent name."),
    gene: str | None = typer.Option(None, "--gene", "-g", help="HGNC gene symbol or alias."),
    trial: str | None = typer.Option(None, "--trial", "-t", help="NCT id or TRL- id."),
    list_: str | None = typer.Option(
        None, "--list", help="List known names: alterations, agents, genes or trials."
    ),
    path: Path | None = typer.Option(
        None, "--path", help="Knowledge-base folder (default: the shipped data)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the cited evidence about an alteration, drug, gene or trial.

    Research use only: the output summarizes published statements and is not a
    treatment recommendation.
    """
    kb = load_knowledge(path)
    if list_ is not None:
        rows = catalogue(list_, kb)
        kind = _list_kind(list_, rows)
        emit({"list": kind, "items": rows}, as_json, lambda c: _render_rows(kind, rows, c))
        return
    report = gather(alteration=alteration, drug=drug, gene=gene, trial=trial, kb=kb)
    names = {a.id: a.label for a in kb.agents}
    emit(report.to_dict(), as_json, lambda c: _render_report(report, names, c))
