// inventory-ledger.test.mjs — the ledger always sums to the stock (issue #11 item 3):
// a storm of concurrent checkouts by several shoppers, customer cancels, staff
// adjustments (some retried with their Idempotency-Key at the same time) and a staff
// set, all on the same two variants; then, by SQL, every variant's sum(delta) equals
// its stock, the final stock is what the successful operations imply, and every row
// says why: checkout and cancel rows name their order and shopper, adjustments their
// staff member and note, and each retried adjustment was applied once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { orderWorld, sql, stockOf } from './lib/orders.mjs';

const ADDRESS = { name: 'Grace Hopper', line1: '2 Side St', city: 'Berlin', postal_code: '10115', country: 'DE' };
const SHOPPERS = 8;
let w;
let a;
let b;
let restoreB;

before(async () => {
  // Offset 3 of orderWorld's ascending list, and b from the other end: variants no other
  // suite buys or sets (their offsets shift only when a lower variant runs low).
  w = await orderWorld('Ledger1', { DB_POOL_SIZE: '8' }, 3);
  a = w.variant.id;
  b = Number(sql(`SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id AND p.active
    WHERE v.active AND v.currency = 'USD' AND v.stock >= 50 ORDER BY v.id DESC LIMIT 1`));
  restoreB = stockOf(b);
});

after(async () => {
  if (b) sql(`UPDATE product_variants SET stock = ${restoreB} WHERE id = ${b}`);
  if (w) await w.stop();
});

/** One shopper: a cart with 1 of a and 2 of b, checkout; cancels when asked. */
async function shopper(cancel) {
  const token = w.person();
  for (const [id, quantity] of [[a, 1], [b, 2]]) {
    const res = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: id, quantity } });
    assert.equal(res.status, 200, res.text);
  }
  const res = await w.send('POST', '/v1/checkout', {
    token, headers: { 'idempotency-key': randomUUID() },
    body: { shipping_address: ADDRESS, shipping_method: 'standard', payment_method: 'manual' },
  });
  assert.equal(res.status, 201, res.text);
  if (cancel) {
    const c = await w.send('POST', `/v1/me/orders/${res.body.number}/cancel`, { token });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.status, 'cancelled');
  }
  return { number: res.body.number, cancelled: cancel };
}

/** One staff adjustment sent `copies` times at once with the same key: applied once. */
async function adjustment(staff, id, delta, note, copies) {
  const key = randomUUID();
  const results = await Promise.all(Array.from({ length: copies }, () => w.send('POST',
    `/v1/admin/variants/${id}/stock/adjustments`,
    { token: staff, body: { delta, note }, headers: { 'idempotency-key': key } })));
  for (const r of results) assert.ok(r.status === 201 || r.status === 409, `${r.status} ${r.text}`);
  assert.ok(results.some((r) => r.status === 201), 'one copy applies');
  return { id, delta, note };
}

test('concurrent checkouts, cancels and adjustments: the ledger sums to the stock and says why', async () => {
  const staff = [w.staff(), w.staff()];
  const startA = stockOf(a);
  const startB = stockOf(b);
  const startId = Number(sql('SELECT coalesce(max(id), 0) FROM stock_movements'));
  const tag = randomUUID().slice(0, 8);
  const jobs = [];
  for (let i = 0; i < SHOPPERS; i++) jobs.push(shopper(i % 2 === 0));
  for (let i = 0; i < 6; i++) {
    jobs.push(adjustment(staff[i % 2], i % 3 ? a : b, i % 2 ? -1 : 4, `storm ${tag} #${i}`, 1 + (i % 3)));
  }
  const results = await Promise.all(jobs);
  const orders = results.filter((r) => r.number);
  const adjustments = results.filter((r) => r.note);

  // Every variant, not only these two: sum(delta) = stock.
  assert.equal(sql(`SELECT count(*) FROM product_variants v
    WHERE v.stock <> coalesce((SELECT sum(delta) FROM stock_movements m WHERE m.variant_id = v.id), 0)`), '0');

  // The stock is what the operations that succeeded imply.
  const kept = orders.filter((o) => !o.cancelled).length;
  const adj = (id) => adjustments.filter((x) => x.id === id).reduce((s, x) => s + x.delta, 0);
  assert.equal(stockOf(a), startA - kept + adj(a));
  assert.equal(stockOf(b), startB - 2 * kept + adj(b));

  // Checkout and cancel rows name their order and its shopper.
  const numbers = orders.map((o) => `'${o.number}'`).join(',');
  const rows = JSON.parse(sql(`SELECT coalesce(json_agg(json_build_object('reason', m.reason, 'number', o.number,
      'variant', m.variant_id, 'delta', m.delta, 'shopper', m.actor_id = o.customer_id) ORDER BY m.id), '[]')
    FROM stock_movements m JOIN orders o ON o.id = m.order_id WHERE o.number IN (${numbers})`));
  for (const o of orders) {
    const mine = rows.filter((r) => r.number === o.number);
    const expect = [['checkout', a, -1], ['checkout', b, -2]];
    if (o.cancelled) expect.push(['cancel', a, 1], ['cancel', b, 2]);
    assert.deepEqual(mine.map((r) => [r.reason, r.variant, r.delta]).sort(), expect.sort(), o.number);
    assert.ok(mine.every((r) => r.shopper), `${o.number}: every row names the shopper`);
  }
  assert.equal(sql(`SELECT count(*) FROM stock_movements WHERE id > ${startId} AND variant_id IN (${a}, ${b})
    AND reason IN ('checkout', 'cancel') AND (order_id IS NULL OR actor_id IS NULL)`), '0');

  // Adjustments: one row each (retries applied once), with the staff member and the note.
  for (const x of adjustments) {
    const row = sql(`SELECT count(*) || ' ' || min(delta) || ' ' || bool_and(actor_id IS NOT NULL) || ' ' || min(reason::text)
      FROM stock_movements WHERE note = '${x.note}' AND variant_id = ${x.id}`);
    assert.equal(row, `1 ${x.delta} true adjustment`, x.note);
  }

  // Nothing in the storm was left unattributed.
  assert.equal(sql(`SELECT count(*) FROM stock_movements WHERE id > ${startId} AND variant_id IN (${a}, ${b})
    AND reason = 'external'`), '0');
});
