"""``--viewer-location FILE``: the geography CloudFront-Viewer-* headers report, per POP.

The file is a JSON object keyed by POP name (``EMU50-C1``) or ``"*"`` (every POP); each value
maps a header, with or without its ``CloudFront-Viewer-`` prefix, to its value::

    {"*": {"Country": "DE", "Country-Name": "Germany", "City": "Frankfurt am Main"},
     "EMU50-C2": {"Country": "FR", "Country-Name": "France", "City": "Paris"}}

Headers a file leaves out keep :data:`DEFAULT_LOCATION`.
"""

from __future__ import annotations

from contracts.documents import load_json
from edge.errors import ConfigError

PREFIX = "cloudfront-viewer-"
# Geography of a viewer at an emulated POP unless --viewer-location says otherwise.
DEFAULT_LOCATION: dict[str, str] = {
    "cloudfront-viewer-asn": "16509",
    "cloudfront-viewer-city": "Seattle",
    "cloudfront-viewer-country": "US",
    "cloudfront-viewer-country-name": "United States",
    "cloudfront-viewer-country-region": "WA",
    "cloudfront-viewer-country-region-name": "Washington",
    "cloudfront-viewer-latitude": "47.60620",
    "cloudfront-viewer-longitude": "-122.33210",
    "cloudfront-viewer-metro-code": "819",
    "cloudfront-viewer-postal-code": "98101",
    "cloudfront-viewer-time-zone": "America/Los_Angeles",
}
DEVICE = ("cloudfront-is-android-viewer", "cloudfront-is-desktop-viewer", "cloudfront-is-ios-viewer",
           "cloudfront-is-mobile-viewer", "cloudfront-is-smarttv-viewer", "cloudfront-is-tablet-viewer")
CONNECTION = ("cloudfront-forwarded-proto", "cloudfront-viewer-address",
               "cloudfront-viewer-http-version", "cloudfront-viewer-tls")
CLOUDFRONT_HEADERS = frozenset(DEFAULT_LOCATION) | frozenset(DEVICE) | frozenset(CONNECTION)




def load_viewer_location(path: str | None) -> dict[str, dict[str, str]]:
    """POP (or ``*``) -> lower-case header -> value; ConfigError naming the field otherwise."""
    if path is None:
        return {}
    raw = load_json(path, path, ConfigError)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected an object keyed by POP name or \"*\"")
    allowed = ", ".join(sorted(h.removeprefix(PREFIX).title() for h in DEFAULT_LOCATION))
    out: dict[str, dict[str, str]] = {}
    for pop, values in raw.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: {pop}: expected an object of header: value")
        headers: dict[str, str] = {}
        for name, value in values.items():
            low = name.lower()
            full = low if low.startswith(PREFIX) else PREFIX + low
            if full not in DEFAULT_LOCATION:
                raise ConfigError(f"{path}: {pop}.{name}: not a location header (allowed: {allowed})")
            if not isinstance(value, str) or not value.isprintable():
                raise ConfigError(f"{path}: {pop}.{name}: expected a printable string, got {value!r}")
            headers[full] = value
        out[str(pop)] = headers
    return out
