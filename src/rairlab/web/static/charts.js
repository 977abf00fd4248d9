/* rairlab charts: draws every <figure class="chart"> from the JSON it holds, as SVG,
 * and adds CSV / SVG / PNG downloads. No library, no network.
 *
 * Data (see rairlab.web._common.chart): {id, kind: "bar"|"line"|"interval", title,
 * x_label, y_label, categories, series: [{name, values|x+y, lo, hi}], log_y, points}.
 * Several series on one chart are the overlay: arms of a trial, two runs, lesions.
 */
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                   "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
  const W = 760, H = 360;
  let M = {top: 40, right: 16, bottom: 78, left: 64};  // set per chart by layout()

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, attrs) {
    const t = el("text", Object.assign({x: x, y: y, "font-size": 11,
                                        "font-family": "sans-serif"}, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "";
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
    return String(Math.round(v * 1000) / 1000);
  }
  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) { hi = lo + 1; }
    const step0 = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= step0);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
    return out;
  }
  function finite(xs) { return xs.filter(v => v !== null && v !== undefined && isFinite(v)); }

  function frame(svg, spec) {
    el("rect", {x: 0, y: 0, width: W, height: H, fill: "#fff"}, svg);
    text(svg, W / 2, 18, spec.title || "", {"text-anchor": "middle", "font-size": 13,
                                           "font-weight": "bold"});
    text(svg, 14, M.top + (H - M.top - M.bottom) / 2, spec.y_label || "",
         {"text-anchor": "middle", transform: `rotate(-90 14 ${M.top + (H - M.top - M.bottom) / 2})`});
    text(svg, M.left + (W - M.left - M.right) / 2, H - 6, spec.x_label || "",
         {"text-anchor": "middle"});
  }
  function yAxis(svg, lo, hi, log) {
    const y0 = H - M.bottom, y1 = M.top;
    const tr = log ? (v => Math.log10(v)) : (v => v);
    const a = tr(lo), b = tr(hi);
    const scale = v => y0 - (tr(v) - a) / (b - a) * (y0 - y1);
    const ticks = log ? decades(lo, hi) : niceTicks(lo, hi, 5);
    for (const t of ticks) {
      const y = scale(t);
      el("line", {x1: M.left, x2: W - M.right, y1: y, y2: y, stroke: "#e5e5e5"}, svg);
      text(svg, M.left - 6, y + 4, fmt(t), {"text-anchor": "end"});
    }
    el("line", {x1: M.left, x2: M.left, y1: y0, y2: y1, stroke: "#333"}, svg);
    el("line", {x1: M.left, x2: W - M.right, y1: y0, y2: y0, stroke: "#333"}, svg);
    return scale;
  }
  function decades(lo, hi) {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(Math.pow(10, e));
    return out;
  }
  // legend items laid out in rows under the title: [x, row] per series
  function legendRows(series) {
    const out = [];
    let x = 64, row = 0;
    series.forEach((s, i) => {
      const w = 24 + 6.2 * (s.name || `series ${i + 1}`).length;
      if (x + w > W - 16 && x > 64) { x = 64; row += 1; }
      out.push([x, row]);
      x += w;
    });
    return out;
  }
  function layout(spec) {
    const rows = legendRows(spec.series || []);
    const n = rows.length ? rows[rows.length - 1][1] + 1 : 0;
    M = {top: 32 + 15 * n + 8, right: 16, bottom: 78, left: 64};
  }
  function legend(svg, series) {
    legendRows(series).forEach(([x, row], i) => {
      const y = 30 + 15 * row;
      el("rect", {x: x, y: y, width: 10, height: 10, fill: COLOURS[i % COLOURS.length]}, svg);
      text(svg, x + 14, y + 9, series[i].name || `series ${i + 1}`);
    });
  }
  function whisker(svg, x, ylo, yhi, w) {
    el("line", {x1: x, x2: x, y1: ylo, y2: yhi, stroke: "#222"}, svg);
    el("line", {x1: x - w, x2: x + w, y1: ylo, y2: ylo, stroke: "#222"}, svg);
    el("line", {x1: x - w, x2: x + w, y1: yhi, y2: yhi, stroke: "#222"}, svg);
  }

  function bar(svg, spec) {
    const cats = spec.categories || [], series = spec.series || [];
    const all = finite(series.flatMap(s => [...(s.values || []), ...(s.hi || [])]));
    const hi = spec.y_max !== undefined ? spec.y_max : Math.max(1e-12, ...all) * 1.05;
    const scale = yAxis(svg, 0, hi, false);
    const band = (W - M.left - M.right) / Math.max(cats.length, 1);
    const bw = band * 0.8 / Math.max(series.length, 1);
    cats.forEach((c, j) => {
      const x0 = M.left + j * band + band * 0.1;
      series.forEach((s, i) => {
        const v = (s.values || [])[j];
        if (v === null || v === undefined || !isFinite(v)) return;
        const x = x0 + i * bw;
        const r = el("rect", {x: x, y: scale(v), width: Math.max(bw - 1, 1),
                              height: scale(0) - scale(v), fill: COLOURS[i % COLOURS.length]}, svg);
        el("title", {}, r).textContent = `${s.name}: ${c} ${fmt(v)}`;
        if (s.lo && s.hi && isFinite(s.lo[j]) && isFinite(s.hi[j]) && s.lo[j] !== null)
          whisker(svg, x + bw / 2, scale(s.lo[j]), scale(s.hi[j]), Math.min(4, bw / 3));
      });
      const lx = M.left + j * band + band / 2, ly = H - M.bottom + 12;
      text(svg, lx, ly, c, {"text-anchor": "end", transform: `rotate(-30 ${lx} ${ly})`});
    });
    legend(svg, series);
  }

  function line(svg, spec) {
    const series = spec.series || [], log = !!spec.log_y;
    const xs = finite(series.flatMap(s => s.x || []));
    let ys = finite(series.flatMap(s => [...(s.y || []), ...(s.hi || [])]));
    if (log) ys = ys.filter(v => v > 0);
    const xlo = spec.x_min !== undefined ? spec.x_min : Math.min(0, ...xs);
    const xhi = Math.max(xlo + 1e-12, ...xs);
    const ylo = log ? Math.min(...ys) / 1.5 : Math.min(0, ...ys);
    const yhi = log ? Math.max(...ys) * 1.5 : Math.max(1e-12, ...ys) * 1.05;
    const scale = yAxis(svg, ylo, yhi, log);
    const sx = v => M.left + (v - xlo) / (xhi - xlo) * (W - M.left - M.right);
    for (const t of niceTicks(xlo, xhi, 6)) {
      text(svg, sx(t), H - M.bottom + 14, fmt(t), {"text-anchor": "middle"});
    }
    series.forEach((s, i) => {
      const c = COLOURS[i % COLOURS.length];
      const pts = (s.x || []).map((x, k) => [x, (s.y || [])[k]])
        .filter(p => isFinite(p[0]) && p[1] !== null && isFinite(p[1]) && (!log || p[1] > 0));
      if (s.points) {
        for (const [x, y] of pts) {
          const d = el("circle", {cx: sx(x), cy: scale(y), r: 3.5, fill: c}, svg);
          el("title", {}, d).textContent = `${s.name}: (${fmt(x)}, ${fmt(y)})`;
        }
      } else if (pts.length) {
        el("polyline", {points: pts.map(p => `${sx(p[0])},${scale(p[1])}`).join(" "),
                        fill: "none", stroke: c, "stroke-width": 2,
                        "stroke-dasharray": s.dashed ? "6 4" : "none"}, svg);
      }
    });
    legend(svg, series);
  }

  function interval(svg, spec) {
    // one row per category; per series a dot (values) and a horizontal interval (lo-hi)
    const cats = spec.categories || [], series = spec.series || [], log = !!spec.log_x;
    let all = finite(series.flatMap(s => [...(s.values || []), ...(s.lo || []), ...(s.hi || [])]));
    if (log) all = all.filter(v => v > 0);
    const lo = log ? Math.min(...all) / 1.5 : Math.min(0, ...all);
    const hi = log ? Math.max(...all) * 1.5 : Math.max(1e-12, ...all) * 1.05;
    const tr = log ? (v => Math.log10(v)) : (v => v);
    const left = 150;
    const sx = v => left + (tr(v) - tr(lo)) / (tr(hi) - tr(lo)) * (W - left - M.right);
    const row = (H - M.top - M.bottom) / Math.max(cats.length, 1);
    for (const t of (log ? decades(lo, hi) : niceTicks(lo, hi, 6))) {
      el("line", {x1: sx(t), x2: sx(t), y1: M.top, y2: H - M.bottom, stroke: "#e5e5e5"}, svg);
      text(svg, sx(t), H - M.bottom + 14, fmt(t), {"text-anchor": "middle"});
    }
    cats.forEach((c, j) => {
      const yc = M.top + (j + 0.5) * row;
      text(svg, left - 8, yc + 4, c, {"text-anchor": "end"});
      series.forEach((s, i) => {
        const y = yc + (i - (series.length - 1) / 2) * Math.min(10, row / (series.length + 1));
        const col = COLOURS[i % COLOURS.length];
        const a = (s.lo || [])[j], b = (s.hi || [])[j], v = (s.values || [])[j];
        if (a !== null && b !== null && isFinite(a) && isFinite(b) && (!log || a > 0))
          el("line", {x1: sx(a), x2: sx(b), y1: y, y2: y, stroke: col, "stroke-width": 2}, svg);
        if (v !== null && isFinite(v) && (!log || v > 0)) {
          const d = el("circle", {cx: sx(v), cy: y, r: 4, fill: col}, svg);
          el("title", {}, d).textContent = `${s.name}: ${c} ${fmt(v)} (${fmt(a)}–${fmt(b)})`;
        }
      });
    });
    el("line", {x1: left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, stroke: "#333"}, svg);
    legend(svg, series);
  }

  function csv(spec) {
    const q = v => (v === null || v === undefined) ? "" :
      (typeof v === "string" && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
    const rows = [];
    if (spec.kind === "line") {
      rows.push(["series", spec.x_label || "x", spec.y_label || "y"]);
      for (const s of spec.series || [])
        (s.x || []).forEach((x, k) => rows.push([s.name, x, (s.y || [])[k]]));
    } else {
      rows.push(["category", "series", spec.y_label || "value", "lo", "hi"]);
      for (const s of spec.series || [])
        (spec.categories || []).forEach((c, j) =>
          rows.push([c, s.name, (s.values || [])[j], (s.lo || [])[j], (s.hi || [])[j]]));
    }
    return rows.map(r => r.map(q).join(",")).join("\n") + "\n";
  }

  function download(name, blob) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function svgText(svg) {
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }
  function png(svg, name) {
    const img = new Image();
    const url = URL.createObjectURL(new Blob([svgText(svg)], {type: "image/svg+xml"}));
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = W * 2; canvas.height = H * 2;
      const ctx = canvas.getContext("2d");
      ctx.scale(2, 2);
      ctx.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob(b => download(name, b), "image/png");
    };
    img.src = url;
  }

  function draw(fig) {
    const data = fig.querySelector("script.chart-data");
    if (!data) return;
    const spec = JSON.parse(data.textContent);
    fig.querySelectorAll("svg, .chart-tools").forEach(n => n.remove());
    const svg = el("svg", {xmlns: NS, viewBox: `0 0 ${W} ${H}`, width: W, height: H,
                           role: "img", "aria-label": spec.title || "chart"});
    layout(spec);
    frame(svg, spec);
    ({bar: bar, line: line, interval: interval}[spec.kind] || bar)(svg, spec);
    fig.appendChild(svg);
    const tools = document.createElement("div");
    tools.className = "chart-tools";
    const base = spec.id || "chart";
    for (const [label, act] of [
      ["CSV", () => download(base + ".csv", new Blob([csv(spec)], {type: "text/csv"}))],
      ["SVG", () => download(base + ".svg", new Blob([svgText(svg)], {type: "image/svg+xml"}))],
      ["PNG", () => png(svg, base + ".png")],
    ]) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "secondary"; b.textContent = label;
      b.dataset.download = label.toLowerCase();
      b.addEventListener("click", act);
      tools.appendChild(b);
    }
    fig.appendChild(tools);
  }

  window.rairlabCharts = {draw: draw, csv: csv,
                          drawAll: () => document.querySelectorAll("figure.chart").forEach(draw)};
  document.addEventListener("DOMContentLoaded", window.rairlabCharts.drawAll);
})();
