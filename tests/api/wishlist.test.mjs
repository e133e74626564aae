// wishlist.test.mjs — the signed-in shopper's saved products (/v1/me/wishlist): save
// and remove are idempotent (204 every time), the list shows each product's current
// price and availability newest saved first in keyset pages, a product taken out of the
// storefront leaves the list and comes back, the guest list merges at sign-in (unknown
// ids skipped, at most 100), nobody sees another's list, and every 4xx.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertProblem, qs } from './lib/helpers.mjs';
import { orderWorld, sql } from './lib/orders.mjs';

let w;
let products; // active products [{id, slug, name, price, currency, in_stock}], several

before(async () => {
  w = await orderWorld('Wishlist1');
  products = sql(`SELECT id, slug, price_amount, currency, in_stock FROM products WHERE active
    ORDER BY id LIMIT 30`).split('\n').map((line) => {
    const [id, slug, price, currency, inStock] = line.split('|');
    return { id: Number(id), slug, price: Number(price), currency, in_stock: inStock === 't' };
  });
  assert.ok(products.length >= 30, 'the catalog needs 30 active products');
});

after(async () => {
  if (w) await w.stop();
});

const put = (token, id) => w.send('PUT', `/v1/me/wishlist/${id}`, { token });
const del = (token, id) => w.send('DELETE', `/v1/me/wishlist/${id}`, { token });
const get = (token, params = {}) => w.send('GET', `/v1/me/wishlist${qs(params)}`, { token });
const merge = (token, body) => w.send('POST', '/v1/me/wishlist/merge', { token, body });

test('save is idempotent, the list is newest first with current price and availability', async () => {
  const t = w.person();
  let res = await get(t);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { items: [], next_cursor: null });
  assert.equal(res.headers['cache-control'], 'private, no-store');
  for (const p of products.slice(0, 3)) {
    for (let i = 0; i < 2; i++) {
      res = await put(t, p.id);
      assert.equal(res.status, 204, res.text);
      assert.equal(res.text, '');
    }
  }
  res = await get(t);
  assert.deepEqual(res.body.items.map((x) => x.product_id), [products[2].id, products[1].id, products[0].id]);
  const item = res.body.items[2];
  const p0 = products[0];
  assert.equal(item.slug, p0.slug);
  assert.deepEqual(item.price, { amount: p0.price, currency: p0.currency });
  assert.equal(item.in_stock, p0.in_stock);
  assert.ok(item.name && item.saved_at);

  // Removing is idempotent too.
  assert.equal((await del(t, products[1].id)).status, 204);
  assert.equal((await del(t, products[1].id)).status, 204);
  assert.equal((await del(t, 9007199254740991)).status, 204);
  res = await get(t);
  assert.deepEqual(res.body.items.map((x) => x.product_id), [products[2].id, products[0].id]);

  // Another person sees only their own list, and cannot remove from this one.
  const other = w.person();
  assert.equal((await del(other, products[0].id)).status, 204);
  assert.deepEqual((await get(other)).body.items, []);
  assert.equal((await get(t)).body.items.length, 2);
});

test('a product out of the storefront cannot be saved and is not listed; prices are read live', async () => {
  // A product of our own, never active, so the shared catalog other tests read is untouched.
  const slug = `wishlist-hidden-${Date.now()}`;
  const hidden = Number(sql(`INSERT INTO products (slug, name, brand_id, active)
    VALUES ('${slug}', 'Hidden thing', (SELECT min(id) FROM brands), false) RETURNING id`).split('\n')[0]);
  try {
    const t = w.person();
    const me = await w.send('GET', '/v1/me', { token: t });
    assert.equal(me.status, 200, me.text);
    assertProblem(await put(t, hidden), 404, 'not-found');
    assert.equal((await put(t, products[5].id)).status, 204);
    // Saved while it was in the storefront (as if it was taken out since): not listed.
    sql(`INSERT INTO wishlist_items (customer_id, product_id) VALUES (${me.body.id}, ${hidden})`);
    const items = (await get(t)).body.items;
    assert.deepEqual(items.map((x) => x.product_id), [products[5].id]);
    assert.equal(items[0].price.amount, Number(sql(`SELECT price_amount FROM products WHERE id = ${products[5].id}`)));
    assert.equal((await del(t, hidden)).status, 204);
    assert.equal(Number(sql(`SELECT count(*) FROM wishlist_items WHERE product_id = ${hidden}`)), 0);
  } finally {
    sql(`DELETE FROM products WHERE id = ${hidden}`);
  }
});

