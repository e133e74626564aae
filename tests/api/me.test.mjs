// me.test.mjs — the signed-in person, with real tokens that cognito-local issues
// through InitiateAuth (what the SPA does): their profile (GET/PATCH /v1/me, every
// validation 4xx) and the staff customer list (admin group only, keyset pages).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { admin, decode, shopper } from './lib/tokens.mjs';

let shopperTokens;
let adminTokens;

const as = (token, method, path, { body, type = 'application/json' } = {}) => api(method, path, {
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': type } : {}),
  },
  body,
});

before(async () => {
  shopperTokens = await shopper();
  adminTokens = await admin();
});

test('cognito-local issues RS256 access tokens for the configured issuer and client', () => {
  const header = decode(shopperTokens.access, 0);
  const claims = decode(shopperTokens.access);
  assert.equal(header.alg, 'RS256');
  assert.ok(header.kid);
  assert.equal(claims.token_use, 'access');
  assert.equal(claims.iss, process.env.COGNITO_ISSUER);
  assert.equal(claims.client_id, process.env.COGNITO_CLIENT_ID);
  assert.deepEqual(decode(adminTokens.access)['cognito:groups'], ['admin']);
});

test('GET /v1/me answers the shopper, privately', async () => {
  const res = await as(shopperTokens.access, 'GET', '/v1/me');
  assert.equal(res.status, 200, res.text);
  const claims = decode(shopperTokens.access);
  assert.equal(res.body.sub, claims.sub);
  assert.equal(res.body.is_admin, false);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  // Same person, same record, on every request.
  assert.equal((await as(shopperTokens.access, 'GET', '/v1/me')).body.id, res.body.id);
});

test('an ID token is refused where access tokens are required, and the answer says so', async () => {
  const res = await as(shopperTokens.id, 'GET', '/v1/me');
  assertProblem(res, 401, 'invalid-token');
  assert.equal(res.body.detail, 'This is an ID token; send the access token from sign-in.');
});

