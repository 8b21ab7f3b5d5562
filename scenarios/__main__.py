"""Entry point: ``python -m scenarios``."""

from contracts.early import exit_on_signals

exit_on_signals("scenarios")  # before the heavy imports below: an early Ctrl-C is one line too

import sys  # noqa: E402

from scenarios.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
