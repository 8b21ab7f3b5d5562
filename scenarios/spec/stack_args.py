"""The ``stack`` section of a scenario: extra command-line arguments for the processes of a run.

::

    stack:
      keys: true                 # run 'python -m origins keys --out RUN/keys' before anything starts
      origins:
        primary: [--private-bucket, "{keys}/oac-credentials.json"]
      edge: [--oac, distributions/oac/harness-oac.json, --oac-credentials, "{keys}/oac-credentials.json"]
      locust: [--attackers, "2", --attack-targets, "{origins}"]

Arguments are strings; these placeholders are filled in when the run starts:

| placeholder | becomes |
| --- | --- |
| ``{keys}`` | the run's key folder (``RUN/keys``, written only when ``keys: true``; git-ignored) |
| ``{run}`` | the run folder |
| ``{origins}`` | every origin's data URL, comma-separated (``http://127.0.0.1:40001,...``) |
| ``{origin.NAME}`` | the data URL of origin NAME |

Relative paths are relative to the repository (every process runs there). The flags the
runner sets itself (``--id``, ``--listen``, ``--config``, ``--host``, ...) are refused here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.spec.fields import Checker
from scenarios.spec.yamlsrc import Path_

KEYS = ("keys", "origins", "edge", "locust")
RESERVED = {
    "origins": ("--id", "--listen", "--control", "--token", "--token-file", "--ready-file"),
    "edge": ("--config", "--listen", "--origin", "--access-log", "--admin", "--token", "--token-file", "--ready-file"),
    "locust": ("-f", "--locustfile", "--host", "-H", "--requests-csv", "--csv", "--headless", "-u",
               "--users", "-t", "--run-time"),
}
_PLACEHOLDER = re.compile(r"\{([a-z]+)(?:\.([A-Za-z0-9._-]+))?\}")


@dataclass(frozen=True)
class StackArgs:
    """Validated extra arguments; empty by default."""

    keys: bool = False
    origins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    edge: tuple[str, ...] = ()
    locust: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"keys": self.keys, "origins": {k: list(v) for k, v in self.origins.items()},
                "edge": list(self.edge), "locust": list(self.locust)}


def parse_stack_args(raw: Any, origins: tuple[str, ...], check: Checker) -> StackArgs:
    if raw is None:
        return StackArgs()
    top = check.mapping(raw, ("stack",), KEYS)
    keys = top.get("keys", False)
    if not isinstance(keys, bool):
        raise check.fail(("stack", "keys"), f"must be true or false, got {keys!r}")
    per_origin = check.mapping(top.get("origins") or {}, ("stack", "origins"), origins)
    parsed = {str(o): _args(v, ("stack", "origins", o), "origins", origins, keys, check)
              for o, v in per_origin.items()}
    return StackArgs(keys, parsed, _args(top.get("edge"), ("stack", "edge"), "edge", origins, keys, check),
                     _args(top.get("locust"), ("stack", "locust"), "locust", origins, keys, check))


def _args(raw: Any, path: Path_, kind: str, origins: tuple[str, ...], keys: bool,
          check: Checker) -> tuple[str, ...]:
    items = check.sequence(raw, path, "arguments (strings)")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise check.fail((*path, i), f"must be a string, got {item!r}")
        text = str(item)
        if text.split("=", 1)[0] in RESERVED[kind]:
            raise check.fail((*path, i), f"{text.split('=', 1)[0]} is set by the runner")
        for match in _PLACEHOLDER.finditer(text):
            name, arg = match.groups()
            if name == "keys" and not keys:
                raise check.fail((*path, i), "{keys} needs 'keys: true' in the stack section")
            if name == "origin" and arg not in origins:
                raise check.fail((*path, i), f"unknown origin {arg!r} (the distribution's: {', '.join(origins)})")
            if name not in ("keys", "run", "origins", "origin") or (name == "origin") != (arg is not None):
                raise check.fail((*path, i), f"unknown placeholder {match.group()} "
                                             "(known: {keys}, {run}, {origins}, {origin.NAME})")
        out.append(text)
    return tuple(out)


def expand(args: tuple[str, ...], run_dir: Path, addresses: dict[str, str]) -> list[str]:
    """Fill in the placeholders; ``addresses`` maps origin Id to its data ``HOST:PORT``."""
    urls = {o: f"http://{a}" for o, a in addresses.items()}

    def fill(match: re.Match[str]) -> str:
        name, arg = match.groups()
        if name == "keys":
            return str(run_dir / "keys")
        if name == "run":
            return str(run_dir)
        if name == "origins":
            return ",".join(urls.values())
        return urls.get(arg, "")  # no local stack (a run against --target)

    return [_PLACEHOLDER.sub(fill, a) for a in args]


