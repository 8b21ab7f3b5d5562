"""Field-level encryption objects, loaded from the JSON the AWS CLI prints.

``--fle FILE`` (repeatable) takes any of the three shapes; the top-level key says which:

* ``{"FieldLevelEncryption": {"Id", "FieldLevelEncryptionConfig": {...}}}``
  (``aws cloudfront get-field-level-encryption``),
* ``{"FieldLevelEncryptionProfile": {"Id", "FieldLevelEncryptionProfileConfig": {...}}}``
  (``get-field-level-encryption-profile``),
* ``{"PublicKey": {"Id", "PublicKeyConfig": {"Name", "EncodedKey", ...}}}`` (``get-public-key``).

Validated as the API does: ``URLEncoded`` is the only format; ProviderId and key names use
the allowed characters; field patterns are full names or ``prefix*``, at most 10 per profile,
and never overlap; keys are RSA-2048; every Id a config or profile names must be loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.documents import load_json
from edge.config.jsonpath import Node
from edge.errors import ConfigError

MAX_PATTERNS = 10
MAX_QUERY_ARG_PROFILES = 5
_PROVIDER = re.compile(r"^[A-Za-z0-9:_-]{1,128}$")
_KEY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_PATTERN = re.compile(r"^[A-Za-z0-9\[\]._-]{1,127}\*?$")


@dataclass(frozen=True)
class PublicKey:
    id: str
    name: str
    pem: bytes


@dataclass(frozen=True)
class EncryptionEntity:
    """Fields matching ``patterns`` are encrypted with ``public_key`` under ``provider_id``."""

    public_key_id: str
    provider_id: str
    patterns: tuple[str, ...]

    def matches(self, field_name: str) -> bool:
        return any(field_name.startswith(p[:-1]) if p.endswith("*") else field_name == p
                   for p in self.patterns)


@dataclass(frozen=True)
class FleProfile:
    id: str
    name: str
    entities: tuple[EncryptionEntity, ...]

    def entity_for(self, field_name: str) -> EncryptionEntity | None:
        return next((e for e in self.entities if e.matches(field_name)), None)


@dataclass(frozen=True)
class FleConfig:
    """A ``FieldLevelEncryptionConfig``: which profile a request gets, by content type or query arg."""

    id: str
    forward_when_content_type_unknown: bool
    content_type_profiles: tuple[tuple[str, str | None], ...]  # (content type, profile id or None)
    forward_when_query_arg_unknown: bool
    query_arg_profiles: tuple[tuple[str, str], ...]  # (fle-profile value, profile id)


@dataclass(frozen=True)
class FleSetup:
    """Everything ``--fle`` loaded, cross-checked."""

    configs: dict[str, FleConfig]
    profiles: dict[str, FleProfile]
    keys: dict[str, PublicKey]


def load_fle(paths: list[str]) -> FleSetup:
    """Load and cross-check every ``--fle`` file; ConfigError with one line on any problem."""
    configs: dict[str, FleConfig] = {}
    profiles: dict[str, FleProfile] = {}
    keys: dict[str, PublicKey] = {}
    for path in paths:
        raw = load_json(path, f"--fle {path}", ConfigError)
        kind = next((k for k in ("FieldLevelEncryption", "FieldLevelEncryptionProfile", "PublicKey")
                     if isinstance(raw, dict) and k in raw), None)
        if kind is None:
            raise ConfigError(f"{path}: expected a FieldLevelEncryption, FieldLevelEncryptionProfile "
                              "or PublicKey object (as the AWS CLI prints them)")
        node = Node(path, kind, raw[kind]).obj()
        if kind == "FieldLevelEncryption":
            item = _config(node)
            configs[item.id] = item
        elif kind == "FieldLevelEncryptionProfile":
            profile = _profile(node)
            profiles[profile.id] = profile
        else:
            key = _public_key(node)
            keys[key.id] = key
    for profile in profiles.values():
        for entity in profile.entities:
            if entity.public_key_id not in keys:
                raise ConfigError(f"--fle: profile {profile.id!r} names PublicKeyId "
                                  f"{entity.public_key_id!r}, which no --fle file defines "
                                  f"(loaded: {', '.join(sorted(keys)) or 'none'})")
    for config in configs.values():
        named = [p for _, p in config.content_type_profiles if p] + [p for _, p in config.query_arg_profiles]
        for profile_id in named:
            if profile_id not in profiles:
                raise ConfigError(f"--fle: config {config.id!r} names profile {profile_id!r}, which "
                                  f"no --fle file defines (loaded: {', '.join(sorted(profiles)) or 'none'})")
    return FleSetup(configs, profiles, keys)


def _config(node: Node) -> FleConfig:
    body = node.get("FieldLevelEncryptionConfig").obj()
    ct = body.get("ContentTypeProfileConfig", {"ForwardWhenContentTypeIsUnknown": False,
                                               "ContentTypeProfiles": {"Quantity": 0}}).obj()
    ct_items = []
    for item in ct.get("ContentTypeProfiles", {"Quantity": 0}).items():
        fmt = item.get("Format").str()
        if fmt != "URLEncoded":
            raise item.get("Format").error(f"{fmt!r} is not allowed (allowed: URLEncoded)")
        content_type = item.get("ContentType").str().strip().lower()
        profile_id = item.get("ProfileId", "").str() or None
        ct_items.append((content_type, profile_id))
    qa = body.get("QueryArgProfileConfig", {"ForwardWhenQueryArgProfileIsUnknown": False,
                                            "QueryArgProfiles": {"Quantity": 0}}).obj()
    qa_node = qa.get("QueryArgProfiles", {"Quantity": 0})
    qa_items = []
    for item in qa_node.items():
        arg = item.get("QueryArg").str()
        if not 1 <= len(arg) <= 128:
            raise item.get("QueryArg").error("must be 1..128 characters")
        qa_items.append((arg, item.get("ProfileId").str()))
    if len(qa_items) > MAX_QUERY_ARG_PROFILES:
        raise qa_node.error(f"at most {MAX_QUERY_ARG_PROFILES} query argument profiles per config")
    return FleConfig(
        id=node.get("Id").str(),
        forward_when_content_type_unknown=ct.get("ForwardWhenContentTypeIsUnknown").bool(),
        content_type_profiles=tuple(ct_items),
        forward_when_query_arg_unknown=qa.get("ForwardWhenQueryArgProfileIsUnknown").bool(),
        query_arg_profiles=tuple(qa_items),
    )


def _profile(node: Node) -> FleProfile:
    body = node.get("FieldLevelEncryptionProfileConfig").obj()
    entities = []
    all_patterns: list[tuple[str, Node]] = []
    for item in body.get("EncryptionEntities").items():
        provider = item.get("ProviderId").str()
        if not _PROVIDER.match(provider):
            raise item.get("ProviderId").error("1..128 letters, digits, ':', '_' or '-'")
        patterns_node = item.get("FieldPatterns")
        patterns = []
        for p in patterns_node.items():
            text = p.str()
            if not _PATTERN.match(text):
                raise p.error(f"{text!r} is not a field name or 'prefix*' (letters, digits, "
                              "'[', ']', '.', '_', '-'; at most 128 characters)")
            patterns.append(text)
            all_patterns.append((text, p))
        entities.append(EncryptionEntity(item.get("PublicKeyId").str(), provider, tuple(patterns)))
    if len(all_patterns) > MAX_PATTERNS:
        raise body.get("EncryptionEntities").error(f"at most {MAX_PATTERNS} field patterns per profile")
    for i, (a, node_a) in enumerate(all_patterns):
        for b, _ in all_patterns[i + 1:]:
            if _overlap(a, b):
                raise node_a.error(f"field patterns {a!r} and {b!r} overlap")
    return FleProfile(node.get("Id").str(), body.get("Name").str(), tuple(entities))


def _overlap(a: str, b: str) -> bool:
    """Could one field name match both patterns? (``ABC*`` and ``AB*`` can; so can ``x`` and ``x``.)"""
    a_prefix, b_prefix = a.rstrip("*"), b.rstrip("*")
    if a.endswith("*") and b.endswith("*"):
        return a_prefix.startswith(b_prefix) or b_prefix.startswith(a_prefix)
    if a.endswith("*"):
        return b.startswith(a_prefix)
    if b.endswith("*"):
        return a.startswith(b_prefix)
    return a == b


def _public_key(node: Node) -> PublicKey:
    body = node.get("PublicKeyConfig").obj()
    name = body.get("Name").str()
    if not _KEY_NAME.match(name):
        raise body.get("Name").error("1..128 letters, digits, '_' or '-'")
    pem = body.get("EncodedKey").str().encode()
    try:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        key = load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise body.get("EncodedKey").error(f"not a PEM public key ({exc})") from None
    if getattr(key, "key_size", None) != 2048:
        raise body.get("EncodedKey").error("field-level encryption takes RSA-2048 keys only")
    return PublicKey(node.get("Id").str(), name, pem)
