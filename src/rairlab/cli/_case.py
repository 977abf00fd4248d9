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
    table = Table(
        title=f"Lesions: I-131 dose; criterion {crit['target_gy']:g} Gy within "
        f"{crit['max_activity_mbq']:,.0f} MBq ({crit['trial']}), lesion visible"
    )
    for col in ("lesion", "state", "%IA/g", "visible", "Gy/GBq", "MBq for target", "meets"):
        table.add_column(col, justify="left" if col in ("lesion", "state") else "right")
    for les in result.lesions:
        for s, st in les.states.items():
            table.add_row(
                escape(f"{les.name} ({les.site}, {format_value(les.mass_g)} g)"),
                STATE_LABELS[s],
                format_interval(st.pct_ia_per_g),
                format_share(st.p_visible),
                format_interval(st.gy_per_gbq),
                format_interval(st.activity_for_target_mbq),
                format_share(st.p_meets_criterion),
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
