"""CloudFront's FLE rules as pure functions: profile selection, limits, body rewriting."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from edge.security.fle import decide, fields_to_encrypt, rewrite_body
from edge.security.fle_config import EncryptionEntity, FleConfig, FleProfile

FORM = "application/x-www-form-urlencoded"
CARD = FleProfile("P1", "card", (EncryptionEntity("K1", "prov", ("card_*",)),))
STRICT = FleProfile("P2", "strict", (EncryptionEntity("K1", "prov", ("card_*", "billing_zip")),))
PROFILES = {"P1": CARD, "P2": STRICT}


def config(forward_ct: bool = False, forward_qa: bool = False,
           cts: tuple[tuple[str, str | None], ...] = ((FORM, "P1"),)) -> FleConfig:
    return FleConfig("C1", forward_ct, cts, forward_qa, (("strict", "P2"),))


@pytest.mark.parametrize("cfg, content_type, query, length, status, profile", [
    (config(), FORM, "", 100, "Processed", "P1"),
    (config(), f"{FORM}; charset=UTF-8", "", 100, "Processed", "P1"),
    (config(), FORM.upper(), "", 100, "Processed", "P1"),
    (config(), FORM, "", 1024 * 1024, "Processed", "P1"),
    (config(), FORM, "", 1024 * 1024 + 1, "RequestLengthLimitClientError", None),
    (config(), "application/json", "", 10, "RejectedByContentType", None),
    (config(forward_ct=True), "application/json", "", 10, "ForwardedByContentType", None),
    (config(), None, "", 10, "RejectedByContentType", None),
    (config(), "garbage", "", 10, "MalformedContentTypeClientError", None),
    (config(), FORM, "fle-profile=strict", 10, "Processed", "P2"),
    (config(), FORM, "a=1&fle-profile=strict", 10, "Processed", "P2"),
    (config(), FORM, "fle-profile=unknown", 10, "RejectedByQueryArgs", None),
    (config(forward_qa=True), FORM, "fle-profile=unknown", 10, "ForwardedByQueryArgs", None),
    (config(), FORM, "fle-profile=", 10, "MalformedQueryArgsClientError", None),
    (config(), FORM, "fle-profile=" + "x" * 129, 10, "MalformedQueryArgsClientError", None),
    (config(cts=((FORM, None),)), FORM, "", 10, "ForwardedDueToNoProfile", None),
    (config(forward_ct=True), "text/plain", "fle-profile=strict", 10, "ForwardedByContentType", None),
])
def test_decide(cfg: FleConfig, content_type: str | None, query: str, length: int, status: str,
                profile: str | None) -> None:
    decision = decide(cfg, PROFILES, content_type, query, length)
    assert decision.status == status
    assert decision.reject == (not status.startswith(("Processed", "Forwarded")))
    assert (decision.profile.id if decision.profile else None) == profile


@pytest.mark.parametrize("status, rejected", [
    ("RequestLengthLimitClientError", True), ("RejectedByContentType", True), ("RejectedByQueryArgs", True),
    ("MalformedContentTypeClientError", True), ("MalformedQueryArgsClientError", True),
    ("ForwardedByContentType", False), ("ForwardedByQueryArgs", False), ("ForwardedDueToNoProfile", False),
])
def test_every_rejection_is_a_400_and_no_forward_is(status: str, rejected: bool) -> None:
    cases = {
        "RequestLengthLimitClientError": (config(), FORM, "", 2 * 1024 * 1024),
        "RejectedByContentType": (config(), "text/plain", "", 1),
        "RejectedByQueryArgs": (config(), FORM, "fle-profile=nope", 1),
        "MalformedContentTypeClientError": (config(), "nonsense", "", 1),
        "MalformedQueryArgsClientError": (config(), FORM, "fle-profile=", 1),
        "ForwardedByContentType": (config(forward_ct=True), "text/plain", "", 1),
        "ForwardedByQueryArgs": (config(forward_qa=True), FORM, "fle-profile=nope", 1),
        "ForwardedDueToNoProfile": (config(cts=((FORM, None),)), FORM, "", 1),
    }
    decision = decide(*cases[status][:1], PROFILES, *cases[status][1:])
    assert (decision.status, decision.reject) == (status, rejected)


def form(fields: list[tuple[str, str]]) -> bytes:
    return urlencode(fields).encode()


def test_matching_fields_are_found_in_order() -> None:
    body = form([("name", "A B"), ("card_number", "4111"), ("card_cvv", "123"), ("cardx", "no")])
    found = fields_to_encrypt(CARD, body)
    assert not isinstance(found, str)
    assert [(f.index, f.name, f.value) for f in found] == [(1, "card_number", b"4111"), (2, "card_cvv", b"123")]


@pytest.mark.parametrize("fields, status", [
    ([(f"card_{i}", "1") for i in range(10)], None),                      # 10 fields: the limit
    ([(f"card_{i}", "1") for i in range(11)], "FieldNumberLimitClientError"),
    ([("card_n", "x" * 16 * 1024)], None),                                 # 16 KB: the limit
    ([("card_n", "x" * (16 * 1024 + 1))], "FieldLengthLimitClientError"),
    ([("other", "x" * 100_000), ("card_n", "1")], None),                  # only matched fields count
    ([(f"other_{i}", "1") for i in range(50)], None),
])
def test_field_limits(fields: list[tuple[str, str]], status: str | None) -> None:
    found = fields_to_encrypt(CARD, form(fields))
    if status is None:
        assert not isinstance(found, str)
        assert len(found) == sum(1 for n, _ in fields if n.startswith("card_"))
    else:
        assert found == status


@pytest.mark.parametrize("body", [b"card_number=%ZZ", b"card_number=%4", b"name=%FF%FE", b"%C3=1"])
def test_malformed_input(body: bytes) -> None:
    assert fields_to_encrypt(CARD, body) == "MalformedInputClientError"


def test_rewrite_keeps_other_bytes_and_percent_encodes_base64() -> None:
    body = b"name=A+B%21&card_number=4111&empty=&flag&card_cvv=12"
    found = fields_to_encrypt(CARD, body)
    assert not isinstance(found, str)
    out = rewrite_body(body, found, lambda f: "+/=" + f.name)
    assert out == b"name=A+B%21&card_number=%2B%2F%3Dcard_number&empty=&flag&card_cvv=%2B%2F%3Dcard_cvv"
    assert dict(parse_qsl(out.decode()))["card_number"] == "+/=card_number"


def test_query_profile_covers_more_fields() -> None:
    body = form([("card_number", "4111"), ("billing_zip", "12345"), ("billing_city", "X")])
    found = fields_to_encrypt(STRICT, body)
    assert not isinstance(found, str)
    assert [f.name for f in found] == ["card_number", "billing_zip"]
