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

// "status 503", "latency 500 ms jitter_ms=50 (30 % of requests) /api/*": the type, then what
// matters; empty and default values left out, the fault's name as a tooltip only.
function faultLabel(f) {
  const skip = new Set(["name", "type", "probability", "paths"]);
  const shown = Object.entries(f).filter(([k, v]) => !skip.has(k) && v !== null && v !== "" &&
    !(typeof v === "object" && Object.keys(v).length === 0));
  const lead = shown.find(([k]) => k === "status" || k === "ms");
  const rest = shown.filter((e) => e !== lead).map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : v));
  let text = f.type + (lead ? " " + lead[1] + (lead[0] === "ms" ? " ms" : "") : "") + (rest.length ? " " + rest.join(" ") : "");
  if (f.probability !== undefined && f.probability !== 1) text += " (" + Math.round(f.probability * 100) + " % of requests)";
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

function renderOrigins(origins, live) {
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
      for (const prefix of ["share-", "share10-", "sharerun-"]) tr.insertCell().id = prefix + o.id;
      const faults = tr.insertCell();
      for (const f of o.faults) {
        const span = document.createElement("span");
        span.className = "fault";
        span.title = "fault " + f.name;
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
  const now = (live.now || {}).miss_share || {}, win = (live.window || {}).miss_share || {};
  const run = live.miss_share || {};
  for (const o of origins) {
    for (const [prefix, share] of [["share-", now], ["share10-", win], ["sharerun-", run]]) {
      const cell = $(prefix + o.id);
      if (cell) cell.textContent = pct(share[o.id] || 0);
    }
  }
}

// One line per fault window: what, since when, and the failover time as the report measures
// it (first successful miss sent after the start that another origin served).
function renderWindows(windows, loadStart, now) {
  const list = $("windows");
  list.textContent = "";
  for (const w of windows) {
    const li = document.createElement("li");
    const t0 = loadStart ? (w.ts0 - loadStart).toFixed(1) + " s" : "";
    const failover = w.failover_s === null || w.failover_s === undefined
      ? (w.ts1 ? "no failover in the window" : "not failed over yet (" + Math.max(0, now - w.ts0).toFixed(0) + " s)")
      : "failed over in " + w.failover_s.toFixed(3) + " s";
    li.textContent = "fault " + w.id + " on " + w.label + " from t = " + t0 +
      (w.ts1 ? ", closed after " + (w.ts1 - w.ts0).toFixed(1) + " s" : ", open") + ": " + failover;
    li.id = "window-" + w.id;
    li.className = w.ts1 ? "" : "open";
    list.appendChild(li);
  }
}

const ORIGIN_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"];
const SVG = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

// A small step chart over the load's seconds: each bin drawn from its start to its end (bins
// are cut at fault edges, so nothing after a fault is drawn before it); each series {label,
// colour, values}; the fault windows shaded and numbered; y from 0 to yMax.
function drawChart(id, title, bins, series, yMax, windows) {
  const svg = $(id);
  const width = svg.clientWidth || 400, height = svg.clientHeight || 150;
  const left = 34, right = 6, top = 28, bottom = 16;
  svg.textContent = "";
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svgEl("text", { x: left, y: 11 }, svg).textContent = title;
  if (!bins.length) return;
  const x0 = bins[0].t0, x1 = Math.max(bins[bins.length - 1].t1, x0 + 10);
  const X = (t) => left + (t - x0) / (x1 - x0) * (width - left - right);
  const Y = (v) => top + (1 - v / yMax) * (height - top - bottom);
  for (const w of windows) {
    const a = Math.max(w.t0, x0), b = w.t1 === null ? x1 : Math.min(w.t1, x1);
    if (b <= x0 || a >= x1) continue;
    svgEl("rect", { x: X(a), y: top, width: Math.max(1, X(b) - X(a)), height: height - top - bottom,
                    fill: "#d62728", "fill-opacity": 0.12 }, svg);
    svgEl("text", { x: X(a) + 2, y: top + 9, fill: "#d62728" }, svg).textContent = "#" + w.id;
  }
  svgEl("text", { x: 2, y: top + 8 }, svg).textContent = String(yMax);
  svgEl("text", { x: 2, y: height - bottom }, svg).textContent = "0";
  svgEl("text", { x: width - right - 40, y: height - 3 }, svg).textContent = "t = " + x1.toFixed(0) + " s";
  let legendX = left;
  for (const s of series) {
    let d = "", open = false;
    bins.forEach((bin, i) => {
      const v = s.values[i];
      if (v === null || v === undefined) { open = false; return; }
      const y = Y(Math.min(v, yMax)).toFixed(1);
      d += (open ? "L" : "M") + X(bin.t0).toFixed(1) + "," + y + "L" + X(bin.t1).toFixed(1) + "," + y;
      open = true;
    });
    svgEl("path", { d, fill: "none", stroke: s.colour, "stroke-width": 1.6 }, svg);
    svgEl("text", { x: legendX, y: 23, fill: s.colour }, svg).textContent = s.label;
    legendX += 10 + 6 * s.label.length;
  }
}

function renderCharts(series, windows, loadStart, origins) {
  const base = loadStart || 0;
  const bins = series.map((p) => ({ t0: p.ts - base, t1: p.te - base }));
  const marks = windows.map((w) => ({ id: w.id, t0: w.ts0 - base, t1: w.ts1 === null ? null : w.ts1 - base }));
  drawChart("chart-hit", "hit ratio per second", bins,
    [{ label: "hit ratio", colour: "#2ca02c", values: series.map((p) => p.hit_ratio) }], 1, marks);
  drawChart("chart-share", "share of misses by origin", bins,
    origins.map((o, i) => ({ label: o.id, colour: ORIGIN_COLOURS[i % ORIGIN_COLOURS.length],
                             values: series.map((p) => (p.requests ? (p.miss_share[o.id] || 0) : null)) })), 1, marks);
  const rpsMax = Math.ceil(Math.max(10, ...series.map((p) => p.rps)));
  const p95 = series.map((p) => p.p95_ms);
  const p95Max = Math.ceil(Math.max(10, ...p95.filter((v) => v !== null)));
  drawChart("chart-load", "req/s (0-" + rpsMax + ") and p95 latency (0-" + p95Max + " ms)", bins,
    [{ label: "req/s", colour: "#1f77b4", values: series.map((p) => p.rps) },
     { label: "p95", colour: "#d62728", values: p95.map((v) => (v === null ? null : v / p95Max * rpsMax)) }],
    rpsMax, marks);
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
  const win = live.window || {}, now = live.now || {};
  $("rps-now").textContent = now.requests === undefined ? "-" : now.requests;
  $("hit-now").textContent = pct(now.hit_ratio);
  $("errors-now").textContent = now.errors === undefined ? "-" : now.errors;
  $("hit-window").textContent = pct(win.hit_ratio);
  $("hit-run").textContent = pct(live.hit_ratio);
  $("errors-run").textContent = live.errors === undefined ? "-" : live.errors;
  $("rps").textContent = win.rps === undefined ? "-" : win.rps;
  $("errors-window").textContent = win.errors === undefined ? "-" : win.errors;
  const s = snap.session;
  if (!s) {
    $("phase").textContent = "launcher unreachable: " + (snap.error || "?");
    return;
  }
  const when = $("now-when");
  when.textContent = s.load_start && now.ts ? "(t = " + (now.ts - s.load_start).toFixed(0) + "-" +
    (now.ts + 1 - s.load_start).toFixed(0) + " s" + (snap.frozen ? ", held at STOP" : "") + ")" : "";
  when.className = snap.frozen ? "frozen" : "muted";
  const phase = $("phase");
  phase.textContent = { waiting: "waiting for the load (start it in Locust)", running: "load running",
                        stopped: "stopped: the run is complete" }[s.phase] || s.phase;
  phase.className = "phase " + s.phase;
  $("clock").textContent = s.t === null || s.t === undefined ? "" : "t = " + s.t.toFixed(0) + " s";
  $("run-dir").textContent = s.run_dir;
  renderOrigins(s.origins, live);
  renderFunctions(s.edge || {});
  renderWindows(s.windows || [], s.load_start, Date.now() / 1000);
  renderCharts(live.series || [], s.windows || [], s.load_start, s.origins);
  renderEvents(s.events || []);
  if (s.report) showReport(s.report);
}

// The edge's CloudFront functions and Lambda@Edge handlers, when it runs any: one can be
// broken at a time (a fault window on the edge, like an origin's).
function renderFunctions(edge) {
  const names = Object.keys(edge.functions || {});
  $("function-form").hidden = names.length === 0;
  const select = $("function-name");
  const chosen = select.value;
  if (select.options.length !== names.length) {
    select.textContent = "";
    for (const n of names) select.add(new Option(n, n, false, n === chosen));
  }
  const broken = names.filter((n) => edge.functions[n].fault);
  $("function-state").textContent = broken.length
    ? "broken: " + broken.map((n) => n + " (" + edge.functions[n].fault + ")").join(", ") : "all running as written";
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
  $("function-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act("fault", "edge", { function: $("function-name").value, type: $("function-type").value });
  });
  $("function-clear").addEventListener("click", () => act("clear", "edge", {}));
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
