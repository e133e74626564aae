// carts.test.mjs — guest carts (/v1/carts/{id}, the id is the capability) and the
// signed-in cart (/v1/me/cart) with real cognito-local tokens: the round trip, the
// pricing against the catalog's own numbers, every 4xx, the merge rule, that nobody
// reaches someone else's cart or lines (404 exactly like unknown ids), expiry and the
// line limit on a server of our own, and concurrent adds through HTTP.
//
// Variants are discovered from the catalog (GET /v1/products/{slug}), never
// hard-coded. The shipping figures are the reference data of
// schema/migrations/0005_carts.sql (standard $4.99, free from $50).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem, listProducts } from './lib/helpers.mjs';
import { startServer, stopServer } from './lib/server.mjs';
import { admin, shopper } from './lib/tokens.mjs';

const MAX_ID = 9007199254740991; // 2^53 - 1
const UNKNOWN_CART = 'AAAAAAAAAAAAAAAAAAAAAA';
const STANDARD = { amount: 499, free_over: 5000 };

let shopperToken;
let adminToken;
let plenty; // in_stock variants of distinct products: [{variant, product}]
let low; // a low_stock variant {variant, product}

const send = (method, path, { token, body, type = 'application/json', base, unrouted } = {}) => api(method, path, {
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': type } : {}),
  },
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  base,
  unrouted,
});

