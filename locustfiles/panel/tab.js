// Shows the chaos panel (/chaos/) inside Locust's own "Chaos" tab, under the tab's table.
// Locust's React UI renders extended tabs as tables only; this script adds the controls
// next to that table whenever the tab is open, and removes them when it is not.
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
    if (!frame) {
      const anchor = table.closest(".MuiPaper-root") || table.parentElement;
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
