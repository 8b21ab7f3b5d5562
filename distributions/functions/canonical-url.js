// viewer-request: one cache entry per object however viewers spell it: lower-case paths,
// no trailing "index.html", tracking query strings dropped.
function handler(event) {
  var request = event.request;
  var uri = request.uri.toLowerCase();
  if (uri.endsWith('/index.html')) uri = uri.slice(0, -'index.html'.length);
  request.uri = uri;
  delete request.querystring.utm_source;
  delete request.querystring.utm_campaign;
  return request;
}
