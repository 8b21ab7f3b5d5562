"""``python -m scenarios.stack.rule_keeper RUNNER_PID``: blackhole rules end with their run.

Started by the runner with the first blackhole rule, its standard input a pipe from the
runner. It reads until end of file, which comes when the runner closes the pipe after its
own cleanup, or when the runner dies in any way (SIGKILL included: the kernel closes the
pipe). Then it removes every rule tagged with RUNNER_PID and exits. SIGTERM and SIGINT
while it waits do the same; once the removal has begun, signals are ignored until it is done
(a signal arriving mid-way must not leave a rule behind). It needs no death signal of its
own: end of file on the pipe is what the kernel guarantees.
"""

from __future__ import annotations

import signal
import sys

from scenarios.stack.blackhole import remove_rules


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m scenarios.stack.rule_keeper RUNNER_PID", file=sys.stderr)
        return 2
    runner = int(argv[0])
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))  # the finally below still runs
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        remove_rules(lambda pid: pid == runner)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
