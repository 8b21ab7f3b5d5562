"""origin-response: hide origin failures behind a friendly page (a widely copied pattern).

It answers 200 with a small page whenever the origin answers 5xx. CloudFront judges origin
failover on what this handler returns, so with it a failing primary never fails over: viewers
get this page instead of the secondary's content (scenario lambda-masks-failover).
"""

PAGE = "<html><body><h1>We'll be right back</h1></body></html>"


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    if response["status"].startswith("5"):
        return {
            "status": "200",
            "statusDescription": "OK",
            "headers": {
                "content-type": [{"key": "Content-Type", "value": "text/html"}],
                "cache-control": [{"key": "Cache-Control", "value": "max-age=5"}],
            },
            "body": PAGE,
        }
    return response
