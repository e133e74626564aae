// checkout.test.mjs — POST /v1/checkout and GET /v1/me/orders/{number}: the happy path
// with every figure checked (subtotal − discount + shipping + tax), line snapshots,
// stock taken and the cart closed; every 4xx; idempotent replays; and the three races
// the issue names, through HTTP: 200 checkouts for a variant with stock 20, 20 identical
// requests with one Idempotency-Key, and 50 checkouts of a code with 10 uses.
//
// Runs on a server of our own that trusts a JWKS the test serves, so every customer is
// a fresh person (a random sub). The racing variant is an existing one whose product has
// another variant in stock (so listings do not change); its stock is put back after.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { requireEnv, startServer, stopServer } from './lib/server.mjs';
import { accessClaims, makeKey, sign, startJwks } from './lib/tokens.mjs';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Checkout1';
const CLIENT = 'checkouttestclient0000000';
const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' };

let key;
let jwks;
let srv;
let race; // {id, sku, stock, price}: the variant the stock race runs on
let plain; // another in-stock USD variant for ordinary checkouts

const sql = (text) => execFileSync('psql', [requireEnv('STOREFRONT_SERVER_DATABASE_URL'), '-XAtqc', text],
  { encoding: 'utf8' }).trim();

const send = (method, path, { token, body, headers = {} } = {}) => api(method, path, {
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...headers,
  },
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  base: srv.base,
});

const person = () => sign(key, accessClaims(ISSUER, CLIENT, { sub: randomUUID() }));

const order = (extra = {}) => ({ shipping_address: ADDRESS, shipping_method: 'express', payment_method: 'cod', ...extra });

function checkout(token, body = order(), idem = randomUUID()) {
  return send('POST', '/v1/checkout', { token, body, headers: idem === null ? {} : { 'idempotency-key': idem } });
}

