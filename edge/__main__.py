"""``python -m edge``: an emulated CloudFront distribution (see edge/README.md)."""

from __future__ import annotations

import asyncio
import sys

from contracts.cli import run_main
from edge.app import serve
from edge.cli import check_origin_mapping, parse_args
from edge.compute.functions import FunctionLoadError, load_functions
from edge.compute.lambdas import LambdaLoadError, load_lambdas
from edge.config.loader import load_distribution
from edge.config.policy_files import load_custom_policies
from edge.config.viewer_location import load_viewer_location
from edge.errors import UsageError
from edge.pop.pop import DEFAULT_POP
from edge.security.features import EdgeSecurity


def main(argv: list[str] | None = None) -> int:
    """Run the edge; a user error is one line on stderr and the exit code of contracts.errors."""
    return run_main("edge", lambda: _main(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    if argv[:1] == ["export-config"]:  # the JSON create-distribution takes (edge/export.py)
        from edge.export import main as export_main

        return export_main(argv[1:])
    if argv[:1] == ["tls-dir"]:  # a CA and certificates for manual HTTPS runs (edge/tls_cmd.py)
        from edge.tls_cmd import main as tls_main

        return tls_main(argv[1:])
    options = parse_args(argv, DEFAULT_POP)
    distribution = load_distribution(options.config, load_custom_policies(
        cache=options.cache_policies, origin_request=options.origin_request_policies,
        response_headers=options.response_headers_policies))
    check_origin_mapping(distribution, options.config, options.origins, options.origins_tls,
                         https_viewers=options.listen_tls is not None)
    security = EdgeSecurity(distribution, options.config, options.security)
    locations = load_viewer_location(options.viewer_location)
    names = {name for b in (*distribution.behaviors, distribution.default_behavior) for _, name in b.functions}
    lambda_names = {name for b in (*distribution.behaviors, distribution.default_behavior) for _, name in b.lambdas}
    try:
        functions = load_functions(names, options.functions_dir, options.kvs, options.function_budget_ms)
        handlers = load_lambdas(lambda_names, options.lambdas_dir)
    except (FunctionLoadError, LambdaLoadError) as exc:
        raise UsageError(str(exc)) from None
    try:
        import uvloop  # optional: roughly 10-20 % more requests per second on the hit path
    except ImportError:
        runner = asyncio.run
    else:
        runner = uvloop.run
    try:
        runner(serve(distribution, options, security, locations, functions, handlers))
    except OSError as exc:  # e.g. the listen address is taken
        raise UsageError(f"cannot listen: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
