// webhooks.test.mjs — partner webhooks end to end (docs/webhooks.md): staff register
// endpoints (the secret is shown once), order, product and stock events reach a
// receiver of the test's own with a signature it verifies, each event with its own
// id; staff see the deliveries and a replay sends the same event id again.
//
// Runs on a server of its own (lib/orders.mjs) with the test stack's
// WEBHOOK_ALLOW_PRIVATE_TARGETS=1 (the receiver listens on 127.0.0.1).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld, sql } from './lib/orders.mjs';
import { eventsOf, startReceiver, verifySignature, waitFor } from './lib/webhooks.mjs';

const WH = '/v1/admin/webhooks';
const ORDER_EVENTS = ['order.created', 'order.paid', 'order.shipped', 'order.cancelled', 'order.refunded'];

let w;
let admin;
let rx;
const endpoints = [];

before(async () => {
  w = await orderWorld('Webhooks1', {}, 3);
  admin = w.staff();
  rx = await startReceiver();
});

after(async () => {
  for (const id of endpoints) await w.send('DELETE', `${WH}/${id}`, { token: admin });
  await rx?.close();
  await w?.stop();
});

async function register(body, headers = {}) {
  const res = await w.send('POST', WH, { token: admin, body, headers });
  assert.equal(res.status, 201, res.text);
  endpoints.push(res.body.id);
  return res;
}

