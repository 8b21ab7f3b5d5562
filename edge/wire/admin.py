"""The admin API (``--admin HOST:PORT``): JSON in and out, always behind a bearer token.

| call | answer |
| --- | --- |
| ``GET /stats`` | request counts by result type, detailed result type, origin and status; origin attempts; failovers; cached objects (summed over POPs, ``pops`` per POP) |
| ``POST /invalidations`` body InvalidationBatch | 201 CloudFront's CreateInvalidation answer plus ``"ObjectsRemoved"``; every POP and the regional tier drop the paths |
| ``GET /invalidations`` | 200 ``{"InvalidationList": {"Quantity", "Items": [...]}}`` |
| ``GET /functions`` | 200 ``{name: {"fault": null or the fault}}``: the CloudFront functions and Lambda@Edge handlers the edge runs |
| ``PUT /functions/NAME/fault`` body ``{"fault": "throw" or "slow" or "budget" or "invalid" or null}`` | 200 the function's state: chaos for edge code (``throw``: every run throws; ``slow``: each run burns 60 % of its CPU budget first; ``budget``: each run overruns its CPU budget (a function) or its time limit (a Lambda); ``invalid``: each run returns something that is not a request or response; null clears) |

Errors are ``{"error": "...", "status": N}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from contracts.token import authorized
from edge.core.invalidation import InvalidationError, invalidation_answer, parse_batch
from edge.pop.pops import Pops

FUNCTION_FAULTS = ("throw", "slow", "budget", "invalid", None)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status)


def admin_app(pops: Pops, token: str,
              extra_routes: list[web.RouteDef] | None = None) -> web.Application:
    """The admin application for the POPs of this process."""
    done: list[dict[str, Any]] = []

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not authorized(request.headers.get("Authorization"), token):
            return _error(401, "missing or wrong 'Authorization: Bearer <token>'")
        try:
            return await handler(request)
        except web.HTTPException as exc:
            return _error(exc.status, exc.reason)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(pops.stats())

    async def invalidate(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            return _error(400, "body: not JSON (expected an InvalidationBatch)")
        try:
            paths, reference = parse_batch(body)
        except InvalidationError as exc:
            return _error(400, str(exc))
        removed = sum(pops.invalidate(path) for path in paths)
        answer = invalidation_answer(paths, reference)
        answer["ObjectsRemoved"] = removed
        done.append(answer["Invalidation"])
        return web.json_response(answer, status=201,
                                 headers={"Location": answer["Location"]})

    async def listing(request: web.Request) -> web.Response:
        items = [{"Id": i["Id"], "CreateTime": i["CreateTime"], "Status": i["Status"]}
                 for i in reversed(done)]
        return web.json_response({"InvalidationList": {"Quantity": len(items), "Items": items}})

    async def functions(request: web.Request) -> web.Response:
        return web.json_response({name: {"fault": f.fault} for name, f in pops.functions().items()})

    async def function_fault(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        function = pops.functions().get(name)
        if function is None:
            return _error(404, f"no CloudFront function {name!r} (known: {', '.join(pops.functions()) or 'none'})")
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            body = None
        fault = body.get("fault", "missing") if isinstance(body, dict) else "missing"
        if fault not in FUNCTION_FAULTS:
            return _error(400, f"fault: must be one of {', '.join(str(f) for f in FUNCTION_FAULTS)} "
                               f"(null clears), got {fault!r}")
        function.fault = fault
        return web.json_response({name: {"fault": fault}})

    app = web.Application(middlewares=[auth])
    app.router.add_get("/functions", functions)
    app.router.add_put("/functions/{name}/fault", function_fault)
    app.router.add_get("/stats", stats)
    app.router.add_post("/invalidations", invalidate)
    app.router.add_get("/invalidations", listing)
    if extra_routes:
        app.router.add_routes(extra_routes)
    return app
