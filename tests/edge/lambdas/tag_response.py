"""viewer-response: say who served it."""


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-tagged"] = [{"key": "X-Tagged", "value": response["status"]}]
    return response
