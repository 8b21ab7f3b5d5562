"""CloudFront Functions (``cloudfront-js-2.0``, and 1.0 code) run in an embedded QuickJS.

One QuickJS context per function, made when the edge starts: the code (at most 10 KB, the
CloudFront quota), a small prelude that stands in for the runtime, and the function's
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

MAX_CODE_BYTES = 10 * 1024
MAX_MEMORY_BYTES = 2 << 20
DEFAULT_BUDGET_MS = 5.0
# Events kept inside the engine between runs (the prelude's __events): at most this many
# characters of their JSON, and the memory they take is allowed for on top of MAX_MEMORY_BYTES
# (KEPT_EVENT_BYTES: measured at 5-9 bytes of engine memory per character kept, the more
# the smaller the events). An event over 1/16 of that is not kept.
KEPT_EVENT_CHARS = 64 * 1024
KEPT_EVENT_BYTES = 12 * KEPT_EVENT_CHARS
_IMPORT = re.compile(r"""^[ \t]*import\s+(\w+)\s+from\s+['"]cloudfront['"]\s*;?""", re.M)
# Code that could tell a frozen event from another, or run on after writing to one (see the
# prelude's __freeze): such a function's kept events are never frozen.
_WRITES_UNSEEN = re.compile(r"\b(catch|finally|async|await|then|Promise|Reflect|isFrozen|isSealed|"
                            r"isExtensible|getOwnPropertyDescriptors?)\b")
_OTHER_IMPORT = re.compile(r"""^[ \t]*import\s+.*?from\s+['"]([^'"]+)['"]""", re.M)

