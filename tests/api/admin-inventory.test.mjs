// admin-inventory.test.mjs — staff stock routes (docs/inventory.md): GET/PUT
// /v1/admin/variants/{id}/stock (ETag, If-Match: 428, 412, lost update refused),
// POST …/stock/adjustments (Idempotency-Key: replay applies once, 422 on another body;
// below zero is 409 with the stock in the detail), GET …/stock/movements and GET
// /v1/admin/inventory/low-stock (keyset pages, cursors bound to their list), every
// 400/401/403/404, and the ledger rows of staff cancels and refunds.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem, qs } from './lib/helpers.mjs';
import { orderWorld, sql, stockOf } from './lib/orders.mjs';

const MISSING = 9007199254740990;
let w;
let admin;
let vid;

before(async () => {
  w = await orderWorld('Inventory1', {}, 5);
  admin = w.staff();
  vid = w.variant.id;
});

after(async () => {
  if (w) await w.stop();
});

const stockUrl = (id = vid) => `/v1/admin/variants/${id}/stock`;
const get = (path, token = admin) => w.send('GET', path, { token });
const put = (body, ifMatch, id = vid, token = admin) => w.send('PUT', stockUrl(id), {
  token, body, headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
});
// key null: no Idempotency-Key header.
const adjust = (body, key = randomUUID(), id = vid, token = admin) => w.send('POST', `${stockUrl(id)}/adjustments`, {
  token, body, headers: key === null ? {} : { 'idempotency-key': key },
});
const ledgerSum = (id) => Number(sql(`SELECT coalesce(sum(delta), 0) FROM stock_movements WHERE variant_id = ${Number(id)}`));

test('every route: 401 without a token, 403 for a shopper, 400 for a malformed id, 404 for an unknown variant', async () => {
  const shopper = w.person();
  const routes = [
    ['GET', stockUrl()], ['PUT', stockUrl()], ['POST', `${stockUrl()}/adjustments`],
    ['GET', `${stockUrl()}/movements`], ['GET', '/v1/admin/inventory/low-stock'],
  ];
  for (const [method, path] of routes) {
    const body = method === 'GET' ? undefined : {};
    assertProblem(await w.send(method, path, { body }), 401);
    assertProblem(await w.send(method, path, { token: shopper, body }), 403, 'forbidden');
    if (path.includes(String(vid))) {
      assertProblem(await w.send(method, path.replace(String(vid), '12x'), { token: admin, body }), 400, 'validation-error', 'id');
    }
  }
  assertProblem(await get(stockUrl(MISSING)), 404, 'not-found');
  assertProblem(await put({ stock: 1 }, '*', MISSING), 404, 'not-found');
  assertProblem(await adjust({ delta: 1, note: 'x' }, randomUUID(), MISSING), 404, 'not-found');
  assertProblem(await get(`${stockUrl(MISSING)}/movements`), 404, 'not-found');
});

test('GET stock answers the stock and the revision ETag; PUT needs If-Match (428), refuses a stale one (412), moves the revision', async () => {
  const first = await get(stockUrl());
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.variant_id, vid);
  assert.equal(first.body.stock, stockOf(vid));
  const etag = first.headers.etag;
  assert.match(etag, /^"r[1-9][0-9]*"$/);

  assertProblem(await put({ stock: 40 }), 428, 'precondition-required');
  assertProblem(await put({ stock: 40 }, '"r999999"'), 412, 'precondition-failed');
  assertProblem(await put({ stock: 40 }, 'W/"r1"'), 412, 'precondition-failed');
  assert.equal(stockOf(vid), first.body.stock, 'a refused set changes nothing');

  const set = await put({ stock: 40, note: 'stocktake\naisle 4' }, etag);
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.stock, 40);
  assert.equal(stockOf(vid), 40);
  assert.notEqual(set.headers.etag, etag, 'a set that changes the stock moves the revision');
  const m = set.body.movement;
  assert.equal(m.reason, 'set');
  assert.equal(m.delta, 40 - first.body.stock);
  assert.equal(m.stock_after, 40);
  assert.equal(m.note, 'stocktake\naisle 4');
  assert.equal(m.order_number, null);
  assert.ok(m.actor && m.actor.id > 0, 'the staff member is the actor');

  // Two staff members read the same version; the second write is refused (lost update).
  assertProblem(await put({ stock: 41 }, etag), 412, 'precondition-failed');
  assert.equal(stockOf(vid), 40);

  const same = await put({ stock: 40 }, set.headers.etag);
  assert.equal(same.status, 200, same.text);
  assert.equal(same.body.movement, null, 'setting the stock it has writes no movement');
  assert.equal(same.headers.etag, set.headers.etag, 'and keeps the revision');
  const any = await put({ stock: 45, note: null }, '*');
  assert.equal(any.status, 200, any.text);
  assert.equal(any.body.movement.delta, 5);
  assert.equal(ledgerSum(vid), stockOf(vid));
});

