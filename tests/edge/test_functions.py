"""CloudFront Functions: the runtime (QuickJS) and event shapes as pure tests, then a real edge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from edge.compute.events import generated_response, new_request, request_event, response_part
from edge.compute.functions import CloudFrontFunction, FunctionError, FunctionLoadError, load_store
from edge.compute.runtime import KEPT_EVENT_CHARS
from tests.edge import configs
from tests.edge.conftest import EdgeFactory, RunningOrigin

HERE = Path(__file__).parent / "functions"
ARN = "arn:aws:cloudfront::123456789012:function/"


def _function(tmp_path: Path, code: str, stores: dict[str, dict[str, str]] | None = None,
              budget_ms: float = 5.0) -> CloudFrontFunction:
    path = tmp_path / "f.js"
    path.write_text(code)
    return CloudFrontFunction("f", path, stores or {}, budget_ms)


def _event(uri: str = "/a", **request: Any) -> dict[str, Any]:
    return request_event("viewer-request", "GET", uri, tuple(request.get("headers", ())), "192.0.2.1",
                         "rid==", "d.test")


# -- the event and the answer, as documented ---------------------------------------------------
def test_the_request_event_shape() -> None:
    event = request_event("viewer-request", "GET", "/p?a=1&a=2&b=",
                          (("Host", "d.test"), ("Accept", "x/y"), ("Cookie", "s=1; t=2"), ("X-Multi", "1"),
                           ("X-Multi", "2")), "192.0.2.1", "rid==", "d.test")
    assert event["version"] == "1.0" and event["viewer"] == {"ip": "192.0.2.1"}
    assert event["context"]["eventType"] == "viewer-request" and event["context"]["requestId"] == "rid=="
    request = event["request"]
    assert request["method"] == "GET" and request["uri"] == "/p"
    assert request["querystring"] == {"a": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]},
                                      "b": {"value": ""}}
    assert request["headers"]["accept"] == {"value": "x/y"} and "cookie" not in request["headers"]
    assert request["headers"]["x-multi"]["multiValue"] == [{"value": "1"}, {"value": "2"}]
    assert request["cookies"] == {"s": {"value": "1"}, "t": {"value": "2"}}


def test_the_response_part_shape() -> None:
    part = response_part(200, "OK", (("Content-Type", "text/plain"), ("Set-Cookie", "id=7; Path=/; Secure")))
    assert part["statusCode"] == 200 and part["statusDescription"] == "OK"
    assert part["headers"] == {"content-type": {"value": "text/plain"}}
    assert part["cookies"]["id"]["value"] == "7" and "Path=/" in part["cookies"]["id"]["attributes"]


def test_a_returned_request_keeps_the_viewers_host_and_rebuilds_query_and_cookies() -> None:
    changed = new_request({"uri": "/b", "querystring": {"q": {"value": "a b"}},
                           "headers": {"host": {"value": "evil.test"}, "x-a": {"value": "1"}},
                           "cookies": {"s": {"value": "1"}}}, (("Host", "d.test"),))
    assert changed.raw_path == "/b?q=a%20b"
    assert changed.headers == (("Host", "d.test"), ("x-a", "1"), ("cookie", "s=1"))


@pytest.mark.parametrize(("result", "message"), [
    ({"uri": "b"}, "must begin with '/'"),
    (42, "returns the request"),
    ({"uri": "/b", "headers": {"x": "plain"}}, "request.headers.x must be {value: string}"),
])
def test_an_invalid_request_is_a_validation_error(result: Any, message: str) -> None:
    with pytest.raises(FunctionError, match=message) as caught:
        new_request(result, ())
    assert (caught.value.detailed, caught.value.status) == ("FunctionValidationError", 502)


def test_a_generated_response() -> None:
    answer = generated_response({"statusCode": 302, "headers": {"location": {"value": "/x"}},
                                 "cookies": {"a": {"value": "1", "attributes": "Secure"}},
                                 "body": {"data": "aGk=", "encoding": "base64"}})
    assert answer.status == 302 and answer.body == b"hi"
    assert answer.headers == (("location", "/x"), ("set-cookie", "a=1; Secure"))
    with pytest.raises(FunctionError, match="statusCode 99"):
        generated_response({"statusCode": 99})


# -- the runtime ------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "detailed"), [
    ("function handler(e) { throw new Error('no'); }", "FunctionExecutionError"),
    ("function handler(e) { return eval('1'); }", "FunctionExecutionError"),
    ("function handler(e) { return new Function('return 1')(); }", "FunctionExecutionError"),
    ("function handler(e) { setTimeout(function () {}, 1); return e.request; }", "FunctionExecutionError"),
    ("function handler(e) { require('fs'); return e.request; }", "FunctionExecutionError"),
    ("function handler(e) { console.log('a', 'b'); return e.request; }", "FunctionExecutionError"),
    ("function handler(e) { undeclared = 1; return e.request; }", "FunctionExecutionError"),  # strict mode
    ("function handler(e) { while (true) {} }", "FunctionThrottledError"),
    ("function handler(e) { var a = []; while (true) a.push('x' + a.length); }", None),  # memory or budget
])
def test_the_runtimes_restrictions(tmp_path: Path, code: str, detailed: str | None) -> None:
    with pytest.raises(FunctionError) as caught:
        _function(tmp_path, code).run(_event())
    assert caught.value.status == 503
    if detailed is not None:
        assert caught.value.detailed == detailed, caught.value
    else:  # 2 MB of memory or the CPU budget, whichever the loop meets first
        assert caught.value.detailed in ("FunctionExecutionError", "FunctionThrottledError")


def test_date_now_is_one_value_for_the_whole_run_and_async_handlers_finish(tmp_path: Path) -> None:
    code = """async function handler(e) {
      var a = Date.now(); for (var i = 0; i < 20000; i++) {} await null;
      e.request.headers['x-same'] = {value: String(a === Date.now())}; return e.request; }"""
    result = _function(tmp_path, code).run(_event()).result
    assert result["headers"]["x-same"] == {"value": "true"}


def test_the_key_value_store(tmp_path: Path) -> None:
    code = """import cf from 'cloudfront';
    async function handler(e) {
      var kvs = cf.kvs(), r = e.request;
      r.headers['x-s'] = {value: await kvs.get('s')};
      r.headers['x-j'] = {value: String((await kvs.get('j', {format: 'json'})).n)};
      r.headers['x-e'] = {value: String(await kvs.exists('nope'))};
      r.headers['x-n'] = {value: String((await kvs.meta()).keyCount)};
      try { await kvs.get('nope'); } catch (err) { r.headers['x-missing'] = {value: String(err)}; }
      return r; }"""
    headers = _function(tmp_path, code, {"store": {"s": "text", "j": '{"n": 7}'}}).run(_event()).result["headers"]
    assert headers["x-s"]["value"] == "text" and headers["x-j"]["value"] == "7"
    assert headers["x-e"]["value"] == "false" and headers["x-n"]["value"] == "2"
    assert "KeyNotFound" in headers["x-missing"]["value"]


def test_what_cannot_be_loaded_is_refused_with_the_file(tmp_path: Path) -> None:
    with pytest.raises(FunctionLoadError, match="FunctionSizeLimitExceeded"):
        _function(tmp_path, "function handler(e) { return e.request; }\n//" + "x" * 10240)
    with pytest.raises(FunctionLoadError, match="SyntaxError"):
        _function(tmp_path, "function handler(e) { return e.request; ")
    with pytest.raises(FunctionLoadError, match="defines no function handler"):
        _function(tmp_path, "function other(e) {}")
    with pytest.raises(FunctionLoadError, match="imports 'crypto'"):
        _function(tmp_path, "import c from 'crypto';\nfunction handler(e) { return e.request; }")
    (tmp_path / "big.json").write_text(json.dumps({"k": "v" * 1025}))
    with pytest.raises(FunctionLoadError, match="values 1024"):
        load_store(str(tmp_path / "big.json"))


# -- events kept between runs: what one run does never reaches another --------------------------
def _runs(function: CloudFrontFunction, event: dict[str, Any], times: int) -> list[Any]:
    """``times`` runs of one kept event (the same key and JSON, as the edge gives them)."""
    text = json.dumps(event)
    return [function.run(event, text, f"rid-{n}", key=7) for n in range(times)]


@pytest.mark.parametrize("guard", ["", "try { } catch (err) { }"], ids=["frozen", "parsed-each-time"])
def test_a_run_that_starts_writing_to_a_kept_event_gets_its_own(tmp_path: Path, guard: str) -> None:
    # The third run writes to the request the first two left alone. Whether the engine shares
    # a frozen copy (code that cannot tell) or parses the event again, the third and fourth
    # runs see the write and the first two do not; the caller's event is never changed.
    code = ("var n = 0;\nfunction handler(e) { n++; " + guard +
            " if (n >= 3) e.request.headers['x-n'] = {value: 'late'}; return e.request; }\n")
    event = _event("/kept")
    before = json.dumps(event)
    runs = _runs(_function(tmp_path, code), event, 5)
    assert [r.unchanged for r in runs] == [True, True, False, False, False]
    assert [r.result["headers"].get("x-n") for r in runs[2:]] == [{"value": "late"}] * 3
    assert json.dumps(event) == before


@pytest.mark.parametrize("guard", ["", "try { } catch (err) { }"], ids=["frozen", "parsed-each-time"])
def test_a_kept_event_is_new_at_the_top_and_in_its_context_every_run(tmp_path: Path, guard: str) -> None:
    # Each run logs what it found; from the second on (once the first left the event as it
    # came, so it is kept) it also scribbles on everything but the request it returns.
    code = ("var n = 0;\nfunction handler(e) { " + guard + " console.log(JSON.stringify(\n"
            "  [e.extra, e.version, e.context.mark, e.context.requestId, e.viewer.mark, e.viewer.ip]));\n"
            "  if (++n >= 2) { e.extra = 1; e.version = 'x'; e.context.mark = 1; e.viewer.mark = 1;\n"
            "    e.viewer.ip = '0'; }\n"
            "  return e.request; }\n")
    runs = _runs(_function(tmp_path, code), _event("/ctx"), 4)
    assert [r.logs for r in runs] == [[f'[null,"1.0",null,"rid-{n}",null,"192.0.2.1"]'] for n in range(4)]


def test_a_viewer_response_run_sees_the_request_as_the_viewer_sent_it(tmp_path: Path) -> None:
    # A run that changes the event's request (which a viewer-response function cannot send)
    # must not hand that change to the next run with the same head.
    code = ("function handler(e) { var was = e.request.uri; e.request.uri = '/changed';\n"
            "  e.response.headers['x-was'] = {value: was}; return e.response; }\n")
    event = request_event("viewer-response", "GET", "/orig", (("Host", "d.test"),), "192.0.2.1", "", "d.test")
    event["response"] = response_part(200, "OK", (("Content-Type", "text/plain"),))
    runs = _runs(_function(tmp_path, code), event, 3)
    assert [r.result["headers"]["x-was"]["value"] for r in runs] == ["/orig"] * 3


def test_kept_events_are_bounded_and_a_forgotten_one_is_asked_for_again(tmp_path: Path) -> None:
    # 3,000 heads of about 1 KB each are far more than the engine keeps (KEPT_EVENT_CHARS):
    # none runs out of the function's memory, and the first, long forgotten, still runs.
    function = _function(tmp_path, "function handler(e) { return e.request; }\n")
    events = [_event(f"/e{n}", headers=(("X-Pad", "p" * 900),)) for n in range(3000)]
    texts = [json.dumps(e) for e in events]
    assert sum(map(len, texts)) > 40 * KEPT_EVENT_CHARS
    runs = [function.run(e, t, "rid", key=n + 1) for n, (e, t) in enumerate(zip(events, texts))]
    again = function.run(events[0], None, "rid", key=1)
    assert all(r.unchanged for r in runs) and again.unchanged and again.result["uri"] == "/e0"


# -- a real edge ------------------------------------------------------------------------------
def _with_functions(pattern: str = "/static/*", **events: str) -> dict[str, Any]:
    doc = configs.distribution()
    for item in doc["DistributionConfig"]["CacheBehaviors"]["Items"]:
        if item["PathPattern"] == pattern:
            items = [{"FunctionARN": ARN + name, "EventType": event.replace("_", "-")} for event, name in events.items()]
            item["FunctionAssociations"] = {"Quantity": len(items), "Items": items}
    return doc


def _admin(edge: Any, method: str, path: str, body: Any = None) -> Any:
    return requests.request(method, edge.admin_url + path, headers=edge.admin_auth, json=body, timeout=5)


def test_a_viewer_request_function_runs_before_the_cache_key(make_edge: EdgeFactory) -> None:
    edge = make_edge(_with_functions(viewer_request="rewrite", viewer_response="tag"), "--functions", str(HERE))
    first = edge.get("/static/dir/")        # the function makes it /static/dir/index
    second = edge.get("/static/dir/index")  # the same object: a hit
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("Miss from cloudfront", "Hit from cloudfront")
    assert second.headers["x-served"] == "tagged 200"  # viewer-response runs on hits too
    answered = edge.get("/static/hello")
    assert answered.text == "hi from the edge" and answered.headers["X-Cache"] == "FunctionGeneratedResponse from cloudfront"
    stats = _admin(edge, "GET", "/stats").json()
    assert stats["functions"]["rewrite"]["by_outcome"] == {"ok": 2, "FunctionGeneratedResponse": 1}
    assert stats["functions"]["tag"]["by_outcome"] == {"ok": 2}  # not on the function's own answer
    assert stats["origin_attempts"] == {"primary:200": 1}
    edge.child.stop()
    spent = [r["x-edge-code-ms"] for r in edge.log_lines()]
    assert len(spent) == 3 and all(0 < float(ms) < 5 for ms in spent)  # CPU ms in the two functions


def test_a_function_built_origin_group_fails_over(make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    edge = make_edge(_with_functions("/solo/*", viewer_request="group"), "--functions", str(HERE))
    primary.control.add_fault(type="status", status=503)
    response = edge.get("/solo/x")  # /solo/* targets the primary alone: the function adds the group
    assert response.headers.get("X-Origin-Id") == "secondary"
    assert response.status_code == 404  # the secondary has no /solo/ objects: it answered, that is the point


def test_a_key_value_store_picks_the_origin(make_edge: EdgeFactory, tmp_path: Path) -> None:
    (tmp_path / "origins.json").write_text(json.dumps({"b": "secondary"}))
    edge = make_edge(_with_functions("/api/*", viewer_request="pick"), "--functions", str(HERE),
                     "--kvs", f"origins={tmp_path / 'origins.json'}")
    assert edge.get("/api/p1").headers["X-Origin-Id"] == "primary"  # the group's primary, as configured
    assert edge.get("/api/p2", headers={"X-Pick": "b"}).headers["X-Origin-Id"] == "secondary"


def test_function_failures_are_the_documented_answers_and_chaos_makes_them(make_edge: EdgeFactory) -> None:
    edge = make_edge(_with_functions(viewer_request="rewrite"), "--functions", str(HERE))
    broken = make_edge(_with_functions(viewer_request="broken"), "--functions", str(HERE))
    invalid = broken.get("/static/b")
    assert invalid.status_code == 502 and invalid.headers["X-Cache"] == "Error from cloudfront"
    assert edge.get("/static/warm").status_code == 200
    for fault, status in (("throw", 503), ("budget", 503), ("invalid", 502)):
        assert _admin(edge, "PUT", "/functions/rewrite/fault", {"fault": fault}).status_code == 200
        assert edge.get("/static/warm").status_code == status, fault  # hits too: the function runs first
    assert _admin(edge, "PUT", "/functions/rewrite/fault", {"fault": None}).status_code == 200
    assert edge.get("/static/warm").headers["X-Cache"] == "Hit from cloudfront"
    bad = _admin(edge, "PUT", "/functions/rewrite/fault", {"fault": "explode"})
    assert bad.status_code == 400 and "must be one of throw, slow, budget, invalid" in bad.json()["error"]
    assert _admin(edge, "PUT", "/functions/nope/fault", {"fault": "throw"}).status_code == 404
    outcomes = _admin(edge, "GET", "/stats").json()["functions"]["rewrite"]["by_outcome"]
    assert outcomes["FunctionExecutionError"] == 1 and outcomes["FunctionThrottledError"] == 1
    assert outcomes["FunctionValidationError"] == 1
    edge.child.stop()
    detailed = [r["x-edge-detailed-result-type"] for r in edge.log_lines()]
    assert {"FunctionExecutionError", "FunctionThrottledError", "FunctionValidationError"} <= set(detailed)


def test_a_missing_function_file_is_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys
    config = configs.write(tmp_path / "d.json", _with_functions(viewer_request="absent"))
    result = subprocess.run([sys.executable, "-m", "edge", "--config", str(config), "--listen", "127.0.0.1:0",
                             "--origin", "primary=127.0.0.1:9", "--origin", "secondary=127.0.0.1:9",
                             "--functions", str(HERE)], capture_output=True, text=True, timeout=30,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 2
    assert result.stderr.strip() == f"edge: --functions {HERE}: no absent.js for the associated function 'absent'"


def test_a_response_returned_unchanged_is_the_stored_one(make_edge: EdgeFactory) -> None:
    edge = make_edge(_with_functions(viewer_response="identity"), "--functions", str(HERE))
    miss, hit = edge.get("/static/same-2048"), edge.get("/static/same-2048")
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("Miss from cloudfront", "Hit from cloudfront")
    assert len(hit.content) == 2048 and hit.content == miss.content
    assert hit.headers["ETag"] == miss.headers["ETag"] and "Age" in hit.headers
    stats = requests.get(edge.admin_url + "/stats", headers=edge.admin_auth, timeout=5).json()
    assert stats["functions"]["identity"]["by_outcome"] == {"ok": 2}
