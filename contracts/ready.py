"""The ready file: how a server tells its parent that it listens, and where.

Every server takes ``--ready-file PATH``. When all its sockets listen it writes one JSON
object there atomically (``PATH.tmp``, then rename; mode 600) and prints the same object,
less its ``token``, on stdout as ``READY {...}``. Parents start servers on port 0 and read
the real ports (and the control token, :mod:`contracts.token`) from it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PREFIX = "READY "


def write_ready(path: str | os.PathLike[str] | None, payload: dict[str, Any]) -> None:
    """Announce readiness: ``READY {...}`` on stdout, and ``path`` (when given) atomically.

    The file is created with mode 600: it may hold the control token (``token``), which
    the stdout line never shows.
    """
    if path:
        tmp = f"{os.fspath(path)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        os.replace(tmp, path)
    shown = {k: v for k, v in payload.items() if k != "token"}
    print(PREFIX + json.dumps(shown), flush=True)


def read_ready(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The payload, or None while the file does not exist yet."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError(f"{os.fspath(path)}: a ready file holds one JSON object")
    return doc