test('PUT stock: every bad body is a 400 naming the field; a non-JSON body is 415', async () => {
  const cases = [
    [{}, 'stock'], [{ stock: -1 }, 'stock'], [{ stock: 1000000001 }, 'stock'], [{ stock: '5' }, 'stock'],
    [{ stock: 1.5 }, 'stock'], [{ stock: 5, note: '' }, 'note'], [{ stock: 5, note: 'x'.repeat(501) }, 'note'],
    [{ stock: 5, note: 'evil\u202Etxt' }, 'note'], [{ stock: 5, note: 'zero\u200Bwidth' }, 'note'],
    [{ stock: 5, note: 7 }, 'note'], [{ stock: 5, extra: 1 }, 'extra'],
  ];
  for (const [body, field] of cases) {
    assertProblem(await put(body, '*'), 400, 'validation-error', field);
  }
  assertProblem(await put('[1]', '*'), 400, 'bad-request');
  assertProblem(await put('{"stock":', '*'), 400, 'bad-request');
  assertProblem(await w.send('PUT', stockUrl(), {
    token: admin, body: 'stock=1', headers: { 'if-match': '*', 'content-type': 'text/plain' },
  }), 415);
  const ok = await put({ stock: 500, note: 'x'.repeat(500) }, '*');
  assert.equal(ok.status, 200, ok.text);
});

test('adjustments: 201 with the movement; a retry with the key replays and applies once; another body 422; below zero 409', async () => {
  const start = stockOf(vid);
  const key = randomUUID();
  const res = await adjust({ delta: -3, note: 'damaged in transit' }, key);
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.reason, 'adjustment');
  assert.equal(res.body.delta, -3);
  assert.equal(res.body.stock_after, start - 3);
  assert.equal(res.body.note, 'damaged in transit');
  assert.ok(res.body.actor.id > 0);
  assert.equal(res.headers.location, `${stockUrl()}/movements`);
  const again = await adjust({ note: 'damaged in transit', delta: -3 }, key);
  assert.equal(again.status, 201, again.text);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.deepEqual(again.body, res.body);
  assert.equal(stockOf(vid), start - 3, 'a replayed adjustment is not applied twice');
  assertProblem(await adjust({ delta: -4, note: 'damaged in transit' }, key), 422, 'idempotency-key-reused');
  // The same key on another variant's adjustments is another request.
  const other = Number(sql(`SELECT id FROM product_variants WHERE id <> ${vid} AND active ORDER BY id LIMIT 1`));
  assertProblem(await adjust({ delta: -3, note: 'damaged in transit' }, key, other), 422, 'idempotency-key-reused');

  const now = stockOf(vid);
  const over = await adjust({ delta: -(now + 1), note: 'write-off' });
  assertProblem(over, 409, 'conflict');
  assert.match(over.body.detail, new RegExp(`\\b${now}\\b`), 'the detail says how many are in stock');
  assert.equal(stockOf(vid), now);
  const all = await adjust({ delta: -now, note: 'write-off' });
  assert.equal(all.status, 201, all.text);
  assert.equal(all.body.stock_after, 0);
  const back = await adjust({ delta: now + 10, note: 'delivery from the supplier' });
  assert.equal(back.body.stock_after, now + 10);
  assert.equal(ledgerSum(vid), stockOf(vid));
});