async function newCart(base) {
  const res = await send('POST', '/v1/carts', { base });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function add(cartPath, body, opts = {}) {
  const res = await send('POST', `${cartPath}/items`, { body, ...opts });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function myCart(token) {
  const res = await send('GET', '/v1/me/cart', { token });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  return res.body;
}

async function emptyMyCart(token) {
  for (const line of (await myCart(token)).lines) {
    const res = await send('DELETE', `/v1/me/cart/items/${line.id}`, { token });
    assert.equal(res.status, 200, res.text);
  }
  assert.deepEqual((await myCart(token)).lines, []);
}

const lineFor = (cart, variant) => cart.lines.find((l) => l.variant_id === variant.id);

before(async () => {
  shopperToken = (await shopper()).access;
  adminToken = (await admin()).access;
  const { items } = await listProducts({ in_stock: 'true', limit: 40 });
  plenty = [];
  for (const summary of items) {
    const detail = await api('GET', `/v1/products/${summary.slug}`);
    assert.equal(detail.status, 200);
    const product = detail.body;
    const inStock = product.variants.find((v) => v.stock_state === 'in_stock');
    if (inStock && plenty.length < 6) plenty.push({ variant: inStock, product });
    const lowStock = product.variants.find((v) => v.stock_state === 'low_stock');
    if (lowStock && !low) low = { variant: lowStock, product };
    if (plenty.length >= 6 && low) break;
  }
  assert.ok(plenty.length >= 4, 'the catalog needs in-stock variants of four products');
  for (const p of plenty) assert.equal(p.variant.price.currency, 'USD');
  await emptyMyCart(shopperToken);
  await emptyMyCart(adminToken);
});

after(async () => {
  await emptyMyCart(shopperToken);
  await emptyMyCart(adminToken);
});

test('guest cart: create, add by id and by sku, change, remove; priced from the catalog, never public', async () => {
  const created = await send('POST', '/v1/carts');
  assert.equal(created.status, 201, created.text);
  const cart = created.body;
  assert.match(cart.id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(created.headers.location, `/v1/carts/${cart.id}`);
  assert.equal(created.headers['cache-control'], 'private, no-store');
  assert.equal(created.headers.etag, undefined);
  assert.deepEqual({ ...cart, id: '', created_at: '', updated_at: '', expires_at: '' }, {
    id: '', status: 'open', currency: 'USD', lines: [], item_count: 0,
    subtotal: { amount: 0, currency: 'USD' }, discount: { amount: 0, currency: 'USD' }, discount_code: null,
    shipping_estimate: null, total: { amount: 0, currency: 'USD' }, created_at: '', updated_at: '', expires_at: '',
  });
  const ttl = Date.parse(cart.expires_at) - Date.parse(cart.updated_at);
  assert.ok(Math.abs(ttl - 7 * 24 * 3600 * 1000) < 5000, `expires 7 days after the last change, got ${ttl} ms`);
  const path = created.headers.location;

  const [a, b] = plenty;
  let body = await add(path, { variant_id: a.variant.id, quantity: 2 });
  body = await add(path, { sku: b.variant.sku });
  body = await add(path, { sku: a.variant.sku, quantity: 1 }); // same variant: adds to its line
  assert.equal(body.lines.length, 2);
  const la = lineFor(body, a.variant);
  const lb = lineFor(body, b.variant);
  assert.equal(la.quantity, 3);
  assert.equal(lb.quantity, 1);
  assert.equal(la.sku, a.variant.sku);
  assert.equal(la.variant_name, a.variant.name);
  assert.deepEqual(la.options, a.variant.options);
  assert.deepEqual(la.product, { id: a.product.id, slug: a.product.slug, name: a.product.name });
  assert.deepEqual(la.image, a.product.image);
  assert.deepEqual(la.unit_price, a.variant.price);
  assert.deepEqual(la.compare_at_price, a.variant.compare_at_price);
  assert.deepEqual(la.line_total, { amount: a.variant.price.amount * 3, currency: 'USD' });
  assert.equal(la.available, true);
  assert.equal(la.problem, null);
  assert.equal(la.available_quantity, null);
  assert.deepEqual(body.lines.map((l) => l.variant_id), [a.variant.id, b.variant.id], 'oldest line first');
  const subtotal = a.variant.price.amount * 3 + b.variant.price.amount;
  assert.deepEqual(body.subtotal, { amount: subtotal, currency: 'USD' });
  assert.deepEqual(body.discount, { amount: 0, currency: 'USD' });
  assert.equal(body.item_count, 4);
  const shipping = subtotal >= STANDARD.free_over ? 0 : STANDARD.amount;
  assert.deepEqual(body.shipping_estimate, { method: 'standard', name: body.shipping_estimate.name,
    price: { amount: shipping, currency: 'USD' } });
  assert.deepEqual(body.total, { amount: subtotal + shipping, currency: 'USD' });

  const got = await send('GET', path);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.headers['cache-control'], 'private, no-store');
  assert.equal(got.headers.etag, undefined);
  assert.deepEqual(got.body, body);
  assert.ok(Date.parse(body.expires_at) >= Date.parse(cart.expires_at), 'a write extends the expiry');

  const patched = await send('PATCH', `${path}/items/${lb.id}`, { body: { quantity: 5 } });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(lineFor(patched.body, b.variant).quantity, 5);
  assert.equal(patched.body.item_count, 8);
  assert.equal(patched.headers['cache-control'], 'private, no-store');

  const removed = await send('DELETE', `${path}/items/${la.id}`);
  assert.equal(removed.status, 200, removed.text);
  assert.deepEqual(removed.body.lines.map((l) => l.variant_id), [b.variant.id]);
  assert.equal(removed.body.subtotal.amount, b.variant.price.amount * 5);
  assertProblem(await send('DELETE', `${path}/items/${la.id}`), 404, 'not-found');
  assertProblem(await send('PATCH', `${path}/items/${la.id}`, { body: { quantity: 1 } }), 404, 'not-found');

  const last = await send('DELETE', `${path}/items/${lb.id}`);
  assert.equal(last.status, 200);
  assert.equal(last.body.shipping_estimate, null, 'an empty cart has no shipping estimate');
  assert.equal(last.body.total.amount, 0);
  const head = await send('HEAD', path);
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('shipping is free once the subtotal reaches the threshold, and charged below it', async () => {
  const { id } = await newCart();
  const path = `/v1/carts/${id}`;
  const { variant } = plenty.find((p) => p.variant.price.amount > 0 && p.variant.price.amount < STANDARD.free_over) ?? plenty[0];
  let cart = await add(path, { variant_id: variant.id, quantity: 1 });
  const unit = variant.price.amount;
  if (unit < STANDARD.free_over) {
    assert.equal(cart.shipping_estimate.price.amount, STANDARD.amount);
    assert.equal(cart.total.amount, unit + STANDARD.amount);
  }
  const needed = Math.ceil(STANDARD.free_over / unit);
  if (needed <= 10) {
    cart = (await send('PATCH', `${path}/items/${cart.lines[0].id}`, { body: { quantity: needed } })).body;
    assert.ok(cart.subtotal.amount >= STANDARD.free_over);
    assert.equal(cart.shipping_estimate.price.amount, 0);
    assert.equal(cart.shipping_estimate.method, 'standard');
    assert.equal(cart.total.amount, unit * needed);
  }
});

test('a quantity above the stock is accepted and flagged insufficient_stock', async (t) => {
  if (!low) return t.skip('no low_stock variant in the catalog');
  const { id } = await newCart();
  const cart = await add(`/v1/carts/${id}`, { variant_id: low.variant.id, quantity: 10 });
  const line = lineFor(cart, low.variant);
  assert.equal(line.quantity, 10);
  assert.equal(line.available, false);
  assert.equal(line.problem, 'insufficient_stock');
  assert.ok(line.available_quantity >= 1 && line.available_quantity <= 5, JSON.stringify(line));
  assert.equal(cart.subtotal.amount, low.variant.price.amount * 10, 'insufficient_stock lines still count');
  const fixed = await send('PATCH', `/v1/carts/${id}/items/${line.id}`, { body: { quantity: line.available_quantity } });
  assert.equal(fixed.status, 200);
  assert.equal(fixed.body.lines[0].problem, null);
  assert.equal(fixed.body.lines[0].available, true);
});

test('every invalid body is a 400 naming the field; other media types 415; limits are 409', async () => {
  const { id } = await newCart();
  const path = `/v1/carts/${id}`;
  const v = plenty[0].variant;
  const bad = [
    [{ variant_id: v.id, quantity: 0 }, 'quantity'], [{ variant_id: v.id, quantity: 11 }, 'quantity'],
    [{ variant_id: v.id, quantity: 'x' }, 'quantity'], [{ variant_id: v.id, quantity: 1.5 }, 'quantity'],
    [{ variant_id: v.id, quantity: null }, 'quantity'], [{}, 'variant_id'], [{ quantity: 1 }, 'sku'],
    [{ variant_id: v.id, sku: v.sku }, 'sku'], [{ variant_id: 0 }, 'variant_id'], [{ variant_id: '1' }, 'variant_id'],
    [{ variant_id: MAX_ID + 1 }, 'variant_id'], [{ sku: '' }, 'sku'], [{ sku: 5 }, 'sku'],
    [{ variant_id: MAX_ID }, 'variant_id'], [{ sku: 'NO-SUCH-SKU-ANYWHERE' }, 'sku'],
    [{ variant_id: v.id, price: 1 }, 'price'],
  ];
  for (const [body, field] of bad) {
    assertProblem(await send('POST', `${path}/items`, { body }), 400, 'validation-error', field);
    assertProblem(await send('POST', '/v1/me/cart/items', { token: shopperToken, body }), 400, 'validation-error', field);
  }
  const line = (await add(path, { variant_id: v.id, quantity: 9 })).lines[0];
  for (const body of [{ quantity: 0 }, { quantity: 11 }, { quantity: 'x' }, {}, { quantity: 1, sku: 'x' }]) {
    assertProblem(await send('PATCH', `${path}/items/${line.id}`, { body }), 400, 'validation-error');
  }
  for (const body of ['', 'not json', '[]', 'null', '{"quantity":1,"quantity":2}', '{"sku":"a",}']) {
    const res = await send('POST', `${path}/items`, { body });
    assertProblem(res, 400);
    assert.ok(['/problems/bad-request', '/problems/validation-error'].includes(res.body.type), res.text);
    assertProblem(await send('PATCH', `${path}/items/${line.id}`, { body }), 400);
  }
  for (const [method, p] of [['POST', `${path}/items`], ['PATCH', `${path}/items/${line.id}`],
    ['POST', '/v1/me/cart/items'], ['POST', '/v1/me/cart/merge']]) {
    const token = p.startsWith('/v1/me') ? shopperToken : undefined;
    assertProblem(await send(method, p, { token, body: '{"quantity":1}', type: 'text/plain' }), 415, 'unsupported-media-type');
  }
  // 9 + 2 passes the per-line maximum of 10: 409, and nothing changes.
  const over = await send('POST', `${path}/items`, { body: { variant_id: v.id, quantity: 2 } });
  assertProblem(over, 409, 'conflict');
  assert.match(over.body.detail, /10/);
  assert.equal((await send('GET', path)).body.lines[0].quantity, 9);
  assert.equal((await add(path, { variant_id: v.id, quantity: 1 })).lines[0].quantity, 10);
});

test('ids in the path: malformed is 400 naming id/item_id, unknown is 404', async () => {
  const { id } = await newCart();
  for (const bad of ['short', 'AAAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAA%2B%2B', '123', 'AAAAAAAAAAAAAAAAAAAA.A']) {
    assertProblem(await send('GET', `/v1/carts/${bad}`), 400, 'validation-error', 'id');
    assertProblem(await send('POST', `/v1/carts/${bad}/items`, { body: { sku: 'x' } }), 400, 'validation-error', 'id');
    assertProblem(await send('DELETE', `/v1/carts/${bad}/items/1`), 400, 'validation-error', 'id');
  }
  for (const bad of ['0', '-1', 'abc', '01', '9007199254740992']) {
    assertProblem(await send('PATCH', `/v1/carts/${id}/items/${bad}`, { body: { quantity: 1 } }), 400, 'validation-error', 'item_id');
    assertProblem(await send('DELETE', `/v1/carts/${id}/items/${bad}`), 400, 'validation-error', 'item_id');
    assertProblem(await send('DELETE', `/v1/me/cart/items/${bad}`), 400, 'validation-error', 'item_id');
    assertProblem(await send('DELETE', `/v1/me/cart/items/${bad}`, { token: shopperToken }), 400, 'validation-error', 'item_id');
  }
  const both = await send('DELETE', '/v1/carts/short/items/0');
  assertProblem(both, 400, 'validation-error', 'id');
  assertProblem(both, 400, 'validation-error', 'item_id');
  assertProblem(await send('GET', `/v1/carts/${UNKNOWN_CART}`), 404, 'not-found');
  assertProblem(await send('POST', `/v1/carts/${UNKNOWN_CART}/items`, { body: { sku: plenty[0].variant.sku } }), 404, 'not-found');
  assertProblem(await send('PATCH', `/v1/carts/${id}/items/${MAX_ID}`, { body: { quantity: 1 } }), 404, 'not-found');
  assertProblem(await send('DELETE', `/v1/carts/${id}/items/${MAX_ID}`), 404, 'not-found');
  assertProblem(await send('GET', `/v1/carts/${id}?x=1`), 400, 'validation-error', 'x');
  const res = await send('PUT', `/v1/carts/${id}`, { unrouted: true });
  assertProblem(res, 405, 'method-not-allowed');
  assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS');
  assert.equal((await send('DELETE', `/v1/carts/${id}/items/1`, { unrouted: false })).status, 404);
});

test('signed-in routes need a token', async () => {
  for (const [method, path, body] of [['GET', '/v1/me/cart'], ['POST', '/v1/me/cart/items', { sku: 'x' }],
    ['PATCH', '/v1/me/cart/items/1', { quantity: 1 }], ['DELETE', '/v1/me/cart/items/1'],
    ['POST', '/v1/me/cart/merge', { cart_id: UNKNOWN_CART }]]) {
    const res = await send(method, path, { body });
    assertProblem(res, 401, 'unauthenticated');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assertProblem(await send(method, path, { body, token: 'not.a.token' }), 401, 'invalid-token');
  }
});

test("the signed-in cart: created lazily, private, and nobody else's lines are reachable", async () => {
  const mine = await myCart(shopperToken);
  assert.equal(mine.status, 'open');
  assert.equal((await myCart(shopperToken)).id, mine.id, 'one open cart per person');
  const [a, b] = plenty;
  let cart = (await send('POST', '/v1/me/cart/items', { token: shopperToken, body: { variant_id: a.variant.id, quantity: 2 } })).body;
  cart = (await send('POST', '/v1/me/cart/items', { token: shopperToken, body: { sku: b.variant.sku } })).body;
  assert.equal(cart.id, mine.id);
  const line = lineFor(cart, a.variant);
  assert.equal(line.quantity, 2);
  const theirs = await myCart(adminToken);
  assert.notEqual(theirs.id, mine.id);
  assert.deepEqual(theirs.lines, []);

  // The admin user (another person) cannot touch the shopper's lines: 404 like unknown ids.
  const unknown = await send('DELETE', `/v1/me/cart/items/${MAX_ID}`, { token: adminToken });
  assertProblem(unknown, 404, 'not-found');
  for (const res of [
    await send('PATCH', `/v1/me/cart/items/${line.id}`, { token: adminToken, body: { quantity: 5 } }),
    await send('DELETE', `/v1/me/cart/items/${line.id}`, { token: adminToken }),
    // A customer's cart is never reachable as a guest cart, by anyone.
    await send('DELETE', `/v1/carts/${mine.id}/items/${line.id}`),
    await send('PATCH', `/v1/carts/${mine.id}/items/${line.id}`, { body: { quantity: 1 } }),
  ]) {
    assertProblem(res, 404, 'not-found');
  }
  for (const res of [await send('GET', `/v1/carts/${mine.id}`),
    await send('POST', `/v1/carts/${mine.id}/items`, { body: { sku: a.variant.sku } })]) {
    assertProblem(res, 404, 'not-found');
    assert.equal(res.body.detail, (await send('GET', `/v1/carts/${UNKNOWN_CART}`)).body.detail);
  }
  // A guest cart's line ids are not reachable through another cart either.
  const guest = await newCart();
  const guestLine = (await add(`/v1/carts/${guest.id}`, { sku: a.variant.sku })).lines[0];
  assertProblem(await send('DELETE', `/v1/me/cart/items/${guestLine.id}`, { token: shopperToken }), 404, 'not-found');
  const other = await newCart();
  assertProblem(await send('DELETE', `/v1/carts/${other.id}/items/${guestLine.id}`), 404, 'not-found');
  // Nothing changed.
  const after = await myCart(shopperToken);
  assert.equal(lineFor(after, a.variant).quantity, 2);
  assert.equal(after.lines.length, 2);
  assert.deepEqual((await myCart(adminToken)).lines, []);

  const patched = await send('PATCH', `/v1/me/cart/items/${line.id}`, { token: shopperToken, body: { quantity: 4 } });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.headers['cache-control'], 'private, no-store');
  assert.equal(lineFor(patched.body, a.variant).quantity, 4);
  await emptyMyCart(shopperToken);
});

test('merge: quantities add up, capped at the line maximum and the stock; the guest cart closes; twice is harmless', async () => {
  await emptyMyCart(shopperToken);
  const [a, b, c] = plenty;
  await send('POST', '/v1/me/cart/items', { token: shopperToken, body: { variant_id: a.variant.id, quantity: 8 } });
  await send('POST', '/v1/me/cart/items', { token: shopperToken, body: { variant_id: b.variant.id, quantity: 1 } });
  const guest = await newCart();
  const gp = `/v1/carts/${guest.id}`;
  await add(gp, { variant_id: a.variant.id, quantity: 5 }); // 8 + 5 -> capped at 10
  await add(gp, { variant_id: b.variant.id, quantity: 2 }); // 1 + 2 = 3
  await add(gp, { variant_id: c.variant.id, quantity: 1 }); // new line
  if (low) await add(gp, { variant_id: low.variant.id, quantity: 10 }); // capped at the stock

  const merged = await send('POST', '/v1/me/cart/merge', { token: shopperToken, body: { cart_id: guest.id } });
  assert.equal(merged.status, 200, merged.text);
  assert.equal(merged.headers['cache-control'], 'private, no-store');
  const cart = merged.body;
  assert.equal(cart.id, (await myCart(shopperToken)).id);
  assert.equal(lineFor(cart, a.variant).quantity, 10);
  assert.equal(lineFor(cart, b.variant).quantity, 3);
  assert.equal(lineFor(cart, c.variant).quantity, 1);
  if (low) {
    const l = lineFor(cart, low.variant);
    assert.ok(l.quantity >= 1 && l.quantity <= 5, `capped at the stock: ${JSON.stringify(l)}`);
    assert.equal(l.problem, null, 'a merged line never exceeds the stock');
  }
  // The guest cart is closed.
  assertProblem(await send('GET', gp), 404, 'not-found');
  assertProblem(await send('POST', `${gp}/items`, { body: { sku: a.variant.sku } }), 404, 'not-found');
  // Merging it again changes nothing.
  const again = await send('POST', '/v1/me/cart/merge', { token: shopperToken, body: { cart_id: guest.id } });
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.body.lines, cart.lines);
  // Someone else cannot merge it (it is no longer an open guest cart), nor the shopper's own cart.
  assertProblem(await send('POST', '/v1/me/cart/merge', { token: adminToken, body: { cart_id: guest.id } }), 404, 'not-found');
  assertProblem(await send('POST', '/v1/me/cart/merge', { token: adminToken, body: { cart_id: cart.id } }), 404, 'not-found');
  assertProblem(await send('POST', '/v1/me/cart/merge', { token: shopperToken, body: { cart_id: cart.id } }), 404, 'not-found');
  assertProblem(await send('POST', '/v1/me/cart/merge', { token: shopperToken, body: { cart_id: UNKNOWN_CART } }), 404, 'not-found');
  for (const body of [{}, { cart_id: 'short' }, { cart_id: 5 }, { cart_id: UNKNOWN_CART, extra: 1 }]) {
    const res = await send('POST', '/v1/me/cart/merge', { token: shopperToken, body });
    assertProblem(res, 400, 'validation-error');
  }
  assert.deepEqual((await myCart(adminToken)).lines, []);
  // An empty guest cart merges as a no-op.
  const emptyGuest = await newCart();
  const noop = await send('POST', '/v1/me/cart/merge', { token: shopperToken, body: { cart_id: emptyGuest.id } });
  assert.equal(noop.status, 200);
  assert.deepEqual(noop.body.lines, cart.lines);
  await emptyMyCart(shopperToken);
});

test('10 concurrent adds of one unit to the same line all count', async () => {
  const { id } = await newCart();
  const v = plenty[0].variant;
  const results = await Promise.all(Array.from({ length: 10 }, () =>
    send('POST', `/v1/carts/${id}/items`, { body: { variant_id: v.id, quantity: 1 } })));
  for (const res of results) assert.equal(res.status, 200, res.text);
  const cart = (await send('GET', `/v1/carts/${id}`)).body;
  assert.equal(cart.lines.length, 1);
  assert.equal(cart.lines[0].quantity, 10);
  // The 11th is over the per-line maximum.
  assertProblem(await send('POST', `/v1/carts/${id}/items`, { body: { variant_id: v.id, quantity: 1 } }), 409, 'conflict');
});

test('limits from the configuration: line count and idle expiry (own server)', async () => {
  const srv = await startServer({ CART_IDLE_TTL_SECONDS: '1', CART_MAX_LINES: '3', CART_MAX_LINE_QUANTITY: '4' });
  try {
    const { base } = srv;
    const cart = await newCart(base);
    const path = `/v1/carts/${cart.id}`;
    assert.ok(Date.parse(cart.expires_at) - Date.parse(cart.updated_at) <= 1500);
    for (const p of plenty.slice(0, 3)) await add(path, { variant_id: p.variant.id }, { base });
    const fourth = await send('POST', `${path}/items`, { base, body: { variant_id: plenty[3].variant.id } });
    assertProblem(fourth, 409, 'conflict');
    assert.match(fourth.body.detail, /3/);
    assertProblem(await send('POST', `${path}/items`, { base, body: { variant_id: plenty[0].variant.id, quantity: 5 } }),
      400, 'validation-error', 'quantity');
    // Idle for more than the TTL: gone, and stays gone.
    await new Promise((r) => setTimeout(r, 2100));
    assertProblem(await send('GET', path, { base }), 404, 'not-found');
    assertProblem(await send('POST', `${path}/items`, { base, body: { variant_id: plenty[0].variant.id } }), 404, 'not-found');
    assertProblem(await send('GET', path, { base }), 404, 'not-found');
    // A signed-in person's expired cart is replaced by a new, empty one.
    // (A write on this server sets the 1 s expiry; the cart may predate this server.)
    const first = (await send('POST', '/v1/me/cart/items', { base, token: adminToken, body: { variant_id: plenty[0].variant.id } })).body;
    assert.equal(first.lines.length, 1);
    await new Promise((r) => setTimeout(r, 2100));
    const next = (await send('GET', '/v1/me/cart', { base, token: adminToken })).body;
    assert.notEqual(next.id, first.id);
    assert.deepEqual(next.lines, []);
  } finally {
    await stopServer(srv);
  }
});

test('a variant in another currency than the cart is a 409', (t) => {
  // The seeded catalog is priced in USD only and the API has no way to add a product
  // in another currency, so this case cannot be set up black-box; svc_cart_price and
  // the add path check it (tests/unit/test_carts.c covers the pricing side).
  t.skip('no second currency in the catalog');
});
