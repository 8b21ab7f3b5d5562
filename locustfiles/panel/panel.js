// The chaos panel: polls /chaos/state every second, renders it, sends actions to /chaos/step.
// Every action is applied and recorded by the launcher; this page only shows and asks.
"use strict";

// Default attributes per fault type (editable JSON in the form); see origins/README.md.
const FAULT_DEFAULTS = {
  status: { status: 503 },
  latency: { ms: 500, jitter_ms: 0 },
  "slow-headers": { ms: 2000 },
  bandwidth: { bytes_per_s: 20000 },
  hang: {},
  reset: { when: "before-response" },
  truncate: { fraction: 0.5 },
  flap: { period_ms: 1000, status: 503 },
  refuse: {},
};
// Buttons offered per origin state (the scenario state machine decides what is allowed).
const BUTTONS = {
  up: ["kill", "stop", "pause", "blackhole"],
  faulted: ["clear"],
  down: ["restart"],
  paused: ["resume"],
  blackholed: ["unblackhole"],
};

const $ = (id) => document.getElementById(id);
const pct = (v) => (v === null || v === undefined ? "-" : (v * 100).toFixed(1) + "%");
let lastOrigins = "";
let busy = false;

function say(text, isError) {
  const box = $("message");
  box.textContent = text;
  box.className = isError ? "error" : "";
}

async function post(path, body) {
  const answer = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await answer.json(); } catch (e) { data = { error: "no JSON answer (" + answer.status + ")" }; }
  if (!answer.ok) throw new Error(data.error || "HTTP " + answer.status);
  return data;
}

async function act(action, target, params) {
  if (busy) return;
  busy = true;
  say(action + " " + target + " ...", false);
  try {
    const event = await post("./step", { action, target, params: params || {} });
    const t = event.t === null || event.t === undefined ? "before the load" : "t=" + event.t + " s";
    say(action + " " + target + " done (" + t + (event.fault_id !== undefined ? ", fault " + event.fault_id + " " + event.fault_edge : "") + ")", false);
  } catch (e) {
    say(e.message, true);
  } finally {
    busy = false;
    refresh();
  }
}

function faultLabel(f) {
  const skip = new Set(["name", "type", "probability", "paths"]);
  const attrs = Object.entries(f).filter(([k]) => !skip.has(k)).map(([k, v]) => k + "=" + JSON.stringify(v));
  let text = f.name + ": " + f.type + (attrs.length ? " " + attrs.join(" ") : "");
  if (f.probability !== undefined && f.probability !== 1) text += " p=" + f.probability;
  if (f.paths) text += " " + [].concat(f.paths).join(" ");
  return text;
}

function button(label, action, target, params) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = action;
  b.dataset.target = target;
  b.addEventListener("click", () => act(action, target, params));
  return b;
}

function renderOrigins(origins, share) {
  const key = JSON.stringify(origins.map((o) => [o.id, o.state, o.alive, o.faults]));
  const body = document.querySelector("#origins tbody");
  if (key !== lastOrigins) { // rebuild only on change: buttons keep focus between polls
    lastOrigins = key;
    body.textContent = "";
    for (const o of origins) {
      const tr = body.insertRow();
      tr.id = "origin-" + o.id;
      tr.insertCell().textContent = o.id;
      const state = tr.insertCell();
      state.textContent = o.state + (o.alive ? "" : " (no process)");
      state.className = "state-" + o.state;
      state.id = "state-" + o.id;
      const shareCell = tr.insertCell();
      shareCell.id = "share-" + o.id;
      const faults = tr.insertCell();
      for (const f of o.faults) {
        const span = document.createElement("span");
        span.className = "fault";
        span.textContent = faultLabel(f) + " ";
        span.appendChild(button("x", "clear", o.id, { name: f.name }));
        faults.appendChild(span);
      }
      const actions = tr.insertCell();
      for (const a of BUTTONS[o.state] || []) actions.appendChild(button(a, a, o.id));
    }
    const select = $("fault-target");
    const chosen = select.value;
    select.textContent = "";
    for (const o of origins) select.add(new Option(o.id, o.id, false, o.id === chosen));
  }
  for (const o of origins) {
    const cell = $("share-" + o.id);
    if (cell) cell.textContent = pct((share || {})[o.id] || 0);
  }
}

function renderEvents(events) {
  const list = $("events");
  list.textContent = "";
  for (const e of events.slice().reverse()) {
    const li = document.createElement("li");
    const t = e.t === null || e.t === undefined ? "-" : e.t.toFixed(1) + " s";
    const edge = e.fault_edge ? " [fault " + e.fault_id + " " + e.fault_edge + "]" : "";
    li.textContent = t + "  " + e.kind + (e.target ? " " + e.target : "") + edge + (e.ok === false ? "  FAILED" : "");
    list.appendChild(li);
  }
}

async function refresh() {
  let snap;
  try {
    snap = await (await fetch("./state")).json();
  } catch (e) {
    $("phase").textContent = "no answer from Locust";
    return;
  }
  const live = snap.live || {};
  const win = live.window || {};
  $("hit-window").textContent = pct(win.hit_ratio);
  $("hit-run").textContent = pct(live.hit_ratio);
  $("rps").textContent = win.rps === undefined ? "-" : win.rps;
  $("errors-window").textContent = win.errors === undefined ? "-" : win.errors;
  const s = snap.session;
  if (!s) {
    $("phase").textContent = "launcher unreachable: " + (snap.error || "?");
    return;
  }
  const phase = $("phase");
  phase.textContent = { waiting: "waiting for the load (start it in Locust)", running: "load running",
                        stopped: "stopped: the run is complete" }[s.phase] || s.phase;
  phase.className = "phase " + s.phase;
  $("clock").textContent = s.t === null || s.t === undefined ? "" : "t = " + s.t.toFixed(0) + " s";
  $("run-dir").textContent = s.run_dir;
  renderOrigins(s.origins, win.miss_share);
  renderEvents(s.events || []);
  if (s.report) showReport(s.report);
}

function showReport(report) {
  $("report-link").hidden = false;
  $("report-lines").textContent = report.lines.join("\n");
}

function setupFaultForm() {
  const type = $("fault-type");
  for (const name of Object.keys(FAULT_DEFAULTS)) type.add(new Option(name, name));
  const fill = () => { $("fault-attrs").value = JSON.stringify(FAULT_DEFAULTS[type.value]); };
  type.addEventListener("change", fill);
  fill();
  $("fault-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    let params;
    try {
      params = JSON.parse($("fault-attrs").value || "{}");
    } catch (e) {
      say("attributes: not JSON (" + e.message + ")", true);
      return;
    }
    params.type = type.value;
    const probability = $("fault-probability").value.trim();
    if (probability && Number(probability) !== 1) params.probability = Number(probability);
    const paths = $("fault-paths").value.trim();
    if (paths) params.paths = paths.split(/\s+/);
    const name = $("fault-name").value.trim();
    if (name) params.name = name;
    act("fault", $("fault-target").value, params);
  });
  $("invalidate-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act("invalidate", "edge", { paths: $("invalidate-paths").value.trim().split(/\s+/) });
  });
  $("report-build").addEventListener("click", async () => {
    say("building the report ...", false);
    try {
      showReport(await post("./report", {}));
      say("report built", false);
    } catch (e) {
      say(e.message, true);
    }
  });
}

setupFaultForm();
refresh();
setInterval(refresh, 1000);
