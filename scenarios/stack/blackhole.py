"""Blackholing an origin: every packet to its data port on 127.0.0.1 is dropped.

A blackholed origin is what a dead host or a broken route looks like to CloudFront: the SYN
gets no answer, so each connect waits its full ``ConnectionTimeout`` (and established
connections stall until the read timeout). Refusing (RST) or killing the process fail fast
instead; only a packet filter reproduces the slow path.

Needs root and ``iptables`` (``apt-get install -y iptables``) or, without it, ``nft`` (rules in
a table of our own, ``inet cf_harness``). Each rule carries a comment naming the runner's pid,
and a rule keeper (:mod:`scenarios.stack.rule_keeper`) started with the first rule removes
the run's rules when the runner ends, however it ends (SIGKILL included); the teardown
removes them first itself, and the next run still sweeps any a keeper could not
(:func:`remove_stale`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

from scenarios.errors import StackError

TAG_PREFIX = "cf-harness-"
TOOL_TIMEOUT_S = 10.0
_TAG_RE = re.compile(rf"\"?{TAG_PREFIX}(\d+)-(\d+)\"?")
_PORT_RE = re.compile(r"dport (\d+)")


class BlackholeError(StackError):
    """The packet filter is not available or refused a rule."""


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BlackholeError(f"{argv[0]} failed: {exc}") from None


def rule_spec(port: int, tag: str) -> list[str]:
    """The iptables match and target of one blackhole rule (pure)."""
    return ["-p", "tcp", "-d", "127.0.0.1", "--dport", str(port),
            "-m", "comment", "--comment", tag, "-j", "DROP"]


def tagged_rules(listing: str) -> list[tuple[str, int, int, str]]:
    """(tag, runner pid, port, line) of our rules in an ``iptables -S`` or ``nft -a list`` listing (pure)."""
    found = []
    for line in listing.splitlines():
        tag, port = _TAG_RE.search(line), _PORT_RE.search(line)
        if tag and port:
            found.append((f"{TAG_PREFIX}{tag.group(1)}-{tag.group(2)}", int(tag.group(1)),
                          int(port.group(1)), line))
    return found


def stale_tags(listing: str, alive: set[int]) -> list[tuple[str, int]]:
    """(tag, port) of our rules whose runner pid is not in ``alive`` (pure)."""
    return [(tag, port) for tag, pid, port, _line in tagged_rules(listing) if pid not in alive]


class Iptables:
    """Rules in the INPUT chain of iptables."""

    name = "iptables"
    chain = "INPUT"

    def add(self, port: int, tag: str) -> subprocess.CompletedProcess[str]:
        return _run(["iptables", "-w", "5", "-I", self.chain, *rule_spec(port, tag)])

    def remove(self, port: int, tag: str) -> subprocess.CompletedProcess[str]:
        return _run(["iptables", "-w", "5", "-D", self.chain, *rule_spec(port, tag)])

    def listing(self) -> str:
        done = _run(["iptables", "-w", "5", "-S", self.chain])
        return done.stdout if done.returncode == 0 else ""


class Nft:
    """Rules in a table of our own (``inet cf_harness``), hooked before the usual filters."""

    name = "nft"
    table = ["inet", "cf_harness"]

    def add(self, port: int, tag: str) -> subprocess.CompletedProcess[str]:
        _run(["nft", "add", "table", *self.table])
        _run(["nft", "add", "chain", *self.table, "input",
              "{ type filter hook input priority -10 ; policy accept ; }"])
        return _run(["nft", "add", "rule", *self.table, "input", "ip", "daddr", "127.0.0.1",
                     "tcp", "dport", str(port), "drop", "comment", f'"{tag}"'])

    def remove(self, port: int, tag: str) -> subprocess.CompletedProcess[str]:
        for found, _pid, found_port, line in tagged_rules(self.listing()):
            handle = re.search(r"# handle (\d+)", line)
            if found == tag and found_port == port and handle:
                return _run(["nft", "delete", "rule", *self.table, "input", "handle", handle.group(1)])
        return subprocess.CompletedProcess([], 0, "", "")  # already gone

    def listing(self) -> str:
        done = _run(["nft", "-a", "list", "chain", *self.table, "input"])
        return done.stdout if done.returncode == 0 else ""


def backend() -> Iptables | Nft | None:
    """The packet filter tool on this machine: iptables, else nft, else None."""
    if shutil.which("iptables"):
        return Iptables()
    if shutil.which("nft"):
        return Nft()
    return None


def unavailable_reason() -> str | None:
    """Why blackhole steps cannot run on this machine, or None when they can (no side effects)."""
    if backend() is None:
        return ("blackhole steps need iptables or nft (Debian/Ubuntu: apt-get install -y iptables)")
    if os.geteuid() != 0:
        return "blackhole steps need root (packet filter rules); run as root or drop those steps"
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Blackholes:
    """The blackhole rules of one run, by origin Id."""

    def __init__(self) -> None:
        self.rules: dict[str, tuple[int, str]] = {}  # origin -> (port, tag)
        self.tool = backend()
        self.keeper: subprocess.Popen[bytes] | None = None  # started with the first rule

    def _keep(self) -> None:
        """Start the rule keeper (scenarios/stack/rule_keeper.py): it removes this runner's
        rules when the runner ends in any way, SIGKILL included."""
        if self.keeper is None or self.keeper.poll() is not None:
            self.keeper = subprocess.Popen(
                [sys.executable, "-m", "scenarios.stack.rule_keeper", str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)  # its own session: a Ctrl-C at the terminal does not reach it

    def release(self) -> None:
        """The run is over and its rules are gone: let the keeper check once more and end."""
        if self.keeper is not None:
            assert self.keeper.stdin is not None
            self.keeper.stdin.close()
            try:
                self.keeper.wait(TOOL_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.keeper.kill()
                self.keeper.wait()
            self.keeper = None

    def add(self, origin_id: str, port: int) -> dict[str, object]:
        reason = unavailable_reason()
        if reason or self.tool is None:
            raise BlackholeError(reason or "no packet filter")
        tag = f"{TAG_PREFIX}{os.getpid()}-{port}"
        self._keep()  # before the rule exists, so that no moment leaves it without a keeper
        done = self.tool.add(port, tag)
        if done.returncode != 0:
            raise BlackholeError(f"{self.tool.name} refused the rule: {done.stderr.strip() or done.returncode}")
        self.rules[origin_id] = (port, tag)
        return {"port": port, "tool": self.tool.name, "rule": tag}

    def remove(self, origin_id: str) -> dict[str, object]:
        if origin_id not in self.rules or self.tool is None:
            return {}
        port, tag = self.rules[origin_id]
        done = self.tool.remove(port, tag)
        # A rule already gone (removed by hand) is what we wanted anyway.
        if done.returncode != 0 and "does a matching rule exist" not in done.stderr \
                and "Bad rule" not in done.stderr:
            raise BlackholeError(f"{self.tool.name} could not remove the rule: {done.stderr.strip()}")
        del self.rules[origin_id]
        return {"port": port}

    def remove_all(self) -> list[str]:
        """Remove every rule of this run; returns the failures (cleanup never raises)."""
        problems = []
        for origin_id in list(self.rules):
            try:
                self.remove(origin_id)
            except BlackholeError as exc:
                problems.append(f"{origin_id}: {exc}")
        return problems


def remove_stale() -> int:
    """Delete rules left by runners that no longer exist; returns how many were removed."""
    return remove_rules(lambda pid: not _pid_alive(pid))


def remove_rules(of: Callable[[int], bool]) -> int:
    """Delete our rules whose runner pid satisfies ``of``; returns how many were removed."""
    tool = backend()
    if unavailable_reason() or tool is None:
        return 0
    removed = 0
    for tag, pid, port, _line in tagged_rules(tool.listing()):
        if of(pid) and tool.remove(port, tag).returncode == 0:
            removed += 1
    return removed
