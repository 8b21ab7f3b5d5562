"""Where a run's numbers came from: the code, the machine, the distribution.

The runner writes these into its ``run-start`` event (docs/ARCHITECTURE.md, "The run
folder"), so a run keeps them wherever its folder goes; the run history files them.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from pathlib import Path


def code_version(root: Path) -> str | None:
    """``git describe --tags --always --dirty`` of ``root``, or None outside a git checkout."""
    try:
        done = subprocess.run(["git", "-C", str(root), "describe", "--tags", "--always", "--dirty"],
                              capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def cpu_model() -> str:
    """The CPU's model name as Linux reports it, else what the platform module knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine() -> dict[str, object]:
    """Host name, usable cores, CPU model and Python version of this machine."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"host": platform.node(), "cores": cores, "cpu_model": cpu_model(),
            "python": platform.python_version()}


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes (hex), or None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
