"""Every distribution a shipped scenario runs is accepted by the edge as it is today."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.tls_cmd import make_tls_dir
from scenarios.spec.loader import load_scenario, shipped_scenarios
from scenarios.stack import procs
from scenarios.stack.tls import needs_tls


def used_distributions() -> list[tuple[Path, tuple[str, ...]]]:
    found: dict[Path, tuple[str, ...]] = {}
    for path in shipped_scenarios():
        scenario = load_scenario(str(path))
        if scenario.stack_args.edge:
            continue  # needs run-time keys and extra edge flags: started by its own end-to-end run
        found[scenario.distribution] = scenario.origin_ids
        for variant in scenario.variants:
            found[variant.distribution] = variant.origin_ids
    return sorted(found.items())


@pytest.mark.parametrize(("distribution", "origins"), used_distributions(), ids=lambda v: getattr(v, "stem", ""))
def test_edge_accepts_distribution(distribution: Path, origins: tuple[str, ...], tmp_path: Path) -> None:
    argv = procs.python_module_argv("edge", "--config", str(distribution), "--listen", "127.0.0.1:0")
    for origin in origins:  # nothing listens there: the edge only needs the mapping to start
        argv += ["--origin", f"{origin}=127.0.0.1:9"]
    if needs_tls(distribution):  # as a run starts it: a TLS listener and the origins' TLS ports
        argv += ["--listen-tls", "127.0.0.1:0", "--tls-dir", str(make_tls_dir(tmp_path / "tls"))]
        for origin in origins:
            argv += ["--origin-tls", f"{origin}=127.0.0.1:9"]
    try:
        edge = procs.start("edge", argv, log_path=tmp_path / "edge.log", ready_timeout=20)
    except procs.ProcessError as exc:
        pytest.fail(f"{distribution.name}: {exc}")
    assert edge.ready["listen"].startswith("127.0.0.1:")
    assert (edge.ready["listen_tls"] is not None) == needs_tls(distribution)
    assert procs.stop(edge) == 0
