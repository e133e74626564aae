// validator.test.mjs — proves the response validator of tests/api can fail.
//
// Feeds validateResponse() hand-made responses: one that conforms to openapi.yaml must
// pass, and each deviation (undocumented status, wrong content type, missing or extra
// field, wrong type, missing header, inconsistent problem) must throw. Needs no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResponse, ContractError } from '../api/lib/contract.mjs';

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
const CATALOG_OK = {
  'content-type': 'application/json',
  'x-request-id': 'req-1',
  etag: '"v1-abc"',
  'cache-control': 'public, max-age=60',
  ...SECURITY,
};
const PROBLEM = { 'content-type': 'application/problem+json', 'x-request-id': 'req-2', ...SECURITY };

const product = () => ({
  id: 1, slug: 'mx-master-3s', name: 'MX Master 3S',
  brand: { id: 2, slug: 'logitech', name: 'Logitech' },
  price: { amount: 9999, currency: 'USD' }, compare_at_price: null,
  status: 'new', featured: true, in_stock: true,
  image: { url: '/img/mx.jpg', alt: 'MX Master 3S' },
  rating: { average: 4.5, count: 12 },
});
const list = (items = [product()]) => JSON.stringify({ items, next_cursor: null });
const GET_PRODUCTS = { method: 'GET', path: '/v1/products?limit=1' };

