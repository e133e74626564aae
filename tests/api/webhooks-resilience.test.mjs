// webhooks-resilience.test.mjs — a partner that is down, answers 500, hangs past the
// sender's timeout, or closes the socket loses nothing: once it recovers, every event
// arrives with a valid signature, a resource's events in order (the younger event is
// never even attempted before the older one was accepted), and staff see every
// delivery as sent. The test stack's short retry cap (WEBHOOK_BACKOFF_MAX_SECONDS=2,
// WEBHOOK_TIMEOUT_MS=3000 in localstack/test.sh) keeps the retries within the test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { orderWorld } from './lib/orders.mjs';
import { startReceiver, verifySignature, waitFor } from './lib/webhooks.mjs';

const WH = '/v1/admin/webhooks';
let w;
let admin;
let rx;
let ep;

before(async () => {
  w = await orderWorld('WebhooksRes1', {}, 4);
  admin = w.staff();
  rx = await startReceiver('/resilient');
  await rx.down(); // the partner is down from the start (its port is kept for up())
});

after(async () => {
  if (ep) await w.send('DELETE', `${WH}/${ep.id}`, { token: admin });
  await rx?.close().catch(() => {});
  await w?.stop();
});

let resources = new Set();

/** This test's deliveries (the endpoint also gets orders other tests place meanwhile). */
async function deliveries() {
  const items = [];
  let cursor;
  for (let page = 0; page < 100; page++) {
    const res = await w.send('GET', `${WH}/${ep.id}/deliveries?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token: admin });
    assert.equal(res.status, 200, res.text);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    if (!cursor) break;
  }
  return items.filter((d) => resources.has(d.resource));
}

test('down, 500, timeout, closed socket: every event delivered after recovery, in order', async () => {
  const res = await w.send('POST', WH, { token: admin, body: { url: rx.url, event_types: ['order.created', 'order.cancelled'] } });
  assert.equal(res.status, 201, res.text);
  ep = res.body;
  const person = w.person();
  const orders = [];
  for (let i = 0; i < 3; i++) orders.push(await w.place('manual', person));
  const cancel = await w.send('POST', `/v1/me/orders/${orders[0].number}/cancel`, { token: person });
  assert.equal(cancel.status, 200, cancel.text);
  const numbers = new Set(orders.map((o) => o.number));
  resources = new Set(orders.map((o) => `order:${o.number}`));
  const mine = () => rx.received.filter((r) => numbers.has(r.event?.data?.object?.number));

  // Down: attempts fail (connection refused) and are retried; nothing is lost.
  let rows;
  for (let i = 0; i < 600; i++) {
    rows = await deliveries();
    if (rows.length >= 4 && rows.some((d) => d.attempts >= 2)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(rows.length, 4, 'three order.created and one order.cancelled');
  assert.ok(rows.every((d) => d.state === 'pending'), 'still pending while the partner is down');
  assert.ok(rows.some((d) => d.attempts >= 2 && d.last_status === null && d.last_error),
    `retried with the connection error recorded: ${JSON.stringify(rows.map((d) => [d.attempts, d.last_error]))}`);

  for (const mode of ['fail', 'hang', 'close']) {
    rx.setMode(mode);
    if (mode === 'fail') await rx.up();
    await waitFor(() => mine().some((r) => r.mode === mode), `a delivery while the partner is in ${mode} mode`);
  }
  const failed = await deliveries();
  assert.ok(failed.some((d) => d.last_status === 500 || d.last_error), 'failures are recorded');
  assert.ok(failed.every((d) => d.state === 'pending'));

  rx.setMode('ok');
  const ok = () => mine().filter((r) => r.mode === 'ok');
  await waitFor(() => new Set(ok().map((r) => r.event.id)).size >= 4, 'all four events after recovery', 90000);
  for (const r of ok()) {
    assert.ok(verifySignature(ep.secret, r.headers['storefront-signature'], r.body), 'valid signature');
    assert.equal(r.headers['storefront-event-id'], r.event.id);
  }
  for (const o of orders) {
    const types = ok().filter((r) => r.event.data.object.number === o.number).map((r) => r.event.type);
    assert.ok(types.includes('order.created'), `${o.number}: order.created delivered`);
  }
  // In order per resource: order.cancelled of the first order was not attempted (in
  // any mode) before its order.created was accepted.
  const all = mine();
  const createdOk = all.findIndex((r) => r.mode === 'ok' && r.event.type === 'order.created'
    && r.event.data.object.number === orders[0].number);
  const cancelledFirst = all.findIndex((r) => r.event.type === 'order.cancelled');
  assert.ok(createdOk >= 0 && cancelledFirst > createdOk,
    `order.cancelled (at ${cancelledFirst}) came after the accepted order.created (at ${createdOk})`);
  assert.ok(all.filter((r) => r.event.type === 'order.cancelled').some((r) => r.mode === 'ok'));
  // Marks land right after the answers: poll the list until every row says sent.
  let rowsNow = await deliveries();
  for (let i = 0; i < 100 && !rowsNow.every((d) => d.state === 'sent'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    rowsNow = await deliveries();
  }
  assert.ok(rowsNow.every((d) => d.state === 'sent' && d.last_status === 200 && d.sent_at),
    JSON.stringify(rowsNow.map((d) => [d.state, d.last_status])));
  const ids = rowsNow.map((d) => d.event_id);
  assert.equal(new Set(ids).size, 4, 'one event id per event');
});
