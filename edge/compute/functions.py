"""CloudFront Functions (``cloudfront-js-2.0``, and 1.0 code) run in an embedded QuickJS.

One QuickJS context per function, made when the edge starts: the code (at most 10 KB, the
CloudFront quota), a small prelude that stands in for the runtime (:mod:`edge.compute.runtime`), and the function's
KeyValueStore (``--kvs NAME=FILE``: a JSON object of key -> value) loaded into it. Each
invocation gets the documented event (:mod:`edge.compute.events`) as JSON and returns the
function's result as JSON, with any origin change the ``cloudfront`` module's helpers asked for.

The runtime as documented (JavaScript runtime 2.0 features, restrictions):

- ``import cf from 'cloudfront'`` gives ``cf.kvs()`` (``get`` with ``format`` string / json,
  ``exists``, ``meta``), ``cf.updateRequestOrigin``, ``cf.selectRequestOriginById`` and
  ``cf.createRequestOriginGroup``; ``async``/``await`` work (pending jobs are run to the end
  before the result is read); strict mode.
- No ``eval`` or ``Function`` constructor, no timers, no network, no file system, no
  ``require``; ``Date.now()`` is one value for the whole run; ``console.log`` of one value.
- Limits: 10 KB of code; 2 MB of memory; a **CPU-time budget** per invocation (AWS measures
  "compute utilization" against an unpublished maximum; the emulator uses
  :data:`DEFAULT_BUDGET_MS` of CPU time, ``--function-budget-ms``, measured by QuickJS's
  interrupt handler with ``clock()``).

Outcomes (the log's x-edge-detailed-result-type): the function throws or runs out of memory
-> ``FunctionExecutionError`` (503); it exceeds the budget -> ``FunctionThrottledError``
(503); it returns something that is not a valid request/response -> ``FunctionValidationError``
(502). These run on the edge's event loop: a function is bounded by its budget, never slow.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import quickjs

from edge.compute.runtime import KEPT_EVENT_BYTES, runtime_for

MAX_CODE_BYTES = 10 * 1024
MAX_MEMORY_BYTES = 2 << 20
DEFAULT_BUDGET_MS = 5.0
_IMPORT = re.compile(r"""^[ \t]*import\s+(\w+)\s+from\s+['"]cloudfront['"]\s*;?""", re.M)
_OTHER_IMPORT = re.compile(r"""^[ \t]*import\s+.*?from\s+['"]([^'"]+)['"]""", re.M)

class FunctionLoadError(Exception):
    """A function file the edge cannot run (too big, not JavaScript, no handler)."""


class FunctionError(Exception):
    """One invocation failed; ``detailed`` is the log's result type, ``status`` the viewer's."""

    def __init__(self, detailed: str, status: int, message: str) -> None:
        super().__init__(message)
        self.detailed = detailed
        self.status = status


@dataclass
class Invocation:
    """What one invocation returned: the result (decoded JSON), the origin change asked for,
    the CPU time it took (ms) and what it logged.

    ``cpu_ms`` is read off the monotonic clock around the call: a run holds the event loop and
    does no IO, so its elapsed time is its CPU time unless the OS preempts the edge (the
    process's CPU clock is a system call each time it is read; this one is not)."""

    result: Any
    origin: dict[str, Any] | None
    cpu_ms: float
    logs: list[str] = field(default_factory=list)
    unchanged: bool = False  # returned the event's request (response) as it came, no origin change


