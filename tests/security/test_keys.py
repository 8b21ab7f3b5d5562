"""``python -m origins keys``: fresh, private, in the shapes the edge and origins read."""

from __future__ import annotations

import json
import stat

from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from edge.security.fle_config import load_fle
from edge.security.oac import load_credentials
from origins.security.keys import PUBLIC_KEY_ID, PUBLIC_KEY_NAME
from tests.security.conftest import Keys


def test_key_files(keys: Keys) -> None:
    private = load_pem_private_key((keys.folder / "fle-private-key.pem").read_bytes(), password=None)
    public = load_pem_public_key((keys.folder / "fle-public-key.pem").read_bytes())
    assert private.key_size == 2048  # type: ignore[union-attr]
    assert private.public_key().public_numbers() == public.public_numbers()  # type: ignore[union-attr]
    for name in ("fle-private-key.pem", "oac-credentials.json"):
        assert stat.S_IMODE((keys.folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.folder.stat().st_mode) == 0o700


def test_public_key_json_is_what_the_edge_loads(keys: Keys) -> None:
    setup = load_fle([keys.public_key_json])
    key = setup.keys[PUBLIC_KEY_ID]
    assert key.name == PUBLIC_KEY_NAME
    assert key.pem == (keys.folder / "fle-public-key.pem").read_bytes()


def test_credentials_are_random_and_loadable(keys: Keys) -> None:
    creds = load_credentials(keys.credentials_file)
    assert creds.access_key_id.startswith("AKIA") and len(creds.access_key_id) == 20
    assert len(creds.secret_access_key) == 40
    assert creds.region == "us-east-1"
    assert creds.secret_access_key not in repr(creds)
    other = json.loads((keys.folder / "oac-credentials.json").read_text())
    assert other["SecretAccessKey"] == creds.secret_access_key
