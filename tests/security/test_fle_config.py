"""Loading FLE objects in the AWS CLI's shapes, and the API's validation rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edge.errors import ConfigError
from edge.security.fle_config import load_fle
from tests.security.conftest import Keys
from tests.security.fle_helpers import config_doc, profile_doc, write_docs

REPO = Path(__file__).resolve().parents[2]


def test_shipped_fle_files_load_with_generated_key(keys: Keys) -> None:
    files = sorted(str(p) for p in (REPO / "distributions" / "fle").glob("*.json"))
    setup = load_fle([*files, keys.public_key_json])
    config = setup.configs["C1HARNESSFLECONFIG"]
    assert config.content_type_profiles == (("application/x-www-form-urlencoded", "P1HARNESSCHECKOUT"),)
    assert config.query_arg_profiles == (("checkout-strict", "P2HARNESSSTRICT"),)
    assert not config.forward_when_content_type_unknown and not config.forward_when_query_arg_unknown
    assert setup.profiles["P2HARNESSSTRICT"].entities[0].patterns == ("card_*", "billing_*")


def _profile_with(patterns: list[str]) -> dict[str, Any]:
    return profile_doc("P1TEST", patterns)


@pytest.mark.parametrize("docs, message", [
    ({"p": _profile_with(["ABC*", "AB*"])}, "overlap"),
    ({"p": _profile_with(["card", "card"])}, "overlap"),
    ({"p": _profile_with(["card_*", "card_number"])}, "overlap"),
    ({"p": _profile_with([f"f{i}" for i in range(11)])}, "at most 10 field patterns"),
    ({"p": _profile_with(["bad pattern"])}, "is not a field name"),
    ({"p": _profile_with(["*"])}, "is not a field name"),
    ({"p": profile_doc("P1TEST", ["x"], provider="bad provider!")}, "ProviderId"),
    ({"p": profile_doc("P1TEST", ["x"], key_id="KNOWHERE")}, "names PublicKeyId 'KNOWHERE'"),
    ({"c": config_doc()}, "names profile 'P1TEST'"),
    ({"x": {"Something": {}}}, "expected a FieldLevelEncryption, FieldLevelEncryptionProfile or PublicKey"),
])
def test_invalid_objects(tmp_path: Path, keys: Keys, docs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_fle([*write_docs(tmp_path, docs), keys.public_key_json])


def test_only_url_encoded_format(tmp_path: Path, keys: Keys) -> None:
    doc = config_doc(content_types=[("application/json", None)])
    doc["FieldLevelEncryption"]["FieldLevelEncryptionConfig"]["ContentTypeProfileConfig"][
        "ContentTypeProfiles"]["Items"][0]["Format"] = "JSON"
    with pytest.raises(ConfigError, match=r"ContentTypeProfiles.Items\[0\].Format: 'JSON' is not allowed"):
        load_fle(write_docs(tmp_path, {"c": doc}))


def test_errors_name_the_file_and_path(tmp_path: Path, keys: Keys) -> None:
    paths = write_docs(tmp_path, {"p": _profile_with(["ok", "bad pattern"])})
    with pytest.raises(ConfigError) as info:
        load_fle([*paths, keys.public_key_json])
    assert str(info.value).startswith(f"{paths[0]}: ")
    assert "FieldPatterns.Items[1]" in str(info.value)


def test_public_key_must_be_rsa_2048(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    doc = {"PublicKey": {"Id": "K1", "PublicKeyConfig": {"Name": "k", "EncodedKey": pem, "CallerReference": "x"}}}
    with pytest.raises(ConfigError, match="RSA-2048 keys only"):
        load_fle(write_docs(tmp_path, {"k": doc}))
