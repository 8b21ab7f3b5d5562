"""Benchmark: the edge against nginx ``proxy_cache`` (hits) and the bare origin (misses).

Side by side in one run on this machine, with wrk as the one load generator:

* **hits**: ``GET /static/bench-1024`` from a warm cache, 32 connections, through the
  edge and through nginx (one worker, ``proxy_cache``, access log on); once more through
  the edge with a different request head every time; and over TLS through both (the same
  ECDSA P-256 certificate, keep-alive connections, so the figure is the per-request cost of
  encryption, not of handshakes); and through a trivial CloudFront function on viewer-request
  and on viewer-response (target: a trivial function costs <= 30 us a request at the median);
  and through a second edge, the same with no access log, for what the log costs a hit.
  Servers are pinned to CPU 1, wrk
  and the origin to CPU 0 (taskset). "Per core" is requests per CPU-second of the server
  process (from /proc), which something else running on CPU 1 for a while does not skew.
  Target: edge >= 0.5x nginx per core.
* **misses**: ``GET /api/bench`` (``Cache-Control: no-store`` under CachingDisabled, so
  every request goes to the origin), one connection (latency without queueing), through
  the edge, straight to the origin, and through nginx (which does not store a ``no-store``
  answer either), so what a proxy written in C adds on this machine is measured beside it.
  Target (#17): the edge adds <= 0.3 ms to the median.

The edge runs with its access log on (the default distribution). Rounds alternate between
the servers; each figure is the median round, with the spread of all rounds beside it, and
each ratio the median of the ratios paired round by round (a round of one server and the
next of the other share the machine's state). About a minute in all.

    python -m bench edge
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.cpu import cpu_seconds
from bench.machine import describe
from bench.wrk import UNIQUE_HEADS_LUA, WrkResult, pinned, run_wrk
from contracts.tls import CA
from edge.tls_cmd import make_tls_dir
from scenarios.stack.procs import REPO_ROOT, Child, python_module_argv, start

SERVER_CPU, LOAD_CPU = 1, 0
ROUND_S = 3.0
ROUNDS = 3
HIT_PATH, MISS_PATH = "/static/bench-1024", "/api/bench"
# Behaviours with a trivial CloudFront function, more specific than /static/* (so listed first).
FUNCTION_PATHS = {"viewer-request": "/static/bench-fnreq-1024", "viewer-response": "/static/bench-fnresp-1024"}
TRIVIAL = {"viewer-request": "function handler(event) { return event.request; }\n",
           "viewer-response": "function handler(event) { return event.response; }\n"}
FUNCTION_COST_US_TARGET = 30.0
# Misses are measured one at a time: the added latency of one request, without queueing.
HIT_CONNECTIONS, MISS_CONNECTIONS = 32, 1
HIT_RATIO_TARGET, MISS_ADDED_MS_TARGET = 0.5, 0.3

NGINX_CONF = """worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  proxy_cache_path {dir}/cache keys_zone=bench:10m;
  upstream origin {{ server {origin}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    listen 127.0.0.1:{tls_port} ssl;
    ssl_certificate {tls}/server.pem;
    ssl_certificate_key {tls}/key.pem;
    location / {{
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache bench;
      proxy_cache_valid 200 1h;
      add_header X-Cache $upstream_cache_status;
    }}
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start listening")


def start_nginx(directory: Path, origin: str, tls: Path) -> tuple[subprocess.Popen[bytes], str, str] | None:
    """nginx with proxy_cache in front of ``origin``, on plain HTTP and on TLS (its URLs);
    None (with a note) when not installed."""
    if shutil.which("nginx") is None:
        print("note: nginx is not installed: the nginx column is skipped "
              "(make bench installs nginx-light when run as root)")
        return None
    port, tls_port = _free_port(), _free_port()
    # nginx started as root runs its worker as 'nobody', which must write the cache here.
    directory.chmod(0o777)
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=directory, origin=origin, port=port, tls_port=tls_port, tls=tls))
    process = subprocess.Popen(pinned(SERVER_CPU, ["nginx", "-c", str(conf), "-p", str(directory)]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_listening(port, process)
    return process, f"http://127.0.0.1:{port}", f"https://127.0.0.1:{tls_port}"


def bench_distribution(directory: Path) -> tuple[Path, Path]:
    """distributions/default.json with two behaviours that run a trivial function each."""
    doc = json.loads((REPO_ROOT / "distributions" / "default.json").read_text())
    config = doc["DistributionConfig"]
    static = next(b for b in config["CacheBehaviors"]["Items"] if b["PathPattern"] == "/static/*")
    functions = directory / "functions"
    functions.mkdir()
    extra = []
    for event, path in FUNCTION_PATHS.items():
        name = "trivial-" + event.split("-")[1]
        (functions / f"{name}.js").write_text(TRIVIAL[event])
        behaviour = json.loads(json.dumps(static))
        behaviour["PathPattern"] = path.rsplit("-", 1)[0] + "*"
        behaviour["FunctionAssociations"] = {"Quantity": 1, "Items": [
            {"FunctionARN": f"arn:aws:cloudfront::123456789012:function/{name}", "EventType": event}]}
        extra.append(behaviour)
    config["CacheBehaviors"]["Items"] = extra + config["CacheBehaviors"]["Items"]
    config["CacheBehaviors"]["Quantity"] = len(config["CacheBehaviors"]["Items"])
    path = directory / "bench-distribution.json"
    path.write_text(json.dumps(doc))
    return path, functions


def start_stack(directory: Path, tls: Path) -> tuple[Child, Child, Child]:
    """The origin, the edge with its access log (the one measured), and the same edge with
    none (what the log costs, measured in the same run)."""
    # The origin shares CPU 0 with wrk (light at one connection), so the edge has CPU 1 to
    # itself and the direct and through-the-edge miss runs see the same origin.
    origin = start("origin", pinned(LOAD_CPU, python_module_argv(
        "origins", "--id", "primary", "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0")))
    address = origin.ready["listen"]
    config, functions = bench_distribution(directory)

    def edge(name: str, *log: str) -> Child:
        return start(name, pinned(SERVER_CPU, python_module_argv(
            "edge", "--config", str(config), "--functions", str(functions),
            "--listen", "127.0.0.1:0", "--origin", f"primary={address}",
            "--origin", f"secondary={address}", *log,
            "--listen-tls", "127.0.0.1:0", "--tls-dir", str(tls))))

    return origin, edge("edge", "--access-log", str(directory / "edge-access.log")), edge("edge-unlogged")


def _check(url: str, want_cache: str | None, ca: Path | None = None) -> None:
    """Fail loudly when a URL does not answer as the benchmark assumes."""
    response = requests.get(url, timeout=10, verify=str(ca) if ca else True)
    response.raise_for_status()
    if want_cache and want_cache not in response.headers.get("X-Cache", ""):
        raise RuntimeError(f"{url}: expected X-Cache {want_cache}, got "
                           f"{response.headers.get('X-Cache')!r}")


@dataclass(frozen=True)
class Round:
    """One wrk run and the CPU seconds the server spent meanwhile (None: not measured)."""

    result: WrkResult
    cpu_s: float | None

    @property
    def per_core(self) -> float:
        """Requests per CPU-second of the server (its req/s on one whole core)."""
        if not self.cpu_s:
            return self.result.rps
        return self.result.requests / self.cpu_s


def measure(targets: dict[str, tuple[str, int, str | None]], connections: int) -> dict[str, list[Round]]:
    """Alternate rounds over ``targets`` (name -> (URL, server pid, wrk script or None)):
    every round of each, in order."""
    rounds: dict[str, list[Round]] = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, (url, pid, script) in targets.items():
            before = cpu_seconds(pid)
            result = run_wrk(url, ROUND_S, connections, LOAD_CPU, script)
            after = cpu_seconds(pid)
            used = after - before if before is not None and after is not None else None
            rounds[name].append(Round(result, used))
    return rounds


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def run() -> dict[str, Any]:
    """Start everything, measure, stop everything; the results as one JSON-able dict."""
    machine = describe()
    with tempfile.TemporaryDirectory(prefix="edge-bench-") as tmp:
        directory = Path(tmp)
        tls = make_tls_dir(directory / "tls")
        ca = tls / CA
        origin, edge, unlogged = start_stack(directory, tls)
        nginx = None
        try:
            nginx = start_nginx(directory, origin.ready["listen"], tls)
            edge_url = f"http://{edge.ready['listen']}"
            edge_tls = f"https://127.0.0.1:{str(edge.ready['listen_tls']).rsplit(':', 1)[1]}"
            origin_url = f"http://{origin.ready['listen']}"
            unique = directory / "unique-heads.lua"
            unique.write_text(UNIQUE_HEADS_LUA)
            hit_targets: dict[str, tuple[str, int, str | None]] = {
                "edge": (edge_url + HIT_PATH, edge.pid, None),
                "edge, every head different": (edge_url + HIT_PATH, edge.pid, str(unique)),
                "edge, no access log": (f"http://{unlogged.ready['listen']}" + HIT_PATH, unlogged.pid, None),
                "edge, TLS": (edge_tls + HIT_PATH, edge.pid, None),
                "edge, viewer-request function": (edge_url + FUNCTION_PATHS["viewer-request"], edge.pid, None),
                "edge, viewer-response function": (edge_url + FUNCTION_PATHS["viewer-response"], edge.pid, None)}
            if nginx is not None:
                hit_targets["nginx"] = (nginx[1] + HIT_PATH, nginx[0].pid, None)
                hit_targets["nginx, TLS"] = (nginx[2] + HIT_PATH, nginx[0].pid, None)
                requests.get(nginx[1] + HIT_PATH, timeout=10)  # warm nginx's cache
                _check(nginx[1] + HIT_PATH, "HIT")
                _check(nginx[2] + HIT_PATH, "HIT", ca)
            for path in (HIT_PATH, *FUNCTION_PATHS.values()):
                requests.get(edge_url + path, timeout=10)      # warm the edge's cache
                _check(edge_url + path, "Hit")
            requests.get(hit_targets["edge, no access log"][0], timeout=10)
            _check(hit_targets["edge, no access log"][0], "Hit")
            requests.get(edge_tls + HIT_PATH, timeout=10, verify=str(ca))  # its Host is another key
            _check(edge_tls + HIT_PATH, "Hit", ca)
            _check(edge_url + MISS_PATH, "Miss")
            hits = measure(hit_targets, HIT_CONNECTIONS)
            miss_targets: dict[str, tuple[str, int, str | None]] = {
                "origin": (origin_url + MISS_PATH, origin.pid, None),
                "edge": (edge_url + MISS_PATH, edge.pid, None)}
            if nginx is not None:
                _check(nginx[1] + MISS_PATH, "MISS")
                miss_targets["nginx"] = (nginx[1] + MISS_PATH, nginx[0].pid, None)
            misses = measure(miss_targets, MISS_CONNECTIONS)
        finally:
            if nginx is not None:
                nginx[0].terminate()
                nginx[0].wait(timeout=10)
            edge.stop()
            unlogged.stop()
            origin.stop()
    return summarize(machine, hits, misses)


def summarize(machine: dict[str, str], hits: dict[str, list[Round]],
              misses: dict[str, list[Round]]) -> dict[str, Any]:
    """Medians, spreads, paired ratios and verdicts from the measured rounds (no IO)."""
    def row(rounds: list[Round], by: str) -> dict[str, float | int | None]:
        key = (lambda r: r.per_core) if by == "per_core" else (lambda r: r.result.p50_ms)
        one = sorted(rounds, key=key)[len(rounds) // 2]  # the median round (odd count)
        r = one.result
        return {"rps": round(r.rps, 1), "per_core_rps": round(one.per_core, 1),
                "per_core_min": round(min(x.per_core for x in rounds), 1),
                "per_core_max": round(max(x.per_core for x in rounds), 1),
                "cpu_s": None if one.cpu_s is None else round(one.cpu_s, 2),
                "p50_ms": r.p50_ms, "p90_ms": r.p90_ms, "p99_ms": r.p99_ms,
                "p50_min": min(x.result.p50_ms for x in rounds), "p50_max": max(x.result.p50_ms for x in rounds),
                "requests": r.requests, "errors": sum(x.result.errors for x in rounds), "rounds": len(rounds)}

    result: dict[str, Any] = {
        "machine": machine,
        "hits": {name: row(r, "per_core") for name, r in hits.items()},
        "misses": {name: row(r, "p50") for name, r in misses.items()},
    }
    if "nginx" in hits:
        for key, name in (("hit_ratio_vs_nginx", "edge"), ("hit_ratio_vs_nginx_unique_heads",
                                                           "edge, every head different")):
            paired = [e.per_core / n.per_core for e, n in zip(hits[name], hits["nginx"])]
            result[key] = round(_median(paired), 3)
            result[key + "_spread"] = [round(min(paired), 3), round(max(paired), 3)]
        result["hit_target_met"] = result["hit_ratio_vs_nginx"] >= HIT_RATIO_TARGET
        if "nginx, TLS" in hits:
            paired = [e.per_core / n.per_core for e, n in zip(hits["edge, TLS"], hits["nginx, TLS"])]
            result["tls_hit_ratio_vs_nginx"] = round(_median(paired), 3)
            result["tls_hit_ratio_vs_nginx_spread"] = [round(min(paired), 3), round(max(paired), 3)]
    for event in FUNCTION_PATHS:
        name = f"edge, {event} function"
        if name in hits:  # CPU per request through the function minus without, round by round
            paired = [(1 / f.per_core - 1 / p.per_core) * 1e6 for f, p in zip(hits[name], hits["edge"])]
            result[f"function_cost_us_{event}"] = round(_median(paired), 1)
            result[f"function_cost_us_{event}_spread"] = [round(min(paired), 1), round(max(paired), 1)]
    if "function_cost_us_viewer-request" in result:
        result["function_target_met"] = max(result[f"function_cost_us_{e}"] for e in FUNCTION_PATHS) \
            <= FUNCTION_COST_US_TARGET
    if "edge, no access log" in hits:  # the log's CPU a hit, and its share of a hit's CPU
        paired = [(1 / e.per_core - 1 / u.per_core) * 1e6 for e, u in zip(hits["edge"], hits["edge, no access log"])]
        result["log_cost_us"] = round(_median(paired), 2)
        result["log_cost_us_spread"] = [round(min(paired), 2), round(max(paired), 2)]
        shares = [1 - e.per_core / u.per_core for e, u in zip(hits["edge"], hits["edge, no access log"])]
        result["log_cost_share"] = round(_median(shares), 3)
    if "edge, TLS" in hits:
        paired = [t.per_core / p.per_core for t, p in zip(hits["edge, TLS"], hits["edge"])]
        result["tls_hits_vs_plain"] = round(_median(paired), 3)
        result["tls_hits_vs_plain_spread"] = [round(min(paired), 3), round(max(paired), 3)]
    added = [e.result.p50_ms - o.result.p50_ms for e, o in zip(misses["edge"], misses["origin"])]
    result["miss_added_p50_ms"] = round(_median(added), 3)
    result["miss_added_p50_ms_spread"] = [round(min(added), 3), round(max(added), 3)]
    result["miss_target_met"] = result["miss_added_p50_ms"] <= MISS_ADDED_MS_TARGET
    if "nginx" in misses:
        added = [n.result.p50_ms - o.result.p50_ms for n, o in zip(misses["nginx"], misses["origin"])]
        result["nginx_miss_added_p50_ms"] = round(_median(added), 3)
        result["nginx_miss_added_p50_ms_spread"] = [round(min(added), 3), round(max(added), 3)]
    return result


def table(result: dict[str, Any]) -> str:
    """The Markdown table printed by ``python -m bench`` and kept in BENCHMARKS.md."""
    lines = ["| case | server | req/s | req per CPU-second (median; min-max of the rounds) | p50 ms "
             "(min-max) | p90 ms | p99 ms | errors |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for case, label in (("hits", "hit"), ("misses", "miss")):
        for name, r in result[case].items():
            lines.append(f"| {label} | {name} | {r['rps']:,.0f} | {r['per_core_rps']:,.0f} "
                         f"({r['per_core_min']:,.0f}-{r['per_core_max']:,.0f}) | "
                         f"{r['p50_ms']:.2f} ({r['p50_min']:.2f}-{r['p50_max']:.2f}) | {r['p90_ms']:.2f} | "
                         f"{r['p99_ms']:.2f} | {r['errors']} |")
    lines.append("")
    if "hit_ratio_vs_nginx" in result:
        lines.append(f"edge hits / nginx hits per core (requests per server CPU-second): "
                     f"**{result['hit_ratio_vs_nginx']:.2f}x** (rounds "
                     f"{result['hit_ratio_vs_nginx_spread'][0]:.2f}-{result['hit_ratio_vs_nginx_spread'][1]:.2f}), "
                     f"{result['hit_ratio_vs_nginx_unique_heads']:.2f}x with every request "
                     f"head different "
                     f"(target >= {HIT_RATIO_TARGET}x: "
                     f"{'met' if result['hit_target_met'] else 'NOT met'})")
    if "log_cost_us" in result:
        lines.append(f"the edge's access log, CPU per hit (edge with it minus the same edge without, round "
                     f"by round): **{result['log_cost_us']:.2f} us** (rounds {result['log_cost_us_spread'][0]:.2f} "
                     f"to {result['log_cost_us_spread'][1]:.2f}), {result['log_cost_share']:.0%} of a logged hit's CPU")
    if "tls_hits_vs_plain" in result:
        nginx_tls = (f"; edge TLS hits / nginx TLS hits per core **{result['tls_hit_ratio_vs_nginx']:.2f}x** "
                     f"(rounds {result['tls_hit_ratio_vs_nginx_spread'][0]:.2f}-"
                     f"{result['tls_hit_ratio_vs_nginx_spread'][1]:.2f})"
                     if "tls_hit_ratio_vs_nginx" in result else "")
        lines.append(f"edge hits over TLS / plain hits per core: **{result['tls_hits_vs_plain']:.2f}x** "
                     f"(rounds {result['tls_hits_vs_plain_spread'][0]:.2f}-"
                     f"{result['tls_hits_vs_plain_spread'][1]:.2f}){nginx_tls}")
    if "function_cost_us_viewer-request" in result:
        costs = "; ".join(f"{e} **{result[f'function_cost_us_{e}']:.1f} us** (rounds "
                          f"{result[f'function_cost_us_{e}_spread'][0]:.1f} to "
                          f"{result[f'function_cost_us_{e}_spread'][1]:.1f})" for e in FUNCTION_PATHS)
        lines.append(f"a trivial CloudFront function, edge CPU per hit beyond a plain hit: {costs} "
                     f"(target <= {FUNCTION_COST_US_TARGET:g} us: "
                     f"{'met' if result['function_target_met'] else 'NOT met'})")
    lines.append(f"edge miss p50 - origin p50: **{result['miss_added_p50_ms']:+.2f} ms** (rounds "
                 f"{result['miss_added_p50_ms_spread'][0]:+.2f} to {result['miss_added_p50_ms_spread'][1]:+.2f}) "
                 f"(target <= {MISS_ADDED_MS_TARGET} ms: "
                 f"{'met' if result['miss_target_met'] else 'NOT met'})")
    if "nginx_miss_added_p50_ms" in result:
        lines.append(f"nginx miss p50 - origin p50, the same requests: "
                     f"**{result['nginx_miss_added_p50_ms']:+.2f} ms** (rounds "
                     f"{result['nginx_miss_added_p50_ms_spread'][0]:+.2f} to "
                     f"{result['nginx_miss_added_p50_ms_spread'][1]:+.2f})")
    return "\n".join(lines)


def main() -> dict[str, Any]:
    if shutil.which("wrk") is None:
        print("note: wrk is not installed: the edge benchmark is skipped "
              "(make bench installs it when run as root)")
        return {}
    result = run()
    machine = result["machine"]
    print(f"machine: {machine['nproc']} CPUs, {machine['cpu']}, {machine['os']}; "
          f"load average {machine['load average']}")
    print("versions: " + ", ".join(f"{k} {machine[k]}" for k in
                                   ("python", "aiohttp", "uvloop", "gevent", "nginx", "wrk")))
    print(table(result))
    out = REPO_ROOT / ".bench"
    out.mkdir(exist_ok=True)
    (out / "edge.json").write_text(json.dumps(result, indent=1))
    return result
