"""The content an origin serves on its data port (faults are applied around it, in chaos.py).

| path | answer |
| --- | --- |
| GET /static/<name> | cacheable object, ``max-age`` from ``--max-age``, ETag, Last-Modified, 304 |
| GET /cc/<cache-control>/<name> | the same, with exactly that Cache-Control |
| GET /api/<name> | JSON ``{"origin", "path", "time"}``, ``no-store`` |
| POST /form/<name> | form fields received, as JSON (the field-level-encryption endpoint) |
| GET /health | ``ok`` |
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, jsonify, request

from origins.content import LAST_MODIFIED_EPOCH, ContentError, make_object, not_modified
from origins.security.fle import FieldDecryptor, describe_fields

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 2 * 1024 * 1024  # CloudFront caps FLE bodies at 1 MB; leave room


def create_data_app(origin_id: str, max_age: int = 3600, decryptor: FieldDecryptor | None = None) -> Flask:
    """The content app of origin ``origin_id``; every response carries ``X-Origin-Id``.

    With a ``decryptor`` the form endpoint opens field-level-encrypted fields (origins/security/fle.py).
    """
    app = Flask("origins.data", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES

    @app.after_request
    def tag_origin(response: Response) -> Response:
        response.headers["X-Origin-Id"] = origin_id
        return response

    @app.get("/static/<path:name>")
    def static_object(name: str) -> Response:
        return _object_response(request.path, name, f"public, max-age={max_age}")

    @app.get("/cc/<cache_control>/<path:name>")
    def cc_object(cache_control: str, name: str) -> Response:
        # The server has URL-decoded PATH_INFO already: %20 and %2C arrive as ' ' and ','.
        return _object_response(request.path, name, cache_control)

    @app.get("/api/<path:name>")
    def api(name: str) -> Response:
        response = jsonify(origin=origin_id, path=request.path, time=time.time())
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.post("/form/<path:name>")
    def form(name: str) -> Response | tuple[Response, int]:
        if request.mimetype != FORM_TYPE:
            return _error(415, f"expected Content-Type {FORM_TYPE}, got {request.mimetype or 'none'!r}")
        fields: dict[str, dict[str, Any]] = describe_fields(request.form.items(multi=False), decryptor)
        response = jsonify(origin=origin_id, path=request.path, fields=fields)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/health")
    def health() -> Response:
        return Response("ok", mimetype="text/plain", headers={"Cache-Control": "no-store"})

    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def http_error(exc: Any) -> tuple[Response, int]:
        return _error(exc.code, exc.description or exc.name)

    return app


def _object_response(path: str, name: str, cache_control: str) -> Response:
    try:
        obj = make_object(path, name)
    except ContentError as exc:
        return _error(400, str(exc))[0]
    headers = {"Cache-Control": cache_control, "ETag": obj.etag, "Last-Modified": obj.last_modified}
    if not_modified(
        request.headers.get("If-None-Match"),
        request.headers.get("If-Modified-Since"),
        obj.etag,
        LAST_MODIFIED_EPOCH,
    ):
        return Response(status=304, headers=headers)
    return Response(obj.body, status=200, mimetype="text/plain", headers=headers)


def _error(status: int, message: str) -> tuple[Response, int]:
    response = Response(f"{status} {message}\n", status=status, mimetype="text/plain")
    return response, status
