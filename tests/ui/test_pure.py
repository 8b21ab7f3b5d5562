"""Pure parts of the chaos panel and of multi-process load: no sockets, no processes."""

from __future__ import annotations

import pytest

from locustfiles.chaos_panel import describe_fault, table_rows
from locustfiles.live_stats import LiveStats
from locustfiles.request_log import COLUMNS
from scenarios.run.workers import locust_worker_args, parse_master_bind
from scenarios.ui.session import PanelError, parse_step_request

ORIGINS = ("primary", "secondary")


def row(ts: float, x_cache: str, origin: str, ok: int = 1, status: int = 200) -> tuple:
    values = {"ts": f"{ts:.6f}", "latency_ms": "1.0", "method": "GET", "name": "/static/[obj]",
              "status": status, "ok": ok, "bytes": 10, "x_cache": x_cache, "origin": origin,
              "pop": "EMU50-C1", "user": "Viewer", "error": ""}
    return tuple(values[c] for c in COLUMNS)


def test_live_stats_hit_ratio_and_miss_share_follow_the_window() -> None:
    live = LiveStats(window_s=10)
    # t 0..9: primary answers the misses; 3 hits for each miss
    live.add([row(t, "Miss", "primary") for t in range(10)])
    live.add([row(t + 0.5, "Hit", "primary") for t in range(10) for _ in range(3)])
    snap = live.snapshot(now=10.0)
    assert snap["window"]["hit_ratio"] == 0.75
    assert snap["window"]["miss_share"] == {"primary": 1.0}
    # t 10..19: the primary fails over; misses come from the secondary, errors count apart
    live.add([row(t, "Miss", "secondary") for t in range(10, 20)])
    live.add([row(15.0, "Error", "", ok=0, status=502)])
    snap = live.snapshot(now=20.5)
    assert snap["window"]["miss_share"] == {"secondary": 1.0}  # old rows left the window
    assert snap["window"]["errors"] == 1 and snap["window"]["hit_ratio"] == 0.0
    assert snap["miss_share"] == {"primary": 0.5, "secondary": 0.5}  # the whole run
    assert snap["requests"] == 10 + 30 + 10 + 1 and snap["errors"] == 1
    assert snap["hit_ratio"] == pytest.approx(30 / 50)


def test_live_stats_empty_has_no_ratio() -> None:
    snap = LiveStats().snapshot(now=0.0)
    assert snap["hit_ratio"] is None and snap["window"]["rps"] == 0.0 and snap["miss_share"] == {}


@pytest.mark.parametrize(("body", "error"), [
    ([], "body: expected a JSON object"),
    ({"action": "explode", "target": "primary"}, "action: unknown 'explode' (known: "),
    ({"action": "kill", "target": "tertiary"}, "target: unknown origin 'tertiary' (known: primary, secondary)"),
    ({"action": "kill"}, "target: unknown origin None"),
    ({"action": "fault", "target": "primary", "params": {"type": "latncy"}}, "params.type: unknown fault 'latncy'"),
    ({"action": "fault", "target": "primary", "params": {"type": "status"}}, "params.status: required, an integer 100..599"),
    ({"action": "fault", "target": "primary", "params": "status"}, "params: expected a JSON object"),
    ({"action": "clear", "target": "primary", "params": {"name": 3}}, "params: clear takes only an optional fault 'name'"),
    ({"action": "kill", "target": "primary", "params": {"signal": 9}}, "params: kill takes none"),
    ({"action": "invalidate", "params": {"paths": ["static/*"]}}, "params.paths: expected paths starting with '/'"),
    ({"action": "invalidate"}, "params.paths: expected paths"),
    ({"action": "fault", "target": "edge", "params": {"function": "f", "type": "explode"}},
     'params: an edge fault is {"function": NAME, "type": throw | slow | budget | invalid}'),
])
def test_step_requests_are_refused_with_the_field_named(body: object, error: str) -> None:
    with pytest.raises(PanelError) as caught:
        parse_step_request(body, ORIGINS, t=1.0)
    assert caught.value.status == 400
    assert str(caught.value).startswith(error), str(caught.value)


def test_step_requests_become_scenario_steps() -> None:
    fault = parse_step_request({"action": "fault", "target": "primary",
                                "params": {"type": "status", "status": 503, "probability": 0.5}},
                               ORIGINS, t=12.5, index=3)
    assert (fault.action, fault.target, fault.at_s, fault.index) == ("fault", "primary", 12.5, 3)
    assert fault.to_dict() == {"at": 12.5, "fault": {"target": "primary", "type": "status",
                                                     "status": 503, "probability": 0.5}}
    clear = parse_step_request({"action": "clear", "target": "primary", "params": {"name": ""}}, ORIGINS, 2)
    assert clear.params == {}  # an empty name means every fault (POST /reset)
    edge = parse_step_request({"action": "invalidate", "params": {"paths": "/a /b/*"}}, ORIGINS, 3)
    assert (edge.target, edge.params) == ("edge", {"paths": ["/a", "/b/*"]})
    broken = parse_step_request({"action": "fault", "target": "edge", "params": {"function": "f", "type": "throw"}},
                                ORIGINS, 4)
    assert broken.to_dict() == {"at": 4, "fault": {"target": "edge", "function": "f", "type": "throw"}}
    fixed = parse_step_request({"action": "clear", "target": "edge"}, ORIGINS, 5)
    assert (fixed.action, fixed.target, fixed.params) == ("clear", "edge", {})


