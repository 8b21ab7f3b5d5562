"""A private-bucket origin lets in only SigV4 requests from its distribution (real process).

Signatures come from botocore's ``S3SigV4Auth.add_auth`` (S3's own rules in AWS's SDK,
independent of the harness's code) and from the edge's :func:`edge.security.oac.sign_headers`
(which can sign in the past). Both sides follow contracts/sigv4.py, itself proved against
AWS's published examples (tests/contracts/test_sigv4.py).
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from contracts.sigv4 import canonical_uri
from edge.security.oac import SigningCredentials, sign_headers
from tests.security.conftest import Keys, Origin

OTHER_ARN = "arn:aws:cloudfront::000000000000:distribution/EOTHER"


def botocore_signed(creds: dict[str, str], method: str, url: str, body: bytes = b"",
                    source_arn: str | None = None, secret: str | None = None) -> dict[str, str]:
    """Sign with botocore's S3 signer (real clock), as any AWS SDK signs for S3."""
    request = AWSRequest(method=method, url=url, data=body, headers={
        "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
        "x-amz-source-arn": source_arn or creds["SourceArn"]})
    signer = S3SigV4Auth(Credentials(creds["AccessKeyId"], secret or creds["SecretAccessKey"]),
                         "s3", creds["Region"])
    signer.add_auth(request)
    return dict(request.headers.items())


def edge_creds(creds: dict[str, str], source_arn: str | None = None) -> SigningCredentials:
    return SigningCredentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["Region"],
                              source_arn or creds["SourceArn"])


