// quotes.test.mjs — POST /v1/me/cart/quote and POST /v1/carts/{id}/quote (docs/checkout.md):
// the quote is what checkout charges. For many random carts (random variants and
// quantities, a random discount code or none), destinations (countries with and without a
// tax rate, saved or inline addresses) and methods (named or the cheapest), signed-in and
// guest alike, the order placed right after the quote carries exactly the quote's money,
// field by field. Also: every method listed with its price and delivery estimate, free
// shipping over a method's threshold, and the quote writing nothing.
//
// Runs on a server of our own that trusts a JWKS the test serves (every customer a fresh
// person). The variants used (by id, from the 31st: the other order tests take the first
// few and the last) get a large stock for the run, put back after. No country here is
// one admin-settings changes (AT).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { orderWorld, sql, stockOf } from './lib/orders.mjs';

const COUNTRIES = ['DE', 'FR', 'GB', 'NL', 'VN', 'US', 'JP', 'CA']; // JP, CA: no tax rate
const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Town', postal_code: '10115' };
const tag = randomUUID().slice(0, 6).toUpperCase();
const CODES = [`QPCT${tag}`, `QFIX${tag}`, `QMIN${tag}`];

let w;
let variants; // [{id, stock}] in-stock USD variants of active products
let rates; // country -> rate_bp

