"""ViewerProtocolPolicy: what a plain-HTTP viewer gets under each policy (no IO).

- ``allow-all``: served.
- ``redirect-to-https``: ``301 Moved Permanently`` to the same URL on https (every method,
  as the API reference words it), ``X-Cache: Redirect from cloudfront``.
- ``https-only``: ``403``.

CloudFront redirects to port 443; the emulator's TLS listener has its own port, so the
``Location`` names that port (and keeps the Host's name). Without a TLS listener it names no
port, as CloudFront would.
"""

from __future__ import annotations

from edge.core.outcome import Outcome, generated

_REDIRECT_BODY = (b"<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n"
                  b"<center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>CloudFront"
                  b"</center>\r\n</body>\r\n</html>\r\n")
HTTPS_ONLY_REASON = "This distribution requires HTTPS: it was asked over HTTP."


def https_url(host: str, raw_path: str, https_port: int | None) -> str:
    """The https URL of a request that came over HTTP."""
    name = host
    if host.startswith("["):  # [v6]:port
        name = host[:host.index("]") + 1]
    elif host.count(":") == 1:
        name = host.partition(":")[0]
    port = f":{https_port}" if https_port not in (None, 443) else ""
    return f"https://{name or 'localhost'}{port}{raw_path}"


def plain_http_outcome(policy: str, host: str, raw_path: str, https_port: int | None,
                       request_id: str) -> Outcome | None:
    """The answer for a plain-HTTP request under ``policy``, or None when it is served."""
    if policy == "redirect-to-https":
        headers = (("Server", "CloudFront"), ("Content-Type", "text/html"),
                   ("Location", https_url(host, raw_path, https_port)))
        return Outcome(301, headers, _REDIRECT_BODY, "Redirect", "Redirect",
                       content_type="text/html")
    if policy == "https-only":
        return generated(403, "Error", request_id, HTTPS_ONLY_REASON)
    return None
