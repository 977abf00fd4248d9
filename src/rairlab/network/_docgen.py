"""Generating docs/model.md and the network figure from the network's data files.

Run ``python -m rairlab.network._docgen [DOCS_DIR]`` to rewrite
``model.md`` and ``model-network.png``; tables and figure are never edited by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from rairlab._io import optional_import, write_text
from rairlab.network._behaviour import check_behaviour
from rairlab.network._compile import compile_model
from rairlab.network._compiled import CompiledModel
from rairlab.network._data import load_network_data
from rairlab.network._rules import Const, Expr, Not, Var, to_text

__all__ = ["KIND_COLOURS", "edge_signs", "levels", "network_figure", "write_docs"]

#: Fill colour of a node by its kind, in the figure of docs/model.md and the SVG diagram.
KIND_COLOURS = {
    "input": "#9ecae1",
    "gene": "#fdd0a2",
    "protein": "#c7e9c0",
    "complex": "#dadaeb",
    "process": "#fcbba1",
    "output": "#fee391",
}


def edge_signs(model: CompiledModel) -> np.ndarray:
    """+1 for an activating edge, -1 for an inhibiting one (leaf under an odd number of ``!``)."""
    signs: list[int] = []

    def walk(e: Expr, sign: int) -> None:
        if isinstance(e, Var):
            signs.append(sign)
        elif isinstance(e, Not):
            walk(e.arg, -sign)
        elif not isinstance(e, Const):
            for a in e.args:
                walk(a, sign)

    for rule in model.rules:
        if rule is not None:
            walk(rule, 1)
    return np.asarray(signs)


def levels(model: CompiledModel) -> list[int]:
    """Each node's layer: its depth below the inputs, one layer per strongly connected component.

    Examples
    --------
    >>> m = compile_model()
    >>> lv = levels(m)
    >>> lv[m.index("TSH")], lv[m.index("iodide_uptake")] > lv[m.index("NIS_membrane")]
    (0, True)
    """
    level = [0] * model.n_nodes
    for comp in model.components:
        base = 0
        for i in comp:
            sl = model.edges_of(i)
            for s in model.edge_src[sl]:
                if int(s) not in comp:
                    base = max(base, level[int(s)] + 1)
        for i in comp:
            level[i] = base
    return level


def network_figure(path: str | Path, model: CompiledModel | None = None) -> Path:
    """Draw the network (layers = topological depth; green activates, red inhibits) to `path`."""
    mpl = optional_import("matplotlib", "plot")
    mpl.use("Agg")
    plt = optional_import("matplotlib.pyplot", "plot")
    model = model or compile_model()
    level = levels(model)
    pos: dict[int, tuple[float, float]] = {}
    for lv in sorted(set(level)):
        members = [i for i in range(model.n_nodes) if level[i] == lv]
        for r, i in enumerate(members):
            pos[i] = (float(lv), float(r) - (len(members) - 1) / 2.0)
    fig, ax = plt.subplots(figsize=(18, 11))
    for e, sign in enumerate(edge_signs(model)):
        (x0, y0), (x1, y1) = pos[int(model.edge_src[e])], pos[int(model.edge_tgt[e])]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>" if sign > 0 else "-[",
                "lw": 0.6,
                "alpha": 0.5,
                "color": "#238b45" if sign > 0 else "#cb181d",
                "connectionstyle": "arc3,rad=0.08",
            },
        )
    for i, (x, y) in pos.items():
        ax.text(
            x,
            y,
            model.node_ids[i],
            ha="center",
            va="center",
            fontsize=7,
            bbox={
                "boxstyle": "round,pad=0.25",
                "fc": KIND_COLOURS[model.kinds[i]],
                "ec": "#555555",
            },
        )
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    ax.set_axis_off()
    ax.set_title("rairlab thyroid-cell network (default variant): layers by topological depth")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # fixed limits, no tight bbox: annotation arrows must not grow the canvas
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out


def _tables() -> str:
    data = load_network_data()
    model = compile_model()
    lines = [
        "## Nodes and rules",
        "",
        "| node | kind | meaning | rule | interactions | tau (h) | basal |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, n in enumerate(data.nodes):
        rule = "(input)" if n.rule is None else f"`{to_text(n.rule)}`"
        lines.append(
            f"| `{n.id}` | {n.kind} | {n.name} | {rule} | {', '.join(n.interactions)} "
            f"| {model.tau[i]:g} | {model.basal[i]:g} |"
        )
    lines += ["", "Edges that are textbook assumptions rather than statements of the review:", ""]
    lines += [f"- `{n.id}`: {n.assumption}" for n in data.nodes if n.assumption]
    lines += [
        "",
        "## Hill parameters",
        "",
        f"Default edge: k = {data.k_default:g}, n = {data.n_default:g}; relay edge (rule is one "
        f"node): k = {data.k_relay:g}, n = {data.n_relay:g}; maximal effect m of an inhibitory "
        f"edge {data.max_effect_default:g}, of an activating one 1 unless set (all "
        "`assumption`). Every edge of the default model:",
        "",
        "| edge | sign | k | n | max effect m |",
        "|---|---|---|---|---|",
    ]
    signs = edge_signs(model)
    lines += [
        f"| {model.node_ids[s]} -> {model.node_ids[t]} | {'+' if sg > 0 else '-'} | {k:g} "
        f"| {n:g} | {m:g} |"
        for s, t, sg, k, n, m in zip(
            model.edge_src,
            model.edge_tgt,
            signs,
            model.edge_k,
            model.edge_n,
            model.edge_max,
            strict=True,
        )
    ]
    lines += [
        "",
        "## Model variants",
        "",
        "| switch | option | default | replaces | interactions | summary |",
        "|---|---|---|---|---|---|",
    ]
    rationales: list[str] = []
    for sw in data.switches:
        rationales.append(f"- **{sw.name}** (default `{sw.default}`): {sw.rationale}")
        for o in sw.options.values():
            lines.append(
                f"| {sw.name} | `{o.name}` | {'yes' if o.name == sw.default else ''} "
                f"| {', '.join(o.rules) or '-'} | {', '.join(o.interactions)} | {o.summary} |"
            )
    lines += ["", "Why each default (weight of evidence in the review):", "", *rationales]
    lines += [
        "",
        "## Drugs",
        "",
        "| agent | name | node | mode | potency | emax | hill | interactions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in data.agents:
        for act in a.actions:
            node = act.node or "exposure x" + f"{act.factor:g}"
            lines.append(
                f"| {a.agent} | {a.name} | {node} | {act.mode} | {act.potency:g} | {act.emax:g} "
                f"| {act.hill:g} | {', '.join(act.interactions)} |"
            )
    lines += [
        "",
        "## Alterations",
        "",
        f"| alteration | notation | node | effect | strength | memory ({data.memory_node}) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {a.alteration} | {a.notation} | {a.node} | {a.effect} | {a.strength:g} | {a.memory:g} |"
        for a in data.alterations.values()
    ]
    results = check_behaviour(model)
    lines += [
        "",
        f"## Behavioural specification ({sum(r.passed for r in results)} of {len(results)} "
        "reproduced by the default model)",
        "",
        "| id | output | expect | baseline | perturbed | citation | interactions |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        b = r.behaviour
        lines.append(
            f"| {b.id} | {b.output} | {b.expect} | {r.baseline_value:.3g} | "
            f"{r.perturbed_value:.3g} | {b.citation} | {', '.join(b.interactions)} |"
        )
    return "\n".join(lines) + "\n"


def write_docs(docs_dir: str | Path) -> Path:
    """Rewrite ``model.md`` (intro kept from ``model-intro.md``) and the network figure."""
    docs = Path(docs_dir)
    network_figure(docs / "model-network.png")
    intro = (Path(__file__).parent / "data" / "model-intro.md").read_text(encoding="utf-8")
    return write_text(docs / "model.md", intro + "\n" + _tables())


if __name__ == "__main__":  # pragma: no cover
    write_docs(sys.argv[1] if len(sys.argv) > 1 else "docs")
