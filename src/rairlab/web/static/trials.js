/* rairlab Trials pages. No library, no network beyond this server.
 * - #run-status[data-status=starting|running]: polls /api/trials/RUN every 0.7 s, moves the
 *   <progress> bar, and reloads the page when the run ends (to show its results).
 * - #compare (a run's page): choosing a run to overlay submits the form.
 * - arm therapy selects: the fixed-activity field is enabled only for a fixed activity.
 */
"use strict";
(function () {
  const LIVE = ["starting", "running"];
  const PERIOD_MS = 700;

  function follow(section) {
    const run = section.dataset.run;
    const bar = document.getElementById("trial-progress");
    const text = document.getElementById("progress-text");
    const badge = document.getElementById("status-text");
    async function tick() {
      let state = null;
      try {
        const r = await fetch("/api/trials/" + encodeURIComponent(run),
                              {headers: {accept: "application/json"}, cache: "no-store"});
        if (r.ok) state = await r.json();
      } catch (e) {
        state = null;  // the server is restarting or the network blinked: try again
      }
      if (state) {
        if (!LIVE.includes(state.status)) {
          window.location.reload();
          return;
        }
        if (bar && state.total > 0) {
          bar.max = state.total;
          bar.value = state.done;
        }
        if (text) text.textContent = state.done + " of " + (state.total || "?") + " chunks";
        if (badge) badge.textContent = state.status;
      }
      window.setTimeout(tick, PERIOD_MS);
    }
    window.setTimeout(tick, PERIOD_MS);
  }

  function therapyFields(select) {
    const activity = document.getElementById(select.id.replace("_therapy", "_activity"));
    const sync = () => { if (activity) activity.disabled = select.value !== "fixed"; };
    select.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("run-status");
    if (section && LIVE.includes(section.dataset.status)) follow(section);
    const compare = document.getElementById("compare");
    if (compare && compare.form) {
      compare.addEventListener("change", () => compare.form.requestSubmit());
    }
    document.querySelectorAll("select[id$='_therapy']").forEach(therapyFields);
  });
})();
