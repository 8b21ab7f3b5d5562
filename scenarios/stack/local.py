"""The local stack of a run: one ``python -m origins`` per origin Id, one ``python -m edge``.

Everything listens on 127.0.0.1 with port 0; the real ports come from the ready files.
A killed origin restarts on the SAME data and control ports, so the edge (which maps the
origin Id to that address) reconnects to it without knowing it ever left. The edge's admin
API listens too (with a random token), for ``invalidate`` steps.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from origins.client import ControlError, OriginControl
from scenarios.errors import StackError
from scenarios.spec import steps as st
from scenarios.spec.control_step import ACTION as CONTROL
from scenarios.spec.model import Scenario, Step
from scenarios.spec.stack_args import expand
from scenarios.stack import procs
from scenarios.stack.blackhole import BlackholeError, Blackholes
from scenarios.stack.control import call as control_call
from scenarios.stack.invalidation import invalidate
from scenarios.stack.keys import make_keys
from scenarios.stack.tls import make_run_tls, needs_tls

RESTART_TIMEOUT_S = 10.0  # a port still held by the dying process is retried this long


class Stack:
    """Origins and edge of one run, and the steps that act on them."""

    def __init__(self, scenario: Scenario, run_dir: Path) -> None:
        self.scenario = scenario
        self.run_dir = run_dir
        self.origins: dict[str, procs.Child] = {}
        self.addresses: dict[str, tuple[str, str]] = {}  # id -> (listen, control)
        self.edge: procs.Child | None = None
        self.children: list[procs.Child] = []  # every process ever started, for the final check
        self.expected_down: set[str] = set()
        self.state = {origin_id: st.UP for origin_id in (*scenario.origin_ids, st.EDGE_TARGET)}
        self.function_fault: str | None = None  # the CloudFront function a step broke
        self.blackholes = Blackholes()
        self.invalidations = 0
        self.tls_dir: Path | None = None  # RUN/tls when the distribution needs HTTPS (scenarios/stack/tls.py)
        self.tls_addresses: dict[str, str] = {}  # origin id -> its TLS listener

    def log(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def start_child(self, name: str, argv: list[str], ready_timeout: float = 20.0,
                    env: dict[str, str] | None = None) -> procs.Child:
        # Origins can be paused (SIGSTOP) by a step, and only SIGKILL ends a stopped process.
        death = signal.SIGKILL if name in self.scenario.origin_ids else signal.SIGTERM
        try:
            child = procs.start(name, argv, log_path=self.log(name), ready_timeout=ready_timeout, env=env,
                                death_signal=death)
        except procs.ProcessError as exc:
            raise StackError(str(exc).splitlines()[0] + f" (see {self.log(name)})") from None
        self.children.append(child)
        return child

    def start_origin(self, origin_id: str, listen: str = "127.0.0.1:0",
                     control: str = "127.0.0.1:0") -> procs.Child:
        tls: list[str] = []
        if self.tls_dir is not None:  # a restart keeps its TLS port too
            tls = ["--listen-tls", self.tls_addresses.get(origin_id, "127.0.0.1:0"), "--tls-dir", str(self.tls_dir)]
        child = self.start_child(origin_id, procs.python_module_argv(
            "origins", "--id", origin_id, "--listen", listen, "--control", control, *tls,
            *self.extra_args(self.scenario.stack_args.origins.get(origin_id, ()))))
        self.origins[origin_id] = child
        self.addresses[origin_id] = (str(child.ready["listen"]), str(child.ready["control"]))
        if child.ready.get("listen_tls"):
            self.tls_addresses[origin_id] = str(child.ready["listen_tls"])
        return child

    def start(self) -> dict[str, Any]:
        """Start every origin, then the edge; returns the addresses for ``stack-ready``."""
        if self.scenario.stack_args.keys:  # fresh FLE keys and OAC credentials in RUN/keys
            try:
                make_keys(self.run_dir, procs.REPO_ROOT)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                raise StackError(str(exc)) from None
        if needs_tls(self.scenario.distribution):
            try:
                self.tls_dir = make_run_tls(self.run_dir, self.scenario.distribution, procs.REPO_ROOT)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                raise StackError(str(exc)) from None
        for origin_id in self.scenario.origin_ids:
            self.start_origin(origin_id)
        argv = procs.python_module_argv(
            "edge", "--config", str(self.scenario.distribution), "--listen", "127.0.0.1:0",
            "--access-log", str(self.run_dir / "edge-access.log"),
            "--admin", "127.0.0.1:0",
            *self.extra_args(self.scenario.stack_args.edge))
        for origin_id, (listen, _control) in self.addresses.items():
            argv += ["--origin", f"{origin_id}={listen}"]
        if self.tls_dir is not None:
            argv += ["--listen-tls", "127.0.0.1:0", "--tls-dir", str(self.tls_dir)]
            for origin_id, listen_tls in self.tls_addresses.items():
                argv += ["--origin-tls", f"{origin_id}={listen_tls}"]
        self.edge = self.start_child("edge", argv)
        ready: dict[str, Any] = {
            "edge": {"listen": self.edge.ready.get("listen"), "admin": self.edge.ready.get("admin"),
                     "listen_tls": self.edge.ready.get("listen_tls"), "pid": self.edge.pid},
            "origins": {o: {"listen": a[0], "control": a[1], "listen_tls": self.tls_addresses.get(o),
                            "pid": self.origins[o].pid} for o, a in self.addresses.items()}}
        if self.tls_dir is not None:
            ready["tls_ca"] = str(self.tls_dir / "ca.pem")  # what viewers of this run trust
        return ready

    @property
    def edge_url(self) -> str:
        """Where viewers go: the TLS listener when the run serves HTTPS, else plain HTTP."""
        assert self.edge is not None
        if self.tls_dir is not None and self.edge.ready.get("listen_tls"):
            return f"https://{self.edge.ready['listen_tls']}"
        return f"http://{self.edge.ready['listen']}"

    @property
    def viewer_args(self) -> list[str]:
        """Locust's arguments for this stack: trust the run's CA when viewers use HTTPS."""
        return ["--tls-ca", str(self.tls_dir / "ca.pem")] if self.tls_dir is not None else []

    def control(self, origin_id: str) -> OriginControl:
        # Each origin makes its own control token and puts it in its ready file (contracts/token.py).
        return OriginControl(f"http://{self.addresses[origin_id][1]}",
                             token=str(self.origins[origin_id].ready["token"]))

    @property
    def admin_token(self) -> str:
        """The edge's admin token, from its ready file."""
        assert self.edge is not None
        return str(self.edge.ready["token"])

    def apply(self, step: Step) -> dict[str, Any]:
        """Carry out one step; returns what to record as the event's params. Raises on failure."""
        if step.action == CONTROL:  # an API call; moves no state (scenarios/spec/control_step.py)
            return self.api_call(step)
        if step.target == st.EDGE_TARGET and step.action == "invalidate":
            return self.invalidate(step.params["paths"])
        if step.target == st.EDGE_TARGET:  # a fault on (or the clearing of) a CloudFront function
            params = self.function_step(step)
            self.state[st.EDGE_TARGET] = st.TRANSITIONS[step.action][1]
            return params
        params = self._apply_to_origin(step)
        self.state[step.target] = st.TRANSITIONS[step.action][1]
        return params

    def extra_args(self, args: tuple[str, ...]) -> list[str]:
        """A scenario's ``stack`` arguments with their placeholders filled in."""
        return expand(args, self.run_dir, {o: a[0] for o, a in self.addresses.items()})

    def api_call(self, step: Step) -> dict[str, Any]:
        if step.target == st.EDGE_TARGET:
            if self.edge is None or not self.edge.ready.get("admin"):
                raise StackError("the edge has no admin API")
            return control_call(f"http://{self.edge.ready['admin']}", step.params, self.admin_token)
        return control_call(f"http://{self.addresses[step.target][1]}", step.params,
                            str(self.origins[step.target].ready["token"]))

    def applicable(self, step: Step) -> bool:
        """Whether ``step`` fits the current state (rollback steps that do not are skipped)."""
        if step.target == st.EDGE_TARGET:
            return self.edge is not None and self.edge.alive()
        return st.allowed(step.action, self.state[step.target])

    def function_step(self, step: Step) -> dict[str, Any]:
        """``PUT /functions/NAME/fault`` on the edge's admin API (null clears)."""
        if self.edge is None or not self.edge.ready.get("admin"):
            raise StackError("the edge has no admin API to break its functions through")
        name = step.params["function"] if step.action == "fault" else self.function_fault
        if name is None:
            return {}
        fault = step.params["type"] if step.action == "fault" else None
        answer = control_call(f"http://{self.edge.ready['admin']}",
                              {"method": "PUT", "path": f"/functions/{name}/fault", "body": {"fault": fault}},
                              self.admin_token)
        self.function_fault = name if fault else None
        return {**step.params, "answer": answer}

    def invalidate(self, paths: list[str]) -> dict[str, Any]:
        """An invalidation of ``paths`` on the edge (see :mod:`scenarios.stack.invalidation`)."""
        if self.edge is None or not self.edge.ready.get("admin"):
            raise StackError("the edge has no admin API to invalidate through")
        self.invalidations += 1
        return invalidate(str(self.edge.ready["admin"]), self.admin_token, paths,
                          f"{self.run_dir.name}-{self.invalidations}")

    def _apply_to_origin(self, step: Step) -> dict[str, Any]:
        origin = self.origins[step.target]
        if step.action in ("blackhole", "unblackhole"):
            port = int(self.addresses[step.target][0].rsplit(":", 1)[1])
            try:
                if step.action == "blackhole":
                    return self.blackholes.add(step.target, port)
                return self.blackholes.remove(step.target)
            except BlackholeError as exc:
                raise StackError(str(exc)) from None
        if step.action == "fault":
            return dict(self.control(step.target).add_fault(**step.params))
        if step.action == "clear":
            name = step.params.get("name")
            if name:
                self.control(step.target).delete_fault(name)
            else:
                self.control(step.target).reset()
            return dict(step.params)
        if step.action in ("kill", "stop"):
            self.expected_down.add(step.target)
            pid = origin.pid
            if step.action == "kill":
                origin.signal(signal.SIGKILL)
                origin.popen.wait(5)
            else:
                procs.stop(origin)
            return {"pid": pid, "exit_code": origin.popen.returncode}
        if step.action == "restart":
            listen, control = self.addresses[step.target]
            deadline = time.monotonic() + RESTART_TIMEOUT_S
            while True:
                try:
                    child = self.start_origin(step.target, listen, control)
                    break
                except StackError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            self.expected_down.discard(step.target)
            return {"pid": child.pid, "listen": listen, "control": control}
        if step.action == "pause":
            origin.signal(signal.SIGSTOP)
            return {"pid": origin.pid}
        if step.action == "resume":
            origin.signal(signal.SIGCONT)
            return {"pid": origin.pid}
        raise AssertionError(f"unknown action {step.action}")

    def unexpected_exit(self) -> str | None:
        """A line naming a stack process that died without a step asking for it, if any."""
        for origin_id, child in self.origins.items():
            if origin_id not in self.expected_down and not child.alive():
                return f"origin {origin_id} exited unexpectedly (code {child.popen.returncode})"
        if self.edge is not None and not self.edge.alive():
            return f"edge exited unexpectedly (code {self.edge.popen.returncode})"
        return None

    def reset_faults(self) -> list[str]:
        """Remove blackholes, resume paused origins, POST /reset to every live one; returns the failures."""
        problems = self.blackholes.remove_all()
        if self.function_fault is not None and self.edge is not None and self.edge.alive():
            try:
                control_call(f"http://{self.edge.ready['admin']}",
                             {"method": "PUT", "path": f"/functions/{self.function_fault}/fault",
                              "body": {"fault": None}}, self.admin_token)
                self.function_fault = None
            except (RuntimeError, OSError) as exc:  # control_call's error line
                problems.append(f"edge function {self.function_fault}: {exc}")
        for origin_id, child in self.origins.items():
            if not child.alive():
                continue
            child.signal(signal.SIGCONT)
            try:
                self.control(origin_id).reset()
            except (ControlError, OSError) as exc:
                problems.append(f"{origin_id}: {exc}")
        return problems

    def stop(self) -> None:
        """Stop the edge, then the origins (SIGTERM, then SIGKILL); every child is reaped."""
        if self.edge is not None:
            procs.stop(self.edge)
        for child in self.children:
            procs.stop(child)
        self.blackholes.remove_all()  # normally done by reset_faults already: a no-op then
        self.blackholes.release()
