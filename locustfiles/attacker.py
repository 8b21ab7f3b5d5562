"""The ``Attacker``: goes around the edge and hits the origins directly. Every try must be refused.

Each task picks a target origin (``--attack-targets``) and one way in:

| request name | what it sends |
| --- | --- |
| ``attack:unsigned`` | a plain GET, no credentials |
| ``attack:forged-signature`` | SigV4 with the right access key id but a guessed secret |
| ``attack:expired-signature`` | a correct signature made 20 minutes ago (a captured request replayed late) |
| ``attack:replayed-signature`` | a fresh, correct signature of another object's request, replayed on this path |
| ``attack:wrong-distribution`` | a correct signature that names another distribution (confused deputy) |
| ``attack:guessed-header`` | the secret header with a guessed value |
| ``attack:stale-header`` | the secret header with a leaked, retired value (``--attack-header``) |

The signed kinds need ``--attack-credentials`` (the run's OAC credentials): they stand for
signatures an attacker captured, not ones it could make.

Attacks never go through the edge, so they are kept out of ``requests.csv`` (whose rows are
viewer requests the edge log must match): each try is one row of ``--attack-log`` (the run's
``attacks.csv``): ``ts,kind,target,status,refused,error``. ``refused`` is 1 only for a 403.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from locust import User, constant_throughput, task

ATTACKS_PER_S = 2  # per attacker: a probe of the defences, not a flood
SIGNED_KINDS = ("forged-signature", "expired-signature", "replayed-signature", "wrong-distribution")
ALWAYS_KINDS = ("unsigned", "guessed-header")
OTHER_ARN = "arn:aws:cloudfront::000000000000:distribution/EOTHERDISTRIBUTION"


def sigv4_headers(creds: dict[str, str], method: str, url: str, *, secret: str | None = None,
                  source_arn: str | None = None, now: float | None = None) -> dict[str, str]:
    """Headers of a SigV4 (s3) signature over ``url``, made with botocore's signer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    host = urlsplit(url).netloc
    signer = SigV4Auth(Credentials(creds["AccessKeyId"], secret or creds["SecretAccessKey"]),
                       "s3", creds.get("Region", "us-east-1"))
    # The attacks use plain paths without a query, which sign the same raw or decoded.
    request = AWSRequest(method=method, url=url, headers={
        "host": host, "x-amz-content-sha256": hashlib.sha256(b"").hexdigest(),
        "x-amz-source-arn": source_arn or creds["SourceArn"]})
    request.context["timestamp"] = time.strftime("%Y%m%dT%H%M%SZ",
                                                 time.gmtime(time.time() if now is None else now))
    signer._modify_request_before_signing(request)
    signature = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, SignedHeaders="
                                f"{signer.signed_headers(signer.headers_to_sign(request))}, Signature={signature}")
    return headers


def _options(user: Any) -> Any:
    return getattr(user.environment, "parsed_options", None)


ATTACK_COLUMNS = ("ts", "kind", "target", "status", "refused", "error")


class AttackLog:
    """Append-only CSV of attack tries; one O_APPEND write per row (safe across workers)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self.fd).st_size == 0:
            self.write(ATTACK_COLUMNS)

    def write(self, row: tuple[object, ...]) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(row)
        os.write(self.fd, text.getvalue().encode())


_logs: dict[str, AttackLog] = {}


class Attacker(User):
    """Direct hits on the origins, forged and replayed; enabled with ``--attackers N``."""

    weight = 0          # off unless --attackers N sets fixed_count (see locustfiles/security_options.py)
    fixed_count = 0
    wait_time = constant_throughput(ATTACKS_PER_S)
    timeout_s = 10.0

    def on_start(self) -> None:
        options = _options(self)
        self.session = requests.Session()
        log_path = getattr(options, "attack_log", "") or ""
        self.log = _logs.setdefault(log_path, AttackLog(log_path)) if log_path else None
        self.rng = random.Random()
        self.targets = [t for t in (getattr(options, "attack_targets", "") or "").split(",") if t]
        creds_path = getattr(options, "attack_credentials", "") or ""
        self.creds: dict[str, str] | None = json.loads(Path(creds_path).read_text()) if creds_path else None
        header = getattr(options, "attack_header", "") or ""
        self.header_name, _, self.stale_value = header.partition("=")
        self.kinds = list(ALWAYS_KINDS) + (list(SIGNED_KINDS) if self.creds else [])
        if self.stale_value:
            self.kinds.append("stale-header")

    @task
    def attack(self) -> None:
        if not self.targets:
            return
        base = self.rng.choice(self.targets).rstrip("/")
        if "://" not in base:
            base = "http://" + base
        kind = self.rng.choice(self.kinds)
        path = f"/static/obj-{self.rng.randrange(200)}"
        url = base + path
        headers = self._headers(kind, url, base)
        started = time.time()
        status, error = 0, ""
        try:
            status = self.session.get(url, headers=headers, timeout=self.timeout_s,
                                      allow_redirects=False).status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
        if status != 403 and not error:
            error = f"NOT REFUSED: {kind} got {status}"
        if self.log is not None:
            self.log.write((f"{started:.6f}", kind, base, status, int(status == 403), error))

    def _headers(self, kind: str, url: str, base: str) -> dict[str, str]:
        creds = self.creds
        if kind == "guessed-header":
            return {self.header_name or "X-Origin-Verify": secrets.token_urlsafe(12)}
        if kind == "stale-header":
            return {self.header_name: self.stale_value}
        if creds is None or kind == "unsigned":
            return {}
        if kind == "forged-signature":
            return sigv4_headers(creds, "GET", url, secret=secrets.token_urlsafe(30))
        if kind == "expired-signature":
            return sigv4_headers(creds, "GET", url, now=time.time() - 20 * 60)
        if kind == "replayed-signature":
            return sigv4_headers(creds, "GET", base + "/static/captured-object")
        return sigv4_headers(creds, "GET", url, source_arn=OTHER_ARN)  # wrong-distribution