def assert_denied(response: requests.Response, reason: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    assert "<Code>AccessDenied</Code>" in response.text
    assert reason in response.text
    assert response.headers["X-Origin-Id"] == "bucket"


def test_signed_by_botocore_is_accepted(bucket: Origin, keys: Keys) -> None:
    url = bucket.url + "/static/a-2048"
    response = requests.get(url, headers=botocore_signed(keys.credentials, "GET", url), timeout=10)
    assert response.status_code == 200
    assert len(response.content) == 2048


@pytest.mark.parametrize("key", ["/static/a b", "/static/c++", "/static/café", "/static/~user",
                                 "/static/50%off"])
def test_keys_real_s3_signs_are_accepted_from_both_signers(bucket: Origin, keys: Keys, key: str) -> None:
    # The generic SigV4 signer encoded these twice or normalised them: S3 said 403 to each.
    # The URL carries the key as an AWS SDK sends it: encoded once (contracts.sigv4.canonical_uri).
    url = bucket.url + canonical_uri(key)
    # (Keys with "//" or "/./" are signed unnormalised too, tests/contracts/test_sigv4.py; the HTTP
    # clients and servers of this test clean such paths on the way, so they are not sent here.)
    for signer, headers in (("edge", sign_headers(edge_creds(keys.credentials), "GET", url,
                                                  urlsplit(url).netloc, None)),
                            ("botocore S3SigV4Auth", botocore_signed(keys.credentials, "GET", url))):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 200, (key, signer, response.text)


def test_an_unsigned_amz_header_is_refused_and_a_signed_one_accepted(bucket: Origin, keys: Keys) -> None:
    url = bucket.url + "/static/a"
    headers = {**botocore_signed(keys.credentials, "GET", url), "x-amz-meta-note": "added after signing"}
    assert_denied(requests.get(url, headers=headers, timeout=10),
                  "headers present in the request which were not signed: x-amz-meta-note")
    # The edge signs every x-amz-* header it forwards.
    forwarded = {"x-amz-meta-note": "from the viewer"}
    signed = sign_headers(edge_creds(keys.credentials), "GET", url, urlsplit(url).netloc, None, forwarded=forwarded)
    assert requests.get(url, headers={**forwarded, **signed}, timeout=10).status_code == 200


def test_signed_by_the_edge_signer_is_accepted(bucket: Origin, keys: Keys) -> None:
    url = bucket.url + "/api/x?b=2&a=1"
    headers = sign_headers(edge_creds(keys.credentials), "GET", url, urlsplit(url).netloc, None)
    response = requests.get(url, headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json()["path"] == "/api/x"


def test_signed_post_with_body_is_accepted_and_a_changed_body_is_not(bucket: Origin, keys: Keys) -> None:
    url = bucket.url + "/form/checkout"
    body = b"name=A&card_number=4111111111111111"
    headers = {**botocore_signed(keys.credentials, "POST", url, body),
               "Content-Type": "application/x-www-form-urlencoded"}
    ok = requests.post(url, data=body, headers=headers, timeout=10)
    assert ok.status_code == 200
    assert ok.json()["fields"]["name"] == {"value": "A"}
    tampered = requests.post(url, data=body.replace(b"A", b"B"), headers=headers, timeout=10)
    assert_denied(tampered, "X-Amz-Content-SHA256 does not match the body")


def test_unsigned_request_is_refused_with_s3_xml(bucket: Origin) -> None:
    assert_denied(requests.get(bucket.url + "/static/x", timeout=10), "anonymous request")


@pytest.mark.parametrize("change, reason", [
    (lambda url, h: (url.replace("/static/a", "/static/b"), h), "signature we calculated does not match"),
    (lambda url, h: (url + "?x=1", h), "signature we calculated does not match"),
    (lambda url, h: (url, {**h, "x-amz-source-arn": OTHER_ARN}), "signature we calculated does not match"),
    (lambda url, h: (url, {**h, "X-Amz-Date": "20200101T000000Z"}), "not the scope's day"),
    (lambda url, h: (url, {k: v for k, v in h.items() if k.lower() != "x-amz-source-arn"}),
     "signature we calculated does not match"),
])
def test_tampered_requests_are_refused(bucket: Origin, keys: Keys, change, reason) -> None:  # type: ignore[no-untyped-def]
    url = bucket.url + "/static/a"
    new_url, headers = change(url, botocore_signed(keys.credentials, "GET", url))
    assert_denied(requests.get(new_url, headers=headers, timeout=10), reason)


def test_forged_secret_is_refused(bucket: Origin, keys: Keys) -> None:
    url = bucket.url + "/static/a"
    headers = botocore_signed(keys.credentials, "GET", url, secret="not-the-secret")
    assert_denied(requests.get(url, headers=headers, timeout=10), "signature we calculated does not match")


def test_other_access_key_is_refused(bucket: Origin, keys: Keys) -> None:
    url = bucket.url + "/static/a"
    creds = {**keys.credentials, "AccessKeyId": "AKIAOTHEROTHEROTHER1"}
    assert_denied(requests.get(url, headers=botocore_signed(creds, "GET", url), timeout=10), "unknown access key")


@pytest.mark.parametrize("age_s, accepted", [
    (14 * 60, True),    # inside S3's 15-minute window
    (16 * 60, False),   # captured and replayed too late
    (-16 * 60, False),  # dated in the future beyond the window
])
def test_signature_age(bucket: Origin, keys: Keys, age_s: int, accepted: bool) -> None:
    url = bucket.url + "/static/a"
    headers = sign_headers(edge_creds(keys.credentials), "GET", url, urlsplit(url).netloc, None,
                           now=time.time() - age_s)
    response = requests.get(url, headers=headers, timeout=10)
    if accepted:
        assert response.status_code == 200
    else:
        assert_denied(response, "Request has expired")


def test_valid_signature_for_another_distribution_is_refused(bucket: Origin, keys: Keys) -> None:
    url = bucket.url + "/static/a"
    headers = botocore_signed(keys.credentials, "GET", url, source_arn=OTHER_ARN)
    assert_denied(requests.get(url, headers=headers, timeout=10), "signed for another distribution")


def test_access_state_on_control_port_counts_refusals_and_hides_secrets(bucket: Origin, keys: Keys) -> None:
    before = requests.get(bucket.control_url + "/access", headers=bucket.auth, timeout=10).json()
    requests.get(bucket.url + "/static/x", timeout=10)
    after = requests.get(bucket.control_url + "/access", headers=bucket.auth, timeout=10).json()
    assert after["refused"] == before["refused"] + 1
    assert after["private_bucket"] is True and after["source_arn"] == keys.credentials["SourceArn"]
    assert keys.credentials["SecretAccessKey"] not in str(after)


def test_a_faulted_bucket_still_refuses_strangers_first(bucket: Origin, keys: Keys) -> None:
    before = bucket.control.stats()["by_status"].get("403", 0)
    bucket.control.add_fault(type="status", status=503)
    try:
        stranger = requests.get(bucket.url + "/static/a", timeout=10)
        url = bucket.url + "/static/a"
        signed = requests.get(url, headers=botocore_signed(keys.credentials, "GET", url), timeout=10)
    finally:
        bucket.control.reset()
    assert stranger.status_code == 403  # access is checked before any fault applies
    assert signed.status_code == 503    # the distribution's own request meets the fault
    assert bucket.control.stats()["by_status"]["403"] == before + 1  # refusals are counted too
