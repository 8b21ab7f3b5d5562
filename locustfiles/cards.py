"""Checkout forms with test card numbers, and the check of what the origin received (no Locust here)."""

from __future__ import annotations

import hashlib
import random
from typing import Any

SENSITIVE_PREFIX = "card_"


def luhn_card(rng: random.Random) -> str:
    """A 16-digit Luhn-valid number starting with 4 (a Visa-shaped test number)."""
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit will sit to the right of these
        total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def checkout_form(rng: random.Random) -> dict[str, str]:
    return {
        "name": f"Test Viewer {rng.randrange(10_000)}",
        "email": f"viewer{rng.randrange(10_000)}@example.com",
        "amount": f"{rng.randrange(100, 100_000) / 100:.2f}",
        "card_number": luhn_card(rng),
        "card_cvv": f"{rng.randrange(1000):03d}",
        "card_expiry": f"{rng.randrange(1, 13):02d}/{rng.randrange(27, 32)}",
    }


def verify(sent: dict[str, str], answer: dict[str, Any]) -> str | None:
    """None when the origin saw what it should; else a one-line reason."""
    fields = answer.get("fields") or {}
    for name, value in sent.items():
        got = fields.get(name)
        if got is None:
            return f"fle-missing: {name} did not reach the origin"
        if name.startswith(SENSITIVE_PREFIX):
            if not got.get("encrypted"):
                return f"fle-plaintext: {name} reached the origin unencrypted"
            if not got.get("decrypted"):
                return f"fle-undecryptable: {name}: {got.get('error')}"
            if got.get("plaintext_sha256") != hashlib.sha256(value.encode()).hexdigest():
                return f"fle-mismatch: {name} decrypted to something else than was sent"
        elif got.get("value") != value:
            return f"fle-altered: {name} changed on the way"
    return None
