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

Relative paths are relative to the repository (every process runs there).

Only the flags below pass, each spelled out in full (``--hos`` is not ``--host``), with
its value checked; anything else is refused with this list. Nothing here can change where
load goes, how much of it there is, or for how long: those are ``target``, ``load`` and the
safety rails, and the flags the runner sets itself are not in the list.

| process | flag | value |
| --- | --- | --- |
| origins | ``--max-age`` | whole seconds, 0..31536000 |
| origins | ``--private-bucket``, ``--fle-private-key`` | a file |
| origins | ``--require-header`` | ``NAME=VALUE`` (repeatable) |
| origins | ``--fle-provider``, ``--fle-key-name`` | a word |
| edge | ``--fle``, ``--oac``, ``--cache-policy`` | a file (repeatable) |
| edge | ``--oac-credentials`` | a file |
| edge | ``--pops`` | 1..32 |
| edge | ``--pop`` | a POP name |
| edge | ``--regional-tier``, ``--no-collapse`` | none |
| locust | ``--checkouts`` | 0..50 users |
| locust | ``--attackers`` | 0..10 users |
| locust | ``--attack-targets`` | ``{origins}`` or ``{origin.NAME}``, comma-separated (the run's own origins) |
| locust | ``--attack-credentials``, ``--attack-log`` | a file |
| locust | ``--attack-header`` | ``NAME=VALUE`` |
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.errors import ScenarioInputError
from scenarios.spec.fields import Checker
from scenarios.spec.yamlsrc import Path_

KEYS = ("keys", "origins", "edge", "locust")
_WORD = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,64}=[^\x00-\x1f]{1,256}$")
_TARGETS = re.compile(r"^\{(?:origins|origin\.[A-Za-z0-9._-]+)\}(?:,\{(?:origins|origin\.[A-Za-z0-9._-]+)\})*$")


def _whole(lo: int, hi: int) -> Any:
    return lambda v: (v.isdigit() and lo <= int(v) <= hi, f"a whole number {lo}..{hi}")


_FILE = lambda v: (bool(v) and "\x00" not in v, "a file path")  # noqa: E731 - a table entry
_NAME = lambda v: (bool(_WORD.match(v)), "a word of letters, digits, '.', '_', '-'")  # noqa: E731
_NAME_VALUE = lambda v: (bool(_HEADER.match(v)), "NAME=VALUE")  # noqa: E731
# flag -> check of its value (None: the flag takes no value). The only flags that pass.
ALLOWED: dict[str, dict[str, Any]] = {
    "origins": {"--max-age": _whole(0, 31_536_000), "--private-bucket": _FILE,
                "--fle-private-key": _FILE, "--require-header": _NAME_VALUE,
                "--fle-provider": _NAME, "--fle-key-name": _NAME},
    "edge": {"--fle": _FILE, "--oac": _FILE, "--oac-credentials": _FILE, "--cache-policy": _FILE,
             "--origin-request-policy": _FILE, "--response-headers-policy": _FILE,
             "--functions": _FILE, "--lambdas": _FILE, "--lambda-concurrency": _whole(1, 1000),
             "--lambda-timeout-s": lambda v: (v.replace(".", "", 1).isdigit() and 0.1 <= float(v) <= 30,
                                              "a number of seconds 0.1..30"), "--kvs": lambda v: (bool(re.match(r"^[A-Za-z0-9_.-]+=.+$", v)), "NAME=FILE"),
             "--function-budget-ms": lambda v: (v.replace(".", "", 1).isdigit() and 0.1 <= float(v) <= 1000,
                                                "a number of milliseconds 0.1..1000"),
             "--viewer-location": _FILE,
             "--pops": _whole(1, 32), "--pop": _NAME, "--regional-tier": None, "--no-collapse": None},
    "locust": {"--checkouts": _whole(0, 50), "--attackers": _whole(0, 10),
               "--attack-targets": lambda v: (bool(_TARGETS.match(v)),
                                              "{origins} or {origin.NAME}, comma-separated"),
               "--attack-credentials": _FILE, "--attack-log": _FILE, "--attack-header": _NAME_VALUE},
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
    problems: list[str] = []

    def part(raw_args: Any, path: Path_, kind: str) -> tuple[str, ...]:
        try:
            return _args(raw_args, path, kind, origins, keys, check)
        except ScenarioInputError as exc:  # every process's arguments are checked
            problems.append(str(exc))
            return ()

    parsed = {str(o): part(v, ("stack", "origins", o), "origins") for o, v in per_origin.items()}
    edge = part(top.get("edge"), ("stack", "edge"), "edge")
    locust = part(top.get("locust"), ("stack", "locust"), "locust")
    if problems:
        raise ScenarioInputError("\n".join(problems))
    return StackArgs(keys, parsed, edge, locust)


def _args(raw: Any, path: Path_, kind: str, origins: tuple[str, ...], keys: bool,
          check: Checker) -> tuple[str, ...]:
    items = check.sequence(raw, path, "arguments (strings)")
    texts = []
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise check.fail((*path, i), f"must be a string, got {item!r}")
        texts.append(str(item))
    _check_flags(texts, path, kind, check)
    out = []
    for i, text in enumerate(texts):
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


def _check_flags(texts: list[str], path: Path_, kind: str, check: Checker) -> None:
    """Every argument is an allowed flag (exactly) followed by a value its check accepts."""
    allowed = ALLOWED[kind]
    i = 0
    while i < len(texts):
        flag, eq, inline = texts[i].partition("=")
        if flag not in allowed:
            raise check.fail((*path, i), f"{texts[i]!r} is not allowed here (allowed: {', '.join(allowed)}; "
                                         "flags spelled out in full)")
        value_check = allowed[flag]
        if value_check is None:
            if eq:
                raise check.fail((*path, i), f"{flag} takes no value")
            i += 1
            continue
        if eq:
            value, at = inline, i
        elif i + 1 < len(texts):
            value, at = texts[i + 1], i + 1
        else:
            raise check.fail((*path, i), f"{flag} needs a value")
        # Placeholders are filled in at run time; the check sees a stand-in of their kind.
        ok, what = value_check(_PLACEHOLDER.sub("x", value) if flag != "--attack-targets" else value)
        if not ok:
            raise check.fail((*path, at), f"{flag}: {value!r} is not {what}")
        i = at + 1


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


