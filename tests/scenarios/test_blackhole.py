"""Blackhole rules on a real loopback port, with each packet-filter tool this machine has."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from scenarios.stack.blackhole import TAG_PREFIX, Iptables, Nft, remove_stale, stale_tags, tagged_rules


def connects(port: int, timeout: float = 0.5) -> bool:
    with socket.socket() as client:
        client.settimeout(timeout)
        try:
            client.connect(("127.0.0.1", port))
            return True
        except OSError:  # a timeout: the SYN was dropped
            return False


def skip_reason(tool: str) -> str | None:
    if os.geteuid() != 0:
        return "packet filter rules need root"
    if shutil.which(tool) is None:
        return f"{tool} is not installed (apt-get install -y {'iptables' if tool == 'iptables' else 'nftables'})"
    return None


@pytest.mark.parametrize("tool", [Iptables(), Nft()], ids=["iptables", "nft"])
def test_rule_drops_connects_until_removed(tool: Iptables | Nft) -> None:
    reason = skip_reason(tool.name)
    if reason:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        tag = f"{TAG_PREFIX}{os.getpid()}-{port}"
        assert connects(port)
        try:
            assert tool.add(port, tag).returncode == 0
            assert (tag, port) in [(t, p) for t, _pid, p, _line in tagged_rules(tool.listing())]
            assert not connects(port)  # 0.5 s without a SYN-ACK: the connect timed out
        finally:
            tool.remove(port, tag)
        assert tag not in tool.listing()
        assert connects(port)


def test_stale_rules_of_dead_runners_are_removed() -> None:
    reason = skip_reason("iptables")
    if reason:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)  # that process has exited: its rules are stale
    tool = Iptables()
    tag = f"{TAG_PREFIX}{pid}-9"
    tool.add(9, tag)
    try:
        assert (tag, 9) in stale_tags(tool.listing(), alive={os.getpid()})
        assert remove_stale() >= 1
        assert tag not in tool.listing()
    finally:
        tool.remove(9, tag)
