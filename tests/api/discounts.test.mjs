// discounts.test.mjs — discount codes on carts: POST/DELETE /v1/carts/{id}/discount for
// guests and /v1/me/cart/discount for signed-in people. Every seeded code's outcome
// (api/db/seed.c: WELCOME10, SAVE20, EXPIRED5, FUTURE15, MINI1, ONCEPERCUSTOMER,
// INACTIVE) with the money checked against the catalog's own prices, a code that stops
// applying when the cart changes, every 4xx for the body, and that nobody reaches
// another person's cart.
//
// Signed-in tests run on a server of our own that trusts a JWKS the test serves, so
// every customer is a fresh person (a random sub) and the shared demo users' carts,
// which carts.test.mjs uses at the same time, are never touched.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem, listProducts } from './lib/helpers.mjs';
import { startServer, stopServer } from './lib/server.mjs';
import { accessClaims, makeKey, sign, startJwks } from './lib/tokens.mjs';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Discount1';
const CLIENT = 'discounttestclient0000000';
const UNKNOWN_CART = 'AAAAAAAAAAAAAAAAAAAAAA';
const SAVE20 = { off: 2000, min: 10000 };

let key;
let jwks;
let srv;
let cheap; // an in-stock USD variant with 1000 <= price < 10000, so 1 is below SAVE20's minimum

const send = (method, path, { token, body, type = 'application/json', base } = {}) => api(method, path, {
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': type } : {}),
  },
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  base,
});

const person = () => sign(key, accessClaims(ISSUER, CLIENT));

async function guestCart(lines = []) {
  const res = await send('POST', '/v1/carts');
  assert.equal(res.status, 201, res.text);
  let cart = res.body;
  for (const body of lines) {
    const added = await send('POST', `/v1/carts/${cart.id}/items`, { body });
    assert.equal(added.status, 200, added.text);
    cart = added.body;
  }
  return cart;
}

async function apply(path, code, opts = {}) {
  const res = await send('POST', `${path}/discount`, { body: { code }, ...opts });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  return res.body;
}

function assertRefused(res, reason) {
  assertProblem(res, 409, 'conflict');
  assert.match(res.body.detail, reason, res.text);
}

before(async () => {
  key = makeKey('discounts');
  jwks = await startJwks([key]);
  srv = await startServer({
    COGNITO_ISSUER: ISSUER, COGNITO_JWKS_URL: jwks.url, COGNITO_ALLOW_HTTP: '1',
    COGNITO_CLIENT_IDS: CLIENT, COGNITO_TOKEN_USE: 'access', ADMIN_GROUP: 'admin',
  });
  const { items } = await listProducts({ in_stock: 'true', limit: 60 });
  for (const summary of items) {
    const detail = await api('GET', `/v1/products/${summary.slug}`);
    const v = detail.body.variants.find((x) => x.stock_state === 'in_stock' && x.price.currency === 'USD'
      && x.price.amount >= 1000 && x.price.amount < SAVE20.min);
    if (v) { cheap = v; break; }
  }
  assert.ok(cheap, 'the catalog needs an in-stock USD variant between $10 and $100');
});

after(async () => {
  if (srv) assert.equal((await stopServer(srv)).code, 0, srv.output());
  if (jwks) await jwks.close();
});

test('a percent code: 10 % of the subtotal rounded down, any case, shown on every read', async () => {
  const cart = await guestCart([{ variant_id: cheap.id, quantity: 3 }]);
  const path = `/v1/carts/${cart.id}`;
  const body = await apply(path, 'welcome10');
  const subtotal = cheap.price.amount * 3;
  const off = Math.floor(subtotal / 10);
  assert.deepEqual(body.subtotal, { amount: subtotal, currency: 'USD' });
  assert.deepEqual(body.discount, { amount: off, currency: 'USD' });
  assert.deepEqual(body.discount_code, {
    code: 'WELCOME10', kind: 'percent', percent_off: 10, amount_off: null,
    min_subtotal: { amount: 0, currency: 'USD' }, applied: true, problem: null,
  });
  const shipping = body.shipping_estimate ? body.shipping_estimate.price.amount : 0;
  assert.equal(body.total.amount, subtotal - off + shipping);
  assert.deepEqual((await send('GET', path)).body, body, 'priced the same on read');
  assert.equal((await apply(path, 'WeLcOmE10')).discount.amount, off);
});

