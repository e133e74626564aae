// admin-settings.test.mjs — staff discount codes, shipping methods and tax rates
// (/v1/admin/discount-codes, /shipping-methods, /tax-rates): every route's happy path,
// every 400/401/403/404/409/412/428, Idempotency-Key replays, If-Match, and that carts and
// checkout use what staff set at once: a code switched off stops applying to a cart, a
// new shipping method is offered and usable at checkout, a changed tax rate is charged.
//
// Runs on a server of its own (lib/orders.mjs), so every shopper is a fresh person. What
// it creates has random names, prices above the seeded methods (so no cart's cheapest
// estimate changes under carts.test.mjs) and a country no other test ships to (AT).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld, sql } from './lib/orders.mjs';

const DC = '/v1/admin/discount-codes';
const SM = '/v1/admin/shipping-methods';
const TX = '/v1/admin/tax-rates';
const TAX_COUNTRY = 'AT';
const ADDRESS = { name: 'Ada Lovelace', line1: '1 Ring St', city: 'Wien', postal_code: '1010', country: TAX_COUNTRY };

let w;
let admin;
const tag = () => randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase();

before(async () => {
  w = await orderWorld('AdminSettings1');
  admin = w.staff();
  sql(`DELETE FROM tax_rates WHERE country = '${TAX_COUNTRY}'`);
});

after(async () => {
  if (!w) return;
  sql(`DELETE FROM tax_rates WHERE country = '${TAX_COUNTRY}'`);
  sql("UPDATE shipping_methods SET active = false WHERE code LIKE 'zz\\_%'");
  await w.stop();
});

const create = (path, body, key = randomUUID(), token = admin) =>
  w.send('POST', path, { token, body, headers: { 'idempotency-key': key } });
const patch = (path, body, etag, token = admin) =>
  w.send('PATCH', path, { token, body, headers: etag === undefined ? {} : { 'if-match': etag } });
const get = (path, token = admin) => w.send('GET', path, { token });
const del = (path, etag) => w.send('DELETE', path, { token: admin, headers: etag ? { 'if-match': etag } : {} });

function created(res, location) {
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers.location, location);
  assert.equal(res.headers.etag, `"r${res.body.revision}"`);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  return res.body;
}

async function checkout(token, shippingMethod) {
  return w.send('POST', '/v1/checkout', {
    token, headers: { 'idempotency-key': randomUUID() },
    body: { shipping_address: ADDRESS, shipping_method: shippingMethod, payment_method: 'cod' },
  });
}

async function cartWith(token, quantity = 1) {
  const res = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: w.variant.id, quantity } });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

// --- discount codes --------------------------------------------------------------------

