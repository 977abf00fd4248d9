/* rairlab pages: small behaviours shared by every page. No library, no network.
 * - input[data-suggest=KIND]: autocomplete from /api/names?kind=KIND (a <datalist>).
 * - div.diagram[data-download=NAME]: an "SVG" button that saves the inline diagram.
 */
"use strict";
(function () {
  async function suggest(input) {
    const kind = input.dataset.suggest;
    const list = document.createElement("datalist");
    list.id = "suggest-" + kind + "-" + Math.random().toString(36).slice(2, 8);
    document.body.appendChild(list);
    input.setAttribute("list", list.id);
    const r = await fetch("/api/names?kind=" + encodeURIComponent(kind));
    if (!r.ok) return;
    const names = await r.json();
    for (const n of names.names || []) {
      const o = document.createElement("option");
      o.value = n;
      list.appendChild(o);
    }
  }
  function diagramDownload(div) {
    const svg = div.querySelector("svg");
    if (!svg) return;
    const b = document.createElement("button");
    b.type = "button"; b.className = "secondary"; b.textContent = "SVG";
    b.dataset.download = "svg";
    b.addEventListener("click", () => {
      const text = '<?xml version="1.0" encoding="UTF-8"?>\n' +
        new XMLSerializer().serializeToString(svg);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([text], {type: "image/svg+xml"}));
      a.download = div.dataset.download + ".svg";
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
    const tools = document.createElement("div");
    tools.className = "chart-tools";
    tools.appendChild(b);
    div.appendChild(tools);
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-suggest]").forEach(suggest);
    document.querySelectorAll("div.diagram[data-download]").forEach(diagramDownload);
  });
  window.rairlab = {suggest: suggest};
})();
