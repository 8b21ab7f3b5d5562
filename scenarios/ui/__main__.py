"""``python -m scenarios.ui``: the launcher (see :mod:`scenarios.ui.launcher`)."""

from contracts.early import exit_on_signals

exit_on_signals("scenarios.ui")  # before the heavy imports below: an early Ctrl-C is one line too

import sys  # noqa: E402

from scenarios.ui.launcher import main  # noqa: E402

sys.exit(main())
