"""The chaos control API (control port): add, list, delete and reset faults; read stats.

JSON in and out; every error is ``{"error": "...", "status": N}``. Every call needs
``Authorization: Bearer <token>`` (contracts/token.py).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from contracts.token import authorized
from origins.errors import FaultError
from origins.stats import Stats
from origins.store import FaultStore


def create_control_app(
    origin_id: str,
    store: FaultStore,
    stats: Stats,
    token: str,
) -> Flask:
    """The control app of one origin, acting on its ``store`` and reading its ``stats``."""
    app = Flask("origins.control", static_folder=None)

    def listing() -> dict[str, Any]:
        return {"id": origin_id, "faults": [fault.to_json() for fault in store.faults()]}

    @app.before_request
    def check_token() -> tuple[Response, int] | None:
        if not authorized(request.headers.get("Authorization"), token):
            return error(401, "missing or wrong 'Authorization: Bearer <token>'")
        return None

    @app.get("/faults")
    def list_faults() -> Response:
        return jsonify(listing())

    @app.post("/faults")
    def add_fault() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        if body is None:
            return error(400, "faults: body must be a JSON object with Content-Type application/json")
        fault = store.add(body)
        return jsonify(fault.to_json()), 201

    @app.delete("/faults/<name>")
    def delete_fault(name: str) -> tuple[str, int]:
        store.delete(name)
        return "", 204

    @app.post("/reset")
    def reset() -> Response:
        store.reset()
        return jsonify(listing())

    @app.get("/stats")
    def get_stats() -> Response:
        return jsonify(stats.to_json(origin_id))

    @app.errorhandler(FaultError)
    def fault_error(exc: FaultError) -> tuple[Response, int]:
        return error(exc.status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        return error(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(OSError)
    def os_error(exc: OSError) -> tuple[Response, int]:
        # Re-opening the data listener can fail if another process took the port meanwhile.
        return error(500, f"data listener: {exc}")

    return app


def error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message, status=status), status