test('discount codes: create (upper-cased), replay, get, list, filter, page, patch, delete', async () => {
  const code = `st${tag()}`;
  const body = { code, kind: 'percent', percent_off: 15, min_subtotal: 100, usage_limit: 5 };
  const key = randomUUID();
  const res = await create(DC, body, key);
  const dc = created(res, `${DC}/${res.body.id}`);
  assert.equal(dc.code, code.toUpperCase());
  assert.deepEqual({ ...dc, id: 0, created_at: '' }, {
    id: 0, code: code.toUpperCase(), kind: 'percent', percent_off: 15, amount_off: null, currency: null,
    min_subtotal: 100, starts_at: null, ends_at: null, usage_limit: 5, per_customer_limit: null,
    times_used: 0, active: true, created_at: '', revision: 1,
  });

  const replay = await create(DC, body, key);
  assert.equal(replay.status, 201);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.body, dc);
  assert.equal(replay.headers.location, res.headers.location);
  assertProblem(await create(DC, { ...body, percent_off: 16 }, key), 422, 'idempotency-key-reused');

  const one = await get(`${DC}/${dc.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, dc);
  assert.equal(one.headers.etag, '"r1"');

  // A second code with the same prefix: q finds both, newest first; pages of one.
  const r2 = await create(DC, { code: `${code}B`, kind: 'fixed', amount_off: 500, currency: 'usd' });
  const second = created(r2, `${DC}/${r2.body.id}`);
  assert.equal(second.currency, 'USD');
  let list = await get(`${DC}?q=${code.toLowerCase()}`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.items.map((d) => d.id), [second.id, dc.id]);
  assert.equal(list.body.next_cursor, null);
  const page1 = await get(`${DC}?q=${code}&limit=1`);
  assert.deepEqual(page1.body.items.map((d) => d.id), [second.id]);
  const page2 = await get(`${DC}?q=${code}&limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
  assert.deepEqual(page2.body.items.map((d) => d.id), [dc.id]);
  assert.equal(page2.body.next_cursor, null);
  assertProblem(await get(`${DC}?q=${code}X&limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`), 400, 'validation-error', 'cursor');

  const off = await patch(`${DC}/${second.id}`, { active: false }, `"r${second.revision}"`);
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.active, false);
  assert.equal(off.body.revision, 2);
  assert.equal(off.headers.etag, '"r2"');
  list = await get(`${DC}?q=${code}&active=false`);
  assert.deepEqual(list.body.items.map((d) => d.id), [second.id]);
  list = await get(`${DC}?q=${code}&active=true`);
  assert.deepEqual(list.body.items.map((d) => d.id), [dc.id]);

  // Switching the kind drops the old kind's fields; a window and limits can be set and cleared.
  const sw = await patch(`${DC}/${dc.id}`, { kind: 'fixed', amount_off: 250, currency: 'EUR',
    starts_at: '2026-01-01T00:00:00Z', ends_at: '2030-01-01T00:00:00+02:00', per_customer_limit: 1 }, '*');
  assert.equal(sw.status, 200, sw.text);
  assert.equal(sw.body.percent_off, null);
  assert.equal(sw.body.amount_off, 250);
  assert.ok(sw.body.starts_at.startsWith('2026-01-01T00:00:00'));
  assert.ok(sw.body.ends_at.startsWith('2029-12-31T22:00:00'));
  const cleared = await patch(`${DC}/${dc.id}`, { starts_at: null, ends_at: null, usage_limit: null }, sw.headers.etag);
  assert.equal(cleared.status, 200, cleared.text);
  assert.deepEqual([cleared.body.starts_at, cleared.body.ends_at, cleared.body.usage_limit], [null, null, null]);

  assert.equal((await del(`${DC}/${dc.id}`, cleared.headers.etag)).status, 204);
  assertProblem(await get(`${DC}/${dc.id}`), 404, 'not-found');
  assert.equal((await del(`${DC}/${second.id}`)).status, 204);
});