function rejects(request, res, pattern) {
  assert.throws(() => validateResponse(request, res), (err) => {
    assert.ok(err instanceof ContractError, `expected ContractError, got ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a conforming product list passes and is parsed', () => {
  const body = validateResponse(GET_PRODUCTS, { status: 200, headers: CATALOG_OK, body: list() });
  assert.equal(body.items[0].slug, 'mx-master-3s');
});

test('a conforming validation problem passes', () => {
  const problem = {
    type: '/problems/validation-error', title: 'Invalid request parameters', status: 400,
    detail: 'limit must be an integer between 1 and 100', request_id: 'req-2',
    errors: [{ field: 'limit', message: 'must be an integer between 1 and 100' }],
  };
  validateResponse(GET_PRODUCTS, { status: 400, headers: PROBLEM, body: JSON.stringify(problem) });
});

test('an undocumented status is rejected', () => {
  rejects(GET_PRODUCTS, { status: 418, headers: CATALOG_OK, body: list() }, /status 418 is not documented/);
  rejects({ method: 'GET', path: '/healthz' }, { status: 404, headers: PROBLEM, body: '{}' }, /status 404 is not documented/);
});

test('a wrong content type is rejected', () => {
  rejects(GET_PRODUCTS, { status: 200, headers: { ...CATALOG_OK, 'content-type': 'text/html' }, body: list() },
    /content type "text\/html" is not documented/);
  rejects(GET_PRODUCTS, { status: 400, headers: { ...PROBLEM, 'content-type': 'application/json' }, body: '{}' },
    /content type "application\/json" is not documented/);
});

test('a missing required field is rejected', () => {
  const p = product();
  delete p.rating;
  rejects(GET_PRODUCTS, { status: 200, headers: CATALOG_OK, body: list([p]) }, /must have required property 'rating'/);
  rejects(GET_PRODUCTS, { status: 200, headers: CATALOG_OK, body: JSON.stringify({ items: [] }) },
    /must have required property 'next_cursor'/);
});

test('an extra field is rejected', () => {
  rejects(GET_PRODUCTS, { status: 200, headers: CATALOG_OK, body: list([{ ...product(), internal_cost: 1 }]) },
    /must NOT have additional properties.*internal_cost/);
});

test('a wrong type is rejected', () => {
  rejects(GET_PRODUCTS, { status: 200, headers: CATALOG_OK, body: list([{ ...product(), id: '1' }]) }, /\/items\/0\/id must be integer/);
  rejects(GET_PRODUCTS, { status: 200, headers: CATALOG_OK,
    body: list([{ ...product(), price: { amount: 10.5, currency: 'usd' } }]) }, /price\/amount must be integer/);
  rejects(GET_PRODUCTS, { status: 200, headers: CATALOG_OK, body: list([{ ...product(), status: 'clearance' }]) },
    /must be equal to one of the allowed values/);
});

test('a body that is not JSON is rejected', () => {
  rejects(GET_PRODUCTS, { status: 200, headers: CATALOG_OK, body: '<html>' }, /not valid JSON/);
});

test('missing or malformed required headers are rejected', () => {
  const { 'x-request-id': _rid, ...noRid } = CATALOG_OK;
  rejects(GET_PRODUCTS, { status: 200, headers: noRid, body: list() }, /required header X-Request-Id is missing/);
  rejects(GET_PRODUCTS, { status: 200, headers: { ...CATALOG_OK, etag: 'W/"weak"' }, body: list() }, /header ETag/);
  rejects(GET_PRODUCTS, { status: 200, headers: { ...CATALOG_OK, 'cache-control': 'private, no-store' }, body: list() },
    /header Cache-Control/);
  const { allow: _allow, ...noAllow } = { ...PROBLEM, allow: 'GET' };
  const problem405 = JSON.stringify({ type: '/problems/method-not-allowed', title: 'Method not allowed', status: 405,
    detail: 'DELETE is not allowed', request_id: 'req-2' });
  rejects({ method: 'DELETE', path: '/v1/products', unrouted: true }, { status: 405, headers: noAllow, body: problem405 },
    /required header Allow is missing/);
  validateResponse({ method: 'DELETE', path: '/v1/products', unrouted: true },
    { status: 405, headers: { ...PROBLEM, allow: 'GET, HEAD, OPTIONS' }, body: problem405 });
});

test('inconsistent problems are rejected', () => {
  const base = { type: '/problems/not-found', title: 'Not found', detail: 'no such product', request_id: 'req-2' };
  const path = { method: 'GET', path: '/v1/products/nope' };
  rejects(path, { status: 404, headers: PROBLEM, body: JSON.stringify({ ...base, status: 400 }) },
    /problem status 400 differs from HTTP status 404/);
  rejects(path, { status: 404, headers: PROBLEM, body: JSON.stringify({ ...base, status: 404, request_id: 'other' }) },
    /request_id/);
  rejects(path, { status: 400, headers: PROBLEM, body: JSON.stringify({ ...base, status: 400 }) },
    /not-found is sent with 404/);
  rejects(path, { status: 400, headers: PROBLEM,
    body: JSON.stringify({ ...base, type: '/problems/validation-error', status: 400 }) }, /must list errors/);
});

test('no-body statuses must have no body, and HEAD answers none', () => {
  const notModified = { 'x-request-id': 'r', etag: '"v1"', 'cache-control': 'public, max-age=60', ...SECURITY };
  validateResponse(GET_PRODUCTS, { status: 304, headers: notModified, body: '' });
  rejects(GET_PRODUCTS, { status: 304, headers: notModified, body: '{}' }, /without a body/);
  validateResponse({ method: 'HEAD', path: '/v1/products' }, { status: 200, headers: CATALOG_OK, body: '' });
  rejects({ method: 'HEAD', path: '/v1/products' }, { status: 200, headers: CATALOG_OK, body: list() }, /HEAD response must have no body/);
});

test('requests outside the spec are rejected unless declared unrouted', () => {
  rejects({ method: 'GET', path: '/v1/nope' }, { status: 404, headers: PROBLEM, body: '{}' }, /matches no path/);
  rejects({ method: 'DELETE', path: '/v1/products' }, { status: 405, headers: PROBLEM, body: '{}' },
    /DELETE is not an operation of \/v1\/products/);
  rejects({ method: 'GET', path: '/v1/products', unrouted: true }, { status: 404, headers: PROBLEM, body: '{}' },
    /expected no operation/);
  rejects({ method: 'GET', path: '/v1/nope', unrouted: true }, { status: 200, headers: CATALOG_OK, body: list() },
    /status 200 is not documented/);
});

test('templated paths match and text/plain metrics validate', () => {
  const text = { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'x-request-id': 'r',
    'cache-control': 'no-store', ...SECURITY };
  validateResponse({ method: 'GET', path: '/metrics' }, { status: 200, headers: text, body: 'storefront_build_info 1\n' });
  rejects({ method: 'GET', path: '/metrics' }, { status: 200, headers: { ...text, 'content-type': 'application/json' }, body: '{}' },
    /content type/);
  const detail = { id: 3, slug: 'gaming-laptops', name: 'Gaming laptops', description: '', parent_slug: 'laptops',
    ancestors: [{ id: 1, slug: 'laptops', name: 'Laptops' }], children: [] };
  validateResponse({ method: 'GET', path: '/v1/categories/gaming-laptops' },
    { status: 200, headers: CATALOG_OK, body: JSON.stringify(detail) });
  rejects({ method: 'GET', path: '/v1/categories/gaming-laptops' },
    { status: 200, headers: CATALOG_OK, body: JSON.stringify({ ...detail, parent_slug: 7 }) }, /parent_slug/);
});
