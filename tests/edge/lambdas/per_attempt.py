"""origin-request: tell the origin which origin the edge meant (runs once per origin tried)."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    domain = request["origin"]["custom"]["domainName"]
    request["headers"]["x-meant-for"] = [{"key": "X-Meant-For", "value": domain}]
    return request