test('a fixed code: refused below its minimum, applied at it, kept and flagged when items go', async () => {
  const cart = await guestCart([{ variant_id: cheap.id, quantity: 1 }]);
  const path = `/v1/carts/${cart.id}`;
  await apply(path, 'WELCOME10');
  const below = await send('POST', `${path}/discount`, { body: { code: 'save20' } });
  assertRefused(below, /needs a subtotal of at least 10000/);
  assert.match(below.body.detail, /SAVE20/);
  assert.equal((await send('GET', path)).body.discount_code.code, 'WELCOME10', 'a refused code changes nothing');

  const needed = Math.ceil(SAVE20.min / cheap.price.amount);
  const line = (await send('GET', path)).body.lines[0];
  assert.equal((await send('PATCH', `${path}/items/${line.id}`, { body: { quantity: needed } })).status, 200);
  const body = await apply(path, 'SAVE20'); // replaces WELCOME10
  assert.deepEqual(body.discount, { amount: SAVE20.off, currency: 'USD' });
  assert.deepEqual(body.discount_code, {
    code: 'SAVE20', kind: 'fixed', percent_off: null, amount_off: { amount: SAVE20.off, currency: 'USD' },
    min_subtotal: { amount: SAVE20.min, currency: 'USD' }, applied: true, problem: null,
  });
  const shipping = body.shipping_estimate ? body.shipping_estimate.price.amount : 0;
  assert.equal(body.total.amount, cheap.price.amount * needed - SAVE20.off + shipping);

  // Below the minimum again: the code stays on the cart, takes nothing off, says why.
  const fewer = await send('PATCH', `${path}/items/${line.id}`, { body: { quantity: 1 } });
  assert.equal(fewer.status, 200);
  assert.equal(fewer.body.discount.amount, 0);
  assert.equal(fewer.body.discount_code.code, 'SAVE20');
  assert.equal(fewer.body.discount_code.applied, false);
  assert.equal(fewer.body.discount_code.problem, 'below_minimum');
  const back = await send('PATCH', `${path}/items/${line.id}`, { body: { quantity: needed } });
  assert.equal(back.body.discount.amount, SAVE20.off, 'it applies again once the minimum is met');

  const removed = await send('DELETE', `${path}/discount`);
  assert.equal(removed.status, 200, removed.text);
  assert.equal(removed.body.discount_code, null);
  assert.equal(removed.body.discount.amount, 0);
  const again = await send('DELETE', `${path}/discount`);
  assert.equal(again.status, 200, 'removing twice is harmless');
  assert.equal(again.body.discount_code, null);
});

test('codes that do not apply: expired, not yet valid, used up are 409; inactive and unknown 404', async () => {
  const cart = await guestCart([{ variant_id: cheap.id, quantity: 1 }]);
  const path = `/v1/carts/${cart.id}`;
  assertRefused(await send('POST', `${path}/discount`, { body: { code: 'EXPIRED5' } }), /EXPIRED5 has expired/);
  assertRefused(await send('POST', `${path}/discount`, { body: { code: 'future15' } }), /FUTURE15 is not valid yet/);
  assertRefused(await send('POST', `${path}/discount`, { body: { code: 'MINI1' } }), /MINI1 has been used up/);
  for (const code of ['INACTIVE', 'NOSUCHCODE', 'inactive']) {
    const res = await send('POST', `${path}/discount`, { body: { code } });
    assertProblem(res, 404, 'not-found');
    assert.equal(res.body.detail, `No discount code ${code.toUpperCase()}.`);
  }
  // The per-customer limit is not checkable without a customer: a guest may apply it.
  assert.equal((await apply(path, 'ONCEPERCUSTOMER')).discount_code.applied, true);
  assert.equal((await send('GET', path)).body.discount_code.code, 'ONCEPERCUSTOMER');
});

