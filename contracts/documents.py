"""Reading the JSON files users give (distributions, policies, keys, credentials), bounded.

Every refusal is one line, ``<file>: <what is wrong> (<what is allowed>)``, and every input
ends in a document or a refusal in time linear in its size:

| limit | value |
| --- | --- |
| file size | 4 MiB |
| text | UTF-8 without control characters outside strings (JSON itself forbids them inside) |
| nesting of objects and arrays | 32 levels |
| a number | 20 characters at most; finite (no NaN, Infinity) |
| keys | unique within an object |

The YAML side (scenario files) has the same limits, in scenarios/spec/yamlsrc.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 20


class DocumentError(ValueError):
    """The file is not a document we accept; the message is one line without the file name."""


def read_json(path: str | Path) -> Any:
    """The JSON document in ``path``; :class:`DocumentError` or OSError otherwise."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DocumentError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB (allowed: at most that)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text (byte {exc.start}; allowed: a JSON document in UTF-8)") from None
    return parse_json(text)


def parse_json(text: str) -> Any:
    """Parse ``text`` within the limits above."""
    _check_depth(text)
    try:
        return json.loads(text, object_pairs_hook=_unique, parse_int=_number(int),
                          parse_float=_number(float), parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def _check_depth(text: str) -> None:
    # Counted on the text before parsing, so a 100,000-deep document is refused in one pass
    # instead of exhausting the parser's recursion. Brackets inside strings are skipped.
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise DocumentError(f"nested deeper than {MAX_DEPTH} levels (allowed: {MAX_DEPTH})")
        elif char in "]}":
            depth -= 1


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DocumentError(f"duplicate key {key!r} (allowed: each key once per object)")
        result[key] = value
    return result


def _number(kind: type) -> Any:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise DocumentError(f"number {text[:12]}... has {len(text)} characters "
                                f"(allowed: at most {MAX_NUMBER_CHARS})")
        return kind(text)
    return parse


def _no_constant(name: str) -> Any:
    raise DocumentError(f"{name} is not a number here (allowed: finite numbers)")


def load_json(path: str | Path, where: str, error: type[Exception]) -> Any:
    """:func:`read_json`, every failure raised as ``error`` with one line starting ``where: ``
    (the caller's error type: a config error for the edge, a usage error for the origins)."""
    try:
        return read_json(path)
    except OSError as exc:
        raise error(f"{where}: cannot read: {exc.strerror or exc}") from None
    except DocumentError as exc:
        raise error(f"{where}: {exc}") from None
