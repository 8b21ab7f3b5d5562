"""The run command's load options the way Locust users give them: flags, environment, file.

Each option has a harness flag and Locust's spelling, an environment variable (Locust's
name) and a key in a ``locust.conf``-style file (``--config FILE``, else ``harness.conf`` in
the current folder when there is one). Precedence, first found wins: the command line, the
environment, the file, the scenario's own value::

    option       flags                        environment          file key
    users        -u, --users                  LOCUST_USERS         users
    spawn rate   -r, --spawn-rate             LOCUST_SPAWN_RATE    spawn-rate
    duration     -t, --run-time, --duration   LOCUST_RUN_TIME      run-time
    target       -H, --host, --target         LOCUST_HOST          host
    repeat       --repeat                     HARNESS_REPEAT       repeat
    workers      --workers                    LOCUST_PROCESSES     workers

A target given any of these ways gets the same safety rails as ``--target`` (anything off
this machine needs ``--real-target``). Pure: the caller passes the environment and the
file's text; bad input is a ScenarioInputError naming where it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scenarios.errors import ScenarioInputError

DEFAULT_FILE = "harness.conf"


@dataclass(frozen=True)
class Option:
    """One option: its attribute on the parsed arguments, environment variable, file key."""

    dest: str
    env: str
    key: str
    kind: type


OPTIONS = (
    Option("users", "LOCUST_USERS", "users", int),
    Option("spawn_rate", "LOCUST_SPAWN_RATE", "spawn-rate", float),
    Option("duration", "LOCUST_RUN_TIME", "run-time", str),
    Option("target", "LOCUST_HOST", "host", str),
    Option("repeat", "HARNESS_REPEAT", "repeat", int),
    Option("workers", "LOCUST_PROCESSES", "workers", int),
)
KEYS = {o.key: o for o in OPTIONS}


def parse_conf(text: str, where: str) -> dict[str, str]:
    """``key = value`` lines (``#`` and ``;`` comments, blank lines, ``[section]`` headers
    ignored, as Locust reads its file); an unknown key is refused with the allowed ones."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, sep, value = line.partition("=")
        key = key.strip().replace("_", "-")
        if not sep or not key:
            raise ScenarioInputError(f"{where}:{number}: expected 'key = value', got {line!r}")
        if key not in KEYS:
            raise ScenarioInputError(f"{where}:{number}: unknown key {key!r} (allowed: {', '.join(KEYS)})")
        values[key] = value.strip()
    return values


def _typed(option: Option, value: str, where: str) -> object:
    if option.kind is str:
        return value
    try:
        return option.kind(value)
    except ValueError:
        kind = "a whole number" if option.kind is int else "a number"
        raise ScenarioInputError(f"{where}: must be {kind}, got {value!r}") from None


def resolve(given: Mapping[str, object], environ: Mapping[str, str], conf: Mapping[str, str],
            conf_name: str) -> tuple[dict[str, object], dict[str, str]]:
    """(value of each option, where each came from: "command line", the variable, the file);
    an option nobody set is left out, so the scenario's own value stands."""
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for option in OPTIONS:
        if given.get(option.dest) is not None:
            values[option.dest], sources[option.dest] = given[option.dest], "command line"
        elif environ.get(option.env, "").strip():
            values[option.dest] = _typed(option, environ[option.env].strip(), option.env)
            sources[option.dest] = option.env
        elif option.key in conf:
            values[option.dest] = _typed(option, conf[option.key], f"{conf_name}: {option.key}")
            sources[option.dest] = conf_name
    return values, sources
