"""Building blocks of the HTML pages: CSS, escaping, number formatting, tables, images.

Every page is self-contained: CSS inline, charts as base64 PNGs, no script, no link to
anything on the network, so a page mailed or archived by CI still shows everything.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; max-width: 1260px;
       margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { padding: .25em .7em; border-bottom: 1px solid #eee; text-align: right; }
th { background: #f5f5f5; } td:first-child, th:first-child { text-align: left; }
td:first-child { white-space: nowrap; }
.pass { color: #1a7f37; font-weight: 600; } .fail { color: #cf222e; font-weight: 600; }
.worse { color: #cf222e; } .better { color: #1a7f37; }
.status { padding: .1em .5em; border-radius: 4px; background: #eee; }
img { max-width: 100%; display: block; margin: .8em 0; }
pre { background: #f6f8fa; padding: 1em; overflow-x: auto; }
dt { font-weight: 600; margin-top: .6em; } .note { color: #555; }
"""


def e(value: Any) -> str:
    """``value`` as escaped HTML text."""
    return html.escape(str(value))


def fmt(value: Any) -> str:
    """A metric value as people read it: 4 significant digits, ``null`` for missing."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)


def fmt_in(mapping: dict[str, Any], key: str) -> str:
    """``fmt`` of ``mapping[key]``; a dash when the metric does not apply (no such key)."""
    return fmt(mapping[key]) if key in mapping else "–"


def table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A table; ``rows`` hold HTML already escaped, headers are plain text."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def verdict(passed: bool) -> str:
    return '<span class="pass">PASS</span>' if passed else '<span class="fail">FAIL</span>'


def image(name: str, path: Path) -> str:
    """An <img> with the PNG at ``path`` embedded."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{e(name)}" src="data:image/png;base64,{data}">'


def images(plots: dict[str, Path]) -> str:
    return "\n".join(image(name, path) for name, path in plots.items())


def page(title: str, body: str) -> str:
    """A whole HTML document around ``body``."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title><style>{CSS}</style></head>
<body>
{body}
</body></html>
"""
