// health.test.mjs — /healthz, /readyz and /metrics, black-box against the running server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './lib/client.mjs';
import { SECURITY_HEADERS } from './lib/helpers.mjs';

test('GET /healthz answers ok and is never cached', async () => {
  const res = await api('GET', '/healthz');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ok' });
  assert.equal(res.headers['cache-control'], 'no-store');
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers[name], value);
});

test('HEAD /healthz answers 200 with no body', async () => {
  const res = await api('HEAD', '/healthz');
  assert.equal(res.status, 200);
  assert.equal(res.text, '');
});

test('GET /readyz answers ready while the database is up', async () => {
  const res = await api('GET', '/readyz');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ready' });
});

test('GET /metrics is Prometheus text with the request counter and build info', async () => {
  await api('GET', '/healthz'); // at least one counted request before scraping
  const res = await api('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain; ?version=0\.0\.4/);
  assert.match(res.body, /^# TYPE storefront_http_requests_total counter$/m);
  assert.match(res.body, /^storefront_http_requests_total\{[^}]*\} \d+(\.\d+)?$/m);
  assert.match(res.body, /^storefront_build_info\{[^}]*version="[^"]+"[^}]*\} 1$/m);
});

test('wrong method on /healthz is 405 with Allow', async () => {
  const res = await api('POST', '/healthz', { body: '{}', headers: { 'content-type': 'application/json' }, unrouted: true });
  assert.equal(res.status, 405);
  assert.match(res.headers.allow, /\bGET\b/);
});
