"""``python -m edge``: an emulated CloudFront distribution (see edge/README.md)."""

from __future__ import annotations

import asyncio
import sys

from edge.app import serve
from edge.cli import check_origin_mapping, parse_args
from edge.config.cache_policy_file import load_policies
from edge.config.loader import load_distribution
from edge.errors import EdgeError
from edge.security.features import EdgeSecurity
from edge.pop.pop import DEFAULT_POP


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export-config"]:  # the JSON create-distribution takes (edge/export.py)
        from edge.export import main as export_main

        return export_main(argv[1:])
    try:
        options = parse_args(argv, DEFAULT_POP)
        distribution = load_distribution(options.config, load_policies(options.cache_policies))
        check_origin_mapping(distribution, options.config, options.origins)
        security = EdgeSecurity(distribution, options.config, options.security)
    except EdgeError as exc:
        print(f"edge: error: {exc}", file=sys.stderr)
        return 2
    try:
        import uvloop  # optional: roughly 10-20 % more requests per second on the hit path
    except ImportError:
        runner = asyncio.run
    else:
        runner = uvloop.run
    try:
        runner(serve(distribution, options, security))
    except OSError as exc:  # e.g. the listen address is taken
        print(f"edge: error: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
