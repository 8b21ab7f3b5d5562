"""HTTPS in a local run: whether the distribution needs it, and the run's TLS folder.

A run serves TLS when its distribution sends any request over it: an origin whose
``OriginProtocolPolicy`` is ``https-only`` or ``match-viewer`` (S3 origins are), or a
behaviour whose ``ViewerProtocolPolicy`` wants HTTPS. Then the run makes ``RUN/tls/``
(``python -m edge tls-dir``: a CA whose key is never written, certificates naming the
origins' DomainNames), every origin also listens for TLS, the edge too, and the viewers go to
``https://127.0.0.1:PORT`` trusting ``RUN/tls/ca.pem`` and nothing else.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TLS_TIMEOUT_S = 60.0


def needs_tls(distribution: Path) -> bool:
    """Whether any request of this (already validated) DistributionConfig goes over TLS."""
    raw: Any = json.loads(distribution.read_text(encoding="utf-8"))
    config = raw.get("DistributionConfig", raw)
    for origin in config.get("Origins", {}).get("Items", []):
        custom = origin.get("CustomOriginConfig")
        if custom is None or custom.get("OriginProtocolPolicy") in ("https-only", "match-viewer"):
            return True  # S3 (and VPC) origins follow the viewer
    behaviours = [config.get("DefaultCacheBehavior", {}), *config.get("CacheBehaviors", {}).get("Items", [])]
    return any(b.get("ViewerProtocolPolicy", "allow-all") != "allow-all" for b in behaviours)


def make_run_tls(run_dir: Path, distribution: Path, repo_root: Path) -> Path:
    """``python -m edge tls-dir RUN/tls --config DIST``; RuntimeError with its message on failure."""
    out = run_dir / "tls"
    result = subprocess.run([sys.executable, "-m", "edge", "tls-dir", str(out), "--config", str(distribution)],
                            cwd=repo_root, capture_output=True, text=True, timeout=TLS_TIMEOUT_S)
    if result.returncode != 0:
        raise RuntimeError(f"python -m edge tls-dir failed: {result.stderr.strip()}")
    return out
