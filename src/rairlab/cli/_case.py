"""``rairlab case``: one tumour profile over a virtual population, with its intervals.

Research use only: the numbers are model results for virtual patients with this
tumour profile, not a prediction or a treatment decision for a person.
"""

from __future__ import annotations

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
    from rairlab.cohort._case_report import (
        STATE_LABELS,
        format_interval,
        format_share,
        format_value,
    )

    c = result.case
    states = list(result.uptake)
    drugs = " + ".join(d.name for d in c.drugs) or "no drugs"
    weeks = f" for {c.drug_weeks:g} weeks" if c.drugs else ""
    console.print(
        f"[bold]Tumour case:[/bold] {c.genotype or 'wild type'}; {drugs}{weeks}; TSH {c.tsh}; "
        f"scan {c.scan}; {c.n} virtual patients (seed {c.seed}). "
        "Median (5th–95th percentile) over patients; typical: every parameter at its median."
    )

    table = Table(title="Patients")
    table.add_column("quantity")
    for s in states:
        table.add_column(STATE_LABELS[s], justify="right")
    table.add_column("typical", justify="right")
    for label, by_state in (
        ("uptake vs normal thyrocyte", result.uptake),
        ("blood Gy/GBq", result.blood_gy_per_gbq),
        ("MBq at 2-Gy blood limit", result.max_activity_blood_mbq),
    ):
        table.add_row(
            label,
            *(format_interval(by_state[s]) for s in states),
            " → ".join(format_value(by_state[s].typical) for s in states),
        )
    table.add_row(
        "some lesion meets NCT02152995",
        *(format_share(result.p_any_meets_criterion[s]) for s in states),
        "",
    )
    console.print(table)
    console.print(
        f"Uptake restored (a lesion invisible before the drugs, visible on them): "
        f"[bold]{format_share(result.p_uptake_restored)}[/bold] of patients."
    )

    table = Table(title="Network outputs (activity 0–1)")
    table.add_column("output", no_wrap=True)
    for s in states:
        table.add_column(STATE_LABELS[s], justify="right")
    table.add_column("typical", justify="right")
    for node, by_state in result.outputs.items():
        table.add_row(
            node,
            *(format_interval(by_state[s]) for s in states),
            " → ".join(format_value(by_state[s].typical) for s in states),
        )
    console.print(table)

    crit = result.criterion
    console.print(
        f"Lesions: I-131; criterion {crit['target_gy']:g} Gy within "
        f"{crit['max_activity_mbq']:,.0f} MBq and lesion visible ({crit['trial']})."
    )
    for les in result.lesions:
        table = Table(title=escape(f"{les.name} ({les.site}, {format_value(les.mass_g)} g)"))
        table.add_column("quantity", no_wrap=True)
        for s in les.states:
            table.add_column(STATE_LABELS[s], justify="right")
        table.add_column("typical", justify="right")
        rows = (
            ("%IA/g at scan", "pct_ia_per_g"),
            ("Gy/GBq", "gy_per_gbq"),
            ("MBq for target", "activity_for_target_mbq"),
        )
        for label, key in rows:
            table.add_row(
                label,
                *(format_interval(getattr(st, key)) for st in les.states.values()),
                " → ".join(format_value(getattr(st, key).typical) for st in les.states.values()),
            )
        for label, key in (("visible", "p_visible"), ("meets criterion", "p_meets_criterion")):
            table.add_row(
                label, *(format_share(getattr(st, key)) for st in les.states.values()), ""
            )
        console.print(table)
    for card in result.evidence:
        counts = ", ".join(
            f"{len(v) + card.more.get(k, 0)} {k}" for k, v in card.lists.items() if v
        )
        console.print(f"[bold]{card.title}[/bold] ({card.modelled}): {counts or 'no records'}.")
    p = result.provenance
    console.print(
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
