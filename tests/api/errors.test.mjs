// errors.test.mjs — every 4xx the catalog can answer, black-box.
//
// Each case sends one bad request and checks status, problem type and (for
// validation errors) the field named; the client has already validated the problem
// body and headers against openapi.yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, rawRequest } from './lib/client.mjs';
import { assertProblem, listProducts, qs } from './lib/helpers.mjs';

const products = (params) => api('GET', `/v1/products${qs(params)}`);

test('limit outside 1..100 or not an integer is 400 naming limit', async () => {
  for (const limit of ['0', 'abc', '1000', '-1', '1.5', '', '101']) {
    assertProblem(await products({ limit }), 400, 'validation-error', 'limit');
  }
});

test('unknown sort and relevance without q are 400 naming sort', async () => {
  assertProblem(await products({ sort: 'popularity' }), 400, 'validation-error', 'sort');
  assertProblem(await products({ sort: 'relevance' }), 400, 'validation-error', 'sort');
});

test('malformed cursor is 400 naming cursor', async () => {
  for (const cursor of ['not-a-cursor', '!!!', 'a'.repeat(513)]) {
    assertProblem(await products({ cursor }), 400, 'validation-error', 'cursor');
  }
});

test('tampered cursor is 400 naming cursor', async () => {
  const { next_cursor: cursor } = await listProducts({ limit: 20, sort: 'price' });
  assert.ok(cursor, 'the first page of 20 must have a next_cursor');
  for (const at of [Math.floor(cursor.length / 2), 0]) {
    const flipped = cursor.slice(0, at) + (cursor[at] === 'A' ? 'B' : 'A') + cursor.slice(at + 1);
    assertProblem(await products({ limit: 20, sort: 'price', cursor: flipped }), 400, 'validation-error', 'cursor');
  }
  assertProblem(await products({ limit: 20, sort: 'price', cursor: cursor.slice(0, -2) }), 400, 'validation-error', 'cursor');
});

test('cursor reused with a different sort is 400 naming cursor', async () => {
  const { next_cursor: cursor } = await listProducts({ limit: 20, sort: 'price' });
  assertProblem(await products({ limit: 20, sort: '-price', cursor }), 400, 'validation-error', 'cursor');
  assertProblem(await products({ limit: 20, cursor }), 400, 'validation-error', 'cursor'); // default sort is newest
  const ok = await products({ limit: 20, sort: 'price', cursor });
  assert.equal(ok.status, 200, 'the same cursor with its own sort must work');
});

test('a query string over 8 KiB is 414', async () => {
  const res = await rawRequest('GET', `/v1/products?q=${'a'.repeat(10 * 1024)}`);
  assertProblem(res, 414, 'uri-too-long');
});

test('q of 201 characters or empty is 400 naming q; 200 is accepted', async () => {
  assertProblem(await products({ q: 'a'.repeat(201) }), 400, 'validation-error', 'q');
  assertProblem(await products({ q: '' }), 400, 'validation-error', 'q');
  assert.equal((await products({ q: 'a'.repeat(200) })).status, 200);
});

test('unknown category or brand is 400 naming the field', async () => {
  assertProblem(await products({ category: 'no-such-category-xyz' }), 400, 'validation-error', 'category');
  assertProblem(await products({ brand: 'no-such-brand-xyz' }), 400, 'validation-error', 'brand');
  assertProblem(await products({ category: 'Not A Slug' }), 400, 'validation-error', 'category');
});

test('bad enum and boolean values are 400 naming the field', async () => {
  assertProblem(await products({ status: 'clearance' }), 400, 'validation-error', 'status');
  assertProblem(await products({ featured: 'yes' }), 400, 'validation-error', 'featured');
  assertProblem(await products({ in_stock: '1' }), 400, 'validation-error', 'in_stock');
  assertProblem(await products({ facets: 'maybe' }), 400, 'validation-error', 'facets');
});

test('bad prices are 400: negative, not integer, min above max', async () => {
  assertProblem(await products({ min_price: '-1' }), 400, 'validation-error', 'min_price');
  assertProblem(await products({ max_price: '9.99' }), 400, 'validation-error', 'max_price');
  assertProblem(await products({ min_price: 5000, max_price: 100 }), 400, 'validation-error', 'min_price');
});

test('percent-encoded non-UTF-8 bytes, NUL or bad escapes in a parameter are 400 naming it', async () => {
  assertProblem(await rawRequest('GET', '/v1/products?q=%FF%FE'), 400, 'validation-error', 'q');
  assertProblem(await rawRequest('GET', '/v1/products?q=abc%00def'), 400, 'validation-error', 'q');
  assertProblem(await rawRequest('GET', '/v1/products?brand=%00'), 400, 'validation-error', 'brand');
  assertProblem(await rawRequest('GET', '/v1/products?q=%ZZ'), 400, 'validation-error', 'q');
});

test('raw non-UTF-8 bytes in the query are 400 naming the parameter', async () => {
  assertProblem(await rawRequest('GET', '/v1/products?q=\xff\xfe'), 400, 'validation-error', 'q');
});

test('a bad escape in the path is 400 bad-request', async () => {
  assertProblem(await rawRequest('GET', '/v1/products/%ZZ'), 400, 'bad-request');
});

test('unknown or repeated query parameters are 400 naming them', async () => {
  assertProblem(await api('GET', '/v1/products?colour=red'), 400, 'validation-error', 'colour');
  assertProblem(await api('GET', '/v1/products?limit=5&limit=6'), 400, 'validation-error', 'limit');
});

test('several invalid parameters are all reported', async () => {
  const res = await products({ limit: 0, sort: 'nope' });
  assertProblem(res, 400, 'validation-error', 'limit');
  assertProblem(res, 400, 'validation-error', 'sort');
});

test('unknown routes are 404 problems', async () => {
  for (const path of ['/v1/nope', '/nope', '/v1/products/a/b', '/v2/products']) {
    assertProblem(await api('GET', path, { unrouted: true }), 404, 'not-found');
  }
});

test('unsupported methods are 405 with Allow', async () => {
  for (const [method, path] of [['DELETE', '/v1/products'], ['PUT', '/v1/categories'], ['PATCH', '/v1/brands'],
    ['DELETE', '/v1/products/anything']]) {
    const res = await api(method, path, { unrouted: true });
    assertProblem(res, 405, 'method-not-allowed');
    const allowed = res.headers.allow.split(/, ?/);
    assert.ok(allowed.includes('GET') && allowed.includes('HEAD'), `Allow: ${res.headers.allow}`);
    assert.ok(!allowed.includes(method));
  }
});

test('a body over 1 MiB is 413 on any route', async () => {
  const body = Buffer.alloc(1024 * 1024 + 1, 'a');
  for (const path of ['/v1/products', '/v1/nope']) {
    const res = await rawRequest('POST', path, {
      body, unrouted: true,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    });
    assertProblem(res, 413, 'payload-too-large');
  }
});
