"""YAML with line numbers: the data of a scenario file plus where each value was written.

Validation messages name the line of the offending value (``file:12: steps[1].at: ...``);
PyYAML's composed node tree has those marks, so the file is composed once, then
constructed, and the marks are indexed by the path of each value.
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
    """Parse ``text``; ``ValueError`` (one line, with the file and line) when it is not YAML."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
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
    return Source(name=name, data=data, lines=lines)