test('discount codes: every bad field is a 400 naming it, before the database sees it', async () => {
  const bad = async (body, field) => assertProblem(await create(DC, body), 400, 'validation-error', field);
  const code = `bad${tag()}`;
  await bad({ kind: 'percent', percent_off: 10 }, 'code');
  await bad({ code }, 'kind');
  await bad({ code: 'ab', kind: 'percent', percent_off: 10 }, 'code');
  await bad({ code: 'has space', kind: 'percent', percent_off: 10 }, 'code');
  await bad({ code: 'x'.repeat(33), kind: 'percent', percent_off: 10 }, 'code');
  await bad({ code, kind: 'bogus', percent_off: 10 }, 'kind');
  await bad({ code, kind: 'percent' }, 'percent_off');
  await bad({ code, kind: 'percent', percent_off: 0 }, 'percent_off');
  await bad({ code, kind: 'percent', percent_off: 101 }, 'percent_off');
  await bad({ code, kind: 'percent', percent_off: 10.5 }, 'percent_off');
  await bad({ code, kind: 'percent', percent_off: 10, amount_off: 100 }, 'amount_off');
  await bad({ code, kind: 'percent', percent_off: 10, currency: 'USD' }, 'currency');
  await bad({ code, kind: 'fixed', amount_off: 100 }, 'currency');
  await bad({ code, kind: 'fixed', currency: 'USD' }, 'amount_off');
  await bad({ code, kind: 'fixed', amount_off: 0, currency: 'USD' }, 'amount_off');
  await bad({ code, kind: 'fixed', amount_off: 100, currency: 'US' }, 'currency');
  await bad({ code, kind: 'fixed', amount_off: 100, currency: 'USD', percent_off: 5 }, 'percent_off');
  await bad({ code, kind: 'percent', percent_off: 5, min_subtotal: -1 }, 'min_subtotal');
  await bad({ code, kind: 'percent', percent_off: 5, usage_limit: -1 }, 'usage_limit');
  await bad({ code, kind: 'percent', percent_off: 5, usage_limit: 2 ** 31 }, 'usage_limit');
  await bad({ code, kind: 'percent', percent_off: 5, per_customer_limit: 0 }, 'per_customer_limit');
  await bad({ code, kind: 'percent', percent_off: 5, starts_at: 'tomorrow' }, 'starts_at');
  await bad({ code, kind: 'percent', percent_off: 5, starts_at: '2026-02-30T00:00:00Z' }, 'starts_at');
  await bad({ code, kind: 'percent', percent_off: 5, starts_at: '2026-01-01T00:00:00.1234567Z' }, 'starts_at');
  await bad({ code, kind: 'percent', percent_off: 5, starts_at: '2026-02-01T00:00:00Z', ends_at: '2026-02-01T00:00:00Z' }, 'ends_at');
  await bad({ code, kind: 'percent', percent_off: 5, starts_at: '2026-02-01T01:00:00+02:00', ends_at: '2026-01-31T23:00:00Z' }, 'ends_at');
  await bad({ code, kind: 'percent', percent_off: 5, active: 'yes' }, 'active');
  await bad({ code, kind: 'percent', percent_off: 5, times_used: 3 }, 'times_used');
  await bad({ code, kind: 'percent', percent_off: 5, colour: 'red' }, 'colour');
  assertProblem(await create(DC, [1, 2]), 400, 'bad-request');
  assertProblem(await create(DC, '{"code":'), 400, 'bad-request');
  assertProblem(await w.send('POST', DC, { token: admin, body: { code, kind: 'percent', percent_off: 5 } }),
    400, 'validation-error', 'Idempotency-Key');
  assert.equal(sql(`SELECT count(*) FROM discount_codes WHERE code = '${code.toUpperCase()}'`), '0');

  // The same rules hold for an update, judged on the row as a whole.
  const r = await create(DC, { code, kind: 'percent', percent_off: 5, usage_limit: 10 });
  const dc = created(r, `${DC}/${r.body.id}`);
  const path = `${DC}/${dc.id}`;
  assertProblem(await patch(path, { kind: 'fixed' }, '*'), 400, 'validation-error', 'amount_off');
  assertProblem(await patch(path, { amount_off: 100 }, '*'), 400, 'validation-error', 'amount_off');
  assertProblem(await patch(path, { percent_off: null }, '*'), 400, 'validation-error', 'percent_off');
  assertProblem(await patch(path, { starts_at: '2030-01-01T00:00:00Z', ends_at: '2029-01-01T00:00:00Z' }, '*'), 400, 'validation-error', 'ends_at');
  assertProblem(await patch(path, { id: 5 }, '*'), 400, 'validation-error', 'id');
  sql(`UPDATE discount_codes SET times_used = 4 WHERE id = ${dc.id}`);
  assertProblem(await patch(path, { usage_limit: 3 }, '*'), 400, 'validation-error', 'usage_limit');
  const ok = await patch(path, { usage_limit: 4 }, '*');
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.times_used, 4);
  assert.equal(ok.body.revision, 2, 'refused updates change nothing');
});