async function fill(token, variantId, quantity = 1) {
  const res = await send('POST', '/v1/me/cart/items', { token, body: { variant_id: variantId, quantity } });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

const stockOf = (id) => Number(sql(`SELECT stock FROM product_variants WHERE id = ${Number(id)}`));

before(async () => {
  key = makeKey('checkout');
  jwks = await startJwks([key]);
  srv = await startServer({
    COGNITO_ISSUER: ISSUER, COGNITO_JWKS_URL: jwks.url, COGNITO_ALLOW_HTTP: '1',
    COGNITO_CLIENT_IDS: CLIENT, COGNITO_TOKEN_USE: 'access', ADMIN_GROUP: 'admin',
    DB_POOL_SIZE: '16', DB_ACQUIRE_TIMEOUT_MS: '30000',
  });
  // The last product (by id) with two active USD variants in stock: the first is the
  // race variant, the second the plain one.
  const row = sql(`SELECT v.id, v.sku, v.stock, v.price_amount, w.id FROM product_variants v
    JOIN products p ON p.id = v.product_id AND p.active
    JOIN product_variants w ON w.product_id = v.product_id AND w.id > v.id AND w.active AND w.stock >= 50
      AND w.currency = 'USD'
    WHERE v.active AND v.currency = 'USD' AND v.stock > 0 ORDER BY v.id DESC LIMIT 1`);
  const [id, sku, stock, price, other] = row.split('|');
  assert.ok(id, 'the catalog needs a product with two in-stock USD variants');
  race = { id: Number(id), sku, stock: Number(stock), price: Number(price) };
  plain = { id: Number(other), stock: stockOf(other) };
  sql(`UPDATE product_variants SET stock = 1000 WHERE id = ${plain.id}`);
});

after(async () => {
  if (race) sql(`UPDATE product_variants SET stock = ${race.stock} WHERE id = ${race.id}`);
  if (plain) sql(`UPDATE product_variants SET stock = ${plain.stock} WHERE id = ${plain.id}`);
  if (srv) assert.equal((await stopServer(srv)).code, 0, srv.output());
  if (jwks) await jwks.close();
});

test('checkout: totals, line snapshots, stock taken, cart closed, order readable', async () => {
  const token = person();
  const cart = await fill(token, plain.id, 2);
  const before = stockOf(plain.id);
  const res = await checkout(token, order({ shipping_method: 'express' }));
  assert.equal(res.status, 201, res.text);
  const o = res.body;
  assert.match(o.number, /^SF-\d{6}-\d{6,}$/);
  assert.equal(res.headers.location, `/v1/me/orders/${o.number}`);
  assert.equal(res.headers['idempotent-replayed'], undefined);
  assert.equal(o.status, 'pending_payment');
  const unit = cart.lines[0].unit_price.amount;
  assert.equal(o.subtotal.amount, unit * 2);
  assert.equal(o.discount.amount, 0);
  assert.equal(o.shipping.amount, 1499);
  // DE: 19 % of (subtotal − discount), rounded half up.
  assert.equal(o.tax.amount, Math.floor((o.subtotal.amount * 1900 + 5000) / 10000));
  assert.equal(o.total.amount, o.subtotal.amount - o.discount.amount + o.shipping.amount + o.tax.amount);
  assert.equal(o.lines.length, 1);
  assert.equal(o.lines[0].variant_id, plain.id);
  assert.equal(o.lines[0].sku, cart.lines[0].sku);
  assert.deepEqual(o.lines[0].unit_price, { amount: unit, currency: 'USD' });
  assert.equal(o.lines[0].line_total.amount, unit * 2);
  assert.equal(o.shipping_address.city, 'Berlin');
  assert.deepEqual(o.history.map((h) => [h.from_status, h.to_status, h.actor]), [[null, 'pending_payment', 'customer']]);
  assert.equal(stockOf(plain.id), before - 2);
  const next = await send('GET', '/v1/me/cart', { token });
  assert.notEqual(next.body.id, cart.id, 'the checked-out cart is closed; a new one is opened');
  assert.equal(next.body.lines.length, 0);
  const read = await send('GET', `/v1/me/orders/${o.number}`, { token });
  assert.equal(read.status, 200, read.text);
  assert.deepEqual(read.body, o);
  assertProblem(await send('GET', `/v1/me/orders/${o.number}`, { token: person() }), 404, 'not-found');
  assertProblem(await send('GET', '/v1/me/orders/SF-000000-000000', { token }), 404, 'not-found');
  assertProblem(await send('GET', '/v1/me/orders/bad!number', { token }), 400, 'validation-error', 'number');
  assertProblem(await send('GET', `/v1/me/orders/${o.number}`), 401);
});

test('checkout with a saved address and a percent code; a country without a rate pays no tax', async () => {
  const token = person();
  const addr = await send('POST', '/v1/me/addresses', { token, body: { line1: '5 Elm St', city: 'Austin', country: 'US' } });
  assert.equal(addr.status, 201, addr.text);
  await fill(token, plain.id, 1);
  assert.equal((await send('POST', '/v1/me/cart/discount', { token, body: { code: 'WELCOME10' } })).status, 200);
  const res = await checkout(token, { shipping_address_id: addr.body.id, shipping_method: 'standard', payment_method: 'manual' });
  assert.equal(res.status, 201, res.text);
  const o = res.body;
  assert.equal(o.discount_code, 'WELCOME10');
  assert.equal(o.discount.amount, Math.floor(o.subtotal.amount / 10));
  assert.equal(o.tax.amount, 0);
  assert.equal(o.shipping.amount, o.subtotal.amount >= 5000 ? 0 : 499);
  assert.equal(o.total.amount, o.subtotal.amount - o.discount.amount + o.shipping.amount);
  assert.equal(o.shipping_address.line1, '5 Elm St');
  assert.equal(o.payment_method, 'manual');
});

test('every 4xx of checkout', async () => {
  const token = person();
  assertProblem(await checkout(undefined), 401);
  assertProblem(await checkout(token, order(), null), 400, 'validation-error', 'Idempotency-Key');
  assertProblem(await checkout(token, order(), 'x'.repeat(256)), 400, 'validation-error', 'Idempotency-Key');
  assertProblem(await checkout(token, order(), 'tab\there'), 400, 'validation-error', 'Idempotency-Key');
  assertProblem(await checkout(token, '{'), 400, 'bad-request');
  assertProblem(await checkout(token, order({ payment_method: 'bitcoin' })), 400, 'validation-error', 'payment_method');
  assertProblem(await checkout(token, order({ shipping_method: 7 })), 400, 'validation-error', 'shipping_method');
  assertProblem(await checkout(token, order({ extra: 1 })), 400, 'validation-error', 'extra');
  assertProblem(await checkout(token, { shipping_method: 'standard', payment_method: 'cod' }), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await checkout(token, order({ shipping_address_id: 1 })), 400, 'validation-error', 'shipping_address_id');
  assertProblem(await checkout(token, order({ shipping_address: { ...ADDRESS, country: 'XX' } })), 400, 'validation-error', 'shipping_address.country');
  const noType = await send('POST', '/v1/checkout', { token, headers: { 'idempotency-key': 'k', 'content-type': 'text/plain' }, body: 'x' });
  assertProblem(noType, 415);
  // Empty cart.
  assertProblem(await checkout(token), 409, 'conflict');
  await fill(token, plain.id, 1);
  assertProblem(await checkout(token, order({ shipping_method: 'teleport' })), 400, 'validation-error', 'shipping_method');
  // Someone else's address, and an unknown one: both 404.
  const other = person();
  const theirs = await send('POST', '/v1/me/addresses', { token: other, body: ADDRESS });
  assert.equal(theirs.status, 201, theirs.text);
  const { shipping_address: _drop, ...rest } = order();
  assertProblem(await checkout(token, { ...rest, shipping_address_id: theirs.body.id }), 404, 'not-found');
  assertProblem(await checkout(token, { ...rest, shipping_address_id: 9007199254740991 }), 404, 'not-found');
  // A line that is short of stock names its SKU; nothing is taken.
  const shortTok = person();
  sql(`UPDATE product_variants SET stock = 3 WHERE id = ${race.id}`);
  await fill(shortTok, race.id, 5);
  const short = await checkout(shortTok);
  assertProblem(short, 409, 'conflict');
  assert.match(short.body.detail, new RegExp(race.sku.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(stockOf(race.id), 3);
  // An unavailable line: 409 too, and the failed key is free for a retry.
  const offTok = person();
  await fill(offTok, race.id, 1);
  sql(`UPDATE product_variants SET active = false WHERE id = ${race.id}`);
  try {
    const idem = randomUUID();
    assertProblem(await checkout(offTok, order(), idem), 409, 'conflict');
    sql(`UPDATE product_variants SET active = true WHERE id = ${race.id}`);
    assert.equal((await checkout(offTok, order(), idem)).status, 201, 'a failed checkout does not hold its key');
  } finally {
    sql(`UPDATE product_variants SET active = true WHERE id = ${race.id}`);
  }
});

test('idempotency: a replay answers the same body; another body with the key is 422', async () => {
  const token = person();
  await fill(token, plain.id, 1);
  const idem = randomUUID();
  const first = await checkout(token, order(), idem);
  assert.equal(first.status, 201, first.text);
  const again = await checkout(token, order(), idem);
  assert.equal(again.status, 201, again.text);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.headers.location, first.headers.location);
  assert.equal(again.text, first.text);
  assertProblem(await checkout(token, order({ payment_method: 'manual' }), idem), 422, 'idempotency-key-reused');
  // Keys are per person: another customer may use the same key.
  assertProblem(await checkout(person(), order(), idem), 409, 'conflict');
});

test('race: 200 checkouts from 50 customers (4 each), stock 20 -> exactly 20 orders, stock 0', async () => {
  sql(`UPDATE product_variants SET stock = 200 WHERE id = ${race.id}`);
  const people = Array.from({ length: 50 }, person);
  for (let i = 0; i < people.length; i += 25) await Promise.all(people.slice(i, i + 25).map((t) => fill(t, race.id, 1)));
  sql(`UPDATE product_variants SET stock = 20 WHERE id = ${race.id}`);
  // Each customer fires 4 checkouts with distinct keys: at most one per cart can win,
  // and at most 20 in all; every other one is a 409 (no stock, or the cart already
  // checked out), never a 500 or a deadlock.
  const attempts = people.flatMap((t) => Array.from({ length: 4 }, () => t));
  const results = await Promise.all(attempts.map((t) => checkout(t, order({ shipping_address: { ...ADDRESS, country: 'US' } }))));
  const counts = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  assert.deepEqual(counts, { 201: 20, 409: 180 }, JSON.stringify(counts));
  for (const r of results.filter((x) => x.status === 409)) assert.match(r.body.detail, /Not enough stock|no longer|cart is empty/);
  const winners = results.filter((r) => r.status === 201);
  assert.equal(stockOf(race.id), 0);
  const sold = Number(sql(`SELECT coalesce(sum(quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
    WHERE l.variant_id = ${race.id} AND o.number IN (${winners.map((r) => `'${r.body.number}'`).join(',')})`));
  assert.equal(sold, 20);
  // Exactly one order per customer who won, none for the rest.
  const subs = people.map((t) => `'${JSON.parse(Buffer.from(t.split('.')[1], 'base64url')).sub}'`).join(',');
  assert.equal(sql(`SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.cognito_sub IN (${subs})`), '20');
  assert.equal(sql(`SELECT count(DISTINCT o.customer_id) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.cognito_sub IN (${subs})`), '20');
});

test('idempotency: a claim left in progress by a dead server is taken over after 60 s, a fresh one is not', async () => {
  const token = person();
  await fill(token, plain.id, 1);
  const sub = JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
  const cid = sql(`SELECT id FROM customers WHERE cognito_sub = '${sub}'`);
  const fresh = randomUUID();
  const stale = randomUUID();
  // The server's request hash: SHA-256 of the body with sorted keys, compact.
  const canon = (v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
  const hash = createHash('sha256').update(JSON.stringify(canon(order()))).digest('hex');
  // What a server killed between claiming a key and committing its checkout leaves behind.
  sql(`INSERT INTO idempotency_keys (customer_id, key, request_hash) VALUES (${cid}, '${fresh}', '${hash}')`);
  sql(`INSERT INTO idempotency_keys (customer_id, key, request_hash, created_at)
       VALUES (${cid}, '${stale}', '${hash}', now() - interval '61 seconds')`);
  assertProblem(await checkout(token, order(), fresh), 409, 'conflict');
  const res = await checkout(token, order(), stale);
  assert.equal(res.status, 201, res.text);
  assert.equal(sql(`SELECT status FROM idempotency_keys WHERE customer_id = ${cid} AND key = '${stale}'`), 'done');
});

test('race: 20 identical requests with one Idempotency-Key make one order', async () => {
  const token = person();
  await fill(token, plain.id, 1);
  const idem = randomUUID();
  const results = await Promise.all(Array.from({ length: 20 }, () => checkout(token, order(), idem)));
  const created = results.filter((r) => r.status === 201);
  assert.ok(created.length >= 1, JSON.stringify(results.map((r) => r.status)));
  for (const r of results) assert.ok(r.status === 201 || r.status === 409, `${r.status} ${r.text}`);
  for (const r of results.filter((x) => x.status === 409)) assert.equal(r.headers['retry-after'], '1');
  assert.equal(new Set(created.map((r) => r.body.number)).size, 1, 'one order number');
  assert.equal(created.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1);
  const sub = JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
  assert.equal(sql(`SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.cognito_sub = '${sub}'`), '1');
});

test('race: a code with 10 uses under 50 concurrent checkouts is used exactly 10 times', async () => {
  const code = `RACE${process.pid}${Date.now() % 100000}`.slice(0, 32).toUpperCase();
  sql(`INSERT INTO discount_codes (code, kind, percent_off, usage_limit) VALUES ('${code}', 'percent', 5, 10)`);
  const people = Array.from({ length: 50 }, person);
  for (let i = 0; i < people.length; i += 25) {
    await Promise.all(people.slice(i, i + 25).map(async (t) => {
      await fill(t, plain.id, 1);
      const res = await send('POST', '/v1/me/cart/discount', { token: t, body: { code } });
      assert.equal(res.status, 200, res.text);
    }));
  }
  const results = await Promise.all(people.map((t) => checkout(t)));
  const counts = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  assert.deepEqual(counts, { 201: 10, 409: 40 }, JSON.stringify(counts));
  assert.equal(sql(`SELECT times_used FROM discount_codes WHERE code = '${code}'`), '10');
  assert.equal(sql(`SELECT count(*) FROM discount_redemptions r JOIN discount_codes d ON d.id = r.discount_code_id
    WHERE d.code = '${code}'`), '10');
});

test('orders list: newest first, keyset pages, nobody else sees them; 4xx of the query', async () => {
  const token = person();
  const numbers = [];
  for (let i = 0; i < 3; i++) {
    await fill(token, plain.id, i + 1);
    const res = await checkout(token);
    assert.equal(res.status, 201, res.text);
    numbers.push(res.body.number);
  }
  const first = await send('GET', '/v1/me/orders?limit=2', { token });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.headers['cache-control'], 'private, no-store');
  assert.deepEqual(first.body.items.map((o) => o.number), [numbers[2], numbers[1]]);
  assert.equal(first.body.items[0].item_count, 3);
  assert.equal(first.body.items[0].status, 'pending_payment');
  const second = await send('GET', `/v1/me/orders?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`, { token });
  assert.deepEqual(second.body.items.map((o) => o.number), [numbers[0]]);
  assert.equal(second.body.next_cursor, null);
  const stranger = person();
  assert.deepEqual((await send('GET', '/v1/me/orders', { token: stranger })).body, { items: [], next_cursor: null });
  assertProblem(await send('GET', `/v1/me/orders?cursor=${encodeURIComponent(first.body.next_cursor)}`, { token: stranger }),
    400, 'validation-error', 'cursor');
  assertProblem(await send('GET', '/v1/me/orders?limit=0', { token }), 400, 'validation-error', 'limit');
  assertProblem(await send('GET', '/v1/me/orders?page=2', { token }), 400);
  assertProblem(await send('GET', '/v1/me/orders'), 401);
});

test('cancel: stock returns, history records it, a second cancel is 409, others get 404', async () => {
  const token = person();
  await fill(token, plain.id, 4);
  const placed = await checkout(token);
  assert.equal(placed.status, 201, placed.text);
  const number = placed.body.number;
  const stock = stockOf(plain.id);
  assertProblem(await send('POST', `/v1/me/orders/${number}/cancel`, { token: person() }), 404, 'not-found');
  assertProblem(await send('POST', '/v1/me/orders/nope!/cancel', { token }), 400, 'validation-error', 'number');
  const res = await send('POST', `/v1/me/orders/${number}/cancel`, { token });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'cancelled');
  assert.deepEqual(res.body.history.map((h) => [h.from_status, h.to_status, h.actor]),
    [[null, 'pending_payment', 'customer'], ['pending_payment', 'cancelled', 'customer']]);
  assert.equal(stockOf(plain.id), stock + 4);
  const again = await send('POST', `/v1/me/orders/${number}/cancel`, { token });
  assertProblem(again, 409, 'conflict');
  assert.equal(stockOf(plain.id), stock + 4, 'a refused cancel returns nothing');
  // A shipped order cannot be cancelled.
  await fill(token, plain.id, 1);
  const other = await checkout(token);
  sql(`UPDATE orders SET status = 'shipped' WHERE number = '${other.body.number}'`);
  assertProblem(await send('POST', `/v1/me/orders/${other.body.number}/cancel`, { token }), 409, 'conflict');
  assert.equal((await send('GET', `/v1/me/orders/${other.body.number}`, { token })).body.status, 'shipped');
});