class CloudFrontFunction:
    """One function, ready to run: its own QuickJS context."""

    def __init__(self, name: str, path: Path, stores: dict[str, dict[str, str]],
                 budget_ms: float = DEFAULT_BUDGET_MS) -> None:
        self.name = name
        self.path = path
        self.budget_ms = budget_ms
        code = path.read_bytes()
        if len(code) > MAX_CODE_BYTES:
            raise FunctionLoadError(f"{path}: {len(code):,} bytes; a CloudFront function is at most "
                                    f"{MAX_CODE_BYTES:,} (FunctionSizeLimitExceeded)")
        source = code.decode("utf-8", "replace")
        other = _OTHER_IMPORT.search(_IMPORT.sub("", source))
        if other is not None:
            raise FunctionLoadError(f"{path}: imports {other.group(1)!r}; the emulated runtime has "
                                    "the 'cloudfront' module only")
        source = _IMPORT.sub(lambda m: f"var {m.group(1)} = __cloudfront;", source)
        self._context = quickjs.Context()
        self._context.eval(runtime_for(source))
        self._context.set("__kvs_json", json.dumps(stores))
        self._context.eval("__kvs = JSON.parse(__kvs_json);")
        try:
            self._context.eval('"use strict";\n' + source)
        except quickjs.JSException as exc:
            raise FunctionLoadError(f"{path}: {_first_line(exc)}") from None
        if self._context.eval("typeof handler") != "function":
            raise FunctionLoadError(f"{path}: defines no function handler(event)")
        self._invoke = self._context.get("__invoke")
        self._outcome = self._context.get("__outcome")
        # 2 MB for the function, beyond what the runtime, the code and its store already use;
        # the CPU budget counts from the start of each call into the context.
        self._context.set_memory_limit(int(self._context.memory()["memory_used_size"]) + MAX_MEMORY_BYTES
                                       + KEPT_EVENT_BYTES)
        self._context.set_time_limit(budget_ms / 1000)
        self.fault: str | None = None  # chaos: throw, slow, budget, invalid (edge/compute/chaos.py)

    def run(self, event: dict[str, Any], text: str | None = None, request_id: str | None = None,
            key: int = 0) -> Invocation:
        """Run the handler on ``event``; FunctionError for every documented failure.

        ``text``: the event's JSON without the request id, when the caller kept it;
        ``request_id``: the id to give the event, else its own; ``key``: a number the caller
        gives every event with the same ``text`` (never reused for another), so the engine
        can keep the parsed event between runs (0: not kept). A handler that returns the
        event's request (response) as it came is told inside the engine: ``unchanged``, and
        ``result`` is that part of ``event`` itself (shared: not to be changed)."""
        context = self._context
        part = "response" if event["context"]["eventType"] == "viewer-response" else "request"
        started = time.perf_counter()
        if request_id is None:
            request_id = event["context"].get("requestId", "")
        now = time.time() * 1000
        try:
            out = self._invoke(key, None, request_id, now, self.fault, self.budget_ms, part) if key else "?"
            if out == "?":  # not kept in the engine: hand it the JSON
                out = self._invoke(key, json.dumps(event) if text is None else text, request_id, now,
                                   self.fault, self.budget_ms, part)
            if not out:  # an async handler: run its promise to the end
                while context.execute_pending_job():
                    pass
                out = self._outcome()
        except quickjs.JSException as exc:
            if "interrupted" in str(exc):
                raise FunctionError("FunctionThrottledError", 503,
                                    f"{self.name}: over its {self.budget_ms:g} ms CPU budget") from None
            raise FunctionError("FunctionExecutionError", 503, f"{self.name}: {_first_line(exc)}") from None
        cpu_ms = (time.perf_counter() - started) * 1000  # see Invocation.cpu_ms
        if out == "=":
            return Invocation(event[part], None, cpu_ms, unchanged=True)
        outcome = json.loads(out)
        if outcome.get("error") is not None:
            raise FunctionError("FunctionExecutionError", 503, f"{self.name}: {outcome['error'].splitlines()[0]}")
        return Invocation(outcome.get("result"), outcome.get("origin"), cpu_ms, outcome.get("logs") or [])


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def function_name(arn: str) -> str:
    """``arn:aws:cloudfront::123456789012:function/NAME`` -> ``NAME``."""
    return arn.rsplit("/", 1)[-1]


MAX_KEY_BYTES, MAX_VALUE_BYTES, MAX_STORE_BYTES = 512, 1024, 5 << 20  # KeyValueStore quotas


def load_store(path: str) -> dict[str, str]:
    """A KeyValueStore from a JSON object of key -> value (strings; other JSON values are stored
    as their JSON text, as ``format: 'json'`` reads them); FunctionLoadError naming the key."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FunctionLoadError(f"--kvs {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not isinstance(raw, dict):
        raise FunctionLoadError(f"--kvs {path}: expected a JSON object of key: value")
    store = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    for key, value in store.items():
        if len(key.encode()) > MAX_KEY_BYTES or len(value.encode()) > MAX_VALUE_BYTES:
            raise FunctionLoadError(f"--kvs {path}: {key[:40]!r}: keys are at most {MAX_KEY_BYTES} bytes "
                                    f"and values {MAX_VALUE_BYTES} (KeyValueStore quotas)")
    if len(json.dumps(store).encode()) > MAX_STORE_BYTES:
        raise FunctionLoadError(f"--kvs {path}: over the 5 MB of a key value store")
    return store


def load_functions(names: set[str], directory: str | None, stores: dict[str, str],
                   budget_ms: float = DEFAULT_BUDGET_MS) -> dict[str, CloudFrontFunction]:
    """Every function the distribution associates, from ``directory/NAME.js``, each with the
    key value stores of ``stores`` (name -> JSON file)."""
    if names and directory is None:
        raise FunctionLoadError(f"the distribution associates CloudFront function {sorted(names)[0]!r}: "
                                "give --functions DIR holding NAME.js")
    loaded = {name: load_store(path) for name, path in stores.items()}
    out: dict[str, CloudFrontFunction] = {}
    for name in sorted(names):
        path = Path(str(directory)) / f"{name}.js"
        if not path.is_file():
            raise FunctionLoadError(f"--functions {directory}: no {name}.js for the associated function {name!r}")
        out[name] = CloudFrontFunction(name, path, loaded, budget_ms)
    return out