test('discount codes: 409 duplicate, 412/428 If-Match, 404, 400 path and query, 401/403', async () => {
  const code = `dup${tag()}`;
  const first = await create(DC, { code, kind: 'percent', percent_off: 5 });
  assert.equal(first.status, 201, first.text);
  const dup = await create(DC, { code: code.toLowerCase(), kind: 'fixed', amount_off: 1, currency: 'USD' });
  assertProblem(dup, 409, 'conflict');
  assert.match(dup.body.detail, new RegExp(`${code.toUpperCase()} already exists`));
  const other = await create(DC, { code: `${code}2`, kind: 'percent', percent_off: 5 });
  const path = `${DC}/${other.body.id}`;
  const renamed = await patch(path, { code }, '*');
  assertProblem(renamed, 409, 'conflict');
  assert.match(renamed.body.detail, new RegExp(code.toUpperCase()));

  assertProblem(await patch(path, { active: false }), 428, 'precondition-required');
  assertProblem(await patch(path, { active: false }, '"r9"'), 412, 'precondition-failed');
  assertProblem(await patch(path, { active: false }, 'W/"r1"'), 412, 'precondition-failed');
  assertProblem(await patch(path, { active: false }, '"r1", "r2"'), 412, 'precondition-failed');
  // Two staff read r1; the first write wins, the second is refused instead of lost.
  assert.equal((await patch(path, { percent_off: 6 }, '"r1"')).status, 200);
  assertProblem(await patch(path, { percent_off: 7 }, '"r1"'), 412, 'precondition-failed');
  assert.equal((await get(path)).body.percent_off, 6);
  assertProblem(await del(path, '"r1"'), 412, 'precondition-failed');

  const missing = `${DC}/9007199254740991`;
  assertProblem(await get(missing), 404, 'not-found');
  assertProblem(await patch(missing, { active: false }, '*'), 404, 'not-found');
  assertProblem(await patch(missing, { active: false }, '"r1"'), 404, 'not-found');
  assertProblem(await del(missing), 404, 'not-found');
  assertProblem(await get(`${DC}/abc`), 400, 'validation-error', 'id');
  assertProblem(await get(`${DC}/0`), 400, 'validation-error', 'id');
  assertProblem(await get(`${DC}?active=maybe`), 400, 'validation-error', 'active');
  assertProblem(await get(`${DC}?q=a%20b`), 400, 'validation-error', 'q');
  assertProblem(await get(`${DC}?limit=0`), 400, 'validation-error', 'limit');
  assertProblem(await get(`${DC}?cursor=bogus`), 400, 'validation-error', 'cursor');
  assertProblem(await get(`${DC}?sort=code`), 400);

  const person = w.person();
  assertProblem(await w.send('GET', DC), 401);
  assertProblem(await get(DC, person), 403);
  assertProblem(await create(DC, { code: `${code}3`, kind: 'percent', percent_off: 5 }, randomUUID(), person), 403);
  assertProblem(await get(path, person), 403);
  assertProblem(await patch(path, { active: false }, '*', person), 403);
  assertProblem(await w.send('DELETE', path, { token: person }), 403);
});

test('a code switched off stops applying to a cart at once, and a code in a cart cannot be deleted', async () => {
  const code = `cart${tag()}`;
  const dc = (await create(DC, { code, kind: 'percent', percent_off: 10 })).body;
  const token = w.person();
  await cartWith(token);
  const applied = await w.send('POST', '/v1/me/cart/discount', { token, body: { code } });
  assert.equal(applied.status, 200, applied.text);
  assert.equal(applied.body.discount_code.applied, true);
  assert.ok(applied.body.discount.amount > 0);

  const off = await patch(`${DC}/${dc.id}`, { active: false }, '"r1"');
  assert.equal(off.status, 200, off.text);
  const cart = await w.send('GET', '/v1/me/cart', { token });
  assert.equal(cart.body.discount_code.applied, false);
  assert.equal(cart.body.discount_code.problem, 'inactive');
  assert.equal(cart.body.discount.amount, 0);

  const refused = await del(`${DC}/${dc.id}`);
  assertProblem(refused, 409, 'conflict');
  assert.match(refused.body.detail, /active/);
  assert.equal((await get(`${DC}/${dc.id}`)).status, 200, 'the code is still there');

  // Switched on again, it applies again by itself.
  await patch(`${DC}/${dc.id}`, { active: true }, '*');
  assert.equal((await w.send('GET', '/v1/me/cart', { token })).body.discount_code.applied, true);
});

// --- shipping methods ------------------------------------------------------------------