test('register, read, list, change, rotate the secret and delete an endpoint', async () => {
  const key = randomUUID();
  const body = { url: rx.url, event_types: ['order.created'], description: 'ERP' };
  const res = await register(body, { 'idempotency-key': key });
  const ep = res.body;
  assert.equal(res.headers.location, `${WH}/${ep.id}`);
  assert.equal(res.headers.etag, `"r${ep.revision}"`);
  assert.match(ep.secret, /^whsec_[0-9a-f]{64}$/);
  assert.deepEqual({ ...ep, id: 0, secret: '', created_at: '', updated_at: '' }, {
    id: 0, url: rx.url, event_types: ['order.created'], description: 'ERP', active: true,
    secret: '', revision: 1, created_at: '', updated_at: '',
  });
  // The same key and body replay the first answer (its secret included).
  const again = await w.send('POST', WH, { token: admin, body, headers: { 'idempotency-key': key } });
  assert.equal(again.status, 201);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body.id, ep.id);
  assert.equal(again.body.secret, ep.secret);

  // The secret is never shown again.
  const got = await w.send('GET', `${WH}/${ep.id}`, { token: admin });
  assert.equal(got.status, 200);
  assert.equal(got.body.secret, null);
  assert.equal(got.headers.etag, `"r1"`);
  let listed = [];
  let cursor;
  for (let i = 0; i < 50; i++) {
    const page = await w.send('GET', `${WH}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: admin });
    assert.equal(page.status, 200, page.text);
    listed.push(...page.body.items);
    if (!page.body.next_cursor) break;
    cursor = page.body.next_cursor;
  }
  const mine = listed.find((x) => x.id === ep.id);
  assert.ok(mine, 'the new endpoint is listed');
  assert.equal(mine.secret, null);
  assert.deepEqual(listed.map((x) => x.id), [...listed.map((x) => x.id)].sort((a, b) => b - a), 'newest first');

  const patched = await w.send('PATCH', `${WH}/${ep.id}`, {
    token: admin, headers: { 'if-match': '"r1"' }, body: { description: null, event_types: ['order.paid', 'stock.low'] },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.description, null);
  assert.deepEqual(patched.body.event_types, ['order.paid', 'stock.low']);
  assert.equal(patched.body.secret, null);
  assert.equal(patched.headers.etag, '"r2"');
  assertProblem(await w.send('PATCH', `${WH}/${ep.id}`, {
    token: admin, headers: { 'if-match': '"r1"' }, body: { active: false },
  }), 412, 'precondition-failed');

  const rotated = await w.send('PATCH', `${WH}/${ep.id}`, {
    token: admin, headers: { 'if-match': '"r2"' }, body: { rotate_secret: true },
  });
  assert.equal(rotated.status, 200, rotated.text);
  assert.match(rotated.body.secret, /^whsec_[0-9a-f]{64}$/);
  assert.notEqual(rotated.body.secret, ep.secret);

  const del = await w.send('DELETE', `${WH}/${ep.id}`, { token: admin });
  assert.equal(del.status, 204);
  assertProblem(await w.send('GET', `${WH}/${ep.id}`, { token: admin }), 404, 'not-found');
});

test('order events arrive signed, in order, each with its own id; deliveries list and replay', async () => {
  const res = await register({ url: rx.url, event_types: ORDER_EVENTS });
  const { id, secret } = res.body;
  const person = w.person();
  const order = await w.place('manual', person);
  const cancel = await w.send('POST', `/v1/me/orders/${order.number}/cancel`, { token: person });
  assert.equal(cancel.status, 200, cancel.text);
  const mine = () => eventsOf(rx, 'number', order.number).filter((r) => r.path === '/hook'
    && verifySignature(secret, r.headers['storefront-signature'], r.body));
  await waitFor(() => mine().length >= 2, 'order.created and order.cancelled');
  const evs = mine();
  assert.deepEqual(evs.map((r) => r.event.type), ['order.created', 'order.cancelled'], 'in order');
  for (const r of evs) {
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['storefront-event-id'], r.event.id);
    assert.match(r.event.id, /^[0-9a-f-]{36}$/);
    assert.ok(Number.isInteger(r.event.created));
    assert.deepEqual(Object.keys(r.event).sort(), ['created', 'data', 'id', 'type']);
    assert.equal(r.event.data.object.number, order.number);
  }
  assert.equal(evs[1].event.data.object.status, 'cancelled');
  assert.notEqual(evs[0].event.id, evs[1].event.id, 'every event has its own id');
  // A wrong secret does not verify: the check above can fail.
  assert.equal(verifySignature(`${secret}x`, evs[0].headers['storefront-signature'], evs[0].body), false);

  // Staff see the deliveries, newest first, and can filter by state.
  const list = await w.send('GET', `${WH}/${id}/deliveries?state=sent&limit=100`, { token: admin });
  assert.equal(list.status, 200, list.text);
  const created = list.body.items.find((d) => d.event_id === evs[0].event.id);
  assert.ok(created, 'the delivered order.created is listed as sent');
  assert.equal(created.state, 'sent');
  assert.equal(created.last_status, 200);
  assert.equal(created.resource, `order:${order.number}`);
  assert.ok(created.attempts >= 1);
  const pending = await w.send('GET', `${WH}/${id}/deliveries?state=pending`, { token: admin });
  assert.ok(pending.body.items.every((d) => d.state === 'pending'));
  const one = await w.send('GET', `${WH}/${id}/deliveries/${created.id}`, { token: admin });
  assert.equal(one.status, 200);
  assert.deepEqual(one.body.payload.object.number, order.number);

  const replay = await w.send('POST', `${WH}/${id}/deliveries/${created.id}/replay`, { token: admin });
  assert.equal(replay.status, 202, replay.text);
  assert.equal(replay.body.replay_of, created.id);
  assert.equal(replay.body.event_id, created.event_id);
  assert.notEqual(replay.body.id, created.id);
  await waitFor(() => mine().filter((r) => r.event.id === created.event_id).length >= 2, 'the replay');
  // Another endpoint's delivery is not this endpoint's.
  const other = await register({ url: rx.url, event_types: ['stock.low'] });
  assertProblem(await w.send('GET', `${WH}/${other.body.id}/deliveries/${created.id}`, { token: admin }), 404, 'not-found');
  assertProblem(await w.send('POST', `${WH}/${other.body.id}/deliveries/${created.id}/replay`, { token: admin }), 404, 'not-found');
});

test('product.updated and stock.low reach an endpoint that subscribes to them', async () => {
  const path = `/catalog-${randomUUID()}`;
  const rx2 = await startReceiver(path);
  try {
    const res = await register({ url: rx2.url, event_types: ['product.updated', 'stock.low'] });
    const { secret } = res.body;
    // An inactive product's variant, so no other test's cart or checkout is touched.
    const row = sql(`SELECT v.id || ',' || v.product_id || ',' || v.stock FROM product_variants v
      JOIN products p ON p.id = v.product_id ORDER BY p.active, v.id DESC LIMIT 1`).split(',').map(Number);
    const [variantId, productId, stock] = row;
    const prod = await w.send('GET', `/v1/admin/products/${productId}`, { token: admin });
    assert.equal(prod.status, 200, prod.text);
    const upd = await w.send('PATCH', `/v1/admin/products/${productId}`, {
      token: admin, headers: { 'if-match': '*' }, body: { name: prod.body.name },
    });
    assert.equal(upd.status, 200, upd.text);
    const threshold = Number(sql('SELECT stock_low_threshold FROM shop_settings'));
    sql(`UPDATE product_variants SET stock = ${threshold + 10} WHERE id = ${variantId}`);
    sql(`UPDATE product_variants SET stock = ${threshold} WHERE id = ${variantId}`);
    sql(`UPDATE product_variants SET stock = ${stock} WHERE id = ${variantId}`);
    const ok = (r) => verifySignature(secret, r.headers['storefront-signature'], r.body);
    const product = await waitFor(() => rx2.received.find((r) => ok(r) && r.event?.type === 'product.updated'
      && r.event.data.object.id === productId), 'product.updated');
    assert.equal(product.event.data.object.revision, upd.body.revision);
    const low = await waitFor(() => rx2.received.find((r) => ok(r) && r.event?.type === 'stock.low'
      && r.event.data.object.variant_id === variantId), 'stock.low');
    assert.equal(low.event.data.object.stock, threshold);
    assert.equal(low.event.data.object.threshold, threshold);
    assert.ok(rx2.received.every((r) => ['product.updated', 'stock.low'].includes(r.event?.type)),
      'only the subscribed types');
  } finally {
    await rx2.close();
  }
});
