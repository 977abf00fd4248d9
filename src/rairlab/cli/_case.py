"""``rairlab case``: one tumour profile over a virtual population, with its intervals.

Research use only: the numbers are model results for virtual patients with this
tumour profile, not a prediction or a treatment decision for a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit

__all__ = ["case", "render_case"]


def render_case(result: Any, console: Console) -> None:
    """The case's patient, network and per-lesion tables, and one line per evidence card."""
    console.print(_case_line(result.case))
    console.print(_patient_table(result))
    console.print(_restored_line(result.p_uptake_restored))
    console.print(_output_table(result))
    console.print(_criterion_line(result.criterion))
    for les in result.lesions:
        console.print(_lesion_table(les))
    for card in result.evidence:
        console.print(_evidence_line(card))
    console.print(_provenance_line(result.provenance))


def _case_line(c: Any) -> str:
    """The case's genotype, drugs, TSH, scan and virtual patients, and how to read the tables."""
    drugs = " + ".join(d.name for d in c.drugs) or "no drugs"
    weeks = f" for {c.drug_weeks:g} weeks" if c.drugs else ""
    return (
        f"[bold]Tumour case:[/bold] {c.genotype or 'wild type'}; {drugs}{weeks}; TSH {c.tsh}; "
        f"scan {c.scan}; {c.n} virtual patients (seed {c.seed}). "
        "Median (5th–95th percentile) over patients; typical: every parameter at its median."
    )


def _state_table(title: str, first: str, states: Iterable[str], no_wrap: bool = False) -> Table:
    """A table with a `first` column, one column per drug state and the typical patient's."""
    from rairlab.cohort._case_report import STATE_LABELS

    table = Table(title=title)
    table.add_column(first, no_wrap=no_wrap)
    for s in states:
        table.add_column(STATE_LABELS[s], justify="right")
    table.add_column("typical", justify="right")
    return table


def _add_intervals(table: Table, label: str, intervals: Sequence[Any]) -> None:
    """A row of intervals, one per drug state, and the typical values from state to state."""
    from rairlab.cohort._case_report import format_interval, format_value

    table.add_row(
        label,
        *(format_interval(i) for i in intervals),
        " → ".join(format_value(i.typical) for i in intervals),
    )


def _add_shares(table: Table, label: str, shares: Iterable[float]) -> None:
    """A row of shares of patients, one per drug state (no typical value)."""
    from rairlab.cohort._case_report import format_share

    table.add_row(label, *(format_share(p) for p in shares), "")


def _patient_table(result: Any) -> Table:
    """Uptake, blood dose, the blood-limited activity and the criterion, per drug state."""
    states = list(result.uptake)
    table = _state_table("Patients", "quantity", states)
    for label, by_state in (
        ("uptake vs normal thyrocyte", result.uptake),
        ("blood Gy/GBq", result.blood_gy_per_gbq),
        ("MBq at 2-Gy blood limit", result.max_activity_blood_mbq),
    ):
        _add_intervals(table, label, [by_state[s] for s in states])
    met = result.p_any_meets_criterion
    _add_shares(table, "some lesion meets NCT02152995", (met[s] for s in states))
    return table


def _restored_line(p_restored: float) -> str:
    """The share of patients in whom the drugs make an invisible lesion visible."""
    from rairlab.cohort._case_report import format_share

    return (
        f"Uptake restored (a lesion invisible before the drugs, visible on them): "
        f"[bold]{format_share(p_restored)}[/bold] of patients."
    )


def _output_table(result: Any) -> Table:
    """The network's outputs per drug state."""
    states = list(result.uptake)
    table = _state_table("Network outputs (activity 0–1)", "output", states, no_wrap=True)
    for node, by_state in result.outputs.items():
        _add_intervals(table, node, [by_state[s] for s in states])
    return table


def _criterion_line(crit: Mapping[str, Any]) -> str:
    """The nuclide and the dosimetric criterion the lesion tables judge by."""
    return (
        f"Lesions: I-131; criterion {crit['target_gy']:g} Gy within "
        f"{crit['max_activity_mbq']:,.0f} MBq and lesion visible ({crit['trial']})."
    )


def _lesion_table(les: Any) -> Table:
    """One lesion's uptake, dose, activity for the target, visibility and criterion."""
    from rairlab.cohort._case_report import format_value

    title = escape(f"{les.name} ({les.site}, {format_value(les.mass_g)} g)")
    table = _state_table(title, "quantity", les.states, no_wrap=True)
    states = list(les.states.values())
    for label, key in (
        ("%IA/g at scan", "pct_ia_per_g"),
        ("Gy/GBq", "gy_per_gbq"),
        ("MBq for target", "activity_for_target_mbq"),
    ):
        _add_intervals(table, label, [getattr(st, key) for st in states])
    for label, key in (("visible", "p_visible"), ("meets criterion", "p_meets_criterion")):
        _add_shares(table, label, (getattr(st, key) for st in states))
    return table


def _evidence_line(card: Any) -> str:
    """An evidence card's title and how many records of each kind it lists."""
    counts = ", ".join(f"{len(v) + card.more.get(k, 0)} {k}" for k, v in card.lists.items() if v)
    return f"[bold]{card.title}[/bold] ({card.modelled}): {counts or 'no records'}."


def _provenance_line(p: Mapping[str, Any]) -> str:
    """The network variant, parameter set and rairlab version, and where the full report is."""
    return (
        f"[dim]Network variant {p['variant']}; parameters {p['parameters']}; "
        f"rairlab {p['rairlab_version']}. rairlab report CASE.yaml writes the full report "
        "with the evidence and citations.[/dim]"
    )


def case(
    case_path: Path = typer.Argument(
        ..., metavar="CASE.yaml", help="Tumour case YAML (examples/cases/)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Evaluate one tumour profile over virtual patients: uptake, scan, dose, with intervals.

    Research use only: model results for virtual patients, not a treatment decision.
    """
    from rairlab.cohort import evaluate_case, load_case

    result = evaluate_case(load_case(case_path))
    emit(result.to_dict(), as_json, lambda console: render_case(result, console))
