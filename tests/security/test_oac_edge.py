"""The edge signs origin requests (OAC/OAI) and sends the secret header: real edge, real origins."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from scenarios.stack.procs import REPO_ROOT
from tests.security.conftest import Keys, Origin, start_origin
from tests.security.edge_helpers import (
    DISTRIBUTIONS,
    OAC_FILE,
    UNREACHABLE_ORIGINS,
    Edge,
    running_edge,
    unreachable_tls,
    variant,
)
from tests.stack_helpers import edge_argv, stopped_after

HEADER = "X-Origin-Verify"


@pytest.fixture(scope="module")
def s3(keys: Keys) -> Iterator[Origin]:
    yield from stopped_after(start_origin("primary", "--private-bucket", keys.credentials_file))


@pytest.fixture(scope="module")
def custom() -> Iterator[Origin]:
    yield from stopped_after(start_origin("secondary", "--require-header", f"{HEADER}=verify-2026-11-a"))


@pytest.fixture(scope="module")
def edge(s3: Origin, custom: Origin, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    log = tmp_path_factory.mktemp("oac") / "edge.log"
    with running_edge(DISTRIBUTIONS / "oac.json", {"primary": s3.listen, "secondary": custom.listen}, log,
                      "--oac", OAC_FILE, "--oac-credentials", keys.credentials_file) as running:
        yield running


@pytest.fixture(autouse=True)
def _healthy(s3: Origin, custom: Origin) -> Iterator[None]:
    yield
    s3.control.reset()
    custom.control.reset()
    requests.put(custom.control_url + "/access/require-header", headers=custom.auth, json={"values": ["verify-2026-11-a"]}, timeout=10)


def test_viewers_get_through_the_signed_primary(edge: Edge, s3: Origin) -> None:
    response = edge.get("/api/one", timeout=10)
    assert response.status_code == 200
    assert response.headers["X-Origin-Id"] == "primary"
    assert requests.get(s3.url + "/api/one", timeout=10).status_code == 403  # directly: refused


@pytest.mark.parametrize("path", ["/api/a%20b?x=1&y=%2F", "/api/caf%C3%A9?q=a+b", "/api/x?b=2&a=1&a=0",
                                  "/api/%41%2Fb?y=%41", "/api/x?=&k"])
def test_signatures_survive_url_reencoding(signing_edge: Edge, path: str) -> None:
    # Every query string is forwarded here (AllViewer), and the HTTP client may re-encode the
    # URL on the way (%2F in a query goes out as '/'): the signature still holds.
    response = signing_edge.get(path, timeout=10)
    assert response.status_code == 200
    assert response.json()["path"].startswith("/api/")


def test_failover_to_the_header_origin(edge: Edge, s3: Origin, custom: Origin) -> None:
    s3.control.add_fault(type="status", status=503)
    response = edge.get("/api/two", timeout=10)
    assert (response.status_code, response.headers["X-Origin-Id"]) == (200, "secondary")
    assert requests.get(custom.url + "/api/two", timeout=10).status_code == 403


def test_viewer_cannot_override_the_secret_header(edge: Edge, s3: Origin) -> None:
    s3.control.add_fault(type="status", status=503)
    # CloudFront overwrites a viewer header of the same name with the configured value.
    response = edge.get("/api/three", headers={HEADER: "attacker"}, timeout=10)
    assert response.status_code == 200


def test_header_rotation_through_admin_api(edge: Edge, s3: Origin, custom: Origin) -> None:
    s3.control.add_fault(type="status", status=503)
    put = requests.put(custom.control_url + "/access/require-header", headers=custom.auth, json={"values": ["verify-2026-11-b"]},
                       timeout=10)
    assert put.status_code == 200
    assert edge.get("/api/rot-1", timeout=10).status_code == 403  # edge still sends -a
    admin = requests.put(edge.admin_url + "/origins/secondary/custom-headers", headers=edge.admin_auth,
                         json={"headers": {HEADER: "verify-2026-11-b"}}, timeout=10)
    assert admin.status_code == 200
    assert admin.json() == {"origin": "secondary", "names": ["x-origin-verify"], "rotated": ["x-origin-verify"]}
    assert "verify-2026-11-b" not in admin.text
    assert edge.get("/api/rot-2", timeout=10).status_code == 200
    # Back to -a for the other tests (the origin is reset to -a by the fixture).
    requests.put(edge.admin_url + "/origins/secondary/custom-headers", headers=edge.admin_auth, json={"headers": {HEADER: "verify-2026-11-a"}},
                 timeout=10)


@pytest.mark.parametrize("body, status, message", [
    ({"headers": {"X-Other": "v"}}, 400, "not a CustomHeaders name"),
    ({"headers": {}}, 400, "headers: body must be"),
    ({"nope": 1}, 400, "headers: body must be"),
])
def test_bad_rotation_calls(edge: Edge, body: dict[str, Any], status: int, message: str) -> None:
    r = requests.put(edge.admin_url + "/origins/secondary/custom-headers", headers=edge.admin_auth, json=body, timeout=10)
    assert r.status_code == status and message in r.json()["error"]
    assert requests.put(edge.admin_url + "/origins/nowhere/custom-headers", headers=edge.admin_auth, json={"headers": {"a": "b"}},
                        timeout=10).status_code == 404


def _other_arn_credentials(keys: Keys, folder: Path) -> str:
    creds = {**keys.credentials, "SourceArn": "arn:aws:cloudfront::000000000000:distribution/EOTHER"}
    path = folder / "other.json"
    path.write_text(json.dumps(creds))
    return str(path)


def _oac(folder: Path, behavior: str) -> str:
    doc = json.loads(Path(OAC_FILE).read_text())
    doc["OriginAccessControl"]["Id"] = f"E2{behavior.upper().replace('-', '')}"
    doc["OriginAccessControl"]["OriginAccessControlConfig"]["SigningBehavior"] = behavior
    path = folder / f"oac-{behavior}.json"
    path.write_text(json.dumps(doc))
    return str(path)


SIGNING_PATHS = {"always": "/api/*", "no-override": "/static/*", "never": "/cc/*"}


@pytest.fixture(scope="module")
def signing_edge(s3: Origin, custom: Origin, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    """One S3 origin per signing behaviour (all the same bucket), one behaviour path each,
    forwarding every viewer header (AllViewer) so a viewer's Authorization can reach the bucket."""
    tmp = tmp_path_factory.mktemp("signing")

    def change(config: dict[str, Any]) -> None:
        primary = config["Origins"]["Items"][0]
        behaviors = []
        for behavior, pattern in SIGNING_PATHS.items():
            origin = json.loads(json.dumps(primary))
            origin["Id"] = f"s3-{behavior}"
            origin["OriginAccessControlId"] = f"E2{behavior.upper().replace('-', '')}"
            config["Origins"]["Items"].append(origin)
            cache = json.loads(json.dumps(config["CacheBehaviors"]["Items"][0]))
            cache.update(PathPattern=pattern, TargetOriginId=origin["Id"],
                         CachePolicyId="4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                         OriginRequestPolicyId="216adef6-5c7f-47e4-b989-5492eafa07d3")
            behaviors.append(cache)
        config["Origins"]["Quantity"] = len(config["Origins"]["Items"])
        config["CacheBehaviors"] = {"Quantity": len(behaviors), "Items": behaviors}

    origins = {"primary": s3.listen, "secondary": custom.listen,
               **{f"s3-{b}": s3.listen for b in SIGNING_PATHS}}
    extra = ["--oac", OAC_FILE, "--oac-credentials", keys.credentials_file]
    for behavior in SIGNING_PATHS:
        extra += ["--oac", _oac(tmp, behavior)]
    with running_edge(variant("oac", tmp, change), origins, tmp / "log", *extra) as running:
        yield running


@pytest.mark.parametrize("behavior, viewer_auth, status", [
    ("always", None, 200),
    ("always", "AWS4-HMAC-SHA256 Credential=AKIAVIEWER/x", 200),   # overwritten by the edge's signature
    ("no-override", None, 200),
    ("no-override", "AWS4-HMAC-SHA256 Credential=AKIAVIEWER/x", 403),  # passed through, not valid
    ("never", None, 403),                                            # OAC off: the bucket refuses
])
def test_signing_behaviors(signing_edge: Edge, behavior: str, viewer_auth: str | None, status: int) -> None:
    path = SIGNING_PATHS[behavior].replace("*", "a-10")
    headers = {"Authorization": viewer_auth} if viewer_auth else {}
    response = signing_edge.get(path, headers=headers, timeout=10)
    assert (response.status_code, response.headers.get("X-Origin-Id")) == (status, "primary")


def test_edge_signing_for_another_distribution_is_refused(s3: Origin, custom: Origin, keys: Keys,
                                                          tmp_path: Path) -> None:
    with running_edge(DISTRIBUTIONS / "oac.json", {"primary": s3.listen, "secondary": custom.listen},
                      tmp_path / "log", "--oac", OAC_FILE,
                      "--oac-credentials", _other_arn_credentials(keys, tmp_path)) as e:
        response = e.get("/api/confused-deputy", timeout=10)
        assert response.status_code == 403
        assert "signed for another distribution" in response.text


def test_legacy_oai_is_signed_too(s3: Origin, custom: Origin, keys: Keys, tmp_path: Path) -> None:
    def to_oai(config: dict[str, Any]) -> None:
        primary = config["Origins"]["Items"][0]
        primary["OriginAccessControlId"] = ""
        primary["S3OriginConfig"]["OriginAccessIdentity"] = "origin-access-identity/cloudfront/E1HARNESSOAI"

    with running_edge(variant("oac", tmp_path, to_oai), {"primary": s3.listen, "secondary": custom.listen},
                      tmp_path / "log", "--oac-credentials", keys.credentials_file) as e:
        assert e.get("/api/oai", timeout=10).status_code == 200


@pytest.mark.parametrize("extra, message", [
    ((), "uses OriginAccessControlId 'E2HARNESSOAC': give its JSON with --oac FILE"),
    (("--oac", OAC_FILE), "give --oac-credentials FILE"),
    (("--oac", "/nonexistent.json"), "--oac /nonexistent.json: cannot read"),
])
def test_missing_security_input_is_one_line(extra: tuple[str, ...], message: str) -> None:
    argv = edge_argv(DISTRIBUTIONS / "oac.json", UNREACHABLE_ORIGINS, *unreachable_tls(), *extra, admin=False)
    result = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
