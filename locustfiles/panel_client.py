"""The chaos panel's line to the launcher (``python -m scenarios.ui``) that owns the stack.

The launcher's API is loopback-only and needs its bearer token, which reaches the Locust
process through the environment (:data:`TOKEN_ENV`), never the command line or the browser.
"""

from __future__ import annotations

import time
from typing import Any

import requests

TOKEN_ENV = "HARNESS_CHAOS_TOKEN"
STATE_TTL_S = 0.5        # the UI polls from several places; one launcher call serves them all
STEP_TIMEOUT_S = 30.0    # a restart waits for the origin's ports (up to 10 s)
REPORT_TIMEOUT_S = 180.0  # matplotlib on a busy 2-core machine


class PanelClient:
    """Calls to the launcher's API; every answer is ``(status, json)``, never an exception."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self._state: tuple[float, int, Any] | None = None

    def call(self, method: str, path: str, body: Any = None, timeout: float = 5.0) -> tuple[int, Any]:
        try:
            answer = self.session.request(method, self.base_url + path, json=body, timeout=timeout)
        except requests.RequestException as exc:
            return 503, {"error": f"the launcher does not answer: {exc}", "status": 503}
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return 502, {"error": f"the launcher answered {answer.status_code} without JSON", "status": 502}

    def state(self) -> tuple[int, Any]:
        now = time.monotonic()
        if self._state is not None and now - self._state[0] < STATE_TTL_S:
            return self._state[1], self._state[2]
        status, body = self.call("GET", "/state")
        self._state = (now, status, body)
        return status, body

    def step(self, body: Any) -> tuple[int, Any]:
        self._state = None
        return self.call("POST", "/step", body, timeout=STEP_TIMEOUT_S)

    def load(self, edge: str) -> tuple[int, Any]:
        self._state = None
        return self.call("POST", "/load", {"edge": edge})

    def report(self) -> tuple[int, Any]:
        self._state = None
        return self.call("POST", "/report", timeout=REPORT_TIMEOUT_S)
