"""``python -m edge export-config``: the emulator's file as ``create-distribution`` input,
validated against botocore's CreateDistribution input shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator

from edge.config.loader import load_distribution
from edge.errors import EdgeError, UsageError
from edge.export import export_config, main, parse_origin_domain

REPO = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = sorted((REPO / "distributions").glob("*.json"))
DOMAINS = ("--origin-domain", "primary=primary.example.com:8080",
           "--origin-domain", "secondary=secondary.example.net")
PLAIN_DOMAINS = ("--origin-domain", "primary=primary.example.com",  # fits S3 origins too
                 "--origin-domain", "secondary=secondary.example.net")


def export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge", "export-config", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def export_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The same command in this process (fast): exit code, stdout, stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def create_distribution_errors(config: dict) -> str:
    model = botocore.session.get_session().get_service_model("cloudfront")
    shape = model.operation_model("CreateDistribution").input_shape
    report = ParamValidator().validate({"DistributionConfig": config}, shape)
    return report.generate_report() if report.has_errors() else ""


@pytest.mark.parametrize("path", DISTRIBUTIONS, ids=lambda p: p.name)
def test_every_shipped_distribution_exports_to_valid_create_distribution_input(
        path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = export_here(capsys, "--config", str(path), *PLAIN_DOMAINS)
    try:
        load_distribution(path)
    except EdgeError as exc:  # a file the emulator refuses is never exported either, with the same line
        assert code == 2 and out == "" and str(exc) in err
        print(f"{path.name}: invalid, refused by both the emulator and export-config: {exc}")
        return
    assert code == 0, err
    config = json.loads(out)
    assert create_distribution_errors(config) == ""
    assert "ETag" not in config and "DistributionConfig" not in config  # the envelope is gone
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    assert origins["primary"]["DomainName"] == "primary.example.com"
    assert origins["secondary"]["DomainName"] == "secondary.example.net"
    source = json.loads(path.read_text())
    source = source.get("DistributionConfig", source)
    assert config["CallerReference"] != source["CallerReference"]
    assert config["CallerReference"].startswith(f"harness-{path.stem}-")
    # everything else is the emulator's file as it was: one source for both distributions
    for key in ("OriginGroups", "DefaultCacheBehavior", "CacheBehaviors", "CustomErrorResponses"):
        assert config.get(key) == source.get(key)


def test_ports_follow_the_origin_protocol_policy(tmp_path: Path) -> None:
    out = tmp_path / "dist.json"
    result = export("--config", "distributions/default.json", *DOMAINS, "--out", str(out),
                    "--caller-reference", "staging-1")
    assert result.returncode == 0 and result.stdout == ""
    config = json.loads(out.read_text())
    primary, secondary = config["Origins"]["Items"]
    assert primary["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"
    assert (primary["CustomOriginConfig"]["HTTPPort"], primary["CustomOriginConfig"]["HTTPSPort"]) == (8080, 443)
    assert secondary["CustomOriginConfig"]["HTTPPort"] == 80  # no port given: the file's
    assert config["CallerReference"] == "staging-1"


def test_two_exports_get_different_caller_references(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = (json.loads(export_here(capsys, "--config", str(REPO / "distributions/default.json"),
                                            *DOMAINS)[1]) for _ in range(2))
    assert first["CallerReference"] != second["CallerReference"]


def test_pure_export_sets_https_port_for_https_only() -> None:
    raw = json.loads((REPO / "distributions" / "default.json").read_text())
    raw["DistributionConfig"]["Origins"]["Items"][0]["CustomOriginConfig"]["OriginProtocolPolicy"] = "https-only"
    config, notes = export_config(raw, "d.json", {"primary": ("p.example.com", 8443),
                                                  "secondary": ("s.example.com", None)}, "ref")
    custom = config["Origins"]["Items"][0]["CustomOriginConfig"]
    assert (custom["HTTPPort"], custom["HTTPSPort"]) == (80, 8443)
    assert notes == []
    assert raw["DistributionConfig"]["Origins"]["Items"][0]["DomainName"] == "primary.origin.example.com"  # not mutated


def test_references_to_account_resources_are_noted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    raw = json.loads((REPO / "distributions" / "oac.json").read_text())
    raw["DistributionConfig"]["Comment"] = "origin access control"
    oac = tmp_path / "oac.json"
    oac.write_text(json.dumps(raw))
    code, _out, err = export_here(capsys, "--config", str(oac), *PLAIN_DOMAINS)
    assert code == 0
    assert "note: origin primary: OriginAccessControlId" in err
    assert "create-origin-access-control" in err


@pytest.mark.parametrize(("args", "message"), [
    (("--origin-domain", "primary=primary.example.com"),
     "origin 'secondary' needs its public domain name (give --origin-domain secondary=HOST[:PORT])"),
    ((*DOMAINS, "--origin-domain", "tertiary=t.example.com"), "--origin-domain tertiary: distributions/default.json "
                                                              "has no origin with that Id (known: primary, secondary)"),
    (("--origin-domain", "primary=127.0.0.1:8080", *DOMAINS[2:]), "127.0.0.1 is an IP address"),
    (("--origin-domain", "primary=origin.localhost", *DOMAINS[2:]), "not reachable from CloudFront"),
    (("--origin-domain", "primary=origin", *DOMAINS[2:]), "'origin' is not a public DNS name"),
    (("--origin-domain", "primary=p.example.com:22", *DOMAINS[2:]), "port '22' is not allowed (CloudFront origins "
                                                                    "use 80, 443 or 1024-65535)"),
    (("--origin-domain", "primary", *DOMAINS[2:]), "expected ORIGIN_ID=HOST[:PORT]"),
])
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the messages name the file as given
    code, out, err = export_here(capsys, "--config", "distributions/default.json", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err, err


def test_bad_input_as_users_see_it() -> None:
    result = export("--config", "distributions/default.json", "--origin-domain", "primary=10.0.0.1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("edge: --origin-domain primary: 10.0.0.1 is an IP address; "
                             "CloudFront needs the origin's public DNS name\n")


def test_an_invalid_config_is_refused_by_the_emulators_validator(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    raw = json.loads((REPO / "distributions" / "default.json").read_text())
    raw["DistributionConfig"]["Origins"]["Items"][0]["ConnectionTimeout"] = 30
    bad.write_text(json.dumps(raw))
    code, _out, err = export_here(capsys, "--config", str(bad), *DOMAINS)
    assert code == 2
    assert "ConnectionTimeout: 30 is out of range" in err


def test_match_viewer_needs_ports_in_the_file() -> None:
    raw = json.loads((REPO / "distributions" / "default.json").read_text())
    raw["DistributionConfig"]["Origins"]["Items"][0]["CustomOriginConfig"]["OriginProtocolPolicy"] = "match-viewer"
    with pytest.raises(UsageError, match="OriginProtocolPolicy match-viewer uses both HTTPPort and HTTPSPort"):
        export_config(raw, "d.json", {"primary": ("p.example.com", 8080), "secondary": ("s.example.com", None)}, "r")
    assert parse_origin_domain("primary=P.Example.com.:8080") == ("primary", "p.example.com", 8080)
