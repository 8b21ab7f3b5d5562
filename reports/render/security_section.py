"""The security section of report.html: attacks refused, fields encrypted, plaintext found."""

from __future__ import annotations

from typing import Any

from reports.render.htmlkit import e, table


def section(summary: dict[str, Any]) -> str:
    """The report.html block (empty when the run has no security section)."""
    sec = summary.get("security")
    if not sec:
        return ""
    parts = ["<h2>Security</h2>"]
    attacker = sec.get("attacker")
    if attacker:
        verdict = ('<span class="pass">every one refused</span>' if attacker["not_refused"] == 0
                   else f'<span class="fail">{e(attacker["not_refused"])} NOT refused</span>')
        parts.append(f"<p>Direct attacks on the origins (bypassing the edge): {e(attacker['requests'])} "
                     f"tries, {e(attacker['refused'])} refused with 403: {verdict}.</p>")
        parts.append(table(("attack", "tries", "refused"),
                           [(e(k), e(v["requests"]), e(v["refused"])) for k, v in attacker["by_kind"].items()]))
    checkout = sec.get("checkout")
    if checkout:
        parts.append(f"<p>Checkout posts through the edge: {e(checkout['posts'])}; verified (every card "
                     f"field arrived encrypted and decrypted to what was sent): {e(checkout['verified'])}; "
                     f"HTTP errors: {e(checkout['http_errors'])}; card fields in plaintext at the origin: "
                     f"{e(checkout['plaintext'])}; wrong after decryption: {e(checkout['mismatch'])}.</p>")
    fle = sec.get("fle")
    if fle:
        parts.append(f"<p>Field-level encryption at the edge: {e(fle['encrypted_fields'])} fields "
                     f"encrypted in {e(fle['requests'])} requests (edge log <code>fle-status</code>):</p>")
        parts.append(table(("fle-status", "requests"), [(e(k), e(v)) for k, v in fle["by_status"].items()]))
    found = sec.get("plaintext_found", 0)
    where = ", ".join(f"{k}: {v}" for k, v in (sec.get("plaintext_files") or {}).items())
    shown = ('<span class="pass">none</span>' if not found
             else f'<span class="fail">{e(found)}</span> ({e(where)})')
    parts.append(f"<p>Card numbers in clear anywhere in the run folder (logs, CSVs, events): {shown}.</p>")
    return "".join(parts)
