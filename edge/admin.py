"""The admin API (``--admin HOST:PORT``): JSON in and out, optional bearer token.

``GET /stats`` -> request counts by result type, detailed result type, origin
and status; origin attempts; failovers; cached objects. Errors are
``{"error": "...", "status": N}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from edge.server import Edge

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status)


def admin_app(edge: Edge, token: str | None) -> web.Application:
    """The admin application for ``edge``."""

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if token is not None and request.headers.get("Authorization") != f"Bearer {token}":
            return _error(401, "missing or wrong 'Authorization: Bearer <token>'")
        try:
            return await handler(request)
        except web.HTTPException as exc:
            return _error(exc.status, exc.reason)

    async def stats(request: web.Request) -> web.Response:
        body = edge.stats.as_json(len(edge.cache))
        body["pop"] = edge.pop
        return web.json_response(body)

    app = web.Application(middlewares=[auth])
    app.router.add_get("/stats", stats)
    return app
