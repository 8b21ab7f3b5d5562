"""The ``control`` step's call: one JSON request to an origin's control API or the edge's admin API."""

from __future__ import annotations

from typing import Any

import requests

TIMEOUT_S = 10.0


def call(base_url: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    """Make the call; returns what the event records. RuntimeError with the API's error line."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = requests.request(params["method"], base_url + params["path"], json=params.get("body"),
                                  headers=headers, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise RuntimeError(f"{params['method']} {params['path']}: {exc}") from None
    if answer.status_code >= 300:
        try:
            message = answer.json().get("error") or answer.text
        except ValueError:
            message = answer.text
        raise RuntimeError(f"{params['method']} {params['path']}: {answer.status_code} {message.strip()}")
    return {"method": params["method"], "path": params["path"], "status": answer.status_code}
