// viewer-response: hands the response back untouched (the common "just looking" function).
function handler(event) {
  return event.response;
}
