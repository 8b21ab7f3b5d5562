"""Benchmark: edge cache hits against nginx at any cache size, and a failed-over miss.

Side by side in one run, wrk the one load generator, the server under test pinned to CPU 1
and wrk and the origins to CPU 0, both servers with their access log on (nginx with a
``log_format`` of the same 36 fields) and the same CloudFront response headers
(``X-Cache``, ``Via``, ``X-Amz-Cf-Pop``, ``X-Amz-Cf-Id``, ``Age``):

* **hits at scale**: 1, 10,000 and 200,000 distinct 1 KiB objects (each request picks one
  at random), at 32 and at 1,024 connections, after every object was fetched once through
  each server. Targets: edge >= 1.0x nginx per core, p99 <= 2x nginx's.
* **memory**: the edge's resident memory per cached object (RSS growth while the 200,000
  objects were stored, over their number).
* **the event loop**: the edge's longest block and its collector's pauses over the whole run
  (``GET /stats`` ``loop``). Target: no block longer than 1 ms.
* **failed-over misses**: ``/api/*`` (``no-store``) with the primary origin answering 503, so
  every request goes to the primary and then to the secondary: the edge's origin group
  against nginx's ``proxy_next_upstream http_503`` to a backup server, 8 connections, CPU
  per request. Target: edge <= 1.5x nginx.

Each figure is the median of 3 alternating rounds of 3 s with the spread beside it; each
ratio the median of the ratios paired round by round. About 5 minutes, most of it fetching
400,000 objects from the origin (one Flask process) to fill both caches.

    python -m bench scale
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.cpu import cpu_seconds
from bench.edge_bench import _free_port, _median, _wait_listening
from bench.machine import describe
from bench.wrk import WrkResult, pinned, run_wrk
from origins.client import OriginControl
from scenarios.stack.procs import REPO_ROOT, Child, python_module_argv, start

SERVER_CPU, LOAD_CPU = 1, 0
ROUND_S, ROUNDS = 3.0, 3
OBJECT_COUNTS = (1, 10_000, 200_000)
CONNECTIONS = (32, 1024)
FAILOVER_CONNECTIONS = 8
RATIO_TARGET, P99_FACTOR, FAILOVER_CPU_FACTOR, BLOCK_MS_TARGET = 1.0, 2.0, 1.5, 1.0
WARM_RATE = 2000  # objects a second the origin serves while the caches fill (for wrk's -d)

# Tabs are real tab characters: nginx writes them as they are.
NGINX_CONF = """worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
  log_format cloudfront '$time_iso8601\t$server_addr\t$bytes_sent\t$remote_addr\t$request_method\t'
    '$host\t$uri\t$status\t$http_referer\t$http_user_agent\t$args\t$http_cookie\t'
    '$upstream_cache_status\t$request_id\t$host\t$scheme\t$request_length\t$request_time\t'
    '$http_x_forwarded_for\t$ssl_protocol\t$ssl_cipher\t$upstream_cache_status\t$server_protocol\t'
    '-\t-\t$remote_port\t$request_time\t$upstream_cache_status\t$sent_http_content_type\t'
    '$sent_http_content_length\t-\t-\t$upstream_addr\t$upstream_status\t-';
  access_log {dir}/access.log cloudfront;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  proxy_cache_path {dir}/cache levels=1:2 keys_zone=bench:64m max_size=2g inactive=1h;
  upstream origin {{ server {primary}; keepalive 32; }}
  upstream group {{ server {primary} max_fails=0; server {secondary} backup; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    add_header Via "1.1 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)";
    add_header X-Amz-Cf-Pop EMU50-C1;
    add_header X-Amz-Cf-Id $request_id;
    add_header Age 0;
    add_header X-Cache $upstream_cache_status;
    location /static/ {{
      proxy_pass http://origin;
      proxy_cache bench;
      proxy_cache_valid 200 1h;
    }}
    location /api/ {{
      proxy_pass http://group;
      proxy_next_upstream error timeout http_503;
    }}
  }}
}}
"""


def _lua(directory: Path, name: str, body: str) -> str:
    path = directory / name
    path.write_text(body)
    return str(path)


def random_objects_lua(count: int) -> str:
    """Each request one of ``count`` objects at random (one object: always the same)."""
    return f"request = function() return wrk.format(nil, '/static/o' .. math.random({count}) .. '-1024') end\n"


def every_object_lua(count: int) -> str:
    """Objects 1..count in turn, then again (to fill a cache)."""
    return (f"local i = 0\nrequest = function() i = i % {count} + 1; "
            "return wrk.format(nil, '/static/o' .. i .. '-1024') end\n")


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def start_servers(directory: Path) -> tuple[Child, Child, Child, subprocess.Popen[bytes], str]:
    """Two origins (CPU 0), the edge on distributions/default.json and nginx (CPU 1)."""
    primary = start("primary", pinned(LOAD_CPU, python_module_argv(
        "origins", "--id", "primary", "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0")))
    secondary = start("secondary", pinned(LOAD_CPU, python_module_argv(
        "origins", "--id", "secondary", "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0")))
    a, b = primary.ready["listen"], secondary.ready["listen"]
    edge = start("edge", pinned(SERVER_CPU, python_module_argv(
        "edge", "--config", str(REPO_ROOT / "distributions" / "default.json"), "--listen", "127.0.0.1:0",
        "--admin", "127.0.0.1:0", "--origin", f"primary={a}", "--origin", f"secondary={b}",
        "--access-log", str(directory / "edge-access.log"))))
    port = _free_port()
    directory.chmod(0o777)  # nginx started as root runs its worker as 'nobody'
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=directory, primary=a, secondary=b, port=port))
    nginx = subprocess.Popen(pinned(SERVER_CPU, ["nginx", "-c", str(conf), "-p", str(directory)]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_listening(port, nginx)
    return primary, secondary, edge, nginx, f"http://127.0.0.1:{port}"


def _round(url: str, pid: int, connections: int, script: str | None) -> tuple[WrkResult, float | None]:
    before = cpu_seconds(pid)
    result = run_wrk(url, ROUND_S, connections, LOAD_CPU, script)
    after = cpu_seconds(pid)
    return result, (after - before if before is not None and after is not None else None)


def _summary(rounds: list[tuple[WrkResult, float | None]]) -> dict[str, Any]:
    per_core = [r.requests / cpu if cpu else r.rps for r, cpu in rounds]
    return {"per_core_rps": round(_median(per_core), 1), "per_core_min": round(min(per_core), 1),
            "per_core_max": round(max(per_core), 1), "rps": round(_median([r.rps for r, _ in rounds]), 1),
            "p50_ms": _median([r.p50_ms for r, _ in rounds]), "p99_ms": _median([r.p99_ms for r, _ in rounds]),
            "p99_max_ms": max(r.p99_ms for r, _ in rounds), "errors": sum(r.errors for r, _ in rounds),
            "max_ms": max((r.max_ms for r, _ in rounds if r.max_ms is not None), default=None),
            "requests_total": sum(r.requests for r, _ in rounds),
            "us_per_request": round(_median([cpu / r.requests * 1e6 for r, cpu in rounds if cpu]), 1)
            if all(cpu for _, cpu in rounds) else None}


def _paired(a: list[tuple[WrkResult, float | None]], b: list[tuple[WrkResult, float | None]]) -> list[float]:
    def core(x: tuple[WrkResult, float | None]) -> float:
        return x[0].requests / x[1] if x[1] else x[0].rps
    return [core(x) / core(y) for x, y in zip(a, b)]


def run() -> dict[str, Any]:
    machine = describe()
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        directory = Path(tmp)
        primary, secondary, edge, nginx, nginx_url = start_servers(directory)
        edge_url = f"http://{edge.ready['listen']}"
        servers = {"edge": (edge_url, edge.pid), "nginx": (nginx_url, nginx.pid)}
        cases: dict[str, Any] = {}
        memory: dict[str, Any] = {}
        try:
            warmed = 0
            for count in OBJECT_COUNTS:
                if count > warmed:  # fill both caches with objects 1..count
                    rss = _rss_bytes(edge.pid)
                    warm = _lua(directory, f"warm-{count}.lua", every_object_lua(count))
                    for url, _pid in servers.values():
                        run_wrk(url + "/", max(2.0, count / WARM_RATE), 32, LOAD_CPU, warm)
                    if count == max(OBJECT_COUNTS):
                        memory = {"objects": count, "edge_rss_growth_bytes": _rss_bytes(edge.pid) - rss,
                                  "edge_cache_objects": _stats(edge)["cache_objects"]}
                    warmed = count
                _check_hits(servers, count)
                script = _lua(directory, f"random-{count}.lua", random_objects_lua(count))
                for connections in CONNECTIONS:
                    rounds: dict[str, list[tuple[WrkResult, float | None]]] = {name: [] for name in servers}
                    blocks = _stats(edge)["loop"]["blocks_over_1ms"]
                    for _ in range(ROUNDS):
                        for name, (url, pid) in servers.items():
                            rounds[name].append(_round(url + "/", pid, connections, script))
                    ratios = _paired(rounds["edge"], rounds["nginx"])
                    cases[f"{count}/{connections}"] = {
                        "objects": count, "connections": connections,
                        "edge_blocks_over_1ms": _stats(edge)["loop"]["blocks_over_1ms"] - blocks,
                        **{name: _summary(r) for name, r in rounds.items()},
                        "ratio": round(_median(ratios), 3), "ratio_spread": [round(min(ratios), 3),
                                                                             round(max(ratios), 3)]}
            loop = _stats(edge)["loop"]
            failover = _failover(primary, servers)
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
            edge.stop()
            primary.stop()
            secondary.stop()
    return summarize(machine, cases, memory, loop, failover)


def _stats(edge: Child) -> dict[str, Any]:
    response = requests.get(f"http://{edge.ready['admin']}/stats", timeout=10,
                            headers={"Authorization": f"Bearer {edge.ready['token']}"})
    response.raise_for_status()
    return dict(response.json())


def _check_hits(servers: dict[str, tuple[str, int]], count: int) -> None:
    """Fail loudly when an object is not a hit where the benchmark assumes one."""
    for n in {1, count // 2 or 1, count}:
        for name, (url, _pid) in servers.items():
            # wrk sends no Accept-Encoding: neither must this check, or it reads another variant.
            got = requests.get(f"{url}/static/o{n}-1024", timeout=10, headers={"Accept-Encoding": "identity"})
            if "hit" not in got.headers.get("X-Cache", "").lower():
                raise RuntimeError(f"{name}: /static/o{n}-1024 is not a hit after warming "
                                   f"(X-Cache {got.headers.get('X-Cache')!r})")


def _failover(primary: Child, servers: dict[str, tuple[str, int]]) -> dict[str, Any]:
    """Every /api/ request answered 503 by the primary and 200 by the secondary."""
    control = OriginControl(f"http://{primary.ready['control']}", token=str(primary.ready["token"]))
    control.add_fault(type="status", status=503, paths="/api/*")
    try:
        for name, (url, _pid) in servers.items():
            got = requests.get(url + "/api/bench", timeout=10)
            if got.status_code != 200 or "secondary" not in got.text:
                raise RuntimeError(f"{name}: /api/bench did not fail over ({got.status_code} {got.text[:80]!r})")
        rounds: dict[str, list[tuple[WrkResult, float | None]]] = {name: [] for name in servers}
        for _ in range(ROUNDS):
            for name, (url, pid) in servers.items():
                rounds[name].append(_round(url + "/api/bench", pid, FAILOVER_CONNECTIONS, None))
    finally:
        control.reset()
    return {name: _summary(r) for name, r in rounds.items()}


def summarize(machine: dict[str, str], cases: dict[str, Any], memory: dict[str, Any],
              loop: dict[str, Any], failover: dict[str, Any]) -> dict[str, Any]:
    """Verdicts over the measured figures (no IO)."""
    for case in cases.values():
        case["ratio_met"] = case["ratio"] >= RATIO_TARGET
        case["p99_met"] = case["edge"]["p99_ms"] <= P99_FACTOR * case["nginx"]["p99_ms"]
    if memory.get("objects"):
        memory["edge_bytes_per_object"] = round(memory["edge_rss_growth_bytes"] / memory["objects"])
    cpu_ratio = None
    if failover["edge"]["us_per_request"] and failover["nginx"]["us_per_request"]:
        cpu_ratio = round(failover["edge"]["us_per_request"] / failover["nginx"]["us_per_request"], 2)
    return {"machine": machine, "cases": cases, "memory": memory, "loop": loop,
            "failover": {**failover, "cpu_ratio": cpu_ratio,
                         "met": cpu_ratio is not None and cpu_ratio <= FAILOVER_CPU_FACTOR},
            "block_met": loop["longest_block_ms"] <= BLOCK_MS_TARGET}


def table(result: dict[str, Any]) -> str:
    """The Markdown printed by ``python -m bench scale`` and kept in BENCHMARKS.md."""
    lines = ["| objects | connections | server | req per CPU-second (median; min-max) | req/s | p50 ms | "
             "p99 ms (median; max) | longest wait ms | errors | edge / nginx per core (rounds) | p99 <= 2x |",
             "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for case in result["cases"].values():
        for name in ("edge", "nginx"):
            r = case[name]
            verdicts = (f"**{case['ratio']:.2f}x** ({case['ratio_spread'][0]:.2f}-{case['ratio_spread'][1]:.2f}) | "
                        f"{'yes' if case['p99_met'] else 'no'}") if name == "edge" else " | "
            lines.append(f"| {case['objects']:,} | {case['connections']:,} | {name} | {r['per_core_rps']:,.0f} "
                         f"({r['per_core_min']:,.0f}-{r['per_core_max']:,.0f}) | {r['rps']:,.0f} | "
                         f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f}; {r['p99_max_ms']:.2f} | {_ms(r.get('max_ms'))} | "
                         f"{r['errors']} | {verdicts} |")
    lines.append("")
    memory = result["memory"]
    if memory.get("objects"):
        lines.append(f"edge memory: **{memory['edge_bytes_per_object']:,} bytes per cached 1 KiB object** "
                     f"(RSS +{memory['edge_rss_growth_bytes'] / 2**20:,.0f} MiB for {memory['objects']:,} objects; "
                     f"{memory['edge_cache_objects']:,} in the cache)")
    loop = result["loop"]
    pauses = ", ".join(f"{g} {v['collections']:,} collections, longest {v['longest_ms']:.1f} ms "
                       f"({v['longest_cpu_ms']:.1f} ms of CPU)" for g, v in loop["gc"].items())
    lines.append("edge event loop runs longer than 1 ms during the measured rounds: " + ", ".join(
        f"{c['objects']:,} object{'s' if c['objects'] != 1 else ''} at c{c['connections']:,}: "
        f"{c['edge_blocks_over_1ms']:,} of "
        f"{c['edge']['requests_total']:,} requests" for c in result["cases"].values()))
    lines.append(f"edge event loop over the whole run: longest block **{loop['longest_block_ms']:.1f} ms** "
                 f"(in {loop['longest_block_in'] or '-'}; target <= {BLOCK_MS_TARGET:g} ms: "
                 f"{'met' if result['block_met'] else 'NOT met'}; {loop['blocks_over_1ms']:,} runs over 1 ms, "
                 f"filling included); collector: {pauses}; {loop['gc_freezes']} freezes, "
                 f"{loop['gc_frozen_objects']:,} objects frozen; {loop['idle_collections']} full collections, "
                 f"all while idle (longest {loop['idle_collection_longest_ms']:.1f} ms)")
    longest = {name: max((c[name].get("max_ms") or 0.0 for c in result["cases"].values()
                          if c["connections"] == min(CONNECTIONS)), default=0.0) for name in ("edge", "nginx")}
    if all(longest.values()):  # a stall the machine makes (kernel, other threads) holds up nginx's viewers too
        lines.append(f"the longest any viewer waited for a hit at c{min(CONNECTIONS)} (wrk's Max): "
                     f"edge {longest['edge']:.1f} ms, nginx {longest['nginx']:.1f} ms")
    failover = result["failover"]
    lines.append(f"failed-over miss (primary 503, then secondary; {FAILOVER_CONNECTIONS} connections): edge "
                 f"{failover['edge']['us_per_request']} us of CPU a request ({failover['edge']['rps']:,.0f} req/s, "
                 f"p50 {failover['edge']['p50_ms']:.2f} ms), nginx {failover['nginx']['us_per_request']} us "
                 f"({failover['nginx']['rps']:,.0f} req/s, p50 {failover['nginx']['p50_ms']:.2f} ms): "
                 f"**{failover['cpu_ratio']}x** (target <= {FAILOVER_CPU_FACTOR}x: "
                 f"{'met' if failover['met'] else 'NOT met'})")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> dict[str, Any]:
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            print(f"note: {tool} is not installed: the scale benchmark is skipped "
                  "(make bench installs wrk and nginx-light when run as root)")
            return {}
    started = time.monotonic()
    result = run()
    print(table(result))
    print(f"({time.monotonic() - started:.0f} s)")
    out = REPO_ROOT / ".bench"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(json.dumps(result, indent=1))
    return result
