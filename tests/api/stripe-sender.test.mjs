// stripe-sender.test.mjs — what the refund sender's worker tells Stripe after the fact.
//
// A card refund Stripe never answered, still pending more than a day later: Stripe
// prunes idempotency keys once they are 24 hours old, so sending it again under
// `refund-<id>` could make a second refund. The sender first lists the PaymentIntent's
// refunds (GET /v1/refunds?payment_intent=) and settles ours from there
// (metadata.refund_id); while that list fails it creates nothing.
//
// A card order cancelled before it was paid (by the customer, staff or the sweeper): its
// PaymentIntent is cancelled in Stripe (POST /v1/payment_intents/{id}/cancel, key
// `order-<number>-pi-cancel`), so a later confirm is refused; Stripe down → tried again;
// a paid order's PaymentIntent is left alone; paid before the cancel arrived → recorded
// as `succeeded`.
//
// The server here is the only one with a refund sender while it runs (node.cmake:
// RESOURCE_LOCK with api/refunds): a sender works on every due row in the shared
// database with its own Stripe key. Its resend delay is 10 minutes, so the test alone
// makes a row due again (resend_at, due_at) and a day old (created_at).
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

const intent = async (pi) => (await fake('GET', `/v1/payment_intents/${pi}`, { key: w.key })).body;
const cancelRow = (orderId) => sql(`SELECT coalesce(outcome, '-'), due_at IS NULL FROM payment_intent_cancels WHERE order_id = ${Number(orderId)}`);
const orderId = (number) => sql(`SELECT id FROM orders WHERE number = '${number}'`);
const cancelCalls = async (pi) => (await requests(w.key, 'POST', `/v1/payment_intents/${pi}/cancel`));

test('a card order cancelled before payment: its PaymentIntent is cancelled in Stripe, and a confirm is refused', async () => {
  const c = await w.checkout({ quantity: 1 });
  assert.equal(c.res.status, 201, c.res.text);
  const o = c.res.body;
  const pi = o.payment.payment_intent_id;
  const res = await w.send('POST', `/v1/me/orders/${o.number}/cancel`, { token: c.token });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'cancelled');
  await eventually(async () => (await intent(pi)).status === 'canceled', 'the PaymentIntent cancelled', 300);
  const [call] = await cancelCalls(pi);
  assert.equal(call.headers['idempotency-key'], `order-${o.number}-pi-cancel`);
  assert.equal(call.headers['stripe-version'], '2024-06-20');
  assert.equal(cancelRow(orderId(o.number)), 'canceled|t');
  const confirm = await w.confirm(pi);
  assert.equal(confirm.status, 400);
  assert.equal(confirm.body.error.code, 'payment_intent_unexpected_state');
  assert.equal((await w.order(o.number)).status, 'cancelled');
});

test('Stripe down at the cancel: sent again until it answers; a paid order and one paid first are not cancelled', async () => {
  // Stripe failing: staff cancel, the call fails, the row stays due.
  const c = await w.checkout({ quantity: 1 });
  assert.equal(c.res.status, 201, c.res.text);
  const o = c.res.body;
  const pi = o.payment.payment_intent_id;
  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: '500' } });
  const res = await w.send('POST', `/v1/admin/orders/${o.number}/transitions`, { token: w.admin, body: { action: 'cancel' } });
  assert.equal(res.status, 200, res.text);
  // Recorded as no answer: due again after the backoff (15 min here), beyond the lease
  // the round took (under 4 min).
  await eventually(async () => sql(`SELECT due_at > now() + interval '10 minutes' FROM payment_intent_cancels
    WHERE order_id = ${Number(orderId(o.number))}`) === 't', 'the failed cancel recorded', 300);
  assert.equal((await cancelCalls(pi)).length, 1);
  assert.equal((await intent(pi)).status, 'requires_payment_method');
  assert.equal(cancelRow(orderId(o.number)), '-|f', 'still due');
  sql(`UPDATE payment_intent_cancels SET due_at = now() WHERE order_id = ${Number(orderId(o.number))}`);
  await eventually(async () => (await intent(pi)).status === 'canceled', 'cancelled on the second try', 300);
  const calls = await cancelCalls(pi);
  assert.deepEqual(calls.map((r) => r.status), [500, 200]);
  assert.ok(calls.every((r) => r.headers['idempotency-key'] === `order-${o.number}-pi-cancel`));

  // Paid, then cancelled by staff (to be refunded): nothing to cancel in Stripe.
  const p = await w.checkout({ quantity: 1 });
  const paid = p.res.body;
  assert.equal((await w.confirm(paid.payment.payment_intent_id)).status, 200);
  await eventually(async () => (await w.order(paid.number)).status === 'paid', `${paid.number} paid`);
  const cancelPaid = await w.send('POST', `/v1/admin/orders/${paid.number}/transitions`, { token: w.admin, body: { action: 'cancel' } });
  assert.equal(cancelPaid.status, 200, cancelPaid.text);
  assert.equal(cancelRow(orderId(paid.number)), '', 'no cancel for a paid order');

  // Paid in Stripe, but the webhook not yet in when the customer cancels: Stripe refuses
  // the cancel, and the PaymentIntent's status is recorded for staff.
  const q = await w.checkout({ quantity: 1 });
  const first = q.res.body;
  await fake('POST', '/__config', { body: { key: w.key, enabled_events: [] } });
  try {
    assert.equal((await w.confirm(first.payment.payment_intent_id)).status, 200);
    const res2 = await w.send('POST', `/v1/me/orders/${first.number}/cancel`, { token: q.token });
    assert.equal(res2.status, 200, res2.text);
    await eventually(async () => cancelRow(orderId(first.number)) === 'succeeded|t', 'the refusal recorded', 300);
    assert.equal((await intent(first.payment.payment_intent_id)).status, 'succeeded');
  } finally {
    await fake('POST', '/__config', { body: { key: w.key, enabled_events: ['*'] } });
  }
});