test('every invalid body is a 400 naming the field; other media types 415; unknown carts 404', async () => {
  const { id } = await guestCart();
  const path = `/v1/carts/${id}/discount`;
  const token = person();
  const bad = [[{}, 'code'], [{ code: 5 }, 'code'], [{ code: null }, 'code'], [{ code: 'ab' }, 'code'],
    [{ code: 'A'.repeat(33) }, 'code'], [{ code: 'SAVE 20' }, 'code'], [{ code: 'WELCOME10', x: 1 }, 'x']];
  for (const [body, field] of bad) {
    assertProblem(await send('POST', path, { body }), 400, 'validation-error', field);
    assertProblem(await send('POST', '/v1/me/cart/discount', { body, token, base: srv.base }), 400, 'validation-error', field);
  }
  for (const body of ['', 'not json', '[]', '{"code":"A","code":"B"}']) {
    assertProblem(await send('POST', path, { body }), 400);
  }
  assertProblem(await send('POST', path, { body: '{"code":"WELCOME10"}', type: 'text/plain' }), 415, 'unsupported-media-type');
  assertProblem(await send('POST', '/v1/me/cart/discount', { body: '{"code":"WELCOME10"}', type: 'text/plain', token, base: srv.base }),
    415, 'unsupported-media-type');
  for (const method of ['POST', 'DELETE']) {
    const body = method === 'POST' ? { code: 'WELCOME10' } : undefined;
    const unknown = await send(method, `/v1/carts/${UNKNOWN_CART}/discount`, { body });
    assertProblem(unknown, 404, 'not-found');
    assert.equal(unknown.body.detail, 'No such cart.');
    assertProblem(await send(method, '/v1/carts/short/discount', { body }), 400, 'validation-error', 'id');
  }
});

test('signed in: a fresh person applies a once-per-customer code; nobody reaches another cart', async () => {
  const alice = person();
  const bob = person();
  const opts = (token) => ({ token, base: srv.base });
  for (const [method, body] of [['POST', { code: 'WELCOME10' }], ['DELETE']]) {
    assertProblem(await send(method, '/v1/me/cart/discount', { body, base: srv.base }), 401, 'unauthenticated');
  }
  const added = await send('POST', '/v1/me/cart/items', { body: { variant_id: cheap.id, quantity: 2 }, ...opts(alice) });
  assert.equal(added.status, 200, added.text);
  const cart = await apply('/v1/me/cart', 'oncepercustomer', opts(alice));
  assert.equal(cart.id, added.body.id);
  assert.equal(cart.discount_code.applied, true);
  assert.equal(cart.discount.amount, Math.floor(cheap.price.amount * 2 * 5 / 100));
  assertRefused(await send('POST', '/v1/me/cart/discount', { body: { code: 'EXPIRED5' }, ...opts(alice) }), /EXPIRED5 has expired/);

  // Bob's cart is his own; alice's cart is not reachable by id, with or without a token.
  const bobs = await send('GET', '/v1/me/cart', opts(bob));
  assert.equal(bobs.body.discount_code, null);
  assert.notEqual(bobs.body.id, cart.id);
  for (const [method, body] of [['POST', { code: 'WELCOME10' }], ['DELETE']]) {
    assertProblem(await send(method, `/v1/carts/${cart.id}/discount`, { body, base: srv.base }), 404, 'not-found');
    assertProblem(await send(method, `/v1/carts/${cart.id}/discount`, { body, ...opts(bob) }), 404, 'not-found');
  }
  const removedByBob = await send('DELETE', '/v1/me/cart/discount', opts(bob));
  assert.equal(removedByBob.status, 200);
  assert.equal((await send('GET', '/v1/me/cart', opts(alice))).body.discount_code.code, 'ONCEPERCUSTOMER',
    "bob's DELETE touches only bob's cart");

  const removed = await send('DELETE', '/v1/me/cart/discount', opts(alice));
  assert.equal(removed.status, 200);
  assert.equal(removed.body.discount_code, null);
  assert.equal(removed.body.discount.amount, 0);
});