_PRELUDE = r"""
var __result, __error, __origin, __logs = [], __kvs = {}, __now = 0;
globalThis.console = {log: function (v) { if (arguments.length > 1) throw new TypeError(
    'console.log takes one argument in CloudFront Functions'); __logs.push(String(v)); }};
globalThis.eval = function () { throw new Error('eval is not supported in CloudFront Functions'); };
globalThis.Function = function () { throw new Error('the Function constructor is not supported'); };
var __clock = Date.now;  // the real clock, for the slow fault only
Date.now = function () { return __now; };  // one value for the whole run, as documented
function __store(name) {
  var names = Object.keys(__kvs);
  if (name === undefined) {
    if (names.length !== 1) throw new Error('cf.kvs(): ' + names.length + ' key value stores are associated; name one');
    name = names[0];
  }
  var data = __kvs[name];
  if (data === undefined) throw new Error('cf.kvs(): no key value store ' + name);
  return {
    get: async function (key, options) {
      if (!Object.prototype.hasOwnProperty.call(data, key)) throw new Error('KeyNotFound: ' + key);
      var value = data[key];
      var format = (options && options.format) || 'string';
      if (format === 'json') return JSON.parse(value);
      if (format === 'string') return String(value);
      throw new Error('cf.kvs().get(): format ' + format + ' is not emulated (string, json)');
    },
    exists: async function (key) { return Object.prototype.hasOwnProperty.call(data, key); },
    meta: async function () { return {creationDateTime: '1970-01-01T00:00:00Z',
      lastUpdatedDateTime: '1970-01-01T00:00:00Z', keyCount: Object.keys(data).length}; }
  };
}
var __cloudfront = {
  kvs: __store,
  updateRequestOrigin: function (p) { __origin = {kind: 'update', params: p}; },
  selectRequestOriginById: function (id) { __origin = {kind: 'select', id: id}; },
  createRequestOriginGroup: function (p) { __origin = {kind: 'group', params: p}; }
};
function __chaos(fault, budget_ms) {  // edge-code faults (edge/compute/chaos.py), inside the engine
  if (fault === 'throw') throw new Error('chaos: the function throws');
  if (fault === 'budget') { while (true) {} }
  if (fault === 'slow') { var t = __clock(); while (__clock() - t < budget_ms * 0.6) {} }  // 60 % of the budget
}
// Events kept between runs by the edge's number for them (``id``; 0: not kept). Parsing an
// event's JSON, and serialising the answer to see whether it changed, are most of what a
// trivial function costs, and load generators and browsers repeat their heads. Every run
// gets its own event object with a new context and viewer; what it shares with earlier runs
// with the same number is never something a run could have changed:
// - a run's request (response) is the one the last run left as it came (its JSON the same,
//   nothing added at the top, for viewer-response the request too), else parsed again;
// - once a run left it so, and the code cannot tell a frozen object from another nor swallow
//   the TypeError a write to one throws (__FREEZABLE: no catch, finally, async, Promise,
//   then, Reflect, property descriptors or isFrozen in its source), the parts are frozen and
//   shared: returning the shared request (response) itself is "unchanged" with no JSON at
//   all, and a run that throws a TypeError (a write to them) is run again on its own copy
//   (its logs and origin change dropped; what it did to globals stays: CONFORMANCE.md) and
//   that event is never frozen again.
// At most __KEPT_CHARS of JSON are kept (their memory is allowed for on top of the
// function's own 2 MB).
var __events = new Map(), __keptChars = 0, __kept = null, __frozen = null;
var __KEPT_CHARS = @KEPT_EVENT_CHARS@, __FREEZABLE = @FREEZABLE@;
function __freeze(o) {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (var k in o) __freeze(o[k]);
  }
  return o;
}
function __own(kept, rid) {  // the event's JSON parsed, with this run's context and viewer
  var ev = JSON.parse(kept.s);
  ev.context = {distributionDomainName: kept.host, distributionId: 'EEMULATED', eventType: kept.type,
                requestId: rid};
  ev.viewer = {ip: kept.ip};
  return ev;
}
function __invoke(id, s, rid, now, fault, budget_ms, part) {
  // One call, one string back: "=" when the handler returned the event's ``part`` (request
  // or response) as it came, "?" when the event's JSON is needed (not kept: call again with
  // it), else the outcome as JSON, or "" while a promise is still pending (then the caller
  // runs the pending jobs and asks __outcome()).
  var kept = id ? __events.get(id) : undefined, ev;
  if (kept === undefined && s === null) return '?';
  __result = undefined; __error = undefined; __origin = null; __now = now; __kept = null; __frozen = null;
  try {
    __chaos(fault, budget_ms);
    if (kept === undefined) {
      kept = {s: s, part: part, ev: null, frozen: null, writes: false};
      ev = JSON.parse(s);
      kept.host = ev.context.distributionDomainName; kept.type = ev.context.eventType; kept.ip = ev.viewer.ip;
      kept.keys = Object.keys(ev).length;
      kept.before = JSON.stringify(ev[part]);
      kept.request = part === 'response' ? JSON.stringify(ev.request) : null;
      kept.ev = ev;
      if (id && s.length <= __KEPT_CHARS / 16) {
        if (__keptChars + s.length > __KEPT_CHARS) { __events.clear(); __keptChars = 0; }
        __events.set(id, kept);
        __keptChars += s.length;
      }
    }
    __kept = kept;
    if (kept.frozen !== null) {
      __frozen = kept.frozen;
      ev = {version: '1.0', context: {distributionDomainName: kept.host, distributionId: 'EEMULATED',
            eventType: kept.type, requestId: rid}, viewer: {ip: kept.ip}, request: __frozen.request};
      if (part === 'response') ev.response = __frozen.response;
    } else if (kept.ev !== null) {
      ev = kept.ev;
      kept.ev = null;  // kept again only if this run leaves it as it came (__outcome)
      ev.version = '1.0';
      ev.context = {distributionDomainName: kept.host, distributionId: 'EEMULATED', eventType: kept.type,
                    requestId: rid};
      ev.viewer = {ip: kept.ip};
    } else {
      ev = __own(kept, rid);
    }
    kept.current = ev;
    var answer;
    try {
      answer = fault === 'invalid' ? 42 : handler(ev);
    } catch (e) {
      if (__frozen === null || !(e instanceof TypeError)) throw e;  // a write to a frozen part is a TypeError
      kept.frozen = null; kept.writes = true; __frozen = null; __logs = []; __origin = null;
      ev = kept.current = __own(kept, rid);
      answer = handler(ev);
    }
    if (answer === null || typeof answer !== 'object' || typeof answer.then !== 'function') {
      __result = answer === undefined ? null : answer;
      return __outcome();
    }
    answer.then(function (r) { __result = r === undefined ? null : r; },
                function (e) { __error = __describe(e); });
  } catch (e) { __error = __describe(e); return __outcome(); }
  return '';
}
function __describe(e) { return (e instanceof Error) ? String(e) + '\n' + (e.stack || '') : 'uncaught ' + String(e); }
function __outcome() {
  var kept = __kept;
  if (__frozen !== null) {
    if (__error === undefined && __result === __frozen[kept.part] && __origin === null && !__logs.length) return '=';
  } else if (kept !== null && __error === undefined && JSON.stringify(__result) === kept.before) {
    var ev = kept.current;
    if (__result === ev[kept.part] && Object.keys(ev).length === kept.keys &&
        (kept.request === null || JSON.stringify(ev.request) === kept.request)) {
      if (__FREEZABLE && !kept.writes) {
        kept.frozen = {request: __freeze(ev.request), response: kept.part === 'response' ? __freeze(ev.response) : null};
      } else {
        kept.ev = ev;
      }
    }
    if (__origin === null && !__logs.length) return '=';
  }
  var out = {result: __result, error: __error, origin: __origin};
  if (__logs.length) { out.logs = __logs; __logs = []; }
  return JSON.stringify(out);
}
"""


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
        freezable = _WRITES_UNSEEN.search(source) is None
        self._context.eval(_PRELUDE.replace("@KEPT_EVENT_CHARS@", str(KEPT_EVENT_CHARS))
                           .replace("@FREEZABLE@", "true" if freezable else "false"))
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
