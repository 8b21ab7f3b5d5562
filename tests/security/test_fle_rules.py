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


# -- where a field-level encryption config may be attached (CreateDistribution's rules) ------------
def _fle_distribution(change: object) -> dict[str, object]:
    import json

    from scenarios.stack.procs import REPO_ROOT
    doc = json.loads((REPO_ROOT / "distributions" / "fle.json").read_text())
    change(doc["DistributionConfig"])  # type: ignore[operator]
    return doc


def _form(config: dict) -> dict:  # type: ignore[type-arg]
    return next(b for b in config["CacheBehaviors"]["Items"] if b.get("FieldLevelEncryptionId"))


def _http_origin(config: dict) -> None:  # type: ignore[type-arg]
    config["Origins"]["Items"][0]["CustomOriginConfig"]["OriginProtocolPolicy"] = "http-only"


def _allow_all(config: dict) -> None:  # type: ignore[type-arg]
    _form(config)["ViewerProtocolPolicy"] = "allow-all"


def _three_methods(config: dict) -> None:  # type: ignore[type-arg]
    _form(config)["AllowedMethods"] = {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"],
                                       "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}


@pytest.mark.parametrize("change, where, what", [
    (_three_methods, "AllowedMethods", "needs all seven methods allowed"),
    (_allow_all, "ViewerProtocolPolicy", "'allow-all' with field-level encryption (allowed: redirect-to-https, https-only)"),
    (_http_origin, "TargetOriginId", "origin 'primary' has OriginProtocolPolicy 'http-only'"),
])
def test_fle_needs_every_method_https_viewers_and_an_https_origin(change: object, where: str, what: str) -> None:
    from edge.config.loader import parse_distribution
    from edge.errors import ConfigError
    with pytest.raises(ConfigError) as caught:
        parse_distribution(_fle_distribution(change), "fle.json")
    message = str(caught.value)
    assert f".{where}: IllegalFieldLevelEncryptionConfigAssociationWithCacheBehavior: " in message
    assert what in message


def test_the_shipped_fle_distribution_is_valid_as_the_api_would_take_it() -> None:
    from edge.config.loader import parse_distribution
    form = next(b for b in parse_distribution(_fle_distribution(lambda c: None), "fle.json").behaviors
                if b.field_level_encryption_id)
    assert form.viewer_protocol_policy == "https-only" and len(form.allowed_methods) == 7