test('shipping methods: create, replay, get (any case), list, patch, delete; a new method is usable at checkout', async () => {
  const code = `zz_${tag().toLowerCase()}`;
  const key = randomUUID();
  const body = { code: code.toUpperCase(), name: 'Courier (same day)', price_amount: 9999, position: 50 };
  const res = await create(SM, body, key);
  const sm = created(res, `${SM}/${code}`);
  assert.deepEqual(sm, { code, name: 'Courier (same day)', price_amount: 9999, currency: 'USD',
    free_over_amount: null, position: 50, active: true, revision: 1 });
  const replay = await create(SM, body, key);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.body, sm);
  assert.deepEqual((await get(`${SM}/${code.toUpperCase()}`)).body, sm);

  const all = [];
  for (let cursor = null, pages = 0; pages < 50; pages++) {
    const page = await get(`${SM}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200, page.text);
    all.push(...page.body.items);
    if (!(cursor = page.body.next_cursor)) break;
  }
  assert.ok(all.some((m) => m.code === 'standard') && all.some((m) => m.code === code));
  const order = all.map((m) => [m.position, m.code]);
  assert.deepEqual(order, [...order].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)), 'position, then code');
  assert.ok((await get(`${SM}?active=true`)).body.items.every((m) => m.active));

  // Offered at checkout at once, at its price.
  const token = w.person();
  await cartWith(token);
  const placed = await checkout(token, code);
  assert.equal(placed.status, 201, placed.text);
  assert.equal(placed.body.shipping_method, code);
  assert.equal(placed.body.shipping.amount, 9999);

  const changed = await patch(`${SM}/${code}`, { name: 'Courier', price_amount: 8888, free_over_amount: 1 }, '"r1"');
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.body.revision, 2);
  assert.equal(changed.headers.etag, '"r2"');
  const free = w.person();
  await cartWith(free);
  assert.equal((await checkout(free, code)).body.shipping.amount, 0, 'free over the new threshold');

  // Used by an order: not deletable; switched off, checkout refuses it.
  const refused = await del(`${SM}/${code}`);
  assertProblem(refused, 409, 'conflict');
  const off = await patch(`${SM}/${code}`, { active: false }, '"r2"');
  assert.equal(off.body.active, false);
  const late = w.person();
  await cartWith(late);
  assertProblem(await checkout(late, code), 400, 'validation-error', 'shipping_method');

  // A method nobody used goes away.
  const spare = created(await create(SM, { code: `${code}_x`, name: 'Spare', price_amount: 9999, currency: 'eur' }), `${SM}/${code}_x`);
  assert.equal(spare.currency, 'EUR');
  assertProblem(await del(`${SM}/${code}_x`, '"r7"'), 412, 'precondition-failed');
  assert.equal((await del(`${SM}/${code}_x`, '"r1"')).status, 204);
  assertProblem(await get(`${SM}/${code}_x`), 404, 'not-found');
});

test('shipping methods: every 400/404/409/412/428 and 401/403', async () => {
  const code = `zz_${tag().toLowerCase()}`;
  const bad = async (body, field) => assertProblem(await create(SM, body), 400, 'validation-error', field);
  await bad({ name: 'X', price_amount: 1 }, 'code');
  await bad({ code, price_amount: 1 }, 'name');
  await bad({ code, name: 'X' }, 'price_amount');
  await bad({ code: 'has-dash', name: 'X', price_amount: 1 }, 'code');
  await bad({ code: 'x'.repeat(33), name: 'X', price_amount: 1 }, 'code');
  await bad({ code, name: '', price_amount: 1 }, 'name');
  await bad({ code, name: '   ', price_amount: 1 }, 'name');
  await bad({ code, name: 'x'.repeat(101), price_amount: 1 }, 'name');
  await bad({ code, name: 'Fast\u202Etxt.exe', price_amount: 1 }, 'name');
  await bad({ code, name: 'Zero\u200Bwidth', price_amount: 1 }, 'name');
  await bad({ code, name: 'X', price_amount: -1 }, 'price_amount');
  await bad({ code, name: 'X', price_amount: '5' }, 'price_amount');
  await bad({ code, name: 'X', price_amount: 1, currency: 'DOLLAR' }, 'currency');
  await bad({ code, name: 'X', price_amount: 1, currency: null }, 'currency');
  await bad({ code, name: 'X', price_amount: 1, free_over_amount: -5 }, 'free_over_amount');
  await bad({ code, name: 'X', price_amount: 1, position: -1 }, 'position');
  await bad({ code, name: 'X', price_amount: 1, active: 1 }, 'active');
  await bad({ code, name: 'X', price_amount: 1, speed: 'fast' }, 'speed');
  assertProblem(await w.send('POST', SM, { token: admin, body: { code, name: 'X', price_amount: 1 } }), 400, 'validation-error', 'Idempotency-Key');
  const dup = await create(SM, { code: 'STANDARD', name: 'Again', price_amount: 1 });
  assertProblem(dup, 409, 'conflict');
  assert.match(dup.body.detail, /standard already exists/);

  assertProblem(await patch(`${SM}/standard`, { code: 'other' }, '*'), 400, 'validation-error', 'code');
  assertProblem(await patch(`${SM}/standard`, { name: null }, '*'), 400, 'validation-error', 'name');
  assertProblem(await patch(`${SM}/standard`, { price_amount: 1 }), 428, 'precondition-required');
  assertProblem(await patch(`${SM}/standard`, { price_amount: 1 }, '"r999"'), 412, 'precondition-failed');
  assertProblem(await patch(`${SM}/nope_${tag().toLowerCase()}`, { price_amount: 1 }, '*'), 404, 'not-found');
  assertProblem(await get(`${SM}/nope_${tag().toLowerCase()}`), 404, 'not-found');
  assertProblem(await del(`${SM}/nope_${tag().toLowerCase()}`), 404, 'not-found');
  assertProblem(await get(`${SM}/bad-code`), 400, 'validation-error', 'code');
  assertProblem(await del(`${SM}/bad-code`), 400, 'validation-error', 'code');
  assertProblem(await get(`${SM}?active=2`), 400, 'validation-error', 'active');
  assertProblem(await get(`${SM}?cursor=xyz`), 400, 'validation-error', 'cursor');
  assertProblem(await get(`${SM}?q=a`), 400);
  const standard = await get(`${SM}/standard`);
  assert.equal(standard.body.price_amount, 499, 'refused updates changed nothing');

  const person = w.person();
  assertProblem(await w.send('GET', SM), 401);
  assertProblem(await get(SM, person), 403);
  assertProblem(await get(`${SM}/standard`, person), 403);
  assertProblem(await create(SM, { code, name: 'X', price_amount: 1 }, randomUUID(), person), 403);
  assertProblem(await patch(`${SM}/standard`, { price_amount: 1 }, '*', person), 403);
  assertProblem(await w.send('DELETE', `${SM}/standard`, { token: person }), 403);
});

// --- tax rates -------------------------------------------------------------------------

test('tax rates: create, replay, get, list, patch, delete; checkout charges what staff set', async () => {
  const token = w.person();
  const unit = (await cartWith(token)).lines[0].unit_price.amount;
  const noTax = await checkout(token, 'express');
  assert.equal(noTax.status, 201, noTax.text);
  assert.equal(noTax.body.tax.amount, 0, `${TAX_COUNTRY} has no rate yet`);

  const key = randomUUID();
  const res = await create(TX, { country: TAX_COUNTRY.toLowerCase(), rate_bp: 2000 }, key);
  assert.deepEqual(created(res, `${TX}/${TAX_COUNTRY}`), { country: TAX_COUNTRY, rate_bp: 2000, revision: 1 });
  const replay = await create(TX, { country: TAX_COUNTRY.toLowerCase(), rate_bp: 2000 }, key);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual((await get(`${TX}/${TAX_COUNTRY.toLowerCase()}`)).body, res.body);

  const taxed = w.person();
  await cartWith(taxed);
  let o = (await checkout(taxed, 'express')).body;
  assert.equal(o.subtotal.amount, unit);
  assert.equal(o.tax.amount, Math.floor((unit * 2000 + 5000) / 10000));

  const changed = await patch(`${TX}/${TAX_COUNTRY}`, { rate_bp: 1234 }, '"r1"');
  assert.equal(changed.status, 200, changed.text);
  assert.deepEqual(changed.body, { country: TAX_COUNTRY, rate_bp: 1234, revision: 2 });
  assert.equal(changed.headers.etag, '"r2"');
  const again = w.person();
  await cartWith(again);
  o = (await checkout(again, 'express')).body;
  assert.equal(o.tax.amount, Math.floor((unit * 1234 + 5000) / 10000));
  assert.equal(o.total.amount, o.subtotal.amount - o.discount.amount + o.shipping.amount + o.tax.amount);

  const all = [];
  for (let cursor = null, pages = 0; pages < 300; pages++) {
    const page = await get(`${TX}?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200, page.text);
    all.push(...page.body.items.map((t) => t.country));
    if (!(cursor = page.body.next_cursor)) break;
  }
  assert.ok(all.includes('DE') && all.includes(TAX_COUNTRY));
  assert.deepEqual(all, [...all].sort());

  assertProblem(await del(`${TX}/${TAX_COUNTRY}`, '"r1"'), 412, 'precondition-failed');
  assert.equal((await del(`${TX}/${TAX_COUNTRY}`, '"r2"')).status, 204);
  assertProblem(await get(`${TX}/${TAX_COUNTRY}`), 404, 'not-found');
  const gone = w.person();
  await cartWith(gone);
  assert.equal((await checkout(gone, 'express')).body.tax.amount, 0, 'no rate, no tax');
});

