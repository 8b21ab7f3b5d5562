"""``python -m origins``: run one fake origin (data port + control port) until SIGTERM/SIGINT."""

from __future__ import annotations

from gevent import monkey

# Patch before anything else imports socket/threading/time, so sleeps and Events cooperate.
monkey.patch_all()

import sys  # noqa: E402

from contracts.cli import run_main  # noqa: E402
from origins.cli import parse_args  # noqa: E402
from origins.run import serve  # noqa: E402


def main(argv: list[str]) -> int:
    return run_main("origins", lambda: _main(argv))


def _main(argv: list[str]) -> int:
    if argv[:1] == ["keys"]:  # python -m origins keys --out DIR: fresh FLE keys and OAC credentials
        from origins.security.keys import main as keys_main

        return keys_main(argv[1:])
    return serve(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
