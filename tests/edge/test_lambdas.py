"""Lambda@Edge with Python handlers: event shapes and answers (pure), then a real edge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from edge.compute.functions import FunctionError
from edge.compute.lambdas import as_request, as_response, lambda_name, request_record, with_response
from tests.edge import configs
from tests.edge.conftest import EdgeFactory, RunningOrigin

HERE = Path(__file__).parent / "lambdas"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def test_the_event_shape() -> None:
    event = with_response(request_record("origin-response", "GET", "/a?x=1", (("Host", "d.test"), ("X-A", "1")),
                                         "192.0.2.1", "rid==", "d.test", {"custom": {"domainName": "o.test"}}),
                          503, "Service Unavailable", (("Content-Type", "text/plain"),))
    cf = event["Records"][0]["cf"]
    assert cf["config"]["eventType"] == "origin-response" and cf["config"]["requestId"] == "rid=="
    assert cf["request"]["uri"] == "/a" and cf["request"]["querystring"] == "x=1"
    assert cf["request"]["headers"]["x-a"] == [{"key": "X-A", "value": "1"}]
    assert cf["request"]["origin"] == {"custom": {"domainName": "o.test"}}
    assert cf["response"] == {"status": "503", "statusDescription": "Service Unavailable",
                              "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]}}


@pytest.mark.parametrize(("result", "event", "message"), [
    ({"status": "abc"}, "origin-response", "not a status code"),
    ({"status": "200", "body": "x"}, "viewer-response", "cannot change the body"),
    ({"status": "200", "headers": {"x-a": [{"key": "X-B", "value": "1"}]}}, "origin-response", "does not match"),
    ({"uri": "no-slash"}, "viewer-request", "must return the request"),
    (None, "origin-response", "not a response"),
])
def test_invalid_answers_are_validation_errors(result: Any, event: str, message: str) -> None:
    check = as_response if "response" in event or (isinstance(result, dict) and "status" in result) else as_request
    with pytest.raises(FunctionError, match=message) as caught:
        check(result, event)
    assert (caught.value.detailed, caught.value.status) == ("LambdaValidationError", 502)


def test_the_arn_names_a_numbered_version_in_us_east_1() -> None:
    assert lambda_name(ARN + "stamp:3") == "stamp"
    assert lambda_name(ARN + "stamp:$LATEST") == "stamp"
    assert lambda_name("arn:aws:lambda:eu-west-1:123456789012:function:stamp:3") is None


def _with_lambdas(pattern: str, **events: str) -> dict[str, Any]:
    doc = configs.distribution()
    for item in doc["DistributionConfig"]["CacheBehaviors"]["Items"]:
        if item["PathPattern"] == pattern:
            items = [{"LambdaFunctionARN": ARN + name + ":1", "EventType": event.replace("_", "-"),
                      "IncludeBody": False} for event, name in events.items()]
            item["LambdaFunctionAssociations"] = {"Quantity": len(items), "Items": items}
    return doc


def _stats(edge: Any) -> dict[str, Any]:
    return requests.get(edge.admin_url + "/stats", headers=edge.admin_auth, timeout=5).json()


def test_viewer_events(make_edge: EdgeFactory, echo_origin: str) -> None:
    edge = make_edge(_with_lambdas("/static/*", viewer_request="stamp", viewer_response="tag_response"),
                     "--lambdas", str(HERE), origins={"primary": echo_origin, "secondary": echo_origin})
    first = edge.get("/static/dir/")
    assert first.json()["path"] == "/static/dir/index"              # the handler's uri reached the origin
    # (its X-Stamp header is not forwarded: CachingOptimized keys, so forwards, no headers but Accept-Encoding)
    assert first.headers["x-tagged"] == "200"
    second = edge.get("/static/dir/index")
    assert second.headers["X-Cache"] == "Hit from cloudfront"         # keyed after the handler ran
    hello = edge.get("/static/lambda-hello")
    assert hello.text == "hi from a Lambda" and hello.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"


def test_origin_request_runs_once_per_origin_tried(make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    edge = make_edge(_with_lambdas("/static/*", origin_request="per_attempt"), "--lambdas", str(HERE))
    primary.control.add_fault(type="status", status=503)
    assert edge.get("/static/twice").headers["X-Origin-Id"] == "secondary"
    assert _stats(edge)["functions"]["per_attempt"]["by_outcome"] == {"ok": 2}  # primary, then secondary


def test_an_origin_response_handler_that_hides_5xx_stops_the_failover(make_edge: EdgeFactory,
                                                                       primary: RunningOrigin) -> None:
    shipped = Path(__file__).resolve().parents[2] / "distributions" / "lambdas"  # lambda-masks-failover's
    edge = make_edge(_with_lambdas("/static/*", origin_response="friendly-errors"), "--lambdas", str(shipped))
    primary.control.add_fault(type="status", status=503)
    masked = edge.get("/static/masked-1024")
    assert masked.status_code == 200 and "right back" in masked.text  # not the 1 KiB object
    stats = _stats(edge)
    assert stats["failovers"] == 0 and stats["origin_attempts"] == {"primary:503": 1}


def test_handler_failures_and_chaos(make_edge: EdgeFactory) -> None:
    edge = make_edge(_with_lambdas("/static/*", viewer_response="tag_response"), "--lambdas", str(HERE),
                     "--lambda-timeout-s", "0.5")
    assert edge.get("/static/ok").status_code == 200
    for fault, status in (("throw", 503), ("invalid", 502), ("budget", 503)):
        requests.put(edge.admin_url + "/functions/tag_response/fault", json={"fault": fault},
                     headers=edge.admin_auth, timeout=5).raise_for_status()
        answer = edge.get("/static/ok")
        assert answer.status_code == status, fault
    outcomes = _stats(edge)["functions"]["tag_response"]["by_outcome"]
    assert outcomes == {"ok": 1, "LambdaExecutionError": 2, "LambdaValidationError": 1}


def test_a_slow_handler_never_blocks_other_viewers(make_edge: EdgeFactory) -> None:
    import threading
    import time
    edge = make_edge(_with_lambdas("/static/*", viewer_response="tag_response"), "--lambdas", str(HERE),
                     "--lambda-timeout-s", "2")
    requests.put(edge.admin_url + "/functions/tag_response/fault", json={"fault": "slow"},
                 headers=edge.admin_auth, timeout=5).raise_for_status()
    slow = threading.Thread(target=edge.get, args=("/static/slow",))
    slow.start()
    time.sleep(0.2)
    began = time.monotonic()
    assert edge.get("/api/quick").status_code == 200   # no handler on /api/*: answered meanwhile
    assert time.monotonic() - began < 0.5               # the slow handler sleeps 1 s in its thread
    slow.join()
