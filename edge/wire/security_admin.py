"""Admin API calls of the security features (mounted on ``--admin`` next to ``/stats``).

| call | answer |
| --- | --- |
| ``GET /origins/<id>/custom-headers`` | 200 ``{"origin", "names": [...], "rotated": [...]}`` (values never shown) |
| ``PUT /origins/<id>/custom-headers`` body ``{"headers": {NAME: VALUE}}`` | 200 as GET; later origin requests carry the new values (404 unknown origin, 400 unknown name) |
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from edge.security.features import EdgeSecurity


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status)


def security_routes(security: EdgeSecurity | None) -> list[web.RouteDef]:
    """The routes for ``security`` (none when the edge runs without it)."""
    if security is None:
        return []

    def state(origin_id: str, names: list[str]) -> dict[str, Any]:
        return {"origin": origin_id, "names": names,
                "rotated": sorted(security.header_overrides.get(origin_id, {}))}

    async def get_headers(request: web.Request) -> web.Response:
        origin_id = request.match_info["origin"]
        try:
            names = security.rotate_headers(origin_id, {})
        except LookupError as exc:
            return _error(404, str(exc).strip("'\""))
        return web.json_response(state(origin_id, names))

    async def put_headers(request: web.Request) -> web.Response:
        origin_id = request.match_info["origin"]
        try:
            body = await request.json()
        except ValueError:
            body = None
        headers = body.get("headers") if isinstance(body, dict) else None
        if not isinstance(headers, dict) or not headers:
            return _error(400, 'headers: body must be {"headers": {"NAME": "VALUE", ...}} (JSON)')
        try:
            names = security.rotate_headers(origin_id, headers)
        except LookupError as exc:
            return _error(404, str(exc).strip("'\""))
        except ValueError as exc:
            return _error(400, str(exc))
        return web.json_response(state(origin_id, names))

    return [web.get("/origins/{origin}/custom-headers", get_headers),
            web.put("/origins/{origin}/custom-headers", put_headers)]
