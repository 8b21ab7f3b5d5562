// viewer-request: directory URLs get their index; /hello is answered at the edge.
function handler(event) {
  var request = event.request;
  if (request.uri === '/static/hello') {
    return {statusCode: 200, statusDescription: 'OK',
            headers: {'content-type': {value: 'text/plain'}}, body: 'hi from the edge'};
  }
  if (request.uri.endsWith('/')) request.uri += 'index';
  request.headers['x-fn'] = {value: 'rewrite'};
  return request;
}
