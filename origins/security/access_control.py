"""Control-port calls for the origin's access policy (see :mod:`origins.security.access`).

| call | answer |
| --- | --- |
| ``GET /access`` | 200 ``{"id", "private_bucket", "source_arn", "require_header": {"name", "accepted_values"}, "refused"}`` |
| ``PUT /access/require-header`` body ``{"values": [V1, V2?]}`` | 200 as ``GET``; the origin accepts exactly these values from now on (a rotation: add the new value, move the edge, drop the old one) |

Secrets are never echoed back. The token check of the control app covers these calls too.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from origins.security.access_middleware import AccessMiddleware


def register_access_routes(app: Flask, origin_id: str, access: AccessMiddleware) -> None:
    """Add the ``/access`` calls to the control ``app``."""

    def state() -> Response:
        return jsonify(id=origin_id, **access.describe())

    @app.get("/access")
    def get_access() -> Response:
        return state()

    @app.put("/access/require-header")
    def put_required_header() -> Response | tuple[Response, int]:
        body = request.get_json(silent=True)
        values = body.get("values") if isinstance(body, dict) else None
        if not isinstance(values, list):
            return _error(400, "access.values: body must be {\"values\": [\"...\", ...]} (JSON)")
        try:
            access.rotate_header(values)
        except ValueError as exc:
            status = 409 if "without" in str(exc) else 400
            return _error(status, f"access.{exc}")
        return state()


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message, status=status), status
