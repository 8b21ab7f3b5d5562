"""Bad security flags: one line naming the flag, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.stack.procs import REPO_ROOT


def run_origin(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "origins", "--id", "x", "--listen", ":0", "--control", ":0", *args]
    return subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("args, message", [
    (("--require-header", "X-Origin-Verify"), "--require-header: expected NAME=VALUE"),
    (("--require-header", "A=1", "--require-header", "B=2"), "one header name only"),
    (("--require-header", "A=1", "--require-header", "A=2", "--require-header", "A=3"), "at most 2"),
    (("--private-bucket", "/nonexistent/creds.json"), "--private-bucket /nonexistent/creds.json: cannot read"),
    (("--fle-private-key", "/nonexistent/key.pem"), "--fle-private-key /nonexistent/key.pem: cannot read"),
])
def test_bad_flags(args: tuple[str, ...], message: str) -> None:
    result = run_origin(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_credentials_file_fields_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_text('{"AccessKeyId": "AKIA1", "SourceArn": "arn:aws:cloudfront::1:distribution/E1"}')
    result = run_origin("--private-bucket", str(path))
    assert result.returncode == 2
    assert "SecretAccessKey: expected a non-empty string" in result.stderr


def test_a_small_rsa_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "small.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    result = run_origin("--fle-private-key", str(path))
    assert result.returncode == 2
    assert "RSA-2048 keys only" in result.stderr