test('tax rates: every 400/404/409/412/428 and 401/403', async () => {
  const bad = async (body, field) => assertProblem(await create(TX, body), 400, 'validation-error', field);
  await bad({ rate_bp: 100 }, 'country');
  await bad({ country: 'BE' }, 'rate_bp');
  await bad({ country: 'XX', rate_bp: 100 }, 'country');
  await bad({ country: 'BEL', rate_bp: 100 }, 'country');
  await bad({ country: 'BE', rate_bp: 10001 }, 'rate_bp');
  await bad({ country: 'BE', rate_bp: -1 }, 'rate_bp');
  await bad({ country: 'BE', rate_bp: 19.5 }, 'rate_bp');
  await bad({ country: 'BE', rate_bp: 100, vat: true }, 'vat');
  assertProblem(await w.send('POST', TX, { token: admin, body: { country: 'BE', rate_bp: 1 } }), 400, 'validation-error', 'Idempotency-Key');
  const dup = await create(TX, { country: 'de', rate_bp: 1 });
  assertProblem(dup, 409, 'conflict');
  assert.match(dup.body.detail, /DE already exists/);
  assert.equal((await get(`${TX}/DE`)).body.rate_bp, 1900, 'the existing rate is untouched');

  assertProblem(await patch(`${TX}/DE`, { rate_bp: 1 }), 428, 'precondition-required');
  assertProblem(await patch(`${TX}/DE`, { rate_bp: 1 }, '"r999"'), 412, 'precondition-failed');
  assertProblem(await patch(`${TX}/DE`, { country: 'FR', rate_bp: 1 }, '*'), 400, 'validation-error', 'country');
  assertProblem(await patch(`${TX}/DE`, {}, '*'), 400, 'validation-error', 'rate_bp');
  assertProblem(await patch(`${TX}/DE`, { rate_bp: 10001 }, '*'), 400, 'validation-error', 'rate_bp');
  assertProblem(await patch(`${TX}/ZZ`, { rate_bp: 1 }, '*'), 404, 'not-found');
  assertProblem(await patch(`${TX}/ZZ`, { rate_bp: 1 }, '"r1"'), 404, 'not-found');
  assertProblem(await get(`${TX}/ZZ`), 404, 'not-found');
  assertProblem(await del(`${TX}/ZZ`), 404, 'not-found');
  assertProblem(await get(`${TX}/DEU`), 400, 'validation-error', 'country');
  assertProblem(await get(`${TX}/1A`), 400, 'validation-error', 'country');
  assertProblem(await get(`${TX}?limit=101`), 400, 'validation-error', 'limit');
  assertProblem(await get(`${TX}?cursor=abc`), 400, 'validation-error', 'cursor');
  assertProblem(await get(`${TX}?active=true`), 400);
  assert.equal((await get(`${TX}/DE`)).body.rate_bp, 1900);

  const person = w.person();
  assertProblem(await w.send('GET', TX), 401);
  assertProblem(await get(TX, person), 403);
  assertProblem(await get(`${TX}/DE`, person), 403);
  assertProblem(await create(TX, { country: 'BE', rate_bp: 1 }, randomUUID(), person), 403);
  assertProblem(await patch(`${TX}/DE`, { rate_bp: 1 }, '*', person), 403);
  assertProblem(await w.send('DELETE', `${TX}/DE`, { token: person }), 403);
});
