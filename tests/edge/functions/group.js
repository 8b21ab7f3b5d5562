import cf from 'cloudfront';

// viewer-request: the origin group is built per request (primary first, failover on 5xx).
function handler(event) {
  cf.createRequestOriginGroup({
    originIds: [{originId: 'primary'}, {originId: 'secondary'}],
    failoverCriteria: {statusCodes: [500, 502, 503, 504]}
  });
  return event.request;
}
