"""The headers CloudFront adds about the viewer (``CloudFront-Viewer-*``, ``CloudFront-Is-*``).

A cache or origin request policy that names one of them gets it from the edge, never from
the viewer (a viewer-sent ``CloudFront-Viewer-Country`` is replaced). Values come from the
connection (address, port, protocol, HTTP version, TLS), from the ``User-Agent`` (device
type, as CloudFront derives it) and from the POP's *location*: geography the emulator cannot
know for a loopback viewer, so it is configured per POP (``python -m edge --viewer-location
FILE``; defaults in :data:`DEFAULT_LOCATION`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from edge.config.viewer_location import CLOUDFRONT_HEADERS, DEFAULT_LOCATION, DEVICE

__all__ = ["CLOUDFRONT_HEADERS", "DEFAULT_LOCATION", "EdgeValues", "ViewerContext", "cloudfront_headers",
           "location_for"]


@dataclass(frozen=True)
class ViewerContext:
    """What the edge knows about the viewer of one request, beyond its headers."""

    ip: str = "127.0.0.1"
    port: int = 0
    https: bool = False
    http_version: str = "1.1"
    tls_protocol: str | None = None  # TLSv1.3
    tls_cipher: str | None = None    # TLS_AES_256_GCM_SHA384 (OpenSSL names, as the log has them)
    location: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LOCATION)


def _device(user_agent: str) -> dict[str, str]:
    ua = user_agent.lower()
    ios = any(word in ua for word in ("iphone", "ipad", "ipod"))
    android = "android" in ua
    tablet = "ipad" in ua or "tablet" in ua or (android and "mobile" not in ua)
    smarttv = any(word in ua for word in ("smart-tv", "smarttv", "googletv", "appletv", "hbbtv", "crkey"))
    mobile = not tablet and not smarttv and (ios or android or "mobile" in ua)
    desktop = not (mobile or tablet or smarttv)
    flags = {"android": android, "desktop": desktop, "ios": ios, "mobile": mobile,
             "smarttv": smarttv, "tablet": tablet}
    return {f"cloudfront-is-{k}-viewer": "true" if v else "false" for k, v in flags.items()}


def cloudfront_headers(names: tuple[str, ...] | frozenset[str], viewer: ViewerContext,
                       user_agent: str) -> dict[str, str]:
    """The value of each CloudFront header in ``names`` (lower-case) for this viewer."""
    out: dict[str, str] = {}
    device: dict[str, str] | None = None
    for name in names:
        if name in viewer.location:
            out[name] = viewer.location[name]
        elif name in DEFAULT_LOCATION:
            out[name] = DEFAULT_LOCATION[name]
        elif name == "cloudfront-forwarded-proto":
            out[name] = "https" if viewer.https else "http"
        elif name == "cloudfront-viewer-address":
            out[name] = f"[{viewer.ip}]:{viewer.port}" if ":" in viewer.ip else f"{viewer.ip}:{viewer.port}"
        elif name == "cloudfront-viewer-http-version":
            out[name] = viewer.http_version
        elif name == "cloudfront-viewer-tls":
            if viewer.https:  # only TLS viewers carry it
                out[name] = f"{viewer.tls_protocol}:{viewer.tls_cipher}:fullHandshake"
        elif name in DEVICE:
            device = device or _device(user_agent)
            out[name] = device[name]
    return out


def location_for(pop: str, configured: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The POP's location: defaults, then the file's ``"*"`` entry, then the POP's own."""
    out = dict(DEFAULT_LOCATION)
    for key in ("*", pop):
        out.update(configured.get(key, {}))
    return out


class EdgeValues(Mapping[str, str]):
    """The viewer's headers as the cache key reads them, with the edge's CloudFront-* values."""

    def __init__(self, edge: dict[str, str], viewer: Mapping[str, str]) -> None:
        self._edge = edge
        self._viewer = viewer

    def __getitem__(self, name: str) -> str:
        low = name.lower()
        if low in CLOUDFRONT_HEADERS:
            return self._edge[low]
        return self._viewer[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._viewer)

    def __len__(self) -> int:
        return len(self._viewer)
