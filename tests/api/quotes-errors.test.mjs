// quotes-errors.test.mjs — every 4xx of the quote, guest checkout and guest order routes
// (docs/checkout.md), each a clear application/problem+json naming what is wrong, never a
// 500: malformed bodies and ids, unknown fields, missing or bad destinations, countries
// and methods, empty, unknown, checked-out and customers' carts, another person's saved
// address, a missing Idempotency-Key, a bad e-mail, a discount code limited per customer,
// bad order numbers and query parameters, and tokens.
//
// Runs on a server of our own that trusts a JWKS the test serves (every customer a fresh
// person).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld, sql } from './lib/orders.mjs';

const ADDRESS = { line1: '1 Main St', city: 'Berlin', country: 'DE' };
const LIMITED = `QONCE${randomUUID().slice(0, 6).toUpperCase()}`;
let w;

before(async () => {
  w = await orderWorld('QuoteErrors1', {}, 7);
  sql(`INSERT INTO discount_codes (code, kind, percent_off, per_customer_limit) VALUES ('${LIMITED}', 'percent', 5, 1)`);
});

after(async () => {
  if (w) await w.stop();
});

async function guestCart(quantity = 1) {
  const made = await w.send('POST', '/v1/carts');
  assert.equal(made.status, 201, made.text);
  if (quantity) {
    const r = await w.send('POST', `/v1/carts/${made.body.id}/items`, { body: { variant_id: w.variant.id, quantity } });
    assert.equal(r.status, 200, r.text);
  }
  return made.body.id;
}

const guestBody = (extra = {}) => ({ email: 'err@example.com', shipping_address: ADDRESS, shipping_method: 'standard',
  payment_method: 'manual', ...extra });

test('POST /v1/me/cart/quote: 401, 400s, 404, 409, 415', async () => {
  const q = (token, body, headers) => w.send('POST', '/v1/me/cart/quote', { token, body, headers });
  const dest = { shipping_address: { country: 'DE' } };
  assertProblem(await q(undefined, dest), 401);
  const token = w.person();
  // An empty cart (none yet, then an empty one) is 409.
  assertProblem(await q(token, dest), 409, 'conflict');
  await w.send('GET', '/v1/me/cart', { token });
  const empty = await q(token, dest);
  assertProblem(empty, 409, 'conflict');
  assert.match(empty.body.detail, /empty/);
  await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: w.variant.id, quantity: 1 } });
  assert.equal((await q(token, dest)).status, 200);
  assertProblem(await q(token, 'not json'), 400, 'bad-request');
  assertProblem(await q(token, '[]'), 400, 'bad-request');
  assertProblem(await q(token, {}), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await q(token, { ...dest, shipping_address_id: 1 }), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await q(token, { shipping_address_id: -1 }), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await q(token, { shipping_address_id: 'x' }), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await q(token, { ...dest, extra: 1 }), 400, 'validation-error', 'extra');
  assertProblem(await q(token, { shipping_address: 'DE' }), 400, 'validation-error', 'shipping_address');
  assertProblem(await q(token, { shipping_address: {} }), 400, 'validation-error', 'shipping_address.country');
  assertProblem(await q(token, { shipping_address: { country: 'XX' } }), 400, 'validation-error', 'shipping_address.country');
  assertProblem(await q(token, { shipping_address: { country: 'DEU' } }), 400, 'validation-error', 'shipping_address.country');
  assertProblem(await q(token, { shipping_address: { country: 'DE', region: 'r'.repeat(101) } }), 400, 'validation-error',
    'shipping_address.region');
  assertProblem(await q(token, { shipping_address: { country: 'DE', postal_code: 5 } }), 400, 'validation-error',
    'shipping_address.postal_code');
  assertProblem(await q(token, { shipping_address: { country: 'DE', moon: 'x' } }), 400, 'validation-error',
    'shipping_address.moon');
  assertProblem(await q(token, { ...dest, shipping_method: 7 }), 400, 'validation-error', 'shipping_method');
  assertProblem(await q(token, { ...dest, shipping_method: 'teleport' }), 400, 'validation-error', 'shipping_method');
  // Another person's saved address answers like a missing one.
  const other = w.person();
  const theirs = await w.send('POST', '/v1/me/addresses', { token: other, body: ADDRESS });
  assert.equal(theirs.status, 201, theirs.text);
  assertProblem(await q(token, { shipping_address_id: theirs.body.id }), 404, 'not-found');
  assertProblem(await q(token, { shipping_address_id: 9007199254740000 }), 404, 'not-found');
  assertProblem(await w.send('POST', '/v1/me/cart/quote', { token, body: JSON.stringify(dest), headers: { 'content-type': 'text/plain' } }), 415);
});

test('POST /v1/carts/{id}/quote: 400s, 404s, 409', async () => {
  const q = (id, body) => w.send('POST', `/v1/carts/${id}/quote`, { body });
  const dest = { shipping_address: { country: 'FR' } };
  assertProblem(await q('short', dest), 400, 'validation-error', 'id');
  assertProblem(await q('A'.repeat(22), dest), 404, 'not-found');
  const empty = await guestCart(0);
  assertProblem(await q(empty, dest), 409, 'conflict');
  const id = await guestCart();
  assert.equal((await q(id, dest)).status, 200);
  assertProblem(await q(id, { shipping_address_id: 1 }), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await q(id, {}), 400, 'validation-error', 'shipping_address');
  assertProblem(await q(id, { shipping_address: { country: 'ZZ' } }), 400, 'validation-error', 'shipping_address.country');
  assertProblem(await q(id, { ...dest, shipping_method: 'warp' }), 400, 'validation-error', 'shipping_method');
  // A checked-out cart, and a customer's cart by its id, answer like a missing one.
  assert.equal((await w.send('POST', `/v1/carts/${id}/checkout`, { body: guestBody(), headers: { 'idempotency-key': randomUUID() } })).status, 201);
  assertProblem(await q(id, dest), 404, 'not-found');
  const token = w.person();
  const mine = (await w.send('GET', '/v1/me/cart', { token })).body.id;
  assertProblem(await q(mine, dest), 404, 'not-found');
});

