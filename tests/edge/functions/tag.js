// viewer-response: say what the viewer gets.
function handler(event) {
  var response = event.response;
  response.headers['x-served'] = {value: 'tagged ' + response.statusCode};
  return response;
}
