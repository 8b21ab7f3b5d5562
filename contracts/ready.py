"""The ready file: how a server tells its parent that it listens, and where.

Every server takes ``--ready-file PATH``. When all its sockets listen it writes one JSON
object there atomically (``PATH.tmp``, then rename) and prints the same object on stdout
as ``READY {...}``. Parents start servers on port 0 and read the real ports from it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PREFIX = "READY "


def write_ready(path: str | os.PathLike[str] | None, payload: dict[str, Any]) -> None:
    """Announce readiness: ``READY {...}`` on stdout, and ``path`` (when given) atomically."""
    if path:
        tmp = Path(f"{os.fspath(path)}.tmp")
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, path)
    print(PREFIX + json.dumps(payload), flush=True)


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
