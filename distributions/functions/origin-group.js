import cf from 'cloudfront';

// viewer-request: the origin group is built per request, not configured in the distribution.
// Primary first; a 5xx (or a connection error or timeout, which count as 502-504) fails over.
function handler(event) {
  cf.createRequestOriginGroup({
    originIds: [{originId: 'primary'}, {originId: 'secondary'}],
    failoverCriteria: {statusCodes: [500, 502, 503, 504]}
  });
  return event.request;
}