test('POST /v1/carts/{id}/checkout: 400s, 404s, 409s', async () => {
  const co = (id, body, key = randomUUID()) => w.send('POST', `/v1/carts/${id}/checkout`,
    { body, headers: key ? { 'idempotency-key': key } : {} });
  const id = await guestCart();
  assertProblem(await co(id, guestBody(), null), 400, 'validation-error', 'Idempotency-Key');
  assertProblem(await co(id, guestBody(), 'k'.repeat(256)), 400, 'validation-error', 'Idempotency-Key');
  assertProblem(await co('bad-id', guestBody()), 400, 'validation-error', 'id');
  assertProblem(await co('B'.repeat(22), guestBody()), 404, 'not-found');
  assertProblem(await co(id, 'nope'), 400, 'bad-request');
  const { email, ...noEmail } = guestBody();
  assert.ok(email);
  assertProblem(await co(id, noEmail), 400, 'validation-error', 'email');
  for (const bad of ['x', 'a@b', 'a b@example.com', '@example.com', 7]) {
    assertProblem(await co(id, guestBody({ email: bad })), 400, 'validation-error', 'email');
  }
  const { shipping_address: a, ...noAddress } = guestBody();
  assert.ok(a);
  assertProblem(await co(id, noAddress), 400, 'validation-error', 'shipping_address');
  assertProblem(await co(id, { ...noAddress, shipping_address_id: 1 }), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await co(id, guestBody({ shipping_address: { city: 'X', country: 'DE' } })), 400, 'validation-error',
    'shipping_address.line1');
  assertProblem(await co(id, guestBody({ shipping_method: 'teleport' })), 400, 'validation-error', 'shipping_method');
  assertProblem(await co(id, guestBody({ payment_method: 'iou' })), 400, 'validation-error', 'payment_method');
  assertProblem(await co(id, guestBody({ customer_id: 1 })), 400, 'validation-error', 'customer_id');
  assertProblem(await co(await guestCart(0), guestBody()), 409, 'conflict');
  // A code limited per customer needs an account (a guest cannot be counted).
  const limited = await guestCart();
  assert.equal((await w.send('POST', `/v1/carts/${limited}/discount`, { body: { code: LIMITED } })).status, 200);
  const refused = await co(limited, guestBody());
  assertProblem(refused, 409, 'conflict');
  assert.match(refused.body.detail, /sign in/);
  // A customer's cart is not reachable by id.
  const token = w.person();
  await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: w.variant.id, quantity: 1 } });
  const mine = (await w.send('GET', '/v1/me/cart', { token })).body.id;
  assertProblem(await co(mine, guestBody()), 404, 'not-found');
  // Nothing above made an order.
  assert.equal(Number(sql(`SELECT count(*) FROM orders WHERE cart_id IN ('${id}', '${limited}', '${mine}')`)), 0);
});

test('GET /v1/orders/{number} and POST .../cancel: 400s and the one 404', async () => {
  const id = await guestCart();
  const o = (await w.send('POST', `/v1/carts/${id}/checkout`, { body: guestBody(), headers: { 'idempotency-key': randomUUID() } })).body;
  const h = { 'x-order-token': o.access_token };
  assertProblem(await w.send('GET', '/v1/orders/bad!number', { headers: h }), 400, 'validation-error', 'number');
  assertProblem(await w.send('GET', `/v1/orders/${o.number}?tokn=x`, { headers: h }), 400);
  assertProblem(await w.send('GET', `/v1/orders/${o.number}?token=${'t'.repeat(201)}`), 400, 'validation-error', 'token');
  assertProblem(await w.send('GET', `/v1/orders/${o.number}?token=`), 400, 'validation-error', 'token');
  assertProblem(await w.send('GET', `/v1/orders/${o.number}`, { headers: { 'x-order-token': '' } }), 404, 'not-found');
  assertProblem(await w.send('GET', `/v1/orders/${o.number}`, { headers: { 'x-order-token': 'x'.repeat(1000) } }), 404,
    'not-found');
  assertProblem(await w.send('POST', '/v1/orders/bad!number/cancel', { headers: h }), 400, 'validation-error', 'number');
  assertProblem(await w.send('POST', `/v1/orders/${o.number}/cancel`, { headers: { 'x-order-token': 'nope' } }), 404,
    'not-found');
  assertProblem(await w.send('POST', '/v1/orders/SF-000000-000000/cancel', { headers: h }), 404, 'not-found');
  // A shipped order cannot be cancelled: 409, and it stays shipped.
  sql(`UPDATE orders SET status = 'shipped' WHERE number = '${o.number}'`);
  assertProblem(await w.send('POST', `/v1/orders/${o.number}/cancel`, { headers: h }), 409, 'conflict');
  assert.equal((await w.send('GET', `/v1/orders/${o.number}`, { headers: h })).body.status, 'shipped');
});
