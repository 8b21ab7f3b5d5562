"""Control-plane tokens: where a server gets one, how callers learn it, how it is checked.

Every control API (an origin's ``--control``, the edge's ``--admin``) always needs
``Authorization: Bearer <token>``. A token never travels on a command line, where ``ps``
shows it to every user of the machine:

* a server reads it from ``HARNESS_TOKEN`` in its environment, or from ``--token-file F``
  (a file only its owner may read: mode 600 or stricter);
* given neither, it makes a random one;
* either way the token goes into its ready file (written with mode 600; see
  :mod:`contracts.ready`), never into the ``READY`` line on stdout, so the parent that
  started it reads it from there.

Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from pathlib import Path

from contracts.errors import UsageError

TOKEN_ENV = "HARNESS_TOKEN"
REFUSED_FLAG = ("--token: a token is not taken on the command line (ps shows it to every user); "
                f"put it in {TOKEN_ENV} or in a file given as --token-file FILE (mode 600)")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def check_token(token: str, where: str) -> str:
    token = token.strip()
    if not token or not token.isprintable() or " " in token:
        raise UsageError(f"{where}: a token is one non-empty word of printable characters")
    return token


def read_token(token_file: str | None, environ: dict[str, str] | None = None) -> str | None:
    """The token the user gave (``--token-file`` first, then ``HARNESS_TOKEN``), or None."""
    if token_file:
        path = Path(token_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--token-file {token_file}: {exc.strerror or exc}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(f"--token-file {token_file}: readable by others "
                             f"(mode {stat.S_IMODE(mode):o}; allowed: 600 or stricter, chmod 600)")
        return check_token(text, f"--token-file {token_file}")
    value = (os.environ if environ is None else environ).get(TOKEN_ENV)
    return check_token(value, TOKEN_ENV) if value is not None else None


def authorized(header: str | None, token: str) -> bool:
    """Is ``header`` (the Authorization value) ``Bearer <token>``? Constant time."""
    return hmac.compare_digest((header or "").encode(), f"Bearer {token}".encode())
