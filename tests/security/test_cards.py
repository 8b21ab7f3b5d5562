"""The checkout forms' card numbers and the Checkout user's verdict on what the origin received."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest

from locustfiles.cards import checkout_form, luhn_card, verify
from reports.read.security import PAN, luhn_ok


def test_generated_cards_are_what_the_leak_scanner_looks_for() -> None:
    rng = random.Random(7)
    for _ in range(500):
        card = luhn_card(rng)
        assert len(card) == 16 and luhn_ok(card.encode())
        assert PAN.fullmatch(card.encode())


def _encrypted(value: str) -> dict[str, Any]:
    return {"value": "AYAD...", "encrypted": True, "decrypted": True,
            "plaintext_sha256": hashlib.sha256(value.encode()).hexdigest(), "error": None}


def _answer(sent: dict[str, str], **override: dict[str, Any]) -> dict[str, Any]:
    fields = {k: (_encrypted(v) if k.startswith("card_") else {"value": v}) for k, v in sent.items()}
    fields.update(override)
    return {"fields": fields}


SENT = checkout_form(random.Random(3))


@pytest.mark.parametrize("override, verdict", [
    ({}, None),
    ({"card_cvv": {"value": SENT["card_cvv"]}}, "fle-plaintext: card_cvv"),
    ({"card_number": {**_encrypted("x"), "decrypted": False, "error": "bad key"}}, "fle-undecryptable: card_number"),
    ({"card_expiry": _encrypted("01/30")}, "fle-mismatch: card_expiry"),
    ({"name": {"value": "someone else"}}, "fle-altered: name"),
])
def test_verify(override: dict[str, Any], verdict: str | None) -> None:
    result = verify(SENT, _answer(SENT, **override))
    assert result == verdict or (verdict is not None and result is not None and result.startswith(verdict))


def test_a_missing_field_is_reported() -> None:
    answer = _answer(SENT)
    del answer["fields"]["email"]
    assert verify(SENT, answer) == "fle-missing: email did not reach the origin"
