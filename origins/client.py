"""A small client of the origin control API, for scenario runners and tests.

    control = OriginControl("http://127.0.0.1:40002", token="s3cret")
    control.wait_ready()
    control.add_fault(type="status", status=503, probability=0.2, paths="/api/*")
    control.reset()
"""

from __future__ import annotations

import time
from typing import Any

import requests

from origins.errors import OriginsError


class ControlError(OriginsError):
    """The control API refused a call (``status`` > 0) or could not be reached (``status`` 0)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class OriginControl:
    """Calls one origin's control API. Every method raises :class:`ControlError` on failure."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 5.0) -> None:
        if "://" not in base_url:
            base_url = f"http://{base_url}"
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        if token is not None:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:
        return f"OriginControl({self.base_url!r})"

    def faults(self) -> list[dict[str, Any]]:
        """The active faults, in the order they apply."""
        return list(self._call("GET", "/faults")["faults"])

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Add a fault, e.g. ``add_fault(type="latency", ms=200)``; returns it as stored."""
        return dict(self._call("POST", "/faults", fault))

    def delete_fault(self, name: str) -> None:
        self._call("DELETE", f"/faults/{requests.utils.quote(name, safe='')}")

    def reset(self) -> dict[str, Any]:
        """Remove every fault (re-opening a refused listener)."""
        return dict(self._call("POST", "/reset"))

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "/stats"))

    def wait_ready(self, timeout: float = 10.0) -> dict[str, Any]:
        """Poll ``GET /faults`` until it answers; returns that answer."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return dict(self._call("GET", "/faults"))
            except ControlError as exc:
                if exc.status or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self._session.request(
                method, self.base_url + path, json=body, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise ControlError(f"{method} {self.base_url}{path}: {exc}") from exc
        if response.status_code >= 400:
            try:
                message = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                message = response.text.strip() or response.reason
            raise ControlError(f"{message}", response.status_code)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()
