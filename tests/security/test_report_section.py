"""The report's security section, from a hand-made run folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from edge.pop.logline import HEADER
from reports.read.security import luhn_ok, plaintext_cards, summarize

COLUMNS = ["ts", "latency_ms", "method", "name", "status", "ok", "bytes", "x_cache", "origin", "pop", "user", "error"]


def frame(rows: list[tuple[str, int, int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"ts": 1.0, "latency_ms": 1.0, "method": "GET", "name": n, "status": s, "ok": ok,
                          "bytes": 0, "x_cache": "", "origin": "", "pop": "", "user": u, "error": e}
                         for n, s, ok, u, e in rows], columns=COLUMNS)


def test_luhn() -> None:
    assert luhn_ok(b"4111111111111111") and luhn_ok(b"378282246310005")
    assert not luhn_ok(b"4111111111111112")


def test_scan_finds_card_numbers_only(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "edge.log").write_text("x 4111111111111111 y\n1764333000.123456 12345678901234567\n")
    (tmp_path / "requests.csv").write_text("1764333000.123456,5.0,GET,/static/x\n")
    (tmp_path / "locust_stats.csv").write_text("x,3.45121557728247,4111111111111111.5,0.6708230000404\n")
    (tmp_path / "summary.json").write_text("4111111111111111")  # the report's own output is skipped
    assert plaintext_cards(tmp_path) == {"logs/edge.log": 1}


def test_counts(tmp_path: Path) -> None:
    log = tmp_path / "edge-access.log"
    fields = HEADER.splitlines()[1].split(":", 1)[1].split()
    def line(status: str, count: str) -> str:
        row = {f: "-" for f in fields}
        row.update({"fle-status": status, "fle-encrypted-fields": count})
        return "\t".join(row[f] for f in fields)
    log.write_text(HEADER + "\n".join([line("Processed", "3"), line("Processed", "3"),
                                       line("RejectedByContentType", "-"), line("-", "-")]) + "\n")
    (tmp_path / "attacks.csv").write_text(
        "ts,kind,target,status,refused,error\n"
        "1.0,unsigned,http://127.0.0.1:1,403,1,\n"
        "2.0,forged-signature,http://127.0.0.1:1,403,1,\n"
        "3.0,unsigned,http://127.0.0.1:2,200,0,NOT REFUSED: unsigned got 200\n")
    data = frame([
        ("/form/checkout", 200, 1, "Checkout", ""),
        ("/form/checkout", 200, 0, "Checkout", "CatchResponseError: fle-plaintext: card_cvv reached the origin unencrypted"),
        ("/form/checkout", 503, 0, "Checkout", "HTTP 503"),
        ("/static/[obj]", 200, 1, "Viewer", ""),
    ])
    section = summarize(data, tmp_path)
    assert section is not None
    assert section["attacker"] == {"requests": 3, "refused": 2, "not_refused": 1, "accepted": 1,
                                   "by_kind": {"forged-signature": {"requests": 1, "refused": 1},
                                               "unsigned": {"requests": 2, "refused": 1}},
                                   "targets": ["http://127.0.0.1:1", "http://127.0.0.1:2"]}
    assert section["checkout"]["posts"] == 3 and section["checkout"]["verified"] == 1
    assert section["checkout"]["plaintext"] == 1 and section["checkout"]["http_errors"] == 1
    assert section["fle"] == {"requests": 3, "encrypted_fields": 6,
                              "by_status": {"Processed": 2, "RejectedByContentType": 1}}
    assert section["plaintext_found"] == 0


def test_no_section_without_security_traffic(tmp_path: Path) -> None:
    assert summarize(frame([("/static/[obj]", 200, 1, "Viewer", "")]), tmp_path) is None
