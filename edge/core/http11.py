"""What both sides of the edge's HTTP/1.1 share (viewer requests, origin requests and
answers): the characters a field may not hold, a header name's, and the chunked coding's
grammar and limits."""

from __future__ import annotations

import re

# In a header line: any control character but HTAB (a lone CR or LF included).
BAD_FIELD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# A header name: a token (RFC 9110 5.6.2).
TCHAR = "!#$%&'*+.^_`|~0-9A-Za-z-"
TOKEN = re.compile(f"[{TCHAR}]+")
# A chunk size: plain hex, at most 16 digits (no sign, no 0x, no _).
CHUNK_DIGITS = re.compile(rb"[0-9A-Fa-f]{1,16}")
MAX_CHUNK_LINE = 1024
MAX_TRAILERS = 8192
