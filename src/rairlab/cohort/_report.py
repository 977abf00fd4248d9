"""A trial run as one self-contained HTML file: inputs, endpoints with CIs, figures, provenance.

The file needs nothing else to render: the figure is inline SVG (matplotlib writes
glyphs as paths, so no font is fetched), the style sheet is inline, there is no
script and no external reference; it prints cleanly to PDF (``@media print``).
It says, at the top and in the footer, that it is research output and not a
treatment decision. Research use only.
"""

from __future__ import annotations

import html
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from rairlab import RESEARCH_USE_NOTICE
from rairlab._io import check_output_file, optional_import, write_text
from rairlab.cohort._store import RunDir
from rairlab.errors import InvalidValueError

__all__ = [
    "format_difference",
    "format_endpoint",
    "read_summary",
    "summary_figure",
    "trial_report_html",
    "write_trial_report",
]

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b;
       max-width: 1100px; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.notice { border: 2px solid #b00020; background: #fff4f4; padding: 0.6em 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0; } caption { text-align: left; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 12px; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 2em; font-size: 12px; color: #555; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               table, figure { break-inside: avoid; } }
"""


def read_summary(run_dir: str | os.PathLike[str]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The run directory, its manifest and its summary; one clear error if it is no finished run."""
    run_d = RunDir(Path(run_dir))
    manifest = run_d.manifest()
    try:
        summary = json.loads((run_d.path / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InvalidValueError("DIR", str(run_dir), "a finished run (with summary.json)") from None
    return run_d, dict(manifest), summary


def summary_figure(run_d: Any, summary: dict[str, Any], fmt: str = "svg") -> bytes:
    """Endpoint proportions per arm with 95% CIs, and the treated lesions' dose distribution."""
    matplotlib = optional_import("matplotlib", "plot")
    matplotlib.use("Agg")
    plt = optional_import("matplotlib.pyplot", "plot")
    arms = list(summary["arms"])
    endpoints = list(summary["arms"][arms[0]])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(arms)
    x = np.arange(len(endpoints))
    for i, a in enumerate(arms):
        rec = summary["arms"][a]
        p = np.array([rec[e]["p"] or 0.0 for e in endpoints])
        lo = np.array([rec[e]["ci95"][0] for e in endpoints])
        hi = np.array([rec[e]["ci95"][1] for e in endpoints])
        yerr = 100 * np.vstack([p - lo, hi - p])
        ax1.bar(x + i * width, 100 * p, width, label=a, yerr=yerr, capsize=2)
    ax1.set_xticks(x + width * (len(arms) - 1) / 2, endpoints, rotation=40, ha="right")
    ax1.set_ylabel("patients (%) with 95% CI")
    ax1.set_ylim(0, 100)
    ax1.legend(fontsize=8)
    lesions = run_d.dataset("lesions").to_table(columns=["arm", "dose_gy"])
    arm_col = np.asarray(lesions.column("arm").to_numpy(zero_copy_only=False))
    dose = lesions.column("dose_gy").to_numpy()
    bins = np.logspace(-1, 3, 41)
    for a in arms:
        d = dose[(arm_col == a) & (dose > 0)]
        ax2.hist(np.clip(d, bins[0], bins[-1]), bins=bins, histtype="step", label=a)
    ax2.set_xscale("log")
    ax2.axvline(20.0, color="grey", ls=":", lw=1)
    ax2.set_xlabel("lesion absorbed dose (Gy), treated lesions")
    ax2.set_ylabel("lesions")
    fig.suptitle(
        f"{summary['trial']} — research use only, not a treatment recommendation", fontsize=10
    )
    fig.tight_layout()
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "rairlab"}):
        fig.savefig(buf, format=fmt, dpi=120, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buf.getvalue()


def format_endpoint(rec: dict[str, Any]) -> str:
    """One arm's endpoint of ``summary.json`` as ``k/n p% (lo–hi)`` (Wilson 95% CI)."""
    lo, hi = rec["ci95"]
    p = 100 * (rec["p"] or 0.0)
    return f"{rec['k']}/{rec['n']} {p:.0f}% ({100 * lo:.0f}–{100 * hi:.0f})"


def format_difference(d: dict[str, Any]) -> str:
    """A difference between arms as ``+d pts (lo to hi)`` (Newcombe 95% CI)."""
    lo, hi = d["ci95"]
    return f"{100 * (d['difference'] or 0):+.0f} pts ({100 * lo:+.0f} to {100 * hi:+.0f})"


def _endpoint_table(summary: dict[str, Any]) -> str:
    arms = list(summary["arms"])
    endpoints = list(summary["arms"][arms[0]])
    head = "".join(f"<th>{html.escape(a)}</th>" for a in arms)
    rows = []
    for e in endpoints:
        cells = "".join(f"<td>{format_endpoint(summary['arms'][a][e])}</td>" for a in arms)
        rows.append(f"<tr><td>{html.escape(e)}</td>{cells}</tr>")
    return (
        "<table><caption>k/n, proportion and Wilson 95% interval per arm</caption>"
        f"<tr><th>endpoint</th>{head}</tr>{''.join(rows)}</table>"
    )


def _differences_table(summary: dict[str, Any]) -> str:
    parts = []
    for label, diffs in summary.get("differences", {}).items():
        rows = "".join(
            f"<tr><td>{html.escape(e)}</td><td>{format_difference(d)}</td></tr>"
            for e, d in diffs.items()
        )
        parts.append(
            f"<table><caption>{html.escape(label)} (Newcombe 95% interval)</caption>"
            f"<tr><th>endpoint</th><th>difference (95% CI)</th></tr>{rows}</table>"
        )
    return "".join(parts) or "<p>One arm: no differences.</p>"


def _dose_table(run_d: Any, arms: list[str]) -> str:
    lesions = run_d.dataset("lesions").to_table(columns=["arm", "dose_gy"])
    arm_col = np.asarray(lesions.column("arm").to_numpy(zero_copy_only=False))
    dose = lesions.column("dose_gy").to_numpy()
    rows = []
    for a in arms:
        d = dose[(arm_col == a) & (dose > 0)]
        if d.size:
            q25, q50, q75 = np.percentile(d, [25, 50, 75])
            cells = f"<td>{d.size}</td><td>{q50:.3g}</td><td>{q25:.3g}–{q75:.3g}</td>"
            cells += f"<td>{np.mean(d >= 20.0):.0%}</td>"
        else:
            cells = "<td>0</td><td>–</td><td>–</td><td>–</td>"
        rows.append(f"<tr><td>{html.escape(a)}</td>{cells}</tr>")
    return (
        "<table><caption>Absorbed dose of treated lesions (Gy)</caption><tr><th>arm</th>"
        "<th>lesions</th><th>median</th><th>IQR</th><th>≥ 20 Gy</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _provenance(manifest: dict[str, Any], spec_text: str) -> str:
    import yaml

    try:
        spec = yaml.safe_load(spec_text) or {}
    except yaml.YAMLError:
        spec = {}
    sim = spec.get("simulation", {}) if isinstance(spec, dict) else {}
    params = manifest.get("parameters", {})
    facts = [
        ("rairlab version", manifest.get("rairlab_version")),
        ("seed", manifest.get("seed")),
        ("network", (sim or {}).get("network", "time_course")),
        ("model variant", (sim or {}).get("variant") or "default"),
        ("parameter set", params.get("set") if isinstance(params, dict) else params),
        ("engine", f"{manifest.get('engine')} ({manifest.get('workers')} worker(s))"),
        ("started", manifest.get("started")),
        ("finished", manifest.get("finished")),
        ("spec SHA-256", manifest.get("spec_sha256")),
    ]
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in facts
    )
    return f"<table><tr><th>run</th><th></th></tr>{rows}</table>"


def trial_report_html(run_dir: str | os.PathLike[str]) -> str:
    """The report of a finished trial run directory, as one HTML document.

    Raises
    ------
    InvalidValueError, InputFileError
        When `run_dir` is no finished trial run.
    """
    run_d, manifest, summary = read_summary(run_dir)
    spec_path = run_d.path / "spec.yaml"
    spec_text = spec_path.read_text(encoding="utf-8") if spec_path.is_file() else ""
    svg = summary_figure(run_d, summary, "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: inline in HTML
    title = html.escape(str(summary["trial"]))
    notice = html.escape(RESEARCH_USE_NOTICE)
    arms = list(summary["arms"])
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title} — rairlab trial report</title>",
            f"<style>{_STYLE}</style></head><body>",
            f"<h1>{title}</h1>",
            f'<p class="notice"><strong>{notice}</strong> A virtual trial of a calibrated '
            "population model; its proportions are model results, not predictions for a "
            "patient.</p>",
            "<h2>Endpoints</h2>",
            _endpoint_table(summary),
            "<h2>Differences between arms</h2>",
            _differences_table(summary),
            "<h2>Figures</h2>",
            f'<figure role="img" aria-label="endpoints and dose distribution">{svg}</figure>',
            "<h2>Lesion doses</h2>",
            _dose_table(run_d, arms),
            "<h2>Provenance</h2>",
            _provenance(manifest, spec_text),
            "<h2>Trial specification</h2>",
            f"<pre>{html.escape(spec_text) or '(spec.yaml missing)'}</pre>",
            "<p>Endpoint definitions: docs/trials.md; calibration and its limits: "
            "docs/validation.md (in the rairlab source).</p>",
            f"<footer>rairlab {html.escape(str(manifest.get('rairlab_version')))} · {notice}"
            "</footer>",
            "</body></html>",
        ]
    )


def write_trial_report(
    run_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> Path:
    """Write the report of `run_dir` to `out` (default ``RUN_DIR/report.html``) atomically."""
    target = (
        check_output_file(out, "--output", (".html", ".htm"))
        if out is not None
        else Path(run_dir) / "report.html"
    )
    text = trial_report_html(run_dir)
    if out is None:
        check_output_file(target, "--output", (".html",))
    return write_text(target, text)
