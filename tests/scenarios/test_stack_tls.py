"""Which runs serve HTTPS (pure: reads a DistributionConfig)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scenarios.stack.tls import needs_tls
from tests.edge import configs

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, change: Any) -> Path:
    doc = configs.distribution()
    change(doc["DistributionConfig"])
    path = tmp_path / "d.json"
    path.write_text(json.dumps(doc))
    return path


def _origin_policy(policy: str) -> Any:
    return lambda c: c["Origins"]["Items"][1]["CustomOriginConfig"].update(OriginProtocolPolicy=policy)


def _s3(c: dict[str, Any]) -> None:
    c["Origins"]["Items"][0].pop("CustomOriginConfig")
    c["Origins"]["Items"][0]["S3OriginConfig"] = {"OriginAccessIdentity": ""}


@pytest.mark.parametrize(("change", "expected"), [
    (lambda c: None, False),
    (_origin_policy("https-only"), True),
    (_origin_policy("match-viewer"), True),
    (_s3, True),  # S3 origins follow the viewer's protocol
    (lambda c: c["CacheBehaviors"]["Items"][2].update(ViewerProtocolPolicy="https-only"), True),
    (lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="redirect-to-https"), True),
])
def test_a_run_serves_https_when_any_request_of_its_distribution_would(tmp_path: Path, change: Any,
                                                                        expected: bool) -> None:
    assert needs_tls(_write(tmp_path, change)) is expected


def test_the_shipped_distributions() -> None:
    shipped = {p.stem: needs_tls(p) for p in (REPO / "distributions").glob("*.json")}
    assert shipped == {"default": False, "aws-default-timeouts": False, "criteria-502-503-504": False,
                       "https": True, "fle": True, "oac": True, "function-group": False,
                       "function-canonical": False, "lambda-masks": False}
