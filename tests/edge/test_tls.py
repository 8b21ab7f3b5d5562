"""HTTPS viewers and HTTPS origins: real TLS on loopback, certificates from a run's own CA.

One TLS folder and two origins serving plain HTTP and TLS are shared by the module; every
test starts its own edge. Each certificate problem is made by the origin's ``tls`` fault.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from contracts.tls import CA
from edge.tls_cmd import make_tls_dir
from origins.client import ControlError
from tests.edge import configs
from tests.stack_helpers import EdgeProcess, OriginProcess, start_edge_process, start_origin_process, stopped_after

running = contextmanager(stopped_after)  # stop the process when the block ends, whatever happens


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tls_dir(tmp_path_factory.mktemp("tls"),
                        ["primary.origin.example.com", "secondary.origin.example.com"])


@pytest.fixture(scope="module")
def tls_origins(tls_dir: Path) -> Iterator[dict[str, OriginProcess]]:
    started = {name: OriginProcess(start_origin_process(
        name, "--listen-tls", "127.0.0.1:0", "--tls-dir", str(tls_dir))) for name in ("primary", "secondary")}
    yield started
    for origin in started.values():
        origin.child.stop()


@pytest.fixture(autouse=True)
def _healthy(tls_origins: dict[str, OriginProcess]) -> None:
    for origin in tls_origins.values():
        origin.control.reset()


def _doc(protocol: str = "https-only", viewer: str = "allow-all") -> dict[str, Any]:
    doc = configs.distribution(criteria=(502, 503, 504))
    config = doc["DistributionConfig"]
    for origin in config["Origins"]["Items"]:
        origin["CustomOriginConfig"]["OriginProtocolPolicy"] = protocol
    for item in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Items"]]:
        item["ViewerProtocolPolicy"] = viewer
    return doc


def _edge(tmp_path: Path, tls_dir: Path, origins: dict[str, OriginProcess], doc: dict[str, Any]) -> EdgeProcess:
    config = tmp_path / "dist.json"
    config.write_text(json.dumps(doc))
    extra = ["--listen-tls", "127.0.0.1:0", "--tls-dir", str(tls_dir)]
    for name, origin in origins.items():
        extra += ["--origin-tls", f"{name}={origin.child.ready['listen_tls']}"]
    log = tmp_path / "access.log"
    return EdgeProcess(start_edge_process("edge", config, {n: o.listen for n, o in origins.items()}, *extra,
                                          access_log=log, log_path=tmp_path / "edge.out"), log)


def _https(edge: EdgeProcess, tls_dir: Path) -> str:
    return f"https://localhost:{str(edge.child.ready['listen_tls']).rsplit(':', 1)[1]}"


def test_an_https_viewer_reaches_an_https_origin_and_the_log_says_so(
        tmp_path: Path, tls_dir: Path, tls_origins: dict[str, OriginProcess]) -> None:
    with running(_edge(tmp_path, tls_dir, tls_origins, _doc())) as edge:
        response = requests.get(_https(edge, tls_dir) + "/static/a", verify=str(tls_dir / CA), timeout=10)
        assert response.status_code == 200 and response.headers["X-Origin-Id"] == "primary"
        with pytest.raises(requests.exceptions.SSLError):  # the CA is the run's own: nobody else trusts it
            requests.get(_https(edge, tls_dir) + "/static/a", timeout=10)
    from edge.pop.logline import parse_line
    record = [parse_line(x) for x in edge.log_path.read_text().splitlines() if x and not x.startswith("#")][0]
    assert record["cs-protocol"] == "https"
    assert record["ssl-protocol"] in ("TLSv1.2", "TLSv1.3") and record["ssl-cipher"] not in ("-", "")


def test_redirect_to_https_answers_plain_http_with_301_to_the_tls_listener(
        tmp_path: Path, tls_dir: Path, tls_origins: dict[str, OriginProcess]) -> None:
    with running(_edge(tmp_path, tls_dir, tls_origins, _doc(viewer="redirect-to-https"))) as edge:
        plain = requests.get(edge.url + "/static/r?v=1", allow_redirects=False, timeout=10,
                             headers={"Host": "localhost"})
        assert plain.status_code == 301
        assert plain.headers["X-Cache"] == "Redirect from cloudfront"
        assert plain.headers["Location"] == _https(edge, tls_dir) + "/static/r?v=1"
        followed = requests.get(edge.url + "/static/r?v=1", verify=str(tls_dir / CA), timeout=10,
                                headers={"Host": "localhost"})
        assert followed.status_code == 200 and followed.history[0].status_code == 301
        assert requests.post(edge.url + "/form/x", data=b"a=1", allow_redirects=False, timeout=10).status_code == 301


def test_https_only_answers_plain_http_with_403(tmp_path: Path, tls_dir: Path,
                                                  tls_origins: dict[str, OriginProcess]) -> None:
    with running(_edge(tmp_path, tls_dir, tls_origins, _doc(viewer="https-only"))) as edge:
        response = requests.get(edge.url + "/static/h", timeout=10)
        assert response.status_code == 403 and response.headers["X-Cache"] == "Error from cloudfront"
        assert requests.get(_https(edge, tls_dir) + "/static/h", verify=str(tls_dir / CA), timeout=10).status_code == 200


@pytest.mark.parametrize("certificate", ["expired", "wrong-name", "self-signed"])
def test_a_bad_origin_certificate_is_502_and_fails_over_when_502_is_in_the_criteria(
        tmp_path: Path, tls_dir: Path, tls_origins: dict[str, OriginProcess], certificate: str) -> None:
    with running(_edge(tmp_path, tls_dir, tls_origins, _doc())) as edge:
        tls_origins["primary"].control.add_fault(type="tls", certificate=certificate)
        grouped = requests.get(edge.url + f"/static/{certificate}", timeout=10)   # group: primary, secondary
        solo = requests.get(edge.url + f"/solo/{certificate}", timeout=10)        # primary alone
        assert grouped.status_code == 200 and grouped.headers["X-Origin-Id"] == "secondary"
        assert solo.status_code == 502 and solo.headers["X-Cache"] == "Error from cloudfront"
        tls_origins["primary"].control.reset()
        time.sleep(0.1)
        back = requests.get(edge.url + f"/solo/{certificate}-back", timeout=10)
        assert back.headers.get("X-Origin-Id") == "primary"  # reached again (it has no /solo/ objects: 404)
    from edge.pop.logline import parse_line
    records = [parse_line(x) for x in edge.log_path.read_text().splitlines() if x and not x.startswith("#")]
    solo_record = next(r for r in records if r["cs-uri-stem"] == f"/solo/{certificate}")
    assert solo_record["x-edge-detailed-result-type"] == "OriginConnectError"
    grouped_record = next(r for r in records if r["cs-uri-stem"] == f"/static/{certificate}")
    assert grouped_record["x-failover-reason"] == "tls-error"


def test_match_viewer_goes_to_the_origin_as_the_viewer_came(
        tmp_path: Path, tls_dir: Path, tls_origins: dict[str, OriginProcess]) -> None:
    with running(_edge(tmp_path, tls_dir, tls_origins, _doc(protocol="match-viewer"))) as edge:
        tls_origins["primary"].control.add_fault(type="tls", certificate="expired")
        plain = requests.get(edge.url + "/solo/m1", timeout=10)
        secure = requests.get(_https(edge, tls_dir) + "/solo/m2", verify=str(tls_dir / CA), timeout=10)
        # Plain HTTP to the origin: its certificate is not involved (the origin answers; it has
        # no /solo/ objects, hence its 404). HTTPS to the origin: the expired certificate is.
        assert plain.headers.get("X-Origin-Id") == "primary" and plain.status_code == 404
        assert secure.status_code == 502 and "X-Origin-Id" not in secure.headers


def test_the_tls_fault_needs_a_tls_listener_and_a_known_certificate(tls_origins: dict[str, OriginProcess]) -> None:
    plain = OriginProcess(start_origin_process("plain"))
    with running(plain):
        with pytest.raises(ControlError, match="'tls' needs an origin with a TLS listener"):
            plain.control.add_fault(type="tls", certificate="expired")
    with pytest.raises(ControlError, match="certificate: must be one of 'expired', 'wrong-name', 'self-signed'"):
        tls_origins["primary"].control.add_fault(type="tls", certificate="revoked")


def test_the_tls_folder_has_what_it_says(tls_dir: Path) -> None:
    context = ssl.create_default_context(cafile=str(tls_dir / CA))
    assert (tls_dir / "key.pem").stat().st_mode & 0o777 == 0o600
    from cryptography import x509
    expired = x509.load_pem_x509_certificate((tls_dir / "expired.pem").read_bytes())
    assert expired.not_valid_after_utc.timestamp() < time.time()
    assert context.get_ca_certs()[0]["subject"][-1][0][1] == "cf-chaos harness local CA"