test('keyset pages: every saved product exactly once, cursor bound to its owner', async () => {
  const t = w.person();
  const ids = products.slice(0, 25).map((p) => p.id);
  for (const id of ids) assert.equal((await put(t, id)).status, 204);
  const seen = [];
  let cursor;
  for (let pages = 0; pages < 10; pages++) {
    const res = await get(t, { limit: 10, cursor });
    assert.equal(res.status, 200, res.text);
    seen.push(...res.body.items.map((x) => x.product_id));
    cursor = res.body.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen, [...ids].reverse());
  const c = (await get(t, { limit: 10 })).body.next_cursor;
  assertProblem(await get(w.person(), { cursor: c }), 400, 'validation-error', 'cursor');
  assertProblem(await get(t, { cursor: 'garbage' }), 400, 'validation-error', 'cursor');
  assertProblem(await get(t, { limit: 0 }), 400, 'validation-error', 'limit');
  assertProblem(await get(t, { limit: 101 }), 400, 'validation-error', 'limit');
  assertProblem(await get(t, { sort: 'name' }), 400);
});

test('merge at sign-in: known ids saved once, unknown skipped, duplicates fine, idempotent', async () => {
  const t = w.person();
  assert.equal((await put(t, products[10].id)).status, 204);
  const ids = [products[11].id, products[12].id, products[10].id, products[11].id, 9007199254740991];
  let res = await merge(t, { product_ids: ids });
  assert.equal(res.status, 200, res.text);
  const got = res.body.items.map((x) => x.product_id).sort((a, b) => a - b);
  assert.deepEqual(got, [products[10].id, products[11].id, products[12].id]);
  res = await merge(t, { product_ids: ids });
  assert.equal(res.body.items.length, 3, 'merging again changes nothing');
  res = await merge(t, undefined);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.items.length, 3, 'no body: nothing to merge');
  res = await merge(t, { product_ids: [] });
  assert.equal(res.body.items.length, 3);

  // Concurrent saves and merges of the same products: one row each.
  const u = w.person();
  const same = products.slice(15, 20).map((p) => p.id);
  const all = await Promise.all([
    ...same.map((id) => put(u, id)), ...same.map((id) => put(u, id)),
    merge(u, { product_ids: same }), merge(u, { product_ids: same }),
  ]);
  for (const r of all) assert.ok([200, 204].includes(r.status), `${r.status} ${r.text}`);
  assert.equal((await get(u)).body.items.length, 5);
});

test('every bad request: 400 naming the field, 401 without a token, 404 unknown product, 415', async () => {
  const t = w.person();
  for (const bad of ['abc', '0', '-1', '01', '1.5', '9007199254740992', '99999999999999999999']) {
    assertProblem(await put(t, bad), 400, 'validation-error', 'product_id');
    assertProblem(await del(t, bad), 400, 'validation-error', 'product_id');
  }
  assertProblem(await put(t, 9007199254740991), 404, 'not-found');
  assertProblem(await put(undefined, products[0].id), 401);
  assertProblem(await del(undefined, products[0].id), 401);
  assertProblem(await get(undefined), 401);
  assertProblem(await merge(undefined, { product_ids: [] }), 401);
  const badMerges = [
    [{}, 'product_ids'],
    [{ product_ids: 'x' }, 'product_ids'],
    [{ product_ids: [1, 'two'] }, 'product_ids'],
    [{ product_ids: [0] }, 'product_ids'],
    [{ product_ids: [1.5] }, 'product_ids'],
    [{ product_ids: Array.from({ length: 101 }, (_, i) => i + 1) }, 'product_ids'],
    [{ product_ids: [], extra: true }, 'extra'],
  ];
  for (const [body, field] of badMerges) {
    assertProblem(await merge(t, body), 400, 'validation-error', field);
  }
  assertProblem(await merge(t, '[1, 2]'), 400);
  assertProblem(await merge(t, '{"product_ids": ['), 400);
  assertProblem(await w.send('POST', '/v1/me/wishlist/merge', {
    token: t, body: 'product_ids=1', headers: { 'content-type': 'text/plain' },
  }), 415);
  assert.deepEqual((await get(t)).body.items, [], 'nothing was saved by a refused request');
});
