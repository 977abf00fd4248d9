"""``rairlab evidence``: what the knowledge base holds about an alteration, drug, gene or trial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit
from rairlab.knowledge import EvidenceReport, catalogue, load_knowledge
from rairlab.knowledge import evidence as gather

__all__ = ["evidence"]


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return f"{value[0]:g}-{value[1]:g}" if len(value) == 2 else ", ".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _render_report(report: EvidenceReport, console: Console) -> None:
    asked = ", ".join(f"{k}={v!r}" for k, v in report.query.items() if v)
    console.print(f"[bold]Evidence for {asked}[/bold] (from the knowledge base; research use only)")
    if report.alterations:
        t = Table(title="Alterations")
        for col in ("id", "role", "notation", "type", "prevalence", "RAI association"):
            t.add_column(col, overflow="fold")
        for rel in report.alterations:
            a = rel.record
            prev = "; ".join(f"{p.value_text} ({p.population})" for p in a.prevalence)
            rai = "; ".join(f"{r.direction.value}: {r.summary}" for r in a.rai_associations[:3])
            if len(a.rai_associations) > 3:
                rai += f" (+{len(a.rai_associations) - 3} more)"
            t.add_row(a.id, rel.role, a.notation, a.type.value, prev, rai)
        console.print(t)
    if report.interactions:
        t = Table(title="Mechanisms")
        for col in ("id", "source", "effect", "target", "level", "certainty", "citations"):
            t.add_column(col, overflow="fold")
        for i in report.interactions:
            src = f"{i.source} {i.source_state}" if i.source_state else i.source
            tgt = f"{i.target} {i.target_state}" if i.target_state else i.target
            t.add_row(i.id, src, f"{i.effect.value} ({i.sign.value})", tgt, i.level.value,
                      i.certainty.value, ", ".join(i.citations))  # fmt: skip
        console.print(t)
    if report.agents:
        t = Table(title="Agents and outcomes")
        for col in ("agent", "study", "level", "n", "measure", "value", "95% CI", "p", "cited"):
            t.add_column(col, overflow="fold")
        for entry in report.agents:
            label = f"{entry.agent.label} ({entry.agent.id})"
            if not entry.outcomes:
                t.add_row(label, "", "", "", "", "", "", "", "; ".join(entry.reasons))
            for o in entry.outcomes:
                cited = ", ".join(report.cited_as.get(k, k) for k in o.citations)
                for r in o.results or ():
                    t.add_row(label, o.id + " " + o.study, o.evidence_level.value,
                              _fmt(r.n if r.n is not None else o.n), r.measure, r.value_text,
                              _fmt(r.ci95), _fmt(r.p_value), cited)  # fmt: skip
        console.print(t)
    if report.trials:
        t = Table(title="Trials")
        for col in ("nct", "phase", "status", "n", "title", "agents"):
            t.add_column(col, overflow="fold")
        for tr in report.trials:
            t.add_row(tr.label, tr.phase or "", tr.status or "", _fmt(tr.sample_size),
                      tr.title or "", ", ".join(tr.agents))  # fmt: skip
        console.print(t)
    if report.biomarkers:
        t = Table(title="Biomarkers")
        for col in ("id", "name", "kind", "genes"):
            t.add_column(col)
        for b in report.biomarkers:
            t.add_row(b.id, b.name, b.kind.value, ", ".join(b.genes))
        console.print(t)


def _render_rows(title: str, rows: list[dict[str, Any]], console: Console) -> None:
    t = Table(title=title)
    if rows:
        for col in rows[0]:
            t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*(_fmt(v) for v in row.values()))
    console.print(t)


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
        emit({"list": list_, "items": rows}, as_json, lambda c: _render_rows(list_, rows, c))
        return
    report = gather(alteration=alteration, drug=drug, gene=gene, trial=trial, kb=kb)
    emit(report.to_dict(), as_json, lambda c: _render_report(report, c))
