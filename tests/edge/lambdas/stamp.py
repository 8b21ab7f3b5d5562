"""viewer-request: stamp the request; answer /static/lambda-hello itself."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/static/lambda-hello":
        return {"status": "200", "statusDescription": "OK",
                "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
                "body": "hi from a Lambda"}
    request["headers"]["x-stamp"] = [{"key": "X-Stamp", "value": context.function_name}]
    if request["uri"].endswith("/"):
        request["uri"] += "index"
    return request