def test_fault_descriptions_and_table_rows() -> None:
    fault = {"name": "status-2", "type": "status", "status": 503, "probability": 0.5,
             "paths": ["/api/*"], "body": None, "headers": {}, "retry": 2}
    assert describe_fault(fault) == "status-2: status 503 retry=2 p=0.5 /api/*"
    assert describe_fault({"name": "hang", "type": "hang", "probability": 1.0, "paths": None}) == "hang: hang"
    session = {"origins": [{"id": "primary", "state": "faulted", "faults": [fault]},
                           {"id": "secondary", "state": "up", "faults": []}],
               "edge": {"alive": True}}
    live = {"hit_ratio": 0.8, "miss_share": {"primary": 0.75, "secondary": 0.25},
            "window": {"hit_ratio": 0.5, "miss_share": {"secondary": 1.0}, "rps": 12.5, "errors": 2}}
    rows = table_rows(session, live)
    assert [r["origin"] for r in rows] == ["primary", "secondary", "edge (all requests)"]
    assert rows[0]["share"] == "0.0%" and rows[1]["share"] == "100.0%" and rows[0]["runshare"] == "75.0%"
    assert rows[0]["faults"].startswith("status-2: status 503") and rows[1]["faults"] == "-"
    assert rows[2]["hitratio"] == "50.0%" and rows[2]["runhitratio"] == "80.0%"
    assert rows[2]["faults"] == "12.5 req/s, 2 errors (10 s)"
    # the launcher unreachable: the origins seen in the traffic still get a row
    assert [r["origin"] for r in table_rows(None, live)][:2] == ["primary", "secondary"]


@pytest.mark.parametrize(("text", "expected"), [
    ("0.0.0.0:5557", ("0.0.0.0", 5557)),
    (":6000", ("127.0.0.1", 6000)),
    ("6000", ("127.0.0.1", 6000)),
])
def test_master_bind_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_master_bind(text) == expected


@pytest.mark.parametrize(("text", "error"), [
    ("host:port", "expected HOST:PORT"),
    ("1.2.3.4:0", "port must be within 1..65535"),
])
def test_bad_master_bind_addresses(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_master_bind(text)


def test_worker_arguments() -> None:
    assert locust_worker_args(0) == []
    local = locust_worker_args(2)
    assert local[:2] == ["--processes", "2"]
    assert local[local.index("--master-bind-host") + 1] == "127.0.0.1"  # loopback unless told otherwise
    port = local[local.index("--master-bind-port") + 1]
    assert local[local.index("--master-port") + 1] == port and int(port) > 0
    remote = locust_worker_args(0, "0.0.0.0:5557")
    assert remote == ["--master", "--master-bind-host", "0.0.0.0", "--master-bind-port", "5557",
                      "--master-port", "5557"]
    with pytest.raises(ValueError, match="within 0..64"):
        locust_worker_args(65)


def test_live_now_series_and_failover() -> None:
    live = LiveStats(window_s=10)
    # 100..104: the primary serves the misses; the fault starts at 105.0; from 105.2 the
    # secondary does (each miss takes 30 ms).
    live.add([row(t / 10, "Miss", "primary") for t in range(1000, 1050)])
    live.add([row(t / 10, "Miss", "secondary") for t in range(1052, 1080)])
    live.watch("0", 105.0, "primary")  # learnt after the rows: they count
    snap = live.snapshot(now=108.6)  # last complete second: [106, 107)
    assert snap["now"]["ts"] == 106 and snap["now"]["miss_share"] == {"secondary": 1.0}
    assert snap["now"]["requests"] == 10
    assert [p["ts"] for p in snap["series"]] == [100, 101, 102, 103, 104, 105, 106]  # 105.0: an edge already
    assert snap["series"][4]["miss_share"] == {"primary": 1.0}
    # A fault edge inside a second cuts its bin: nothing from after the edge is drawn before it.
    live.cut(106.5)
    bins = live.snapshot(now=108.6)["series"]
    assert [(b["ts"], b["te"], b["requests"], b["rps"]) for b in bins[-2:]] == [
        (106.0, 106.5, 5, 10.0), (106.5, 107.0, 5, 10.0)]
    assert snap["failover"] == {"0": 0.201}  # 105.2 sent + 1 ms (row latency) - 105.0
    # The numbers hold still for a frozen clock: the same snapshot twice.
    assert live.snapshot(now=108.6)["now"] == snap["now"]
