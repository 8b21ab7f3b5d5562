"""The keys of a security run (``stack: {keys: true}``), made fresh in the run folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

KEYS_TIMEOUT_S = 60.0


def make_keys(run_dir: Path, repo_root: Path) -> Path:
    """Run ``python -m origins keys --out RUN/keys``; RuntimeError with its message on failure."""
    out = run_dir / "keys"
    result = subprocess.run([sys.executable, "-m", "origins", "keys", "--out", str(out)], cwd=repo_root,
                            capture_output=True, text=True, timeout=KEYS_TIMEOUT_S)
    if result.returncode != 0:
        raise RuntimeError(f"python -m origins keys failed: {result.stderr.strip()}")
    return out
