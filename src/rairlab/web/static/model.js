/* rairlab Model page: the diagram's nodes open the node panel. No library, no network
 * beyond the page's own URL.
 * - click (or Enter / Space on a focused node) on g.node[data-node] loads ?node=ID, the
 *   rest of the query kept: the URL is the page's state, the server renders the panel;
 * - choosing a node in the form's select submits the form;
 * - the selected node gets the class "selected";
 * - the scroll position survives that reload, so a node low in the diagram stays in view.
 */
"use strict";
(function () {
  const SCROLL_KEY = "rairlab-model-scroll";

  function open(node) {
    const url = new URL(window.location.href);
    url.searchParams.set("node", node);
    url.hash = "";
    try {
      window.sessionStorage.setItem(SCROLL_KEY, JSON.stringify({node: node, y: window.scrollY}));
    } catch (e) { /* storage may be disabled: the page still works, from the top */ }
    window.location.assign(url.toString());
  }

  function restoreScroll(current) {
    let saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(SCROLL_KEY) || "null");
      window.sessionStorage.removeItem(SCROLL_KEY);
    } catch (e) { saved = null; }
    if (saved && saved.node === current && typeof saved.y === "number") {
      window.scrollTo(0, saved.y);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const diagram = document.getElementById("model-diagram");
    if (!diagram) return;
    const current = new URL(window.location.href).searchParams.get("node");
    diagram.querySelectorAll("g.node[data-node]").forEach((g) => {
      const node = g.dataset.node;
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", "Show node " + node);
      if (node === current) g.classList.add("selected");
      g.addEventListener("click", () => open(node));
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          open(node);
        }
      });
    });
    const select = document.getElementById("node");
    if (select) {
      select.addEventListener("change", () => { if (select.form) select.form.requestSubmit(); });
    }
    if (current) restoreScroll(current);
  });
})();
