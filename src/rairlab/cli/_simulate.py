"""``rairlab simulate``: one tumour's network state under genotype, TSH, environment and drugs."""

from __future__ import annotations

from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit, variant_help
from rairlab.errors import InvalidValueError
from rairlab.network import (
    compile_model,
    conditions,
    population_steady_state,
    sample_parameters,
    steady_state,
    time_course,
    variant_settings,
)
from rairlab.network._options import MAX_EXPOSURE, parse_drug_item, parse_env_items, parse_tsh

__all__ = ["MAX_POPULATION", "OUTPUTS", "simulate"]

OUTPUTS = (
    "SLC5A5_mRNA",
    "NIS_protein",
    "NIS_membrane",
    "iodide_uptake",
    "organification",
    "Tg_secretion",
    "proliferation",
)

# Longest --time-course the CLI accepts (days): a guard against runaway output size
# (four samples a day), not a biological limit.
MAX_DAYS = 3650.0
# Largest --population the CLI accepts: a bound on one command's memory and time
# (cohorts of any size run through the Python API in chunks).
MAX_POPULATION = 100_000


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        days = float("nan")
    if not np.isfinite(days) or not 0 < days <= MAX_DAYS:
        raise InvalidValueError("--time-course", text, f"a number of days in (0, {MAX_DAYS:g}]")
    return days


