"""Command-line switches of the security users (``Attacker``, ``Checkout``).

Both classes ship switched off (weight 0, so Locust leaves them out of every run); these
arguments switch them on with a fixed number of users, spawned before the viewers and
counted in ``-u``:

``--attackers N``               N ``Attacker`` users (default 0)
``--attack-targets URL,...``    origin data addresses to attack directly
``--attack-credentials FILE``   OAC credentials JSON: enables the signed (captured) attacks
``--attack-header NAME=VALUE``  a retired secret-header value to replay
``--attack-log PATH``           append every attack try to this CSV (the run's attacks.csv)
``--checkouts N``               N ``Checkout`` users posting card forms through the edge
"""

from __future__ import annotations

from typing import Any

from locustfiles.attacker import Attacker
from locustfiles.checkout import Checkout


def add_arguments(parser: Any) -> None:
    parser.add_argument("--attackers", type=int, default=0, help="Attacker users (direct origin hits)")
    parser.add_argument("--attack-targets", type=str, default="", help="Attacker: origin URLs, comma-separated")
    parser.add_argument("--attack-credentials", type=str, default="",
                        help="Attacker: OAC credentials JSON for captured-signature attacks")
    parser.add_argument("--attack-header", type=str, default="", help="Attacker: NAME=VALUE of a retired secret header")
    parser.add_argument("--attack-log", type=str, default="", help="Attacker: CSV of every try")
    parser.add_argument("--checkouts", type=int, default=0, help="Checkout users (card forms through the edge)")


def enable(environment: Any) -> None:
    """Add the switched-on security users to this run's user classes."""
    options = environment.parsed_options
    if options is None:
        return
    for user_class, count in ((Attacker, getattr(options, "attackers", 0)),
                              (Checkout, getattr(options, "checkouts", 0))):
        if count and count > 0:
            user_class.fixed_count = int(count)
            if user_class not in environment.user_classes:
                environment.user_classes.append(user_class)