test('PATCH /v1/me changes only what is sent, and null clears', async () => {
  let res = await as(shopperTokens.access, 'PATCH', '/v1/me', {
    body: JSON.stringify({ display_name: '  Ada Lovelace ', phone: '+14155550123', marketing_opt_in: true }),
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.display_name, 'Ada Lovelace');
  assert.equal(res.body.phone, '+14155550123');
  assert.equal(res.body.marketing_opt_in, true);

  res = await as(shopperTokens.access, 'PATCH', '/v1/me', {
    body: JSON.stringify({ phone: null }), type: 'application/merge-patch+json',
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.phone, null);
  assert.equal(res.body.display_name, 'Ada Lovelace');
  assert.equal(res.body.marketing_opt_in, true);

  const again = await as(shopperTokens.access, 'GET', '/v1/me');
  assert.equal(again.body.display_name, 'Ada Lovelace');
  assert.equal(again.body.phone, null);
  assert.ok(Date.parse(again.body.updated_at) >= Date.parse(again.body.created_at));

  res = await as(shopperTokens.access, 'PATCH', '/v1/me', { body: '{}' });
  assert.equal(res.status, 200, 'an empty patch changes nothing');
  assert.equal(res.body.display_name, 'Ada Lovelace');
});

test('PATCH /v1/me rejects bad input with a 4xx naming the field', async () => {
  const bad = {
    display_name: [JSON.stringify({ display_name: 'x'.repeat(101) }), JSON.stringify({ display_name: '   ' }),
      JSON.stringify({ display_name: 'tab\there' }), JSON.stringify({ display_name: 42 })],
    phone: [JSON.stringify({ phone: '0123' }), JSON.stringify({ phone: '+0123456789' }),
      JSON.stringify({ phone: '+1415555012345678' }), JSON.stringify({ phone: 14155550123 })],
    marketing_opt_in: [JSON.stringify({ marketing_opt_in: 'yes' }), JSON.stringify({ marketing_opt_in: null })],
    email: [JSON.stringify({ email: 'me@example.com' })],
    sub: [JSON.stringify({ sub: 'someone-else' })],
  };
  for (const [field, bodies] of Object.entries(bad)) {
    for (const body of bodies) {
      assertProblem(await as(shopperTokens.access, 'PATCH', '/v1/me', { body }), 400, 'validation-error', field);
    }
  }
  for (const body of ['', 'not json', '[]', '"string"', '{"display_name":"a","display_name":"b"}',
    '['.repeat(40) + ']'.repeat(40), `{"a":${'{"a":'.repeat(40)}1${'}'.repeat(41)}`, '{"display_name":"\\u0000"}']) {
    const res = await as(shopperTokens.access, 'PATCH', '/v1/me', { body });
    assert.equal(res.status, 400, `${JSON.stringify(body.slice(0, 40))} -> ${res.status} ${res.text}`);
  }
  assertProblem(await as(shopperTokens.access, 'PATCH', '/v1/me', { body: '{}', type: 'text/plain' }), 415, 'unsupported-media-type');
  assertProblem(await as(shopperTokens.access, 'PATCH', '/v1/me', { body: 'a=b', type: 'application/x-www-form-urlencoded' }), 415, 'unsupported-media-type');
  // Nothing was changed by any of the above.
  assert.equal((await as(shopperTokens.access, 'GET', '/v1/me')).body.display_name, 'Ada Lovelace');
});

test('PATCH /v1/me without a token is 401; unknown methods are 405', async () => {
  assertProblem(await as(null, 'PATCH', '/v1/me', { body: '{}' }), 401, 'unauthenticated');
  const res = await api('DELETE', '/v1/me', { unrouted: true });
  assertProblem(res, 405, 'method-not-allowed');
  assert.match(res.headers.allow, /GET/);
  assert.match(res.headers.allow, /PATCH/);
});

test('the customer list is for staff: 401 without a token, 403 for a shopper', async () => {
  assertProblem(await as(null, 'GET', '/v1/admin/customers'), 401, 'unauthenticated');
  assertProblem(await as(shopperTokens.access, 'GET', '/v1/admin/customers'), 403, 'forbidden');
});

test('staff page through every customer exactly once, oldest first', async () => {
  await as(shopperTokens.access, 'GET', '/v1/me');
  await as(adminTokens.access, 'GET', '/v1/me');
  const seen = [];
  const subs = [];
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const res = await as(adminTokens.access, 'GET', `/v1/admin/customers?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'private, no-store');
    seen.push(...res.body.items.map((c) => c.id));
    subs.push(...res.body.items.map((c) => c.sub));
    cursor = res.body.next_cursor;
    if (!cursor) break;
  }
  assert.equal(new Set(seen).size, seen.length, 'a customer appeared twice');
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  // Other suites create customers concurrently (checkout, orders), so the two may be
  // past the first 100: look for them in the full walk above.
  assert.ok(subs.includes(decode(shopperTokens.access).sub));
  assert.ok(subs.includes(decode(adminTokens.access).sub));
});

test('the customer list validates its parameters', async () => {
  for (const q of ['limit=0', 'limit=101', 'limit=x', 'sort=name', 'limit=1&limit=2']) {
    const res = await as(adminTokens.access, 'GET', `/v1/admin/customers?${q}`);
    assertProblem(res, 400, 'validation-error');
  }
  const first = await as(adminTokens.access, 'GET', '/v1/admin/customers?limit=1');
  const cursor = first.body.next_cursor;
  assert.ok(cursor, 'expected at least two customers');
  const flipped = cursor.slice(0, 5) + (cursor[5] === 'A' ? 'B' : 'A') + cursor.slice(6);
  assertProblem(await as(adminTokens.access, 'GET', `/v1/admin/customers?cursor=${flipped}`), 400, 'validation-error', 'cursor');
  // A product-list cursor is not a customer-list cursor.
  const products = await api('GET', '/v1/products?limit=1');
  assertProblem(await as(adminTokens.access, 'GET', `/v1/admin/customers?cursor=${products.body.next_cursor}`), 400, 'validation-error', 'cursor');
});
