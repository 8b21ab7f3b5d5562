"""The ``Checkout`` viewer: posts checkout forms with card fields through the edge.

Each POST of ``/form/checkout`` carries a fresh Luhn-valid test card number (``4`` then 15
random digits), a CVV and an expiry in ``card_*`` fields, plus plain ``name``/``email``/
``amount``. The origin's form endpoint answers what it received per field (origins/security/fle.py),
and the user checks, per request:

* every ``card_*`` field arrived *encrypted* and the origin *decrypted* it to exactly what was
  sent (compared by SHA-256: the plaintext never travels back);
* the other fields arrived as sent.

Failures name the field, with ``fle-plaintext:`` when a card field reached the origin in clear
and ``fle-mismatch:`` when it did not decrypt to what was sent; the report counts them.
Enabled with ``--checkouts N``.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlencode

from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

from locustfiles.cards import checkout_form, verify
from locustfiles.users import trust_run_ca

CHECKOUTS_PER_S = 2  # per user
FORM_TYPE = "application/x-www-form-urlencoded"


class Checkout(FastHttpUser):
    """Checkout form posts through the edge; enabled with ``--checkouts N``."""

    weight = 0          # off unless --checkouts N sets fixed_count (see locustfiles/security_options.py)
    fixed_count = 0
    wait_time = constant_throughput(CHECKOUTS_PER_S)
    network_timeout = 10.0
    connection_timeout = 5.0

    def __init__(self, environment: Any) -> None:
        trust_run_ca(self, environment)  # an https:// edge is checked against the run's CA
        super().__init__(environment)

    def on_start(self) -> None:
        self.rng = random.Random()

    def context(self) -> dict[str, Any]:
        return {"user": "Checkout"}

    @task
    def checkout(self) -> None:
        sent = checkout_form(self.rng)
        with self.client.post("/form/checkout", data=urlencode(sent), name="/form/checkout",
                              headers={"Content-Type": FORM_TYPE}, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code or 'no answer'}")
                return
            try:
                answer = json.loads(response.text or "")
            except ValueError:
                response.failure("fle-answer: the origin's answer is not JSON")
                return
            problem = verify(sent, answer)
            if problem:
                response.failure(problem)
            else:
                response.success()
