"""``python -m scenarios.ui``: the launcher (see :mod:`scenarios.ui.launcher`)."""

import sys

from scenarios.ui.launcher import main

sys.exit(main())
