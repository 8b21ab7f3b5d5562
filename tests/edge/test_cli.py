"""Command-line parsing and the one-line errors of ``python -m edge``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.cli import check_origin_mapping, parse_args
from edge.config.loader import parse_distribution
from edge.errors import UsageError
from tests.edge import configs

REPO = Path(__file__).resolve().parents[2]


def test_parse_args() -> None:
    opts = parse_args(["--config", "c.json", "--listen", ":0", "--origin", "primary=:81",
                       "--origin", "secondary=10.0.0.1:82", "--pop", "IAD79-C3"], "EMU50-C1")
    assert opts.origins == {"primary": ("127.0.0.1", 81), "secondary": ("10.0.0.1", 82)}
    assert opts.pop == "IAD79-C3" and opts.admin is None and opts.access_log is None
    with pytest.raises(UsageError, match="expected ORIGIN_ID=HOST:PORT"):
        parse_args(["--config", "c", "--listen", ":0", "--origin", "primary"], "P")
    with pytest.raises(UsageError, match="--listen"):
        parse_args(["--config", "c"], "P")


@pytest.mark.parametrize(("text", "size"), [("1GiB", 1 << 30), ("512MiB", 512 << 20), ("2gb", 2 * 10**9),
                                           ("100000000", 10**8), ("1.5GiB", 3 << 29)])
def test_cache_size(text: str, size: int) -> None:
    assert parse_args(["--config", "c", "--listen", ":0", "--cache-size", text], "P").cache_bytes == size


@pytest.mark.parametrize(("text", "message"), [("lots", "is not a size"), ("10", "out of range"),
                                              ("2TiB", "is not a size")])
def test_bad_cache_size(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=f"--cache-size: .*{message}"):
        parse_args(["--config", "c", "--listen", ":0", "--cache-size", text], "P")


def test_every_origin_needs_a_mapping() -> None:
    dist = parse_distribution(configs.distribution())
    with pytest.raises(UsageError, match="d.json: origin 'secondary' has no --origin mapping"):
        check_origin_mapping(dist, "d.json", {"primary": ("127.0.0.1", 1)})
    with pytest.raises(UsageError, match="--origin tertiary: d.json has no origin with that Id"):
        check_origin_mapping(dist, "d.json", {"primary": ("h", 1), "secondary": ("h", 2),
                                               "tertiary": ("h", 3)})


def run_edge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize(("args", "needle"), [
    (["--listen", ":0"], "the following arguments are required: --config"),
    (["--config", "distributions/default.json", "--listen", ":0"],
     "distributions/default.json: origin 'primary' has no --origin mapping"),
    (["--config", "BAD", "--listen", ":0", "--origin", "primary=:1", "--origin", "secondary=:2"],
     "BAD: DistributionConfig.Origins.Items[0].ConnectionTimeout: 30 is out of range "
     "(allowed 1..10)"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    doc = configs.distribution()
    doc["DistributionConfig"]["Origins"]["Items"][0]["ConnectionTimeout"] = 30
    bad = configs.write(tmp_path / "bad.json", doc)
    proc = run_edge(*[str(bad) if a == "BAD" else a for a in args])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("edge: ")
    assert needle.replace("BAD", str(bad)) in lines[0]
    assert "Traceback" not in proc.stderr


def test_pops_collapse_tier_and_cache_policy_options() -> None:
    base = ["--config", "c.json", "--listen", ":0"]
    opts = parse_args(base + ["--pops", "3", "--no-collapse", "--regional-tier",
                              "--cache-policy", "p.json"], "EMU50-C1")
    assert (opts.pops, opts.collapse, opts.regional_tier, opts.cache_policies) == (
        3, False, True, ("p.json",))
    assert (parse_args(base, "P").pops, parse_args(base, "P").collapse) == (1, True)
    for bad, message in ((["--pops", "0"], "--pops: 0 is out of range (allowed 1..32)"),
                         (["--pops", "x"], "argument --pops: invalid int value: 'x'")):
        with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
            parse_args(base + bad, "P")
