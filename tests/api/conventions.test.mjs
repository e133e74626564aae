// conventions.test.mjs — cross-cutting HTTP conventions: request ids, CORS, security
// headers and HEAD, black-box. CORS expects the server to allow the first origin of
// CORS_ALLOWED_ORIGINS (make test sets http://localhost:5173).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './lib/client.mjs';
import { SECURITY_HEADERS, assertProblem } from './lib/helpers.mjs';

const ALLOWED = (process.env.CORS_ALLOWED_ORIGINS ?? 'http://localhost:5173').split(',')[0].trim();

test('a sane X-Request-Id is echoed, in the header and in problems', async () => {
  const ok = await api('GET', '/v1/brands', { headers: { 'X-Request-Id': 'abc-123' } });
  assert.equal(ok.headers['x-request-id'], 'abc-123');
  const bad = await api('GET', '/v1/products?limit=0', { headers: { 'X-Request-Id': 'abc-123' } });
  assertProblem(bad, 400, 'validation-error', 'limit');
  assert.equal(bad.body.request_id, 'abc-123');
});

test('an insane X-Request-Id is replaced', async () => {
  for (const sent of ['x'.repeat(300), 'has spaces in it', 'semi;colon', '']) {
    const res = await api('GET', '/healthz', { headers: { 'X-Request-Id': sent } });
    assert.notEqual(res.headers['x-request-id'], sent);
    assert.match(res.headers['x-request-id'], /^[A-Za-z0-9._-]{1,64}$/);
  }
});

test('every request without an id gets a distinct one', async () => {
  const [a, b] = await Promise.all([api('GET', '/healthz'), api('GET', '/healthz')]);
  assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
});

test('CORS preflight from an allowed origin is 204 echoing the origin', async () => {
  for (const path of ['/v1/products', '/v1/categories', '/v1/brands']) {
    const res = await api('OPTIONS', path, { headers: {
      Origin: ALLOWED, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match',
    } });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], ALLOWED);
    assert.match(res.headers['access-control-allow-methods'], /\bGET\b/);
    assert.match(res.headers['access-control-allow-headers'].toLowerCase(), /\bif-none-match\b/);
    assert.match(res.headers['access-control-max-age'], /^\d+$/);
    assert.match(res.headers.vary ?? '', /\bOrigin\b/i);
    // The Clickstream web SDK sends with credentials: 'include'.
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
  }
});

test('CORS preflight from another origin gets no CORS headers', async () => {
  const res = await api('OPTIONS', '/v1/products', { headers: {
    Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET',
  } });
  assert.equal(res.status, 204);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  assert.equal(res.headers['access-control-allow-methods'], undefined);
});

test('simple GETs carry CORS headers only for the allowed origin', async () => {
  const allowed = await api('GET', '/v1/brands', { headers: { Origin: ALLOWED } });
  assert.equal(allowed.headers['access-control-allow-origin'], ALLOWED);
  assert.match(allowed.headers.vary ?? '', /\bOrigin\b/i);
  const other = await api('GET', '/v1/brands', { headers: { Origin: 'https://evil.example' } });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('security headers are on successes and errors alike', async () => {
  for (const [path, unrouted] of [['/v1/products?limit=1', false], ['/v1/products?limit=0', false], ['/v1/nope', true]]) {
    const res = await api('GET', path, { unrouted });
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers[name], value, `${path} ${name}`);
  }
});

test('HEAD answers like GET without a body', async () => {
  for (const path of ['/v1/products?limit=3', '/v1/categories', '/v1/brands', '/healthz']) {
    const [get, head] = [await api('GET', path), await api('HEAD', path)];
    assert.equal(head.status, get.status);
    assert.equal(head.text, '');
    assert.equal(head.headers['content-type'], get.headers['content-type']);
  }
  assertProblem(await api('GET', '/v1/products?limit=0'), 400, 'validation-error', 'limit');
  const headBad = await api('HEAD', '/v1/products?limit=0');
  assert.equal(headBad.status, 400);
  assert.equal(headBad.text, '');
});
