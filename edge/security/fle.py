"""Field-level encryption of one viewer request: decide (pure), then rewrite the form body.

For a POST or PUT on a behaviour with ``FieldLevelEncryptionId``, CloudFront's rules, in the
order this module applies them (the ``fle-status`` log word in brackets):

1. body over 1 MB -> 400 [``RequestLengthLimitClientError``];
2. Content-Type unparseable -> 400 [``MalformedContentTypeClientError``]; not listed in the
   config's ``ContentTypeProfiles`` -> forwarded as is when ``ForwardWhenContentTypeIsUnknown``
   [``ForwardedByContentType``], else 400 [``RejectedByContentType``];
3. a ``fle-profile`` query argument picks the profile of ``QueryArgProfiles`` (overriding the
   content type's); empty or over 128 characters -> 400 [``MalformedQueryArgsClientError``];
   unknown -> forwarded when ``ForwardWhenQueryArgProfileIsUnknown``
   [``ForwardedByQueryArgs``], else 400 [``RejectedByQueryArgs``];
4. otherwise the content type's profile; a content type listed without one is forwarded
   [``ForwardedDueToNoProfile``];
5. the body must be a valid URL-encoded form (UTF-8) -> else 400 [``MalformedInputClientError``];
   more than 10 fields matching the profile's patterns -> 400 [``FieldNumberLimitClientError``];
   a matching field over 16 KB -> 400 [``FieldLengthLimitClientError``];
6. each matching field's value is replaced by the base64 of an AWS Encryption SDK message
   (see :mod:`edge.security.fle_crypto`), every other byte of the body unchanged [``Processed``;
   ``fle-encrypted-fields`` counts them]. An origin that then fails makes it ``ServerError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qsl, quote, unquote_to_bytes

from edge.security.fle_config import EncryptionEntity, FleConfig, FleProfile

MAX_BODY_BYTES = 1024 * 1024
MAX_FIELD_BYTES = 16 * 1024
MAX_FIELDS = 10
MAX_QUERY_ARG = 128
FLE_METHODS = frozenset({"POST", "PUT"})
QUERY_ARG = "fle-profile"


@dataclass(frozen=True)
class FleDecision:
    """What to do with the body: ``encrypt`` with ``profile``, forward it as is, or reject (400)."""

    status: str  # the fle-status log word
    reject: bool = False
    profile: FleProfile | None = None

    @property
    def encrypt(self) -> bool:
        return self.profile is not None


@dataclass(frozen=True)
class FieldToEncrypt:
    """One ``name=value`` segment of the body that a profile pattern matched."""

    index: int  # position among the body's '&'-separated segments
    name: str
    value: bytes
    entity: EncryptionEntity


def decide(config: FleConfig, profiles: dict[str, FleProfile], content_type: str | None,
           query: str, body_length: int) -> FleDecision:
    """Rules 1-4 of the module docstring."""
    if body_length > MAX_BODY_BYTES:
        return FleDecision("RequestLengthLimitClientError", reject=True)
    media = _media_type(content_type)
    if media is None:
        return FleDecision("MalformedContentTypeClientError", reject=True)
    listed = dict(config.content_type_profiles)
    if media not in listed:
        if config.forward_when_content_type_unknown:
            return FleDecision("ForwardedByContentType")
        return FleDecision("RejectedByContentType", reject=True)
    wanted = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == QUERY_ARG]
    if wanted:
        arg = wanted[0]
        if not 1 <= len(arg) <= MAX_QUERY_ARG:
            return FleDecision("MalformedQueryArgsClientError", reject=True)
        by_arg = dict(config.query_arg_profiles)
        if arg not in by_arg:
            if config.forward_when_query_arg_unknown:
                return FleDecision("ForwardedByQueryArgs")
            return FleDecision("RejectedByQueryArgs", reject=True)
        return FleDecision("Processed", profile=profiles[by_arg[arg]])
    profile_id = listed[media]
    if profile_id is None:
        return FleDecision("ForwardedDueToNoProfile")
    return FleDecision("Processed", profile=profiles[profile_id])


def fields_to_encrypt(profile: FleProfile, body: bytes) -> list[FieldToEncrypt] | str:
    """Rule 5: the matching fields, or the fle-status word of the rejection."""
    found = []
    for index, segment in enumerate(body.split(b"&")) if body else ():
        if not segment:
            continue
        raw_name, _, raw_value = segment.partition(b"=")
        try:
            name = _form_unquote(raw_name).decode("utf-8")
            value = _form_unquote(raw_value)
            value.decode("utf-8")
        except (UnicodeDecodeError, ValueError):
            return "MalformedInputClientError"
        entity = profile.entity_for(name)
        if entity is None:
            continue
        if len(value) > MAX_FIELD_BYTES:
            return "FieldLengthLimitClientError"
        found.append(FieldToEncrypt(index, name, value, entity))
    if len(found) > MAX_FIELDS:
        return "FieldNumberLimitClientError"
    return found


def rewrite_body(body: bytes, fields: list[FieldToEncrypt],
                 encrypt: Callable[[FieldToEncrypt], str]) -> bytes:
    """Rule 6: ``body`` with each field's value replaced by ``encrypt(field)`` (base64 text).

    The base64 is percent-encoded (``+``, ``/`` and ``=`` are special in a form), and every
    other segment is kept byte for byte.
    """
    segments = body.split(b"&")
    for item in fields:
        raw_name = segments[item.index].partition(b"=")[0]
        segments[item.index] = raw_name + b"=" + quote(encrypt(item), safe="").encode("ascii")
    return b"&".join(segments)


def _form_unquote(raw: bytes) -> bytes:
    # '%' must start a valid escape: a malformed body is refused, not guessed at.
    text = raw.replace(b"+", b" ")
    i = text.find(b"%")
    while i != -1:
        escape = text[i + 1:i + 3]
        if len(escape) != 2 or not all(c in b"0123456789abcdefABCDEF" for c in escape):
            raise ValueError("bad percent escape")
        i = text.find(b"%", i + 3)
    return unquote_to_bytes(text)


def _media_type(content_type: str | None) -> str | None:
    """``application/x-www-form-urlencoded; charset=utf-8`` -> ``application/x-www-form-urlencoded``.

    A missing Content-Type is the empty type (unknown); one without ``type/subtype`` is malformed.
    """
    if content_type is None or not content_type.strip():
        return ""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, sep, sub = media.partition("/")
    if not sep or not kind or not sub or " " in media:
        return None
    return media