test('adjustments: every bad request is a 400 naming the field or header', async () => {
  assertProblem(await adjust({ delta: 1, note: 'x' }, null), 400, 'validation-error', 'Idempotency-Key');
  assertProblem(await adjust({ delta: 1, note: 'x' }, 'k'.repeat(256)), 400, 'validation-error', 'Idempotency-Key');
  const cases = [
    [{ note: 'x' }, 'delta'], [{ delta: 0, note: 'x' }, 'delta'], [{ delta: '1', note: 'x' }, 'delta'],
    [{ delta: 1000000001, note: 'x' }, 'delta'], [{ delta: 1 }, 'note'], [{ delta: 1, note: '' }, 'note'],
    [{ delta: 1, note: null }, 'note'], [{ delta: 1, note: 'x'.repeat(501) }, 'note'],
    [{ delta: 1, note: 'a\u202Eb' }, 'note'], [{ delta: 1, note: 'bell\u0007' }, 'note'],
    [{ delta: 1, note: 'x', reason: 'y' }, 'reason'],
  ];
  for (const [body, field] of cases) {
    assertProblem(await adjust(body), 400, 'validation-error', field);
  }
  assertProblem(await adjust('"text"'), 400, 'bad-request');
});

test('movements: newest first, keyset pages to the end, cursor bound to the variant; bad limit/cursor 400', async () => {
  for (let i = 1; i <= 3; i++) {
    assert.equal((await adjust({ delta: i, note: `page ${i}` })).status, 201);
  }
  const seen = [];
  let cursor;
  for (let pages = 0; pages < 100; pages++) {
    const res = await get(`${stockUrl()}/movements${qs({ limit: 2, cursor })}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.items.length <= 2);
    seen.push(...res.body.items);
    if (!res.body.next_cursor) break;
    cursor = res.body.next_cursor;
  }
  assert.deepEqual(seen.slice(0, 3).map((m) => m.note), ['page 3', 'page 2', 'page 1']);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].id < seen[i - 1].id, 'newest first, no repeats');
  assert.equal(seen.length, Number(sql(`SELECT count(*) FROM stock_movements WHERE variant_id = ${vid}`)));
  assert.equal(seen.reduce((s, m) => s + m.delta, 0), stockOf(vid), 'the ledger sums to the stock');
  assert.equal(seen[0].stock_after, stockOf(vid));

  const first = await get(`${stockUrl()}/movements?limit=1`);
  const other = Number(sql(`SELECT id FROM product_variants WHERE id <> ${vid} ORDER BY id LIMIT 1`));
  assertProblem(await get(`${stockUrl(other)}/movements${qs({ cursor: first.body.next_cursor })}`), 400, 'validation-error', 'cursor');
  assertProblem(await get(`${stockUrl()}/movements?cursor=bm9wZQ`), 400, 'validation-error', 'cursor');
  assertProblem(await get(`${stockUrl()}/movements?limit=0`), 400, 'validation-error', 'limit');
  assertProblem(await get(`${stockUrl()}/movements?limit=101`), 400, 'validation-error', 'limit');
  assertProblem(await get(`${stockUrl()}/movements?threshold=1`), 400);
});

test('low-stock: lowest first with product, keyset pages, default threshold 5, cursor bound to the threshold', async () => {
  const restore = stockOf(vid);
  try {
    assert.equal((await put({ stock: 1, note: 'low-stock test' }, '*')).status, 200);
    const seen = [];
    let cursor;
    for (let pages = 0; pages < 200; pages++) {
      const res = await get(`/v1/admin/inventory/low-stock${qs({ threshold: 1, limit: 7, cursor })}`);
      assert.equal(res.status, 200, res.text);
      seen.push(...res.body.items);
      if (!res.body.next_cursor) break;
      cursor = res.body.next_cursor;
    }
    for (const v of seen) assert.ok(v.stock <= 1);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      assert.ok(a.stock < b.stock || (a.stock === b.stock && a.variant_id < b.variant_id), 'lowest first, then by id');
    }
    const mine = seen.find((v) => v.variant_id === vid);
    assert.ok(mine, 'the variant just set to 1 is listed');
    const p = JSON.parse(sql(`SELECT json_build_object('id', p.id, 'slug', p.slug, 'name', p.name)
      FROM products p JOIN product_variants v ON v.product_id = p.id WHERE v.id = ${vid}`));
    assert.deepEqual(mine.product, p);
    assert.equal(seen.length, Number(sql(`SELECT count(*) FROM product_variants v JOIN products p ON p.id = v.product_id
      WHERE v.active AND p.archived_at IS NULL AND v.stock <= 1`)));

    const dflt = await get('/v1/admin/inventory/low-stock?limit=100');
    for (const v of dflt.body.items) assert.ok(v.stock <= 5);
    const one = await get('/v1/admin/inventory/low-stock?threshold=1&limit=1');
    assertProblem(await get(`/v1/admin/inventory/low-stock${qs({ threshold: 2, limit: 1, cursor: one.body.next_cursor })}`),
      400, 'validation-error', 'cursor');
    for (const bad of ['threshold=-1', 'threshold=x', 'threshold=1000000001', 'limit=0', 'cursor=', 'sort=stock']) {
      assertProblem(await get(`/v1/admin/inventory/low-stock?${bad}`), 400);
    }
  } finally {
    await put({ stock: restore }, '*');
  }
});

test('staff cancel and refund before shipping return the stock with their reason, order and actor; a refund after shipping does not', async () => {
  const cancelled = await w.place('manual', w.person(), 2);
  const before = stockOf(vid);
  let res = await w.send('POST', `/v1/admin/orders/${cancelled.number}/transitions`, { token: admin, body: { action: 'cancel' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(stockOf(vid), before + 2);
  const row = (await get(`${stockUrl()}/movements?limit=1`)).body.items[0];
  assert.deepEqual([row.reason, row.delta, row.order_number], ['cancel', 2, cancelled.number]);
  assert.ok(row.actor.id > 0);

  const refunded = await w.place('manual', w.person(), 3);
  const act = (number, action, extra = {}) => w.send('POST', `/v1/admin/orders/${number}/transitions`,
    { token: admin, body: { action, ...extra } });
  await act(refunded.number, 'mark_paid');
  const mid = stockOf(vid);
  assert.equal((await act(refunded.number, 'refund')).body.status, 'refunded');
  assert.equal(stockOf(vid), mid + 3, 'a refund before shipping returns the goods to stock');
  const r = (await get(`${stockUrl()}/movements?limit=1`)).body.items[0];
  assert.deepEqual([r.reason, r.delta, r.order_number], ['refund', 3, refunded.number]);

  const shipped = await w.place('manual', w.person(), 1);
  await act(shipped.number, 'mark_paid');
  await act(shipped.number, 'fulfil');
  await act(shipped.number, 'ship', { tracking_number: 'T-1' });
  const out = stockOf(vid);
  assert.equal((await act(shipped.number, 'refund')).body.status, 'refunded');
  assert.equal(stockOf(vid), out, 'goods that shipped are not back on the shelf');
  const checkout = sql(`SELECT m.reason || ' ' || m.delta || ' ' || (m.actor_id = o.customer_id)
    FROM stock_movements m JOIN orders o ON o.id = m.order_id WHERE o.number = '${shipped.number}'`);
  assert.equal(checkout, 'checkout -1 true', 'the checkout row names the shopper and the order');
  assert.equal(ledgerSum(vid), stockOf(vid));
});
