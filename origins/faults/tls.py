"""The tls fault: the origin's TLS listener serves a broken certificate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from origins.faults.base import Context, Effect, Plan, check_keys, get_choice

CERTIFICATES = ("expired", "wrong-name", "self-signed")


@dataclass(frozen=True)
class Tls(Effect):
    """New TLS handshakes get an ``expired`` certificate, one for the ``wrong-name`` or a
    ``self-signed`` one (all from the run's TLS folder, ``contracts/tls.py``); idle keep-alive
    connections are closed so the next request shakes hands again, as after a certificate
    rotation that reloads the server. The plain listener is untouched. Acts on the listener,
    so ``paths`` and ``probability`` are not accepted; an origin without ``--listen-tls``
    refuses it."""

    type: ClassVar[str] = "tls"
    per_request: ClassVar[bool] = False
    certificate: str = "expired"

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Tls:
        check_keys(attrs, cls.type, ("certificate",))
        return cls(certificate=get_choice(attrs, "certificate", CERTIFICATES, "expired"))

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        return plan
