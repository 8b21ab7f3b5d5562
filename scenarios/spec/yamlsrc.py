"""YAML with line numbers: the data of a scenario file plus where each value was written.

Validation messages name the line of the offending value (``file:12: steps[1].at: ...``);
PyYAML's composed node tree has those marks, so the file is composed once, then
constructed, and the marks are indexed by the path of each value.

Bounded, like the JSON side (contracts/documents.py), and refused in one line each:

| what | allowed |
| --- | --- |
| size | 1 MiB |
| aliases and anchors (``&a`` / ``*a``) | none (no shipped scenario needs them; an alias bomb is refused at once) |
| nesting of mappings and lists | 32 levels |
| a key | once per mapping |
| a number | 20 characters |
| control characters | none but tab and newline, anywhere |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


def format_path(path: Path_) -> str:
    """``("steps", 2, "fault", "type")`` -> ``steps[2].fault.type``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True)
class Source:
    """A parsed YAML document and the line (1-based) of every value in it, by path."""

    name: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """Line of the value at ``path`` or of its nearest parent that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def where(self, path: Path_) -> str:
        """``file:LINE: path`` (``file: path`` without a line, ``file`` at the root)."""
        line = self.line(path)
        prefix = f"{self.name}:{line}" if line is not None else self.name
        return f"{prefix}: {format_path(path)}" if path else prefix


MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 20
_INT_OR_FLOAT = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Refused(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, deep nesting, duplicate keys and long numbers while it
    composes, before anything could be expanded."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, "aliases (*name) are not allowed in scenario files")
        if getattr(event, "anchor", None):
            raise _Refused(line, "anchors (&name) are not allowed in scenario files")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(line,
                               f"nested deeper than {MAX_DEPTH} levels (allowed: {MAX_DEPTH})")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode) and node.tag in _INT_OR_FLOAT \
                and len(node.value) > MAX_NUMBER_CHARS:
            raise _Refused(node.start_mark.line + 1, f"a number of {len(node.value)} characters "
                                                     f"(allowed: at most {MAX_NUMBER_CHARS})")
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _value in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                if key in seen:
                    raise _Refused(key_node.start_mark.line + 1,
                                   f"duplicate key {key!r} (allowed: each key once per mapping)")
                seen.add(key)
        return node


def _control_character(text: str) -> tuple[int, str] | None:
    for number, line in enumerate(text.split("\n"), 1):
        for char in line:
            if (char < " " and char not in "\t\r") or char == "\x7f":
                return number, f"control character {char!r} (allowed: none but tab and newline)"
    return None


def _index(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            _index(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines)


def load_source(text: str, name: str) -> Source:
    """Parse ``text``; ``ValueError`` (one line, with the file and line) when it is not YAML
    or not within the bounds above."""
    if len(text) > MAX_BYTES:
        raise ValueError(f"{name}: larger than 1 MiB (allowed: at most that)")
    bad = _control_character(text)
    if bad is not None:
        raise ValueError(f"{name}:{bad[0]}: {bad[1]}")
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        raise ValueError(f"{name}:{exc.line}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"{where}: invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _index(node, (), lines)
    source = Source(name=name, data=data, lines=lines)
    escaped = _escaped_control(data, ())  # "\x1b" written as an escape in a quoted string
    if escaped is not None:
        raise ValueError(f"{source.where(escaped)}: a control character (allowed: none but tab and newline)")
    return source


def _escaped_control(value: Any, path: Path_) -> Path_ | None:
    if isinstance(value, str):
        return path if _control_character(value.replace("\n", " ")) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _escaped_control(item, (*path, key))
        if found is not None:
            return found
    return None