def _population_size(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_POPULATION:
        raise InvalidValueError("--population", text, f"a whole number in 1..{MAX_POPULATION:,}")
    return n


def _population(
    model: Any, n: int, seed: int, genotype: str, drugs: list[tuple[str, float]], kw: dict
) -> dict[str, Any]:
    """Distribution of the outputs over `n` patients drawn from the shipped population spec."""
    sample = sample_parameters(None, n, seed)
    state = population_steady_state(
        model, sample, genotype=genotype or None, drugs=dict(drugs), env=kw["env"], tsh=kw["tsh"]
    )
    summary = {}
    ok = state.converged
    for o in OUTPUTS:
        v = state[o][ok] if ok.any() else state[o]
        p10, p50, p90 = np.percentile(v, [10, 50, 90])
        summary[o] = {"median": float(p50), "p10": float(p10), "p90": float(p90)}
    return {
        "n": n,
        "seed": seed,
        "spec": "rairlab/network/data/population.yaml (every record an uncalibrated assumption)",
        "converged": int(ok.sum()),
        "quantiles_over": "converged patients",
        "clonal": sorted(state.clonal),
        "not_in_variant": list(state.not_in_variant),
        "outputs": summary,
    }


def simulate(
    genotype: str = typer.Option("", "--genotype", help='e.g. "BRAF p.V600E; TERT c.-124C>T".'),
    drug: list[str] = typer.Option(
        [],
        "--drug",
        help=f"NAME[:EXPOSURE] (1 = standard, 0 <= EXPOSURE <= {MAX_EXPOSURE:g}); repeat.",
    ),
    tsh: str | None = typer.Option(
        None, "--tsh", help="suppressed | normal | withdrawal | rhTSH (or a level in [0, 1])."
    ),
    env: list[str] = typer.Option(
        [],
        "--env",
        help="KEY=VALUE (tgfb, hypoxia, glucose, adhesion, ...); VALUE a named level or a "
        "number in [0, 1].",
    ),
    variant: list[str] = typer.Option([], "--variant", help=variant_help()),
    knockout: list[str] = typer.Option(
        [], "--knockout", help="Node to null (NODE[:STRENGTH], STRENGTH in [0, 1])."
    ),
    overexpress: list[str] = typer.Option([], "--overexpress", help="Node made constitutive."),
    time_course_text: str = typer.Option(
        None, "--time-course", help=f"Also simulate DAYS (0 < DAYS <= {MAX_DAYS:g})."
    ),
    population_text: str = typer.Option(
        None,
        "--population",
        help=f"Also simulate N virtual patients (1 <= N <= {MAX_POPULATION:,}) from the "
        "population spec (median, 10th and 90th percentile of each output).",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the --population draw (>= 0)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Steady state (and optionally a time course) of the thyroid-cell network."""
    time_course_days = None if time_course_text is None else _days(time_course_text)
    if seed < 0:
        raise InvalidValueError("--seed", seed, "a whole number >= 0")
    tsh = None if tsh is None else parse_tsh(tsh)
    n_population = _population_option(population_text, bool(knockout or overexpress))
    model = compile_model(variant or None)
    drugs = [parse_drug_item(d) for d in drug]
    kw: dict[str, Any] = {
        "genotype": genotype or None,
        "env": parse_env_items(env),
        "tsh": tsh,
        "knockout": knockout,
        "overexpress": overexpress,
    }
    cond = conditions(model, 1, drugs=drugs, **kw)
    data = _steady_state(model, cond)
    if n_population is not None:
        data["population"] = _population(model, n_population, seed, genotype, drugs, kw)
    if time_course_days is not None:
        data["time_course"] = _time_course(model, cond, kw, time_course_days)
    emit(data, as_json, lambda console: _render(data, time_course_days, console))


def _population_option(text: str | None, perturbed: bool) -> int | None:
    """The --population size, if given (never with a knockout or an overexpressed node)."""
    n_population = None if text is None else _population_size(text)
    if n_population is not None and perturbed:
        raise InvalidValueError("--population", text, "no --knockout or --overexpress with it")
    return n_population


def _steady_state(model: Any, cond: Any) -> dict[str, Any]:
    """One patient's steady state under `cond`: outputs, convergence, variant and every node."""
    # one patient: the NumPy path of the same algorithm spares loading the Numba kernels
    ss = steady_state(model, cond, engine="numpy")
    return {
        "outputs": {o: float(ss[o][0]) for o in OUTPUTS},
        "converged": bool(ss.converged[0]),
        "stable": bool(ss.stable[0]),
        "residual": float(ss.residual[0]),
        "variant": model.variant_name,
        "variant_is_default": not model.variant,
        "variant_settings": variant_settings(model),
        "perturbations": list(cond.labels),
        "nodes": {n: float(v) for n, v in zip(model.node_ids, ss.x[0], strict=True)},
    }


def _time_course(model: Any, cond: Any, kw: dict[str, Any], days: float) -> dict[str, Any]:
    """The outputs over `days` under `cond`, from the steady state without drugs (4 a day)."""
    untreated = steady_state(model, conditions(model, 1, **kw), engine="numpy")
    hours = np.linspace(0.0, 24.0 * days, int(np.ceil(days)) * 4 + 1)
    tc = time_course(model, cond, hours, untreated.x)
    return {
        "days": (hours / 24.0).tolist(),
        "completed": bool(tc.completed[0]),
        "outputs": {o: tc[o][0].tolist() for o in OUTPUTS},
    }


def _render(data: dict[str, Any], time_course_days: float | None, console: Console) -> None:
    """The steady-state table, perturbations and switches, then the population and time course."""
    console.print(_steady_state_table(data))
    for p in data["perturbations"]:
        console.print(
            f"- {p['kind']}: {p['name']}" + ("" if p.get("modelled", True) else " (not modelled)")
        )
    console.print(
        "Variant switches: "
        + ", ".join(
            f"{v['option']}" + (" (default)" if v["default"] else " (chosen)")
            for v in data["variant_settings"].values()
        )
    )
    if not data["converged"]:
        console.print(f"[red]not converged (residual {data['residual']:.2e})[/red]")
    if "population" in data:
        console.print(_population_table(data["population"]))
    if "time_course" in data:
        uptake = data["time_course"]["outputs"]["iodide_uptake"]
        console.print(
            f"time course over {time_course_days:g} days: iodide_uptake "
            f"{uptake[0]:.3f} -> {uptake[-1]:.3f}"
        )


def _steady_state_table(data: dict[str, Any]) -> Table:
    """The output activities at steady state, titled with the model variant."""
    default = " (the default model)" if data["variant_is_default"] else ""
    table = Table(title=f"Network steady state (variant: {data['variant']}{default})")
    table.add_column("output")
    table.add_column("activity (0..1)", justify="right")
    for name, value in data["outputs"].items():
        table.add_row(name, f"{value:.3f}")
    return table


def _population_table(pop: dict[str, Any]) -> Table:
    """Median, 10th and 90th percentile of each output over the virtual patients."""
    table = Table(
        title=f"{pop['n']:,} virtual patients (seed {pop['seed']}; population spec uncalibrated)"
    )
    for col in ("output", "median", "10th pct", "90th pct"):
        table.add_column(col, justify="left" if col == "output" else "right")
    for name, q in pop["outputs"].items():
        table.add_row(name, f"{q['median']:.3f}", f"{q['p10']:.3f}", f"{q['p90']:.3f}")
    return table
