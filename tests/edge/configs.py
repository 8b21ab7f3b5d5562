"""DistributionConfig documents for tests, shaped like get-distribution-config output."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
GET_HEAD = {"Quantity": 2, "Items": ["GET", "HEAD"],
            "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
ALL_METHODS = {"Quantity": 7, "Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
               "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}


def origin(origin_id: str, *, attempts: int = 1, connect: int = 1, read: int = 1,
           headers: dict[str, str] | None = None, origin_path: str = "") -> dict[str, Any]:
    items = [{"HeaderName": k, "HeaderValue": v} for k, v in (headers or {}).items()]
    return {
        "Id": origin_id, "DomainName": f"{origin_id}.origin.example.com", "OriginPath": origin_path,
        "CustomHeaders": {"Quantity": len(items), "Items": items},
        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                               "OriginProtocolPolicy": "http-only",
                               "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                               "OriginReadTimeout": read, "OriginKeepaliveTimeout": 5},
        "ConnectionAttempts": attempts, "ConnectionTimeout": connect,
        "OriginShield": {"Enabled": False}, "OriginAccessControlId": "",
    }


def behavior(target: str, policy: str = CACHING_OPTIMIZED, pattern: str | None = None,
             methods: dict[str, Any] | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "TargetOriginId": target, "ViewerProtocolPolicy": "allow-all",
        "AllowedMethods": copy.deepcopy(methods or GET_HEAD), "Compress": False,
        "FieldLevelEncryptionId": "", "CachePolicyId": policy,
    }
    if pattern is not None:
        b["PathPattern"] = pattern
    return b


def distribution(*, criteria: tuple[int, ...] = (500, 502, 503, 504), attempts: int = 1,
                 read: int = 1, primary_headers: dict[str, str] | None = None,
                 envelope: bool = True) -> dict[str, Any]:
    """primary + secondary in group ``grp``; ``/static/*`` cached, ``/api/*`` not,
    ``/form/*`` POST-capable on the plain primary, ``/solo/*`` on the plain primary,
    default behaviour cached through the group."""
    config: dict[str, Any] = {
        "CallerReference": "test", "Comment": "test", "Enabled": True,
        "Origins": {"Quantity": 2, "Items": [
            origin("primary", attempts=attempts, read=read, headers=primary_headers),
            origin("secondary", attempts=attempts, read=read)]},
        "OriginGroups": {"Quantity": 1, "Items": [{
            "Id": "grp",
            "FailoverCriteria": {"StatusCodes": {"Quantity": len(criteria),
                                                 "Items": list(criteria)}},
            "Members": {"Quantity": 2, "Items": [{"OriginId": "primary"},
                                                 {"OriginId": "secondary"}]},
            "SelectionCriteria": "default"}]},
        "DefaultCacheBehavior": behavior("grp"),
        "CacheBehaviors": {"Quantity": 4, "Items": [
            behavior("grp", CACHING_OPTIMIZED, "/static/*"),
            behavior("grp", CACHING_DISABLED, "/api/*"),
            behavior("primary", CACHING_DISABLED, "/form/*", ALL_METHODS),
            behavior("primary", CACHING_DISABLED, "/solo/*"),
        ]},
        "CustomErrorResponses": {"Quantity": 0},
    }
    return {"ETag": "ETEST", "DistributionConfig": config} if envelope else config


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=1))
    return path
