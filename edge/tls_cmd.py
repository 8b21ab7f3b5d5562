"""``python -m edge tls-dir DIR [--config FILE ...]``: a TLS folder for manual runs.

Writes the files of :mod:`contracts.tls` into DIR (with ``cryptography``, already the FLE
dependency; ECDSA P-256 keys, so a whole folder takes about 10 ms), with every origin
``DomainName`` of the given distributions in the certificates (the edge checks an origin's certificate against
its DomainName, as CloudFront does). Scenario runs make their own folder per run;
``make keys`` makes ``keys/tls`` for the shipped distributions.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from contracts.cli import OneLineParser
from contracts.tls import BROKEN, CA, KEY, LOCAL_NAMES, SERVER, WRONG_NAME
from edge.config.loader import load_distribution
from edge.errors import UsageError


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cf-chaos harness"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common[:64])])


def _san(names: Iterable[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _leaf(subject_names: list[str], key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
          signer: ec.EllipticCurvePrivateKey, start: dt.datetime, end: dt.datetime) -> x509.Certificate:
    return (x509.CertificateBuilder()
            .subject_name(_name(subject_names[0])).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(_san(subject_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(signer, hashes.SHA256()))


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_tls_dir(directory: str | Path, names: Iterable[str] = (), days: int = 30) -> Path:
    """Write the CA and every certificate into ``directory`` (created); returns it."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("cf-chaos harness local CA")
    ca = (x509.CertificateBuilder()
          .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = [*names, *LOCAL_NAMES]
    valid = (now - dt.timedelta(hours=1), now + dt.timedelta(days=days))
    leaves = {
        SERVER: _leaf(subject, key, ca_name, ca_key, *valid),
        BROKEN["expired"]: _leaf(subject, key, ca_name, ca_key, now - dt.timedelta(days=30),
                                 now - dt.timedelta(days=1)),
        BROKEN["wrong-name"]: _leaf([WRONG_NAME], key, ca_name, ca_key, *valid),
        BROKEN["self-signed"]: _leaf(subject, key, _name(subject[0]), key, *valid),
    }
    for file, cert in leaves.items():
        (out / file).write_bytes(_pem(cert))
    (out / CA).write_bytes(_pem(ca))
    key_path = out / KEY
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return out


def main(argv: list[str]) -> int:
    p = OneLineParser(error_type=UsageError, prog="python -m edge tls-dir",
                      description="Write a local CA and the certificates the edge and origins serve.")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--config", action="append", default=[], metavar="FILE",
                   help="a DistributionConfig whose origin DomainNames the certificates name (repeatable)")
    p.add_argument("--days", type=int, default=365, help="how long the certificates are valid (default 365)")
    ns = p.parse_args(argv)
    if not 1 <= ns.days <= 825:
        raise UsageError(f"--days: {ns.days} is out of range (allowed 1..825)")
    names: list[str] = []
    for config in ns.config:
        names += [o.domain_name for o in load_distribution(config).origins.values()]
    out = make_tls_dir(ns.dir, names, days=ns.days)
    print(f"wrote {out}/ca.pem (trust this), server.pem, expired.pem, wrong-name.pem, "
          f"self-signed.pem and key.pem (mode 600) for {len(set(names))} origin names")
    return 0
