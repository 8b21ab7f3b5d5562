import cf from 'cloudfront';

// viewer-request: a header picks the origin, through a key value store.
async function handler(event) {
  var request = event.request;
  var store = cf.kvs();
  var wanted = request.headers['x-pick'] ? request.headers['x-pick'].value : 'default';
  if (await store.exists(wanted)) {
    cf.selectRequestOriginById(await store.get(wanted));
  }
  return request;
}
