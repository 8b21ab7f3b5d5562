"""Headless Chromium for the HTML tests: found, or installed from Debian when we are root.

The browser runs with networking cut off (every host name resolves to nothing), so a
page that needed the network would show errors instead of passing by luck.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND")
INSTALL_TIMEOUT_S = 600


def find() -> str | None:
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def find_or_install() -> tuple[str | None, str]:
    """(path to the browser, or None and why not)."""
    found = find()
    if found:
        return found, ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "chromium is not installed and cannot be (not root, or no apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    for attempt in (install, ["apt-get", "update", "-q"], install):
        try:
            done = subprocess.run(attempt, env=env, capture_output=True, text=True,
                                  timeout=INSTALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None, f"'{' '.join(attempt)}' took more than {INSTALL_TIMEOUT_S} s"
        if attempt is install and done.returncode == 0 and find():
            return find(), ""
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return None, f"'apt-get install chromium' failed: {tail[0]}"


def run(browser: str, url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the browser once on ``url`` with a fresh profile."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args, url],
                              capture_output=True, text=True, timeout=timeout)


def screenshot(browser: str, page: Path, out: Path, width: int = 1300, height: int = 2000) -> None:
    done = run(browser, page.resolve().as_uri(), f"--window-size={width},{height}",
               f"--screenshot={out}")
    if not out.exists():
        raise RuntimeError(f"no screenshot written: {done.stderr.strip()[-400:]}")
