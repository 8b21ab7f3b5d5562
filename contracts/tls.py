"""The TLS folder of a run: its file names, and the contexts that serve and trust it.

A TLS folder (written by ``python -m edge tls-dir``, :mod:`edge.tls_cmd`) holds:

=====================  ==================================================================
``ca.pem``             the run's CA certificate: what viewers and the edge trust
``server.pem``         a leaf for the origins' DomainNames + ``localhost``, ``127.0.0.1``, ``::1``
``expired.pem``        the same names, signed by the CA, expired yesterday
``wrong-name.pem``     signed by the CA, valid, for ``wrong-name.invalid`` only
``self-signed.pem``    the same names, valid, but issued by itself (untrusted)
``key.pem``            the one private key of every leaf (mode 600)
=====================  ==================================================================

The CA's private key is never written: nothing can issue more certificates afterwards. The
edge serves ``server.pem``; an origin serves ``server.pem`` until a ``tls`` fault swaps in
one of the broken ones (``origins/faults/tls.py``).
"""

from __future__ import annotations

import ssl
from pathlib import Path

CA = "ca.pem"
SERVER = "server.pem"
KEY = "key.pem"
BROKEN = {"expired": "expired.pem", "wrong-name": "wrong-name.pem", "self-signed": "self-signed.pem"}
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
WRONG_NAME = "wrong-name.invalid"


def server_context(directory: str | Path, cert: str = SERVER,
                   factory: type[ssl.SSLContext] = ssl.SSLContext) -> ssl.SSLContext:
    """A server-side context serving ``cert`` of ``directory`` (TLS 1.2 and up); ``factory``
    is gevent's SSLContext in the origins (cooperative sockets)."""
    context = factory(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    base = Path(directory)
    context.load_cert_chain(base / cert, base / KEY)
    return context


def client_context(directory: str | Path) -> ssl.SSLContext:
    """A client context that trusts only the run's CA (and checks names)."""
    return ssl.create_default_context(cafile=str(Path(directory) / CA))


def check_tls_dir(directory: str | Path, flag: str) -> str | None:
    """None when ``directory`` has what a server needs, else one line naming what is missing."""
    base = Path(directory)
    missing = [f for f in (CA, SERVER, KEY) if not (base / f).is_file()]
    if missing:
        return (f"{flag} {directory}: no {', '.join(missing)} there (make one with "
                f"python -m edge tls-dir {directory} --config FILE, or make keys for keys/tls)")
    return None
