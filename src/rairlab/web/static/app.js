/* rairlab pages: small behaviours shared by every page. No library, no network.
 * - input[data-suggest=KIND]: autocomplete from /api/names?kind=KIND (a <datalist>).
 * - [data-poll]: a running trial's status, refreshed from its JSON until it ends.
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
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-suggest]").forEach(suggest);
  });
  window.rairlab = {suggest: suggest};
})();
