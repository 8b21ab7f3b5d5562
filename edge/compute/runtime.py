"""The JavaScript a function's QuickJS context runs before the function's own code.

It stands in for CloudFront's runtime as :mod:`edge.compute.functions` documents it (the
``cloudfront`` module, ``console.log``, no ``eval``, ``Date.now()`` fixed for a run, the
edge-code faults) and holds the engine's side of one invocation: ``__invoke`` and
``__outcome``, with the events kept between runs.
"""

from __future__ import annotations

import re

# Events kept inside the engine between runs (the prelude's __events): at most this many
# characters of their JSON, and the memory they take is allowed for on top of the function's
# own 2 MB (edge.compute.functions.MAX_MEMORY_BYTES)
# (KEPT_EVENT_BYTES: measured at 5-9 bytes of engine memory per character kept, the more
# the smaller the events). An event over 1/16 of that is not kept.
KEPT_EVENT_CHARS = 64 * 1024
KEPT_EVENT_BYTES = 12 * KEPT_EVENT_CHARS
# Code that could tell a frozen event from another, or run on after writing to one (see the
# prelude's __freeze): such a function's kept events are never frozen.
WRITES_UNSEEN = re.compile(r"\b(catch|finally|async|await|then|Promise|Reflect|isFrozen|isSealed|"
                           r"isExtensible|getOwnPropertyDescriptors?)\b")

PRELUDE = r"""
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


def runtime_for(source: str) -> str:
    """The prelude for a function whose code is ``source`` (frozen kept events or not)."""
    freezable = WRITES_UNSEEN.search(source) is None
    return (PRELUDE.replace("@KEPT_EVENT_CHARS@", str(KEPT_EVENT_CHARS))
            .replace("@FREEZABLE@", "true" if freezable else "false"))