// A seeded random generator, so a failure can be replayed (the seed is in the message).
const seed = Number(process.env.QUOTES_SEED ?? Date.now() % 100000);
let state = seed;
const rnd = (n) => { // mulberry32: 32-bit integer steps, exact in JavaScript numbers
  state = (state + 0x6D2B79F5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const pick = (xs) => xs[rnd(xs.length)];

before(async () => {
  w = await orderWorld('Quotes1');
  variants = sql(`SELECT v.id || ':' || v.stock FROM product_variants v JOIN products p ON p.id = v.product_id
    AND p.active WHERE v.active AND v.currency = 'USD' AND v.stock >= 50 ORDER BY v.id LIMIT 8 OFFSET 30`)
    .split('\n').map((r) => ({ id: Number(r.split(':')[0]), stock: Number(r.split(':')[1]) }));
  assert.ok(variants.length >= 4, 'the catalog needs in-stock USD variants');
  sql(`UPDATE product_variants SET stock = 100000 WHERE id IN (${variants.map((v) => v.id).join(',')})`);
  rates = Object.fromEntries(sql('SELECT country || \':\' || rate_bp FROM tax_rates').split('\n')
    .map((r) => [r.split(':')[0], Number(r.split(':')[1])]));
  sql(`INSERT INTO discount_codes (code, kind, percent_off) VALUES ('${CODES[0]}', 'percent', 15);
       INSERT INTO discount_codes (code, kind, amount_off, currency) VALUES ('${CODES[1]}', 'fixed', 777, 'USD');
       INSERT INTO discount_codes (code, kind, percent_off, min_subtotal) VALUES ('${CODES[2]}', 'percent', 33, 20000)`);
});

after(async () => {
  if (variants) for (const v of variants) sql(`UPDATE product_variants SET stock = ${v.stock} WHERE id = ${v.id}`);
  if (w) await w.stop();
});

/** A cart (guest or the person's) filled with 1..3 random lines and maybe a code. */
async function randomCart(token) {
  let base = '/v1/me/cart';
  if (!token) {
    const made = await w.send('POST', '/v1/carts');
    assert.equal(made.status, 201, made.text);
    base = `/v1/carts/${made.body.id}`;
  }
  const chosen = new Set();
  const n = 1 + rnd(3);
  while (chosen.size < n) chosen.add(pick(variants).id);
  for (const id of chosen) {
    const res = await w.send('POST', `${base}/items`, { token, body: { variant_id: id, quantity: 1 + rnd(3) } });
    assert.equal(res.status, 200, res.text);
  }
  const code = pick([null, ...CODES]);
  if (code) assert.equal((await w.send('POST', `${base}/discount`, { token, body: { code } })).status, 200);
  return base;
}

const MONEY = ['subtotal', 'discount', 'shipping', 'tax', 'total'];

test(`quote = order for 40 random carts, destinations and methods (seed ${seed})`, async () => {
  for (let i = 0; i < 40; i++) {
    const guest = rnd(2) === 0;
    const token = guest ? undefined : w.person();
    const base = await randomCart(token);
    const country = pick(COUNTRIES);
    const address = { ...ADDRESS, country };
    let destination = { shipping_address: { country: country.toLowerCase(), postal_code: '10115' } };
    let checkoutDest = { shipping_address: address };
    if (!guest && rnd(2) === 0) {
      const saved = await w.send('POST', '/v1/me/addresses', { token, body: address });
      assert.equal(saved.status, 201, saved.text);
      destination = { shipping_address_id: saved.body.id };
      checkoutDest = destination;
    }
    const named = rnd(3) === 0 ? pick(['standard', 'express', 'next_day']) : undefined;
    const q = await w.send('POST', `${base}/quote`, { token, body: { ...destination, shipping_method: named } });
    const why = `seed ${seed}, round ${i}: ${JSON.stringify({ guest, country, named, destination })}`;
    assert.equal(q.status, 200, `${why}: ${q.text}`);
    const quote = q.body;
    // The figures hold together, and the tax is the country's rate.
    assert.equal(quote.destination.country, country);
    assert.equal(quote.tax_rate_bp, rates[country] ?? 0, why);
    assert.equal(quote.tax.amount, Math.floor(((quote.subtotal.amount - quote.discount.amount) * quote.tax_rate_bp + 5000) / 10000));
    assert.equal(quote.total.amount, quote.subtotal.amount - quote.discount.amount + quote.shipping.amount + quote.tax.amount);
    // (admin-settings may add methods of its own meanwhile: the seeded three are there, in order.)
    assert.deepEqual(quote.shipping_methods.map((m) => m.code).filter((c) => !c.startsWith('zz_')),
      ['standard', 'express', 'next_day']);
    const chosen = quote.shipping_methods.find((m) => m.code === quote.shipping_method);
    assert.equal(chosen.price.amount, quote.shipping.amount, why);
    if (named) assert.equal(quote.shipping_method, named);
    else assert.equal(quote.shipping.amount, Math.min(...quote.shipping_methods.map((m) => m.price.amount)), why);
    // Place the order with the quoted method: every money field is the quote's.
    const body = { ...checkoutDest, shipping_method: quote.shipping_method, payment_method: 'manual' };
    const path = guest ? `${base}/checkout` : '/v1/checkout';
    const res = await w.send('POST', path, {
      token, headers: { 'idempotency-key': randomUUID() },
      body: guest ? { ...body, email: `quote.${i}@example.com` } : body,
    });
    assert.equal(res.status, 201, `${why}: ${res.text}`);
    for (const f of MONEY) assert.deepEqual(res.body[f], quote[f], `${why}: ${f}`);
    assert.equal(res.body.currency, quote.currency);
    assert.equal(res.body.shipping_method, quote.shipping_method);
    assert.equal(res.body.discount_code, quote.discount_code);
    assert.equal(res.body.guest, guest);
  }
});

test('every method with its price and delivery estimate; free shipping over the threshold', async () => {
  const made = await w.send('POST', '/v1/carts');
  const base = `/v1/carts/${made.body.id}`;
  // One cheap line: standard costs its price; then enough for standard's free_over_amount.
  const price = Number(sql(`SELECT price_amount FROM product_variants WHERE id = ${variants[0].id}`));
  const free = Number(sql(`SELECT free_over_amount FROM shipping_methods WHERE code = 'standard'`));
  await w.send('POST', `${base}/items`, { body: { variant_id: variants[0].id, quantity: 1 } });
  let q = await w.send('POST', `${base}/quote`, { body: { shipping_address: { country: 'DE' } } });
  assert.equal(q.status, 200, q.text);
  const byCode = Object.fromEntries(q.body.shipping_methods.map((m) => [m.code, m]));
  assert.deepEqual(byCode.express.delivery_estimate, { min_days: 1, max_days: 2 });
  assert.deepEqual(byCode.standard.delivery_estimate, { min_days: 3, max_days: 5 });
  assert.deepEqual(byCode.next_day.delivery_estimate, { min_days: 1, max_days: 1 });
  assert.equal(byCode.express.price.amount, 1499);
  assert.equal(byCode.next_day.price.amount, 2499);
  assert.equal(byCode.standard.price.amount, price >= free ? 0 : 499);
  assert.deepEqual(q.body.destination, { country: 'DE', region: null, postal_code: null });
  const qty = Math.ceil(free / price) + 1;
  await w.send('PATCH', `${base}/items/${(await w.send('GET', base)).body.lines[0].id}`, { body: { quantity: Math.min(qty, 99) } });
  q = await w.send('POST', `${base}/quote`, { body: { shipping_address: { country: 'US', region: 'TX' } } });
  assert.equal(q.status, 200, q.text);
  if (q.body.subtotal.amount >= free) {
    assert.equal(q.body.shipping_method, 'standard');
    assert.equal(q.body.shipping.amount, 0);
  }
  assert.equal(q.body.tax.amount, 0, 'US has a 0 rate');
  assert.equal(q.body.destination.region, 'TX');
});

test('a quote writes nothing: no stock taken, no code used, the cart stays open', async () => {
  const token = w.person();
  await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: variants[1].id, quantity: 2 } });
  await w.send('POST', '/v1/me/cart/discount', { token, body: { code: CODES[1] } });
  const stock = stockOf(variants[1].id);
  const used = sql(`SELECT times_used FROM discount_codes WHERE code = '${CODES[1]}'`);
  const before = (await w.send('GET', '/v1/me/cart', { token })).body;
  for (let i = 0; i < 3; i++) {
    const q = await w.send('POST', '/v1/me/cart/quote', { token, body: { shipping_address: { country: 'FR' } } });
    assert.equal(q.status, 200, q.text);
    assert.equal(q.body.discount.amount, 777);
    assert.equal(q.body.discount_code, CODES[1]);
  }
  assert.equal(stockOf(variants[1].id), stock);
  assert.equal(sql(`SELECT times_used FROM discount_codes WHERE code = '${CODES[1]}'`), used);
  const afterCart = (await w.send('GET', '/v1/me/cart', { token })).body;
  assert.equal(afterCart.id, before.id);
  assert.equal(afterCart.status, 'open');
});
