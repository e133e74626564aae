// refund-resend.test.mjs — a card refund Stripe never answered, still pending more than
// a day later. Stripe prunes idempotency keys once they are 24 hours old, so sending it
// again under `refund-<id>` could make a second refund: the refund sender first lists
// the PaymentIntent's refunds (GET /v1/refunds?payment_intent=) and settles ours from
// there (metadata.refund_id); while that list fails it creates nothing.
//
// The server here is the only one with a refund sender while it runs (node.cmake:
// RESOURCE_LOCK with api/refunds): a sender sends every due refund in the shared
// database with its own Stripe key. Its resend delay is 10 minutes, so the test alone
// makes the refund due (resend_at) and a day old (created_at).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from './lib/orders.mjs';
import { eventually, fake, requests, stripeWorld } from './lib/stripe.mjs';

let w;

before(async () => {
  w = await stripeWorld('RefundResend1', 7, { REFUND_RESEND_SECONDS: '600', REFUND_RESEND_MAX_SECONDS: '900' });
});

after(async () => {
  if (w) await w.stop();
});

const due = (id, age = '25 hours') =>
  sql(`UPDATE refunds SET created_at = now() - interval '${age}', resend_at = now() WHERE id = ${Number(id)}`);
const refundCalls = async () => (await requests(w.key)).filter((r) => r.path === '/v1/refunds');

test('a day on, with its key pruned: found in Stripe, never made twice; no create while the list fails', async () => {
  const c = await w.checkout({ quantity: 1 });
  assert.equal(c.res.status, 201, c.res.text);
  const o = c.res.body;
  const pi = o.payment.payment_intent_id;
  assert.equal((await w.confirm(pi)).status, 200);
  await eventually(async () => (await w.order(o.number)).status === 'paid', `${o.number} paid`);
  // Stripe's refund webhooks held back, so only the sender can settle it.
  assert.equal((await fake('POST', '/__config', { body: { key: w.key, enabled_events: ['payment_intent.succeeded'] } })).status, 200);
  // Stripe makes the refund, but its answer is lost: 202, pending.
  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: 'lost' } });
  const res = await w.send('POST', `/v1/admin/orders/${o.number}/refunds`, { token: w.admin, body: { amount: 25 } });
  assert.equal(res.status, 202, res.text);
  const { id } = res.body;
  // A day on: Stripe has pruned the key `refund-<id>`.
  assert.equal((await fake('POST', '/__idempotency/forget', { body: { key: w.key } })).status, 200);

  // Stripe failing the list: nothing is created, the refund stays pending.
  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: '500' } });
  due(id);
  await eventually(async () => (await refundCalls()).some((r) => r.method === 'GET' && r.status === 500), 'the sender tried to list');
  const get = () => w.send('GET', `/v1/admin/orders/${o.number}/refunds/${id}`, { token: w.admin });
  assert.equal((await get()).body.status, 'pending');
  assert.deepEqual((await refundCalls()).filter((r) => r.method === 'POST').map((r) => r.status), ['fault:lost:200']);

  // Stripe answering: the refund it made is found and taken over.
  due(id);
  const done = await eventually(async () => {
    const r = await get();
    return r.body.status === 'succeeded' && r.body;
  }, 'the sender settled the old refund', 300);
  const made = (await fake('GET', `/v1/refunds?payment_intent=${pi}&limit=100`, { key: w.key })).body.data;
  assert.equal(made.length, 1, 'Stripe made exactly one refund');
  assert.equal(made[0].metadata.refund_id, String(id));
  assert.equal(done.provider_refund_id, made[0].id);
  assert.deepEqual((await refundCalls()).filter((r) => r.method === 'POST').map((r) => r.status), ['fault:lost:200'],
    'no create after the lost one');
  assert.equal((await w.order(o.number)).refunded.amount, 25);
});

test('a day on, and Stripe never made it: the sender creates it once', async () => {
  const c = await w.checkout({ quantity: 1 });
  assert.equal(c.res.status, 201, c.res.text);
  const o = c.res.body;
  assert.equal((await w.confirm(o.payment.payment_intent_id)).status, 200);
  await eventually(async () => (await w.order(o.number)).status === 'paid', `${o.number} paid`);
  // The connection dropped before Stripe did anything.
  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: 'drop' } });
  const res = await w.send('POST', `/v1/admin/orders/${o.number}/refunds`, { token: w.admin, body: { amount: 30 } });
  assert.equal(res.status, 202, res.text);
  const { id } = res.body;
  due(id);
  const done = await eventually(async () => {
    const r = await w.send('GET', `/v1/admin/orders/${o.number}/refunds/${id}`, { token: w.admin });
    return r.body.status === 'succeeded' && r.body;
  }, 'the sender made the refund', 300);
  const made = (await fake('GET', `/v1/refunds?payment_intent=${o.payment.payment_intent_id}&limit=100`, { key: w.key })).body.data;
  assert.deepEqual(made.map((r) => r.id), [done.provider_refund_id]);
});
