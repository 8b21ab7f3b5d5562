// viewer-request: returns something that is neither a request nor a response.
function handler(event) {
  return {uri: 'no-leading-slash'};
}
