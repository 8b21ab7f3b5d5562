// Shows the chaos panel (/chaos/) inside Locust's own "Chaos" tab, in place of the tab's table.
// Locust's React UI renders extended tabs as tables only; this script hides that table (the
// panel has the one table, so two never disagree) and adds the panel whenever the tab is
// open, and removes it when it is not.
"use strict";
(function () {
  const MARK = "Share of misses (10 s)"; // a column title of the Chaos tab's table
  const FRAME_ID = "chaos-panel-frame";

  function chaosTable() {
    for (const th of document.querySelectorAll("#root th")) {
      if (th.textContent.trim() === MARK) return th.closest("table");
    }
    return null;
  }

  function tick() {
    const table = chaosTable();
    let frame = document.getElementById(FRAME_ID);
    if (!table) {
      if (frame) frame.remove();
      return;
    }
    const anchor = table.closest(".MuiPaper-root") || table.parentElement;
    anchor.style.display = "none";  // Locust's copy of the numbers, refreshed on its own clock
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = FRAME_ID;
      frame.title = "Chaos panel";
      frame.src = "./chaos/";
      frame.style.cssText = "width:100%;border:0;margin-top:12px;min-height:480px;";
      anchor.after(frame);
    }
    try { // same origin: size the frame to its content
      const height = frame.contentDocument.documentElement.scrollHeight;
      if (height) frame.style.height = height + 20 + "px";
    } catch (e) { /* not loaded yet */ }
  }

  setInterval(tick, 500);
})();
